package social

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/infosegura/escucha"
)

// found is one item a listing returned.
type found struct {
	doc *escucha.Document
	// ref is what the connector needs to refresh the item ("" = not refreshed).
	ref string
	// pos places the item in its listing for the cursor (zero: not a listing item,
	// e.g. a comment fetched for a new video).
	pos position
	// alias dedupes one post seen through several sources with different ids
	// (a Mastodon status on two instances): the first id wins.
	alias string
}

// page is one page of a newest-first listing.
type page struct {
	items []found
	next  string // token of the next (older) page; "" at the end
	// problems are item-level errors (schema drift) that did not stop the page.
	problems []error
}

// pageReq asks a source for a page: Token "" is the newest page; Since is the
// stop mark, which sources may pass to the server as a filter.
type pageReq struct {
	Token string
	Since position
}

// source is one listing: a hashtag on an instance, a search, a channel.
type source struct {
	key   string // state key: platform|base|what
	name  string // for health and logs
	fetch func(ctx context.Context, r pageReq) (page, error)
}

// outcome of refreshing one tracked post.
type outcome struct {
	doc     *escucha.Document // new figures (nil with deleted or err)
	deleted bool
	err     error
}

// connector is one platform.
type connector interface {
	platform() string
	sources() []source
	// refresh re-reads ts; the result has one outcome per item, in order.
	refresh(ctx context.Context, ts []*tracked) []outcome
}

// SourceHealth is what the dashboards show about one source.
type SourceHealth struct {
	Platform  string    `json:"platform"`
	Source    string    `json:"source"`
	LastRun   time.Time `json:"last_run,omitzero"`
	LastOK    time.Time `json:"last_ok,omitzero"`
	Documents int64     `json:"documents"`
	// Problem is the kind of the last error (schema_drift, rate_limited,
	// unavailable, unauthorized, not_found, invalid); "" when the last run was clean.
	Problem   string `json:"problem,omitempty"`
	LastError string `json:"last_error,omitempty"`
	Failures  int    `json:"consecutive_failures,omitempty"`
}

// OK reports whether the last run had no problem.
func (h SourceHealth) OK() bool { return h.Problem == "" }

// Collector runs the configured connectors.
type Collector struct {
	cfg   Config
	log   *slog.Logger
	conns []connector
	st    *store
	now   func() time.Time

	mu     sync.Mutex
	health map[string]*SourceHealth
	emitMu sync.Mutex
}

// New builds a Collector from a validated config. Connectors without anything to
// collect are left out; a config with nothing at all is an error.
func New(cfg Config, log *slog.Logger) (*Collector, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	c := &Collector{cfg: cfg, log: log, now: time.Now, health: map[string]*SourceHealth{}}
	for _, conn := range []connector{
		newMastodon(cfg, log), newBluesky(cfg, log), newReddit(cfg, log),
		newTelegram(cfg, log), newYouTube(cfg, log),
	} {
		if conn == nil || len(conn.sources()) == 0 {
			continue
		}
		c.conns = append(c.conns, conn)
		for _, s := range conn.sources() {
			c.health[s.key] = &SourceHealth{Platform: conn.platform(), Source: s.name}
		}
		c.health[refreshKey(conn.platform())] = &SourceHealth{Platform: conn.platform(), Source: "refresh"}
	}
	if len(c.conns) == 0 {
		return nil, escucha.Errorf(escucha.EInvalid, "social config: no connector has anything to collect")
	}
	st, err := openStore(cfg.Social.StateDir)
	if err != nil {
		return nil, err
	}
	c.st = st
	return c, nil
}

// Platforms lists the platforms that will run.
func (c *Collector) Platforms() []string {
	var out []string
	for _, k := range c.conns {
		out = append(out, k.platform())
	}
	return out
}

// Health returns the health of every source, sorted by platform and source.
func (c *Collector) Health() []SourceHealth {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]SourceHealth, 0, len(c.health))
	for _, h := range c.health {
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Platform != out[j].Platform {
			return out[i].Platform < out[j].Platform
		}
		return out[i].Source < out[j].Source
	})
	return out
}

