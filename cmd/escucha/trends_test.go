package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/stream"
	"github.com/infosegura/escucha/trends"
)

// aggregateDocs is a small enriched corpus (my own text): two days, a re-versioned
// and a deleted document, a campaign thread.
func aggregateDocs() []*escucha.Document {
	gt01 := escucha.Place{Country: "GT", Admin1: "Guatemala", Admin1Code: "GT-01", Admin2: "Mixco", Admin2Code: "0108", Role: escucha.RoleFocus}
	gt09 := escucha.Place{Country: "GT", Admin1: "Quetzaltenango", Admin1Code: "GT-09", Admin2: "Quetzaltenango", Admin2Code: "0901", Role: escucha.RoleFocus}
	p := func(t string) time.Time { v, _ := time.Parse(time.RFC3339, t); return v }
	return []*escucha.Document{
		{ID: "n1", Version: 1, Platform: "news", Kind: "article", Source: "lahora.gt", SourceCountry: "GT",
			Title: "Capturan a presuntos extorsionistas en Mixco", Published: p("2026-03-02T08:00:00Z"),
			Places: []escucha.Place{gt01}, Categories: []escucha.Label{{ID: "extorsion", Score: 0.9}}},
		{ID: "n1", Version: 2, Platform: "news", Kind: "article", Source: "lahora.gt", SourceCountry: "GT",
			Title: "Capturan a presuntos extorsionistas en Mixco", Published: p("2026-03-02T08:00:00Z"),
			Places: []escucha.Place{gt01}, Categories: []escucha.Label{{ID: "extorsion", Score: 0.9}, {ID: "crimen_organizado", Score: 0.6}}},
		{ID: "n2", Version: 1, Platform: "news", Kind: "article", Source: "prensalibre.com", SourceCountry: "GT",
			Title: "Hallan a mujer sin vida en Quetzaltenango", Published: p("2026-03-02T15:00:00Z"),
			Places: []escucha.Place{gt09}, Categories: []escucha.Label{{ID: "femicidio", Score: 0.9}},
			Framing: []escucha.Frame{{ID: "derechos"}}},
		{ID: "n3", Version: 1, Platform: "news", Kind: "article", Source: "prensalibre.com", SourceCountry: "GT",
			Title: "Robo en bus de la ruta al Atlántico", Published: p("2026-03-03T10:00:00Z"),
			Places: []escucha.Place{gt01}, Categories: []escucha.Label{{ID: "robo", Score: 0.8}}},
		{ID: "n3", Version: 2, Deleted: true, Published: p("2026-03-03T10:00:00Z")},
		{ID: "bluesky:p1", Version: 1, Platform: "bluesky", Kind: "post", Source: "bsky.app", SourceCountry: "GT",
			Text: "Nada justifica la violencia contra las mujeres <script>alert(1)</script>", Published: p("2026-03-03T12:00:00Z"),
			Author:     escucha.Author{ID: "did:p1", Handle: "@observatorio.gt", Followers: 800},
			Engagement: escucha.Engagement{Likes: 12}, Campaigns: []escucha.CampaignMatch{{ID: "nada_justifica", Matched: []string{"nada justifica"}}}},
	}
}

