package crawl

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	warc "github.com/internetarchive/gowarc"
)

func TestCrawlSiteOnce(t *testing.T) {
	site := newTestSite(t)
	state := t.TempDir()
	cfg := testConfig(t, site, state)
	cfg.WARCDir = filepath.Join(state, "warc")
	c, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	var got collector
	if err := c.RunOnce(context.Background(), got.emit); err != nil {
		t.Fatal(err)
	}
	docs := got.byPath()
	for p := range docs {
		t.Logf("emitted %s", p)
	}
	zone := CountryZone("GT")
	want := []struct {
		path, title, textHas, author string
		published                    time.Time
	}{
		{"/2024/05/12/ataque-armado-zona-18/", "Ataque armado en la zona 18 deja dos fallecidos", "colonia Paraíso II", "María José Cifuentes",
			time.Date(2024, 5, 12, 8, 30, 0, 0, zone)}, // JSON-LD beats the meta date of the 13th
		{"/nacionales/capturan-extorsionistas-villa-nueva.html", "Capturan a tres presuntos extorsionistas en Villa Nueva", "extorsión pueden hacerse", "Redacción Nacionales",
			time.Date(2024, 5, 11, 19, 5, 0, 0, zone)}, // zone-less meta date read in Guatemala's zone
		{"/departamentales/incendio-mercado-quetzaltenango.html", "Incendio consume locales del mercado La Democracia en Quetzaltenango", "quince locales", "Juan Carlos Tzul",
			time.Date(2024, 5, 11, 19, 45, 0, 0, zone)}, // Spanish text date with p. m.
		{"/sociedad/jovenes-desaparecidas-peten.html", "Reportan desaparición de dos jóvenes en Petén", "Alerta Isabel-Claudina", "",
			time.Date(2024, 5, 10, 16, 20, 0, 0, zone)},
		{"/2024/05/09/opinion-seguridad-comunitaria.html", "La seguridad comunitaria no se decreta", "“aquí nadie viene si no es para cobrar”", "",
			time.Date(2024, 5, 9, 0, 0, 0, 0, zone)}, // URL date
		{"/nacionales/bloqueos-carretera-interamericana.html", "Transportistas bloquean la ruta Interamericana en Chimaltenango", "kilómetro 54", "",
			time.Date(2024, 5, 12, 6, 15, 0, 0, zone)}, // Google News sitemap date
		{"/nacionales/csj-amplia-plazo-eleccion-magistrados.html", "CSJ amplía plazo para elección de magistrados", "salas de apelaciones", "",
			time.Date(2024, 5, 9, 12, 0, 0, 0, zone)},
		{"/nacionales/corte-amplia-plazo-congreso-magistrados.html", "Corte amplía plazo al Congreso para elegir magistrados", "Con información de agencias", "",
			time.Date(2024, 5, 9, 15, 40, 0, 0, zone)},
		{"/limitado", "Sismo de 5.2 sacude la costa sur", "Insivumeh", "", time.Date(2024, 5, 12, 3, 10, 0, 0, zone)},
	}
	for _, w := range want {
		t.Run(w.path, func(t *testing.T) {
			d, ok := docs[w.path]
			if !ok {
				t.Fatalf("not emitted")
			}
			if d.Title != w.title {
				t.Errorf("title %q, want %q", d.Title, w.title)
			}
			if !strings.Contains(d.Text, w.textHas) {
				t.Errorf("text lacks %q:\n%s", w.textHas, d.Text)
			}
			for _, boiler := range []string{"cookies", "Suscríbase", "Comentario de un lector", "Todos los derechos", "Lea también"} {
				if strings.Contains(d.Text, boiler) {
					t.Errorf("text keeps boilerplate %q", boiler)
				}
			}
			if w.author != "" && d.Author.Name != w.author {
				t.Errorf("author %q, want %q", d.Author.Name, w.author)
			}
			if !d.Published.Equal(w.published) {
				t.Errorf("published %s, want %s", d.Published, w.published)
			}
			if _, off := d.Published.Zone(); off != -6*3600 {
				t.Errorf("published zone offset %d, want -6h", off)
			}
			if d.Platform != "news" || d.Kind != "article" || d.Version != 1 || d.Source != "Diario Ejemplo" || d.SourceCountry != "GT" {
				t.Errorf("envelope wrong: %+v", d)
			}
			if d.ID == "" || d.Fetched.IsZero() {
				t.Errorf("no id or fetched time")
			}
		})
	}
	if len(got.docs) != len(want) {
		t.Errorf("emitted %d documents, want %d (duplicates via tracking links, redirects or AMP?)", len(got.docs), len(want))
	}
	orig := docs["/nacionales/csj-amplia-plazo-eleccion-magistrados.html"]
	copyDoc := docs["/nacionales/corte-amplia-plazo-congreso-magistrados.html"]
	if orig != nil && copyDoc != nil {
		// sitemap order is newest first by lastmod (equal here), so either may be first
		if (copyDoc.DupOf != orig.ID) == (orig.DupOf != copyDoc.ID) {
			t.Errorf("syndicated copy not marked: orig.dup_of=%q copy.dup_of=%q", orig.DupOf, copyDoc.DupOf)
		}
	}
	if site.hit("/privado/nota-secreta.html") != 0 {
		t.Errorf("robots.txt disallowed page was fetched")
	}
	if n := site.hit("/limitado"); n != 2 {
		t.Errorf("/limitado hit %d times, want 2 (429 then retry)", n)
	}
	h := c.Health()
	if len(h) != 1 {
		t.Fatalf("health: %+v", h)
	}
	for _, kind := range []string{"robots", "timeout", "too_large", "redirect"} {
		if h[0].Errors[kind] == 0 {
			t.Errorf("health has no %q error: %v", kind, h[0].Errors)
		}
	}
	if h[0].Items != int64(len(want)) || h[0].LastSuccess.IsZero() || h[0].Duplicates != 1 {
		t.Errorf("health items=%d dups=%d last_success=%v", h[0].Items, h[0].Duplicates, h[0].LastSuccess)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(state, "health.json")); err != nil {
		t.Errorf("health.json: %v", err)
	}
	checkWARC(t, cfg.WARCDir, site.URL+"/rss.xml")

	// Restart on the same state: nothing is new, the feed answers 304.
	again, _ := crawlOnce(t, cfg)
	if len(again.docs) != 0 {
		t.Errorf("after restart %d documents emitted again, want 0", len(again.docs))
	}
	if site.notModified == 0 {
		t.Errorf("no conditional GET answered 304 on the second run")
	}
}

