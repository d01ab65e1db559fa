package dashboards

import (
	"bytes"
	"html"
	"html/template"
	"strings"
	"time"

	chart "github.com/wcharczuk/go-chart/v2"
	"github.com/wcharczuk/go-chart/v2/drawing"

	"github.com/infosegura/escucha"
)

// Charts are rendered on the server as SVG with go-chart (no JavaScript, no CDN, works
// offline and in any browser). go-chart writes text into the SVG without escaping, so
// every label is escaped here before it reaches the library.

var palette = []drawing.Color{
	drawing.ColorFromHex("1f5f8b"), drawing.ColorFromHex("c0392b"), drawing.ColorFromHex("27ae60"),
	drawing.ColorFromHex("8e44ad"), drawing.ColorFromHex("d35400"), drawing.ColorFromHex("16a085"),
	drawing.ColorFromHex("7f8c8d"), drawing.ColorFromHex("2c3e50"),
}

// Series is one line of a time chart.
type chartSeries struct {
	Name   string
	Times  []time.Time
	Values []float64
}

// timeChart renders lines over time as inline SVG.
func timeChart(title string, series []chartSeries, percent bool) template.HTML {
	var cs []chart.Series
	for i, s := range series {
		if len(s.Times) == 0 {
			continue
		}
		ts := chart.TimeSeries{
			Name: html.EscapeString(s.Name), XValues: s.Times, YValues: s.Values,
			Style: chart.Style{StrokeColor: palette[i%len(palette)], StrokeWidth: 2},
		}
		if len(s.Times) == 1 { // go-chart needs two points for a range
			ts.XValues = []time.Time{s.Times[0].Add(-12 * time.Hour), s.Times[0]}
			ts.YValues = []float64{0, s.Values[0]}
		}
		cs = append(cs, ts)
	}
	if len(cs) == 0 {
		return ""
	}
	g := chart.Chart{
		Width: 860, Height: 300,
		Background: chart.Style{Padding: chart.Box{Top: 16, Left: 10, Right: 10, Bottom: 10}},
		XAxis: chart.XAxis{ValueFormatter: func(v any) string {
			if f, ok := v.(float64); ok {
				return time.Unix(0, int64(f)).UTC().Format("02/01")
			}
			return ""
		}},
		YAxis:  chart.YAxis{ValueFormatter: func(v any) string { return formatValue(v, percent) }, Ticks: ticks(series, percent)},
		Series: cs,
	}
	var b bytes.Buffer
	if err := g.Render(chart.SVG, &b); err != nil {
		return template.HTML("<p class=\"muted\">No se pudo dibujar el gráfico: " + html.EscapeString(err.Error()) + "</p>")
	}
	var legend []string
	if len(cs) > 1 {
		for i, s := range series {
			if len(s.Times) > 0 {
				legend = append(legend, `<li><span class="swatch" style="background:#`+hexColor(palette[i%len(palette)])+`"></span>`+html.EscapeString(s.Name)+`</li>`)
			}
		}
	}
	return figure(title, b.String(), legend)
}

// figure wraps a rendered SVG with its title above it and, for several series, an
// HTML legend below it: the library's legends are drawn over the plot, and HTML text
// wraps, scales and is read by screen readers.
func figure(title, rendered string, legend []string) template.HTML {
	var b strings.Builder
	b.WriteString(`<figure class="chart"><figcaption>` + html.EscapeString(title) + `</figcaption>`)
	b.WriteString(string(svg(rendered, title)))
	if len(legend) > 0 {
		b.WriteString(`<ul class="legend">` + strings.Join(legend, "") + `</ul>`)
	}
	b.WriteString(`</figure>`)
	return template.HTML(b.String())
}

func hexColor(c drawing.Color) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 6)
	for _, v := range []uint8{c.R, c.G, c.B} {
		out = append(out, digits[v>>4], digits[v&15])
	}
	return string(out)
}

// barChart renders horizontal-label bars (top N) as inline SVG.
func barChart(title string, labels []string, values []float64) template.HTML {
	if len(labels) == 0 {
		return ""
	}
	bars := make([]chart.Value, len(labels))
	for i := range labels {
		l := labels[i]
		if len([]rune(l)) > 16 {
			l = string([]rune(l)[:15]) + "…"
		}
		bars[i] = chart.Value{Label: html.EscapeString(l), Value: values[i],
			Style: chart.Style{FillColor: palette[0], StrokeColor: palette[0]}}
	}
	if len(bars) == 1 {
		bars = append(bars, chart.Value{Label: " ", Value: 0})
	}
	g := chart.BarChart{
		Width: 860, Height: 300, BarWidth: max(8, 600/len(bars)),
		Background: chart.Style{Padding: chart.Box{Top: 20}},
		XAxis:      chart.Style{TextRotationDegrees: 40},
		Bars:       bars,
	}
	// Bars start at zero with whole-number ticks (go-chart's automatic range starts at
	// the smallest bar, which makes small counts look like nothing).
	ts := ticks([]chartSeries{{Values: values}}, false)
	g.YAxis = chart.YAxis{Ticks: ts, Range: &chart.ContinuousRange{Min: 0, Max: ts[len(ts)-1].Value},
		ValueFormatter: func(v any) string { return formatValue(v, false) }}
	var b bytes.Buffer
	if err := g.Render(chart.SVG, &b); err != nil {
		return template.HTML("<p class=\"muted\">No se pudo dibujar el gráfico: " + html.EscapeString(err.Error()) + "</p>")
	}
	return figure(title, b.String(), nil)
}

// ticks gives the y axis round steps (whole documents for counts), so labels never
// repeat the way go-chart's automatic ticks do on small integer ranges.
func ticks(series []chartSeries, percent bool) []chart.Tick {
	hi := 0.0
	for _, s := range series {
		for _, v := range s.Values {
			hi = max(hi, v)
		}
	}
	if hi <= 0 {
		hi = 1
	}
	step := 1.0
	if percent {
		step = 0.01
	}
	for _, m := range []float64{1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000} {
		if s := m; !percent && hi/s <= 6 {
			step = s
			break
		}
		if s := m / 100; percent && hi/s <= 6 {
			step = s
			break
		}
	}
	var out []chart.Tick
	for v := 0.0; v <= hi+step/2; v += step {
		out = append(out, chart.Tick{Value: v, Label: formatValue(v, percent)})
	}
	if last := out[len(out)-1].Value; last < hi {
		out = append(out, chart.Tick{Value: last + step, Label: formatValue(last+step, percent)})
	}
	return out
}

func formatValue(v any, percent bool) string {
	f, _ := v.(float64)
	if percent {
		return strings.TrimSuffix(chart.FloatValueFormatterWithFormat(f*100, "%.1f"), ".0") + " %"
	}
	return chart.FloatValueFormatterWithFormat(f, "%.0f")
}

// svg makes the chart responsive, names it for screen readers and marks it safe (its
// text was escaped above).
func svg(s, title string) template.HTML {
	s = strings.Replace(s, "<svg ", `<svg role="img" aria-label="`+html.EscapeString(title)+`" preserveAspectRatio="xMinYMin meet" viewBox="0 0 860 300" class="chart" `, 1)
	return template.HTML(s)
}

func histogramChart(title string, h *escucha.Histogram) template.HTML {
	count := chartSeries{Name: "Documentos"}
	for _, b := range h.Buckets {
		count.Times = append(count.Times, b.Start)
		count.Values = append(count.Values, float64(b.Count))
	}
	return timeChart(title, []chartSeries{count}, false)
}
