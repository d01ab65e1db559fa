package crawl

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	readability "github.com/go-shiori/go-readability"
)

// labelled fixture pages: a sentence that must be in the text, for both extractors.
var extractCases = []struct{ file, must string }{
	{"2024/05/12/ataque-armado-zona-18/index.html", "acordonaron el área"},
	{"nacionales/capturan-extorsionistas-villa-nueva.html", "Q150 mil"},
	{"departamentales/incendio-mercado-quetzaltenango.html", "área temporal"},
	{"sociedad/jovenes-desaparecidas-peten.html", "vigilia para el domingo"},
	{"2024/05/09/opinion-seguridad-comunitaria.html", "entra a una pandilla"},
	{"nacionales/csj-amplia-plazo-eleccion-magistrados.html", "cada bancada"},
	{"nacionales/bloqueos-carretera-interamericana.html", "Patzicía"},
}

var boilerplate = []string{"cookies", "Suscríbase", "Comentario de un lector", "Todos los derechos", "Lea también", "Municipal gana"}

func loadCase(tb testing.TB, file string) []byte {
	raw, err := os.ReadFile(filepath.Join("testdata", "site", file))
	if err != nil {
		tb.Fatal(err)
	}
	body, _, err := decodeHTML(raw, "")
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// TestExtractorComparison measures go-trafilatura (chosen) against go-readability on
// the fixtures: recall of a labelled body sentence and leaked boilerplate. The
// numbers are logged for docs/crawl.md; the chosen extractor must be perfect here.
func TestExtractorComparison(t *testing.T) {
	var traRecall, traLeak, rdRecall, rdLeak int
	for _, c := range extractCases {
		body := loadCase(t, c.file)
		a, err := Extract(body, "http://example.gt/"+c.file, CountryZone("GT"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(a.Text, c.must) {
			traRecall++
		} else {
			t.Errorf("trafilatura missed %q in %s", c.must, c.file)
		}
		u, _ := url.Parse("http://example.gt/" + c.file)
		r, err := readability.FromReader(bytes.NewReader(body), u)
		rt := ""
		if err == nil {
			rt = r.TextContent
		}
		if strings.Contains(normSpace(rt), c.must) {
			rdRecall++
		}
		for _, b := range boilerplate {
			if strings.Contains(a.Text, b) {
				traLeak++
				t.Errorf("trafilatura leaked %q in %s", b, c.file)
			}
			if strings.Contains(rt, b) {
				rdLeak++
			}
		}
	}
	t.Logf("trafilatura: recall %d/%d, boilerplate leaks %d; readability: recall %d/%d, leaks %d",
		traRecall, len(extractCases), traLeak, rdRecall, len(extractCases), rdLeak)
}

func BenchmarkExtractTrafilatura(b *testing.B) {
	bodies := make([][]byte, len(extractCases))
	for i, c := range extractCases {
		bodies[i] = loadCase(b, c.file)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Extract(bodies[i%len(bodies)], "http://example.gt/nota", CountryZone("GT")); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

func BenchmarkExtractReadability(b *testing.B) {
	bodies := make([][]byte, len(extractCases))
	for i, c := range extractCases {
		bodies[i] = loadCase(b, c.file)
	}
	u, _ := url.Parse("http://example.gt/nota")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := readability.FromReader(bytes.NewReader(bodies[i%len(bodies)]), u); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}

// BenchmarkCrawl measures crawl throughput (articles/s end to end: feed, fetch,
// decode, extract, dedup, emit) against a loopback site with politeness off.
func BenchmarkCrawl(b *testing.B) {
	const n = 100
	page := loadCase(b, "2024/05/12/ataque-armado-zona-18/index.html")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/rss.xml":
			w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
			fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>x</title>`)
			for i := 0; i < n; i++ {
				fmt.Fprintf(w, `<item><title>Nota %d</title><link>http://%s/nota/%d</link></item>`, i, r.Host, i)
			}
			fmt.Fprint(w, `</channel></rss>`)
		case strings.HasPrefix(r.URL.Path, "/nota/"):
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			// a distinct text per page so that near-dup marking does real work
			p := bytes.Replace(page, []byte("Dos hombres"), []byte("Caso "+r.URL.Path+": dos hombres"), 1)
			w.Write(bytes.Replace(p, []byte(`href="/2024/05/12/ataque-armado-zona-18/"`), []byte(`href="`+r.URL.Path+`"`), 1))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	b.ResetTimer()
	docs := 0
	for i := 0; i < b.N; i++ {
		cfg := Config{Sources: []Source{{Name: "Bench", Country: "GT", Feeds: []string{srv.URL + "/rss.xml"}}},
			AllowPrivate: true, StateDir: b.TempDir(), PolitenessOff: true, PerHostConcurrency: 8, RequestTimeout: 10 * time.Second}
		c, err := New(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		var got collector
		if err := c.RunOnce(context.Background(), got.emit); err != nil {
			b.Fatal(err)
		}
		docs += len(got.docs)
		c.Close()
	}
	b.ReportMetric(float64(docs)/b.Elapsed().Seconds(), "articles/s")
}
