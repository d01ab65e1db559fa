package trends_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends"
)

// handFixture is a small corpus whose answers are worked out by hand: re-versioned,
// re-delivered, out-of-order and deleted documents included.
func handFixture() [][]*escucha.Document {
	a1 := &escucha.Document{ID: "a", Version: 1, Platform: "news", Kind: "article", Source: "prensalibre.com",
		SourceCountry: "GT", Title: "Ataque armado en la zona 18 deja un fallecido",
		Published: at("2026-03-02 10:00"), Places: place("GT", "Guatemala", "GT-01", "Guatemala", "0101"),
		Categories: labels("homicidio")}
	a2 := *a1
	a2.Version = 2
	a2.Categories = labels("homicidio", "extorsion")
	a2.Engagement = escucha.Engagement{Likes: 7, Shares: 3}
	b := &escucha.Document{ID: "b", Version: 1, Platform: "news", Kind: "article", Source: "soy502.com",
		SourceCountry: "GT", Title: "Localizan sin vida a mujer en Quetzaltenango; vecinos señalan a su expareja",
		Published: at("2026-03-02 18:30"), Places: place("GT", "Quetzaltenango", "GT-09", "Quetzaltenango", "0901"),
		Categories: labels("femicidio", "violencia_contra_mujer"), Framing: frames("justificacion")}
	c := &escucha.Document{ID: "bluesky:c", Version: 1, Platform: "bluesky", Kind: "post", Source: "bsky.app",
		SourceCountry: "GT", Text: "Ninguna excusa vale ante la violencia. #NadaJustifica",
		Published: at("2026-03-02 20:00"), Author: escucha.Author{ID: "did:u1", Handle: "@colectiva.gt", Followers: 1000},
		Engagement: escucha.Engagement{Likes: 40, Shares: 8, Replies: 2}, Campaigns: campaign("nada_justifica"),
		Categories: labels("violencia_contra_mujer"), Framing: frames("derechos")}
	d := &escucha.Document{ID: "bluesky:d", Version: 1, Platform: "bluesky", Kind: "post", Source: "bsky.app",
		SourceCountry: "GT", Text: "Hoy marchamos en la Sexta Avenida #NadaJustifica",
		Published: at("2026-03-03 09:00"), Author: escucha.Author{ID: "did:u1", Handle: "@colectiva.gt", Followers: 1200},
		Engagement: escucha.Engagement{Likes: 5}, Campaigns: campaign("nada_justifica")}
	e := &escucha.Document{ID: "bluesky:e", Version: 1, Platform: "bluesky", Kind: "post", Source: "bsky.app",
		SourceCountry: "SV", Text: "Desde San Salvador nos sumamos #NadaJustifica",
		Published: at("2026-03-03 11:00"), Author: escucha.Author{ID: "did:u2", Handle: "@redmujeres.sv", Followers: 300},
		Engagement: escucha.Engagement{Likes: 15, Shares: 5}, Campaigns: campaign("nada_justifica")}
	f1 := &escucha.Document{ID: "f", Version: 1, Platform: "news", Kind: "article", Source: "prensalibre.com",
		SourceCountry: "GT", Title: "Asaltan a pasajeros de bus en Mixco", Published: at("2026-03-03 07:00"),
		Places: place("GT", "Guatemala", "GT-01", "Mixco", "0108"), Categories: labels("robo")}
	f2 := *f1
	f2.Version = 2
	f2.Deleted = true
	bAgain := *b
	// Batches: a1 arrives after a2 (out of order), b is delivered twice, f is deleted.
	return [][]*escucha.Document{{&a2, b, c}, {d, e, f1}, {a1, &bAgain, &f2}}
}

func loadHand(t *testing.T, s trends.Store) {
	for _, batch := range handFixture() {
		write(t, s, batch...)
	}
}

var handRange = escucha.Filter{From: day("2026-03-02"), To: day("2026-03-04")}

