package main

import (
	"bufio"
	"context"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/stream"
)

// TestBrokerCommand runs `escucha broker` in-process on a free port: it prints its
// address, has the escucha topics, and stops on cancel.
func TestBrokerCommand(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	env := &Env{Stdin: strings.NewReader(""), Stdout: pw, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Logger: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() {
		done <- runMain(runCtx, env, []string{"broker", "--data", filepath.Join(t.TempDir(), "kafka"), "--addr", "127.0.0.1:0", "--partitions", "2"})
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	addr := strings.TrimSpace(line)
	if strings.HasSuffix(addr, ":0") || !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("broker printed %q, want its loopback address", line)
	}
	for _, topic := range []string{escucha.TopicRaw, escucha.TopicEnriched, escucha.TopicDLQ} {
		lag, err := stream.Lag(ctx, []string{addr}, "escucha-test", topic)
		if err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
		if len(lag) != 2 {
			t.Errorf("%s has %d partitions, want 2", topic, len(lag))
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("broker after interrupt: %v", err)
	}
}

func TestStreamFlags(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		env     string
		brokers string
		group   string
	}{
		{"json lines", nil, "", "", "escucha-enrich"},
		{"flag", []string{"--brokers", "a:9092, b:9092", "--group", "g2", "--batch", "7"}, "", "a:9092,b:9092", "g2"},
		{"env fallback", nil, "k:9092", "k:9092", "escucha-enrich"},
		{"flag wins over env", []string{"--brokers", "a:9092"}, "k:9092", "a:9092", "escucha-enrich"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("enrich", flag.ContinueOnError)
			sf := addStreamFlags(fs, "enrich")
			sf.Getenv = func(k string) string {
				if k == "ESCUCHA_BROKERS" {
					return tc.env
				}
				return ""
			}
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(sf.Brokers(), ","); got != tc.brokers {
				t.Errorf("brokers %q, want %q", got, tc.brokers)
			}
			if sf.Enabled() != (tc.brokers != "") {
				t.Errorf("Enabled() = %v", sf.Enabled())
			}
			cfg := sf.Config(escucha.TopicRaw, escucha.TopicEnriched, nil)
			if cfg.Group != tc.group || cfg.Stage != "enrich" || cfg.InTopic != escucha.TopicRaw || cfg.OutTopic != escucha.TopicEnriched {
				t.Errorf("config %+v", cfg)
			}
			if tc.brokers != "" {
				if err := cfg.Validate(); err != nil {
					t.Errorf("Validate: %v", err)
				}
			}
		})
	}
}
