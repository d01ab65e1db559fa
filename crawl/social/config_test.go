package social

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/crawl/safenet"
)

func TestParseConfig(t *testing.T) {
	y := `
# other stages' sections are ignored
crawl: {feeds: [https://example.gt/rss]}
mastodon: {instances: ["http://127.0.0.1:8766/"], hashtags: [NadaJustifica]}
bluesky:  {base_url: "http://127.0.0.1:8767", queries: ["femicidio"]}
reddit:   {base_url: "http://127.0.0.1:8768", subreddits: [Guatemala]}
telegram: {base_url: "http://127.0.0.1:8769", channels: [pnc_alertas_gt]}
youtube:  {base_url: "http://127.0.0.1:8770/youtube/v3", api_key: k, queries: ["violencia contra la mujer"]}
social:
  state_dir: /tmp/x
  poll: 15m
  refresh: {window: 7d, interval: 2h, factor: 1.5}
  queries:
    - campaign: nada_justifica
      hashtags: ["#NadaJustifica", NiUnaMenos]
      phrases: ["nada justifica"]
      languages: [es]
      countries: [GT]
      accounts: {telegram: [mp_gt], bluesky: [observatorio.gt]}
`
	c, err := ParseConfig([]byte(strings.Replace(y, "/tmp/x", t.TempDir(), 1)))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		got, want any
	}{
		{"instance trimmed", c.Mastodon.Instances[0], "http://127.0.0.1:8766"},
		{"bluesky on", c.Bluesky.Enabled, true},
		{"reddit on", c.Reddit.Enabled, true},
		{"window 7d", c.Social.Refresh.Window.D(), 7 * 24 * time.Hour},
		{"interval", c.Social.Refresh.Interval.D(), 2 * time.Hour},
		{"poll", c.Social.Poll.D(), 15 * time.Minute},
		{"default max pages", c.Social.MaxPages, 10},
		{"telegram channels", strings.Join(c.telegramChannels(), ","), "pnc_alertas_gt,mp_gt"},
		{"hashtags merged", len(c.hashtags(c.Mastodon.Hashtags)), 2},
		{"youtube base", c.YouTube.BaseURL, "http://127.0.0.1:8770/youtube/v3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %v, want %v", tc.got, tc.want)
			}
		})
	}
	col, err := New(c, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(col.Platforms(), ","); got != "mastodon,bluesky,reddit,telegram,youtube" {
		t.Errorf("platforms %s", got)
	}
}

