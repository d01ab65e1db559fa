package index

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

// openFormat opens a new index whose months are written in format (4 or 5).
func openFormat(t *testing.T, dir string, format int) *Index {
	t.Helper()
	if format == formatTitleText {
		testFormat = formatTitleText
		defer func() { testFormat = 0 }()
	}
	return MustOpen(t, dir)
}

// bodyQueries are the query shapes the body field changes: bare words, phrases,
// patterns, texto:, negations and groups.
var bodyQueries = []escucha.SearchRequest{
	{Query: "extorsion"},
	{Query: "femicidio Villa Nueva"},
	{Query: "asesinadas"},
	{Query: `"Ciudad Peronia"`},
	{Query: `"Alerta Isabel-Claudina"`},
	{Query: "Peronia -balazos"},
	{Query: "mujer -femicidio"},
	{Query: "Bárc*"},
	{Query: "/asesin.*/"},
	{Query: "titulo:taxistas"},
	{Query: "departamento:cortes masacre"},
	{Query: "+Peronia balazos", AnyWord: true},
	{Query: "Bárcena Peronia", AnyWord: true},
	{Query: "trata desaparecida", AnyWord: true},
	{Query: "trata desaparecida -pandilla", AnyWord: true},
	{Query: "extorsion Isabel-Claudina"},
	{Query: "de la"},
	{Query: "-extorsion"},
}

// TestBodyMatchesTitleAndText: an index written in format 5 (words in body)
// finds exactly the documents format 4 (title OR text) finds, with the same
// counts, facets and highlights, for every query shape; only scores differ.
func TestBodyMatchesTitleAndText(t *testing.T) {
	docs := MustLoad(t, "testdata/cases.jsonl")
	for i := 0; i < 300; i++ {
		docs = append(docs, genLongDoc(i, 300))
	}
	four, five := openFormat(t, "", formatTitleText), openFormat(t, "", formatBody)
	if four.body || !five.body {
		t.Fatalf("formats: 4 has body %v, 5 has body %v", four.body, five.body)
	}
	MustWrite(t, four, docs...)
	MustWrite(t, five, docs...)
	matched := 0
	for _, q := range bodyQueries {
		q.Size = 400
		q.Facets = []string{escucha.FacetCategory, escucha.FacetAdmin1, escucha.FacetSource}
		a, b := MustSearch(t, four, q), MustSearch(t, five, q)
		if a.Total != b.Total {
			t.Errorf("%q (any %v): %d matches in format 4, %d in format 5", q.Query, q.AnyWord, a.Total, b.Total)
			continue
		}
		matched += int(a.Total)
		byID := func(r *escucha.SearchResult) map[string]map[string][]string {
			out := map[string]map[string][]string{}
			for _, h := range r.Hits {
				out[h.ID] = h.Highlights
			}
			return out
		}
		ha, hb := byID(a), byID(b)
		if !slices.Equal(slices.Sorted(maps.Keys(ha)), slices.Sorted(maps.Keys(hb))) {
			t.Errorf("%q: different documents", q.Query)
			continue
		}
		for id, want := range ha {
			if got := hb[id]; !maps.EqualFunc(got, want, slices.Equal) {
				t.Errorf("%q, %s: highlights\n%q in format 5,\n%q in format 4", q.Query, id, got, want)
			}
		}
		for _, f := range q.Facets {
			if !slices.Equal(a.Facets[f].Buckets, b.Facets[f].Buckets) || a.Facets[f].Other != b.Facets[f].Other {
				t.Errorf("%q: facet %s %v, format 4 %v", q.Query, f, b.Facets[f], a.Facets[f])
			}
		}
	}
	// texto: searches body in format 5: the title's words too.
	for _, q := range []string{"texto:extorsion", `texto:"colonia" mujer`, "texto:extors*"} {
		req := escucha.SearchRequest{Query: q, Size: 400}
		a, b := MustSearch(t, four, req), MustSearch(t, five, req)
		if b.Total < a.Total || !isSubset(ids(a), ids(b)) {
			t.Errorf("%q: format 5 found %v, not all of format 4's %v", q, ids(b), ids(a))
		}
	}
	if matched < 500 {
		t.Errorf("only %d matches in all: the queries test too little", matched)
	}
}

// TestBodyRanksTitleFirst: in format 5 words in the title and the text still
// rank a document above one that has them only in its text, as in format 4.
func TestBodyRanksTitleFirst(t *testing.T) {
	when := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, format := range []int{formatTitleText, formatBody} {
		ix := openFormat(t, "", format)
		MustWrite(t, ix,
			&escucha.Document{ID: "text", Title: "Capturan a dos hombres en Mixco",
				Text: "La policía dijo que los detenidos cobraban extorsiones a tenderos de la colonia.", Published: when},
			&escucha.Document{ID: "title", Title: "Extorsiones a tenderos de Mixco",
				Text: "La policía capturó a dos hombres que cobraban extorsiones a tenderos en la colonia.", Published: when})
		res := MustSearch(t, ix, escucha.SearchRequest{Query: "extorsion tenderos"})
		var got []string
		for _, h := range res.Hits {
			got = append(got, h.ID)
		}
		if !slices.Equal(got, []string{"title", "text"}) {
			t.Errorf("format %d: order %v, want the title match first", format, got)
		}
	}
}

// TestOlderFormatKeepsNewMonthsInIt: an index holding format 4 months writes its
// new months in format 4 (one query fits every month), and finds the documents of
// both; a new index writes format 5 and keeps it when reopened.
func TestOlderFormatKeepsNewMonthsInIt(t *testing.T) {
	dir := t.TempDir()
	old := openFormat(t, dir, formatTitleText)
	may := time.Date(2024, 5, 3, 0, 0, 0, 0, time.UTC)
	MustWrite(t, old, &escucha.Document{ID: "may", Title: "Extorsión en Mixco", Text: "Cobraban la renta.", Published: may})
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	ix := MustOpen(t, dir)
	if ix.body {
		t.Fatal("an index with a format 4 month reads body")
	}
	MustWrite(t, ix, &escucha.Document{ID: "june", Title: "Capturas", Text: "Tres detenidos por extorsión.",
		Published: may.AddDate(0, 1, 0)})
	if hasBody(ix.shards["2024-06"].Mapping()) {
		t.Error("the new month of a format 4 index was written in format 5")
	}
	if got := ids(MustSearch(t, ix, escucha.SearchRequest{Query: "extorsion"})); len(got) != 2 {
		t.Errorf("found %v, want both months", got)
	}
	fresh := t.TempDir()
	ix5 := MustOpen(t, fresh)
	MustWrite(t, ix5, &escucha.Document{ID: "may", Title: "Extorsión en Mixco", Text: "Cobraban la renta.", Published: may})
	if err := ix5.Close(); err != nil {
		t.Fatal(err)
	}
	again := MustOpen(t, fresh)
	if !again.body || !hasBody(again.shards["2024-05"].Mapping()) {
		t.Error("a format 5 index reopened without body")
	}
	res, err := again.Search(context.Background(), escucha.SearchRequest{Query: "renta"})
	if err != nil || res.Total != 1 {
		t.Errorf("search after reopening: %v, %v", res, err)
	}
}

func isSubset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}
