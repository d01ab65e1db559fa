package dashboards

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/infosegura/escucha"
)

func (s *Server) trendRoutes() {
	s.handle("GET /tendencias", "attention_page", s.require(RoleViewer, s.attentionPage))
	s.handle("GET /territorio", "territory_page", s.require(RoleViewer, s.territoryPage))
	s.handle("GET /campana/{id}", "campaign_page", s.require(RoleViewer, s.campaignPage))
	s.handle("GET /encuadre", "framing_page", s.require(RoleViewer, s.framingPage))
	s.handle("GET /alertas", "alerts_page", s.require(RoleViewer, s.alertsPage))

	query := func(parse func(url.Values) (escucha.TerritoryQuery, error)) func(r *http.Request) (escucha.TerritoryQuery, error) {
		return func(r *http.Request) (escucha.TerritoryQuery, error) { return parse(r.URL.Query()) }
	}
	s.handle("GET /api/v1/trends/attention", "api_attention", s.require(RoleViewer, trendAPI(s,
		func(r *http.Request) (escucha.AttentionQuery, error) { return attentionQuery(r.URL.Query()) },
		func(t escucha.Trends, r *http.Request, q escucha.AttentionQuery) (any, error) {
			series, err := t.Attention(r.Context(), q)
			return map[string]any{"series": series}, err
		})))
	s.handle("GET /api/v1/trends/territory", "api_territory", s.require(RoleViewer, trendAPI(s, query(territoryQuery),
		func(t escucha.Trends, r *http.Request, q escucha.TerritoryQuery) (any, error) {
			rows, err := t.Territory(r.Context(), q)
			return map[string]any{"rows": rows}, err
		})))
	s.handle("GET /api/v1/trends/priority", "api_priority", s.require(RoleViewer, trendAPI(s, query(territoryQuery),
		func(t escucha.Trends, r *http.Request, q escucha.TerritoryQuery) (any, error) {
			rows, err := t.Priority(r.Context(), escucha.PriorityQuery{Filter: q.Filter, Level: q.Level})
			return map[string]any{"rows": rows}, err
		})))
	s.handle("GET /api/v1/trends/campaign/{id}", "api_campaign", s.require(RoleViewer, trendAPI(s, campaignQuery,
		func(t escucha.Trends, r *http.Request, q escucha.CampaignQuery) (any, error) {
			return t.Campaign(r.Context(), q)
		})))
	s.handle("GET /api/v1/trends/framing", "api_framing", s.require(RoleViewer, trendAPI(s,
		func(r *http.Request) (escucha.FramingQuery, error) { return framingQuery(r.URL.Query()) },
		func(t escucha.Trends, r *http.Request, q escucha.FramingQuery) (any, error) {
			return t.Framing(r.Context(), q)
		})))
	s.handle("GET /api/v1/trends/alerts", "api_alerts", s.require(RoleViewer, trendAPI(s,
		func(r *http.Request) (escucha.AlertQuery, error) { return alertQuery(r.URL.Query()) },
		func(t escucha.Trends, r *http.Request, q escucha.AlertQuery) (any, error) {
			alerts, err := t.Alerts(r.Context(), q)
			return map[string]any{"alerts": alerts}, err
		})))
	s.handle("GET /api/v1/trends/sources", "api_trend_sources", s.require(RoleAdmin, trendAPI(s,
		func(*http.Request) (escucha.SourcesQuery, error) { return escucha.SourcesQuery{}, nil },
		func(t escucha.Trends, r *http.Request, q escucha.SourcesQuery) (any, error) {
			rows, err := t.Sources(r.Context(), q)
			return map[string]any{"sources": rows}, err
		})))
}

// trendAPI is the shape of every trends API handler: parse the question from the
// request, ask the store, answer JSON or the error's status.
func trendAPI[Q any](s *Server, parse func(*http.Request) (Q, error), ask func(escucha.Trends, *http.Request, Q) (any, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.trends(w, r)
		if !ok {
			return
		}
		q, err := parse(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v, err := ask(t, r, q)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, v)
	}
}

