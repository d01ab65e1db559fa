package social

import (
	"context"
	"encoding/json"
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

// mastodon reads hashtag timelines, account statuses and (with a token or an
// explicit search list) /api/v2/search on any number of instances.
type mastodon struct {
	cfg  MastodonConfig
	srcs []source
	f    *fetcher
	log  *slog.Logger

	mu       sync.Mutex
	accounts map[string]string // instance|acct → account id
}

func newMastodon(cfg Config, log *slog.Logger) connector {
	m := &mastodon{cfg: cfg.Mastodon, log: log, accounts: map[string]string{},
		f: newFetcher(escucha.PlatformMastodon, cfg.Social, cfg.Mastodon.Rate*float64(max(1, len(cfg.Mastodon.Instances))), log)}
	tags := cfg.hashtags(cfg.Mastodon.Hashtags)
	accts := cfg.termsFor(cfg.Mastodon.Accounts, func(q Query) []string { return q.Accounts.Mastodon })
	var phrases []term
	if m.cfg.AccessToken != "" {
		phrases = cfg.phrases(cfg.Mastodon.Search)
	} else {
		phrases = cfg.termsFor(cfg.Mastodon.Search, func(Query) []string { return nil })
	}
	for _, inst := range m.cfg.Instances {
		host := hostOf(inst)
		for _, t := range tags {
			path := "/api/v1/timelines/tag/" + url.PathEscape(t.text)
			m.srcs = append(m.srcs, m.listing(inst, "tag:"+t.text, host+" #"+t.text, path, nil, match(t, "#"+t.text)))
		}
		for _, a := range accts {
			acct := strings.TrimPrefix(a.text, "@")
			m.srcs = append(m.srcs, source{
				key:  "mastodon|" + inst + "|acct:" + acct,
				name: host + " @" + acct,
				fetch: func(ctx context.Context, r pageReq) (page, error) {
					id, err := m.lookup(ctx, inst, acct)
					if err != nil {
						return page{}, err
					}
					q := url.Values{"exclude_reblogs": {"true"}}
					return m.fetchPage(ctx, inst, "/api/v1/accounts/"+url.PathEscape(id)+"/statuses", q, r, nil, false)
				},
			})
		}
		for _, p := range phrases {
			q := url.Values{"q": {p.text}, "type": {"statuses"}}
			m.srcs = append(m.srcs, m.listing(inst, "search:"+p.text, host+" «"+p.text+"»", "/api/v2/search", q, match(p, p.text)))
		}
	}
	return m
}

func match(t term, what string) []escucha.CampaignMatch {
	if t.campaign == "" {
		return nil
	}
	return []escucha.CampaignMatch{{ID: t.campaign, Matched: []string{what}}}
}

func hostOf(base string) string {
	if u, err := url.Parse(base); err == nil && u.Host != "" {
		return u.Host
	}
	return base
}

func (m *mastodon) platform() string  { return escucha.PlatformMastodon }
func (m *mastodon) sources() []source { return m.srcs }

func (m *mastodon) listing(inst, what, name, path string, q url.Values, camps []escucha.CampaignMatch) source {
	return source{
		key:  "mastodon|" + inst + "|" + what,
		name: name,
		fetch: func(ctx context.Context, r pageReq) (page, error) {
			p, err := m.fetchPage(ctx, inst, path, q, r, camps, path == "/api/v2/search")
			return p, err
		},
	}
}

func (m *mastodon) header() http.Header {
	h := http.Header{}
	if m.cfg.AccessToken != "" {
		h.Set("Authorization", "Bearer "+m.cfg.AccessToken)
	}
	return h
}

// fetchPage GETs one page. Paging goes back with max_id (taken from the Link
// header's rel="next" when there is one) and since_id bounds it below.
func (m *mastodon) fetchPage(ctx context.Context, inst, path string, base url.Values, r pageReq, camps []escucha.CampaignMatch, search bool) (page, error) {
	q := url.Values{}
	for k, v := range base {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(m.cfg.Limit))
	if r.Token != "" {
		q.Set("max_id", r.Token)
	}
	if r.Since.N != "" {
		q.Set("since_id", r.Since.N)
	}
	u := inst + path + "?" + q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return page{}, escucha.Errorf(escucha.EInvalid, "mastodon request: %w", err)
	}
	req.Header = m.header()
	req.Header.Set("Accept", "application/json")
	resp, err := m.f.client.Do(req)
	if err != nil {
		return page{}, fmt.Errorf("GET %s: %w", u, err)
	}
	body, err := readBody(resp)
	if err != nil {
		return page{}, err
	}
	var raw []json.RawMessage
	if search {
		var sr struct {
			Statuses *[]json.RawMessage `json:"statuses"`
		}
		if err := json.Unmarshal(body, &sr); err != nil || sr.Statuses == nil {
			return page{}, &SchemaError{Platform: "mastodon", What: "search response", Missing: []string{"statuses"}}
		}
		raw = *sr.Statuses
	} else if err := json.Unmarshal(body, &raw); err != nil {
		return page{}, &SchemaError{Platform: "mastodon", What: "timeline response", Missing: []string{"array of statuses"}}
	}
	var p page
	minID := ""
	for _, b := range raw {
		d, st, err := decodeMastodonStatus(b, inst)
		if err != nil {
			p.problems = append(p.problems, err)
			continue
		}
		if minID == "" || numCmp(st.id, minID) < 0 {
			minID = st.id
		}
		if d == nil { // a boost or a non-public status
			continue
		}
		d.Campaigns = camps
		p.items = append(p.items, found{doc: d, ref: inst + "|" + st.id, pos: position{T: d.Published, N: st.id}, alias: st.uri})
	}
	next, hasLink := linkNext(resp.Header.Get("Link"))
	switch {
	case hasLink:
		if v, err := url.Parse(next); err == nil {
			p.next = v.Query().Get("max_id")
		}
	case len(raw) > 0 && !search:
		p.next = minID
	}
	if r.Since.N != "" && len(raw) < m.cfg.Limit {
		p.next = "" // everything above since_id fitted in this page
	}
	return p, nil
}