// Close saves the state.
func (c *Collector) Close() error { return c.st.save() }

// RunOnce reads every source once (new posts, down to the cursor or the backfill
// horizon, at most MaxPages pages each) and refreshes the posts that are due.
// Source errors go to Health and do not stop other sources; RunOnce fails when an
// emit fails (the sink is down) or when every source failed.
func (c *Collector) RunOnce(ctx context.Context, emit escucha.Emit) error {
	return c.round(ctx, emit, true)
}

// Run collects every Poll and refreshes due posts, until ctx is cancelled.
func (c *Collector) Run(ctx context.Context, emit escucha.Emit) error {
	nextPoll := time.Time{}
	for {
		collect := !c.now().Before(nextPoll)
		if collect {
			nextPoll = c.now().Add(c.cfg.Social.Poll.D())
		}
		if err := c.round(ctx, emit, collect); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ee *emitError
			if errors.As(err, &ee) {
				return err
			}
			c.log.Warn("social round had errors", "err", err)
		}
		wake := nextPoll
		if d := c.st.nextDue(); !d.IsZero() && d.Before(wake) {
			wake = d
		}
		wait := max(time.Second, wake.Sub(c.now()))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

type emitError struct{ err error }

func (e *emitError) Error() string { return "emit: " + e.err.Error() }
func (e *emitError) Unwrap() error { return e.err }

func (c *Collector) round(ctx context.Context, emit escucha.Emit, collect bool) error {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		fatal   error
		saveErr error
		tried   int
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	safeEmit := func(ctx context.Context, d *escucha.Document) error {
		c.emitMu.Lock()
		defer c.emitMu.Unlock()
		if err := emit(ctx, d); err != nil {
			return &emitError{err}
		}
		return nil
	}
	for _, conn := range c.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var srcErrs []error
			n := 0
			// Refresh first: what this round collects is re-read from the next round on.
			rerr := c.refreshDue(ctx, conn, safeEmit)
			if collect && rerr == nil {
				for _, s := range conn.sources() {
					n++
					if err := c.collectSource(ctx, conn.platform(), s, safeEmit); err != nil {
						srcErrs = append(srcErrs, fmt.Errorf("%s %s: %w", conn.platform(), s.name, err))
					}
					if ctx.Err() != nil {
						break
					}
				}
			}
			serr := c.st.save()
			mu.Lock()
			defer mu.Unlock()
			tried += n
			errs = append(errs, srcErrs...)
			if serr != nil && saveErr == nil {
				saveErr = serr
			}
			for _, e := range append(srcErrs, rerr) {
				var ee *emitError
				if errors.As(e, &ee) && fatal == nil {
					fatal = e
					cancel()
				}
			}
		}()
	}
	wg.Wait()
	c.st.prune(c.now(), c.cfg.Social.Retention.D())
	if err := c.st.save(); err != nil && saveErr == nil {
		saveErr = err
	}
	if fatal != nil {
		return fatal
	}
	if saveErr != nil {
		// Without the state a restart would repeat this round's posts.
		return saveErr
	}
	if tried > 0 && len(errs) >= tried {
		return fmt.Errorf("every source failed: %w", errors.Join(errs...))
	}
	return nil
}

