package crawl

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/infosegura/escucha"
)

// Crawler crawls the configured news sources. It is safe to call Health while a
// run is going on; RunOnce and Run must not overlap.
type Crawler struct {
	cfg    Config
	logger *slog.Logger
	st     *store
	f      *fetcher
	ww     *warcWriter
	health *healthBook

	emitMu sync.Mutex // serialises near-dup check, emit and seen marking
}

// New opens the state directory (seen-store, schedule, health.json) and the WARC
// file when configured.
func New(cfg Config, logger *slog.Logger) (*Crawler, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	st, err := openStore(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	c := &Crawler{cfg: cfg, logger: logger, st: st, health: loadHealth(filepath.Join(cfg.StateDir, "health.json"), cfg.Sources)}
	if cfg.WARCDir != "" {
		if c.ww, err = openWARC(cfg.WARCDir, cfg.UserAgent, cfg.WARCMaxBytes); err != nil {
			st.Close()
			return nil, err
		}
	}
	hosts := map[string]time.Duration{}
	for _, s := range cfg.Sources {
		for _, u := range append(append(append([]string{s.Home}, s.Feeds...), s.Sitemaps...), s.Sections...) {
			if pu, err := url.Parse(u); err == nil && pu.Host != "" {
				hosts[pu.Host] = s.Delay
			}
		}
	}
	if c.f, err = newFetcher(cfg, hosts, c.ww, logger); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Close releases the seen-store and the WARC file and writes health.json.
func (c *Crawler) Close() error {
	var errs []error
	if c.health != nil {
		errs = append(errs, c.health.save())
	}
	if c.ww != nil {
		errs = append(errs, c.ww.Close())
		c.ww = nil
	}
	if c.st != nil {
		errs = append(errs, c.st.Close())
		c.st = nil
	}
	return errors.Join(errs...)
}

// Health returns the health of every source.
func (c *Crawler) Health() []SourceHealth { return c.health.snapshot() }

// RunOnce crawls every enabled source once (every feed, sitemap and section,
// whether due or not) and returns. Only an emit failure or ctx ends it with an
// error; fetch errors are counted in Health.
func (c *Crawler) RunOnce(ctx context.Context, emit escucha.Emit) error {
	return c.pass(ctx, emit, true)
}

// Run crawls continuously: each feed, sitemap and section page is revisited on its
// own adaptive interval (shorter when most of its items are new, longer when
// nothing changes), until ctx is cancelled.
func (c *Crawler) Run(ctx context.Context, emit escucha.Emit) error {
	for {
		if err := c.pass(ctx, emit, false); err != nil {
			return err
		}
		wait := time.Until(c.nextDue())
		wait = max(wait, time.Second)
		wait = min(wait, c.cfg.Revisit.Max)
		c.logger.Debug("crawl pass done", "next_in", wait.String())
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (c *Crawler) nextDue() time.Time {
	next := time.Now().Add(c.cfg.Revisit.Max)
	for _, s := range c.cfg.Sources {
		if s.Disabled {
			continue
		}
		for _, u := range c.endpoints(s) {
			sc, ok := c.st.schedule(u)
			if !ok {
				return time.Now()
			}
			if sc.Next.Before(next) {
				next = sc.Next
			}
		}
	}
	return next
}

func (c *Crawler) endpoints(s Source) []string {
	out := append(append([]string{}, s.Feeds...), s.Sitemaps...)
	return append(out, c.sectionPages(s)...)
}

func (c *Crawler) sectionPages(s Source) []string {
	if len(s.Sections) > 0 {
		return s.Sections
	}
	if s.Home != "" {
		return []string{s.Home}
	}
	return nil
}

func (c *Crawler) pass(ctx context.Context, emit escucha.Emit, all bool) error {
	sess := c.f.session(ctx)
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var fatal error
	claimed := &sync.Map{}
	for _, s := range c.cfg.Sources {
		if s.Disabled {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return ctx.Err()
		}
		wg.Add(1)
		go func(s Source) {
			defer wg.Done()
			defer func() { <-sem }()
			r := &sourceRun{c: c, src: s, sess: sess, emit: emit, all: all, claimed: claimed,
				loc: CountryZone(s.Country), budget: c.cfg.MaxPagesPerSource, shapes: map[string]int{}, queued: map[string]bool{}}
			if s.MaxPages > 0 {
				r.budget = s.MaxPages
			}
			if err := r.crawl(ctx); err != nil {
				mu.Lock()
				if fatal == nil {
					fatal = err
				}
				mu.Unlock()
			}
		}(s)
	}
	wg.Wait()
	if err := c.health.save(); err != nil {
		c.logger.Warn("save health", "err", err)
	}
	if fatal != nil {
		return fatal
	}
	return ctx.Err()
}

// item is a page to fetch.
type item struct {
	link    Link
	depth   int  // hops from a section page (0 = the section page itself)
	listing bool // a section/archive page: follow links, do not emit
	recheck bool // a known article fetched again for corrections (Updates)
}

// sourceRun is one source's share of a pass.
type sourceRun struct {
	c       *Crawler
	src     Source
	sess    *colly.Collector
	emit    escucha.Emit
	all     bool
	loc     *time.Location
	claimed *sync.Map

	mu      sync.Mutex
	budget  int
	pages   int
	ok      bool
	shapes  map[string]int
	queued  map[string]bool
	queue   []item
	pending int
	cond    *sync.Cond
	fatal   error
}

func (r *sourceRun) crawl(ctx context.Context) error {
	r.cond = sync.NewCond(&r.mu)
	var links []Link
	for _, u := range r.src.Feeds {
		links = append(links, r.pollFeed(ctx, u)...)
	}
	for _, u := range r.src.Sitemaps {
		links = append(links, r.pollSitemap(ctx, u, 0)...)
	}
	// New articles first; then the known ones that are due a re-check (Updates), so that
	// re-checks never take the page budget from new articles.
	var known []Link
	for _, l := range links {
		if !r.enqueue(item{link: l}) {
			known = append(known, l)
		}
	}
	now := time.Now()
	for _, l := range known {
		if rec, ok := r.c.st.seen(seenKey(Canonicalize(l.URL))); ok && r.c.cfg.Updates.due(rec, now) {
			r.push(item{link: l, recheck: true})
		}
	}
	if len(links) == 0 || r.src.AlwaysSections || r.c.cfg.Backfill.Enabled() {
		for _, u := range r.c.sectionPages(r.src) {
			if r.all || r.due(u) {
				r.push(item{link: Link{URL: u, From: "section"}, listing: true})
			}
		}
		if r.c.cfg.Backfill.Enabled() {
			for _, u := range r.archivePages() {
				r.push(item{link: Link{URL: u, From: "archive"}, listing: true})
			}
		}
	}
	workers := max(r.c.cfg.PerHostConcurrency, 1)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(ctx)
		}()
	}
	wg.Wait()
	r.c.health.finishRun(r.src.Name, r.ok, r.pages, time.Now())
	return r.fatal
}

// enqueue adds a discovered article link unless it is known, filtered or queued. It
// reports false only for a link already in the seen-store.
func (r *sourceRun) enqueue(it item) bool {
	canon := Canonicalize(it.link.URL)
	if canon == "" {
		return true
	}
	if !r.c.cfg.Backfill.inRange(it.link.Published) {
		return true
	}
	key := seenKey(canon)
	if _, ok := r.c.st.seen(key); ok {
		return false
	}
	r.push(it)
	return true
}

func (r *sourceRun) push(it item) {
	canon := Canonicalize(it.link.URL)
	if canon == "" {
		return
	}
	key := seenKey(canon)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.queued[key] {
		return
	}
	r.queued[key] = true
	r.queue = append(r.queue, it)
	r.pending++
	r.cond.Signal()
}

func (r *sourceRun) pop(ctx context.Context) (item, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.queue) == 0 && r.pending > 0 && ctx.Err() == nil && r.fatal == nil {
		r.cond.Wait()
	}
	if len(r.queue) == 0 || ctx.Err() != nil || r.fatal != nil {
		r.cond.Broadcast()
		return item{}, false
	}
	it := r.queue[0]
	r.queue = r.queue[1:]
	return it, true
}

func (r *sourceRun) done() {
	r.mu.Lock()
	r.pending--
	r.mu.Unlock()
	r.cond.Broadcast()
}

func (r *sourceRun) work(ctx context.Context) {
	stop := context.AfterFunc(ctx, func() { r.cond.Broadcast() })
	defer stop()
	for {
		it, ok := r.pop(ctx)
		if !ok {
			return
		}
		if err := r.page(ctx, it); err != nil {
			r.mu.Lock()
			if r.fatal == nil {
				r.fatal = err
			}
			r.mu.Unlock()
		}
		r.done()
	}
}

func (r *sourceRun) takeBudget() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pages >= r.budget {
		return false
	}
	r.pages++
	return true
}

