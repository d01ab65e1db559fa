package crawl

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
)

func TestCanonicalize(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HTTPS://WWW.Prensa.com.gt:443/nota/?utm_source=fb&utm_medium=x&id=5#comentarios", "https://www.prensa.com.gt/nota/?id=5"},
		{"https://x.gt/a?fbclid=IwAR&gclid=abc", "https://x.gt/a"},
		{"https://x.gt/a/amp/", "https://x.gt/a/"},
		{"https://x.gt/a/amp", "https://x.gt/a"},
		{"https://x.gt/a?amp=1", "https://x.gt/a"},
		{"https://amp.x.gt/a", "https://www.x.gt/a"},
		{"https://x.gt/a;jsessionid=ABC123?b=2&a=1", "https://x.gt/a?a=1&b=2"},
		{"https://x.gt/a?PHPSESSID=zz&p=2", "https://x.gt/a?p=2"},
		{"https://x.gt", "https://x.gt/"},
		{"mailto:a@b.c", ""},
		{"javascript:void(0)", ""},
	} {
		t.Run(tc.in, func(t *testing.T) {
			if got := Canonicalize(tc.in); got != tc.want {
				t.Errorf("Canonicalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	if seenKey(Canonicalize("http://m.x.gt/a")) != seenKey(Canonicalize("https://www.x.gt/a?utm_campaign=z")) {
		t.Error("mobile and desktop copies have different seen keys")
	}
}

func TestDecodeCharsets(t *testing.T) {
	const want = "Petén: “extorsión” año"
	latin1, _ := charmap.ISO8859_1.NewEncoder().String("Petén: extorsión año")
	cp1252, _ := charmap.Windows1252.NewEncoder().String(want)
	for _, tc := range []struct {
		name, body, declared, want string
	}{
		{"utf8 declared", `<meta charset="utf-8">` + want, "", want},
		{"utf8 undeclared", want, "", want},
		{"latin1 meta", `<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">` + latin1, "", "Petén: extorsión año"},
		{"latin1 header", latin1, "ISO-8859-1", "Petén: extorsión año"},
		{"cp1252 undeclared", cp1252, "", want},
		{"utf8 header but latin1 bytes", latin1, "utf-8", "Petén: extorsión año"},
		{"header beats meta", `<meta charset="utf-8">` + latin1, "iso-8859-1", "Petén: extorsión año"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _, err := decodeHTML([]byte(tc.body), tc.declared)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(string(out), tc.want) {
				t.Errorf("got %q, want suffix %q", out, tc.want)
			}
		})
	}
	x, _, err := decodeXML([]byte(`<?xml version="1.0" encoding="ISO-8859-1"?><a>`+latin1+`</a>`), "")
	if err != nil || !strings.Contains(string(x), `encoding="UTF-8"`) || !strings.Contains(string(x), "Petén") {
		t.Errorf("decodeXML: %q %v", x, err)
	}
}

func TestParseDate(t *testing.T) {
	gt := CountryZone("GT")
	pa := CountryZone("PA")
	do := CountryZone("DO")
	for _, tc := range []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2024-05-12T08:30:00-06:00", gt, time.Date(2024, 5, 12, 8, 30, 0, 0, gt)},
		{"2024-05-12T14:30:00Z", gt, time.Date(2024, 5, 12, 8, 30, 0, 0, gt)},
		{"2024-05-12T08:30:00", gt, time.Date(2024, 5, 12, 8, 30, 0, 0, gt)},
		{"2024-05-12T08:30:00", pa, time.Date(2024, 5, 12, 8, 30, 0, 0, pa)},
		{"2024-05-12 08:30", do, time.Date(2024, 5, 12, 8, 30, 0, 0, do)},
		{"Sun, 12 May 2024 09:00:00 -0600", gt, time.Date(2024, 5, 12, 9, 0, 0, 0, gt)},
		{"Sun, 12 May 2024 09:00:00 CST", gt, time.Date(2024, 5, 12, 9, 0, 0, 0, gt)},
		{"12/05/2024", gt, time.Date(2024, 5, 12, 0, 0, 0, 0, gt)},
		{"12/05/2024 18:40", gt, time.Date(2024, 5, 12, 18, 40, 0, 0, gt)},
		{"Sábado 11 de mayo de 2024, 7:45 p. m.", gt, time.Date(2024, 5, 11, 19, 45, 0, 0, gt)},
		{"11 de mayo del 2024 - 07:45 hrs", gt, time.Date(2024, 5, 11, 7, 45, 0, 0, gt)},
		{"Publicado el 3 de septiembre de 2023", gt, time.Date(2023, 9, 3, 0, 0, 0, 0, gt)},
		{"3 sept. 2023 12:00 a. m.", gt, time.Date(2023, 9, 3, 0, 0, 0, 0, gt)},
		{"mayo 12, 2024", gt, time.Date(2024, 5, 12, 0, 0, 0, 0, gt)},
		{"12-dic-2023", gt, time.Date(2023, 12, 12, 0, 0, 0, 0, gt)},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := ParseDate(tc.in, tc.loc)
			if !ok || !got.Equal(tc.want) {
				t.Errorf("ParseDate(%q) = %v %v, want %v", tc.in, got, ok, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "ayer", "31 de febrero de 2024", "99/99/2024", "1850-01-01"} {
		if got, ok := ParseDate(bad, gt); ok {
			t.Errorf("ParseDate(%q) = %v, want no date", bad, got)
		}
	}
	if d, ok := dateFromURL("https://x.gt/2024/05/09/nota.html", gt); !ok || d.Day() != 9 {
		t.Errorf("dateFromURL: %v %v", d, ok)
	}
}

func TestParseFeedLatin1(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "site", "rss.xml"))
	if err != nil {
		t.Fatal(err)
	}
	body, _, err := decodeXML(raw, "")
	if err != nil {
		t.Fatal(err)
	}
	links, err := ParseFeed(body, "http://example.gt/rss.xml", CountryZone("GT"))
	if err != nil {
		t.Fatal(err)
	}
	if len(links) != 12 {
		t.Fatalf("%d links", len(links))
	}
	if links[5].Title != "Reportan desaparición de dos jóvenes en Petén" {
		t.Errorf("latin-1 title %q", links[5].Title)
	}
	want := time.Date(2024, 5, 11, 20, 0, 0, 0, CountryZone("GT"))
	if !links[4].Published.Equal(want) {
		t.Errorf("zone-less feed date %v, want %v", links[4].Published, want)
	}
}

func TestParseSitemap(t *testing.T) {
	raw, _ := os.ReadFile(filepath.Join("testdata", "site", "sitemap-noticias.xml"))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw)
	zw.Close()
	for name, body := range map[string][]byte{"plain": raw, "gzip": gz.Bytes()} {
		t.Run(name, func(t *testing.T) {
			sm, err := ParseSitemap(body, "http://example.gt/sitemap.xml", CountryZone("GT"))
			if err != nil {
				t.Fatal(err)
			}
			if len(sm.Pages) != 4 || len(sm.Children) != 0 {
				t.Fatalf("pages %d children %d", len(sm.Pages), len(sm.Children))
			}
			want := time.Date(2024, 5, 12, 6, 15, 0, 0, CountryZone("GT"))
			if !sm.Pages[0].Published.Equal(want) {
				t.Errorf("news:publication_date %v, want %v", sm.Pages[0].Published, want)
			}
		})
	}
	idx, _ := os.ReadFile(filepath.Join("testdata", "site", "sitemap.xml"))
	sm, err := ParseSitemap(idx, "http://example.gt/sitemap.xml", CountryZone("GT"))
	if err != nil || len(sm.Children) != 1 {
		t.Fatalf("index: %v %+v", err, sm)
	}
	if _, err := ParseSitemap([]byte("<html><body>no</body></html>"), "http://example.gt/s.xml", time.UTC); err == nil {
		t.Error("html accepted as a sitemap")
	}
}

