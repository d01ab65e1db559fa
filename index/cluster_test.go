package index

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

var threshold = flag.Float64("cluster.threshold", 0, "case clustering threshold to evaluate (0: default)")

// pairScores compares the cases assigned to docs with their labels ("case" in
// each line of testdata/cases.jsonl) over every pair of documents.
func pairScores(tb testing.TB, docs []*escucha.Document, got map[string]string) (precision, recall float64, report string) {
	label := func(d *escucha.Document) string {
		var s string
		if err := json.Unmarshal(d.Extra["case"], &s); err != nil {
			tb.Fatalf("%s has no case label", d.ID)
		}
		return s
	}
	var tp, fp, fn int
	for i := range docs {
		for j := i + 1; j < len(docs); j++ {
			a, b := docs[i], docs[j]
			same, joined := label(a) == label(b), got[a.ID] == got[b.ID]
			switch {
			case same && joined:
				tp++
			case joined:
				fp++
				report += fmt.Sprintf("wrongly joined %s+%s; ", a.ID, b.ID)
			case same:
				fn++
				report += fmt.Sprintf("missed %s+%s; ", a.ID, b.ID)
			}
		}
	}
	return float64(tp) / float64(max(tp+fp, 1)), float64(tp) / float64(max(tp+fn, 1)), report
}

func clusterIDs(tb testing.TB, ix *Index, docs []*escucha.Document) map[string]string {
	got := map[string]string{}
	for _, d := range docs {
		s, err := ix.Get(context.Background(), d.ID)
		if err != nil {
			tb.Fatal(err)
		}
		got[d.ID] = s.ClusterID
	}
	return got
}

// TestCaseClustering measures pairwise precision and recall of case clustering on
// the labelled set, fed in publication order in small batches, with and without a
// restart in the middle (candidates then come back from the index).
func TestCaseClustering(t *testing.T) {
	docs := MustLoad(t, "testdata/cases.jsonl")
	slices.SortStableFunc(docs, func(a, b *escucha.Document) int { return a.Published.Compare(b.Published) })
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			dir := t.TempDir()
			cfg := Config{Dir: dir, ClusterThreshold: *threshold}
			ix, err := Open(cfg, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(docs); i += 4 {
				if restart && i == 12 {
					ix.Close()
					if ix, err = Open(cfg, testLogger(t)); err != nil {
						t.Fatal(err)
					}
				}
				MustWrite(t, ix, docs[i:min(i+4, len(docs))]...)
			}
			defer ix.Close()
			p, r, report := pairScores(t, docs, clusterIDs(t, ix, docs))
			t.Logf("pairwise precision %.3f recall %.3f; %s", p, r, report)
			if p < 0.9 || r < 0.75 {
				t.Errorf("precision %.3f recall %.3f below 0.90/0.75", p, r)
			}
		})
	}
}