func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	b, err := readLimited(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		se := &StatusError{URL: redact(resp.Request.URL.String()), Status: resp.StatusCode, Body: snippet(b), raw: b[:min(len(b), 64<<10)]}
		if resp.StatusCode == http.StatusTooManyRequests {
			return nil, fmt.Errorf("%w: %w", se, ErrRateLimited)
		}
		return nil, se
	}
	return b, nil
}

// linkNext returns the rel="next" target of an RFC 8288 Link header.
func linkNext(h string) (string, bool) {
	if h == "" {
		return "", false
	}
	found := false
	for _, part := range strings.Split(h, ",") {
		part = strings.TrimSpace(part)
		i, j := strings.IndexByte(part, '<'), strings.IndexByte(part, '>')
		if i != 0 || j < 0 {
			continue
		}
		found = true
		for _, p := range strings.Split(part[j+1:], ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "rel") {
				for _, rel := range strings.Fields(strings.Trim(v, `"`)) {
					if strings.EqualFold(rel, "next") {
						return part[1:j], true
					}
				}
			}
		}
	}
	return "", found
}

type mastodonStatus struct {
	ID          *string          `json:"id"`
	CreatedAt   *string          `json:"created_at"`
	Content     *string          `json:"content"`
	SpoilerText string           `json:"spoiler_text"`
	Visibility  string           `json:"visibility"`
	Language    *string          `json:"language"`
	URI         string           `json:"uri"`
	URL         *string          `json:"url"`
	Replies     *int64           `json:"replies_count"`
	Reblogs     *int64           `json:"reblogs_count"`
	Favourites  *int64           `json:"favourites_count"`
	Reblog      *json.RawMessage `json:"reblog"`
	InReplyTo   *string          `json:"in_reply_to_id"`
	Account     *struct {
		ID          *string `json:"id"`
		Username    string  `json:"username"`
		Acct        *string `json:"acct"`
		DisplayName string  `json:"display_name"`
		Followers   *int64  `json:"followers_count"`
	} `json:"account"`
}

type statusIDs struct{ id, uri string }

