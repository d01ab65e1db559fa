package dashboards

import (
	"html/template"
	"net/http"
	"time"

	"github.com/infosegura/escucha"
)

type homeView struct {
	Total         uint64
	TopCategories []escucha.Bucket
	Chart         template.HTML
	Recent        []escucha.Hit
	Alerts        []string
	Error         string
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	sr, ok := s.searcher(w, r)
	if !ok {
		return
	}
	now := time.Now()
	req := escucha.SearchRequest{
		From: now.AddDate(0, 0, -30), Sort: escucha.SortDate, Size: 8,
		Facets: []string{escucha.FacetCategory}, FacetSize: 4, Histogram: escucha.IntervalDay,
	}
	var v homeView
	if err := req.Validate(); err != nil {
		s.fail(w, r, err)
		return
	}
	res, err := sr.Search(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Total, v.Recent = res.Total, res.Hits
	s.titleHits(r.Context(), v.Recent)
	if f, ok := res.Facets[escucha.FacetCategory]; ok {
		v.TopCategories = f.Buckets
	}
	if res.Histogram != nil && len(res.Histogram.Buckets) > 1 {
		v.Chart = histogramChart("Documentos por día", res.Histogram)
	}
	v.Alerts = s.recentAlerts(r)
	s.render(w, r, "home", v)
}
