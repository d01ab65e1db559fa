package dashboards

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

// fakeSearcher answers from a fixed list, so these tests exercise the server, not an index.
type fakeSearcher struct {
	docs []*escucha.Document
	last escucha.SearchRequest
}

func (f *fakeSearcher) Search(_ context.Context, req escucha.SearchRequest) (*escucha.SearchResult, error) {
	f.last = req
	res := &escucha.SearchResult{Facets: map[string]escucha.Facet{}}
	for _, d := range f.docs {
		if req.Query != "" && !strings.Contains(strings.ToLower(d.Title), strings.ToLower(req.Query)) {
			continue
		}
		res.Total++
		res.Hits = append(res.Hits, escucha.Hit{ID: d.ID, Title: d.Title, Published: d.Published,
			Source: d.Source, Platform: d.Platform, URL: d.URL,
			Highlights: map[string][]string{"text": {"la <mark>" + d.Text + "</mark> fin"}}})
	}
	res.Facets["category"] = escucha.Facet{Field: "category", Buckets: []escucha.Bucket{{Key: "femicidio", Count: int(res.Total)}}}
	if req.Histogram != "" {
		t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		res.Histogram = &escucha.Histogram{Interval: req.Histogram, Buckets: []escucha.Bucket{
			{Key: "a", Start: t0, Count: 2}, {Key: "b", Start: t0.AddDate(0, 0, 1), Count: 5}}}
	}
	return res, nil
}

func (f *fakeSearcher) Count(ctx context.Context, req escucha.SearchRequest) (uint64, error) {
	r, err := f.Search(ctx, req)
	return r.Total, err
}

func (f *fakeSearcher) Export(_ context.Context, req escucha.SearchRequest, format string, w io.Writer) error {
	for _, d := range f.docs {
		io.WriteString(w, d.ID+"\n")
	}
	return nil
}

func (f *fakeSearcher) Get(_ context.Context, id string) (*escucha.Document, error) {
	for _, d := range f.docs {
		if d.ID == id {
			return d, nil
		}
	}
	return nil, escucha.Errorf(escucha.ENotFound, "documento %s no existe", id)
}

const (
	viewerTok  = "viewer-secret-0123456789"
	analystTok = "analyst-secret-0123456789"
	adminTok   = "admin-secret-0123456789ab"
)