func jsonl(t *testing.T, docs []*escucha.Document) string {
	var b strings.Builder
	for _, d := range docs {
		line, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

func testEnv(t *testing.T, stdin string, stdout io.Writer) *Env {
	return &Env{Stdin: strings.NewReader(stdin), Stdout: stdout, Stderr: io.Discard,
		Getenv: func(k string) string {
			if k == "ESCUCHA_AUTHOR_SECRET" {
				return "secreto-de-prueba-0123456789"
			}
			return ""
		}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func trendsStores(t *testing.T) []string {
	stores := []string{"duckdb:" + filepath.Join(t.TempDir(), "t.duckdb")}
	if base := os.Getenv("ESCUCHA_CLICKHOUSE"); base != "" {
		i := strings.LastIndex(base, "/")
		name := fmt.Sprintf("escucha_cmd_%d", time.Now().UnixNano())
		dsn := base[:i] + "/" + name
		stores = append(stores, dsn)
		t.Cleanup(func() {
			s, err := trends.Open(context.Background(), dsn, trends.Config{}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Logf("drop %s: %v", name, err)
				return
			}
			_ = s.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name)
			s.Close()
		})
	} else if os.Getenv("CI") == "true" {
		t.Fatal("ESCUCHA_CLICKHOUSE is not set and CI=true")
	}
	return stores
}

func TestAggregateAndTrendsCommands(t *testing.T) {
	ctx := context.Background()
	for _, store := range trendsStores(t) {
		t.Run(strings.SplitN(store, ":", 2)[0], func(t *testing.T) {
			if err := runMain(ctx, testEnv(t, jsonl(t, aggregateDocs()), io.Discard), []string{"aggregate", "--store", store}); err != nil {
				t.Fatalf("aggregate: %v", err)
			}
			// Loading the same file again changes nothing (idempotent upsert).
			if err := runMain(ctx, testEnv(t, jsonl(t, aggregateDocs()), io.Discard), []string{"aggregate", "--store", store}); err != nil {
				t.Fatalf("aggregate again: %v", err)
			}
			var out bytes.Buffer
			err := runMain(ctx, testEnv(t, "", &out), []string{"trends", "--store", store, "--json", "attention",
				"--by", "category", "--interval", "day", "--from", "2026-03-02", "--to", "2026-03-03", "--admin1", "GT-01,GT-09"})
			if err != nil {
				t.Fatalf("trends: %v", err)
			}
			var got struct {
				Series []struct {
					Key    string
					Points []struct {
						T     time.Time
						Count int64
						Share float64
					}
				}
			}
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("%v: %s", err, out.String())
			}
			counts := map[string]int64{}
			for _, s := range got.Series {
				for _, p := range s.Points {
					counts[s.Key] += p.Count
				}
			}
			want := map[string]int64{"extorsion": 1, "crimen_organizado": 1, "femicidio": 1}
			if fmt.Sprint(counts) != fmt.Sprint(want) {
				t.Errorf("counts %v, want %v (robo deleted)\n%s", counts, want, out.String())
			}
			for _, q := range [][]string{
				{"territory", "--level", "admin2", "--from", "2026-03-02", "--to", "2026-03-03"},
				{"priority", "--from", "2026-03-02", "--to", "2026-03-03"},
				{"campaign", "--id", "nada_justifica", "--from", "2026-03-01", "--to", "2026-03-04"},
				{"framing", "--from", "2026-03-01", "--to", "2026-03-04"},
				{"alerts"},
				{"sources", "--day", "2026-03-03"},
			} {
				out.Reset()
				if err := runMain(ctx, testEnv(t, "", &out), append([]string{"trends", "--store", store}, q...)); err != nil {
					t.Fatalf("trends %v: %v", q, err)
				}
				text := out.String()
				if q[0] == "territory" && (!strings.Contains(text, "Mixco") || !strings.Contains(text, "Por 100 mil")) {
					t.Errorf("territory table:\n%s", text)
				}
				if q[0] == "campaign" && (!strings.Contains(text, "Alcance potencial") || strings.Contains(text, "observatorio")) {
					t.Errorf("campaign table (handles must be pseudonymised):\n%s", text)
				}
				out.Reset()
				if err := runMain(ctx, testEnv(t, "", &out), append([]string{"trends", "--store", store, "--json"}, q...)); err != nil {
					t.Fatalf("trends --json %v: %v", q, err)
				}
				if !json.Valid(out.Bytes()) {
					t.Errorf("trends --json %v: not JSON: %s", q, out.String())
				}
			}
			if err := runMain(ctx, testEnv(t, "", io.Discard), []string{"trends", "--store", store, "weather"}); err == nil {
				t.Error("unknown question accepted")
			}
		})
	}
}

// brokerWith starts an in-memory embedded broker (2 partitions, closed with the test)
// whose topic holds docs.
func brokerWith(ctx context.Context, t *testing.T, topic string, docs []*escucha.Document) *stream.Broker {
	t.Helper()
	b, err := stream.StartBroker(ctx, stream.BrokerConfig{Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	p, err := stream.NewProducer(ctx, stream.ProducerConfig{Brokers: b.Addrs(), Topic: topic, Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range docs {
		if err := p.Emit(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAggregateFromKafka consumes escucha.enriched on the embedded broker and
// commits: the lag ends at zero and every document is in the store once.
func TestAggregateFromKafka(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	b := brokerWith(ctx, t, escucha.TopicEnriched, aggregateDocs())
	store := "duckdb:" + filepath.Join(t.TempDir(), "k.duckdb")
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- runMain(runCtx, testEnv(t, "", io.Discard), []string{"aggregate", "--store", store, "--brokers", strings.Join(b.Addrs(), ",")})
	}()
	for {
		lag, err := stream.Lag(ctx, b.Addrs(), "escucha-aggregate", escucha.TopicEnriched)
		if err == nil {
			var left int64
			for _, l := range lag {
				if l.Committed < 0 {
					left += l.End
				} else {
					left += l.End - l.Committed
				}
			}
			if left == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			t.Fatal("aggregate did not commit everything")
		case <-time.After(100 * time.Millisecond):
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("aggregate: %v", err)
	}
	var out bytes.Buffer
	if err := runMain(ctx, testEnv(t, "", &out), []string{"trends", "--store", store, "--json", "attention", "--from", "2026-03-01", "--to", "2026-03-04"}); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Series []struct{ Points []struct{ Count int64 } }
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, s := range got.Series {
		for _, p := range s.Points {
			total += p.Count
		}
	}
	if total != 3 {
		t.Errorf("total %d, want 3 (n1 once, n2, p1; n3 deleted)\n%s", total, out.String())
	}
}
