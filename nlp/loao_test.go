package nlp

import (
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
)

var flagLOAO = flag.Bool("loao", false, "print the leave-one-author-out report: per author, a model trained on the other authors, over a grid of blend settings")

// readParts reads dir's part-NN.jsonl files: the documents by part number, and all
// of them in file order.
func readParts(tb testing.TB, dir string) (map[int][]*escucha.Document, []*escucha.Document) {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "part-*.jsonl"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no parts under %s: %v", dir, err)
	}
	byPart := map[int][]*escucha.Document{}
	var all []*escucha.Document
	for _, f := range files {
		var n int
		if _, err := fmt.Sscanf(filepath.Base(f), "part-%d.jsonl", &n); err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		ds, err := ReadDocuments(f)
		if err != nil {
			tb.Fatal(err)
		}
		byPart[n] = append(byPart[n], ds...)
		all = append(all, ds...)
	}
	return byPart, all
}

// blend is one global setting of the final score: the model's weight (the rules
// have the rest) and the score a model-only label needs.
type blend struct {
	weight, modelOnly float64
}

func (b blend) String() string { return fmt.Sprintf("w=%.2f mo=%.2f", b.weight, b.modelOnly) }

// loaoGrid is the grid of global settings: the model's weight 0.3-0.7 (0.1, 0.2,
// 0.8 and 1 to see whether an edge keeps improving past it) by ModelOnlyScore
// 0.75-0.95 (0.6 to see where it starts to matter).
func loaoGrid() []blend {
	var g []blend
	for _, w := range []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1} {
		for _, mo := range []float64{0.6, 0.75, 0.85, 0.95} {
			g = append(g, blend{w, mo})
		}
	}
	return g
}

// TestLOAOReport measures generalisation across authors (-loao): for each author
// group of the dev set (partRanges) a model is trained, as `escucha train` does,
// on the other groups and scores the group's documents under every blend of
// loaoGrid; rules alone (no model) are a row too. Per-group and pooled macro-F1
// and femicidio F1, and pooled framing macro-F1 (docs/nlp.md, "Across authors").
func TestLOAOReport(t *testing.T) {
	if !*flagLOAO {
		t.Skip("run with -loao")
	}
	byPart, all := readParts(t, *flagGold)
	groups := make([][]*escucha.Document, len(partRanges))
	n := 0
	for gi, pr := range partRanges {
		for p := pr.lo; p <= pr.hi; p++ {
			groups[gi] = append(groups[gi], byPart[p]...)
		}
		n += len(groups[gi])
	}
	if n != len(all) {
		t.Fatalf("the author groups hold %d of %d documents: a part outside partRanges", n, len(all))
	}
	base := blend{defaultModelWeight, 0.85}
	rulesAlone := blend{0, 0.85} // no model at all
	grid := append([]blend{rulesAlone}, loaoGrid()...)
	// pred[setting][document id]: each document predicted by a model that never
	// saw its author
	pred := make([]map[string]*escucha.Document, len(grid))
	for i := range pred {
		pred[i] = map[string]*escucha.Document{}
	}
	rules := mustEnricher(t, Config{NoModel: true, NoGeo: true, TaxonomyPath: *flagTax})
	for gi, test := range groups {
		var trainSet []*escucha.Document
		for gj, g := range groups {
			if gj != gi {
				trainSet = append(trainSet, g...)
			}
		}
		e := trainedOn(t, rules, trainSet, TrainOptions{}) // escucha train's defaults
		t.Logf("%s: model on %d documents of the other authors", partRanges[gi].name, e.model.Docs)
		for si, b := range grid {
			ee := e
			if b == rulesAlone {
				ee = rules
			}
			ee.modelWeight, ee.cfg.ModelOnlyScore = b.weight, b.modelOnly
			for i, p := range enrichAll(t, ee, test) {
				pred[si][test[i].ID] = p
			}
		}
	}
	type score struct {
		macro, fem, framing float64
		errs                int       // documents with a wrong category set
		group, groupFem     []float64 // NaN: no femicidio in the group's gold or predictions
	}
	eval := func(p map[string]*escucha.Document, gold []*escucha.Document) Report {
		ps := make([]*escucha.Document, len(gold))
		for i, g := range gold {
			if ps[i] = p[g.ID]; ps[i] == nil {
				t.Fatalf("%s not predicted", g.ID)
			}
		}
		return Evaluate(gold, ps)
	}
	femF1 := func(r Report) float64 {
		f := r.Categories[escucha.CatFemicidio]
		if f.TP+f.FN+f.FP == 0 {
			return math.NaN()
		}
		return f.F1()
	}
	scores := make([]score, len(grid))
	for si := range grid {
		r := eval(pred[si], all)
		s := score{macro: r.MacroF1(), fem: femF1(r), framing: macro(r.Framing), errs: len(r.Errors)}
		for _, g := range groups {
			rg := eval(pred[si], g)
			s.group = append(s.group, rg.MacroF1())
			s.groupFem = append(s.groupFem, femF1(rg))
		}
		scores[si] = s
	}
	name := func(b blend) string {
		if b == rulesAlone {
			return "rules alone"
		}
		return b.String()
	}
	var sb strings.Builder
	head := fmt.Sprintf("%-16s %6s %6s %6s %4s %6s |", "setting", "macro", "fem", "frame", "err", "mean")
	for _, pr := range partRanges {
		head += fmt.Sprintf(" %5s", fmt.Sprintf("%02d-%02d", pr.lo, pr.hi))
	}
	fmt.Fprintf(&sb, "leave one author out, %d documents, %d groups; pooled macro-F1, femicidio F1, framing macro-F1, wrong documents, mean of the groups' macro-F1 | macro-F1 per group (parts)\n%s\n", len(all), len(groups), head)
	baseAt := -1
	for si, b := range grid {
		if b == base {
			baseAt = si
		}
		s := scores[si]
		var mean float64
		for _, x := range s.group {
			mean += x
		}
		mean /= float64(len(s.group))
		row := fmt.Sprintf("%-16s %6.3f %6.3f %6.3f %4d %6.3f |", name(b), s.macro, s.fem, s.framing, s.errs, mean)
		for _, x := range s.group {
			row += fmt.Sprintf(" %5.3f", x)
		}
		fmt.Fprintln(&sb, row)
	}
	if baseAt < 0 {
		t.Fatalf("today's blend %v is not in the grid", base)
	}
	fmt.Fprintf(&sb, "\nfemicidio F1 per group (— : no femicidio in gold or prediction)\n%s\n", head)
	for si, b := range grid {
		row := fmt.Sprintf("%-16s %6s %6.3f %6s %4s %6s |", name(b), "", scores[si].fem, "", "", "")
		for _, x := range scores[si].groupFem {
			if math.IsNaN(x) {
				row += fmt.Sprintf(" %5s", "—")
			} else {
				row += fmt.Sprintf(" %5.3f", x)
			}
		}
		fmt.Fprintln(&sb, row)
	}
	// the bar of docs/nlp.md: +0.005 pooled macro-F1, femicidio not lower
	bs := scores[baseAt]
	best := baseAt
	for si := range grid {
		s := scores[si]
		if grid[si] != rulesAlone && s.fem >= bs.fem && s.macro > scores[best].macro {
			best = si
		}
	}
	fmt.Fprintf(&sb, "\ntoday %s: pooled macro-F1 %.3f, femicidio %.3f; best with femicidio not lower: %s %.3f (%+.4f), femicidio %.3f\n",
		base, bs.macro, bs.fem, name(grid[best]), scores[best].macro, scores[best].macro-bs.macro, scores[best].fem)
	fmt.Print(sb.String())
}