func newTestServer(t *testing.T, docs ...*escucha.Document) (*httptest.Server, *fakeSearcher) {
	t.Helper()
	fs := &fakeSearcher{docs: docs}
	s, err := New(Config{
		Tokens:   []Token{{"ana", RoleViewer, viewerTok}, {"beto", RoleAnalyst, analystTok}, {"root", RoleAdmin, adminTok}},
		Searcher: fs, Health: func() any { return map[string]string{"diario": "ok"} },
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, fs
}

func get(t *testing.T, url, token string, html bool) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if html {
		req.Header.Set("Accept", "text/html")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestAuthAndRoles(t *testing.T) {
	srv, _ := newTestServer(t, &escucha.Document{ID: "d1", Title: "Femicidio en Mixco"})
	for _, tc := range []struct {
		name, path, token string
		want              int
	}{
		{"healthz open", "/healthz", "", 200},
		{"metrics open", "/metrics", "", 200},
		{"search needs token", "/api/v1/search?q=x", "", 401},
		{"bad token", "/api/v1/search?q=x", "nope-nope-nope-nope", 401},
		{"viewer searches", "/api/v1/search?q=mixco", viewerTok, 200},
		{"viewer cannot export", "/api/v1/export?format=csv", viewerTok, 403},
		{"analyst exports", "/api/v1/export?format=csv", analystTok, 200},
		{"analyst no sources", "/api/v1/sources", analystTok, 403},
		{"admin sources", "/api/v1/sources", adminTok, 200},
		{"bad format", "/api/v1/export?format=xls", analystTok, 400},
		{"bad date", "/api/v1/search?desde=ayer", viewerTok, 400},
		{"missing doc", "/api/v1/documents/nope", viewerTok, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+tc.path, tc.token, false)
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.want, body)
			}
		})
	}
	// A browser without a cookie is sent to the login page.
	resp, _ := get(t, srv.URL+"/buscar?q=x", "", true)
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/entrar") {
		t.Fatalf("browser redirect: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestLoginCookie(t *testing.T) {
	srv, _ := newTestServer(t)
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(srv.URL+"/entrar", url.Values{"token": {viewerTok}, "volver": {"//evil.example/"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d %q (open redirect must be refused)", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == cookieName {
			cookie = ck
		}
	}
	if cookie == nil || !cookie.HttpOnly {
		t.Fatalf("no HttpOnly session cookie: %v", resp.Cookies())
	}
	resp, err = c.PostForm(srv.URL+"/entrar", url.Values{"token": {"wrong-wrong-wrong-wrong"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("bad token login: %d", resp.StatusCode)
	}
}

func TestSearchPageEscapesHostileText(t *testing.T) {
	evil := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	srv, fs := newTestServer(t, &escucha.Document{ID: "d1", Title: "Extorsión " + evil, Text: evil,
		Source: evil, Platform: "news", URL: "javascript:alert(3)", Published: time.Now()})
	resp, body := get(t, srv.URL+"/buscar?q=extorsi%C3%B3n&categoria=extorsion&departamento=Guatemala&desde=2026-01-01&orden=fecha", viewerTok, true)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	for _, bad := range []string{"<script>alert", "<img src=x", `href="javascript:`} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains unescaped %q", bad)
		}
	}
	if !strings.Contains(body, "<mark>") {
		t.Error("highlights lost their <mark>")
	}
	if fs.last.Sort != escucha.SortDate || len(fs.last.Categories) != 1 || fs.last.Admin1[0] != "Guatemala" || fs.last.From.IsZero() {
		t.Errorf("filters not passed: %+v", fs.last)
	}
	if !strings.Contains(body, "<svg") {
		t.Error("no histogram chart")
	}
	if strings.Contains(body, "Exportar todo") {
		t.Error("viewer must not see export links")
	}
}

func TestHighlightOnlyKeepsMark(t *testing.T) {
	for in, want := range map[string]string{
		"a <mark>b</mark> c":            "a <mark>b</mark> c",
		"<b>x</b> <mark>y":              "&lt;b&gt;x&lt;/b&gt; <mark>y</mark>",
		"&lt;script&gt; <mark>z</mark>": "&lt;script&gt; <mark>z</mark>",
		`<mark onclick="x">q</mark>`:    `<mark>&lt;mark onclick=&#34;x&#34;&gt;q</mark>`,
		"tail</mark>":                   "<mark>tail</mark>",
	} {
		if got := string(highlight(in)); got != want {
			t.Errorf("highlight(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSafeBack(t *testing.T) {
	for in, want := range map[string]string{"/buscar?q=x": "/buscar?q=x", "//evil": "/", "https://evil": "/", "/\\evil": "/", "": "/"} {
		if got := safeBack(in); got != want {
			t.Errorf("safeBack(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTokens(t *testing.T) {
	ts, err := ParseTokens("ana:viewer:0123456789abcdef, root:admin:fedcba9876543210")
	if err != nil || len(ts) != 2 || ts[1].Role != RoleAdmin {
		t.Fatalf("ParseTokens: %v %+v", err, ts)
	}
	for _, bad := range []string{"ana:viewer:short", "ana:king:0123456789abcdef", "nocolon"} {
		if _, err := ParseTokens(bad); err == nil {
			t.Errorf("ParseTokens(%q) accepted", bad)
		}
	}
}

func FuzzSearchRequest(f *testing.F) {
	f.Add("q=feminicidio+Villa+Nueva&desde=2026-01-01&hasta=2026-02-01&categoria=femicidio&n=30")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		req, err := searchRequest(q)
		if err == nil && (req.Size <= 0 || req.Size > escucha.MaxSearchSize) {
			t.Fatalf("validated request with size %d", req.Size)
		}
	})
}

// BenchmarkSearchPage measures rendering a results page (20 hits, facets, chart) over a
// fake searcher: the server's own cost per request.
func BenchmarkSearchPage(b *testing.B) {
	var docs []*escucha.Document
	for i := 0; i < 20; i++ {
		docs = append(docs, &escucha.Document{ID: fmt.Sprint("d", i), Title: "Femicidio en Villa Nueva", Text: "texto de la nota",
			Source: "Diario", Platform: "news", Published: time.Now()})
	}
	fs := &fakeSearcher{docs: docs}
	s, err := New(Config{Tokens: []Token{{"ana", RoleViewer, viewerTok}}, Searcher: fs})
	if err != nil {
		b.Fatal(err)
	}
	h := s.Handler()
	req := httptest.NewRequest("GET", "/buscar?q=femicidio", nil)
	req.Header.Set("Authorization", "Bearer "+viewerTok)
	req.Header.Set("Accept", "text/html")
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
