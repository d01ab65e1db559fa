package crawl

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func seedFiles(f *testing.F, names ...string) {
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join("testdata", "site", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func FuzzParseFeed(f *testing.F) {
	seedFiles(f, "rss.xml")
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/a"/><published>2024-05-01</published></entry></feed>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		body, _, err := decodeXML(b, "")
		if err != nil {
			return
		}
		links, err := ParseFeed(body, "http://example.gt/rss.xml", time.UTC)
		if err != nil {
			return
		}
		for _, l := range links {
			if l.URL == "" {
				t.Fatal("empty link url")
			}
		}
	})
}

func FuzzParseSitemap(f *testing.F) {
	seedFiles(f, "sitemap.xml", "sitemap-noticias.xml")
	f.Add([]byte("http://example.gt/a\nhttp://example.gt/b\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		sm, err := ParseSitemap(b, "http://example.gt/sitemap.xml", time.UTC)
		if err != nil {
			return
		}
		if len(sm.Pages)+len(sm.Children) > maxSitemapEntries {
			t.Fatal("entry limit exceeded")
		}
	})
}

func FuzzExtract(f *testing.F) {
	seedFiles(f, "2024/05/12/ataque-armado-zona-18/index.html", "departamentales/incendio-mercado-quetzaltenango.html",
		"nacionales/capturan-extorsionistas-villa-nueva.html")
	f.Add([]byte(`<script type="application/ld+json">[{"@graph":[{"@type":["NewsArticle"],"datePublished":"2024-13-45"}]},]</script>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		body, _, err := decodeHTML(b, "")
		if err != nil {
			return
		}
		a, err := Extract(body, "http://example.gt/nota", time.UTC)
		if err != nil {
			return
		}
		if !a.Published.IsZero() && a.Published.Year() < 1990 {
			t.Fatalf("implausible date %v", a.Published)
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"Sábado 11 de mayo de 2024, 7:45 p. m.", "2024-05-12T08:30:00-06:00", "12/05/2024", "Sun, 12 May 2024 09:00:00 CST"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, ok := ParseDate(s, time.UTC); ok && d.Year() < 1990 {
			t.Fatalf("implausible %v", d)
		}
	})
}
