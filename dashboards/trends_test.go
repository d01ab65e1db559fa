package dashboards

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

// fakeTrends answers every question with small fixed data and records the queries.
type fakeTrends struct {
	attention escucha.AttentionQuery
	campaign  escucha.CampaignQuery
	territory escucha.TerritoryQuery
}

var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func (f *fakeTrends) Attention(_ context.Context, q escucha.AttentionQuery) ([]escucha.Series, error) {
	f.attention = q
	return []escucha.Series{{Key: "femicidio", Points: []escucha.Point{{T: t0, Count: 3, Share: 0.1}, {T: t0.AddDate(0, 0, 1), Count: 7, Share: 0.2}}},
		{Key: "<b>x</b>", Points: []escucha.Point{{T: t0, Count: 1}}}}, nil
}

func (f *fakeTrends) Territory(_ context.Context, q escucha.TerritoryQuery) ([]escucha.TerritoryRow, error) {
	f.territory = q
	p, c := 12.5, -20.0
	return []escucha.TerritoryRow{{Country: "GT", Code: "GT-01", Name: "Guatemala", Count: 40, PrevCount: 50, Population: 3000000, Per100k: &p, ChangePct: &c},
		{Country: "GT", Code: "GT-17", Name: "Petén", Count: 3}}, nil
}

func (f *fakeTrends) Priority(_ context.Context, q escucha.PriorityQuery) ([]escucha.PriorityRow, error) {
	return []escucha.PriorityRow{{Rank: 1, Country: "GT", Code: "GT-01", Name: "Guatemala", Index: 87.5}}, nil
}

func (f *fakeTrends) Campaign(_ context.Context, q escucha.CampaignQuery) (*escucha.CampaignReach, error) {
	f.campaign = q
	author := "autor-1a2b3c4d5e"
	if q.ShowHandles {
		author = "@ana"
	}
	return &escucha.CampaignReach{ID: q.ID, Mentions: 1234, UniqueAuthors: 10, PotentialReach: 5000, ShareOfVoice: 0.25,
		OverTime:      []escucha.CampaignPoint{{T: t0, Mentions: 4, ShareOfVoice: 0.2}, {T: t0.AddDate(0, 0, 1), Mentions: 9, ShareOfVoice: 0.3}},
		ByPlatform:    []escucha.KeyCount{{Key: "mastodon", Mentions: 4}},
		ByCountry:     []escucha.KeyCount{{Key: "", Mentions: 2}},
		TopPosts:      []escucha.TopPost{{ID: "mastodon:1", Source: "m.example", Platform: "mastodon", Author: author, Engagement: 50}},
		TopAmplifiers: []escucha.CampaignAuthor{{Author: author, Platform: "mastodon", Posts: 3}}}, nil
}

func (f *fakeTrends) Framing(_ context.Context, q escucha.FramingQuery) (*escucha.FramingReport, error) {
	return &escucha.FramingReport{OverTime: []escucha.FramingShare{{T: t0, Total: 10, Justificacion: 2, Derechos: 6, JustificacionShare: 0.2, DerechosShare: 0.6}},
		BySource: []escucha.FramingShare{{Source: "Diario", Total: 10, JustificacionShare: 0.2, DerechosShare: 0.6}}}, nil
}

func (f *fakeTrends) Alerts(_ context.Context, q escucha.AlertQuery) ([]escucha.Alert, error) {
	return []escucha.Alert{{ID: "a1", Kind: escucha.AlertCategoryPlace, Label: "Extorsión en Escuintla", Day: t0, Count: 9, Baseline: 1, Score: 6}}, nil
}

func (f *fakeTrends) Sources(_ context.Context, q escucha.SourcesQuery) ([]escucha.SourceHealth, error) {
	return []escucha.SourceHealth{{Source: "Diario", Platform: "news", Count: 0, Baseline: 12, Status: escucha.SourceQuiet}}, nil
}

