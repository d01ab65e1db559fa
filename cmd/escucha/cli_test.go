package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/internal/sampleweb"
)

// runCLI runs one subcommand in-process and returns its stdout.
func runCLI(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Logger: slog.New(slog.DiscardHandler), Getenv: func(string) string { return "" }}
	if err := runMain(context.Background(), env, args); err != nil {
		t.Fatalf("escucha %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

func decodeLines(t *testing.T, s string) []*escucha.Document {
	t.Helper()
	var out []*escucha.Document
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		d, err := escucha.DecodeDocument([]byte(line))
		if err != nil {
			t.Fatalf("bad output line %q: %v", line, err)
		}
		out = append(out, d)
	}
	return out
}

// TestSocialCommandOnSampleAPIs runs `escucha social --once` against the sample web's
// Mastodon, Bluesky and Reddit APIs and checks a second run emits nothing new.
func TestSocialCommandOnSampleAPIs(t *testing.T) {
	site, err := sampleweb.Start(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "social.yaml")
	yaml := fmt.Sprintf(`social: {state_dir: %q, backfill: 8760h}
mastodon: {instances: [%q], hashtags: [NadaJustifica]}
bluesky: {enabled: true, base_url: %q, pds_url: %q, hashtags: [NadaJustifica]}
reddit: {enabled: true, base_url: %q, subreddits: [guatemala]}
`, filepath.Join(dir, "state"), site.Mastodon, site.Bluesky, site.Bluesky, site.Reddit)
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	docs := decodeLines(t, runCLI(t, "", "social", "--config", cfg, "--once", "--allow-private", "--out", "-"))
	platforms := map[string]int{}
	for _, d := range docs {
		platforms[d.Platform]++
		if d.Kind == "" || d.Published.IsZero() || d.Author.ID == "" && d.Author.Handle == "" {
			t.Errorf("incomplete post %+v", d)
		}
	}
	if platforms["mastodon"] == 0 || platforms["bluesky"] == 0 || platforms["reddit"] == 0 {
		t.Fatalf("posts by platform %v", platforms)
	}
	again := decodeLines(t, runCLI(t, "", "social", "--config", cfg, "--once", "--allow-private", "--out", "-"))
	for _, d := range again {
		if d.Version < 2 {
			t.Errorf("second run re-emitted %s at version %d", d.ID, d.Version)
		}
	}
}

func TestImportCommand(t *testing.T) {
	out := runCLI(t, mustRead(t, "../../crawl/social/testdata/import/x_export.csv"),
		"import", "--format", "csv", "--mapping", "../../crawl/social/testdata/import/x_mapping.yaml")
	docs := decodeLines(t, out)
	if len(docs) == 0 || docs[0].Platform != "x" || docs[0].Engagement.Views == 0 {
		t.Fatalf("import gave %d docs: %+v", len(docs), docs)
	}
}

// TestSearchCommandJSON checks the search contract: total, hits with id/title/
// published/score/highlights, facets, and histogram buckets.
func TestSearchCommandJSON(t *testing.T) {
	dir := t.TempDir()
	raw := `{"id":"a","title":"Asesinan a mujer en Villa Nueva","text":"El MP investiga el femicidio ocurrido en la zona 6.","source":"Diario","source_country":"GT","platform":"news","published":"2026-11-20T10:00:00-06:00"}
{"id":"b","title":"Extorsión a transportistas en Mixco","text":"Pilotos denuncian cobro de renta.","source":"Diario","source_country":"GT","platform":"news","published":"2026-11-21T10:00:00-06:00"}
`
	enriched := runCLI(t, raw, "enrich")
	runCLI(t, enriched, "index", "--dir", dir)
	var res struct {
		Total uint64 `json:"total"`
		Hits  []struct {
			ID         string              `json:"id"`
			Title      string              `json:"title"`
			Published  string              `json:"published"`
			Score      float64             `json:"score"`
			Highlights map[string][]string `json:"highlights"`
		} `json:"hits"`
		Facets    map[string]any `json:"facets"`
		Histogram struct {
			Buckets []struct{ Count int } `json:"buckets"`
		} `json:"histogram"`
	}
	out := runCLI(t, "", "search", "--dir", dir, "--json", "--from", "2026-11-01", "--to", "2026-11-30",
		"--category", "femicidio", "--size", "5", "--sort", "date", "--histogram", "day", "femicidios")
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Total != 1 || len(res.Hits) != 1 || res.Hits[0].ID != "a" || res.Hits[0].Published == "" ||
		len(res.Hits[0].Highlights) == 0 || len(res.Facets) == 0 || len(res.Histogram.Buckets) == 0 {
		t.Fatalf("search result: %s", out)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
