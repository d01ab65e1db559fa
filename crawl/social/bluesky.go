package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/infosegura/escucha"
)

// bluesky reads app.bsky.feed.searchPosts and author feeds over XRPC, from the
// public AppView or, with an app password, through the user's PDS.
type bluesky struct {
	cfg  BlueskyConfig
	srcs []source
	f    *fetcher
	log  *slog.Logger
	now  func() time.Time

	mu       sync.Mutex
	session  *bskySession
	profiles map[string]bskyProfile // did → followers, cached for ProfileTTL
}

type bskySession struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	DID        string `json:"did"`
}

type bskyProfile struct {
	followers int64
	at        time.Time
}

func newBluesky(cfg Config, log *slog.Logger) connector {
	b := &bluesky{cfg: cfg.Bluesky, log: log, now: time.Now, profiles: map[string]bskyProfile{},
		f: newFetcher(escucha.PlatformBluesky, cfg.Social, cfg.Bluesky.Rate, log)}
	if !b.cfg.Enabled {
		return b
	}
	lang := b.cfg.Lang
	if lang == "" {
		lang = cfg.firstOf(func(q Query) []string { return q.Languages })
	}
	var qs []term
	for _, t := range cfg.hashtags(b.cfg.Hashtags) {
		qs = append(qs, term{t.campaign, "#" + t.text})
	}
	for _, t := range cfg.phrases(b.cfg.Queries) {
		q := t.text
		if strings.ContainsRune(q, ' ') && !strings.ContainsRune(q, '"') && t.campaign != "" {
			q = `"` + q + `"` // campaign phrases are exact phrases
		}
		qs = append(qs, term{t.campaign, q})
	}
	for _, t := range qs {
		camps := match(t, t.text)
		q := url.Values{"q": {t.text}, "sort": {"latest"}, "limit": {strconv.Itoa(b.cfg.Limit)}}
		if lang != "" {
			q.Set("lang", lang)
		}
		b.srcs = append(b.srcs, source{
			key:  "bluesky|" + b.cfg.BaseURL + "|q:" + t.text,
			name: "search «" + t.text + "»",
			fetch: func(ctx context.Context, r pageReq) (page, error) {
				return b.searchPage(ctx, q, r, camps)
			},
		})
	}
	for _, t := range cfg.termsFor(b.cfg.Authors, func(q Query) []string { return q.Accounts.Bluesky }) {
		actor := strings.TrimPrefix(t.text, "@")
		b.srcs = append(b.srcs, source{
			key:  "bluesky|" + b.cfg.BaseURL + "|author:" + actor,
			name: "@" + actor,
			fetch: func(ctx context.Context, r pageReq) (page, error) {
				return b.authorPage(ctx, actor, r)
			},
		})
	}
	return b
}

func (b *bluesky) platform() string  { return escucha.PlatformBluesky }
func (b *bluesky) sources() []source { return b.srcs }

// xrpc GETs an XRPC query method, with the session when one is configured
// (created on first use, refreshed once when the access token has expired).
func (b *bluesky) xrpc(ctx context.Context, method string, q url.Values, out any) error {
	base := b.cfg.BaseURL
	hdr := http.Header{}
	auth := b.cfg.Identifier != ""
	if auth {
		s, err := b.sessionFor(ctx, false)
		if err != nil {
			return err
		}
		base = b.cfg.PDSURL
		hdr.Set("Authorization", "Bearer "+s.AccessJwt)
	}
	u := base + "/xrpc/" + method + "?" + q.Encode()
	err := b.f.getJSON(ctx, u, hdr, out)
	if auth && expired(err) {
		s, serr := b.sessionFor(ctx, true)
		if serr != nil {
			return serr
		}
		hdr.Set("Authorization", "Bearer "+s.AccessJwt)
		err = b.f.getJSON(ctx, u, hdr, out)
	}
	return err
}