// TestBlendWeight checks the final score's blend on dev documents: weight 0 is the
// rule score, 1 the model's probability, and the default their mean.
func TestBlendWeight(t *testing.T) {
	e := mustEnricher(t, Config{NoGeo: true})
	docs := loadDev(t)
	if len(docs) > 60 {
		docs = docs[:60]
	}
	// score returns the final scores at weight w and the rule scores (nil for a
	// document the model does not score)
	score := func(d *escucha.Document, w float64) (final, rules []float64) {
		e.modelWeight = w
		r := e.analyse(d)
		defer putText(r.t)
		if r.t.voc != nil {
			defer e.fast.release(r.t.voc)
		}
		if r.a == nil {
			return nil, nil
		}
		defer r.a.release()
		if r.lang != "es" {
			return nil, nil
		}
		final = e.scores(r.t, r.a, r.lang, make([]float64, len(escucha.Categories)))
		rules = make([]float64, len(escucha.Categories))
		for ci, k := range e.c.catPos {
			rules[k] = ruleScore(r.a.raw[ci])
		}
		return final, rules
	}
	defer func() { e.modelWeight = defaultModelWeight }()
	checked := 0
	for _, d := range docs {
		atZero, rules := score(d, 0)
		if rules == nil {
			continue
		}
		checked++
		model, _ := score(d, 1)
		mean, _ := score(d, defaultModelWeight)
		for ci, k := range e.c.catPos {
			id := e.c.cats[ci].id
			if atZero[k] != rules[k] {
				t.Errorf("%s %s: weight 0 gives %v, rule score %v", d.ID, id, atZero[k], rules[k])
			}
			if want := (model[k] + rules[k]) / 2; math.Abs(mean[k]-want) > 1e-12 {
				t.Errorf("%s %s: default blend %v, mean of model and rules %v", d.ID, id, mean[k], want)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no Spanish document scored")
	}
}
