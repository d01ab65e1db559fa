package crawl

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

// testSite serves testdata/site over HTTP on 127.0.0.1 with the misbehaviours the
// crawler must survive, and counts hits per path.
type testSite struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
	// notModified counts conditional requests answered 304.
	notModified int
}

func newTestSite(tb testing.TB) *testSite {
	tb.Helper()
	s := &testSite{hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

func (s *testSite) hit(p string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[p]
}

func (s *testSite) file(name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "site", name))
	if err != nil {
		panic(err)
	}
	return bytes.ReplaceAll(b, []byte("{{BASE}}"), []byte(s.URL))
}

func (s *testSite) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	n := s.hits[r.URL.Path]
	s.mu.Unlock()
	p := r.URL.Path
	html := func(name string) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(s.file(name))
	}
	switch {
	case p == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		w.Write(s.file("robots.txt"))
	case p == "/rss.xml":
		const etag = `"rss-v1"`
		if r.Header.Get("If-None-Match") == etag {
			s.mu.Lock()
			s.notModified++
			s.mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "application/rss+xml")
		w.Write(s.file("rss.xml"))
	case p == "/sitemap.xml":
		w.Header().Set("Content-Type", "application/xml")
		w.Write(s.file("sitemap.xml"))
	case p == "/sitemap-noticias.xml.gz":
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(s.file("sitemap-noticias.xml"))
		zw.Close()
		w.Header().Set("Content-Type", "application/x-gzip")
		w.Write(buf.Bytes())
	case p == "/r/ataque-zona-18":
		http.Redirect(w, r, "/2024/05/12/ataque-armado-zona-18/?utm_source=redir", http.StatusMovedPermanently)
	case p == "/bucle-a":
		http.Redirect(w, r, "/bucle-b", http.StatusFound)
	case p == "/bucle-b":
		http.Redirect(w, r, "/bucle-a", http.StatusFound)
	case p == "/lento":
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	case p == "/grande":
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html><body><article><h1>Nota enorme</h1><p>"))
		w.Write(bytes.Repeat([]byte("relleno "), 40000))
	case p == "/limitado":
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html lang="es"><head><title>Sismo de 5.2 sacude la costa sur</title>
<meta property="article:published_time" content="2024-05-12T03:10:00-06:00"></head><body><article>
<h1>Sismo de 5.2 sacude la costa sur</h1><p>Un sismo de magnitud 5.2 se sintió la madrugada de este domingo en Escuintla y Retalhuleu, según el Insivumeh, sin que se reportaran daños.</p>
<p>La Conred indicó que mantiene monitoreo en los municipios cercanos al epicentro y pidió a la población revisar sus viviendas.</p></article></body></html>`)
	case p == "/calendario":
		mes := r.URL.Query().Get("mes")
		t, err := time.Parse("2006-01", mes)
		if err != nil {
			t = time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<html><body><h1>Agenda %s</h1><a href="/calendario?mes=%s">anterior</a> <a href="/calendario?mes=%s">siguiente</a></body></html>`,
			mes, t.AddDate(0, -1, 0).Format("2006-01"), t.AddDate(0, 1, 0).Format("2006-01"))
	case strings.HasPrefix(p, "/archivo/lista-de-notas-anteriores-pagina-"):
		k, _ := strconv.Atoi(strings.TrimPrefix(p, "/archivo/lista-de-notas-anteriores-pagina-"))
		w.Header().Set("Content-Type", "text/html")
		w.Write(bytes.ReplaceAll(s.file("archivo/pagina.html"), []byte("{{NEXT}}"), []byte(strconv.Itoa(k+1))))
	case p == "/portada/":
		html("portada/index.html")
	case p == "/2024/05/12/ataque-armado-zona-18/" || p == "/2024/05/12/ataque-armado-zona-18/amp/":
		html("2024/05/12/ataque-armado-zona-18/index.html")
	case strings.HasSuffix(p, ".html"):
		if _, err := os.Stat(filepath.Join("testdata", "site", filepath.FromSlash(strings.TrimPrefix(p, "/")))); err != nil {
			http.NotFound(w, r)
			return
		}
		html(strings.TrimPrefix(p, "/"))
	default:
		http.NotFound(w, r)
	}
}

// collector gathers emitted documents.
type collector struct {
	mu   sync.Mutex
	docs []*escucha.Document
}

func (c *collector) emit(_ context.Context, d *escucha.Document) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// round-trip through JSON: what is emitted must survive the wire format
	b, err := d.MarshalJSON()
	if err != nil {
		return err
	}
	back, err := escucha.DecodeDocument(b)
	if err != nil {
		return err
	}
	c.docs = append(c.docs, back)
	return nil
}

func (c *collector) byPath() map[string]*escucha.Document {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := map[string]*escucha.Document{}
	for _, d := range c.docs {
		i := strings.Index(d.CanonicalURL[len("http://"):], "/")
		m[d.CanonicalURL[len("http://")+i:]] = d
	}
	return m
}

// crawlOnce runs one pass of a new crawler on cfg and returns what it emitted and the
// sources' health after the pass.
func crawlOnce(t *testing.T, cfg Config) (*collector, []SourceHealth) {
	t.Helper()
	c, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var got collector
	if err := c.RunOnce(context.Background(), got.emit); err != nil {
		t.Fatal(err)
	}
	return &got, c.Health()
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func testConfig(t testing.TB, site *testSite, state string) Config {
	return Config{
		Sources: []Source{{
			Name: "Diario Ejemplo", Country: "GT", Home: site.URL + "/",
			Feeds:    []string{site.URL + "/rss.xml"},
			Sitemaps: []string{site.URL + "/sitemap.xml"},
		}},
		AllowPrivate:   true,
		StateDir:       state,
		PerHostDelay:   time.Millisecond,
		RequestTimeout: time.Second,
		MaxBodyBytes:   100 << 10,
		MaxRetryWait:   5 * time.Second,
	}
}