// collectSource reads new pages of s down to its cursor, then fills gaps left by
// earlier rounds, within MaxPages.
func (c *Collector) collectSource(ctx context.Context, platform string, s source, emit escucha.Emit) error {
	cur := c.st.cursor(s.key)
	budget := c.cfg.Social.MaxPages
	stop := cur.Top
	firstRun := stop.zero()
	if firstRun {
		if b := c.cfg.Social.Backfill.D(); b > 0 {
			stop = position{T: c.now().Add(-b)}
		}
	} else if stop.N == "" {
		stop.T = stop.T.Add(-c.cfg.Social.Overlap.D())
	}
	var emitted int64
	var problems []error
	pass := func(token string, stop position) (string, position, bool, error) {
		newest := position{}
		for budget > 0 {
			budget--
			p, err := s.fetch(ctx, pageReq{Token: token, Since: stop})
			if err != nil {
				return token, newest, false, err
			}
			problems = append(problems, p.problems...)
			reached := len(p.items) == 0
			for _, f := range p.items {
				if !f.pos.zero() && f.pos.older(stop) {
					reached = true
					// Below the cursor: only a post we already track is offered
					// (new figures make a new version; the same figures do nothing).
					if !c.st.tracks(f.doc.ID) {
						continue
					}
				} else if f.pos.after(newest) {
					newest = f.pos
				}
				n, err := c.offer(ctx, platform, s.name, f, emit)
				if err != nil {
					return token, newest, false, err
				}
				emitted += n
			}
			if reached || p.next == "" || p.next == token {
				return "", newest, true, nil
			}
			token = p.next
		}
		return token, newest, false, nil
	}
	hadGaps := len(cur.Gaps) > 0
	// New posts first.
	token, newest, done, err := pass("", stop)
	if newest.after(cur.Top) {
		cur.Top = newest
	}
	// Pages left unread become a gap for later rounds; on a first run without a
	// backfill limit, older history is left alone instead.
	if err == nil && !done && token != "" && !(firstRun && stop.zero()) {
		cur.Gaps = append(cur.Gaps, gap{Token: token, Stop: stop})
	}
	// Then what earlier rounds left; always at least a page, so a busy source
	// cannot starve its gaps.
	if hadGaps && budget == 0 {
		budget = 1
	}
	for err == nil && budget > 0 && len(cur.Gaps) > 0 {
		g := cur.Gaps[0]
		var tok string
		tok, _, done, err = pass(g.Token, g.Stop)
		var st *StatusError
		if errors.As(err, &st) && st.Status >= 400 && st.Status < 500 && st.Status != 429 && tok == g.Token {
			// The server no longer takes this page token (expired cursor): the
			// stretch cannot be read any more. Say so, and stop retrying it.
			c.log.Warn("unread stretch abandoned: page token refused", "source", s.name, "token", trunc(g.Token, 40), "err", err)
			problems = append(problems, fmt.Errorf("unread stretch abandoned (token refused): %w", err))
			cur.Gaps = cur.Gaps[1:]
			err = nil
			continue
		}
		if done {
			cur.Gaps = cur.Gaps[1:]
		} else if tok != "" {
			cur.Gaps[0].Token = tok
		}
	}
	const maxGaps = 20
	if len(cur.Gaps) > maxGaps {
		c.log.Warn("too many unread stretches; dropping the oldest", "source", s.name, "dropped", len(cur.Gaps)-maxGaps)
		cur.Gaps = cur.Gaps[len(cur.Gaps)-maxGaps:]
	}
	if err != nil {
		// The cursor stays where it was: the next round reads again what this one
		// could not finish, and the posts already emitted are recognised as repeats.
		c.note(s.key, emitted, err)
		return err
	}
	c.st.setCursor(s.key, cur)
	// Item-level problems (schema drift) show in health but the source ran.
	var perr error
	if len(problems) > 0 {
		perr = fmt.Errorf("%d items skipped: %w", len(problems), errors.Join(problems[:min(3, len(problems))]...))
	}
	c.note(s.key, emitted, perr)
	return nil
}

// note records a source's run in its health.
func (c *Collector) note(key string, docs int64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h := c.health[key]
	if h == nil {
		return
	}
	now := c.now()
	h.LastRun = now
	h.Documents += docs
	if err == nil {
		h.LastOK, h.Problem, h.LastError, h.Failures = now, "", "", 0
		sourceUp.WithLabelValues(h.Platform, h.Source).Set(1)
		return
	}
	var ee *emitError
	if errors.As(err, &ee) {
		return
	}
	h.Problem = problemOf(err)
	h.LastError = err.Error()
	sourceUp.WithLabelValues(h.Platform, h.Source).Set(0)
	h.Failures++
	problemsTotal.WithLabelValues(h.Platform, h.Problem).Inc()
	c.log.Warn("social source problem", "platform", h.Platform, "source", h.Source, "problem", h.Problem, "err", err)
}