// decodeMastodonStatus decodes one Status entity. It returns a nil document for a
// boost or a status that is not public, and a *SchemaError when a field the
// connector relies on is missing.
func decodeMastodonStatus(b []byte, inst string) (*escucha.Document, statusIDs, error) {
	var s mastodonStatus
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, statusIDs{}, &SchemaError{Platform: "mastodon", What: "status", Missing: []string{"valid status object (" + err.Error() + ")"}}
	}
	var miss missing
	need := miss.need
	need(s.ID != nil && *s.ID != "", "id")
	need(s.CreatedAt != nil, "created_at")
	need(s.Content != nil, "content")
	need(s.Favourites != nil, "favourites_count")
	need(s.Reblogs != nil, "reblogs_count")
	need(s.Replies != nil, "replies_count")
	need(s.Account != nil, "account")
	if s.Account != nil {
		need(s.Account.ID != nil, "account.id")
		need(s.Account.Acct != nil, "account.acct")
		need(s.Account.Followers != nil, "account.followers_count")
	}
	ids := statusIDs{uri: s.URI}
	if s.ID != nil {
		ids.id = *s.ID
	}
	if len(miss) > 0 {
		return nil, ids, &SchemaError{Platform: "mastodon", What: "status " + trunc(ids.id, 40), Missing: miss}
	}
	published, err := time.Parse(time.RFC3339Nano, *s.CreatedAt)
	if err != nil {
		return nil, ids, &SchemaError{Platform: "mastodon", What: "status " + trunc(ids.id, 40), Missing: []string{"created_at as RFC 3339 (" + trunc(*s.CreatedAt, 40) + ")"}}
	}
	if s.Reblog != nil && string(*s.Reblog) != "null" {
		return nil, ids, nil
	}
	if s.Visibility != "" && s.Visibility != "public" && s.Visibility != "unlisted" {
		return nil, ids, nil
	}
	host := hostOf(inst)
	acct := *s.Account.Acct
	if !strings.Contains(acct, "@") {
		acct += "@" + host
	}
	d := &escucha.Document{
		ID:        escucha.IDForPost(escucha.PlatformMastodon, *s.ID),
		Platform:  escucha.PlatformMastodon,
		Kind:      escucha.KindPost,
		Title:     cleanText(s.SpoilerText),
		Text:      htmlText(*s.Content),
		Published: published.UTC(),
		Source:    host,
		Author: escucha.Author{
			ID:        *s.Account.ID,
			Name:      cleanText(s.Account.DisplayName),
			Handle:    acct,
			Followers: *s.Account.Followers,
		},
		Engagement: escucha.Engagement{Likes: *s.Favourites, Shares: *s.Reblogs, Replies: *s.Replies},
	}
	if s.Language != nil {
		d.Lang = langCode(*s.Language)
	}
	switch {
	case s.URL != nil && *s.URL != "":
		d.URL = *s.URL
	default:
		d.URL = s.URI
	}
	if s.InReplyTo != nil && *s.InReplyTo != "" {
		d.Kind = escucha.KindComment
	}
	return d, ids, nil
}

func trunc(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (m *mastodon) lookup(ctx context.Context, inst, acct string) (string, error) {
	k := inst + "|" + acct
	m.mu.Lock()
	id, ok := m.accounts[k]
	m.mu.Unlock()
	if ok {
		return id, nil
	}
	var a struct {
		ID *string `json:"id"`
	}
	if err := m.f.getJSON(ctx, inst+"/api/v1/accounts/lookup?acct="+url.QueryEscape(acct), m.header(), &a); err != nil {
		return "", fmt.Errorf("look up %s: %w", acct, err)
	}
	if a.ID == nil || *a.ID == "" {
		return "", &SchemaError{Platform: "mastodon", What: "account " + acct, Missing: []string{"id"}}
	}
	m.mu.Lock()
	m.accounts[k] = *a.ID
	m.mu.Unlock()
	return *a.ID, nil
}

// refresh re-reads each status with GET /api/v1/statuses/:id on the instance it
// was read from; 404/410 means deleted.
func (m *mastodon) refresh(ctx context.Context, ts []*tracked) []outcome {
	out := make([]outcome, len(ts))
	for i, t := range ts {
		inst, id, ok := strings.Cut(t.Ref, "|")
		if !ok {
			out[i].err = escucha.Errorf(escucha.EInvalid, "mastodon ref %q", t.Ref)
			continue
		}
		b, err := m.f.get(ctx, inst+"/api/v1/statuses/"+url.PathEscape(id), m.header())
		if err != nil {
			out[i].err = err
			if ctx.Err() != nil {
				return out
			}
			continue
		}
		d, _, err := decodeMastodonStatus(b, inst)
		switch {
		case err != nil:
			out[i].err = err
		case d == nil:
			out[i].deleted = true // no longer public
		default:
			d.Source = t.Source
			out[i].doc = d
		}
	}
	return out
}