func checkWARC(t *testing.T, dir, wantURI string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*.warc.gz"))
	if len(files) != 1 {
		t.Fatalf("warc files: %v", files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := warc.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	found := false
	for {
		rec, err := r.ReadRecord()
		if err != nil || rec == nil {
			break
		}
		types[rec.Header.Get("WARC-Type")]++
		if rec.Header.Get("WARC-Target-URI") == wantURI && rec.Header.Get("WARC-Type") == "response" {
			found = true
		}
		rec.Content.Close()
	}
	if types["warcinfo"] != 1 || types["response"] == 0 || types["response"] != types["request"] || !found {
		t.Errorf("warc records %v, response for %s found=%v", types, wantURI, found)
	}
}

func TestCrawlRefusesPrivateAddresses(t *testing.T) {
	site := newTestSite(t)
	cfg := testConfig(t, site, t.TempDir())
	cfg.AllowPrivate = false
	got, health := crawlOnce(t, cfg)
	if len(got.docs) != 0 {
		t.Errorf("emitted %d documents from loopback without allow_private", len(got.docs))
	}
	if health[0].Errors["ssrf"] == 0 {
		t.Errorf("no ssrf error recorded: %v", health[0].Errors)
	}
	site.mu.Lock()
	defer site.mu.Unlock()
	if len(site.hits) != 0 {
		t.Errorf("server was reached: %v", site.hits)
	}
}

func TestCrawlSectionFallbackAndTraps(t *testing.T) {
	site := newTestSite(t)
	cfg := testConfig(t, site, t.TempDir())
	cfg.Sources = []Source{{Name: "Diario Secciones", Country: "GT", Home: site.URL + "/portada/"}}
	cfg.MaxDepth = 30 // let the traps, not the depth limit, stop the crawl
	cfg.TrapThreshold = 5
	got, health := crawlOnce(t, cfg)
	docs := got.byPath()
	for _, p := range []string{"/2024/05/12/ataque-armado-zona-18/", "/departamentales/incendio-mercado-quetzaltenango.html",
		"/sociedad/jovenes-desaparecidas-peten.html", "/nacionales/csj-amplia-plazo-eleccion-magistrados.html"} {
		if docs[p] == nil {
			t.Errorf("section fallback missed %s (got %d docs)", p, len(docs))
		}
	}
	if n := site.hit("/calendario"); n != 0 {
		t.Errorf("calendar trap fetched %d times", n)
	}
	pages := 0
	site.mu.Lock()
	for p, n := range site.hits {
		if strings.HasPrefix(p, "/archivo/") {
			pages += n
		}
	}
	site.mu.Unlock()
	if pages > cfg.TrapThreshold+1 {
		t.Errorf("endless pagination fetched %d pages, trap threshold %d", pages, cfg.TrapThreshold)
	}
	if health[0].Errors["trap"] == 0 {
		t.Errorf("no trap recorded: %v", health[0].Errors)
	}
}

func TestMaxPagesPerSource(t *testing.T) {
	site := newTestSite(t)
	cfg := testConfig(t, site, t.TempDir())
	cfg.MaxPagesPerSource = 3
	got, _ := crawlOnce(t, cfg)
	if len(got.docs) > 3 {
		t.Errorf("emitted %d documents with max_pages_per_source 3", len(got.docs))
	}
}