func newTrendsServer(t *testing.T) (*httptest.Server, *fakeTrends) {
	t.Helper()
	ft := &fakeTrends{}
	s, err := New(Config{Tokens: []Token{{"ana", RoleViewer, viewerTok}, {"beto", RoleAnalyst, analystTok}, {"root", RoleAdmin, adminTok}},
		Searcher: &fakeSearcher{}, Trends: ft, Health: func() any { return map[string]int{"errores": 2} }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, ft
}

func TestTrendPages(t *testing.T) {
	srv, _ := newTrendsServer(t)
	for _, tc := range []struct {
		path, token, want string
		code              int
	}{
		{"/tendencias?por=category&intervalo=semana", viewerTok, "Femicidio", 200},
		{"/tendencias?medida=proporcion", viewerTok, "<svg", 200},
		{"/tendencias?por=nada", viewerTok, "desconocido", 400},
		{"/territorio?nivel=municipio&categoria=femicidio", viewerTok, "Petén", 200},
		{"/territorio", viewerTok, "87,50", 200},
		{"/campana/nada_justifica", viewerTok, "1\u00a0234", 200},
		{"/encuadre", viewerTok, "Enfoque de derechos", 200},
		{"/alertas", viewerTok, "Extorsión en Escuintla", 200},
		{"/fuentes", adminTok, "en silencio", 200},
		{"/fuentes", analystTok, "", 403},
		{"/", viewerTok, "Extorsión en Escuintla", 200},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := get(t, srv.URL+tc.path, tc.token, true)
			if resp.StatusCode != tc.code {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.code)
			}
			if !strings.Contains(body, tc.want) {
				t.Fatalf("page lacks %q", tc.want)
			}
			if strings.Contains(body, "<b>x</b>") {
				t.Fatal("hostile series key rendered as markup")
			}
		})
	}
}

func TestTrendAPI(t *testing.T) {
	srv, ft := newTrendsServer(t)
	_, body := get(t, srv.URL+"/api/v1/trends/attention?by=admin1&interval=month&from=2026-01-01&to=2026-03-31&category=femicidio,homicidio&admin1=GT-01", viewerTok, false)
	var att struct {
		Series []escucha.Series `json:"series"`
	}
	if err := json.Unmarshal([]byte(body), &att); err != nil || len(att.Series) != 2 {
		t.Fatalf("attention: %v %s", err, body)
	}
	q := ft.attention
	if q.By != escucha.ByAdmin1 || q.Interval != escucha.IntervalMonth || len(q.Categories) != 2 || q.Admin1[0] != "GT-01" ||
		!q.From.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, centralAmerica)) || !q.To.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, centralAmerica)) {
		t.Fatalf("attention query %+v", q)
	}
	// Handles only for roles that may see them.
	_, body = get(t, srv.URL+"/api/v1/trends/campaign/nada_justifica", viewerTok, false)
	if ft.campaign.ShowHandles || strings.Contains(body, "@ana") {
		t.Fatal("viewer saw handles")
	}
	_, body = get(t, srv.URL+"/api/v1/trends/campaign/nada_justifica", analystTok, false)
	if !ft.campaign.ShowHandles || !strings.Contains(body, "@ana") {
		t.Fatal("analyst did not get handles")
	}
	for path, code := range map[string]int{
		"/api/v1/trends/territory?level=admin2": 200, "/api/v1/trends/priority": 200, "/api/v1/trends/framing": 200,
		"/api/v1/trends/alerts": 200, "/api/v1/trends/sources": 403, "/api/v1/trends/territory?nivel=barrio": 400,
		"/api/v1/trends/attention?desde=2026-02-01&hasta=2026-01-01": 400,
	} {
		if resp, body := get(t, srv.URL+path, viewerTok, false); resp.StatusCode != code {
			t.Errorf("%s: %d, want %d: %s", path, resp.StatusCode, code, body)
		}
	}
	if ft.territory.Level != escucha.LevelAdmin2 {
		t.Errorf("territory level %q", ft.territory.Level)
	}
}

func TestNoTrendsStore(t *testing.T) {
	srv, _ := newTestServer(t)
	if resp, _ := get(t, srv.URL+"/api/v1/trends/attention", viewerTok, false); resp.StatusCode != 503 {
		t.Fatalf("without a store: %d, want 503", resp.StatusCode)
	}
}
