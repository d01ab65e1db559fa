package social

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeReddit serves Reddit's listing JSON: /r/{sub}/new, /search, /r/{sub}/about,
// /api/info, with `after` cursors; public (.json suffix) or OAuth (bearer from
// /api/v1/access_token, client credentials).
type fakeReddit struct {
	mu          sync.Mutex
	posts       []map[string]any
	oauth       bool
	tokens      int
	aboutCalls  int
	closeWindow bool // answer the first listing with X-Ratelimit-Remaining: 0
	noInfo      bool // no /api/info: posts are read from /comments/{id}
	srv         *httptest.Server
}

func newFakeReddit(t testing.TB) *fakeReddit {
	f := &fakeReddit{}
	if err := json.Unmarshal(mustRead(t, "reddit/posts.json"), &f.posts); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeReddit) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if r.URL.Path == "/api/v1/access_token" {
		u, p, ok := r.BasicAuth()
		r.ParseForm()
		if !ok || u != "cliente" || p != "secreto" || r.PostForm.Get("grant_type") != "client_credentials" {
			w.WriteHeader(401)
			w.Write([]byte(`{"message": "Unauthorized", "error": 401}`))
			return
		}
		f.tokens++
		w.Write([]byte(`{"access_token": "tok-` + strconv.Itoa(f.tokens) + `", "token_type": "bearer", "expires_in": 86400, "scope": "*"}`))
		return
	}
	path := r.URL.Path
	if f.oauth {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
			w.WriteHeader(401)
			w.Write([]byte(`{"message": "Unauthorized", "error": 401}`))
			return
		}
	} else {
		if !strings.HasSuffix(path, ".json") {
			w.WriteHeader(404)
			return
		}
		path = strings.TrimSuffix(path, ".json")
	}
	w.Header().Set("X-Ratelimit-Used", "1")
	w.Header().Set("X-Ratelimit-Remaining", "99.0")
	w.Header().Set("X-Ratelimit-Reset", "300")
	q := r.URL.Query()
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) == 3 && parts[0] == "r" && parts[2] == "about":
		f.aboutCalls++
		subs := map[string]int{"guatemala": 95500, "elsalvador": 121000, "honduras": 60200}[strings.ToLower(parts[1])]
		json.NewEncoder(w).Encode(map[string]any{"kind": "t5", "data": map[string]any{"display_name": parts[1], "subscribers": subs, "public_description": "…"}})
	case len(parts) == 3 && parts[0] == "r" && parts[2] == "new":
		if f.closeWindow {
			f.closeWindow = false
			w.Header().Set("X-Ratelimit-Remaining", "0.0")
			w.Header().Set("X-Ratelimit-Reset", "1")
		}
		f.listing(w, q, func(p map[string]any) bool { return strings.EqualFold(p["subreddit"].(string), parts[1]) })
	case path == "/search":
		term := strings.ToLower(strings.Trim(q.Get("q"), `"`))
		f.listing(w, q, func(p map[string]any) bool {
			return strings.Contains(strings.ToLower(p["title"].(string)+" "+p["selftext"].(string)), term)
		})
	case len(parts) == 2 && parts[0] == "comments":
		for _, p := range f.posts {
			if p["id"] == parts[1] {
				post := map[string]any{"kind": "Listing", "data": map[string]any{"children": []any{map[string]any{"kind": "t3", "data": p}}}}
				comments := map[string]any{"kind": "Listing", "data": map[string]any{"children": []any{}}}
				json.NewEncoder(w).Encode([]any{post, comments})
				return
			}
		}
		w.WriteHeader(404)
		w.Write([]byte(`{"message": "Not Found", "error": 404}`))
	case path == "/api/info" && !f.noInfo:
		var ch []any
		for _, id := range strings.Split(q.Get("id"), ",") {
			for _, p := range f.posts {
				if p["name"] == id {
					ch = append(ch, map[string]any{"kind": "t3", "data": p})
				}
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"kind": "Listing", "data": map[string]any{"after": nil, "dist": len(ch), "children": ch, "before": nil}})
	default:
		w.WriteHeader(404)
		w.Write([]byte(`{"message": "Not Found", "error": 404}`))
	}
}

