package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer and a polling reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type tlogWriter struct{ t *testing.T }

func (w tlogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// TestDemo runs `escucha demo` in-process on a clean data dir (embedded kfake broker,
// Bleve, DuckDB, sample web on loopback) and checks that it answers /healthz within
// 60 s and that crawled, enriched documents reach search and trends.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo runs the whole pipeline")
	}
	out := &syncBuffer{}
	env := &Env{Stdin: strings.NewReader(""), Stdout: out, Stderr: out,
		Logger: slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Getenv: func(string) string { return "" }}
	cmd := registry["demo"].make(env)
	if err := cmd.ParseFlags([]string{"--data", t.TempDir(), "--addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- cmd.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo: %v", err)
			}
		case <-time.After(60 * time.Second):
			t.Error("demo did not stop within 60 s of cancel")
		}
		cmd.Close()
	}()

	linkRE := regexp.MustCompile(`(http://127\.0\.0\.1:\d+)/entrar\?token=([0-9a-f]+)`)
	var base, token string
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if m := linkRE.FindStringSubmatch(out.String()); m != nil {
			base, token = m[1], m[2]
			break
		}
	}
	if base == "" {
		t.Fatalf("demo printed no login link within 60 s: %s", out.String())
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()
	t.Logf("healthz OK %.1fs after start", time.Since(start).Seconds())

	getJSON := func(path string, v any) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == 200 {
			if err := json.Unmarshal(b, v); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		return resp.StatusCode
	}
	var res struct {
		Total  int `json:"total"`
		Facets map[string]struct {
			Buckets []struct{ Key string } `json:"buckets"`
		} `json:"facets"`
	}
	for deadline := time.Now().Add(120 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		if getJSON("/api/v1/search?q=femicidio&size=1", &res) == 200 && res.Total > 0 && len(res.Facets["platform"].Buckets) > 1 {
			break
		}
	}
	if res.Total == 0 {
		t.Fatal("no search results for femicidio within 2 minutes")
	}
	t.Logf("search results %.1fs after start", time.Since(start).Seconds())
	var reach struct {
		Mentions int `json:"mentions"`
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && reach.Mentions == 0; time.Sleep(time.Second) {
		getJSON("/api/v1/trends/campaign/nada_justifica?desde=2000-01-01", &reach)
	}
	if reach.Mentions == 0 {
		t.Fatal("the Nada Justifica campaign has no mentions in the trends store")
	}
}
