package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
)

// TestCrawlCommandContract runs `escucha crawl --config FILE --once --out raw.jsonl
// --allow-private` in-process against a loopback outlet with the minimal config.
func TestCrawlCommandContract(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/rss.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Diario</title>
<item><title>Nota</title><link>http://%s/nota-uno?utm_source=rss</link><pubDate>2024-05-12 08:00</pubDate></item></channel></rss>`, r.Host)
		case "/sitemap.xml":
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>http://%s/nota-uno</loc></url></urlset>`, r.Host)
		case "/nota-uno":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, `<html lang="es"><head><title>Capturan a sospechoso de asalto en Mixco</title></head><body><article>
<h1>Capturan a sospechoso de asalto en Mixco</h1><p>Agentes de la PNC capturaron en Mixco a un hombre señalado de asaltar a pasajeros de un bus urbano, informó la institución.</p>
<p>El detenido fue trasladado a la torre de tribunales, donde un juez decidirá su situación jurídica en las próximas horas.</p></article></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "escucha.yaml")
	os.WriteFile(cfgPath, []byte(fmt.Sprintf(`sources:
  - name: Diario Ejemplo
    country: GT
    home: %[1]s/
    feeds: [%[1]s/rss.xml]
    sitemaps: [%[1]s/sitemap.xml]
`, srv.URL)), 0o644)
	out := filepath.Join(dir, "raw.jsonl")
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Logger: slog.New(slog.DiscardHandler)}
	err := runMain(context.Background(), env, []string{"crawl", "--config", cfgPath, "--once", "--out", out,
		"--allow-private", "--state", filepath.Join(dir, "state")})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var docs []*escucha.Document
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		d, err := escucha.DecodeDocument(sc.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, d)
	}
	if len(docs) != 1 {
		t.Fatalf("%d documents, want 1", len(docs))
	}
	d := docs[0]
	if d.Title != "Capturan a sospechoso de asalto en Mixco" || d.CanonicalURL != srv.URL+"/nota-uno" ||
		d.ID != escucha.IDForURL(d.CanonicalURL) || d.Platform != escucha.PlatformNews || d.Published.IsZero() {
		t.Errorf("document %+v", d)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "health.json")); err != nil {
		t.Error(err)
	}
}
