package social

import (
	"context"
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

	"github.com/infosegura/escucha"
)

// fakeMastodon serves the documented Mastodon API from a list of Status objects:
// tag timelines and account statuses (newest first, limit, max_id, since_id,
// min_id, Link header), accounts/lookup, statuses/:id (404 once deleted) and
// /api/v2/search.
type fakeMastodon struct {
	mu       sync.Mutex
	statuses []map[string]any
	deleted  map[string]bool
	tooMany  int  // answer this many requests with 429 first
	static   bool // ignore max_id/since_id and send no Link header (a minimal server)
	requests []string
	srv      *httptest.Server
}

func newFakeMastodon(t testing.TB, fixture []byte) *fakeMastodon {
	f := &fakeMastodon{deleted: map[string]bool{}}
	if err := json.Unmarshal(fixture, &f.statuses); err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMastodon) set(id, field string, v any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, s := range f.statuses {
		if s["id"] == id {
			s[field] = v
		}
	}
}

func (f *fakeMastodon) add(s map[string]any) {
	f.mu.Lock()
	f.statuses = append(f.statuses, s)
	f.mu.Unlock()
}

func (f *fakeMastodon) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.URL.RequestURI())
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if f.tooMany > 0 {
		f.tooMany--
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"error":"Too many requests"}`)
		return
	}
	w.Header().Set("X-RateLimit-Limit", "300")
	w.Header().Set("X-RateLimit-Remaining", "299")
	w.Header().Set("X-RateLimit-Reset", time.Now().Add(5*time.Minute).UTC().Format(time.RFC3339))
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/v1/timelines/tag/"):
		tag := strings.ToLower(strings.TrimPrefix(p, "/api/v1/timelines/tag/"))
		f.list(w, r, func(s map[string]any) bool {
			c, _ := s["content"].(string)
			return strings.Contains(strings.ToLower(c), tag)
		})
	case p == "/api/v1/accounts/lookup":
		acct := r.URL.Query().Get("acct")
		for _, s := range f.statuses {
			a := s["account"].(map[string]any)
			if a["acct"] == acct {
				json.NewEncoder(w).Encode(a)
				return
			}
		}
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error":"Record not found"}`)
	case strings.HasPrefix(p, "/api/v1/accounts/") && strings.HasSuffix(p, "/statuses"):
		id := strings.TrimSuffix(strings.TrimPrefix(p, "/api/v1/accounts/"), "/statuses")
		f.list(w, r, func(s map[string]any) bool { return s["account"].(map[string]any)["id"] == id })
	case p == "/api/v2/search":
		q := strings.ToLower(r.URL.Query().Get("q"))
		if r.URL.Query().Get("type") != "statuses" {
			w.WriteHeader(400)
			return
		}
		var out []map[string]any
		for _, s := range f.statuses {
			if strings.Contains(strings.ToLower(s["content"].(string)), q) {
				out = append(out, s)
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"accounts": []any{}, "statuses": out, "hashtags": []any{}})
	case strings.HasPrefix(p, "/api/v1/statuses/"):
		id := strings.TrimPrefix(p, "/api/v1/statuses/")
		for _, s := range f.statuses {
			if s["id"] == id && !f.deleted[id] {
				json.NewEncoder(w).Encode(s)
				return
			}
		}
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error":"Record not found"}`)
	default:
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error":"Not found"}`)
	}
}

