package nlp

import (
	"flag"
	"fmt"
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

// Floors (docs/nlp.md, "Measured quality"): on the 945 dev documents of five
// authors the shipped taxonomy and model reach macro-F1 0.968 and femicidio F1
// 0.975 (a 5-fold cross-validated model 0.957, TestPartsReport), and a model trained
// on 80 % reaches 0.950 on the other 20 %. The rules were written on these
// documents, so the floors sit near the blind scores of new authors (0.883-0.920)
// rather than at the in-sample ones, leaving room for harder documents still to be
// added; a change that drops below them fails.
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

var (
	flagParts = flag.Bool("parts", false, "print macro-F1 and femicidio F1 per author's parts, rules alone, shipped model and 5-fold cross-validated model")
	flagGold  = flag.String("gold", devDir, "gold file or directory for -parts")
	flagTax   = flag.String("tax", "", "taxonomy file for -parts (default: the embedded one)")
	flagCVOut = flag.String("cvout", "", "with -parts: write the 5-fold CV model's errors, one document a line, to this file")
)

// partRanges are the dev set's authors (docs/labelling.md): id ranges by part file.
var partRanges = []struct {
	name   string
	lo, hi int // part numbers, inclusive
}{
	{"parts 01-16 (first author)", 1, 16},
	{"parts 17-25 (second author)", 17, 25},
	{"parts 26-28 (third author)", 26, 28},
	{"parts 29-30 (fourth, long)", 29, 30},
	{"parts 31-32 (fifth)", 31, 32},
	{"parts 33-34 (sixth, long)", 33, 34},
	{"parts 35-36 (ninth)", 35, 36},
	{"parts 37-38 (tenth)", 37, 38},
	{"parts 39-40 (twelfth)", 39, 40},
	{"parts 41-42 (fourteenth)", 41, 42},
}

// crossValidate trains a model on four fifths of docs (by id hash) and predicts
// the fifth, five times: every document is predicted by a model that never saw it.
func crossValidate(tb testing.TB, docs []*escucha.Document) map[string]*escucha.Document {
	tb.Helper()
	rules := mustEnricher(tb, Config{NoModel: true, NoGeo: true, TaxonomyPath: *flagTax})
	pred := map[string]*escucha.Document{}
	fold := func(id string) uint32 {
		h := fnv.New32a()
		h.Write([]byte(id))
		return h.Sum32() % 5
	}
	for k := range uint32(5) {
		var trainSet, test []*escucha.Document
		for _, d := range docs {
			if fold(d.ID) == k {
				test = append(test, d)
			} else {
				trainSet = append(trainSet, d)
			}
		}
		e := trainedOn(tb, rules, trainSet, TrainOptions{Version: "cv"})
		for i, p := range enrichAll(tb, e, test) {
			pred[test[i].ID] = p
		}
	}
	return pred
}

// trainedOn is an enricher (no geotagging) whose model rules trained on docs.
func trainedOn(tb testing.TB, rules *Enricher, docs []*escucha.Document, o TrainOptions) *Enricher {
	tb.Helper()
	m, err := rules.Train(docs, o)
	if err != nil {
		tb.Fatal(err)
	}
	e := mustEnricher(tb, Config{NoModel: true, NoGeo: true, TaxonomyPath: *flagTax})
	e.model, e.fast = m, newFastModel(m, e.c)
	return e
}

// TestPartsReport prints the numbers of docs/nlp.md's tables per author (-parts).
func TestPartsReport(t *testing.T) {
	if !*flagParts {
		t.Skip("run with -parts")
	}
	byPart, all := readParts(t, *flagGold)
	rules := mustEnricher(t, Config{NoModel: true, NoGeo: true, TaxonomyPath: *flagTax})
	model := mustEnricher(t, Config{NoGeo: true, TaxonomyPath: *flagTax})
	index := func(ps []*escucha.Document) map[string]*escucha.Document {
		m := map[string]*escucha.Document{}
		for _, p := range ps {
			m[p.ID] = p
		}
		return m
	}
	pr, pm := index(enrichAll(t, rules, all)), index(enrichAll(t, model, all))
	var pcv map[string]*escucha.Document
	if *flagGold == devDir {
		pcv = crossValidate(t, all)
	}
	line := func(name string, gold []*escucha.Document) {
		if len(gold) == 0 {
			return
		}
		row := fmt.Sprintf("%-30s %4d", name, len(gold))
		for _, p := range []map[string]*escucha.Document{pr, pm, pcv} {
			if p == nil {
				continue
			}
			var ps []*escucha.Document
			for _, g := range gold {
				ps = append(ps, p[g.ID])
			}
			r := Evaluate(gold, ps)
			fr := r.Framing
			row += fmt.Sprintf(" | %.3f fem %.3f err %3d fr %.3f", r.MacroF1(), r.Categories[escucha.CatFemicidio].F1(), len(r.Errors), macro(fr))
		}
		fmt.Println(row)
	}
	if *flagCVOut != "" && pcv != nil {
		var ps []*escucha.Document
		for _, g := range all {
			ps = append(ps, pcv[g.ID])
		}
		var sb strings.Builder
		for _, e := range Evaluate(all, ps).Errors {
			fmt.Fprintf(&sb, "%s missing=%v extra=%v\n", e.ID, e.Missing, e.Extra)
		}
		if err := os.WriteFile(*flagCVOut, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fmt.Println("                                docs | rules alone                       | shipped model                     | 5-fold CV model")
	for _, pr := range partRanges {
		var g []*escucha.Document
		for n := pr.lo; n <= pr.hi; n++ {
			g = append(g, byPart[n]...)
		}
		line(pr.name, g)
	}
	// by length: briefs and posts against articles (the model's text features
	// weigh more in short documents: one over the square root of their count)
	var short, long []*escucha.Document
	for _, g := range all {
		if len(strings.Fields(g.Body())) < 100 {
			short = append(short, g)
		} else {
			long = append(long, g)
		}
	}
	line("under 100 words", short)
	line("100 words or more", long)
	line("all", all)
}

var flagGates = flag.Bool("gates", false, "print every category the discourse scope gated, with its gold label")

// TestGateReport lists the categories scoping gated (-gates): the gate's own
// precision on the dev set (a gated category the gold has is a lost label).
func TestGateReport(t *testing.T) {
	if !*flagGates {
		t.Skip("run with -gates")
	}
	e := mustEnricher(t, Config{NoModel: true, NoGeo: true, TaxonomyPath: *flagTax})
	right, wrong := 0, 0
	for _, g := range loadDev(t) {
		r := e.analyse(g)
		if r.a == nil {
			continue
		}
		for ci, c := range e.c.cats {
			if !r.a.gated[ci] || ruleScore(r.a.raw[ci]/e.c.ctxAlone) < c.threshold {
				continue // not gated, or below threshold anyway
			}
			ok := !g.HasCategory(c.id)
			if ok {
				right++
			} else {
				wrong++
			}
			fmt.Printf("%s %-24s gold=%v\n", g.ID, c.id, g.HasCategory(c.id))
		}
		r.a.release()
	}
	fmt.Printf("gated above threshold: %d not in gold (right), %d in gold (lost)\n", right, wrong)
}
