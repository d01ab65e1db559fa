package index

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

// segmentedIndex is a new index holding n generated documents written in
// writes equal Writes: one segment per month per Write, which scorch's
// background merger leaves alone (its budget would count any segment under
// FloorSegmentSize as that size and merge the small ones first).
func segmentedIndex(t *testing.T, n, writes int) *Index {
	t.Helper()
	testMergePlan = map[string]any{"MaxSegmentsPerTier": 1000, "FloorSegmentSize": 1, "FloorSegmentFileSize": 0}
	t.Cleanup(func() { testMergePlan = nil })
	ix := MustOpen(t, "")
	docs := make([]*escucha.Document, n)
	for i := range docs {
		docs[i] = genDoc(i)
	}
	for w := range writes {
		MustWrite(t, ix, docs[w*n/writes:(w+1)*n/writes]...)
	}
	return ix
}

// TestCompactMergesClosedMonths: months wholly before the cutoff end with one
// segment each, the open month keeps its segments, and every answer (totals,
// ids, order, scores, facets, cursors) is the same before and after.
func TestCompactMergesClosedMonths(t *testing.T) {
	ix := segmentedIndex(t, 1500, 3)
	before, err := ix.segments()
	if err != nil {
		t.Fatal(err)
	}
	cutoff := time.Date(2024, 12, 1, 0, 0, 0, 0, DefaultLocation)
	open := "2024-12"
	for m, n := range before {
		if n < 2 {
			t.Fatalf("month %s has %d segment(s) before Compact; the test needs several: %v", m, n, before)
		}
	}
	if _, ok := before[open]; !ok {
		t.Fatalf("no open month %s: %v", open, before)
	}
	reqs := map[string]escucha.SearchRequest{
		"all words":  {Query: "femicidio Villa Nueva"},
		"match":      {Query: "extorsion"},
		"phrase":     {Query: `"Alerta Isabel-Claudina"`},
		"any word":   {Query: "trata desaparecida", AnyWord: true},
		"not":        {Query: "mujer -femicidio"},
		"by date":    {Query: "extorsion", Sort: escucha.SortDate},
		"everything": {},
		"dates":      {Query: "mujer", From: time.Date(2024, 5, 10, 0, 0, 0, 0, DefaultLocation), To: cutoff.AddDate(0, 1, 0)},
		"histogram":  {Query: "asaltan", Histogram: escucha.IntervalWeek},
		"by case":    {Query: "extorsion", ByCase: true},
		"bleve path": {Query: "femicidio Villa Nueva"}, // with bleveCollectorKey below
		"small page": {Query: "extorsion", Size: 5},
	}
	answers := func() map[string][]byte {
		out := map[string][]byte{}
		for name, req := range reqs {
			ctx := context.Background()
			if name == "bleve path" {
				ctx = context.WithValue(ctx, bleveCollectorKey{}, true)
			}
			req.Facets = []string{escucha.FacetCategory, escucha.FacetAdmin1, escucha.FacetSource}
			if req.Size == 0 {
				req.Size = 9
			}
			var pages []*escucha.SearchResult
			for page := 0; page < 3; page++ {
				res, err := ix.Search(ctx, req)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				res.Took = 0
				pages = append(pages, res)
				if res.Next == "" {
					break
				}
				req.After = res.Next
			}
			if pages[0].Total == 0 {
				t.Fatalf("%s: no match, the comparison would prove nothing", name)
			}
			b, err := json.Marshal(pages)
			if err != nil {
				t.Fatal(err)
			}
			out[name] = b
		}
		return out
	}
	want := answers()
	// Searches running during Compact see the same answers.
	during := escucha.SearchRequest{Query: "femicidio Villa Nueva", Size: 9,
		Facets: []string{escucha.FacetCategory, escucha.FacetAdmin1}}
	first := MustSearch(t, ix, during)
	first.Took = 0
	wantDuring, _ := json.Marshal(first)
	stop, searched, ready := make(chan struct{}), make(chan error, 1), make(chan struct{})
	go func() {
		defer close(searched)
		for n := 0; ; n++ {
			if n == 1 {
				close(ready) // one search done: Compact starts
			}
			select {
			case <-stop:
				return
			default:
			}
			res, err := ix.Search(context.Background(), during)
			if err != nil {
				searched <- err
				return
			}
			res.Took = 0
			if b, _ := json.Marshal(res); !bytes.Equal(b, wantDuring) {
				searched <- fmt.Errorf("search during Compact differs:\n got  %s\n want %s", b, wantDuring)
				return
			}
		}
	}()
	select {
	case <-ready:
	case err := <-searched:
		t.Fatal(err)
	}
	merged, err := ix.Compact(context.Background(), cutoff)
	close(stop)
	if err := <-searched; err != nil {
		t.Error(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	after, err := ix.segments()
	if err != nil {
		t.Fatal(err)
	}
	var wantMerged []string
	for m := range before {
		if m != open {
			wantMerged = append(wantMerged, m)
		}
	}
	slices.Sort(wantMerged)
	if !slices.Equal(merged, wantMerged) {
		t.Errorf("Compact merged %v, want %v", merged, wantMerged)
	}
	for m, n := range after {
		switch {
		case m == open && n != before[m]:
			t.Errorf("open month %s: %d segments after Compact, want %d unchanged", m, n, before[m])
		case m != open && n != 1:
			t.Errorf("closed month %s: %d segments after Compact, want 1", m, n)
		}
	}
	got := answers()
	for name := range want {
		if !bytes.Equal(got[name], want[name]) {
			t.Errorf("%s: answers differ after Compact:\n before %s\n after  %s", name, want[name], got[name])
		}
	}
	// A second Compact has nothing left to merge; the merged months survive a reopen.
	if again, err := ix.Compact(context.Background(), cutoff); err != nil || len(again) != 0 {
		t.Fatalf("second Compact: merged %v, err %v", again, err)
	}
	dir := ix.cfg.Dir
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = MustOpen(t, dir)
	reopened, err := ix.segments()
	if err != nil {
		t.Fatal(err)
	}
	if !maps2Equal(reopened, after) {
		t.Errorf("segments after reopen %v, want %v", reopened, after)
	}
	if got := answers(); !bytes.Equal(got["all words"], want["all words"]) {
		t.Errorf("answers differ after reopen")
	}
}

func maps2Equal(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestCompactKept compacts the index kept by BenchmarkVsPostgres in
// ESCUCHA_COMPACT_DIR (a copy: it is changed in place), for the before/after
// measurement with BenchmarkSearchKept. Skipped when unset.
func TestCompactKept(t *testing.T) {
	dir := os.Getenv("ESCUCHA_COMPACT_DIR")
	if dir == "" {
		t.Skip("ESCUCHA_COMPACT_DIR is unset")
	}
	shards := keptShards(dir)
	ix := MustOpen(t, shards)
	before, err := ix.segments()
	if err != nil {
		t.Fatal(err)
	}
	start, cpu0 := time.Now(), cpuTime()
	merged, err := ix.Compact(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	took, cpu := time.Since(start), cpuTime()-cpu0
	after, err := ix.segments()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("merged %d months in %s (%s CPU); segments before %v, after %v", len(merged), took, cpu, before, after)
}

// BenchmarkSearchKeptLatency runs each query of the side-by-side mix (top 20,
// facets category and department) on the index kept in ESCUCHA_BENCH_REUSE and
// reports the median and 99th percentile of the wall time and the CPU per
// search: for comparing an index before and after Compact.
//
//	ESCUCHA_BENCH_REUSE=/tmp/DIR go test ./index -run '^$' \
//	  -bench SearchKeptLatency -benchtime 200x
func BenchmarkSearchKeptLatency(b *testing.B) {
	dir := os.Getenv("ESCUCHA_BENCH_REUSE")
	if dir == "" {
		b.Skip("ESCUCHA_BENCH_REUSE is unset")
	}
	shards := keptShards(dir)
	ix := MustOpen(b, shards)
	if n, err := ix.segments(); err == nil {
		total := 0
		for _, k := range n {
			total += k
		}
		b.Logf("%d segments in %d months", total, len(n))
	}
	for _, q := range vsMix() {
		b.Run(q.name, func(b *testing.B) {
			req := q.req
			req.Facets, req.Size = []string{escucha.FacetCategory, escucha.FacetAdmin1}, 20
			if _, err := ix.Search(context.Background(), req); err != nil { // warm the columns
				b.Fatal(err)
			}
			var took []time.Duration
			cpu0 := cpuTime()
			for b.Loop() {
				start := time.Now()
				if _, err := ix.Search(context.Background(), req); err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
			q := func(p float64) float64 { return float64(took[int(p*float64(len(took)-1))].Microseconds()) / 1000 }
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}

// TestCompactEveryMergesInTheBackground: the live indexer's upkeep merges a
// closed month while documents keep arriving, and stops with its context.
func TestCompactEveryMergesInTheBackground(t *testing.T) {
	ix := segmentedIndex(t, 600, 2)
	before, err := ix.segments()
	if err != nil {
		t.Fatal(err)
	}
	month := "2024-03"
	if before[month] < 2 {
		t.Fatalf("month %s has %d segment(s); the test needs several: %v", month, before[month], before)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ix.CompactEvery(ctx, 20*time.Millisecond, 0); close(done) }()
	MustWrite(t, ix, genDoc(10_000)) // a write while the upkeep runs waits, and lands
	deadline := time.Now().Add(30 * time.Second)
	for {
		after, err := ix.segments()
		if err != nil {
			t.Fatal(err)
		}
		if after[month] == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("month %s still has %d segments", month, after[month])
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
	n, err := ix.DocCount()
	if err != nil || n != 601 {
		t.Errorf("documents after compaction: %d, %v; want 601", n, err)
	}
}

// TestCompactCancelled: a cancelled Compact says so and leaves the months as
// they were (searchable, segments unmerged); the next one merges them all, the
// months in parallel.
func TestCompactCancelled(t *testing.T) {
	ix := segmentedIndex(t, 900, 3)
	before, err := ix.segments()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cutoff := time.Date(2025, 2, 1, 0, 0, 0, 0, DefaultLocation)
	if merged, err := ix.Compact(ctx, cutoff); !errors.Is(err, context.Canceled) || len(merged) > 0 {
		t.Fatalf("cancelled Compact: merged %v, err %v; want none and context.Canceled", merged, err)
	}
	if after, _ := ix.segments(); !maps.Equal(after, before) {
		t.Fatalf("cancelled Compact changed segments: %v → %v", before, after)
	}
	merged, err := ix.Compact(context.Background(), cutoff)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(merged) || len(merged) != len(before) {
		t.Fatalf("merged %v, want every month of %v, sorted", merged, before)
	}
	after, err := ix.segments()
	if err != nil {
		t.Fatal(err)
	}
	for m, n := range after {
		if n != 1 {
			t.Errorf("month %s: %d segments after Compact", m, n)
		}
	}
	if res := MustSearch(t, ix, escucha.SearchRequest{}); res.Total != 900 {
		t.Fatalf("%d documents after Compact, want 900", res.Total)
	}
}
