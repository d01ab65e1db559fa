package crawl

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// correctingSite serves a feed with two articles; the text of the first can be
// corrected between passes, and ETags can be switched off to exercise the hash path.
type correctingSite struct {
	*httptest.Server
	mu          sync.Mutex
	body        string
	etags       bool
	fetches     map[string]int
	notModified int
}

func newCorrectingSite(t *testing.T) *correctingSite {
	s := &correctingSite{fetches: map[string]int{}, etags: true,
		body: "La Policía Nacional Civil informó que un hombre murió tras un ataque armado en la colonia El Limón, zona 18. " +
			"Según vecinos, los atacantes se conducían en motocicleta y huyeron hacia el norte. El Ministerio Público procesó la escena durante la tarde."}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *correctingSite) setBody(b string) {
	s.mu.Lock()
	s.body = b
	s.mu.Unlock()
}

func (s *correctingSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fetches[r.URL.Path]++
	switch r.URL.Path {
	case "/robots.txt":
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	case "/rss.xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Diario</title>
<item><title>Ataque armado en zona 18</title><link>%[1]s/nota-1.html</link><pubDate>Sun, 12 May 2024 09:00:00 -0600</pubDate></item>
<item><title>Incendio en mercado</title><link>%[1]s/nota-2.html</link><pubDate>Sun, 12 May 2024 10:00:00 -0600</pubDate></item>
</channel></rss>`, s.URL)
	case "/nota-1.html", "/nota-2.html":
		body := s.body
		title := "Ataque armado en zona 18 deja un fallecido"
		if r.URL.Path == "/nota-2.html" {
			title = "Incendio consume locales de un mercado cantonal"
			body = "Bomberos Voluntarios controlaron un incendio que consumió doce locales del mercado cantonal durante la madrugada. " +
				"No se reportaron personas heridas y las pérdidas aún no han sido cuantificadas por la municipalidad."
		}
		etag := fmt.Sprintf(`"%x"`, contentHash(title, body))
		if s.etags {
			if r.Header.Get("If-None-Match") == etag {
				s.notModified++
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="es"><head><title>%s</title>
<meta property="article:published_time" content="2024-05-12T09:00:00-06:00"></head>
<body><article><h1>%s</h1><p>%s</p><p>Con información de la redacción de Diario.</p></article></body></html>`, title, title, body)
	default:
		http.NotFound(w, r)
	}
}

func (s *correctingSite) count(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fetches[p]
}

func TestCorrectionsBecomeNewVersions(t *testing.T) {
	site := newCorrectingSite(t)
	state := t.TempDir()
	cfg := Config{
		Sources:        []Source{{Name: "Diario", Country: "GT", Home: site.URL + "/", Feeds: []string{site.URL + "/rss.xml"}}},
		AllowPrivate:   true,
		StateDir:       state,
		PerHostDelay:   time.Millisecond,
		RequestTimeout: 2 * time.Second,
		Updates:        Updates{Window: time.Hour, Every: time.Nanosecond},
	}

	pass := func(cfg Config) *collector {
		got, _ := crawlOnce(t, cfg)
		return got
	}
	first := pass(cfg).byPath()
	if len(first) != 2 || first["/nota-1.html"].Version != 1 {
		t.Fatalf("first pass: want 2 documents at version 1, got %d", len(first))
	}
	id := first["/nota-1.html"].ID

	// Unchanged page: the re-check costs a 304 and emits nothing.
	if got := pass(cfg).docs; len(got) != 0 {
		t.Fatalf("unchanged pages emitted %d documents", len(got))
	}
	if site.notModified < 2 {
		t.Fatalf("re-checks of unchanged pages should be conditional: %d answered 304", site.notModified)
	}

	// A correction: same id, version 2, new text; the other article stays quiet.
	corrected := "CORRECCIÓN: la víctima era una mujer de 34 años. La Policía Nacional Civil informó que murió tras un ataque armado en la colonia El Limón, zona 18. " +
		"El Ministerio Público investiga el caso como muerte violenta de mujer."
	site.setBody(corrected)
	got := pass(cfg).docs
	if len(got) != 1 {
		t.Fatalf("after a correction want 1 new version, got %d documents", len(got))
	}
	if d := got[0]; d.ID != id || d.Version != 2 || !strings.Contains(d.Text, "CORRECCIÓN") {
		t.Fatalf("corrected document: id %s version %d text %.40q", d.ID, d.Version, d.Text)
	}

	// Without ETags the content hash decides: same text → nothing, new text → version 3.
	site.mu.Lock()
	site.etags = false
	site.mu.Unlock()
	if got := pass(cfg).docs; len(got) != 0 {
		t.Fatalf("unchanged text without ETag emitted %d documents", len(got))
	}
	site.setBody(corrected + " Familiares identificaron el cuerpo en la morgue del Inacif.")
	got = pass(cfg).docs
	if len(got) != 1 || got[0].Version != 3 {
		t.Fatalf("second correction: want version 3, got %d documents", len(got))
	}

	// Outside the window nothing is fetched again.
	before := site.count("/nota-1.html")
	old := cfg
	old.Updates = Updates{Window: -1}
	if got := pass(old).docs; len(got) != 0 {
		t.Fatalf("updates disabled: %d documents emitted", len(got))
	}
	if n := site.count("/nota-1.html"); n != before {
		t.Fatalf("updates disabled: article fetched %d more times", n-before)
	}
}

func TestUpdatesDue(t *testing.T) {
	now := time.Date(2024, 5, 12, 12, 0, 0, 0, time.UTC)
	u := Updates{Window: 48 * time.Hour, Every: 6 * time.Hour}
	for _, tc := range []struct {
		name string
		rec  seenRec
		want bool
	}{
		{"fresh, never checked, too soon", seenRec{First: now.Add(-time.Hour)}, false},
		{"fresh, never checked, due", seenRec{First: now.Add(-7 * time.Hour)}, true},
		{"checked recently", seenRec{First: now.Add(-20 * time.Hour), Checked: now.Add(-time.Hour)}, false},
		{"checked long ago", seenRec{First: now.Add(-20 * time.Hour), Checked: now.Add(-7 * time.Hour)}, true},
		{"outside the window", seenRec{First: now.Add(-49 * time.Hour)}, false},
		{"no first-seen time", seenRec{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := u.due(tc.rec, now); got != tc.want {
				t.Fatalf("due = %v, want %v", got, tc.want)
			}
		})
	}
	if (Updates{Window: -1, Every: time.Nanosecond}).due(seenRec{First: now.Add(-7 * time.Hour)}, now) {
		t.Fatal("a negative window disables re-checks")
	}
}
