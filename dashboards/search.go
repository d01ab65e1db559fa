package dashboards

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/infosegura/escucha"
)

// searchRequest builds a search request from URL parameters. The same names serve the
// HTML form and the JSON API. Spanish names are accepted beside English ones.
func searchRequest(q url.Values) (escucha.SearchRequest, error) {
	list := func(names ...string) []string { return listOf(q, names...) }
	first := func(names ...string) string { return firstOf(q, names...) }
	req := escucha.SearchRequest{
		Query:      first("q"),
		Categories: list("category", "categoria"),
		Framing:    list("framing", "encuadre"),
		Campaigns:  list("campaign", "campana"),
		Countries:  list("country", "pais"),
		Admin1:     list("admin1", "departamento"),
		Admin2:     list("admin2", "municipio"),
		Sources:    list("source", "fuente"),
		Platforms:  list("platform", "plataforma"),
		Kinds:      list("kind", "tipo"),
		Langs:      list("lang", "idioma"),
		Clusters:   list("cluster", "caso"),
		Sort:       first("sort", "orden"),
		After:      first("after", "despues"),
		Histogram:  escucha.Interval(first("histogram", "histograma")),
		Collapse:   first("collapse", "agrupar") != "0",
	}
	switch req.Sort {
	case "fecha":
		req.Sort = escucha.SortDate
	case "relevancia":
		req.Sort = escucha.SortRelevance
	}
	switch req.Histogram {
	case "dia":
		req.Histogram = escucha.IntervalDay
	case "semana":
		req.Histogram = escucha.IntervalWeek
	case "mes":
		req.Histogram = escucha.IntervalMonth
	}
	var err error
	if req.From, err = parseDate(first("from", "desde"), false); err != nil {
		return req, err
	}
	if req.To, err = parseDate(first("to", "hasta"), true); err != nil {
		return req, err
	}
	if v := first("size", "n"); v != "" {
		if req.Size, err = strconv.Atoi(v); err != nil {
			return req, escucha.Errorf(escucha.EInvalid, "size %q no es un número", v)
		}
	}
	if v := first("terms"); v != "" {
		if req.Terms, err = strconv.Atoi(v); err != nil {
			return req, escucha.Errorf(escucha.EInvalid, "terms %q no es un número", v)
		}
	}
	return req, req.Validate()
}

