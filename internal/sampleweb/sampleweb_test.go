package sampleweb

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
)

func fetch(t *testing.T, url string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestSampleWeb(t *testing.T) {
	s, err := Start(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.Outlets) == 0 {
		t.Fatal("no outlets")
	}
	o := s.Outlets[0]
	code, _, rss := fetch(t, o.Home+"rss.xml")
	var feed struct {
		Items []struct {
			Title string `xml:"title"`
			Link  string `xml:"link"`
		} `xml:"channel>item"`
	}
	if code != 200 || xml.Unmarshal([]byte(rss), &feed) != nil || len(feed.Items) != len(o.Docs) {
		t.Fatalf("rss: %d, %d items for %d docs", code, len(feed.Items), len(o.Docs))
	}
	code, _, page := fetch(t, feed.Items[0].Link)
	if code != 200 || !strings.Contains(page, `application/ld+json`) || !strings.Contains(page, "<article>") {
		t.Fatalf("article page %d: %.300s", code, page)
	}
	code, _, sm := fetch(t, o.Home+"sitemap.xml")
	if code != 200 || !strings.Contains(sm, "news:publication_date") {
		t.Fatalf("sitemap %d", code)
	}
	if code, _, _ := fetch(t, o.Home+"sucesos/nope.html"); code != 404 {
		t.Fatalf("unknown article: %d", code)
	}

	// Mastodon: the hashtag timeline pages through every matching post with Link headers.
	total := 0
	next := s.Mastodon + "/api/v1/timelines/tag/NadaJustifica?limit=5"
	for i := 0; next != "" && i < 100; i++ {
		code, h, body := fetch(t, next)
		var statuses []map[string]any
		if code != 200 || json.Unmarshal([]byte(body), &statuses) != nil {
			t.Fatalf("mastodon %d %s", code, body)
		}
		total += len(statuses)
		next = ""
		if l := h.Get("Link"); l != "" {
			next = l[strings.Index(l, "<")+1 : strings.Index(l, ">")]
		}
	}
	if want := len(s.filtered("mastodon", "NadaJustifica")); total != want {
		t.Fatalf("mastodon paged %d statuses, want %d", total, want)
	}
	code, _, body := fetch(t, s.Bluesky+"/xrpc/app.bsky.feed.searchPosts?q=%23NadaJustifica&limit=3")
	if code != 200 || !strings.Contains(body, `"posts"`) {
		t.Fatalf("bluesky %d %s", code, body)
	}
	code, _, body = fetch(t, s.Reddit+"/r/guatemala/new.json?limit=2")
	if code != 200 || !strings.Contains(body, `"Listing"`) {
		t.Fatalf("reddit %d %s", code, body)
	}
}

// TestPortsSurviveRestart: a restarted sample web serves the same URLs.
func TestPortsSurviveRestart(t *testing.T) {
	file := t.TempDir() + "/ports.json"
	a, err := StartWithPorts(context.Background(), nil, file)
	if err != nil {
		t.Fatal(err)
	}
	home, masto := a.Outlets[0].Home, a.Mastodon
	a.Close()
	b, err := StartWithPorts(context.Background(), nil, file)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Outlets[0].Home != home || b.Mastodon != masto {
		t.Fatalf("after restart %s %s, want %s %s", b.Outlets[0].Home, b.Mastodon, home, masto)
	}
}
