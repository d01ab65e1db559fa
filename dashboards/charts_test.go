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
