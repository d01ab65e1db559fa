package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/infosegura/escucha"
)

// reddit reads subreddit listings (/r/{sub}/new) and search (/search), public
// JSON or OAuth (client credentials) when a client id is configured.
type reddit struct {
	cfg  RedditConfig
	srcs []source
	f    *fetcher
	log  *slog.Logger
	now  func() time.Time

	mu       sync.Mutex
	token    string
	tokenExp time.Time
	subs     map[string]audience // subreddit (lower case) → subscribers
}

type audience struct {
	n  int64
	at time.Time
}

const subscribersTTL = 24 * time.Hour

func newReddit(cfg Config, log *slog.Logger) connector {
	r := &reddit{cfg: cfg.Reddit, log: log, now: time.Now, subs: map[string]audience{},
		f: newFetcher(escucha.PlatformReddit, cfg.Social, cfg.Reddit.Rate, log)}
	if !r.cfg.Enabled {
		return r
	}
	for _, t := range cfg.termsFor(r.cfg.Subreddits, func(q Query) []string { return q.Accounts.Subreddits }) {
		sub := strings.TrimPrefix(strings.TrimPrefix(t.text, "/r/"), "r/")
		r.srcs = append(r.srcs, source{
			key:  "reddit|" + r.cfg.BaseURL + "|new:" + strings.ToLower(sub),
			name: "r/" + sub,
			fetch: func(ctx context.Context, pr pageReq) (page, error) {
				return r.listing(ctx, "/r/"+url.PathEscape(sub)+"/new", url.Values{}, pr, nil)
			},
		})
	}
	var terms []term
	for _, t := range cfg.hashtags(nil) {
		terms = append(terms, term{t.campaign, "#" + t.text})
	}
	terms = append(terms, cfg.phrases(r.cfg.Queries)...)
	for _, t := range terms {
		camps := match(t, t.text)
		q := t.text
		if strings.ContainsRune(q, ' ') && t.campaign != "" && !strings.ContainsRune(q, '"') {
			q = `"` + q + `"`
		}
		r.srcs = append(r.srcs, source{
			key:  "reddit|" + r.cfg.BaseURL + "|search:" + t.text,
			name: "search «" + t.text + "»",
			fetch: func(ctx context.Context, pr pageReq) (page, error) {
				return r.listing(ctx, "/search", url.Values{"q": {q}, "sort": {"new"}, "type": {"link"}}, pr, camps)
			},
		})
	}
	return r
}

func (r *reddit) platform() string  { return escucha.PlatformReddit }
func (r *reddit) sources() []source { return r.srcs }

func (r *reddit) oauth() bool { return r.cfg.ClientID != "" }

// get reads an API path: {base_url}{path}.json without OAuth, {oauth_url}{path}
// with a bearer token (fetched again once on 401).
func (r *reddit) get(ctx context.Context, path string, q url.Values, out any) error {
	q.Set("raw_json", "1")
	if !r.oauth() {
		return r.f.getJSON(ctx, r.cfg.BaseURL+path+".json?"+q.Encode(), nil, out)
	}
	for attempt := 0; ; attempt++ {
		tok, err := r.bearer(ctx, attempt > 0)
		if err != nil {
			return err
		}
		err = r.f.getJSON(ctx, r.cfg.OAuthURL+path+"?"+q.Encode(), http.Header{"Authorization": {"Bearer " + tok}}, out)
		var st *StatusError
		if attempt == 0 && errors.As(err, &st) && st.Status == 401 {
			continue
		}
		return err
	}
}

// bearer returns an application-only token (grant_type=client_credentials).
func (r *reddit) bearer(ctx context.Context, renew bool) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !renew && r.token != "" && r.now().Before(r.tokenExp) {
		return r.token, nil
	}
	var tok struct {
		AccessToken string  `json:"access_token"`
		ExpiresIn   float64 `json:"expires_in"`
		Error       string  `json:"error"`
	}
	hdr := http.Header{}
	req, _ := http.NewRequest(http.MethodPost, r.cfg.TokenURL, nil)
	req.SetBasicAuth(r.cfg.ClientID, r.cfg.ClientSecret)
	hdr.Set("Authorization", req.Header.Get("Authorization"))
	err := r.f.post(ctx, r.cfg.TokenURL, "application/x-www-form-urlencoded",
		[]byte("grant_type=client_credentials"), hdr, &tok)
	if err != nil {
		return "", fmt.Errorf("reddit token: %w", err)
	}
	if tok.AccessToken == "" {
		return "", escucha.Errorf(escucha.EUnauthorized, "reddit token: no access_token (error %q)", tok.Error)
	}
	exp := time.Duration(tok.ExpiresIn) * time.Second
	if exp <= 0 {
		exp = time.Hour
	}
	r.token, r.tokenExp = tok.AccessToken, r.now().Add(exp-time.Minute)
	return r.token, nil
}