func mergeCampaigns(a, b []escucha.CampaignMatch) []escucha.CampaignMatch {
	if len(a) == 0 {
		return b
	}
	out := append([]escucha.CampaignMatch(nil), a...)
	for _, m := range b {
		i := slices.IndexFunc(out, func(x escucha.CampaignMatch) bool { return x.ID == m.ID })
		if i < 0 {
			out = append(out, m)
			continue
		}
		merged := append([]string(nil), out[i].Matched...)
		for _, s := range m.Matched {
			if !slices.Contains(merged, s) {
				merged = append(merged, s)
			}
		}
		out[i] = escucha.CampaignMatch{ID: m.ID, Matched: merged}
	}
	return out
}

func figures(e escucha.Engagement) [4]int64 { return [4]int64{e.Likes, e.Shares, e.Replies, e.Views} }

// offer emits f.doc if it is new or its figures changed (version+1), and tracks it
// for refresh. It returns how many documents were emitted.
func (c *Collector) offer(ctx context.Context, platform, srcName string, f found, emit escucha.Emit) (int64, error) {
	d := f.doc
	now := c.now()
	d.Platform = platform
	d.Fetched = now
	if d.Kind == "" {
		d.Kind = escucha.KindPost
	}
	c.st.mu.Lock()
	if f.alias != "" {
		if id, ok := c.st.d.Alias[f.alias]; ok && id != d.ID {
			c.st.mu.Unlock()
			return 0, nil
		}
	}
	old := c.st.d.Posts[d.ID]
	var t tracked
	reason := "new"
	switch {
	case old == nil && d.Deleted: // removed before we ever saw it
		c.st.mu.Unlock()
		return 0, nil
	case old == nil:
		r := c.cfg.Social.Refresh
		until := d.Published.Add(r.Window.D())
		if min := now.Add(r.TrackMin.D()); until.Before(min) {
			until = min
		}
		t = tracked{ID: d.ID, Platform: platform, Kind: d.Kind, Ref: f.ref, Source: d.Source,
			URL: d.URL, Published: d.Published, Until: until}
	case old.Deleted:
		c.st.mu.Unlock()
		return 0, nil

	case figures(d.Engagement) == old.Fig && !d.Deleted:
		c.st.mu.Unlock()
		return 0, nil
	default:
		t = *old
		reason = "changed"
	}
	c.st.mu.Unlock()

	d.Version = t.Version + 1
	// A later read (a refresh, another source) keeps the campaigns an earlier one found.
	d.Campaigns = mergeCampaigns(t.Campaigns, d.Campaigns)
	t.Campaigns = d.Campaigns
	if d.Deleted {
		reason = "deleted"
	}
	if err := emit(ctx, d); err != nil {
		return 0, err
	}
	postsTotal.WithLabelValues(platform, reason).Inc()
	t.Version = d.Version
	t.Fig = figures(d.Engagement)
	t.Deleted = d.Deleted
	if old == nil {
		if f.ref != "" {
			schedule(&t, now, c.cfg.Social.Refresh)
		}
	}
	c.st.mu.Lock()
	c.st.d.Posts[d.ID] = &t
	if f.alias != "" {
		c.st.d.Alias[f.alias] = d.ID
	}
	c.st.mu.Unlock()
	return 1, nil
}