// expired: 401, or 400 with error ExpiredToken/InvalidToken (the XRPC error body).
func expired(err error) bool {
	var st *StatusError
	if !errors.As(err, &st) {
		return false
	}
	return st.Status == 401 || (st.Status == 400 && (strings.Contains(st.Body, "ExpiredToken") || strings.Contains(st.Body, "InvalidToken")))
}

func (b *bluesky) sessionFor(ctx context.Context, renew bool) (*bskySession, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.session != nil && !renew {
		return b.session, nil
	}
	var s bskySession
	if b.session != nil && b.session.RefreshJwt != "" {
		hdr := http.Header{"Authorization": {"Bearer " + b.session.RefreshJwt}}
		err := b.f.post(ctx, b.cfg.PDSURL+"/xrpc/com.atproto.server.refreshSession", "application/json", nil, hdr, &s)
		if err == nil && s.AccessJwt != "" {
			b.session = &s
			return b.session, nil
		}
		b.log.Info("bluesky session refresh failed; logging in again", "err", err)
	}
	body, _ := json.Marshal(map[string]string{"identifier": b.cfg.Identifier, "password": b.cfg.AppPassword})
	if err := b.f.post(ctx, b.cfg.PDSURL+"/xrpc/com.atproto.server.createSession", "application/json", body, nil, &s); err != nil {
		return nil, fmt.Errorf("bluesky createSession: %w", err)
	}
	if s.AccessJwt == "" {
		return nil, &SchemaError{Platform: "bluesky", What: "createSession response", Missing: []string{"accessJwt"}}
	}
	b.session = &s
	return b.session, nil
}

type bskyPostView struct {
	URI    *string `json:"uri"`
	CID    string  `json:"cid"`
	Author *struct {
		DID         *string `json:"did"`
		Handle      *string `json:"handle"`
		DisplayName string  `json:"displayName"`
	} `json:"author"`
	Record *struct {
		Text      *string         `json:"text"`
		CreatedAt *string         `json:"createdAt"`
		Langs     []string        `json:"langs"`
		Reply     json.RawMessage `json:"reply"`
	} `json:"record"`
	ReplyCount  *int64  `json:"replyCount"`
	RepostCount *int64  `json:"repostCount"`
	LikeCount   *int64  `json:"likeCount"`
	QuoteCount  *int64  `json:"quoteCount"`
	IndexedAt   *string `json:"indexedAt"`
}