func (f *fakeMastodon) list(w http.ResponseWriter, r *http.Request, keep func(map[string]any) bool) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 40 {
		limit = 20
	}
	var sel []map[string]any
	for _, s := range f.statuses {
		id := s["id"].(string)
		if f.deleted[id] || !keep(s) {
			continue
		}
		if f.static {
			sel = append(sel, s)
			continue
		}
		if v := q.Get("max_id"); v != "" && numCmp(id, v) >= 0 {
			continue
		}
		if v := q.Get("since_id"); v != "" && numCmp(id, v) <= 0 {
			continue
		}
		sel = append(sel, s)
	}
	sort.Slice(sel, func(i, j int) bool { return numCmp(sel[i]["id"].(string), sel[j]["id"].(string)) > 0 })
	if len(sel) > limit {
		sel = sel[:limit]
	}
	if len(sel) > 0 && !f.static {
		base := "http://" + r.Host + r.URL.Path
		w.Header().Set("Link", fmt.Sprintf(`<%s?max_id=%s>; rel="next", <%s?min_id=%s>; rel="prev"`,
			base, sel[len(sel)-1]["id"], base, sel[0]["id"]))
	}
	if sel == nil {
		sel = []map[string]any{}
	}
	json.NewEncoder(w).Encode(sel)
}

func mastodonConfig(t testing.TB, f *fakeMastodon, dir string) Config {
	cfg := testConfig(t, dir)
	cfg.Mastodon.Instances = []string{f.srv.URL}
	cfg.Mastodon.Hashtags = []string{"NadaJustifica"}
	return cfg
}

