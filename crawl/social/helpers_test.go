package social

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testConfig is a config for loopback servers: private addresses allowed, a
// long backfill (fixtures are dated), fast retries.
func testConfig(t testing.TB, dir string) Config {
	t.Helper()
	var c Config
	c.Social.StateDir = dir
	c.Social.AllowPrivate = true
	c.Social.Backfill = Duration(20 * 365 * 24 * time.Hour)
	c.Social.Retry = RetryConfig{Attempts: 3, Base: Duration(time.Millisecond), Max: Duration(5 * time.Millisecond), MaxWait: Duration(3 * time.Second)}
	c.Mastodon.Rate, c.Bluesky.Rate, c.Reddit.Rate, c.Telegram.Rate, c.YouTube.Rate = 1000, 1000, 1000, 1000, 1000
	return c
}

// recorder collects emitted documents.
type recorder struct {
	mu   sync.Mutex
	docs []*escucha.Document
}

func (r *recorder) emit(_ context.Context, d *escucha.Document) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	cp, err := escucha.DecodeDocument(b)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.docs = append(r.docs, cp)
	r.mu.Unlock()
	return nil
}

func (r *recorder) take() []*escucha.Document {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.docs
	r.docs = nil
	return d
}

func byID(docs []*escucha.Document) map[string]*escucha.Document {
	m := map[string]*escucha.Document{}
	for _, d := range docs {
		m[d.ID] = d
	}
	return m
}

func mustNew(t testing.TB, cfg Config) *Collector {
	t.Helper()
	c, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatalf("new collector: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func healthOf(c *Collector, platform, source string) SourceHealth {
	for _, h := range c.Health() {
		if h.Platform == platform && h.Source == source {
			return h
		}
	}
	return SourceHealth{}
}

func noDupes(t *testing.T, docs []*escucha.Document) {
	t.Helper()
	seen := map[string]int64{}
	for _, d := range docs {
		if v, ok := seen[d.ID]; ok && v == d.Version {
			t.Errorf("document %s version %d emitted twice", d.ID, d.Version)
		}
		seen[d.ID] = d.Version
	}
}
