package nlp

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
)

// Tests of the seventh speed round (docs/nlp.md, "Seventh round"): each
// recycled table or fast path against the plain version it replaced.

// TestPreparePooledEqualsFresh prepares the dev set, document after document,
// into one recycled text and compares every result with a fresh prepare:
// nothing of the previous document may leak into the next.
func TestPreparePooledEqualsFresh(t *testing.T) {
	docs := loadDev(t)
	reused := new(text)
	for i := range 2 { // the second round reuses tables sized by the longest document
		for _, d := range docs {
			want := prepare(d.Body(), len(d.Title))
			got := prepareInto(reused, d.Body(), len(d.Title))
			if got.fold.Text != want.fold.Text || got.titleN != want.titleN ||
				!slices.Equal(got.toks, want.toks) || !slices.Equal(got.sents, want.sents) {
				t.Fatalf("round %d, %s: recycled text differs from a fresh one", i, d.ID)
			}
			for j := 0; j <= len(want.fold.Text); j++ {
				if got.fold.Orig(j) != want.fold.Orig(j) {
					t.Fatalf("round %d, %s: offset %d maps to %d, want %d", i, d.ID, j, got.fold.Orig(j), want.fold.Orig(j))
				}
			}
			putText(reused) // as Enrich does; then the same text again
		}
	}
}

// TestEnrichRecycledEqualsFresh enriches every dev document twice with one
// enricher (the second time with every pooled table used before) and the
// first documents with a new enricher each: the same labels, evidence,
// framing, campaigns and places.
func TestEnrichRecycledEqualsFresh(t *testing.T) {
	docs := loadDev(t)
	e := mustEnricher(t, Config{})
	first := make([]*escucha.Document, len(docs))
	for i, d := range docs {
		first[i] = clearPred(d)
		if err := e.Enrich(first[i]); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range docs {
		again := clearPred(d)
		if err := e.Enrich(again); err != nil {
			t.Fatal(err)
		}
		if !sameEnrichment(first[i], again) {
			t.Fatalf("%s: second pass %+v, first %+v", d.ID, again, first[i])
		}
	}
	for i, d := range docs[:5] { // a new enricher is slow: the first documents
		fresh := clearPred(d)
		if err := mustEnricher(t, Config{}).Enrich(fresh); err != nil {
			t.Fatal(err)
		}
		if !sameEnrichment(first[i], fresh) {
			t.Fatalf("%s: fresh enricher %+v, recycled %+v", d.ID, fresh, first[i])
		}
	}
}

func sameEnrichment(a, b *escucha.Document) bool {
	sameSpans := func(x, y []escucha.Span) bool { return slices.Equal(x, y) && (x == nil) == (y == nil) }
	return a.Lang == b.Lang &&
		slices.EqualFunc(a.Categories, b.Categories, func(x, y escucha.Label) bool {
			return x.ID == y.ID && x.Score == y.Score && sameSpans(x.Evidence, y.Evidence)
		}) &&
		slices.EqualFunc(a.Framing, b.Framing, func(x, y escucha.Frame) bool {
			return x.ID == y.ID && sameSpans(x.Evidence, y.Evidence)
		}) &&
		slices.EqualFunc(a.Campaigns, b.Campaigns, func(x, y escucha.CampaignMatch) bool {
			return x.ID == y.ID && slices.Equal(x.Matched, y.Matched)
		}) &&
		slices.Equal(a.Places, b.Places)
}

// TestKeepEvidence checks that the evidence moved out of the pooled scratch
// keeps its spans and order, gets nil when empty, has no room to grow into a
// neighbour's spans, and no longer shares memory with the scratch.
func TestKeepEvidence(t *testing.T) {
	scratch := make([]escucha.Span, 3*maxEvidence)
	ev := [][]escucha.Span{scratch[0:0:maxEvidence], scratch[maxEvidence : maxEvidence : 2*maxEvidence]}
	frames := [][]escucha.Span{scratch[2*maxEvidence : 2*maxEvidence : 3*maxEvidence]}
	for k := range 3 {
		ev[0] = appendSpan(ev[0], escucha.Span{Text: "a", Start: k, End: k + 1, Kind: KindEvent})
	}
	frames[0] = appendSpan(frames[0], escucha.Span{Text: "b", Start: 9, End: 10, Kind: KindTopic})
	want0, wantF := slices.Clone(ev[0]), slices.Clone(frames[0])
	keepEvidence(ev, frames)
	if !slices.Equal(ev[0], want0) || ev[1] != nil || !slices.Equal(frames[0], wantF) {
		t.Fatalf("kept %v %v %v, want %v nil %v", ev[0], ev[1], frames[0], want0, wantF)
	}
	if cap(ev[0]) != len(ev[0]) || cap(frames[0]) != len(frames[0]) {
		t.Errorf("kept slices have room to grow: caps %d %d", cap(ev[0]), cap(frames[0]))
	}
	for i := range scratch {
		scratch[i] = escucha.Span{Text: "x"}
	}
	if !slices.Equal(ev[0], want0) || !slices.Equal(frames[0], wantF) {
		t.Fatal("kept evidence shares memory with the scratch")
	}
}

// TestCatSet checks the label set against a map, for every category id and
// unknown ones.
func TestCatSet(t *testing.T) {
	if len(escucha.Categories) > 64 {
		t.Fatalf("%d categories do not fit a catSet (nor Enricher.analyse's score buffer)", len(escucha.Categories))
	}
	var s catSet
	want := map[string]bool{}
	for i, id := range escucha.Categories {
		if i%3 == 1 {
			s.add(catIndex(id))
			want[id] = true
		}
	}
	s.add(catIndex("no_such_category"))
	for _, id := range append(slices.Clone(escucha.Categories), "no_such_category", "") {
		if got := s.has(catIndex(id)); got != want[id] {
			t.Errorf("has(catIndex(%q)) = %v, want %v", id, got, want[id])
		}
	}
}

// TestTokSpecMatchDev checks every token spec of the shipped taxonomy (with
// its litMask filter, literal set and prefix trie) against the definition —
// one of the literals, or one of the prefixes starts the word — on every
// distinct word of the first dev documents and on the specs' own literals and
// prefixes (and those one byte longer and shorter).
func TestTokSpecMatchDev(t *testing.T) {
	e := mustEnricher(t, Config{NoGeo: true, NoModel: true})
	words := map[string]bool{"": true}
	for _, d := range loadDev(t)[:150] { // with the specs' own words below: enough

		for _, tk := range prepare(d.Body(), len(d.Title)).toks {
			words[tk.s] = true
		}
	}
	for _, p := range e.c.m.pats {
		for _, s := range p.specs {
			for _, w := range append(slices.Clone(s.lits), s.prefixes...) {
				words[w], words[w+"s"], words[w[:len(w)-1]] = true, true, true
			}
		}
	}
	n := 0
	done := map[string]bool{} // specs shared by patterns are tested once
	for _, p := range e.c.m.pats {
		for i := range p.specs {
			s := &p.specs[i]
			key := strings.Join(s.lits, "|") + "/" + strings.Join(s.prefixes, "|")
			if s.gap > 0 || done[key] {
				continue
			}
			done[key] = true
			for w := range words {
				want := slices.Contains(s.lits, w) || slices.ContainsFunc(s.prefixes, func(pre string) bool { return strings.HasPrefix(w, pre) })
				if got := s.match(w); got != want {
					t.Fatalf("pattern %q spec %d: match(%q) = %v, want %v", p.src, i, w, got, want)
				}
				n++
			}
		}
	}
	t.Logf("%d comparisons", n)
}

// TestPredictEqualsOnePass checks the model's inference path, which lists the
// features' rows before adding their weights, against adding each row's
// weights as its feature comes (the order the sums had before): bit for bit
// the same probabilities on every dev document.
func TestPredictEqualsOnePass(t *testing.T) {
	e := mustEnricher(t, Config{NoGeo: true})
	f := e.fast
	got := make([]float64, len(escucha.Categories))
	want := make([]float64, len(escucha.Categories))
	for _, d := range loadDev(t) {
		tx := prepare(d.Body(), len(d.Title))
		tx.voc = f.lookup(tx, &e.stems)
		a := e.c.analyse(tx, "es")
		f.predict(tx, a, e.c.cats, &e.stems, got)
		predictOnePass(f, tx, a, e.c.cats, want)
		for i := range want {
			if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
				t.Fatalf("%s: category %s: %v, one pass %v", d.ID, escucha.Categories[i], got[i], want[i])
			}
		}
		a.release()
		f.release(tx.voc)
	}
}

