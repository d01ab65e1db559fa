package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
)

// TestTrainThenEval trains a model on one part of the labelled dev set, evaluates it
// on another, and checks the report: every category, framing and campaign with
// precision, recall and F1, and a macro-F1 in [0, 1].
func TestTrainThenEval(t *testing.T) {
	dev := filepath.Join("..", "..", "nlp", "testdata", "dev")
	model := filepath.Join(t.TempDir(), "model.json.gz")
	runCLI(t, "", "train", "--gold", filepath.Join(dev, "part-01.jsonl"), "--out", model, "--epochs", "5", "--version", "test-1")
	if st, err := os.Stat(model); err != nil || st.Size() == 0 {
		t.Fatalf("train wrote no model: %v", err)
	}
	for _, args := range [][]string{
		{"eval", "--gold", filepath.Join(dev, "part-02.jsonl"), "--model", model},
		{"eval", "--gold", filepath.Join(dev, "part-02.jsonl"), "--no-model"},
	} {
		out := runCLI(t, "", args...)
		for _, want := range append(append([]string(nil), escucha.Categories...), "framing", "derechos", "justificacion", "campaign", "nada_justifica") {
			if !regexp.MustCompile(`(?m)^` + want + `\s`).MatchString(out) {
				t.Errorf("%v: report has no %s row:\n%s", args, want, out)
			}
		}
		m := regexp.MustCompile(`(?m)^macro-F1\s+([0-9.]+)$`).FindAllStringSubmatch(out, -1)
		if len(m) != 3 {
			t.Fatalf("%v: want a macro-F1 for categories, framing and campaigns:\n%s", args, out)
		}
		for _, x := range m {
			if f, err := strconv.ParseFloat(x[1], 64); err != nil || f < 0 || f > 1 {
				t.Errorf("%v: macro-F1 %q", args, x[1])
			}
		}
		if !strings.Contains(out, "documents: ") {
			t.Errorf("%v: no document count", args)
		}
	}
}