// listOf gathers the values of the first parameters named (repeated or comma-separated).
func listOf(q url.Values, names ...string) []string {
	var out []string
	for _, n := range names {
		for _, v := range q[n] {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// firstOf is the first non-empty value among the parameters named.
func firstOf(q url.Values, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(q.Get(n)); v != "" {
			return v
		}
	}
	return ""
}

// parseDate accepts 2006-01-02 or RFC 3339; an end date given as a day includes that day.
func parseDate(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, s, centralAmerica)
	if err != nil {
		return t, escucha.Errorf(escucha.EInvalid, "fecha %q: use AAAA-MM-DD", s)
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// centralAmerica is UTC-6, the zone of GT, SV, HN, NI, CR and BZ (no DST).
var centralAmerica = time.FixedZone("UTC-6", -6*3600)

func (s *Server) searcher(w http.ResponseWriter, r *http.Request) (escucha.Searcher, bool) {
	if s.cfg.Searcher == nil {
		s.fail(w, r, escucha.Errorf(escucha.EUnavailable, "el índice de búsqueda no está disponible"))
		return nil, false
	}
	return s.cfg.Searcher, true
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	sr, ok := s.searcher(w, r)
	if !ok {
		return
	}
	req, err := searchRequest(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := sr.Search(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiDocument(w http.ResponseWriter, r *http.Request) {
	sr, ok := s.searcher(w, r)
	if !ok {
		return
	}
	d, err := sr.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	sr, ok := s.searcher(w, r)
	if !ok {
		return
	}
	req, err := searchRequest(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	switch format {
	case escucha.ExportCSV:
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	case escucha.ExportNDJSON, "":
		format = escucha.ExportNDJSON
		w.Header().Set("Content-Type", "application/x-ndjson")
	default:
		s.fail(w, r, escucha.Errorf(escucha.EInvalid, "formato %q: use csv o ndjson", format))
		return
	}
	name := "escucha-" + time.Now().Format("20060102-1504") + "." + format
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := sr.Export(r.Context(), req, format, w); err != nil {
		// Headers are gone once streaming started; the log and a truncated file say it.
		s.log.Error("export failed", "err", err)
	}
}

// highlight keeps only <mark> tags of a highlight fragment and escapes everything else,
// whatever the index returned.
func highlight(fragment string) template.HTML {
	var b strings.Builder
	for i, part := range strings.Split(fragment, "<mark>") {
		if i > 0 {
			b.WriteString("<mark>")
		}
		pieces := strings.Split(part, "</mark>")
		for j, p := range pieces {
			if j > 0 {
				b.WriteString("</mark>")
			}
			b.WriteString(html.EscapeString(html.UnescapeString(p)))
		}
	}
	out := b.String()
	// Balance tags so a fragment cannot leave a <mark> open.
	if o, c := strings.Count(out, "<mark>"), strings.Count(out, "</mark>"); o > c {
		out += strings.Repeat("</mark>", o-c)
	} else if c > o {
		out = strings.Repeat("<mark>", c-o) + out
	}
	return template.HTML(out)
}

type searchView struct {
	Req       escucha.SearchRequest
	Params    url.Values
	Res       *escucha.SearchResult
	Chart     template.HTML
	CanExport bool
	Error     string
}

func (v searchView) With(key, value string) string {
	p := url.Values{}
	for k, vs := range v.Params {
		if k != "despues" && k != "after" {
			p[k] = append([]string(nil), vs...)
		}
	}
	if value == "" {
		p.Del(key)
	} else {
		p.Set(key, value)
	}
	return "/buscar?" + p.Encode()
}

func (v searchView) Export(format string) string {
	p := url.Values{}
	for k, vs := range v.Params {
		if k != "despues" && k != "after" && k != "n" && k != "size" {
			p[k] = vs
		}
	}
	p.Set("format", format)
	return "/api/v1/export?" + p.Encode()
}

func (v searchView) Selected(key, value string) bool {
	for _, x := range v.Params[key] {
		if x == value {
			return true
		}
	}
	return false
}

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	sr, ok := s.searcher(w, r)
	if !ok {
		return
	}
	params := r.URL.Query()
	view := searchView{Params: params, CanExport: principalFrom(r.Context()).Role >= RoleAnalyst}
	req, err := searchRequest(params)
	if err != nil {
		view.Error = err.Error()
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, "search", view)
		return
	}
	if req.Histogram == "" {
		// Weeks when the period is open (news archives span months); else what fits it.
		req.Histogram = escucha.IntervalWeek
		if !req.From.IsZero() && !req.To.IsZero() {
			req.Histogram = fitInterval(req.From, req.To)
		}
		params.Set("histograma", map[escucha.Interval]string{escucha.IntervalDay: "dia", escucha.IntervalWeek: "semana", escucha.IntervalMonth: "mes"}[req.Histogram])
	}
	req.Terms = 12
	view.Req = req
	res, err := sr.Search(r.Context(), req)
	if err != nil {
		if escucha.ErrorKind(err) == escucha.EInvalid {
			view.Error = err.Error()
			w.WriteHeader(http.StatusBadRequest)
			s.render(w, r, "search", view)
			return
		}
		s.fail(w, r, err)
		return
	}
	view.Res = res
	s.titleHits(r.Context(), res.Hits)
	if res.Histogram != nil && len(res.Histogram.Buckets) > 1 {
		view.Chart = histogramChart("Atención en el tiempo (documentos que coinciden)", res.Histogram)
	}
	s.render(w, r, "search", view)
}

func (s *Server) documentPage(w http.ResponseWriter, r *http.Request) {
	sr, ok := s.searcher(w, r)
	if !ok {
		return
	}
	d, err := sr.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "document", map[string]any{"D": d, "Body": markEvidence(d)})
}

// markEvidence renders the document body with the evidence spans of categories and
// the places highlighted; everything else is escaped.
func markEvidence(d *escucha.Document) template.HTML {
	body := d.Body()
	type span struct {
		start, end int
		class, tip string
	}
	var spans []span
	for _, c := range d.Categories {
		for _, e := range c.Evidence {
			spans = append(spans, span{e.Start, e.End, "ev", c.ID})
		}
	}
	for _, p := range d.Places {
		spans = append(spans, span{p.Start, p.End, "pl", strings.TrimSpace(p.Admin2 + " " + p.Admin1 + " " + p.Country)})
	}
	// Keep non-overlapping spans in order of start.
	for i := 1; i < len(spans); i++ {
		for j := i; j > 0 && spans[j].start < spans[j-1].start; j-- {
			spans[j], spans[j-1] = spans[j-1], spans[j]
		}
	}
	var b strings.Builder
	pos := 0
	for _, sp := range spans {
		if sp.start < pos || sp.end > len(body) || sp.start >= sp.end {
			continue
		}
		b.WriteString(html.EscapeString(body[pos:sp.start]))
		fmt.Fprintf(&b, `<mark class="%s" title="%s">%s</mark>`, sp.class, html.EscapeString(sp.tip), html.EscapeString(body[sp.start:sp.end]))
		pos = sp.end
	}
	b.WriteString(html.EscapeString(body[pos:]))
	return template.HTML(strings.ReplaceAll(b.String(), "\n", "<br>"))
}