// refreshDue re-reads the posts of conn whose refresh time has come.
func (c *Collector) refreshDue(ctx context.Context, conn connector, emit escucha.Emit) error {
	if c.cfg.Social.Refresh.Disabled {
		return nil
	}
	due := c.st.due(conn.platform(), c.now(), c.cfg.Social.Refresh.Batch)
	if len(due) == 0 {
		return nil
	}
	outs := conn.refresh(ctx, due)
	var errs []error
	var emitted int64
	// Every post of a batch deleted at once is far more likely a broken endpoint
	// (or a route the server does not have) than a purge: report, delete nothing.
	if deleted := countDeleted(outs); len(due) >= 3 && deleted == len(due) {
		err := escucha.Errorf(escucha.EUnavailable, "refresh: all %d posts answered as deleted; not believed", len(due))
		for i := range outs {
			outs[i] = outcome{err: err}
		}
	}
	for i, t := range due {
		o := outcome{err: fmt.Errorf("refresh %s: no outcome", t.ID)}
		if i < len(outs) {
			o = outs[i]
		}
		now := c.now()
		switch {
		case o.err != nil && !gone(o.err):
			errs = append(errs, fmt.Errorf("refresh %s: %w", t.ID, o.err))
			// Try again after an interval, without counting this as a read.
			c.st.mu.Lock()
			if cur := c.st.d.Posts[t.ID]; cur != nil && !cur.Deleted {
				if next := now.Add(c.cfg.Social.Refresh.Interval.D()); next.Before(cur.Until) {
					cur.NextAt = next
				} else {
					cur.NextAt = time.Time{}
				}
			}
			c.st.mu.Unlock()
			continue
		case o.err != nil || o.deleted:
			d := &escucha.Document{ID: t.ID, Platform: t.Platform, Kind: t.Kind, URL: t.URL,
				Source: t.Source, Published: t.Published, Deleted: true}
			n, err := c.offer(ctx, t.Platform, t.Source, found{doc: d, ref: t.Ref}, emit)
			if err != nil {
				return err
			}
			emitted += n
		case o.doc == nil:
			errs = append(errs, fmt.Errorf("refresh %s: no answer", t.ID))
			continue
		default:
			if o.doc.ID != t.ID {
				errs = append(errs, fmt.Errorf("refresh %s: answer is about %s", t.ID, o.doc.ID))
				continue
			}
			n, err := c.offer(ctx, t.Platform, t.Source, found{doc: o.doc, ref: t.Ref}, emit)
			if err != nil {
				return err
			}
			emitted += n
		}
		c.st.mu.Lock()
		if cur := c.st.d.Posts[t.ID]; cur != nil && !cur.Deleted {
			cur.Checks++
			schedule(cur, now, c.cfg.Social.Refresh)
		}
		c.st.mu.Unlock()
	}
	var err error
	if len(errs) > 0 {
		err = fmt.Errorf("%d of %d refreshes failed: %w", len(errs), len(due), errors.Join(errs[:min(3, len(errs))]...))
	}
	c.note(refreshKey(conn.platform()), emitted, err)
	return nil
}

// settleBatch fills the outcomes of the tracked posts ts[idx…] from one batch
// answer (documents and decode errors keyed by document id): the document, its
// decode error, or deleted when a clean answer lacks it. A failure of the whole
// call is never a deletion, even a 404 (that is a missing route, not a post).
func settleBatch(out []outcome, ts []*tracked, idx []int, got map[string]*escucha.Document, bad map[string]error, err error) {
	if err != nil && gone(err) {
		err = escucha.Errorf(escucha.EUnavailable, "batch read (not a deletion): %s", err.Error())
	}
	for _, j := range idx {
		t := ts[j]
		d := got[t.ID]
		switch {
		case err != nil:
			out[j].err = err
		case d != nil && d.Deleted:
			out[j].deleted = true
		case d != nil:
			if d.Source == "" {
				d.Source = t.Source
			}
			out[j].doc = d
		case bad[t.ID] != nil:
			out[j].err = bad[t.ID]
		default:
			out[j].deleted = true
		}
	}
}

func countDeleted(outs []outcome) int {
	n := 0
	for _, o := range outs {
		if o.deleted || (o.err != nil && gone(o.err)) {
			n++
		}
	}
	return n
}

func refreshKey(platform string) string { return platform + "|refresh" }