// predictOnePass is fastModel.predict as it was before the seventh round:
// each feature's weights added when the feature comes (t.voc must be set).
func predictOnePass(f *fastModel, t *text, a *analysis, cats []ccat, out []float64) {
	m := f.m
	for ci := range out {
		out[ci] = m.bias[ci]
	}
	seen := map[int32]bool{}
	add := func(row int32, v float64) {
		if row < 0 || seen[row] {
			return
		}
		seen[row] = true
		for ci, w := range m.weights(int(row)) {
			out[ci] += float64(w) * v
		}
	}
	for ci := range cats {
		if a.raw[ci] > 0 {
			add(f.rRow[ci], ruleScore(a.raw[ci]))
		}
		for k := range evidenceKinds {
			if w := a.kinds[ci][k]; w > 0 {
				add(f.rkRow[ci][k], ruleScore(w))
			}
		}
	}
	info := func(i int) *wordInfo {
		if wi := t.voc.info(i); wi != nil {
			return wi
		}
		return &skipInfo
	}
	n := 0
	for i := range t.toks {
		if !info(i).skip {
			n += 2
		}
	}
	if n > 0 {
		v := 1 / math.Sqrt(float64(n))
		prev := &skipInfo
		for i := range t.toks {
			cur := info(i)
			if !cur.skip && !cur.emptyStem {
				add(cur.wRow, v)
				if !prev.skip && !prev.emptyStem && t.toks[i-1].sent == t.toks[i].sent {
					add(f.bigrams.row(prev, cur), v)
				}
			}
			prev = cur
		}
	}
	for ci := range out {
		out[ci] = sigmoid(out[ci])
	}
}
