package trends_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends"
)

type muni struct{ a1, a1code, a2, a2code string }

var munis = []muni{
	{"Guatemala", "GT-01", "Guatemala", "0101"}, {"Guatemala", "GT-01", "Mixco", "0108"},
	{"Guatemala", "GT-01", "Villa Nueva", "0115"}, {"Escuintla", "GT-05", "Escuintla", "0501"},
	{"Quetzaltenango", "GT-09", "Quetzaltenango", "0901"}, {"Petén", "GT-17", "Flores", "1701"},
	{"Izabal", "GT-18", "Puerto Barrios", "1801"}, {"Chiquimula", "GT-20", "Chiquimula", "2001"},
}

var sources = []struct{ name, platform string }{
	{"prensalibre.com", "news"}, {"soy502.com", "news"}, {"lahora.gt", "news"},
	{"bsky.app", "bluesky"}, {"mastodon.gt", "mastodon"}, {"t.me/alertas", "telegram"},
}

// genCorpus makes n documents over 60 days from 2026-01-01, then re-versions,
// deletions and re-deliveries, shuffled into batches. It returns the batches and
// the final state (newest version per id) for a reference computation.
func genCorpus(seed uint64, n int) ([][]*escucha.Document, map[string]*escucha.Document) {
	r := rand.New(rand.NewPCG(seed, 7))
	start := day("2026-01-01")
	mk := func(i int) *escucha.Document {
		src := sources[r.IntN(len(sources))]
		m := munis[r.IntN(len(munis))]
		d := &escucha.Document{
			ID: fmt.Sprintf("doc-%05d", i), Version: 1, Platform: src.platform, Kind: "article",
			Source: src.name, SourceCountry: "GT", Title: "Nota de seguimiento sobre hechos de violencia",
			Published:  start.Add(time.Duration(r.IntN(60*24)) * time.Hour),
			Engagement: escucha.Engagement{Likes: int64(r.IntN(50))},
		}
		if r.IntN(10) > 0 {
			d.Places = place("GT", m.a1, m.a1code, m.a2, m.a2code)
		}
		for _, c := range escucha.Categories[:6] {
			if r.IntN(4) == 0 {
				d.Categories = append(d.Categories, escucha.Label{ID: c, Score: 0.7})
			}
		}
		if src.platform != "news" {
			d.Kind = "post"
			d.Author = escucha.Author{ID: fmt.Sprintf("u%d", r.IntN(40)), Handle: "@cuenta", Followers: int64(r.IntN(5000))}
			if r.IntN(3) == 0 {
				d.Campaigns = campaign("nada_justifica")
			}
		}
		if r.IntN(5) == 0 {
			d.Framing = frames([]string{"justificacion", "derechos"}[r.IntN(2)])
		}
		return d
	}
	final := map[string]*escucha.Document{}
	var all []*escucha.Document
	for i := 0; i < n; i++ {
		d := mk(i)
		all = append(all, d)
		final[d.ID] = d
		switch k := r.IntN(20); {
		case k < 4: // re-enriched: new categories, place and engagement
			v := mk(i)
			v.Version = 2 + int64(r.IntN(3))
			v.Published = d.Published
			all = append(all, v)
			final[d.ID] = v
		case k == 4: // deleted
			v := *d
			v.Version = 9
			v.Deleted = true
			all = append(all, &v)
			final[d.ID] = &v
		case k == 5: // delivered twice
			v := *d
			all = append(all, &v)
		}
	}
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	var batches [][]*escucha.Document
	for len(all) > 0 {
		k := min(len(all), 1+r.IntN(300))
		batches = append(batches, all[:k])
		all = all[k:]
	}
	return batches, final
}

// TestGeneratedCorpus runs every question on both stores over a random corpus with
// re-versions, deletions, duplicates and out-of-order delivery, and requires the
// same answers from both, and attention/territory equal to a Go reference.
func TestGeneratedCorpus(t *testing.T) {
	batches, final := genCorpus(42, 3000)
	now := day("2026-03-02")
	stores := openStores(t, trends.Config{AuthorSecret: secret, Now: func() time.Time { return now }})
	answers := map[string][]string{}
	var names []string
	for _, ns := range stores {
		names = append(names, ns.name)
		for _, b := range batches {
			write(t, ns.s, b...)
		}
		f := escucha.Filter{From: day("2026-01-01"), To: day("2026-03-02")}
		for q, a := range askAll(t, ns) {
			answers[q] = append(answers[q], a)
		}
		checkReference(t, ns, final, f)
	}
	if len(names) == 2 {
		for q, a := range answers {
			if a[0] != a[1] {
				t.Errorf("%s differs between %s and %s:\n%s\n%s", q, names[0], names[1], clip(a[0]), clip(a[1]))
			}
		}
	}
}

