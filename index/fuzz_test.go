package index

import (
	"context"
	"testing"

	"github.com/infosegura/escucha"
)

// FuzzParseQuery feeds the query-string entry point with hostile input: it must
// never panic, and an accepted query must run.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"feminicidio Villa Nueva", `"Ciudad Peronia" -balazos`, "extors*",
		"departamento:Cortés +masacre", "/asesin.*/", "fecha:>\"2024-05-01\"", "engagement:>10",
		"caso:a1", "x^2 y~1", `\"(`, "+", "-", "a:", ":b", "((((", "título:ñandú", "2024"} {
		f.Add(s, false)
	}
	ix := corpus(f)
	f.Fuzz(func(t *testing.T, s string, any bool) {
		q, err := parseQueryString(s, any, true)
		if _, err4 := parseQueryString(s, any, false); (err4 == nil) != (err == nil) {
			t.Fatalf("%q: format 5 parse error %v, format 4 %v", s, err, err4)
		}
		if err != nil {
			if !escucha.IsPermanent(err) {
				t.Fatalf("%q: error of kind %s, want invalid: %v", s, escucha.ErrorKind(err), err)
			}
			return
		}
		_ = q
		if _, err := ix.Search(context.Background(), escucha.SearchRequest{Query: s, AnyWord: any, Size: 3}); err != nil && !escucha.IsPermanent(err) {
			t.Fatalf("%q: search failed: %v", s, err)
		}
	})
}

// FuzzCursor: a cursor comes back from the outside world (URLs, the CLI).
func FuzzCursor(f *testing.F) {
	ix := corpus(f)
	res, err := ix.Search(context.Background(), escucha.SearchRequest{Sort: escucha.SortDate, Size: 2})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(res.Next, true)
	f.Add("r.MQ.YQ", false)
	f.Add("d..", true)
	f.Fuzz(func(t *testing.T, c string, byDate bool) {
		mode := escucha.SortRelevance
		if byDate {
			mode = escucha.SortDate
		}
		if _, err := decodeCursor(c, mode); err != nil {
			if !escucha.IsPermanent(err) {
				t.Fatalf("%q: %v", c, err)
			}
			return
		}
		if _, err := ix.Search(context.Background(), escucha.SearchRequest{Sort: mode, After: c, Size: 2}); err != nil {
			t.Fatalf("accepted cursor %q failed: %v", c, err)
		}
	})
}