func TestRefreshScalar(t *testing.T) {
	tests := []struct {
		yaml     string
		interval time.Duration
		disabled bool
	}{
		{"social: {refresh: 30m}", 30 * time.Minute, false},
		{"social: {refresh: 90}", 90 * time.Second, false},
		{"social: {refresh: off}", time.Hour, true},
		{"social: {refresh: {interval: 2h, window: 3d}}", 2 * time.Hour, false},
	}
	for _, tc := range tests {
		t.Run(tc.yaml, func(t *testing.T) {
			c, err := ParseConfig([]byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if r := c.Social.Refresh; r.Interval.D() != tc.interval || r.Disabled != tc.disabled {
				t.Errorf("refresh %+v", r)
			}
		})
	}
}

func TestConfigInvalid(t *testing.T) {
	tests := []struct{ name, yaml string }{
		{"bad instance", `mastodon: {instances: ["ftp://x"], hashtags: [a]}`},
		{"bad channel", `telegram: {channels: ["no/slash"]}`},
		{"half bluesky login", `bluesky: {identifier: a}`},
		{"half reddit oauth", `reddit: {client_id: a}`},
		{"campaign without id", `social: {queries: [{hashtags: [a]}]}`},
		{"bad duration", `social: {poll: "diez minutos"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseConfig([]byte(tc.yaml)); err == nil {
				t.Error("want an error")
			}
		})
	}
	if _, err := New(Config{}, nil); !escucha.IsPermanent(err) {
		t.Errorf("empty config: %v", err)
	}
}

func TestLoadConfigFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "escucha.yaml")
	os.WriteFile(p, []byte("telegram: {channels: [pnc_alertas_gt]}\n"), 0o644)
	c, err := LoadConfig(p)
	if err != nil || c.Telegram.BaseURL != "https://t.me" {
		t.Fatalf("%v %+v", err, c.Telegram)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, v string
		want    time.Time
		ok      bool
	}{
		{"mastodon iso", "2026-11-22T12:05:00.000Z", now.Add(5 * time.Minute), true},
		{"bluesky epoch", "1795348800", time.Unix(1795348800, 0), true},
		{"reddit seconds", "42", now.Add(42 * time.Second), true},
		{"reddit float", "1.5", now.Add(1500 * time.Millisecond), true},
		{"garbage", "pronto", time.Time{}, false},
		{"negative", "-3", time.Time{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseReset(tc.v, now)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("parseReset(%q) = %v %v", tc.v, got, ok)
			}
		})
	}
	h := http.Header{"Retry-After": {now.Add(30 * time.Second).Format(http.TimeFormat)}}
	if d, ok := retryAfter(h, now); !ok || d != 30*time.Second {
		t.Errorf("retry-after date: %v %v", d, ok)
	}
}

func TestFetcherWindowAndRetries(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.WriteHeader(503)
		case 2:
			// Window closes: nothing left until the reset, far away.
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
			w.Write([]byte(`{}`))
		default:
			w.Write([]byte(`{}`))
		}
	}))
	defer srv.Close()
	cfg := testConfig(t, "none").WithDefaults()
	f := newFetcher("test", cfg.Social, 100, testLogger(t))
	var out map[string]any
	if err := f.getJSON(t.Context(), srv.URL, nil, &out); err != nil {
		t.Fatalf("503 then 200: %v", err)
	}
	err := f.getJSON(t.Context(), srv.URL, nil, &out)
	if !errors.Is(err, ErrRateLimited) {
		t.Fatalf("closed window: %v, want ErrRateLimited without waiting an hour", err)
	}
	if n.Load() != 2 {
		t.Errorf("%d requests, want 2 (none while the window is closed)", n.Load())
	}
}

func TestSafenetRefusesLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`[]`)) }))
	defer srv.Close()
	cfg := testConfig(t, "none")
	cfg.Social.AllowPrivate = false
	cfg.Mastodon.Instances = []string{srv.URL}
	cfg.Mastodon.Hashtags = []string{"x"}
	c := mustNew(t, cfg)
	err := c.RunOnce(t.Context(), (&recorder{}).emit)
	if !errors.Is(err, safenet.ErrForbiddenAddress) {
		t.Fatalf("err %v, want the SSRF refusal", err)
	}
}

func TestRunContinuous(t *testing.T) {
	f := newFakeMastodon(t, mustRead(t, "mastodon/statuses.json"))
	cfg := mastodonConfig(t, f, t.TempDir())
	cfg.Social.Poll = Duration(time.Hour)
	c := mustNew(t, cfg)
	ctx, cancel := context.WithCancel(t.Context())
	got := make(chan *escucha.Document, 10)
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(_ context.Context, d *escucha.Document) error {
			got <- d
			return nil
		})
	}()
	for range 5 {
		select {
		case <-got:
		case err := <-done:
			t.Fatalf("Run returned early: %v", err)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v", err)
	}
}

func TestEmitFailureStops(t *testing.T) {
	f := newFakeMastodon(t, mustRead(t, "mastodon/statuses.json"))
	c := mustNew(t, mastodonConfig(t, f, t.TempDir()))
	boom := errors.New("broker down")
	calls := 0
	err := c.RunOnce(t.Context(), func(context.Context, *escucha.Document) error {
		calls++
		return boom
	})
	if !errors.Is(err, boom) || calls != 1 {
		t.Fatalf("err %v after %d emits, want the emit error after 1", err, calls)
	}
	// Nothing was recorded as emitted: the next round emits everything.
	var rec recorder
	if err := c.RunOnce(t.Context(), rec.emit); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.take()); n != 5 {
		t.Errorf("after the failure, %d documents, want 5", n)
	}
}

func TestExampleConfig(t *testing.T) {
	// The social sections of the shipped example config must parse and validate.
	c, err := LoadConfig("../../escucha.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Social.Refresh.Window.D() != 7*24*time.Hour || len(c.Social.Queries) != 1 || c.Telegram.BaseURL != "https://t.me" {
		t.Errorf("example config read as %+v", c.Social)
	}
}