func (s *Server) trends(w http.ResponseWriter, r *http.Request) (escucha.Trends, bool) {
	if s.cfg.Trends == nil {
		s.fail(w, r, escucha.Errorf(escucha.EUnavailable, "el almacén de tendencias no está disponible"))
		return nil, false
	}
	return s.cfg.Trends, true
}

// trendFilter reads the filter shared by every trends question. Without dates it
// covers the last `days` days.
func trendFilter(q url.Values, days int) (escucha.Filter, error) {
	list := func(names ...string) []string { return listOf(q, names...) }
	f := escucha.Filter{
		Countries: list("country", "pais"), Admin1: list("admin1", "departamento"),
		Admin2: list("admin2", "municipio"), Categories: list("category", "categoria"),
		Platforms: list("platform", "plataforma"), Sources: list("source", "fuente"),
		Campaigns: list("campaign", "campana"), Framing: list("framing", "encuadre"),
		Kinds: list("kind", "tipo"),
	}
	var err error
	if f.From, err = parseDate(firstOf(q, "from", "desde"), false); err != nil {
		return f, err
	}
	if f.To, err = parseDate(firstOf(q, "to", "hasta"), true); err != nil {
		return f, err
	}
	if f.To.IsZero() {
		f.To = time.Now().In(centralAmerica).Truncate(time.Hour).Add(time.Hour)
	}
	if f.From.IsZero() {
		f.From = f.To.AddDate(0, 0, -days)
	}
	if !f.From.Before(f.To) {
		return f, escucha.Errorf(escucha.EInvalid, "el periodo está vacío: «desde» debe ser anterior a «hasta»")
	}
	return f, nil
}

func interval(q url.Values, def escucha.Interval) (escucha.Interval, error) {
	switch v := firstOf(q, "interval", "intervalo"); v {
	case "":
		return def, nil
	case "day", "dia":
		return escucha.IntervalDay, nil
	case "week", "semana":
		return escucha.IntervalWeek, nil
	case "month", "mes":
		return escucha.IntervalMonth, nil
	default:
		return "", escucha.Errorf(escucha.EInvalid, "intervalo %q: use dia, semana o mes", v)
	}
}

// fitInterval is the default bucket for a period: days up to six weeks, weeks up to
// a year, months beyond, so that a chart has between about 6 and 60 points.
func fitInterval(from, to time.Time) escucha.Interval {
	switch d := to.Sub(from); {
	case d <= 42*24*time.Hour:
		return escucha.IntervalDay
	case d <= 366*24*time.Hour:
		return escucha.IntervalWeek
	default:
		return escucha.IntervalMonth
	}
}

func attentionQuery(q url.Values) (escucha.AttentionQuery, error) {
	f, err := trendFilter(q, 90)
	if err != nil {
		return escucha.AttentionQuery{}, err
	}
	iv, err := interval(q, fitInterval(f.From, f.To))
	if err != nil {
		return escucha.AttentionQuery{}, err
	}
	by := escucha.Dimension(firstOf(q, "by", "por"))
	if by == "" {
		by = escucha.ByCategory
	}
	if !by.Valid() {
		return escucha.AttentionQuery{}, escucha.Errorf(escucha.EInvalid, "desglose %q desconocido", by)
	}
	limit := 8
	if v := firstOf(q, "limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 {
			return escucha.AttentionQuery{}, escucha.Errorf(escucha.EInvalid, "limit %q no es válido", v)
		}
	}
	return escucha.AttentionQuery{Filter: f, By: by, Interval: iv, Limit: limit}, nil
}

type attentionView struct {
	Q      escucha.AttentionQuery
	Params url.Values
	Series []escucha.Series
	Totals []struct {
		Key   string
		Count int64
	}
	Chart template.HTML
	Share bool
	Error string
}

func (v attentionView) With(key, value string) string {
	return withParam("/tendencias", v.Params, key, value)
}

func withParam(path string, params url.Values, key, value string) string {
	p := url.Values{}
	for k, vs := range params {
		p[k] = append([]string(nil), vs...)
	}
	if value == "" {
		p.Del(key)
	} else {
		p.Set(key, value)
	}
	return path + "?" + p.Encode()
}