func (r *sourceRun) fail(what string, err error, status int) {
	kind := errorKind(err, status)
	if err == nil {
		err = fmt.Errorf("%w %d", ErrHTTPStatus, status)
	}
	r.c.logger.Debug("crawl error", "source", r.src.Name, "what", what, "kind", kind, "err", err)
	r.c.health.errorf(r.src.Name, kind, err)
}

func (r *sourceRun) succeeded() {
	r.mu.Lock()
	r.ok = true
	r.mu.Unlock()
}

// fetchListing fetches a feed, sitemap or section page conditionally, with the
// validators stored under its URL, and stores the new ones.
func (r *sourceRun) fetchListing(ctx context.Context, u, what string) (*response, bool) {
	v := r.c.st.validators(u)
	resp, ok := r.fetch(ctx, u, what, &v)
	if ok {
		if nv := validatorsOf(resp); nv != (validators{}) && nv != v {
			if err := r.c.st.setValidators(u, nv); err != nil {
				r.c.logger.Warn("store validators", "err", err)
			}
		}
	}
	return resp, ok
}

func validatorsOf(resp *response) validators {
	return validators{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
}

// fetch gets u, conditionally when cond is set, and records the outcome.
func (r *sourceRun) fetch(ctx context.Context, u, what string, cond *validators) (*response, bool) {
	hdr := http.Header{}
	if cond != nil {
		if cond.ETag != "" {
			hdr.Set("If-None-Match", cond.ETag)
		}
		if cond.LastModified != "" {
			hdr.Set("If-Modified-Since", cond.LastModified)
		}
	}
	resp, err := r.c.f.get(ctx, r.sess, u, hdr)
	status := 0
	if resp != nil {
		status = resp.Status
	}
	mFetches.WithLabelValues(r.src.Name, what, statusClass(status, err)).Inc()
	if err != nil {
		if ctx.Err() == nil {
			r.fail(what, err, status)
		}
		return nil, false
	}
	if status == http.StatusNotModified {
		r.succeeded()
		return resp, false
	}
	if status >= 400 || status < 200 {
		r.fail(what, nil, status)
		return nil, false
	}
	r.succeeded()
	return resp, true
}

func statusClass(status int, err error) string {
	if err != nil && status == 0 {
		return "error"
	}
	return fmt.Sprintf("%dxx", status/100)
}

func (r *sourceRun) due(u string) bool {
	sc, ok := r.c.st.schedule(u)
	return !ok || !time.Now().Before(sc.Next)
}

// reschedule adapts an endpoint's revisit interval to how much of it was new.
func (r *sourceRun) reschedule(u string, fresh, total int) {
	sc, _ := r.c.st.schedule(u)
	sc = adapt(sc, fresh, total, r.c.cfg.Revisit, time.Now())
	if err := r.c.st.setSchedule(u, sc); err != nil {
		r.c.logger.Warn("store schedule", "err", err)
	}
}

// adapt implements the revisit policy: nothing new → 1.5× longer; two thirds or more
// new (items may have been missed) → half; under a third new → 1.25× longer;
// otherwise unchanged. Clamped to [Min, Max].
func adapt(sc schedule, fresh, total int, rv Revisit, now time.Time) schedule {
	if sc.Interval == 0 {
		sc.Interval = rv.Initial
	}
	switch {
	case fresh == 0:
		sc.Interval = sc.Interval * 3 / 2
	case fresh*3 >= total*2:
		sc.Interval /= 2
	case fresh*3 < total:
		sc.Interval = sc.Interval * 5 / 4
	}
	sc.Interval = min(max(sc.Interval, rv.Min), rv.Max)
	sc.Next = now.Add(sc.Interval)
	sc.LastNew, sc.LastSeen = fresh, total
	return sc
}

func (r *sourceRun) countFresh(links []Link) int {
	n := 0
	for _, l := range links {
		if c := Canonicalize(l.URL); c != "" {
			if _, ok := r.c.st.seen(seenKey(c)); !ok {
				n++
			}
		}
	}
	return n
}

func (r *sourceRun) pollFeed(ctx context.Context, u string) []Link {
	if !r.all && !r.due(u) {
		return nil
	}
	resp, ok := r.fetchListing(ctx, u, "feed")
	if !ok {
		if resp != nil { // 304
			r.reschedule(u, 0, 0)
		}
		return nil
	}
	body, _, err := decodeXML(resp.Body, resp.Charset)
	if err == nil {
		var links []Link
		links, err = ParseFeed(body, resp.URL, r.loc)
		if err == nil {
			r.reschedule(u, r.countFresh(links), len(links))
			return links
		}
	}
	r.fail("feed", fmt.Errorf("%w: %w", errParse, err), 0)
	return nil
}

func (r *sourceRun) pollSitemap(ctx context.Context, u string, depth int) []Link {
	if depth == 0 && !r.all && !r.due(u) {
		return nil
	}
	resp, ok := r.fetchListing(ctx, u, "sitemap")
	if !ok {
		if resp != nil && depth == 0 {
			r.reschedule(u, 0, 0)
		}
		return nil
	}
	body := resp.Body
	if !isGzip(body) {
		var err error
		if body, _, err = decodeXML(body, resp.Charset); err != nil {
			r.fail("sitemap", fmt.Errorf("%w: %w", errParse, err), 0)
			return nil
		}
	}
	sm, err := ParseSitemap(body, resp.URL, r.loc)
	if err != nil {
		r.fail("sitemap", fmt.Errorf("%w: %w", errParse, err), 0)
		return nil
	}
	var links []Link
	if len(sm.Children) > 0 && depth < 2 {
		children := sm.Children
		sort.SliceStable(children, func(i, j int) bool { return children[i].Published.After(children[j].Published) })
		n := 0
		for _, ch := range children {
			if n >= r.c.cfg.MaxSitemaps {
				break
			}
			if bf := r.c.cfg.Backfill; bf.Enabled() && !ch.Published.IsZero() && ch.Published.Before(bf.from) {
				continue
			}
			n++
			links = append(links, r.pollSitemap(ctx, ch.URL, depth+1)...)
		}
	}
	pages := sm.Pages
	sort.SliceStable(pages, func(i, j int) bool { return pages[i].Published.After(pages[j].Published) })
	links = append(links, pages...)
	if depth == 0 {
		r.reschedule(u, r.countFresh(links), len(links))
	}
	return links
}

// archivePages expands the archive templates over the backfill range (at most a
// year of days).
func (r *sourceRun) archivePages() []string {
	bf := r.c.cfg.Backfill
	var out []string
	seen := map[string]bool{}
	for _, tpl := range r.src.Archives {
		for d, n := bf.from, 0; d.Before(bf.to) && n < 366; d, n = d.AddDate(0, 0, 1), n+1 {
			u := strings.NewReplacer("{yyyy}", d.Format("2006"), "{mm}", d.Format("01"), "{dd}", d.Format("02")).Replace(tpl)
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out
}

// page fetches one queued page: an article (emitted) or a listing (links followed).
func (r *sourceRun) page(ctx context.Context, it item) error {
	u := it.link.URL
	if reason := trapReason(u); reason != "" && it.link.From != "feed" && it.link.From != "sitemap" {
		r.fail("page", fmt.Errorf("%w (%s): %s", ErrTrap, reason, u), 0)
		return nil
	}
	if it.depth > 0 || !it.listing {
		if !r.takeBudget() {
			return nil
		}
	}
	what := "article"
	if it.listing {
		what = "section"
	}
	var resp *response
	var ok bool
	switch {
	case it.listing:
		resp, ok = r.fetchListing(ctx, u, what)
	case it.recheck:
		// An article keeps its validators in its seen record, so a re-check of an
		// unchanged page costs a 304 and no extra write per article.
		rec, _ := r.c.st.seen(seenKey(Canonicalize(u)))
		resp, ok = r.fetch(ctx, u, what, &rec.validators)
	default:
		resp, ok = r.fetch(ctx, u, what, nil)
	}
	if !ok {
		if it.recheck && resp != nil && resp.Status == http.StatusNotModified {
			r.c.checked(seenKey(Canonicalize(u)))
		}
		return nil
	}
	body, _, err := decodeHTML(resp.Body, resp.Charset)
	if err != nil {
		r.fail(what, fmt.Errorf("%w: %w", errParse, err), 0)
		return nil
	}
	art, err := Extract(body, resp.URL, r.loc)
	if err != nil {
		r.fail(what, fmt.Errorf("%w: %w", errParse, err), 0)
		return nil
	}
	fromListing := it.link.From == "section" || it.link.From == "archive"
	isArticle := !it.listing && (!fromListing || art.LooksLikeArticle(r.c.cfg.MinTextChars))
	if !isArticle && fromListing && it.depth < r.c.cfg.MaxDepth {
		r.follow(it, art.Links)
		return nil
	}
	if !isArticle {
		return nil
	}
	if art.Text == "" && art.Title == "" && it.link.Summary == "" {
		r.fail("article", fmt.Errorf("%w: no title or text in %s", errParse, resp.URL), 0)
		return nil
	}
	return r.c.publish(ctx, r, it, resp, art)
}

// follow queues a listing page's links: article-looking ones as candidates, the
// others as further listings while depth allows; URL shapes seen too often on
// listing pages are treated as a trap.
func (r *sourceRun) follow(from item, links []string) {
	shape := urlShape(from.link.URL)
	r.mu.Lock()
	r.shapes[shape]++
	over := r.shapes[shape] > r.c.cfg.TrapThreshold
	r.mu.Unlock()
	if over {
		r.fail("section", fmt.Errorf("%w (url shape %s repeated): %s", ErrTrap, shape, from.link.URL), 0)
		return
	}
	type cand struct {
		u     string
		score int
	}
	var cands []cand
	for _, l := range links {
		if trapReason(l) != "" || skipExtRe.MatchString(l) {
			continue
		}
		cands = append(cands, cand{l, articleScore(l)})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	for _, cd := range cands {
		if cd.score >= 3 {
			r.enqueue(item{link: Link{URL: cd.u, From: from.link.From}, depth: from.depth + 1})
		} else if from.depth+1 < r.c.cfg.MaxDepth && cd.score > 0 {
			r.enqueue(item{link: Link{URL: cd.u, From: from.link.From}, depth: from.depth + 1})
		}
	}
}

// checked records a re-check that found the page unchanged.
func (c *Crawler) checked(key string) {
	rec, ok := c.st.seen(key)
	if !ok {
		return
	}
	rec.Checked = time.Now().UTC()
	if err := c.st.markSeen([]string{key}, rec, 0, false); err != nil {
		c.logger.Warn("record re-check", "err", err)
	}
}

// contentHash identifies what a reader sees of a version: title and text.
func contentHash(title, text string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(title))
	h.Write([]byte{0})
	h.Write([]byte(text))
	return h.Sum64() | 1 // never 0, which marks "not recorded"
}

// publish turns an extracted page into a Document, marks near-duplicates, emits it
// and only then records it as seen. A re-checked page whose title or text changed is
// emitted again as the next version of the same document.
func (c *Crawler) publish(ctx context.Context, r *sourceRun, it item, resp *response, art *Article) error {
	l, finalURL := it.link, resp.URL
	canonical := Canonicalize(finalURL)
	if art.Canonical != "" {
		if cu := Canonicalize(art.Canonical); cu != "" {
			canonical = cu
		}
	}
	if canonical == "" {
		return nil
	}
	keys := []string{seenKey(canonical), seenKey(Canonicalize(l.URL)), seenKey(Canonicalize(finalURL))}
	if art.AMP != "" {
		keys = append(keys, seenKey(Canonicalize(art.AMP)))
	}
	if _, dup := r.claimed.LoadOrStore(keys[0], true); dup {
		return nil // another page of this pass already had this canonical URL
	}
	rec, known := c.st.seen(keys[0])
	if known && !it.recheck {
		// A new alias of a known page (mobile copy, tracking link): remember the alias.
		return c.st.markSeen(keys[1:], rec, 0, false)
	}
	text := art.Text
	if text == "" {
		text = l.Summary
	}
	title := firstNonEmpty(art.Title, l.Title)
	published := art.Published
	if published.IsZero() {
		published = l.Published
	}
	if !published.IsZero() {
		published = published.In(r.loc)
	}
	now := time.Now().UTC()
	doc := &escucha.Document{
		ID:            escucha.IDForURL(canonical),
		URL:           finalURL,
		CanonicalURL:  canonical,
		Source:        r.src.Name,
		SourceCountry: r.src.Country,
		Platform:      escucha.PlatformNews,
		Kind:          escucha.KindArticle,
		Title:         title,
		Text:          text,
		Lang:          art.Lang,
		Published:     published,
		Fetched:       now,
		Author:        escucha.Author{Name: art.Author},
		Version:       1,
	}
	hash := contentHash(title, text)
	if known {
		rec.validators = validatorsOf(resp)
		return c.update(ctx, r, keys, rec, doc, hash)
	}
	fp := fingerprint(text)
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	if fp != 0 {
		if id, ok := c.st.nearDup(fp, c.cfg.NearDupDistance); ok && id != doc.ID {
			doc.DupOf = id
		}
	}
	if err := r.emit(ctx, doc); err != nil {
		return fmt.Errorf("emit %s: %w", doc.URL, err)
	}
	c.health.item(r.src.Name, doc.DupOf != "", now)
	rec = seenRec{ID: doc.ID, Canonical: canonical, First: now, Version: doc.Version, Hash: hash, DupOf: doc.DupOf,
		validators: validatorsOf(resp)}
	return c.st.markSeen(keys, rec, fp, doc.DupOf == "")
}

// update handles a re-checked article: unchanged → only the check is recorded;
// changed → the same id is emitted with the next version (its first near-duplicate
// decision kept), then recorded. A record from before hashes were kept adopts the
// current text as its baseline.
func (c *Crawler) update(ctx context.Context, r *sourceRun, keys []string, rec seenRec, doc *escucha.Document, hash uint64) error {
	now := doc.Fetched
	rec.Checked = now
	if rec.Hash == 0 || rec.Hash == hash || doc.ID != rec.ID {
		if rec.Hash == 0 {
			rec.Hash = hash
		}
		return c.st.markSeen(keys, rec, 0, false)
	}
	doc.Version = max(rec.Version, 1) + 1
	doc.DupOf = rec.DupOf
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	if err := r.emit(ctx, doc); err != nil {
		return fmt.Errorf("emit %s: %w", doc.URL, err)
	}
	mUpdates.WithLabelValues(r.src.Name).Inc()
	c.logger.Debug("article updated", "source", r.src.Name, "id", doc.ID, "version", doc.Version)
	rec.Version, rec.Hash = doc.Version, hash
	return c.st.markSeen(keys, rec, 0, false)
}