func (f *fakeReddit) listing(w http.ResponseWriter, q map[string][]string, keep func(map[string]any) bool) {
	var sel []map[string]any
	for _, p := range f.posts {
		if keep(p) {
			sel = append(sel, p)
		}
	}
	sort.Slice(sel, func(i, j int) bool { return sel[i]["created_utc"].(float64) > sel[j]["created_utc"].(float64) })
	start := 0
	if a := first(q["after"]); a != "" {
		for i, p := range sel {
			if p["name"] == a {
				start = i + 1
			}
		}
	}
	limit, _ := strconv.Atoi(first(q["limit"]))
	if limit <= 0 {
		limit = 25
	}
	end := min(start+limit, len(sel))
	var ch []any
	for _, p := range sel[start:end] {
		ch = append(ch, map[string]any{"kind": "t3", "data": p})
	}
	var after any
	if end < len(sel) {
		after = sel[end-1]["name"]
	}
	if ch == nil {
		ch = []any{}
	}
	json.NewEncoder(w).Encode(map[string]any{"kind": "Listing", "data": map[string]any{"after": after, "dist": len(ch), "children": ch, "modhash": "", "geo_filter": "", "before": nil}})
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func TestReddit(t *testing.T) {
	tests := []struct {
		name          string
		oauth, noInfo bool
	}{{"public json", false, false}, {"oauth client credentials", true, false}, {"no /api/info: one by one", false, true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeReddit(t)
			f.oauth, f.noInfo = tc.oauth, tc.noInfo
			f.closeWindow = true
			cfg := testConfig(t, t.TempDir())
			cfg.Reddit.BaseURL = f.srv.URL
			if tc.oauth {
				cfg.Reddit.OAuthURL = f.srv.URL
				cfg.Reddit.TokenURL = f.srv.URL + "/api/v1/access_token"
				cfg.Reddit.ClientID, cfg.Reddit.ClientSecret = "cliente", "secreto"
			}
			cfg.Reddit.Subreddits = []string{"Guatemala"}
			cfg.Reddit.Limit = 2
			cfg.Social.Queries = []Query{{Campaign: "nada_justifica", Phrases: []string{"nada justifica"}}}
			c := mustNew(t, cfg)
			now := time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC)
			c.now = func() time.Time { return now }
			var rec recorder
			if err := c.RunOnce(t.Context(), rec.emit); err != nil {
				t.Fatal(err)
			}
			docs := byID(rec.take())
			// r/Guatemala: 1gx01a 1gx02b 1gx04d; search "nada justifica": 1gx01a 1gx05e.
			if len(docs) != 4 {
				t.Fatalf("got %v, want 4", keys(docs))
			}
			d := docs["reddit:1gx01a"]
			if d.Title == "" || d.Engagement.Likes != 154 || d.Engagement.Replies != 48 || d.Source != "r/Guatemala" ||
				d.Author.Handle != "chapina_92" || d.URL != "https://www.reddit.com/r/Guatemala/comments/1gx01a/post/" ||
				d.Published != time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC) {
				t.Errorf("document %+v", d)
			}
			if a := string(docs["reddit:1gx05e"].Extra["audience"]); a != "60200" {
				t.Errorf("audience %q, want subscribers from about", a)
			}
			if f.aboutCalls > 2 {
				t.Errorf("about read %d times, want once per subreddit", f.aboutCalls)
			}
			if tc.oauth && f.tokens != 1 {
				t.Errorf("%d tokens fetched", f.tokens)
			}

			// Refresh: one post removed by moderators, one with more comments, one gone.
			f.mu.Lock()
			f.posts[0]["num_comments"] = 60.0
			f.posts[1]["removed_by_category"] = "moderator"
			f.posts = append(f.posts[:3], f.posts[4])
			f.mu.Unlock()
			now = now.Add(2 * time.Hour)
			if err := c.RunOnce(t.Context(), rec.emit); err != nil {
				t.Fatal(err)
			}
			got := byID(rec.take())
			if d := got["reddit:1gx01a"]; d == nil || d.Version != 2 || d.Engagement.Replies != 60 {
				t.Errorf("changed: %+v", d)
			}
			for _, id := range []string{"reddit:1gx02b", "reddit:1gx04d"} {
				if d := got[id]; d == nil || !d.Deleted || d.Version != 2 {
					t.Errorf("%s: %+v, want deleted v2", id, d)
				}
			}
			if len(got) != 3 {
				t.Errorf("emitted %v", keys(got))
			}
		})
	}
}