type redditListing struct {
	Kind string `json:"kind"`
	Data *struct {
		After    *string `json:"after"`
		Children *[]struct {
			Kind string          `json:"kind"`
			Data json.RawMessage `json:"data"`
		} `json:"children"`
	} `json:"data"`
}

type redditPost struct {
	ID                   *string  `json:"id"`
	Title                *string  `json:"title"`
	Selftext             string   `json:"selftext"`
	Author               *string  `json:"author"`
	AuthorFullname       string   `json:"author_fullname"`
	Subreddit            *string  `json:"subreddit"`
	SubredditSubscribers *int64   `json:"subreddit_subscribers"`
	Score                *int64   `json:"score"`
	NumComments          *int64   `json:"num_comments"`
	NumCrossposts        int64    `json:"num_crossposts"`
	CreatedUTC           *float64 `json:"created_utc"`
	Permalink            *string  `json:"permalink"`
	RemovedBy            *string  `json:"removed_by_category"`
}

// decodeRedditPost turns a t3 (link) object into a document.
func decodeRedditPost(raw json.RawMessage) (*escucha.Document, *redditPost, error) {
	var p redditPost
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, nil, &SchemaError{Platform: "reddit", What: "t3", Missing: []string{"valid link object (" + err.Error() + ")"}}
	}
	var miss missing
	need := miss.need
	need(p.ID != nil && *p.ID != "", "id")
	need(p.Title != nil, "title")
	need(p.Author != nil, "author")
	need(p.Subreddit != nil, "subreddit")
	need(p.Score != nil, "score")
	need(p.NumComments != nil, "num_comments")
	need(p.CreatedUTC != nil && !math.IsNaN(*p.CreatedUTC) && !math.IsInf(*p.CreatedUTC, 0), "created_utc")
	need(p.Permalink != nil, "permalink")
	if len(miss) > 0 {
		what := "t3"
		if p.ID != nil {
			what += " " + trunc(*p.ID, 20)
		}
		return nil, nil, &SchemaError{Platform: "reddit", What: what, Missing: miss}
	}
	sec, frac := math.Modf(*p.CreatedUTC)
	d := &escucha.Document{
		ID:         escucha.IDForPost(escucha.PlatformReddit, *p.ID),
		Platform:   escucha.PlatformReddit,
		Kind:       escucha.KindPost,
		Title:      cleanText(*p.Title),
		Text:       cleanText(p.Selftext),
		Published:  time.Unix(int64(sec), int64(frac*1e9)).UTC(),
		URL:        "https://www.reddit.com" + *p.Permalink,
		Source:     "r/" + *p.Subreddit,
		Author:     escucha.Author{ID: p.AuthorFullname, Handle: *p.Author},
		Engagement: escucha.Engagement{Likes: max(0, *p.Score), Shares: p.NumCrossposts, Replies: *p.NumComments},
	}
	if p.RemovedBy != nil && *p.RemovedBy != "" ||
		*p.Author == "[deleted]" && (p.Selftext == "[deleted]" || p.Selftext == "[removed]") {
		d.Deleted = true
	}
	if d.Author.Handle == "[deleted]" {
		d.Author.Handle = ""
	}
	return d, &p, nil
}

func (r *reddit) listing(ctx context.Context, path string, q url.Values, pr pageReq, camps []escucha.CampaignMatch) (page, error) {
	q.Set("limit", strconv.Itoa(r.cfg.Limit))
	if pr.Token != "" {
		q.Set("after", pr.Token)
	}
	var l redditListing
	if err := r.get(ctx, path, q, &l); err != nil {
		return page{}, err
	}
	if l.Data == nil || l.Data.Children == nil {
		return page{}, &SchemaError{Platform: "reddit", What: "listing " + path, Missing: []string{"data.children"}}
	}
	var p page
	for _, ch := range *l.Data.Children {
		if ch.Kind != "" && ch.Kind != "t3" {
			continue
		}
		d, rp, err := decodeRedditPost(ch.Data)
		if err != nil {
			p.problems = append(p.problems, err)
			continue
		}
		d.Campaigns = camps
		if err := r.setAudience(ctx, d, *rp.Subreddit, rp.SubredditSubscribers); err != nil {
			p.problems = append(p.problems, err)
		}
		p.items = append(p.items, found{doc: d, ref: "t3_" + *rp.ID, pos: position{T: d.Published}})
	}
	if l.Data.After != nil {
		p.next = *l.Data.After
	}
	return p, nil
}

