package index

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

type tLogWriter struct{ t testing.TB }

func (w tLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tLogWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// MustOpen opens an index in dir (a new temp dir when empty).
func MustOpen(tb testing.TB, dir string) *Index {
	tb.Helper()
	if dir == "" {
		dir = tb.TempDir()
	}
	ix, err := Open(Config{Dir: dir}, testLogger(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return ix
}

// MustLoad reads a JSON-Lines file of documents.
func MustLoad(tb testing.TB, path string) []*escucha.Document {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []*escucha.Document
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		d, err := escucha.DecodeDocument(sc.Bytes())
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

func MustWrite(tb testing.TB, ix *Index, docs ...*escucha.Document) {
	tb.Helper()
	if err := ix.Write(context.Background(), docs); err != nil {
		tb.Fatal(err)
	}
}

func MustSearch(tb testing.TB, ix *Index, req escucha.SearchRequest) *escucha.SearchResult {
	tb.Helper()
	res, err := ix.Search(context.Background(), req)
	if err != nil {
		tb.Fatalf("search %+v: %v", req, err)
	}
	return res
}

func ids(res *escucha.SearchResult) []string {
	var out []string
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	slices.Sort(out)
	return out
}

// corpus opens an index holding testdata/cases.jsonl.
func corpus(tb testing.TB) *Index {
	ix := MustOpen(tb, "")
	MustWrite(tb, ix, MustLoad(tb, "testdata/cases.jsonl")...)
	return ix
}

func TestSpanishQueries(t *testing.T) {
	ix := corpus(t)
	tests := []struct {
		name, q string
		want    []string // every id expected (exact set)
	}{
		{"accent folded", "extorsion", []string{"c1", "c2", "c3", "d1", "d2"}},
		{"accent in query", "EXTORSIÓN", []string{"c1", "c2", "c3", "d1", "d2"}},
		{"plural and gender", "asesinadas", []string{"a4", "b3", "c1", "e2", "f1"}},
		{"all words required", "femicidio Villa Nueva", []string{"a1", "a2"}},
		{"phrase", `"Ciudad Peronia"`, []string{"b1", "b2", "b3"}},
		{"must not", `Peronia -balazos`, []string{"b2", "b3"}},
		{"wildcard folded", "Bárc*", []string{"j1", "j2"}},
		{"field keyword folded", "departamento:cortes masacre", []string{"e1", "e2", "e3"}},
		{"field category", "categoria:crimen_organizado", []string{"d2", "e2"}},
		{"stop words only dropped", "de la Rivera Hernández", []string{"e1", "e2", "e3"}},
		{"ñ folded", "nino", nil},
		{"title field", "titulo:taxistas", []string{"f1", "f2"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := MustSearch(t, ix, escucha.SearchRequest{Query: tc.q, Size: 50})
			if got := ids(res); !slices.Equal(got, tc.want) {
				t.Errorf("%q: got %v, want %v", tc.q, got, tc.want)
			}
			if int(res.Total) != len(tc.want) {
				t.Errorf("total %d, want %d", res.Total, len(tc.want))
			}
		})
	}
	t.Run("any word", func(t *testing.T) {
		res := MustSearch(t, ix, escucha.SearchRequest{Query: "Bárcena Peronia", AnyWord: true, Size: 50})
		if res.Total != 5 {
			t.Errorf("any word total %d, want 5 (%v)", res.Total, ids(res))
		}
	})
	t.Run("bad queries", func(t *testing.T) {
		for _, q := range []string{"foo:bar", `"sin cerrar`, "engagement:mucho", strings.Repeat("a ", MaxQueryLen)} {
			_, err := ix.Search(context.Background(), escucha.SearchRequest{Query: q})
			if !escucha.IsPermanent(err) {
				t.Errorf("%q: want invalid error, got %v", q, err)
			}
		}
	})
}

func TestHighlights(t *testing.T) {
	ix := corpus(t)
	res := MustSearch(t, ix, escucha.SearchRequest{Query: "extorsion", Size: 1, Sort: escucha.SortDate})
	if len(res.Hits) != 1 {
		t.Fatalf("no hit")
	}
	h := res.Hits[0]
	all := strings.Join(h.Highlights["text"], " ") + strings.Join(h.Highlights["title"], " ")
	if !strings.Contains(all, "<mark>extorsiones</mark>") && !strings.Contains(all, "<mark>extorsión</mark>") {
		t.Errorf("highlights %v lack the accented word marked", h.Highlights)
	}
}

func TestHighlightEscapesHTML(t *testing.T) {
	ix := MustOpen(t, "")
	MustWrite(t, ix, &escucha.Document{ID: "x", Title: `<script>alert(1)</script> extorsión`,
		Text: "texto", Published: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)})
	res := MustSearch(t, ix, escucha.SearchRequest{Query: "extorsion"})
	got := strings.Join(res.Hits[0].Highlights["title"], "")
	if strings.Contains(got, "<script>") || !strings.Contains(got, "&lt;script&gt;") {
		t.Errorf("highlight not escaped: %q", got)
	}
}

func TestFilters(t *testing.T) {
	ix := corpus(t)
	may := func(d int) time.Time { return time.Date(2024, 5, d, 0, 0, 0, 0, DefaultLocation) }
	tests := []struct {
		name string
		req  escucha.SearchRequest
		want int
	}{
		{"category", escucha.SearchRequest{Categories: []string{"femicidio"}}, 9},
		{"categories or", escucha.SearchRequest{Categories: []string{"robo", "desaparicion"}}, 7},
		{"admin1 folded", escucha.SearchRequest{Admin1: []string{"CORTES"}}, 5},
		{"admin2", escucha.SearchRequest{Admin2: []string{"mixco"}}, 5},
		{"country", escucha.SearchRequest{Countries: []string{"sv"}}, 3},
		{"platform", escucha.SearchRequest{Platforms: []string{"mastodon"}}, 3},
		{"source", escucha.SearchRequest{Sources: []string{"Diario-Centro"}}, 5},
		{"kind", escucha.SearchRequest{Kinds: []string{"post"}}, 5},
		{"date range", escucha.SearchRequest{From: may(4), To: may(5)}, 3},
		{"text and filter", escucha.SearchRequest{Query: "balazos", Admin2: []string{"Villa Nueva"}}, 1},
		{"near", escucha.SearchRequest{Near: &escucha.GeoNear{Lat: 14.53, Lon: -90.59, Km: 5}}, 9},
		{"bbox", escucha.SearchRequest{BBox: &escucha.GeoBBox{North: 16, West: -89, South: 15, East: -87}}, 5},
		{"and across filters", escucha.SearchRequest{Categories: []string{"homicidio"}, Admin2: []string{"Mixco"}}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := ix.Count(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if int(n) != tc.want {
				t.Errorf("count %d, want %d", n, tc.want)
			}
		})
	}
}

func TestUpsertAndDelete(t *testing.T) {
	ix := MustOpen(t, "")
	ctx := context.Background()
	t0 := time.Date(2024, 3, 30, 12, 0, 0, 0, time.UTC)
	v := func(version int64, title string, pub time.Time) *escucha.Document {
		return &escucha.Document{ID: "doc", Version: version, Title: title, Published: pub, Text: "x"}
	}
	MustWrite(t, ix, v(2, "segunda versión", t0))
	MustWrite(t, ix, v(1, "primera versión", t0)) // older: ignored
	if d, _ := ix.Get(ctx, "doc"); d == nil || d.Title != "segunda versión" {
		t.Fatalf("older version overwrote newer: %+v", d)
	}
	MustWrite(t, ix, v(3, "tercera versión", t0.AddDate(0, 1, 0))) // moves to April
	if n, _ := ix.DocCount(); n != 1 {
		t.Fatalf("doc count %d after month move, want 1", n)
	}
	if d, _ := ix.Get(ctx, "doc"); d == nil || d.Title != "tercera versión" {
		t.Fatalf("newer version not stored: %+v", d)
	}
	// a batch with two versions of one id keeps the newest
	MustWrite(t, ix, v(5, "quinta", t0), v(4, "cuarta", t0))
	if d, _ := ix.Get(ctx, "doc"); d.Title != "quinta" {
		t.Fatalf("in-batch newest lost: %q", d.Title)
	}
	del := v(6, "", t0)
	del.Deleted = true
	MustWrite(t, ix, del)
	if _, err := ix.Get(ctx, "doc"); escucha.ErrorKind(err) != escucha.ENotFound {
		t.Fatalf("deleted document still there: %v", err)
	}
	// an older version arriving after the delete does not resurrect it
	MustWrite(t, ix, v(5, "quinta tardía", t0))
	if _, err := ix.Get(ctx, "doc"); escucha.ErrorKind(err) != escucha.ENotFound {
		t.Fatalf("older version resurrected a deleted document: %v", err)
	}
	// after reopening, versions still rule
	dir := ix.cfg.Dir
	MustWrite(t, ix, v(7, "séptima", t0))
	ix.Close()
	ix2 := MustOpen(t, dir)
	MustWrite(t, ix2, v(6, "sexta", t0), v(7, "séptima", t0))
	if d, _ := ix2.Get(ctx, "doc"); d == nil || d.Title != "séptima" {
		t.Fatalf("after reopen: %+v", d)
	}
	if n, _ := ix2.DocCount(); n != 1 {
		t.Fatalf("doc count %d, want 1", n)
	}
}

func TestStoredRoundTrip(t *testing.T) {
	ix := corpus(t)
	want := MustLoad(t, "testdata/cases.jsonl")[0]
	got, err := ix.Get(context.Background(), want.ID)
	if err != nil {
		t.Fatal(err)
	}
	want.ClusterID = got.ClusterID
	a, _ := json.Marshal(want)
	b, _ := json.Marshal(got)
	if !bytes.Equal(a, b) {
		t.Errorf("stored document differs:\n got %s\nwant %s", b, a)
	}
}

// pageAll follows search-after cursors from req for at most maxPages pages and
// returns the pages; it fails on a hit seen before and, sorted by date, on a hit
// newer than the one before it.
func pageAll(t *testing.T, ix *Index, req escucha.SearchRequest, maxPages int) [][]escucha.Hit {
	t.Helper()
	seen := map[string]bool{}
	var pages [][]escucha.Hit
	var last time.Time
	for page := 0; page < maxPages; page++ {
		res := MustSearch(t, ix, req)
		for _, h := range res.Hits {
			if seen[h.ID] {
				t.Fatalf("page %d repeats %s", page, h.ID)
			}
			seen[h.ID] = true
			if req.Sort == escucha.SortDate && !last.IsZero() && h.Published.After(last) {
				t.Fatalf("not newest first at %s", h.ID)
			}
			last = h.Published
		}
		pages = append(pages, res.Hits)
		if res.Next == "" {
			break
		}
		req.After = res.Next
	}
	return pages
}

func TestSearchAfter(t *testing.T) {
	ix := corpus(t)
	for _, sortMode := range []string{escucha.SortDate, escucha.SortRelevance} {
		t.Run(sortMode, func(t *testing.T) {
			req := escucha.SearchRequest{Query: "", Sort: sortMode, Size: 4, Facets: []string{}}
			if sortMode == escucha.SortRelevance {
				req.Query = "mujer OR extorsion OR taxista"
				req.AnyWord = true
			}
			total := MustSearch(t, ix, req).Total
			n := 0
			for _, page := range pageAll(t, ix, req, 20) {
				n += len(page)
			}
			if n != int(total) || total == 0 {
				t.Errorf("paged %d of %d", n, total)
			}
		})
	}
	t.Run("cursor of another sort", func(t *testing.T) {
		res := MustSearch(t, ix, escucha.SearchRequest{Sort: escucha.SortDate, Size: 2})
		_, err := ix.Search(context.Background(), escucha.SearchRequest{Sort: escucha.SortRelevance, After: res.Next})
		if !escucha.IsPermanent(err) {
			t.Errorf("want invalid cursor error, got %v", err)
		}
	})
}

func TestFacetsAndCases(t *testing.T) {
	ix := corpus(t)
	res := MustSearch(t, ix, escucha.SearchRequest{Categories: []string{"femicidio"}, ByCase: true,
		Facets: []string{escucha.FacetPlatform, escucha.FacetAdmin2}})
	if res.Total != 9 {
		t.Fatalf("total %d", res.Total)
	}
	if res.Cases != 3 {
		t.Errorf("cases %d, want 3 (A, B, J)", res.Cases)
	}
	got := map[string]int{}
	for _, b := range res.Facets[escucha.FacetPlatform].Buckets {
		got[b.Key] = b.Count
	}
	if got["news"] != 7 || got["mastodon"] != 1 || got["telegram"] != 1 {
		t.Errorf("platform facet %v", got)
	}
	cf := res.CaseFacets[escucha.FacetAdmin2]
	if len(cf.Buckets) != 1 || cf.Buckets[0].Key != "Villa Nueva" || cf.Buckets[0].Count != 3 {
		t.Errorf("case facet %+v, want Villa Nueva: 3", cf)
	}
}

func TestHistogram(t *testing.T) {
	ix := corpus(t)
	may := func(d int) time.Time { return time.Date(2024, 5, d, 0, 0, 0, 0, DefaultLocation) }
	res := MustSearch(t, ix, escucha.SearchRequest{Query: "extorsion", Histogram: escucha.IntervalDay,
		From: may(3), To: may(8)})
	h := res.Histogram
	if h == nil || len(h.Buckets) != 5 {
		t.Fatalf("histogram %+v, want 5 days", h)
	}
	want := map[string][2]int{"2024-05-03": {0, 3}, "2024-05-04": {3, 3}, "2024-05-05": {0, 3},
		"2024-05-06": {2, 3}, "2024-05-07": {0, 0}}
	for _, b := range h.Buckets {
		w := want[b.Key]
		if b.Count != w[0] || b.All != w[1] {
			t.Errorf("%s: count %d all %d, want %v", b.Key, b.Count, b.All, w)
		}
	}
	if h.Buckets[1].Share != 1 {
		t.Errorf("share of 05-04 %v, want 1", h.Buckets[1].Share)
	}
	wk := MustSearch(t, ix, escucha.SearchRequest{Histogram: escucha.IntervalWeek})
	sum := 0
	for _, b := range wk.Histogram.Buckets {
		if b.Start.Weekday() != time.Monday {
			t.Errorf("week %s does not start on Monday", b.Key)
		}
		sum += b.Count
	}
	if sum != 26 {
		t.Errorf("weeks sum %d, want 26", sum)
	}
}

func TestCollapse(t *testing.T) {
	ix := MustOpen(t, "")
	pub := time.Date(2024, 6, 2, 10, 0, 0, 0, time.UTC)
	orig := &escucha.Document{ID: "orig", Source: "agencia", Title: "Capturan a extorsionista en Chinautla", Text: "nota de agencia", Published: pub}
	docs := []*escucha.Document{orig}
	for i, s := range []string{"medio-a", "medio-b", "medio-b"} {
		docs = append(docs, &escucha.Document{ID: "copia" + string(rune('1'+i)), DupOf: "orig", Source: s,
			Title: orig.Title, Text: orig.Text, Published: pub.Add(time.Duration(i+1) * time.Minute)})
	}
	docs = append(docs, &escucha.Document{ID: "otra", Source: "medio-c", Title: "Otra extorsión en Chinautla", Published: pub})
	MustWrite(t, ix, docs...)
	res := MustSearch(t, ix, escucha.SearchRequest{Query: "extorsionista Chinautla", AnyWord: true, Collapse: true, Sort: escucha.SortDate})
	if len(res.Hits) != 2 {
		t.Fatalf("collapsed hits %v, want 2 groups", ids(res))
	}
	g := res.Hits[0]
	if dupKeyOf(g) != "orig" || g.Copies != 4 || g.Outlets != 3 {
		t.Errorf("group %+v: want orig with 4 copies by 3 outlets", g)
	}
	// one group per page: every group once, then the end
	req := escucha.SearchRequest{Query: "Chinautla", Collapse: true, Sort: escucha.SortDate, Size: 1}
	var groups []string
	for range 5 {
		res := MustSearch(t, ix, req)
		for _, h := range res.Hits {
			groups = append(groups, dupKeyOf(h))
		}
		if res.Next == "" {
			break
		}
		req.After = res.Next
	}
	if !slices.Equal(groups, []string{"orig", "otra"}) && !slices.Equal(groups, []string{"otra", "orig"}) {
		t.Errorf("paged groups %v, want orig and otra once each", groups)
	}
}

func TestExport(t *testing.T) {
	ix := corpus(t)
	MustWrite(t, ix, &escucha.Document{ID: "=cmd", Title: "=HYPERLINK(\"http://x\")", Text: "+1 extorsion",
		Source: "@fuente", Published: time.Date(2024, 5, 20, 0, 0, 0, 0, time.UTC)})
	ctx := context.Background()
	req := escucha.SearchRequest{Query: "extorsion", Size: 1}
	var csvOut, nd bytes.Buffer
	if err := ix.Export(ctx, req, escucha.ExportCSV, &csvOut); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&csvOut).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 7 { // header + 6 matches, not one page of 1
		t.Fatalf("csv rows %d, want 7", len(rows))
	}
	for _, r := range rows[1:] {
		for _, c := range r {
			if c != "" && strings.ContainsRune("=+-@", rune(c[0])) {
				t.Errorf("formula cell %q not neutralised", c)
			}
		}
	}
	if err := ix.Export(ctx, req, escucha.ExportNDJSON, &nd); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(nd.String()), "\n")
	if len(lines) != 6 {
		t.Fatalf("ndjson lines %d, want 6", len(lines))
	}
	d, err := escucha.DecodeDocument([]byte(lines[0]))
	if err != nil || d.ID != "=cmd" || d.Title != "=HYPERLINK(\"http://x\")" {
		t.Errorf("ndjson first line %v %v: want the raw newest document", d, err)
	}
	if err := ix.Export(ctx, req, "xls", &nd); !escucha.IsPermanent(err) {
		t.Errorf("unknown format: %v", err)
	}
}

func TestSignificantTerms(t *testing.T) {
	ix := corpus(t)
	res := MustSearch(t, ix, escucha.SearchRequest{Categories: []string{"desaparicion"}, Terms: 5})
	if len(res.Terms) == 0 {
		t.Fatal("no significant terms")
	}
	var terms []string
	for _, tm := range res.Terms {
		terms = append(terms, tm.Term)
		if tm.Background < tm.Count {
			t.Errorf("term %+v: background below foreground", tm)
		}
	}
	if !slices.Contains(terms, "marleny") && !slices.Contains(terms, "tzul") {
		t.Errorf("terms %v lack the missing woman's name", terms)
	}
}

func TestRetention(t *testing.T) {
	ix := MustOpen(t, "")
	for m := 1; m <= 4; m++ {
		MustWrite(t, ix, &escucha.Document{ID: time.Month(m).String(), Title: "nota",
			Published: time.Date(2024, time.Month(m), 15, 0, 0, 0, 0, time.UTC)})
	}
	dropped, err := ix.Drop(context.Background(), time.Date(2024, 3, 1, 0, 0, 0, 0, DefaultLocation))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dropped, []string{"2024-01", "2024-02"}) {
		t.Errorf("dropped %v", dropped)
	}
	if got := ix.Months(); !slices.Equal(got, []string{"2024-03", "2024-04"}) {
		t.Errorf("months left %v", got)
	}
	if n, _ := ix.Count(context.Background(), escucha.SearchRequest{}); n != 2 {
		t.Errorf("count %d after retention, want 2", n)
	}
	if _, err := os.Stat(ix.cfg.Dir + "/2024-01"); !os.IsNotExist(err) {
		t.Errorf("dropped month still on disk: %v", err)
	}
}

