package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONLinesDLQ runs enrich and index as JSON-Lines stages with poison lines: the
// good documents go through, every bad line lands in the --dlq file with its error.
func TestJSONLinesDLQ(t *testing.T) {
	dir := t.TempDir()
	in := `{"id":"a","title":"Matan a hombre en Mixco","text":"Sicarios en moto dispararon contra un piloto."}
no es json
{"title":"sin id"}
{"id":"b","title":"Extorsión a tenderos en Villa Nueva","text":"Los vecinos denunciaron cobros de renta."}
`
	run := func(name string, args []string, stdin string) string {
		t.Helper()
		var out bytes.Buffer
		env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &out,
			Logger: slog.New(slog.DiscardHandler), Getenv: func(string) string { return "" }}
		if err := runMain(context.Background(), env, append([]string{name}, args...)); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out.String())
		}
		return out.String()
	}
	dlq := filepath.Join(dir, "dlq.jsonl")
	enriched := run("enrich", []string{"--dlq", dlq}, in)
	if n := strings.Count(enriched, "\n"); n != 2 {
		t.Fatalf("enrich wrote %d documents, want 2:\n%s", n, enriched)
	}
	run("index", []string{"--dir", filepath.Join(dir, "idx"), "--dlq", dlq}, enriched+"{\"id\":\n")
	b, err := os.ReadFile(dlq)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"original":"no es json"`) || !strings.Contains(lines[1], "no id") ||
		!strings.Contains(lines[2], `"stage":"index"`) {
		t.Fatalf("dlq has %d lines:\n%s", len(lines), b)
	}
}
