package index

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

// BenchmarkSearchKept runs each query of the side-by-side mix (vsMix: top 20,
// facets category and department, highlights) on an index kept by
// BenchmarkVsPostgres (ESCUCHA_BENCH_KEEP=1), without PostgreSQL: for CPU profiles
// of Search alone.
//
//	ESCUCHA_BENCH_REUSE=/tmp/escucha-vs-pg-NNN go test ./index -run '^$' \
//	  -bench 'SearchKept/match2' -benchtime 50x -cpuprofile /tmp/cpu.out
//
// keptShards is the index directory BenchmarkVsPostgres kept in dir: the durable
// load's when it made one, else the bulk load's.
func keptShards(dir string) string {
	shards := filepath.Join(dir, "index-durable")
	if _, err := os.Stat(shards); err != nil {
		shards = filepath.Join(dir, "index-bulk")
	}
	return shards
}

func BenchmarkSearchKept(b *testing.B) {
	dir := os.Getenv("ESCUCHA_BENCH_REUSE")
	if dir == "" {
		b.Skip("ESCUCHA_BENCH_REUSE is unset: keep an index with BenchmarkVsPostgres (ESCUCHA_BENCH_KEEP=1)")
	}
	shards := keptShards(dir)
	ix, err := Open(Config{Dir: shards}, testLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	// cold: the first search after Open (or after merges replaced every
	// segment) reads the columns of the facet fields and sort key first.
	for _, q := range []vsQuery{vsMix()[0], vsMix()[7]} {
		b.Run(q.name+"/cold", func(b *testing.B) {
			req := q.req
			req.Facets, req.Size = []string{escucha.FacetCategory, escucha.FacetAdmin1}, 20
			cpu0 := cpuTime()
			for b.Loop() {
				columns.Lock()
				columns.m = map[columnKey]*columnEntry{}
				columns.Unlock()
				if _, err := ix.Search(context.Background(), req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
	// histogram: "extorsion" by week with normalised attention (the baseline
	// counts every document).
	for _, collector := range []string{"one-pass", "bleve"} {
		b.Run("histogram/"+collector, func(b *testing.B) {
			ctx := context.Background()
			if collector == "bleve" {
				ctx = context.WithValue(ctx, bleveCollectorKey{}, true)
			}
			req := escucha.SearchRequest{Query: "extorsion", Histogram: escucha.IntervalWeek, Size: 20,
				Facets: []string{escucha.FacetCategory, escucha.FacetAdmin1}}
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := ix.Search(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
	// export: every match of "extorsion" (25 086 of 200 000) as NDJSON.
	for _, collector := range []string{"one-pass", "bleve"} {
		b.Run("export/"+collector, func(b *testing.B) {
			ctx := context.Background()
			if collector == "bleve" {
				ctx = context.WithValue(ctx, bleveCollectorKey{}, true)
			}
			cpu0 := cpuTime()
			for b.Loop() {
				if err := ix.Export(ctx, escucha.SearchRequest{Query: "extorsion"}, escucha.ExportNDJSON, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
	for _, q := range vsMix() {
		for _, collector := range []string{"one-pass", "bleve"} {
			ctx := context.Background()
			if collector == "bleve" {
				ctx = context.WithValue(ctx, bleveCollectorKey{}, true)
			}
			b.Run(q.name+"/"+collector, func(b *testing.B) {
				req := q.req
				req.Facets, req.Size = []string{escucha.FacetCategory, escucha.FacetAdmin1}, 20
				var total uint64
				cpu0 := cpuTime()
				for b.Loop() {
					res, err := ix.Search(ctx, req)
					if err != nil {
						b.Fatal(err)
					}
					total = res.Total
				}
				b.ReportMetric(float64(total), "matches")
				b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			})
		}
	}
}

// TestSearchKeptGolden checks that search answers on a kept benchmark index stay
// the same across query-engine changes: the first run writes every answer of the
// mix (two pages each, and the same queries with other facets and a histogram)
// to ESCUCHA_GOLDEN, later runs compare with it. Skipped without both variables.
func TestSearchKeptGolden(t *testing.T) {
	dir, golden := os.Getenv("ESCUCHA_BENCH_REUSE"), os.Getenv("ESCUCHA_GOLDEN")
	if dir == "" || golden == "" {
		t.Skip("ESCUCHA_BENCH_REUSE and ESCUCHA_GOLDEN unset")
	}
	shards := keptShards(dir)
	ix, err := Open(Config{Dir: shards}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	var got []*escucha.SearchResult
	for _, q := range vsMix() {
		for _, v := range []escucha.SearchRequest{
			{Facets: []string{escucha.FacetCategory, escucha.FacetAdmin1}, Size: 20},
			{Facets: []string{escucha.FacetSource, escucha.FacetAdmin2, escucha.FacetPlatform}, Size: 7,
				Histogram: escucha.IntervalMonth},
		} {
			req := q.req
			req.Facets, req.Size, req.Histogram = v.Facets, v.Size, v.Histogram
			for page := 0; page < 2; page++ {
				res, err := ix.Search(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				res.Took = 0
				got = append(got, res)
				if res.Next == "" {
					break
				}
				req.After = res.Next
			}
		}
	}
	b, err := json.MarshalIndent(got, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(golden)
	if os.IsNotExist(err) {
		if err := os.WriteFile(golden, b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d answers)", golden, len(got))
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, want) {
		os.WriteFile(golden+".got", b, 0o644)
		t.Fatalf("answers differ from %s: see %s.got", golden, golden)
	}
}

// TestCollectorMatchesBleve compares, page by page, the one-pass collector's
// answers with Bleve's collector's (bleveCollectorKey) on generated documents in
// 13 months and two segments each, with identical copies (ties on score and
// date, broken by id), undated documents, several categories, missing places.
func TestCollectorMatchesBleve(t *testing.T) {
	ix := MustOpen(t, "")
	var docs []*escucha.Document
	for i := range 1500 {
		docs = append(docs, genDoc(i))
	}
	for i := range 25 { // same text and time: equal scores and dates
		d := *genDoc(7)
		d.ID = fmt.Sprintf("twin-%03d", (i*7)%25)
		if i%3 != 0 { // syndicated copies of twin-000, twin-007, …
			d.DupOf = fmt.Sprintf("twin-%03d", (i-i%3)*7%25)
		}
		docs = append(docs, &d)
	}
	for i := range 6 {
		d := *genDoc(100 + i)
		d.ID, d.Published = fmt.Sprintf("undated-%d", i), time.Time{}
		d.Places = nil
		d.Categories = append(d.Categories, escucha.Label{ID: "robo", Score: 0.5})
		docs = append(docs, &d)
	}
	MustWrite(t, ix, docs[:800]...)
	MustWrite(t, ix, docs[800:]...)
	may, jul := time.Date(2024, 5, 1, 0, 0, 0, 0, DefaultLocation), time.Date(2024, 7, 1, 0, 0, 0, 0, DefaultLocation)
	mid := time.Date(2024, 5, 10, 0, 0, 0, 0, DefaultLocation)
	facets := []string{escucha.FacetCategory, escucha.FacetAdmin1, escucha.FacetAdmin2,
		escucha.FacetPlatform, escucha.FacetFraming, escucha.FacetCountry}
	cases := map[string]escucha.SearchRequest{
		"match":            {Query: "extorsion"},
		"all words":        {Query: "femicidio Villa Nueva"},
		"phrase":           {Query: `"Alerta Isabel-Claudina"`},
		"any word":         {Query: "trata desaparecida", AnyWord: true},
		"not":              {Query: "mujer -femicidio"},
		"everything":       {},
		"dept and months":  {Query: "mujer", Admin1: []string{"Guatemala"}, From: may, To: jul},
		"partial month":    {Query: "mujer", Admin1: []string{"Cortes"}, From: mid, To: jul},
		"by date":          {Query: "extorsion", Sort: escucha.SortDate},
		"all by date":      {Sort: escucha.SortDate},
		"twins":            {Query: "Localizan", Size: 4},
		"twins by date":    {Query: "Localizan", Sort: escucha.SortDate, Size: 3},
		"histogram":        {Query: "asaltan", Histogram: escucha.IntervalWeek, FacetSize: 3},
		"nothing":          {Query: "zzzzqqq"},
		"by case":          {Query: "extorsion", ByCase: true},
		"by case, dates":   {Query: "mujer", ByCase: true, From: mid, To: jul, Size: 5},
		"histogram, dates": {Query: "asaltan", Histogram: escucha.IntervalDay, From: mid, To: jul},
	}
	ctx := context.Background()
	slow := context.WithValue(ctx, bleveCollectorKey{}, true)
	for name, req := range cases {
		t.Run(name, func(t *testing.T) {
			req.Facets = facets
			if req.Size == 0 {
				req.Size = 9
			}
			for page := 0; page < 4; page++ {
				fast, err := ix.Search(ctx, req)
				if err != nil {
					t.Fatal(err)
				}
				want, err := ix.Search(slow, req)
				if err != nil {
					t.Fatal(err)
				}
				fast.Took, want.Took = 0, 0
				if req.Collapse && page == 0 && !slices.ContainsFunc(fast.Hits, func(h escucha.Hit) bool { return h.Copies > 1 }) {
					t.Fatalf("collapse: no hit groups copies: %+v", fast.Hits)
				}
				a, _ := json.Marshal(fast)
				b, _ := json.Marshal(want)
				if !bytes.Equal(a, b) {
					t.Fatalf("page %d differs:\n one pass %s\n bleve    %s", page, a, b)
				}
				if want.Next == "" {
					break
				}
				req.After = want.Next
			}
		})
	}
}

// TestExportCollectorMatchesBleve: an export paged by the one-pass collector is
// byte for byte the export paged by Bleve's collector (several pages of
// exportPage, undated documents last).
func TestExportCollectorMatchesBleve(t *testing.T) {
	ix := MustOpen(t, "")
	var docs []*escucha.Document
	for i := range 2*exportPage + 300 {
		docs = append(docs, genDoc(i))
	}
	for i := range 3 {
		d := *genDoc(50 + i)
		d.ID, d.Published = fmt.Sprintf("undated-%d", i), time.Time{}
		docs = append(docs, &d)
	}
	MustWrite(t, ix, docs...)
	ctx := context.Background()
	slow := context.WithValue(ctx, bleveCollectorKey{}, true)
	for _, req := range []escucha.SearchRequest{{}, {Query: "extorsion"}, {Query: "mujer", Admin1: []string{"Guatemala"}}} {
		for _, format := range []string{escucha.ExportNDJSON, escucha.ExportCSV} {
			var fast, want bytes.Buffer
			if err := ix.Export(ctx, req, format, &fast); err != nil {
				t.Fatal(err)
			}
			if err := ix.Export(slow, req, format, &want); err != nil {
				t.Fatal(err)
			}
			if fast.Len() == 0 || !bytes.Equal(fast.Bytes(), want.Bytes()) {
				t.Fatalf("%q %s: one-pass export (%d bytes, %d lines) differs from Bleve's (%d bytes, %d lines)",
					req.Query, format, fast.Len(), bytes.Count(fast.Bytes(), []byte("\n")),
					want.Len(), bytes.Count(want.Bytes(), []byte("\n")))
			}
		}
	}
}
