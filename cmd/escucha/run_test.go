package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha/internal/sampleweb"
)

// TestRunCommand runs `escucha run --config` against one sample outlet and the sample
// Mastodon, with tokens from ESCUCHA_TOKENS, and waits for documents in search.
func TestRunCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	site, err := sampleweb.Start(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	dir := t.TempDir()
	o := site.Outlets[0]
	cfg := filepath.Join(dir, "escucha.yaml")
	yaml := fmt.Sprintf(`crawler: {allow_private: true, per_host_delay: 10ms}
sources:
  - {name: %q, country: %s, home: %q, feeds: [%q]}
social: {allow_private: true, backfill: 8760h}
mastodon: {instances: [%q], hashtags: [NadaJustifica]}
`, o.Name, o.Country, o.Home, o.Home+"rss.xml", site.Mastodon)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	const tok = "analista-0123456789abcdef"
	out := &syncBuffer{}
	env := &Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: out,
		Logger: slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Getenv: func(k string) string {
			if k == "ESCUCHA_TOKENS" {
				return "ana:admin:" + tok
			}
			return ""
		}}
	cmd := registry["run"].make(env)
	if err := cmd.ParseFlags([]string{"--config", cfg, "--data", filepath.Join(dir, "data"), "--addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		cmd.Close()
	}()
	re := regexp.MustCompile(`escucha en marcha: (http://\S+)`)
	var base string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline) && base == ""; time.Sleep(100 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("run did not start: %s", out.String())
	}
	var res struct {
		Total  int `json:"total"`
		Facets map[string]struct {
			Buckets []struct{ Key string } `json:"buckets"`
		} `json:"facets"`
	}
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		req, _ := http.NewRequest("GET", base+"/api/v1/search?size=0", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&res)
		resp.Body.Close()
		if err == nil && res.Total >= len(o.Docs) && len(res.Facets["platform"].Buckets) == 2 {
			return
		}
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/sources", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Logf("source health: %s", b)
	}
	filepath.Walk(filepath.Join(dir, "data", "social"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			t.Logf("%s: %.600s", p, b)
		}
		return nil
	})
	t.Fatalf("after 90 s: %d documents (want the outlet's %d plus posts), platforms %v", res.Total, len(o.Docs), res.Facets["platform"])
}