func (s *Server) attentionPage(w http.ResponseWriter, r *http.Request) {
	t, ok := s.trends(w, r)
	if !ok {
		return
	}
	params := r.URL.Query()
	v := attentionView{Params: params, Share: params.Get("medida") == "proporcion"}
	q, err := attentionQuery(params)
	if err != nil {
		v.Error = err.Error()
		w.WriteHeader(http.StatusBadRequest)
		s.render(w, r, "tendencias", v)
		return
	}
	v.Q = q
	if v.Series, err = t.Attention(r.Context(), q); err != nil {
		s.fail(w, r, err)
		return
	}
	var lines []chartSeries
	for _, se := range v.Series {
		cs := chartSeries{Name: labelOf(se.Key)}
		var total int64
		for _, p := range se.Points {
			cs.Times = append(cs.Times, p.T)
			if v.Share {
				cs.Values = append(cs.Values, p.Share)
			} else {
				cs.Values = append(cs.Values, float64(p.Count))
			}
			total += p.Count
		}
		lines = append(lines, cs)
		v.Totals = append(v.Totals, struct {
			Key   string
			Count int64
		}{se.Key, total})
	}
	sort.SliceStable(v.Totals, func(i, j int) bool { return v.Totals[i].Count > v.Totals[j].Count })
	title := "Documentos por " + dimensionName[q.By]
	if v.Share {
		title = "Proporción de todos los documentos, por " + dimensionName[q.By]
	}
	v.Chart = timeChart(title, lines, v.Share)
	s.render(w, r, "tendencias", v)
}

var dimensionName = map[escucha.Dimension]string{
	escucha.ByNone: "total", escucha.ByCategory: "categoría", escucha.ByAdmin1: "departamento",
	escucha.ByAdmin2: "municipio", escucha.ByCountry: "país", escucha.BySource: "fuente",
	escucha.ByPlatform: "plataforma", escucha.ByCampaign: "campaña", escucha.ByFraming: "encuadre",
}

func labelOf(key string) string {
	if n, ok := categoryNames[key]; ok {
		return n
	}
	return key
}

func territoryQuery(q url.Values) (escucha.TerritoryQuery, error) {
	f, err := trendFilter(q, 30)
	if err != nil {
		return escucha.TerritoryQuery{}, err
	}
	level := escucha.LevelAdmin1
	switch firstOf(q, "level", "nivel") {
	case "", "admin1", "departamento":
	case "admin2", "municipio":
		level = escucha.LevelAdmin2
	default:
		return escucha.TerritoryQuery{}, escucha.Errorf(escucha.EInvalid, "nivel desconocido: use departamento o municipio")
	}
	return escucha.TerritoryQuery{Filter: f, Level: level}, nil
}

func (s *Server) territoryPage(w http.ResponseWriter, r *http.Request) {
	t, ok := s.trends(w, r)
	if !ok {
		return
	}
	params := r.URL.Query()
	q, err := territoryQuery(params)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, err := t.Territory(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prio, err := t.Priority(r.Context(), escucha.PriorityQuery{Filter: q.Filter, Level: q.Level})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Count > rows[j].Count })
	var labels []string
	var values []float64
	for i, row := range rows {
		if i == 15 || row.Count == 0 {
			break
		}
		labels = append(labels, row.Name)
		values = append(values, float64(row.Count))
	}
	s.render(w, r, "territorio", map[string]any{
		"Q": q, "Rows": rows, "Priority": prio, "Params": params,
		"Chart":  barChart("Documentos por "+map[string]string{"admin1": "departamento", "admin2": "municipio"}[q.Level], labels, values),
		"Admin2": q.Level == escucha.LevelAdmin2,
	})
}

func campaignQuery(r *http.Request) (escucha.CampaignQuery, error) {
	q := r.URL.Query()
	f, err := trendFilter(q, 30)
	if err != nil {
		return escucha.CampaignQuery{}, err
	}
	iv, err := interval(q, escucha.IntervalDay)
	if err != nil {
		return escucha.CampaignQuery{}, err
	}
	return escucha.CampaignQuery{Filter: f, ID: r.PathValue("id"), Interval: iv, Top: 10,
		ShowHandles: principalFrom(r.Context()).Role >= RoleAnalyst}, nil
}

