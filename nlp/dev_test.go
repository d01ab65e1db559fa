package nlp

import (
	"flag"
	"hash/fnv"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
)

var (
	flagReport  = flag.Bool("report", false, "print the full dev-set report")
	flagNoModel = flag.Bool("nomodel", false, "evaluate the rules alone")
)

// Floors (docs/nlp.md, "Measured quality"): on the 750 dev documents of two
// authors the shipped taxonomy and model reach macro-F1 0.960 and femicidio F1
// 0.967, and a model trained on 80 % reaches 0.945 on the other 20 %. The rules were
// written on these documents, so the floors sit near the blind score of a new
// author (0.883) rather than at the in-sample one, leaving room for harder documents
// still to be added; a change that drops below them fails.
const (
	devFloor     = 0.88
	devFemicidio = 0.92
	splitFloor   = 0.85
)

const devDir = "testdata/dev"

func loadDev(tb testing.TB) []*escucha.Document {
	tb.Helper()
	docs, err := ReadDocuments(devDir)
	if err != nil {
		tb.Fatalf("read dev set: %v", err)
	}
	if len(docs) == 0 {
		tb.Fatal("empty dev set")
	}
	return docs
}

// heldOut reports whether id falls in the 20 % evaluation part of the split.
func heldOut(id string) bool {
	h := fnv.New32a()
	h.Write([]byte(id))
	return h.Sum32()%5 == 0
}

func clearPred(d *escucha.Document) *escucha.Document {
	c := *d
	c.Categories, c.Framing, c.Campaigns, c.Places, c.Lang = nil, nil, nil, nil, ""
	c.Extra = nil
	return &c
}

func mustEnricher(tb testing.TB, cfg Config) *Enricher {
	tb.Helper()
	e, err := New(cfg, slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func enrichAll(tb testing.TB, e *Enricher, gold []*escucha.Document) []*escucha.Document {
	tb.Helper()
	var pred []*escucha.Document
	for _, g := range gold {
		p := clearPred(g)
		if err := e.Enrich(p); err != nil {
			tb.Fatalf("enrich %s: %v", g.ID, err)
		}
		pred = append(pred, p)
	}
	return pred
}

// TestDevSet evaluates the shipped taxonomy and model (as `escucha eval` does) on
// the dev set and fails below the measured floors; -report prints the report.
func TestDevSet(t *testing.T) {
	test := loadDev(t)
	e := mustEnricher(t, Config{NoModel: *flagNoModel})
	r := Evaluate(test, enrichAll(t, e, test))
	var sb strings.Builder
	if err := r.WriteText(&sb); err != nil {
		t.Fatal(err)
	}
	if *flagReport {
		os.Stdout.WriteString(sb.String())
	}
	fem := r.Categories[escucha.CatFemicidio].F1()
	t.Logf("dev set: %d docs, macro-F1 %.3f, femicidio F1 %.3f", len(test), r.MacroF1(), fem)
	if *flagNoModel {
		return // rules alone: informative only
	}
	if r.MacroF1() < devFloor || fem < devFemicidio {
		t.Errorf("macro-F1 %.3f (floor %.2f), femicidio F1 %.3f (floor %.2f)\n%s", r.MacroF1(), devFloor, fem, devFemicidio, sb.String())
	}
}