// setAudience records the subreddit's subscribers in the document's "audience"
// field, from /r/{sub}/about (cached a day), or from the post's own
// subreddit_subscribers when about cannot be read.
func (r *reddit) setAudience(ctx context.Context, d *escucha.Document, sub string, inPost *int64) error {
	k := strings.ToLower(sub)
	r.mu.Lock()
	a, ok := r.subs[k]
	r.mu.Unlock()
	var err error
	if !ok || r.now().Sub(a.at) > subscribersTTL {
		var about struct {
			Data *struct {
				Subscribers *int64 `json:"subscribers"`
			} `json:"data"`
		}
		err = r.get(ctx, "/r/"+url.PathEscape(sub)+"/about", url.Values{}, &about)
		if err == nil && (about.Data == nil || about.Data.Subscribers == nil) {
			err = &SchemaError{Platform: "reddit", What: "r/" + sub + "/about", Missing: []string{"data.subscribers"}}
		}
		if err == nil {
			a, ok = audience{n: *about.Data.Subscribers, at: r.now()}, true
			r.mu.Lock()
			r.subs[k] = a
			r.mu.Unlock()
		} else if inPost != nil {
			a, ok, err = audience{n: *inPost}, true, nil
		}
	}
	if ok {
		setExtra(d, "audience", a.n)
	}
	return err
}

func setExtra(d *escucha.Document, k string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	if d.Extra == nil {
		d.Extra = map[string]json.RawMessage{}
	}
	d.Extra[k] = b
}

// refresh re-reads posts with /api/info?id=t3_…,t3_… (100 a call). A post absent
// from the answer, or marked removed/deleted, was deleted.
func (r *reddit) refresh(ctx context.Context, ts []*tracked) []outcome {
	out := make([]outcome, len(ts))
	for i := 0; i < len(ts); i += 100 {
		var ids []string
		var idx []int
		for j := i; j < min(i+100, len(ts)); j++ {
			ids = append(ids, ts[j].Ref)
			idx = append(idx, j)
		}
		var l redditListing
		err := r.get(ctx, "/api/info", url.Values{"id": {strings.Join(ids, ",")}}, &l)
		if gone(err) {
			// No /api/info here (a mirror or a partial server): read each post.
			r.refreshEach(ctx, ts, idx, out)
			continue
		}
		if err == nil && (l.Data == nil || l.Data.Children == nil) {
			err = &SchemaError{Platform: "reddit", What: "/api/info listing", Missing: []string{"data.children"}}
		}
		got := map[string]*escucha.Document{}
		bad := map[string]error{}
		if err == nil {
			for _, ch := range *l.Data.Children {
				d, rp, derr := decodeRedditPost(ch.Data)
				if derr != nil {
					var id struct {
						ID string `json:"id"`
					}
					_ = json.Unmarshal(ch.Data, &id)
					bad[escucha.IDForPost(escucha.PlatformReddit, id.ID)] = derr
					continue
				}
				_ = r.setAudience(ctx, d, *rp.Subreddit, rp.SubredditSubscribers)
				got[d.ID] = d
			}
		}
		settleBatch(out, ts, idx, got, bad, err)
	}
	return out
}

// refreshEach reads posts one by one from /comments/{id} (the post's own page:
// an array whose first listing holds the post); 404/410 means deleted.
func (r *reddit) refreshEach(ctx context.Context, ts []*tracked, idx []int, out []outcome) {
	defer func() {
		// With /api/info missing, a 404 for every post says more about the server
		// than about the posts: believe deletions only if some read succeeded.
		if len(idx) < 2 {
			return
		}
		for _, j := range idx {
			if out[j].doc != nil {
				return
			}
		}
		for _, j := range idx {
			if out[j].deleted {
				out[j] = outcome{err: escucha.Errorf(escucha.EUnavailable, "reddit: neither /api/info nor /comments/{id} answer; cannot tell deleted posts")}
			}
		}
	}()
	for _, j := range idx {
		id := strings.TrimPrefix(ts[j].Ref, "t3_")
		var page []redditListing
		err := r.get(ctx, "/comments/"+url.PathEscape(id), url.Values{"limit": {"1"}}, &page)
		switch {
		case gone(err):
			out[j].deleted = true
			continue
		case err != nil:
			out[j].err = err
			continue
		case len(page) == 0 || page[0].Data == nil || page[0].Data.Children == nil || len(*page[0].Data.Children) == 0:
			out[j].err = &SchemaError{Platform: "reddit", What: "/comments/" + id, Missing: []string{"[0].data.children[0]"}}
			continue
		}
		d, rp, err := decodeRedditPost((*page[0].Data.Children)[0].Data)
		if err != nil {
			out[j].err = err
			continue
		}
		if d.Deleted {
			out[j].deleted = true
			continue
		}
		_ = r.setAudience(ctx, d, *rp.Subreddit, rp.SubredditSubscribers)
		out[j].doc = d
	}
}