// decodeBskyPost turns one app.bsky.feed.defs#postView into a document; it also
// returns the indexedAt time the listing is sorted by.
func decodeBskyPost(raw json.RawMessage) (*escucha.Document, time.Time, error) {
	var p bskyPostView
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, time.Time{}, &SchemaError{Platform: "bluesky", What: "postView", Missing: []string{"valid postView (" + err.Error() + ")"}}
	}
	var miss missing
	need := miss.need
	need(p.URI != nil && strings.HasPrefix(*p.URI, "at://"), "uri")
	need(p.Author != nil && p.Author.DID != nil, "author.did")
	need(p.Author != nil && p.Author.Handle != nil, "author.handle")
	need(p.Record != nil && p.Record.Text != nil, "record.text")
	need(p.Record != nil && p.Record.CreatedAt != nil, "record.createdAt")
	need(p.IndexedAt != nil, "indexedAt")
	need(p.LikeCount != nil, "likeCount")
	need(p.RepostCount != nil, "repostCount")
	need(p.ReplyCount != nil, "replyCount")
	what := "postView"
	if p.URI != nil {
		what += " " + trunc(*p.URI, 80)
	}
	if len(miss) > 0 {
		return nil, time.Time{}, &SchemaError{Platform: "bluesky", What: what, Missing: miss}
	}
	indexed, err1 := time.Parse(time.RFC3339Nano, *p.IndexedAt)
	created, err2 := time.Parse(time.RFC3339Nano, *p.Record.CreatedAt)
	if err1 != nil {
		return nil, time.Time{}, &SchemaError{Platform: "bluesky", What: what, Missing: []string{"indexedAt as a datetime"}}
	}
	if err2 != nil {
		created = indexed // createdAt is written by the client and may be anything
	}
	shares := *p.RepostCount
	if p.QuoteCount != nil {
		shares += *p.QuoteCount
	}
	handle := *p.Author.Handle
	rkey := (*p.URI)[strings.LastIndexByte(*p.URI, '/')+1:]
	d := &escucha.Document{
		ID:         escucha.IDForPost(escucha.PlatformBluesky, *p.URI),
		Platform:   escucha.PlatformBluesky,
		Kind:       escucha.KindPost,
		Text:       cleanText(*p.Record.Text),
		Published:  created.UTC(),
		URL:        "https://bsky.app/profile/" + url.PathEscape(handle) + "/post/" + url.PathEscape(rkey),
		Source:     "bsky.app",
		Author:     escucha.Author{ID: *p.Author.DID, Handle: handle, Name: cleanText(p.Author.DisplayName)},
		Engagement: escucha.Engagement{Likes: *p.LikeCount, Shares: shares, Replies: *p.ReplyCount},
	}
	if len(p.Record.Langs) > 0 {
		d.Lang = langCode(p.Record.Langs[0])
	}
	if len(p.Record.Reply) > 0 && string(p.Record.Reply) != "null" {
		d.Kind = escucha.KindComment
	}
	return d, indexed.UTC(), nil
}

func (b *bluesky) searchPage(ctx context.Context, base url.Values, r pageReq, camps []escucha.CampaignMatch) (page, error) {
	q := url.Values{}
	for k, v := range base {
		q[k] = v
	}
	if r.Token != "" {
		q.Set("cursor", r.Token)
	}
	if !r.Since.T.IsZero() {
		q.Set("since", r.Since.T.UTC().Format(time.RFC3339))
	}
	var out struct {
		Cursor string             `json:"cursor"`
		Posts  *[]json.RawMessage `json:"posts"`
	}
	if err := b.xrpc(ctx, "app.bsky.feed.searchPosts", q, &out); err != nil {
		return page{}, err
	}
	if out.Posts == nil {
		return page{}, &SchemaError{Platform: "bluesky", What: "searchPosts response", Missing: []string{"posts"}}
	}
	p := b.decodePosts(ctx, *out.Posts, camps)
	p.next = out.Cursor
	return p, nil
}

func (b *bluesky) authorPage(ctx context.Context, actor string, r pageReq) (page, error) {
	q := url.Values{"actor": {actor}, "limit": {strconv.Itoa(b.cfg.Limit)}, "filter": {"posts_and_author_threads"}}
	if r.Token != "" {
		q.Set("cursor", r.Token)
	}
	var out struct {
		Cursor string `json:"cursor"`
		Feed   *[]struct {
			Post   json.RawMessage `json:"post"`
			Reason json.RawMessage `json:"reason"`
		} `json:"feed"`
	}
	if err := b.xrpc(ctx, "app.bsky.feed.getAuthorFeed", q, &out); err != nil {
		return page{}, err
	}
	if out.Feed == nil {
		return page{}, &SchemaError{Platform: "bluesky", What: "getAuthorFeed response", Missing: []string{"feed"}}
	}
	var raws []json.RawMessage
	for _, it := range *out.Feed {
		if len(it.Reason) > 0 && string(it.Reason) != "null" {
			continue // a repost of someone else's post
		}
		raws = append(raws, it.Post)
	}
	p := b.decodePosts(ctx, raws, nil)
	p.next = out.Cursor
	return p, nil
}

