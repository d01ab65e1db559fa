package social

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/infosegura/escucha"
)

// replicate makes n copies of a fixture's items with distinct ids.
func replicate(b *testing.B, name, idField string, n int) []json.RawMessage {
	var items []map[string]any
	if err := json.Unmarshal(mustRead(b, name), &items); err != nil {
		b.Fatal(err)
	}
	out := make([]json.RawMessage, 0, n)
	for i := 0; i < n; i++ {
		it := map[string]any{}
		for k, v := range items[i%len(items)] {
			it[k] = v
		}
		it[idField] = fmt.Sprintf("%v%06d", it[idField], i)
		raw, _ := json.Marshal(it)
		out = append(out, raw)
	}
	return out
}

// benchOffer decodes every raw item and offers it to a collector (memory state,
// discarding emit), as a connector page does: posts/s decoded and emitted.
func benchOffer(b *testing.B, platform string, raws []json.RawMessage, decode func(json.RawMessage) (*escucha.Document, error)) {
	cfg := testConfig(b, "none")
	cfg.Mastodon.Instances = []string{"https://mastodon.example"}
	cfg.Mastodon.Hashtags = []string{"x"}
	c, err := New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	discard := func(context.Context, *escucha.Document) error { return nil }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c.st, _ = openStore("none")
		for _, raw := range raws {
			d, err := decode(raw)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.offer(ctx, platform, "bench", found{doc: d, ref: d.ID}, discard); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(raws))/b.Elapsed().Seconds(), "posts/s")
}

func BenchmarkDecodeEmit(b *testing.B) {
	b.Run("mastodon", func(b *testing.B) {
		benchOffer(b, "mastodon", replicate(b, "mastodon/statuses.json", "id", 400), func(r json.RawMessage) (*escucha.Document, error) {
			d, _, err := decodeMastodonStatus(r, "https://mastodon.example")
			return d, err
		})
	})
	b.Run("bluesky", func(b *testing.B) {
		benchOffer(b, "bluesky", replicate(b, "bluesky/posts.json", "uri", 400), func(r json.RawMessage) (*escucha.Document, error) {
			d, _, err := decodeBskyPost(r)
			return d, err
		})
	})
	b.Run("reddit", func(b *testing.B) {
		benchOffer(b, "reddit", replicate(b, "reddit/posts.json", "id", 400), func(r json.RawMessage) (*escucha.Document, error) {
			d, _, err := decodeRedditPost(r)
			return d, err
		})
	})
	b.Run("youtube", func(b *testing.B) {
		benchOffer(b, "youtube", replicate(b, "youtube/videos.json", "id", 400), decodeYTVideo)
	})
	b.Run("telegram", func(b *testing.B) {
		var msgs []tgMessage
		if err := json.Unmarshal(mustRead(b, "telegram/messages.json"), &msgs); err != nil {
			b.Fatal(err)
		}
		var many []tgMessage
		for i := 0; i < 20; i++ { // a t.me/s page holds about 20 messages
			m := msgs[i%len(msgs)]
			m.ID = int64(1000 + i)
			m.Service = false
			if m.Views == "" {
				m.Views = "10"
			}
			many = append(many, m)
		}
		page := renderTelegram("pnc_alertas_gt", "15.3K", many)
		cfg := testConfig(b, "none")
		cfg.Telegram.Channels = []string{"pnc_alertas_gt"}
		c, err := New(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		discard := func(context.Context, *escucha.Document) error { return nil }
		b.ReportAllocs()
		b.ResetTimer()
		n := 0
		for i := 0; i < b.N; i++ {
			c.st, _ = openStore("none")
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(page))
			if err != nil {
				b.Fatal(err)
			}
			p := parseTelegram(doc.Selection, "pnc_alertas_gt", "https://t.me")
			for _, f := range p.posts {
				if _, err := c.offer(context.Background(), "telegram", "bench", f, discard); err != nil {
					b.Fatal(err)
				}
				n++
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "posts/s")
	})
}

// BenchmarkMastodonHTTP is the whole path against a loopback server: request,
// paging, decode, dedupe, emit.
func BenchmarkMastodonHTTP(b *testing.B) {
	f := newFakeMastodon(b, mustRead(b, "mastodon/statuses.json"))
	var many []map[string]any
	for i := 0; i < 200; i++ {
		s := map[string]any{}
		for k, v := range f.statuses[i%len(f.statuses)] {
			s[k] = v
		}
		s["id"] = fmt.Sprintf("1136%014d", i)
		many = append(many, s)
	}
	f.statuses = many
	discard := func(context.Context, *escucha.Document) error { return nil }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cfg := mastodonConfig(b, f, "none")
		cfg.Social.MaxPages = 10
		c, err := New(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		c.now = func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }
		if err := c.RunOnce(context.Background(), discard); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*200)/b.Elapsed().Seconds(), "posts/s")
}