// askAll asks every question of the generated corpus (2026-01-01 to 2026-03-02)
// and returns the JSON answers by name.
func askAll(t *testing.T, ns namedStore) map[string]string {
	t.Helper()
	ctx := context.Background()
	f := escucha.Filter{From: day("2026-01-01"), To: day("2026-03-02")}
	out := map[string]string{}
	questions := []struct {
		name string
		ask  func() (any, error)
	}{
		{"attention_category_day", func() (any, error) {
			return ns.s.Attention(ctx, escucha.AttentionQuery{Filter: f, By: escucha.ByCategory, Interval: escucha.IntervalDay})
		}},
		{"attention_admin2_week_filtered", func() (any, error) {
			g := f
			g.Admin1 = []string{"GT-01", "GT-05"}
			g.Categories = []string{"homicidio", "extorsion"}
			return ns.s.Attention(ctx, escucha.AttentionQuery{Filter: g, By: escucha.ByAdmin2, Interval: escucha.IntervalWeek})
		}},
		{"attention_source_month_top3", func() (any, error) {
			return ns.s.Attention(ctx, escucha.AttentionQuery{Filter: f, By: escucha.BySource, Interval: escucha.IntervalMonth, Limit: 3})
		}},
		{"attention_campaign_framing", func() (any, error) {
			g := f
			g.Platforms = []string{"bluesky", "mastodon"}
			return ns.s.Attention(ctx, escucha.AttentionQuery{Filter: g, By: escucha.ByFraming, Interval: escucha.IntervalDay})
		}},
		{"territory_admin1", func() (any, error) {
			return ns.s.Territory(ctx, escucha.TerritoryQuery{Filter: escucha.Filter{From: day("2026-02-01"), To: day("2026-03-02")}})
		}},
		{"territory_admin2", func() (any, error) {
			return ns.s.Territory(ctx, escucha.TerritoryQuery{Filter: escucha.Filter{From: day("2026-02-01"), To: day("2026-03-02")}, Level: escucha.LevelAdmin2})
		}},
		{"priority_admin2", func() (any, error) {
			return ns.s.Priority(ctx, escucha.PriorityQuery{Filter: escucha.Filter{From: day("2026-02-01"), To: day("2026-03-02")}, Level: escucha.LevelAdmin2})
		}},
		{"campaign", func() (any, error) {
			return ns.s.Campaign(ctx, escucha.CampaignQuery{Filter: f, ID: "nada_justifica", Interval: escucha.IntervalWeek})
		}},
		{"framing", func() (any, error) {
			return ns.s.Framing(ctx, escucha.FramingQuery{Filter: f, Interval: escucha.IntervalMonth})
		}},
		{"sources", func() (any, error) { return ns.s.Sources(ctx, escucha.SourcesQuery{Day: day("2026-03-01")}) }},
		{"alerts_detect", func() (any, error) { return ns.s.DetectAlerts(ctx, day("2026-02-20")) }},
		{"alerts_list", func() (any, error) { return ns.s.Alerts(ctx, escucha.AlertQuery{}) }},
	}
	for _, q := range questions {
		v, err := q.ask()
		if err != nil {
			t.Fatalf("%s %s: %v", ns.name, q.name, err)
		}
		b, _ := json.Marshal(v)
		out[q.name] = string(b)
	}
	return out
}

func clip(s string) string {
	if len(s) > 600 {
		return s[:600] + "…"
	}
	return s
}

// checkReference compares attention by category and territory by municipality with
// counts computed in Go from the final versions.
func checkReference(t *testing.T, ns namedStore, final map[string]*escucha.Document, f escucha.Filter) {
	t.Helper()
	ctx := context.Background()
	byCat := map[string]map[time.Time]int64{}
	byMuni := map[string]int64{}
	for _, d := range final {
		if d.Deleted || d.Published.Before(f.From) || !d.Published.Before(f.To) {
			continue
		}
		t0 := d.Published.Truncate(24 * time.Hour)
		for _, c := range d.CategoryIDs() {
			if byCat[c] == nil {
				byCat[c] = map[time.Time]int64{}
			}
			byCat[c][t0]++
		}
		if p, ok := d.Focus(); ok && !d.Published.Before(day("2026-02-01")) {
			byMuni[p.Admin2Code]++
		}
	}
	series, err := ns.s.Attention(ctx, escucha.AttentionQuery{Filter: f, By: escucha.ByCategory, Interval: escucha.IntervalDay})
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != len(byCat) {
		t.Errorf("%s: %d category series, reference %d", ns.name, len(series), len(byCat))
	}
	for _, s := range series {
		for _, p := range s.Points {
			if want := byCat[s.Key][p.T]; p.Count != want {
				t.Errorf("%s: %s on %s = %d, reference %d", ns.name, s.Key, p.T.Format("2006-01-02"), p.Count, want)
			}
		}
	}
	rows, err := ns.s.Territory(ctx, escucha.TerritoryQuery{Filter: escucha.Filter{From: day("2026-02-01"), To: f.To}, Level: escucha.LevelAdmin2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(byMuni) {
		t.Errorf("%s: %d municipios, reference %d", ns.name, len(rows), len(byMuni))
	}
	for _, r := range rows {
		if r.Count != byMuni[r.Code] {
			t.Errorf("%s: municipio %s = %d, reference %d", ns.name, r.Code, r.Count, byMuni[r.Code])
		}
	}
}
