package index

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
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