func TestSimilarity(t *testing.T) {
	tests := []struct {
		a, b []string
		want float64
	}{
		{nil, []string{"x"}, 0},
		{[]string{"a", "b", "c", "d", "e", "f"}, []string{"a", "b", "c", "d", "e", "f", "g"}, 1},
		{[]string{"a", "b"}, []string{"a", "b"}, 2.0 / 6},
		{[]string{"a", "c", "e", "g", "i", "k"}, []string{"b", "c", "d", "g", "h", "k"}, 0.5},
	}
	for _, tc := range tests {
		if got := similarity(tc.a, tc.b); got != tc.want {
			t.Errorf("similarity(%v,%v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestUnixNanos: the clustering window runs on clamped Unix nanoseconds, exact
// for real dates, and the difference of two never overflows.
func TestUnixNanos(t *testing.T) {
	now := time.Date(2024, 5, 10, 8, 30, 0, 123, time.UTC)
	if got := unixNanos(now); got != now.UnixNano() {
		t.Errorf("2024: %d, want %d", got, now.UnixNano())
	}
	hi, lo := unixNanos(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)), unixNanos(time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC))
	if hi <= now.UnixNano() || lo >= 0 || hi-lo <= 0 {
		t.Errorf("clamped %d and %d: difference %d", hi, lo, hi-lo)
	}
}

// refSignature is the clustering signature as sorted distinct terms (the
// reference for the hashed signature).
func refSignature(an *termStream, d *escucha.Document) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range []string{d.Title, leadOf(d.Text)} {
		an.each([]byte(s), func(term []byte, _, _, _ int) {
			if len(term) < 3 && !isDigits(term) || seen[string(term)] {
				return
			}
			seen[string(term)] = true
			out = append(out, string(term))
		})
	}
	slices.Sort(out)
	return out
}

// TestClusteringEqualsReference: the indexer's clustering (hashed signatures,
// candidates read by binary search on time) assigns exactly the cases of the
// plain algorithm — every earlier document of a key compared term by term —
// on a dense stream (3 000 documents over six days, a tenth of them out of
// order, one in 40 deleted after its batch), written in batches.
func TestClusteringEqualsReference(t *testing.T) {
	const n = 3000
	docs := make([]*escucha.Document, n)
	for i := range docs {
		docs[i] = genLongDocOver(i, n, 6)
	}
	for i := 0; i+7 < n; i += 10 { // a tenth arrive late
		docs[i], docs[i+7] = docs[i+7], docs[i]
	}
	ix, err := Open(Config{Dir: t.TempDir()}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	deleted := map[string]bool{}
	var kept []*escucha.Document
	for i := 0; i < n; i += 250 {
		batch := docs[i:min(n, i+250)]
		MustWrite(t, ix, batch...)
		var dels []*escucha.Document
		for j, d := range batch {
			if j%40 == 3 {
				deleted[d.ID] = true
				dels = append(dels, &escucha.Document{ID: d.ID, Version: d.Version + 1, Deleted: true})
			} else {
				kept = append(kept, d)
			}
		}
		MustWrite(t, ix, dels...)
	}
	got := clusterIDs(t, ix, kept)
	dropped := map[string]bool{} // deleted documents, once the reference has passed their batch

	type cand struct {
		id, cluster string
		t           time.Time
		sig         []string
	}
	an := ix.clus.an
	byKey := map[string][]*cand{}
	w := 72 * time.Hour
	joined := 0
	for i, d := range docs {
		if i%250 == 0 {
			for id := range deleted {
				if slices.ContainsFunc(docs[:i], func(e *escucha.Document) bool { return e.ID == id }) {
					dropped[id] = true
				}
			}
		}
		want := d.ID
		keys := caseKeys(d)
		sig := refSignature(an, d)
		var best *cand
		bestSim := 0.0
		for _, k := range keys {
			for _, c := range byKey[k.String()] {
				if dt := c.t.Sub(d.Published); dt > w || dt < -w || dropped[c.id] {
					continue
				}
				if s := similarity(sig, c.sig); s > bestSim || (s == bestSim && best != nil && c.t.Before(best.t)) {
					best, bestSim = c, s
				}
			}
		}
		if best != nil && bestSim >= 0.3 {
			want = best.cluster
			joined++
		}
		if !deleted[d.ID] && got[d.ID] != want {
			t.Fatalf("%s: case %s, the reference says %s", d.ID, got[d.ID], want)
		}
		c := &cand{id: d.ID, cluster: want, t: d.Published, sig: sig}
		for _, k := range keys {
			byKey[k.String()] = append(byKey[k.String()], c)
		}
	}
	if joined < n/4 {
		t.Fatalf("only %d of %d documents joined a case: the test does not exercise clustering", joined, n)
	}
	t.Logf("%d of %d documents joined an earlier case", joined, n)
}

// TestClustererKeepsTimeOrder: a key's candidates stay sorted by publication
// time whatever order they arrive in, equal times in arrival order (assign's
// binary search and its tie rule rely on both).
func TestClustererKeepsTimeOrder(t *testing.T) {
	c := newClusterer(Config{}.withDefaults(), true, nil)
	base := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		ts := base.Add(time.Duration(r.IntN(40)) * time.Hour)
		if i%5 == 0 {
			ts = base.Add(time.Duration(i) * time.Hour / 10) // mostly in order, as feeds are
		}
		c.add("k", newEntry(fmt.Sprintf("d%03d", i), "", ts, nil))
	}
	list := c.byKey["k"]
	if len(list) != 500 {
		t.Fatalf("%d candidates, want 500", len(list))
	}
	for i := 1; i < len(list); i++ {
		a, b := list[i-1], list[i]
		if a.ns > b.ns || a.ns == b.ns && a.c.id > b.c.id {
			t.Fatalf("candidate %d (%s at %v) before %d (%s at %v)", i-1, a.c.id, a.c.t, i, b.c.id, b.c.t)
		}
	}
}

// TestSimilarityAtLeast: the pruned comparison agrees with the plain overlap
// count on random term sets, for floors on and between the possible values.
func TestSimilarityAtLeast(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	set := func() []uint64 {
		var s []uint64
		for range r.IntN(40) {
			s = append(s, uint64(r.IntN(60)))
		}
		slices.Sort(s)
		return slices.Compact(s)
	}
	for range 20000 {
		a, b := set(), set()
		shared := 0
		for _, x := range a {
			if slices.Contains(b, x) {
				shared++
			}
		}
		want := 0.0
		if len(a) > 0 && len(b) > 0 {
			want = float64(shared) / float64(max(min(len(a), len(b)), 6))
		}
		for _, floor := range []float64{0, 0.3, want, want + 1e-9, r.Float64()} {
			got, ok := similarityAtLeast(a, b, floor)
			if ok != (want >= floor) || ok && got != want {
				t.Fatalf("similarityAtLeast(%v, %v, %v) = %v, %v; overlap %d gives %v", a, b, floor, got, ok, shared, want)
			}
		}
	}
}
