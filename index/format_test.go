package index

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/infosegura/escucha"
)

// formatOneMapping is the mapping of shards created before the sort keys and the
// version 2 analyzers (format 1).
func formatOneMapping() mapping.IndexMapping {
	im := newMapping().(*mapping.IndexMappingImpl)
	delete(im.DefaultMapping.Properties, fSortID)
	delete(im.DefaultMapping.Properties, fSortDate)
	for _, f := range []string{fTitle, fText} {
		im.DefaultMapping.Properties[f].Fields[0].Analyzer = analyzerTextV1
	}
	im.DefaultMapping.Properties[fTitleTerms].Fields[0].Analyzer = analyzerTermsV1
	im.DefaultAnalyzer = analyzerTextV1
	return im
}

// TestFormatOneMonths: months written by the previous format stay searchable
// beside new ones, with the same Spanish matching, and deep paging stays exact
// (the legacy sort by _id is used while such a month is in the view).
func TestFormatOneMonths(t *testing.T) {
	dir := t.TempDir()
	docs := MustLoad(t, "testdata/cases.jsonl")
	// Every other dated case, moved one year back, goes to format-1 shards written
	// directly, as the previous version of the package left them.
	old := map[string]bool{}
	shards := map[string]bleve.Index{}
	months := MustOpen(t, t.TempDir())
	var rest []*escucha.Document
	for i, d := range docs {
		if i%2 == 1 || d.Deleted || d.Published.IsZero() {
			rest = append(rest, d)
			continue
		}
		c := *d
		c.Published = c.Published.AddDate(-1, 0, 0)
		if c.ClusterID == "" {
			c.ClusterID = c.ID
		}
		m := months.monthOf(&c)
		if shards[m] == nil {
			s, err := bleve.New(filepath.Join(dir, m), formatOneMapping())
			if err != nil {
				t.Fatal(err)
			}
			shards[m] = s
		}
		rec, err := record(&c, DefaultLocation)
		if err != nil {
			t.Fatal(err)
		}
		delete(rec, fSortID)
		delete(rec, fSortDate)
		if err := shards[m].Index(c.ID, rec); err != nil {
			t.Fatal(err)
		}
		old[c.ID] = true
	}
	for _, s := range shards {
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if len(old) < 5 || len(rest) < 5 {
		t.Fatalf("%d old and %d new cases: too few", len(old), len(rest))
	}
	ix := MustOpen(t, dir)
	MustWrite(t, ix, rest...)
	if len(ix.legacy) != len(shards) {
		t.Fatalf("legacy months %v, want the %d format-1 months", ix.legacy, len(shards))
	}
	for _, sortMode := range []string{escucha.SortDate, escucha.SortRelevance} {
		t.Run(sortMode, func(t *testing.T) {
			req := escucha.SearchRequest{Sort: sortMode, Size: 3, Facets: []string{}}
			if sortMode == escucha.SortRelevance {
				req.Query, req.AnyWord = "mujer extorsion taxista asesinadas", true
			}
			total := MustSearch(t, ix, req).Total
			n, sawOld := 0, false
			for _, page := range pageAll(t, ix, req, 50) {
				for _, h := range page {
					n++
					sawOld = sawOld || old[h.ID]
					// Hits come from several months; each is loaded and highlighted
					// from its own (fetch).
					if h.Published.IsZero() || h.Source == "" {
						t.Errorf("%s: stored fields not loaded: %+v", h.ID, h)
					}
					if req.Query != "" && len(h.Highlights) == 0 {
						t.Errorf("%s: no highlights", h.ID)
					}
				}
			}
			if n != int(total) || total == 0 || !sawOld {
				t.Errorf("paged %d of %d (old month seen: %v)", n, total, sawOld)
			}
		})
	}
	// Accent folding and stemming in the old month (its own analyzer).
	res, err := ix.Search(context.Background(), escucha.SearchRequest{Query: "EXTORSIÓN", Size: 50, Facets: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	want := MustSearch(t, corpus(t), escucha.SearchRequest{Query: "EXTORSIÓN", Size: 50, Facets: []string{}})
	if res.Total != want.Total {
		t.Errorf("mixed-format index found %d for EXTORSIÓN, one-format index %d", res.Total, want.Total)
	}
}

// TestFilterKeepsScores: a filter joined as a zero-boost conjunct (combine)
// gives the same hits, order and scores as Bleve's BooleanQuery.Filter.
func TestFilterKeepsScores(t *testing.T) {
	ix := corpus(t)
	for _, req := range []escucha.SearchRequest{
		{Query: "mujer", Admin1: []string{"Guatemala"}},
		{Query: "extorsion OR asesinadas", AnyWord: true, Countries: []string{"GT", "HN"}},
		{Query: `"Ciudad Peronia" -balazos`, Categories: []string{"homicidio", "femicidio"}},
		{Query: "asesinadas OR extorsion OR mujer", AnyWord: true, From: time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)},
		{Query: "mujer", Platforms: []string{"news"}, Admin2: []string{"Villa Nueva"}},
	} {
		t.Run(req.Query, func(t *testing.T) {
			p, err := ix.plan(req)
			if err != nil {
				t.Fatal(err)
			}
			if p.filter == nil || p.text == nil {
				t.Fatal("want text and filter")
			}
			old := query.NewBooleanQuery([]query.Query{p.text}, nil, nil)
			old.Filter = p.filter
			run := func(q query.Query) []*search.DocumentMatch {
				r := bleve.NewSearchRequestOptions(q, 100, 0, false)
				r.SortByCustom(sortOrder(escucha.SortRelevance, false))
				res, err := p.run(context.Background(), r)
				if err != nil {
					t.Fatal(err)
				}
				return res.Hits
			}
			want, got := run(old), run(p.query)
			if len(want) == 0 {
				t.Fatal("the filtered query matches nothing: a useless case")
			}
			if len(got) != len(want) {
				t.Fatalf("%d hits, Filter gives %d", len(got), len(want))
			}
			for i := range want {
				if got[i].ID != want[i].ID || math.Abs(got[i].Score-want[i].Score) > 1e-9*math.Abs(want[i].Score) {
					t.Errorf("hit %d: %s %.6f, Filter gives %s %.6f", i, got[i].ID, got[i].Score, want[i].ID, want[i].Score)
				}
			}
		})
	}
}

// TestNewestFirstPaging: by date over many months (newestFirst reads only the
// newest months holding the page) every match comes exactly once, newest first,
// and totals and facets are those of one pass over every month.
func TestNewestFirstPaging(t *testing.T) {
	ix := MustOpen(t, "")
	var docs []*escucha.Document
	for i := range 400 {
		docs = append(docs, genDoc(i))
	}
	MustWrite(t, ix, docs...)
	if len(ix.Months()) < 12 {
		t.Fatalf("only %d months", len(ix.Months()))
	}
	for _, req := range []escucha.SearchRequest{
		{Sort: escucha.SortDate, Size: 7, Facets: []string{escucha.FacetCategory, escucha.FacetAdmin1}},
		{Query: "extorsion", Sort: escucha.SortDate, Size: 5, Facets: []string{escucha.FacetCategory}},
		{Query: "mujer", Admin1: []string{"Guatemala"}, Sort: escucha.SortDate, Size: 3,
			From: time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 9, 1, 0, 0, 0, 0, time.UTC)},
	} {
		t.Run(req.Query, func(t *testing.T) {
			first := MustSearch(t, ix, req)
			// One pass over every month, as before newestFirst.
			p, err := ix.plan(req)
			if err != nil {
				t.Fatal(err)
			}
			one := bleve.NewSearchRequestOptions(p.query, p.req.Size, 0, false)
			one.SortByCustom(sortOrder(escucha.SortDate, false))
			for _, f := range p.req.Facets {
				one.AddFacet(f, bleve.NewFacetRequest(facetFields[f], 1000))
			}
			want, err := p.run(context.Background(), one)
			if err != nil {
				t.Fatal(err)
			}
			if first.Total != want.Total || want.Total < 10 {
				t.Fatalf("total %d, one pass %d", first.Total, want.Total)
			}
			for _, f := range p.req.Facets {
				if a, b := fmt.Sprint(first.Facets[f].Buckets), fmt.Sprint(facet(want.Facets[f], p.req.FacetSize).Buckets); a != b {
					t.Errorf("facet %s: %s, one pass %s", f, a, b)
				}
			}
			pages := pageAll(t, ix, req, 200)
			n := 0
			for i, page := range pages {
				if i < len(pages)-1 && len(page) != req.Size {
					t.Fatalf("page %d has %d hits and a next cursor", i, len(page))
				}
				n += len(page)
			}
			if n != int(first.Total) {
				t.Errorf("paged %d of %d", n, first.Total)
			}
		})
	}
}

// TestUnsafeBatchCloseKeepsAll: with UnsafeBatch, Write returns before the batch
// is on disk, and Close must wait for it (scorch's own Close does not: 79 to
// 4 921 of 200 000 documents were missing after a bulk load before this).
func TestUnsafeBatchCloseKeepsAll(t *testing.T) {
	dir := t.TempDir()
	ix, err := Open(Config{Dir: dir, UnsafeBatch: true, ClusterWindow: -1}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	const n, batch = 3000, 500
	for i := 0; i < n; i += batch {
		var docs []*escucha.Document
		for j := i; j < i+batch; j++ {
			docs = append(docs, genLongDoc(j, n))
		}
		MustWrite(t, ix, docs...)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	again := MustOpen(t, dir)
	if got, err := again.DocCount(); err != nil || got != n {
		t.Errorf("%d documents after Close and Open (%v), want %d", got, err, n)
	}
}

// formatThreeMapping is the mapping of shards created before format 4 (fetched
// indexed, the geopoint's lat and lon walked as dynamic numbers).
func formatThreeMapping() mapping.IndexMapping {
	im := newMapping().(*mapping.IndexMappingImpl)
	im.DefaultMapping.Properties[fFetched].Fields[0].Index = true
	im.DefaultMapping.Properties[fGeo].Dynamic = true
	return im
}

// TestBuilderMatchesMapping: for the current mapping and format 3's, the
// builder makes, for every record, the fields Bleve's mapping walk makes (but,
// in format 3, geo.lat and geo.lon, neither indexed nor stored), with the same
// options, stored values and, after analysis, the same lengths, terms,
// frequencies and locations. Format 1 mappings are refused.
func TestBuilderMatchesMapping(t *testing.T) {
	if _, err := newBuilder(formatOneMapping()); err == nil {
		t.Error("a builder for format 1 (unicode tokenizer)")
	}
	for _, m := range []mapping.IndexMapping{newMapping(), formatThreeMapping()} {
		builderMatchesMapping(t, m)
	}
}

func builderMatchesMapping(t *testing.T, m mapping.IndexMapping) {
	b, err := newBuilder(m)
	if err != nil {
		t.Fatal(err)
	}
	docs := MustLoad(t, "testdata/cases.jsonl")
	for i := 0; i < 100; i++ {
		docs = append(docs, genLongDoc(i*7, 700))
	}
	odd := *docs[0]
	odd.ID, odd.Title, odd.Text = "odd", "ȺȾ ΣΟΦΟΣ İSTANBUL", "EXTORSIÓN en la ZONA 18: Feminicidio. 日本語 e\u0301xito"
	odd.Lang, odd.Source, odd.URL = "", "Diario ÁNGEL", "https://ejemplo.gt/a?b=1"
	odd.Fetched = time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	docs = append(docs, &odd)
	describe := func(doc *document.Document) map[string][]string {
		out := map[string][]string{}
		doc.VisitFields(func(f index.Field) {
			if f.Name() == "geo.lat" || f.Name() == "geo.lon" {
				return
			}
			df := f.(document.Field)
			s := fmt.Sprintf("pos=%v opts=%v type=%c value=%q", df.ArrayPositions(), f.Options(),
				df.EncodedFieldType(), f.Value())
			if f.Options().IsIndexed() {
				f.Analyze()
				s += fmt.Sprintf(" len=%d", f.AnalyzedLength())
				tf := f.AnalyzedTokenFrequencies()
				terms := make([]string, 0, len(tf))
				for k := range tf {
					terms = append(terms, k)
				}
				slices.Sort(terms)
				for _, k := range terms {
					s += fmt.Sprintf(" %q(%q)x%d", k, tf[k].Term, tf[k].Frequency())
					for _, l := range tf[k].Locations {
						s += fmt.Sprintf("@%d-%d#%d%v", l.Start, l.End, l.Position, l.ArrayPositions)
					}
				}
			}
			out[f.Name()] = append(out[f.Name()], s)
		})
		return out
	}
	for _, d := range docs {
		if d.Deleted {
			continue
		}
		c := *d
		if c.ClusterID == "" {
			c.ClusterID = c.ID
		}
		rec, err := record(&c, DefaultLocation)
		if err != nil {
			t.Fatal(err)
		}
		want := document.NewDocument(c.ID)
		if err := m.MapDocument(want, rec); err != nil {
			t.Fatal(err)
		}
		got, err := b.document(c.ID, rec)
		if err != nil {
			t.Fatal(err)
		}
		w, g := describe(want), describe(got)
		if len(w) != len(g) || len(w) < 20 {
			t.Errorf("%s: %d fields, mapping walk %d", c.ID, len(g), len(w))
		}
		for name, ws := range w {
			gs := g[name]
			slices.Sort(ws)
			slices.Sort(gs)
			if !slices.Equal(ws, gs) {
				t.Errorf("%s field %s:\n builder %v\n mapping %v", c.ID, name, gs, ws)
			}
		}
		if len(got.CompositeFields) != len(want.CompositeFields) || got.Indexed() != want.Indexed() {
			t.Errorf("%s: composite %d/%d, indexed %v/%v", c.ID, len(got.CompositeFields),
				len(want.CompositeFields), got.Indexed(), want.Indexed())
		}
	}
}

// TestDirectShards: after a reopen, months of formats 2 to 4 get a builder of
// their own mapping; format 1 months (another tokenizer) go through the walk.
func TestDirectShards(t *testing.T) {
	dir := t.TempDir()
	ix := MustOpen(t, dir)
	MustWrite(t, ix, genDoc(1), genDoc(2))
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	old, err := bleve.New(filepath.Join(dir, "2019-01"), formatOneMapping())
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	three, err := bleve.New(filepath.Join(dir, "2019-02"), formatThreeMapping())
	if err != nil {
		t.Fatal(err)
	}
	if err := three.Close(); err != nil {
		t.Fatal(err)
	}
	again := MustOpen(t, dir)
	for _, m := range again.Months() {
		if want := m != "2019-01"; (again.builders[m] != nil) != want {
			t.Errorf("month %s: builder %v, want %v", m, again.builders[m] != nil, want)
		}
	}
	if _, ok := again.builders["2019-02"].specs[fSortID]; !ok {
		t.Error("format 3 month: its builder lacks the sort keys")
	}
}
