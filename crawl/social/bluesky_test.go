package social

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeBluesky serves the XRPC methods the connector uses, per the lexicons:
// searchPosts (q, sort, since, limit, cursor), getAuthorFeed, getProfiles (≤25
// actors), getPosts, and createSession/refreshSession when requireAuth is set.
type fakeBluesky struct {
	mu           sync.Mutex
	posts        []map[string]any
	profiles     map[string]map[string]any
	requireAuth  bool
	expireOnce   bool
	profileCalls int
	maxActors    int
	sessions     int
	badCursor    string // answered 400 InvalidRequest (expired cursor)
	srv          *httptest.Server
}

func newFakeBluesky(t testing.TB) *fakeBluesky {
	f := &fakeBluesky{profiles: map[string]map[string]any{}}
	if err := json.Unmarshal(mustRead(t, "bluesky/posts.json"), &f.posts); err != nil {
		t.Fatal(err)
	}
	var ps []map[string]any
	if err := json.Unmarshal(mustRead(t, "bluesky/profiles.json"), &ps); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		f.profiles[p["did"].(string)] = p
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func xrpcError(w http.ResponseWriter, status int, name, msg string) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": name, "message": msg})
}

func (f *fakeBluesky) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("RateLimit-Limit", "3000")
	w.Header().Set("RateLimit-Remaining", "2999")
	w.Header().Set("RateLimit-Reset", strconv.FormatInt(time.Now().Add(5*time.Minute).Unix(), 10))
	w.Header().Set("RateLimit-Policy", "3000;w=300")
	method := strings.TrimPrefix(r.URL.Path, "/xrpc/")
	switch method {
	case "com.atproto.server.createSession":
		var in struct{ Identifier, Password string }
		json.NewDecoder(r.Body).Decode(&in)
		if in.Identifier != "observatorio.gt" || in.Password != "abcd-efgh-ijkl-mnop" {
			xrpcError(w, 401, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		f.sessions++
		json.NewEncoder(w).Encode(map[string]any{"did": "did:plc:obsgt7x2", "handle": "observatorio.gt",
			"accessJwt": fmt.Sprintf("access-%d", f.sessions), "refreshJwt": "refresh-1", "active": true})
		return
	case "com.atproto.server.refreshSession":
		if r.Header.Get("Authorization") != "Bearer refresh-1" {
			xrpcError(w, 400, "InvalidToken", "bad refresh token")
			return
		}
		f.sessions++
		json.NewEncoder(w).Encode(map[string]any{"did": "did:plc:obsgt7x2", "handle": "observatorio.gt",
			"accessJwt": fmt.Sprintf("access-%d", f.sessions), "refreshJwt": "refresh-1"})
		return
	}
	if f.requireAuth {
		a := r.Header.Get("Authorization")
		if !strings.HasPrefix(a, "Bearer access-") {
			xrpcError(w, 401, "AuthMissing", "Authentication Required")
			return
		}
		if f.expireOnce {
			f.expireOnce = false
			xrpcError(w, 400, "ExpiredToken", "Token has expired")
			return
		}
	}
	q := r.URL.Query()
	switch method {
	case "app.bsky.feed.searchPosts":
		if q.Get("q") == "" {
			xrpcError(w, 400, "InvalidRequest", `Error: Params must have the property "q"`)
			return
		}
		if c := q.Get("cursor"); c != "" && c == f.badCursor {
			xrpcError(w, 400, "InvalidRequest", "malformed cursor")
			return
		}
		term := strings.ToLower(strings.Trim(q.Get("q"), `"`))
		var sel []map[string]any
		for _, p := range f.posts {
			text := strings.ToLower(p["record"].(map[string]any)["text"].(string))
			if !strings.Contains(text, term) {
				continue
			}
			if s := q.Get("since"); s != "" && p["indexedAt"].(string) < s {
				continue
			}
			sel = append(sel, p)
		}
		sort.Slice(sel, func(i, j int) bool { return sel[i]["indexedAt"].(string) > sel[j]["indexedAt"].(string) })
		off, _ := strconv.Atoi(q.Get("cursor"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit <= 0 {
			limit = 25
		}
		out := map[string]any{"posts": []any{}}
		if off < len(sel) {
			end := min(off+limit, len(sel))
			out["posts"] = sel[off:end]
			if end < len(sel) {
				out["cursor"] = strconv.Itoa(end)
			}
		}
		out["hitsTotal"] = len(sel)
		json.NewEncoder(w).Encode(out)
	case "app.bsky.actor.getProfiles":
		actors := q["actors"]
		if len(actors) > 25 {
			xrpcError(w, 400, "InvalidRequest", "actors must not have more than 25 elements")
			return
		}
		f.profileCalls++
		f.maxActors = max(f.maxActors, len(actors))
		var out []any
		for _, a := range actors {
			if p, ok := f.profiles[a]; ok {
				out = append(out, p)
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"profiles": out})
	case "app.bsky.feed.getPosts":
		var out []any
		for _, u := range q["uris"] {
			for _, p := range f.posts {
				if p["uri"] == u {
					out = append(out, p)
				}
			}
		}
		if out == nil {
			out = []any{}
		}
		json.NewEncoder(w).Encode(map[string]any{"posts": out})
	case "app.bsky.feed.getAuthorFeed":
		var feed []any
		for _, p := range f.posts {
			if a := p["author"].(map[string]any); a["handle"] == q.Get("actor") || a["did"] == q.Get("actor") {
				feed = append(feed, map[string]any{"post": p})
			}
		}
		feed = append(feed, map[string]any{"post": f.posts[2], "reason": map[string]any{"$type": "app.bsky.feed.defs#reasonRepost", "by": map[string]any{"did": "x"}, "indexedAt": "2026-11-22T00:00:00Z"}})
		json.NewEncoder(w).Encode(map[string]any{"feed": feed})
	default:
		xrpcError(w, 501, "MethodNotImplemented", "Method Not Implemented")
	}
}

func blueskyConfig(t testing.TB, f *fakeBluesky) Config {
	cfg := testConfig(t, t.TempDir())
	cfg.Bluesky.BaseURL = f.srv.URL
	cfg.Bluesky.PDSURL = f.srv.URL
	cfg.Bluesky.Limit = 2
	cfg.Social.Queries = []Query{{Campaign: "nada_justifica", Hashtags: []string{"#NadaJustifica"}, Languages: []string{"es"}}}
	return cfg
}

func TestBlueskySearch(t *testing.T) {
	tests := []struct {
		name string
		auth bool
	}{{"public appview", false}, {"app-password session, token expires", true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeBluesky(t)
			cfg := blueskyConfig(t, f)
			if tc.auth {
				f.requireAuth, f.expireOnce = true, true
				cfg.Bluesky.Identifier, cfg.Bluesky.AppPassword = "observatorio.gt", "abcd-efgh-ijkl-mnop"
			}
			c := mustNew(t, cfg)
			var rec recorder
			if err := c.RunOnce(t.Context(), rec.emit); err != nil {
				t.Fatal(err)
			}
			docs := byID(rec.take())
			if len(docs) != 5 {
				t.Fatalf("got %v, want 5 posts (3 pages of 2)", keys(docs))
			}
			d := docs["bluesky:at://did:plc:redmujeres4/app.bsky.feed.post/3lbqa2"]
			if d == nil {
				t.Fatal("post 3lbqa2 missing")
			}
			if d.Engagement.Likes != 42 || d.Engagement.Shares != 13 || d.Engagement.Replies != 6 ||
				d.Author.Followers != 5100 || d.Author.Handle != "redmujeres.bsky.social" ||
				d.URL != "https://bsky.app/profile/redmujeres.bsky.social/post/3lbqa2" || d.Lang != "es" {
				t.Errorf("document %+v", d)
			}
			if len(d.Campaigns) != 1 || d.Campaigns[0].ID != "nada_justifica" {
				t.Errorf("campaigns %+v", d.Campaigns)
			}
			if r := docs["bluesky:at://did:plc:obsgt7x2/app.bsky.feed.post/3lbqa4"]; r.Kind != "comment" {
				t.Errorf("reply kind %q", r.Kind)
			}
			if f.maxActors > 25 || f.profileCalls > 3 {
				t.Errorf("getProfiles: %d calls, at most %d actors", f.profileCalls, f.maxActors)
			}
			// Run again: profiles are cached, nothing is new.
			calls := f.profileCalls
			if err := c.RunOnce(t.Context(), rec.emit); err != nil {
				t.Fatal(err)
			}
			if n := len(rec.take()); n != 0 || f.profileCalls != calls {
				t.Errorf("second round: %d documents, %d new profile calls", n, f.profileCalls-calls)
			}
		})
	}
}

func TestBlueskyRefreshDeletedAndDrift(t *testing.T) {
	f := newFakeBluesky(t)
	cfg := blueskyConfig(t, f)
	c := mustNew(t, cfg)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	rec.take()
	f.mu.Lock()
	f.posts[0]["likeCount"] = 99.0
	f.posts = f.posts[:4] // 3lbqa5 deleted
	delete(f.posts[2], "replyCount")
	f.mu.Unlock()
	now = now.Add(2 * time.Hour)
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	got := byID(rec.take())
	if d := got["bluesky:at://did:plc:obsgt7x2/app.bsky.feed.post/3lbqa1"]; d == nil || d.Version != 2 || d.Engagement.Likes != 99 {
		t.Errorf("changed post: %+v", d)
	}
	if d := got["bluesky:at://did:plc:redmujeres4/app.bsky.feed.post/3lbqa5"]; d == nil || !d.Deleted || d.Version != 2 {
		t.Errorf("deleted post: %+v", d)
	}
	if len(got) != 2 {
		t.Errorf("emitted %v", keys(got))
	}
	if h := healthOf(c, "bluesky", "refresh"); h.Problem != ProblemSchemaDrift || !strings.Contains(h.LastError, "replyCount") {
		t.Errorf("refresh health %+v", h)
	}
}

func TestBlueskyExpiredCursorGap(t *testing.T) {
	f := newFakeBluesky(t)
	cfg := blueskyConfig(t, f)
	cfg.Social.MaxPages = 1
	cfg.Social.Backfill = Duration(20 * 365 * 24 * time.Hour)
	c := mustNew(t, cfg)
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.take()); n != 2 {
		t.Fatalf("round 1: %d posts, want one page of 2", n)
	}
	f.mu.Lock()
	f.badCursor = "2"
	f.mu.Unlock()
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatalf("an expired gap cursor failed the round: %v", err)
	}
	h := healthOf(c, "bluesky", "search «#NadaJustifica»")
	if h.Problem != ProblemInvalid || !strings.Contains(h.LastError, "abandoned") {
		t.Errorf("health %+v, want the abandoned stretch reported", h)
	}
	if cur := c.st.cursor("bluesky|" + f.srv.URL + "|q:#NadaJustifica"); len(cur.Gaps) != 0 {
		t.Errorf("gap kept: %+v", cur.Gaps)
	}
}

func TestBlueskyAuthorFeed(t *testing.T) {
	f := newFakeBluesky(t)
	cfg := testConfig(t, t.TempDir())
	cfg.Bluesky.BaseURL = f.srv.URL
	cfg.Bluesky.Authors = []string{"observatorio.gt"}
	c := mustNew(t, cfg)
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	got := byID(rec.take())
	// Two posts of the author; the repost of someone else's post is skipped.
	if len(got) != 2 || got["bluesky:at://did:plc:obsgt7x2/app.bsky.feed.post/3lbqa1"].Author.Followers != 2300 {
		t.Fatalf("emitted %v", keys(got))
	}
}