func (b *bluesky) decodePosts(ctx context.Context, raws []json.RawMessage, camps []escucha.CampaignMatch) page {
	var p page
	for _, raw := range raws {
		d, indexed, err := decodeBskyPost(raw)
		if err != nil {
			p.problems = append(p.problems, err)
			continue
		}
		d.Campaigns = camps
		p.items = append(p.items, found{doc: d, ref: strings.TrimPrefix(d.ID, escucha.PlatformBluesky+":"), pos: position{T: indexed}})
	}
	if err := b.fillFollowers(ctx, p.items); err != nil {
		p.problems = append(p.problems, err)
	}
	return p
}

// fillFollowers sets author followers from app.bsky.actor.getProfiles, asked in
// batches of 25 for authors not in the cache.
func (b *bluesky) fillFollowers(ctx context.Context, items []found) error {
	now := b.now()
	var want []string
	seen := map[string]bool{}
	b.mu.Lock()
	for _, it := range items {
		did := it.doc.Author.ID
		if p, ok := b.profiles[did]; (!ok || now.Sub(p.at) > b.cfg.ProfileTTL.D()) && !seen[did] {
			seen[did] = true
			want = append(want, did)
		}
	}
	b.mu.Unlock()
	var errs []error
	for i := 0; i < len(want); i += 25 {
		batch := want[i:min(i+25, len(want))]
		var out struct {
			Profiles *[]struct {
				DID       string `json:"did"`
				Followers *int64 `json:"followersCount"`
			} `json:"profiles"`
		}
		if err := b.xrpc(ctx, "app.bsky.actor.getProfiles", url.Values{"actors": batch}, &out); err != nil {
			errs = append(errs, fmt.Errorf("getProfiles: %w", err))
			continue
		}
		if out.Profiles == nil {
			errs = append(errs, &SchemaError{Platform: "bluesky", What: "getProfiles response", Missing: []string{"profiles"}})
			continue
		}
		b.mu.Lock()
		for _, p := range *out.Profiles {
			if p.Followers == nil {
				errs = append(errs, &SchemaError{Platform: "bluesky", What: "profile " + trunc(p.DID, 60), Missing: []string{"followersCount"}})
				continue
			}
			b.profiles[p.DID] = bskyProfile{followers: *p.Followers, at: now}
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	for _, it := range items {
		if p, ok := b.profiles[it.doc.Author.ID]; ok {
			it.doc.Author.Followers = p.followers
		}
	}
	b.mu.Unlock()
	return errors.Join(errs...)
}

// refresh re-reads posts with app.bsky.feed.getPosts (25 URIs a call); a post
// missing from the answer was deleted.
func (b *bluesky) refresh(ctx context.Context, ts []*tracked) []outcome {
	out := make([]outcome, len(ts))
	for i := 0; i < len(ts); i += 25 {
		var uris []string
		var idx []int
		for j := i; j < min(i+25, len(ts)); j++ {
			uris = append(uris, ts[j].Ref)
			idx = append(idx, j)
		}
		var resp struct {
			Posts *[]json.RawMessage `json:"posts"`
		}
		err := b.xrpc(ctx, "app.bsky.feed.getPosts", url.Values{"uris": uris}, &resp)
		if err == nil && resp.Posts == nil {
			err = &SchemaError{Platform: "bluesky", What: "getPosts response", Missing: []string{"posts"}}
		}
		got := map[string]*escucha.Document{}
		bad := map[string]error{}
		if err == nil {
			var items []found
			for _, raw := range *resp.Posts {
				d, _, derr := decodeBskyPost(raw)
				if derr != nil {
					var id struct {
						URI string `json:"uri"`
					}
					_ = json.Unmarshal(raw, &id)
					bad[escucha.IDForPost(escucha.PlatformBluesky, id.URI)] = derr
					continue
				}
				got[d.ID] = d
				items = append(items, found{doc: d})
			}
			_ = b.fillFollowers(ctx, items) // a profile failure is reported by collection
		}
		settleBatch(out, ts, idx, got, bad, err)
	}
	return out
}