func TestEmptyIndex(t *testing.T) {
	ix := MustOpen(t, "")
	res := MustSearch(t, ix, escucha.SearchRequest{Query: "extorsión", Histogram: escucha.IntervalMonth})
	if res.Total != 0 || len(res.Hits) != 0 {
		t.Errorf("empty index answered %+v", res)
	}
}

// TestGCPercent: Config.GCPercent holds from Open to Close, then the previous
// target is back; a negative one is refused.
func TestGCPercent(t *testing.T) {
	gc := func() int { p := debug.SetGCPercent(100); debug.SetGCPercent(p); return p }
	before := gc()
	ix, err := Open(Config{Dir: t.TempDir(), GCPercent: before + 300}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if got := gc(); got != before+300 {
		t.Errorf("GC percent %d while open, want %d", got, before+300)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	if got := gc(); got != before {
		t.Errorf("GC percent %d after Close, want %d", got, before)
	}
	if _, err := Open(Config{Dir: t.TempDir(), GCPercent: -1}, testLogger(t)); err == nil {
		t.Error("negative GC percent accepted")
	}
}

// TestBulkUpserts: with UnsafeBatch a Write returns while its batches are still
// being built; the next Write must still see them (versions, month moves,
// deletes), with no search in between to wait for them.
func TestBulkUpserts(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2024, 3, 30, 12, 0, 0, 0, time.UTC)
	v := func(id string, version int64, title string, pub time.Time) *escucha.Document {
		return &escucha.Document{ID: id, Version: version, Title: title, Published: pub, Text: "x"}
	}
	del := func(id string, version int64) *escucha.Document {
		d := v(id, version, "", t0)
		d.Deleted = true
		return d
	}
	writes := [][]*escucha.Document{
		{v("a", 2, "a2", t0), v("b", 1, "b1", t0), v("c", 1, "c1", t0)},
		{v("a", 1, "a1", t0), v("b", 2, "b2", t0.AddDate(0, 1, 0))}, // a: older, ignored; b: moves to April
		{v("b", 3, "b3", t0.AddDate(0, 2, 0)), del("c", 2)},         // b: moves again; c: deleted
		{v("c", 1, "c1 tardía", t0), v("a", 3, "a3", t0)},           // c: stays deleted
	}
	for _, unsafe := range []bool{true, false} {
		t.Run(fmt.Sprintf("unsafe=%v", unsafe), func(t *testing.T) {
			dir := t.TempDir()
			ix, err := Open(Config{Dir: dir, UnsafeBatch: unsafe}, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range writes {
				if err := ix.Write(ctx, w); err != nil {
					t.Fatal(err)
				}
			}
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			again := MustOpen(t, dir)
			if n, err := again.DocCount(); err != nil || n != 2 {
				t.Errorf("doc count %d (%v), want 2", n, err)
			}
			for id, want := range map[string]string{"a": "a3", "b": "b3"} {
				if d, err := again.Get(ctx, id); err != nil || d.Title != want {
					t.Errorf("%s: %+v (%v), want title %s", id, d, err, want)
				}
			}
			if _, err := again.Get(ctx, "c"); escucha.ErrorKind(err) != escucha.ENotFound {
				t.Errorf("deleted c came back: %v", err)
			}
		})
	}
}
