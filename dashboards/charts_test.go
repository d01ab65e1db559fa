package dashboards

import (
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

func TestFitInterval(t *testing.T) {
	to := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		days int
		want escucha.Interval
	}{{7, escucha.IntervalDay}, {42, escucha.IntervalDay}, {90, escucha.IntervalWeek}, {366, escucha.IntervalWeek}, {800, escucha.IntervalMonth}} {
		if got := fitInterval(to.AddDate(0, 0, -tc.days), to); got != tc.want {
			t.Errorf("%d days: %s, want %s", tc.days, got, tc.want)
		}
	}
}

// Several series get an HTML legend (escaped) below the chart, not one drawn over it.
func TestChartLegendIsHTML(t *testing.T) {
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	pts := []time.Time{t0, t0.AddDate(0, 0, 1)}
	out := string(timeChart("Documentos <por> categoría", []chartSeries{
		{Name: "Femicidio", Times: pts, Values: []float64{1, 2}},
		{Name: "Robo <b>", Times: pts, Values: []float64{3, 1}},
	}, false))
	for _, want := range []string{`<figcaption>Documentos &lt;por&gt; categoría</figcaption>`, `<ul class="legend">`,
		`<span class="swatch" style="background:#1f5f8b"></span>Femicidio</li>`, `Robo &lt;b&gt;</li>`, `aria-label="Documentos &lt;por&gt; categoría"`} {
		if !strings.Contains(out, want) {
			t.Errorf("chart lacks %s", want)
		}
	}
	if one := string(timeChart("Uno", []chartSeries{{Name: "Documentos", Times: pts, Values: []float64{1, 2}}}, false)); strings.Contains(one, "legend") {
		t.Error("a single series needs no legend")
	}
}

// The stylesheet link carries the stylesheet's hash, so a new release is never hidden
// behind the browser's cached copy.
func TestStylesheetIsVersioned(t *testing.T) {
	srv, _ := newTestServer(t)
	_, body := get(t, srv.URL+"/", viewerTok, true)
	if !strings.Contains(body, `href="/static/escucha.css?v=`+assetVersion+`"`) || len(assetVersion) != 12 {
		t.Fatalf("layout does not link the versioned stylesheet (%q)", assetVersion)
	}
}

func TestDenseFillsQuietBuckets(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }
	s := chartSeries{Name: "Menciones", Times: []time.Time{day(3), day(6)}, Values: []float64{2, 1}}
	got := dense(s, escucha.IntervalDay, day(2).Add(15*time.Hour), day(8))
	want := []float64{0, 2, 0, 0, 1, 0}
	if len(got.Values) != len(want) || !got.Times[0].Equal(day(2)) {
		t.Fatalf("days: %v from %v, want %v from %v", got.Values, got.Times, want, day(2))
	}
	for i := range want {
		if got.Values[i] != want[i] {
			t.Fatalf("days: %v, want %v", got.Values, want)
		}
	}
	// Weeks start on Monday (2026-11-02 and 2026-11-09 are Mondays).
	w := dense(chartSeries{Times: []time.Time{day(9)}, Values: []float64{4}}, escucha.IntervalWeek, day(4), day(20))
	if len(w.Times) != 3 || !w.Times[0].Equal(day(2)) || w.Values[1] != 4 {
		t.Fatalf("weeks: %v %v", w.Times, w.Values)
	}
	m := dense(chartSeries{Times: []time.Time{day(1)}, Values: []float64{7}}, escucha.IntervalMonth, day(15).AddDate(0, -2, 0), day(20))
	if len(m.Times) != 3 || m.Values[2] != 7 || m.Times[0].Day() != 1 {
		t.Fatalf("months: %v %v", m.Times, m.Values)
	}
}

func TestSearchPageHistogramFitsPeriod(t *testing.T) {
	srv, fs := newTestServer(t)
	for _, tc := range []struct {
		query string
		want  escucha.Interval
	}{
		{"/buscar?q=robo", escucha.IntervalWeek},
		{"/buscar?q=robo&desde=2026-11-01&hasta=2026-11-20", escucha.IntervalDay},
		{"/buscar?q=robo&desde=2024-01-01&hasta=2026-11-20", escucha.IntervalMonth},
		{"/buscar?q=robo&histograma=dia", escucha.IntervalDay},
	} {
		get(t, srv.URL+tc.query, viewerTok, true)
		if fs.last.Histogram != tc.want {
			t.Errorf("%s: histogram %q, want %q", tc.query, fs.last.Histogram, tc.want)
		}
	}
}