func TestAdaptRevisit(t *testing.T) {
	rv := Revisit{Min: 5 * time.Minute, Initial: 15 * time.Minute, Max: 6 * time.Hour}
	now := time.Now()
	sc := adapt(schedule{}, 0, 20, rv, now)
	if sc.Interval != 22*time.Minute+30*time.Second {
		t.Errorf("nothing new: %v", sc.Interval)
	}
	sc = adapt(schedule{Interval: 20 * time.Minute}, 18, 20, rv, now)
	if sc.Interval != 10*time.Minute {
		t.Errorf("mostly new: %v", sc.Interval)
	}
	sc = adapt(schedule{Interval: 5 * time.Minute}, 20, 20, rv, now)
	if sc.Interval != rv.Min {
		t.Errorf("clamp min: %v", sc.Interval)
	}
	sc = adapt(schedule{Interval: 5 * time.Hour}, 0, 20, rv, now)
	if sc.Interval != rv.Max {
		t.Errorf("clamp max: %v", sc.Interval)
	}
}

func TestTrapReason(t *testing.T) {
	for u, trap := range map[string]bool{
		"https://x.gt/calendario?mes=2024-05":                  true,
		"https://x.gt/eventos/2024/05/":                        true,
		"https://x.gt/nota?sid=abc123":                         true,
		"https://x.gt/a/b/a/b/a/b":                             true,
		"https://x.gt/2024/05/12/ataque-armado-zona-18":        false,
		"https://x.gt/nacionales/capturan-extorsionistas.html": false,
	} {
		if got := trapReason(u) != ""; got != trap {
			t.Errorf("trapReason(%s) = %q", u, trapReason(u))
		}
	}
}

func TestLoadConfigIgnoresOtherSections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.yaml")
	os.WriteFile(path, []byte(`
index: {dir: x}
crawler:
  per_host_delay: 2s
  allow_private: true
sources:
  - name: Diario Ejemplo
    country: gt
    home: http://127.0.0.1:8765/
    feeds: [http://127.0.0.1:8765/rss.xml]
`), 0o644)
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.PerHostDelay != 2*time.Second || !cfg.AllowPrivate || cfg.Sources[0].Country != "GT" || len(cfg.Sources[0].Feeds) != 1 {
		t.Errorf("%+v", cfg)
	}
	bad := Config{Sources: []Source{{Name: "x", Country: "Guatemala", Home: "ftp://x"}}}.WithDefaults()
	if err := bad.Validate(); err == nil {
		t.Error("bad config accepted")
	}
}
