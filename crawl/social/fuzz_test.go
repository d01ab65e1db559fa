package social

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/infosegura/escucha"
)

// seedItems adds each element of a JSON array fixture as a seed.
func seedItems(f *testing.F, name string) {
	var items []json.RawMessage
	if err := json.Unmarshal(mustRead(f, name), &items); err != nil {
		f.Fatal(err)
	}
	for _, it := range items {
		f.Add([]byte(it))
	}
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"id": 5, "created_at": []}`))
}

// checkDoc holds every decoded document to the contract.
func checkDoc(t *testing.T, d *escucha.Document, platform string) {
	t.Helper()
	if d == nil {
		return
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("invalid document: %v", err)
	}
	if !strings.HasPrefix(d.ID, platform+":") {
		t.Fatalf("id %q lacks platform prefix", d.ID)
	}
	if !utf8.ValidString(d.Text) || !utf8.ValidString(d.Title) {
		t.Fatalf("invalid UTF-8 in text")
	}
	if _, err := json.Marshal(d); err != nil {
		t.Fatalf("document does not encode: %v", err)
	}
}

func FuzzMastodonStatus(f *testing.F) {
	seedItems(f, "mastodon/statuses.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		d, _, err := decodeMastodonStatus(b, "https://mastodon.example")
		if err == nil {
			checkDoc(t, d, "mastodon")
		}
	})
}

func FuzzBlueskyPost(f *testing.F) {
	seedItems(f, "bluesky/posts.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		d, _, err := decodeBskyPost(b)
		if err == nil {
			checkDoc(t, d, "bluesky")
		}
	})
}

func FuzzRedditPost(f *testing.F) {
	seedItems(f, "reddit/posts.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		d, _, err := decodeRedditPost(b)
		if err == nil {
			checkDoc(t, d, "reddit")
		}
	})
}

func FuzzYouTube(f *testing.F) {
	seedItems(f, "youtube/videos.json")
	seedItems(f, "youtube/comments.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		if d, err := decodeYTVideo(b); err == nil {
			checkDoc(t, d, "youtube")
		}
		if d, err := decodeYTThread(b, nil); err == nil {
			checkDoc(t, d, "youtube")
		}
	})
}

func FuzzTelegramPage(f *testing.F) {
	var msgs []tgMessage
	if err := json.Unmarshal(mustRead(f, "telegram/messages.json"), &msgs); err != nil {
		f.Fatal(err)
	}
	f.Add(renderTelegram("pnc_alertas_gt", "15.3K", msgs[4:6]))
	f.Add(renderTelegram("x", "", msgs[:2]))
	f.Add(`<div class="tgme_widget_message" data-post="a/b"></div>`)
	f.Add(`<div class="tgme_widget_message" data-post="c/7"><time datetime="2026-01-01T00:00:00Z"></time></div>`)
	f.Fuzz(func(t *testing.T, page string) {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
		if err != nil {
			return
		}
		p := parseTelegram(doc.Selection, "canal", "https://t.me")
		for _, it := range p.posts {
			checkDoc(t, it.doc, "telegram")
		}
		for i := 1; i < len(p.ids); i++ {
			if p.ids[i] < p.ids[i-1] {
				t.Fatal("ids not sorted")
			}
		}
	})
}

func FuzzImport(f *testing.F) {
	f.Add(mustRead(f, "import/x_export.csv"), false)
	f.Add(mustRead(f, "import/tipline.ndjson"), true)
	f.Add([]byte("tweet_id,full_text\n\"1,\"x\n"), false)
	f.Add([]byte(`{"message": {"a": 1}}`), true)
	xm, err := LoadMapping("testdata/import/x_mapping.yaml")
	if err != nil {
		f.Fatal(err)
	}
	tm, err := LoadMapping("testdata/import/tipline_mapping.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte, ndjson bool) {
		m, format := xm, "csv"
		if ndjson {
			m, format = tm, "ndjson"
		}
		_ = Import(context.Background(), bytes.NewReader(data), format, m, func(_ context.Context, d *escucha.Document) error {
			checkDoc(t, d, m.Platform)
			return nil
		})
	})
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"<p>Hola &amp; adiós<br>dos</p>", "1.2K", "3,4 mil", "<script>x</script>ok", "\x00<a", "12,400", "9e99K"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := htmlText(s)
		if !utf8.ValidString(out) || strings.ContainsRune(out, 0) {
			t.Fatalf("htmlText(%q) = %q", s, out)
		}
		if n, ok := parseCount(s); ok && n < 0 {
			t.Fatalf("parseCount(%q) = %d", s, n)
		}
		linkNext(s)
	})
}
