package social

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeYouTube serves Data API v3 list methods from fixtures: search, videos,
// channels, commentThreads (by videoId or id), checking the key, with Google's
// error body for quota and disabled comments.
type fakeYouTube struct {
	mu       sync.Mutex
	search   map[string]any
	videos   []map[string]any
	channels []map[string]any
	threads  []map[string]any
	quota    bool
	calls    map[string]int
	srv      *httptest.Server
}

func newFakeYouTube(t testing.TB) *fakeYouTube {
	f := &fakeYouTube{calls: map[string]int{}}
	for name, into := range map[string]any{"search": &f.search, "videos": &f.videos, "channels": &f.channels, "comments": &f.threads} {
		if err := json.Unmarshal(mustRead(t, "youtube/"+name+".json"), into); err != nil {
			t.Fatal(err)
		}
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func googleError(w http.ResponseWriter, code int, reason, msg string) {
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": code, "message": msg,
		"errors": []any{map[string]any{"message": msg, "domain": "youtube.quota", "reason": reason}}}})
}

func (f *fakeYouTube) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	q := r.URL.Query()
	if q.Get("key") != "clave-de-prueba" {
		googleError(w, 400, "badRequest", "API key not valid. Please pass a valid API key.")
		return
	}
	if f.quota {
		googleError(w, 403, "quotaExceeded", "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.")
		return
	}
	method := strings.TrimPrefix(r.URL.Path, "/youtube/v3/")
	f.calls[method]++
	ids := map[string]bool{}
	for _, id := range strings.Split(q.Get("id"), ",") {
		ids[id] = true
	}
	list := func(items []map[string]any, keep func(map[string]any) bool) {
		out := []any{}
		for _, it := range items {
			if keep(it) {
				out = append(out, it)
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"kind": "youtube#listResponse", "etag": "x", "pageInfo": map[string]any{"totalResults": len(out), "resultsPerPage": len(out)}, "items": out})
	}
	switch method {
	case "search":
		if q.Get("part") != "snippet" || q.Get("order") != "date" {
			googleError(w, 400, "invalidParameter", "bad part/order")
			return
		}
		json.NewEncoder(w).Encode(f.search)
	case "videos":
		list(f.videos, func(v map[string]any) bool { return ids[v["id"].(string)] })
	case "channels":
		list(f.channels, func(v map[string]any) bool { return ids[v["id"].(string)] })
	case "commentThreads":
		if v := q.Get("videoId"); v == "vidSV00002B" {
			googleError(w, 403, "commentsDisabled", "The video identified by the videoId parameter has disabled comments.")
			return
		}
		list(f.threads, func(t map[string]any) bool {
			if v := q.Get("videoId"); v != "" {
				return t["snippet"].(map[string]any)["videoId"] == v
			}
			return ids[t["id"].(string)]
		})
	default:
		googleError(w, 404, "notFound", "Not Found")
	}
}

func TestYouTube(t *testing.T) {
	for _, tc := range []struct{ name, path string }{{"base with /youtube/v3", "/youtube/v3"}, {"bare host base", ""}} {
		t.Run(tc.name, func(t *testing.T) { testYouTube(t, tc.path) })
	}
}

func testYouTube(t *testing.T, path string) {
	f := newFakeYouTube(t)
	cfg := testConfig(t, t.TempDir())
	cfg.YouTube.APIKey = "clave-de-prueba"
	cfg.YouTube.BaseURL = f.srv.URL + path
	cfg.Social.Queries = []Query{{Campaign: "nada_justifica", Hashtags: []string{"NadaJustifica"}, Countries: []string{"gt"}, Languages: []string{"es"}}}
	c := mustNew(t, cfg)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	docs := byID(rec.take())
	if len(docs) != 5 {
		t.Fatalf("got %v, want 3 videos and 2 comments", keys(docs))
	}
	v := docs["youtube:vidGT00001A"]
	if v.Engagement.Views != 15420 || v.Engagement.Likes != 830 || v.Engagement.Replies != 112 || v.Author.Followers != 452000 ||
		v.Author.Handle != "@noticierogt" || v.Kind != "post" || v.Lang != "es" || v.URL != "https://www.youtube.com/watch?v=vidGT00001A" {
		t.Errorf("video %+v", v)
	}
	if sv := docs["youtube:vidSV00002B"]; sv.Engagement.Likes != 0 || sv.Engagement.Views != 8900 {
		t.Errorf("hidden likes: %+v", sv.Engagement)
	}
	cm := docs["youtube:Ugz0comentario01A"]
	if cm == nil || cm.Kind != "comment" || cm.Engagement.Likes != 54 || cm.Engagement.Replies != 3 || string(cm.Extra["in_reply_to"]) != `"youtube:vidGT00001A"` {
		t.Errorf("comment %+v", cm)
	}
	if f.calls["channels"] != 1 || f.calls["commentThreads"] != 2 {
		t.Errorf("calls %v: want one channels.list and comments only for videos with comments", f.calls)
	}
	if h := healthOf(c, "youtube", "search «#NadaJustifica»"); !h.OK() {
		t.Errorf("health %+v (comments disabled is not a problem)", h)
	}

	// Refresh: a video deleted, a comment's likes changed; then the quota runs out.
	f.mu.Lock()
	f.videos = f.videos[:2]
	f.threads[0]["snippet"].(map[string]any)["topLevelComment"].(map[string]any)["snippet"].(map[string]any)["likeCount"] = 70
	f.mu.Unlock()
	now = now.Add(2 * time.Hour)
	if err := c.refreshDue(t.Context(), c.conns[0], rec.emit); err != nil {
		t.Fatal(err)
	}
	got := byID(rec.take())
	if d := got["youtube:vidHN00003C"]; d == nil || !d.Deleted {
		t.Errorf("deleted video: %+v", d)
	}
	if d := got["youtube:Ugz0comentario01A"]; d == nil || d.Engagement.Likes != 70 || d.Version != 2 || d.Source == "" {
		t.Errorf("refreshed comment: %+v", d)
	}
	if len(got) != 2 {
		t.Errorf("refresh emitted %v", keys(got))
	}
	f.mu.Lock()
	f.quota = true
	f.mu.Unlock()
	if err := c.RunOnce(t.Context(), rec.emit); err == nil {
		t.Error("quota exhausted but RunOnce succeeded")
	}
	if h := healthOf(c, "youtube", "search «#NadaJustifica»"); h.Problem != ProblemRateLimited {
		t.Errorf("health %+v, want rate_limited", h)
	}
}

func TestYouTubeNeedsKey(t *testing.T) {
	cfg := testConfig(t, "none")
	cfg.YouTube.Queries = []string{"femicidio"}
	if _, err := New(cfg, testLogger(t)); err == nil {
		t.Fatal("a YouTube query without an API key should leave nothing to run")
	}
}