func TestHandFixture(t *testing.T) {
	ctx := context.Background()
	answers := map[string]map[string]string{} // question → store → JSON
	for _, ns := range openStores(t, trends.Config{AuthorSecret: secret, Now: func() time.Time { return day("2026-03-04") }}) {
		s := ns.s
		loadHand(t, s)
		record := func(q string, v any) {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			if answers[q] == nil {
				answers[q] = map[string]string{}
			}
			answers[q][ns.name] = string(b)
		}
		t.Run(ns.name+"/attention", func(t *testing.T) {
			got, err := s.Attention(ctx, escucha.AttentionQuery{Filter: handRange, By: escucha.ByCategory, Interval: escucha.IntervalDay})
			if err != nil {
				t.Fatal(err)
			}
			record("attention", got)
			want := map[string][2]int64{"homicidio": {1, 0}, "extorsion": {1, 0}, "femicidio": {1, 0},
				"violencia_contra_mujer": {2, 0}}
			if len(got) != len(want) {
				t.Fatalf("series %+v, want keys %v", got, want)
			}
			for _, s := range got {
				w := want[s.Key]
				if len(s.Points) != 2 || s.Points[0].Count != w[0] || s.Points[1].Count != w[1] {
					t.Errorf("%s: %+v, want counts %v", s.Key, s.Points, w)
				}
			}
			if got[0].Key != "violencia_contra_mujer" || got[0].Points[0].Share != 0.666667 {
				t.Errorf("first series %+v, want violencia_contra_mujer with share 2/3", got[0])
			}
			tot, err := s.Attention(ctx, escucha.AttentionQuery{Filter: handRange, Interval: escucha.IntervalDay})
			if err != nil {
				t.Fatal(err)
			}
			if len(tot) != 1 || tot[0].Points[0].Count != 3 || tot[0].Points[1].Count != 2 {
				t.Errorf("total %+v, want 3 then 2 (deleted f not counted)", tot)
			}
			plat, err := s.Attention(ctx, escucha.AttentionQuery{Filter: escucha.Filter{From: handRange.From, To: handRange.To,
				Platforms: []string{"bluesky"}, Countries: []string{}}, By: escucha.ByPlatform, Interval: escucha.IntervalWeek})
			if err != nil {
				t.Fatal(err)
			}
			if len(plat) != 1 || plat[0].Points[0].Count != 3 || plat[0].Points[0].Share != 1 || !plat[0].Points[0].T.Equal(day("2026-03-02")) {
				t.Errorf("bluesky weekly %+v", plat)
			}
		})
		t.Run(ns.name+"/territory", func(t *testing.T) {
			got, err := s.Territory(ctx, escucha.TerritoryQuery{Filter: handRange, Level: escucha.LevelAdmin1})
			if err != nil {
				t.Fatal(err)
			}
			record("territory", got)
			if len(got) != 2 {
				t.Fatalf("got %+v", got)
			}
			for _, r := range got {
				if r.Count != 1 || r.PrevCount != 0 || r.Population == 0 || r.Per100k == nil || r.ChangePct != nil {
					t.Errorf("row %+v", r)
				}
			}
			m, err := s.Territory(ctx, escucha.TerritoryQuery{Filter: handRange, Level: escucha.LevelAdmin2})
			if err != nil {
				t.Fatal(err)
			}
			record("territory_admin2", m)
			if len(m) != 2 || m[0].Code != "0101" || m[0].Admin1Code != "GT-01" || m[0].Population != 994938 {
				t.Errorf("municipios %+v", m)
			}
		})
		t.Run(ns.name+"/campaign", func(t *testing.T) {
			got, err := s.Campaign(ctx, escucha.CampaignQuery{Filter: handRange, ID: "nada_justifica", Interval: escucha.IntervalDay})
			if err != nil {
				t.Fatal(err)
			}
			record("campaign", got)
			if got.Mentions != 3 || got.UniqueAuthors != 2 || got.Engagement != 75 || got.PotentialReach != 1500 ||
				got.VAWConversation != 4 || got.ShareOfVoice != 0.75 {
				t.Errorf("totals %+v", got)
			}
			if len(got.OverTime) != 2 || got.OverTime[0].PotentialReach != 1000 || got.OverTime[0].ShareOfVoice != 0.5 ||
				got.OverTime[1].PotentialReach != 1500 || got.OverTime[1].UniqueAuthors != 2 || got.OverTime[1].ShareOfVoice != 1 {
				t.Errorf("over time %+v", got.OverTime)
			}
			// A wider period: every day has a point, zero on the quiet ones.
			wide, err := s.Campaign(ctx, escucha.CampaignQuery{Filter: escucha.Filter{From: day("2026-03-01"), To: day("2026-03-06")},
				ID: "nada_justifica", Interval: escucha.IntervalDay})
			if err != nil {
				t.Fatal(err)
			}
			record("campaign_wide", wide)
			if len(wide.OverTime) != 5 || !wide.OverTime[0].T.Equal(day("2026-03-01")) || wide.OverTime[0].Mentions != 0 ||
				wide.OverTime[1].Mentions == 0 || wide.OverTime[4].Mentions != 0 || !wide.OverTime[4].T.Equal(day("2026-03-05")) {
				t.Errorf("wide period over time %+v", wide.OverTime)
			}
			if len(got.ByCountry) != 2 || got.ByCountry[0] != (escucha.KeyCount{Key: "GT", Mentions: 2, Engagement: 55}) {
				t.Errorf("by country %+v", got.ByCountry)
			}
			if len(got.TopPosts) != 3 || got.TopPosts[0].ID != "bluesky:c" || !strings.HasPrefix(got.TopPosts[0].Author, "autor-") {
				t.Errorf("top posts %+v", got.TopPosts)
			}
			if len(got.TopAmplifiers) != 2 || got.TopAmplifiers[0].Posts != 2 || got.TopAmplifiers[0].Followers != 1200 ||
				strings.Contains(got.TopAmplifiers[0].Author, "colectiva") {
				t.Errorf("amplifiers %+v", got.TopAmplifiers)
			}
			open, err := s.Campaign(ctx, escucha.CampaignQuery{Filter: handRange, ID: "nada_justifica", ShowHandles: true})
			if err != nil {
				t.Fatal(err)
			}
			if open.TopAmplifiers[0].Author != "@colectiva.gt" {
				t.Errorf("with handles: %+v", open.TopAmplifiers)
			}
			if _, err := s.Campaign(ctx, escucha.CampaignQuery{ID: "x'; DROP TABLE docs"}); escucha.ErrorKind(err) != escucha.EInvalid {
				t.Errorf("bad id: %v", err)
			}
		})
		t.Run(ns.name+"/framing", func(t *testing.T) {
			got, err := s.Framing(ctx, escucha.FramingQuery{Filter: handRange, Interval: escucha.IntervalDay})
			if err != nil {
				t.Fatal(err)
			}
			record("framing", got)
			if len(got.OverTime) != 1 || got.OverTime[0].Total != 2 || got.OverTime[0].JustificacionShare != 0.5 || got.OverTime[0].DerechosShare != 0.5 {
				t.Errorf("over time %+v", got.OverTime)
			}
			if len(got.BySource) != 2 {
				t.Errorf("by source %+v", got.BySource)
			}
		})
		t.Run(ns.name+"/priority", func(t *testing.T) {
			got, err := s.Priority(ctx, escucha.PriorityQuery{Filter: handRange, Level: escucha.LevelAdmin1})
			if err != nil {
				t.Fatal(err)
			}
			record("priority", got)
			// Quetzaltenango: same count, smaller population, femicidio weighs more.
			if len(got) != 2 || got[0].Code != "GT-09" || got[0].Index != 100 || got[1].Index >= got[0].Index {
				t.Errorf("priority %+v", got)
			}
		})
		t.Run(ns.name+"/errors", func(t *testing.T) {
			if _, err := s.Attention(ctx, escucha.AttentionQuery{By: "color"}); escucha.ErrorKind(err) != escucha.EInvalid {
				t.Errorf("bad dimension: %v", err)
			}
			if _, err := s.Territory(ctx, escucha.TerritoryQuery{Level: "admin9"}); escucha.ErrorKind(err) != escucha.EInvalid {
				t.Errorf("bad level: %v", err)
			}
		})
	}
	for q, by := range answers {
		if len(by) == 2 && by["duckdb"] != by["clickhouse"] {
			t.Errorf("%s differs between stores:\nduckdb     %s\nclickhouse %s", q, by["duckdb"], by["clickhouse"])
		}
	}
}