func TestMastodonCollect(t *testing.T) {
	f := newFakeMastodon(t, mustRead(t, "mastodon/statuses.json"))
	c := mustNew(t, mastodonConfig(t, f, t.TempDir()))
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	docs := byID(rec.take())
	if len(docs) != 5 {
		t.Fatalf("got %d documents, want 5", len(docs))
	}
	d := docs["mastodon:113500000000000003"]
	if d == nil {
		t.Fatal("status 3 missing")
	}
	cases := []struct{ name, got, want string }{
		{"platform", d.Platform, escucha.PlatformMastodon},
		{"kind", d.Kind, escucha.KindPost},
		{"text", d.Text, `"Él la celaba" no es una explicación & tampoco una justificación. <b>Nada justifica</b> un femicidio. #NadaJustifica`},
		{"handle", d.Author.Handle, "periodista_sv@" + hostOf(f.srv.URL)},
		{"author id", d.Author.ID, "9003"},
		{"url", d.URL, "https://mastodon.example/@periodista_sv/113500000000000003"},
		{"lang", d.Lang, "es"},
		{"published", d.Published.Format(time.RFC3339), "2026-11-21T09:12:45Z"},
		{"source", d.Source, hostOf(f.srv.URL)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
	if d.Engagement != (escucha.Engagement{Likes: 88, Shares: 31, Replies: 14}) || d.Author.Followers != 3400 || d.Version != 1 {
		t.Errorf("figures: %+v followers %d version %d", d.Engagement, d.Author.Followers, d.Version)
	}
	if got := docs["mastodon:113500000000000002"].Text; got != "Hoy marchamos frente al Ministerio Público.\nNi una menos, ni una más. #NadaJustifica\n\nFotos: https://fotos.example/marcha" {
		t.Errorf("paragraphs: %q", got)
	}
	if got := docs["mastodon:113500000000000005"]; strings.Contains(got.Text, "alert") || got.Author.Handle != "mp_denuncias@otra.instancia.example" {
		t.Errorf("script kept or remote handle wrong: %q %q", got.Text, got.Author.Handle)
	}
	if h := healthOf(c, "mastodon", hostOf(f.srv.URL)+" #NadaJustifica"); !h.OK() || h.Documents != 5 {
		t.Errorf("health %+v", h)
	}
}

func TestMastodonPagingAndRestart(t *testing.T) {
	f := newFakeMastodon(t, mustRead(t, "mastodon/statuses.json"))
	dir := t.TempDir()
	cfg := mastodonConfig(t, f, dir)
	cfg.Mastodon.Limit = 2
	cfg.Social.MaxPages = 2 // 5 statuses, 2 a page: the first round leaves a gap
	var all []*escucha.Document
	var rec recorder

	c1 := mustNew(t, cfg)
	if err := c1.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	first := rec.take()
	if len(first) != 4 {
		t.Fatalf("round 1: %d documents, want 4 (two pages)", len(first))
	}
	all = append(all, first...)
	c1.Close()

	// A restart (new collector, same state dir) fills the gap and sees a new status.
	f.add(map[string]any{"id": "113500000000000009", "created_at": "2026-11-23T10:00:00.000Z", "content": "<p>Nuevo: vigilia en Escuintla #NadaJustifica</p>",
		"visibility": "public", "uri": "https://mastodon.example/users/x/statuses/9", "url": "https://mastodon.example/@x/9",
		"replies_count": 0, "reblogs_count": 1, "favourites_count": 2, "reblog": nil,
		"account": map[string]any{"id": "77", "username": "x", "acct": "x", "display_name": "X", "followers_count": 10}})
	c2 := mustNew(t, cfg)
	if err := c2.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	second := rec.take()
	ids := byID(second)
	if len(second) != 2 || ids["mastodon:113500000000000009"] == nil || ids["mastodon:113500000000000001"] == nil {
		t.Fatalf("round 2 emitted %v, want the new status and the gap's", keys(ids))
	}
	all = append(all, second...)
	c2.Close()

	c3 := mustNew(t, cfg)
	if err := c3.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	if again := rec.take(); len(again) != 0 {
		t.Fatalf("round 3 repeated %d documents", len(again))
	}
	noDupes(t, all)
	if len(byID(all)) != 6 {
		t.Errorf("%d distinct documents over three rounds, want 6", len(byID(all)))
	}
	// Round 2 asked with since_id: the server was told where round 1 stopped.
	saw := false
	for _, r := range f.requests {
		saw = saw || strings.Contains(r, "since_id=113500000000000005")
	}
	if !saw {
		t.Errorf("no request used since_id: %v", f.requests)
	}
}

func keys(m map[string]*escucha.Document) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestMastodonRefresh(t *testing.T) {
	f := newFakeMastodon(t, mustRead(t, "mastodon/statuses.json"))
	cfg := mastodonConfig(t, f, t.TempDir())
	cfg.Social.Refresh = RefreshConfig{First: Duration(time.Hour), Interval: Duration(2 * time.Hour), Factor: 2, Window: Duration(7 * 24 * time.Hour)}
	c := mustNew(t, cfg)
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	var rec recorder
	ctx := t.Context()
	if err := c.RunOnce(ctx, rec.emit); err != nil {
		t.Fatal(err)
	}
	rec.take()

	// Not due yet: nothing is re-read.
	now = now.Add(30 * time.Minute)
	before := len(f.requests)
	if err := c.refreshDue(ctx, c.conns[0], rec.emit); err != nil {
		t.Fatal(err)
	}
	if len(f.requests) != before {
		t.Errorf("refreshed before due")
	}

	f.set("113500000000000003", "favourites_count", 120)
	f.mu.Lock()
	f.deleted["113500000000000004"] = true
	f.mu.Unlock()
	now = now.Add(time.Hour)
	if err := c.refreshDue(ctx, c.conns[0], rec.emit); err != nil {
		t.Fatal(err)
	}
	got := byID(rec.take())
	if len(got) != 2 {
		t.Fatalf("refresh emitted %v, want the changed and the deleted status", keys(got))
	}
	if d := got["mastodon:113500000000000003"]; d.Version != 2 || d.Engagement.Likes != 120 || d.Deleted {
		t.Errorf("changed: %+v", d)
	}
	if d := got["mastodon:113500000000000004"]; d.Version != 2 || !d.Deleted {
		t.Errorf("deleted: %+v", d)
	}
	// Next check comes later (the interval grows): 1h later nothing is due.
	now = now.Add(time.Hour + time.Minute)
	before = len(f.requests)
	if err := c.refreshDue(ctx, c.conns[0], rec.emit); err != nil {
		t.Fatal(err)
	}
	if len(f.requests) != before {
		t.Errorf("second refresh came after 1h, want 2h")
	}
	now = now.Add(time.Hour)
	if err := c.refreshDue(ctx, c.conns[0], rec.emit); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); len(got) != 0 {
		t.Errorf("unchanged figures emitted %d documents", len(got))
	}
	if len(f.requests)-before != 4 {
		t.Errorf("second refresh read %d statuses, want 4 (deleted one no longer)", len(f.requests)-before)
	}
}

func TestMastodonRateLimitAndDrift(t *testing.T) {
	f := newFakeMastodon(t, mustRead(t, "mastodon/statuses.json"))
	f.tooMany = 2
	f.set("113500000000000002", "favourites_count", nil)
	f.mu.Lock()
	delete(f.statuses[1], "favourites_count")
	f.mu.Unlock()
	c := mustNew(t, mastodonConfig(t, f, t.TempDir()))
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	docs := byID(rec.take())
	if len(docs) != 4 || docs["mastodon:113500000000000002"] != nil {
		t.Fatalf("emitted %v: want 4, without the status lacking favourites_count", keys(docs))
	}
	h := healthOf(c, "mastodon", hostOf(f.srv.URL)+" #NadaJustifica")
	if h.Problem != ProblemSchemaDrift || !strings.Contains(h.LastError, "favourites_count") {
		t.Errorf("health %+v, want schema drift naming favourites_count", h)
	}
}

func TestMastodonRateLimitExhausted(t *testing.T) {
	f := newFakeMastodon(t, mustRead(t, "mastodon/statuses.json"))
	f.tooMany = 100
	c := mustNew(t, mastodonConfig(t, f, t.TempDir()))
	var rec recorder
	err := c.RunOnce(context.Background(), rec.emit)
	if err == nil {
		t.Fatal("every source failed but RunOnce returned nil")
	}
	if h := healthOf(c, "mastodon", hostOf(f.srv.URL)+" #NadaJustifica"); h.Problem != ProblemRateLimited {
		t.Errorf("health %+v, want rate_limited", h)
	}
}

func TestMastodonAccountsAndSearch(t *testing.T) {
	f := newFakeMastodon(t, mustRead(t, "mastodon/statuses.json"))
	cfg := testConfig(t, t.TempDir())
	cfg.Mastodon.Instances = []string{f.srv.URL}
	cfg.Mastodon.Search = []string{"Mixco"}
	cfg.Social.Queries = []Query{{Campaign: "nada_justifica", Accounts: Accounts{Mastodon: []string{"@observatorio_gt"}}}}
	c := mustNew(t, cfg)
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	docs := rec.take()
	noDupes(t, docs)
	got := byID(docs)
	if len(docs) != 2 || got["mastodon:113500000000000001"] == nil || got["mastodon:113500000000000004"] == nil {
		t.Fatalf("emitted %v, want statuses 1 and 4 once each", keys(got))
	}
	for _, h := range c.Health() {
		if !h.OK() {
			t.Errorf("health %+v", h)
		}
	}
	lookups := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, "/api/v1/accounts/lookup") {
			lookups++
		}
	}
	if err := c.RunOnce(t.Context(), rec.emit); err != nil || lookups != 1 {
		t.Errorf("second round: %v; account looked up %d times before it", err, lookups)
	}
}

func TestMastodonMinimalServer(t *testing.T) {
	f := newFakeMastodon(t, mustRead(t, "mastodon/statuses.json"))
	f.static = true
	cfg := mastodonConfig(t, f, t.TempDir())
	cfg.Social.Refresh.Disabled = true
	c := mustNew(t, cfg)
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.take()); n != 5 {
		t.Fatalf("round 1: %d documents", n)
	}
	f.set("113500000000000003", "favourites_count", 500)
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	got := rec.take()
	if len(got) != 1 || got[0].ID != "mastodon:113500000000000003" || got[0].Version != 2 || got[0].Engagement.Likes != 500 {
		t.Fatalf("round 2 over a server that ignores since_id: %+v", got)
	}
	if len(f.requests) > 6 {
		t.Errorf("%d requests: paging did not stop on a server that ignores max_id", len(f.requests))
	}
}