func (s *Server) campaignPage(w http.ResponseWriter, r *http.Request) {
	t, ok := s.trends(w, r)
	if !ok {
		return
	}
	q, err := campaignQuery(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := t.Campaign(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.titlePosts(r.Context(), rep.TopPosts)
	mentions := chartSeries{Name: "Menciones"}
	sov := chartSeries{Name: "Participación en la conversación"}
	for _, p := range rep.OverTime {
		mentions.Times = append(mentions.Times, p.T)
		mentions.Values = append(mentions.Values, float64(p.Mentions))
		sov.Times = append(sov.Times, p.T)
		sov.Values = append(sov.Values, p.ShareOfVoice)
	}
	s.render(w, r, "campana", map[string]any{
		"Q": q, "R": rep, "Params": r.URL.Query(),
		"Chart":    timeChart("Menciones de la campaña", []chartSeries{mentions}, false),
		"SovChart": timeChart("Participación en la conversación sobre violencia contra las mujeres", []chartSeries{sov}, true),
	})
}

func framingQuery(q url.Values) (escucha.FramingQuery, error) {
	f, err := trendFilter(q, 90)
	if err != nil {
		return escucha.FramingQuery{}, err
	}
	iv, err := interval(q, escucha.IntervalWeek)
	if err != nil {
		return escucha.FramingQuery{}, err
	}
	return escucha.FramingQuery{Filter: f, Interval: iv, Top: 20}, nil
}

func (s *Server) framingPage(w http.ResponseWriter, r *http.Request) {
	t, ok := s.trends(w, r)
	if !ok {
		return
	}
	q, err := framingQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := t.Framing(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	just := chartSeries{Name: "Justificación / culpa a la víctima"}
	der := chartSeries{Name: "Enfoque de derechos"}
	for _, p := range rep.OverTime {
		just.Times, der.Times = append(just.Times, p.T), append(der.Times, p.T)
		just.Values, der.Values = append(just.Values, p.JustificacionShare), append(der.Values, p.DerechosShare)
	}
	s.render(w, r, "encuadre", map[string]any{"Q": q, "R": rep, "Params": r.URL.Query(),
		"Chart": timeChart("Encuadre de la cobertura de violencia contra las mujeres", []chartSeries{der, just}, true)})
}

func alertQuery(q url.Values) (escucha.AlertQuery, error) {
	var a escucha.AlertQuery
	var err error
	if a.From, err = parseDate(firstOf(q, "from", "desde"), false); err != nil {
		return a, err
	}
	if a.To, err = parseDate(firstOf(q, "to", "hasta"), true); err != nil {
		return a, err
	}
	a.Kind = firstOf(q, "kind", "tipo")
	a.Limit = 100
	return a, nil
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) {
	t, ok := s.trends(w, r)
	if !ok {
		return
	}
	q, err := alertQuery(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	alerts, err := t.Alerts(r.Context(), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "alertas", map[string]any{"Alerts": alerts})
}

// recentAlerts is the home page's list: the last week's alerts, or nothing without a
// trends store (the home page then shows search figures only).
func (s *Server) recentAlerts(r *http.Request) []string {
	if s.cfg.Trends == nil {
		return nil
	}
	alerts, err := s.cfg.Trends.Alerts(r.Context(), escucha.AlertQuery{From: time.Now().AddDate(0, 0, -7), Limit: 5})
	if err != nil {
		s.log.Warn("recent alerts", "err", err)
		return nil
	}
	var out []string
	for _, a := range alerts {
		out = append(out, a.Label+" — "+a.Day.Format("02/01")+": "+strconv.FormatInt(a.Count, 10)+" documentos (lo habitual: "+strconv.FormatFloat(a.Baseline, 'f', 1, 64)+")")
	}
	return out
}

func (s *Server) sourcesPage(w http.ResponseWriter, r *http.Request) {
	data := map[string]any{}
	if s.cfg.Trends != nil {
		rows, err := s.cfg.Trends.Sources(r.Context(), escucha.SourcesQuery{})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Trends"] = rows
	}
	if s.cfg.Health != nil {
		b, err := json.MarshalIndent(s.cfg.Health(), "", "  ")
		if err != nil {
			s.fail(w, r, err)
			return
		}
		data["Crawl"] = string(b)
	}
	s.render(w, r, "sources", data)
}
