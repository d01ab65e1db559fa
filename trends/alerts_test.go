package trends_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends"
)

func TestScore(t *testing.T) {
	flat := make([]int64, 28)
	for i := range flat {
		flat[i] = 2
	}
	noisy := []int64{10, 12, 9, 11, 30, 10, 8, 11, 12, 10, 9, 13, 10, 11, 10, 12, 9, 11, 10, 10, 0, 12, 11, 10, 9, 10, 11, 12}
	for _, tc := range []struct {
		name     string
		x        int64
		baseline []int64
		alert    bool
	}{
		{"flat baseline, big jump", 15, flat, true},
		{"flat baseline, one more", 3, flat, false},
		{"noisy baseline, normal day", 13, noisy, false},
		{"noisy baseline, spike", 30, noisy, true},
		{"empty baseline, a few", 3, make([]int64, 28), false},
		{"empty baseline, a burst", 8, make([]int64, 28), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, med, mad := trends.Score(tc.x, tc.baseline)
			if (s >= 3.5) != tc.alert {
				t.Errorf("score %.2f (median %.1f, mad %.1f), alert want %v", s, med, mad, tc.alert)
			}
		})
	}
}

type fakeCounter struct{ counts []int64 }

func (f fakeCounter) DailyCounts(_ context.Context, s escucha.SavedSearch, from, to time.Time) ([]int64, error) {
	n := int(to.Sub(from).Hours() / 24)
	if len(f.counts) != n {
		return nil, fmt.Errorf("want %d days", n)
	}
	return f.counts, nil
}

// TestAlertsAndSources builds 28 quiet days and a spike, on both stores: the spike
// alerts once (cool-down, re-runs), the steady key does not, the webhook gets the
// alerts, and source health flags the source that went quiet.
func TestAlertsAndSources(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var posted []escucha.Alert
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Alerts []escucha.Alert }
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		posted = append(posted, body.Alerts...)
		mu.Unlock()
	}))
	defer hook.Close()
	search := make([]int64, 29)
	for i := range search {
		search[i] = 4
	}
	search[28] = 40
	cfg := trends.Config{AuthorSecret: secret, Now: func() time.Time { return day("2026-02-02") },
		Alerts: trends.AlertConfig{WebhookURL: hook.URL,
			Searches: []escucha.SavedSearch{{ID: "s1", Label: "Desaparecidas Izabal", Query: "desaparecida izabal"}},
			Counter:  fakeCounter{search}}}
	spike := day("2026-02-01")
	var docs []*escucha.Document
	n := 0
	add := func(t time.Time, k int, src, cat string, m muni) {
		for i := 0; i < k; i++ {
			n++
			docs = append(docs, &escucha.Document{ID: fmt.Sprint("al-", n), Version: 1, Platform: "news",
				Source: src, Published: t.Add(time.Duration(i) * time.Minute), Categories: labels(cat),
				Places: place("GT", m.a1, m.a1code, m.a2, m.a2code)})
		}
	}
	for d := 28; d >= 0; d-- {
		t0 := spike.AddDate(0, 0, -d).Add(9 * time.Hour)
		femicidios := 1 + d%2
		robos := 10 + d%3
		if d == 0 {
			femicidios, robos = 12, 12
		}
		add(t0, femicidios, "lahora.gt", "femicidio", munis[4])
		add(t0, robos, "prensalibre.com", "robo", munis[0])
		if d > 0 {
			add(t0, 4, "diariodelsur.gt", "homicidio", munis[3]) // goes quiet on the spike day
		}
		if d == 0 {
			add(t0.Add(-48*time.Hour), 1, "nuevo.gt", "robo", munis[1])
		}
	}
	var lists []string
	for _, ns := range openStores(t, cfg) {
		posted = nil
		s := ns.s
		for i := 0; i < len(docs); i += 100 {
			write(t, s, docs[i:min(i+100, len(docs))]...)
		}
		got, err := s.DetectAlerts(ctx, spike.Add(15*time.Hour))
		if err != nil {
			t.Fatalf("%s detect: %v", ns.name, err)
		}
		keys := map[string]bool{}
		for _, a := range got {
			keys[a.Kind+"|"+a.Key] = true
		}
		if len(got) != 2 || !keys["category_place|femicidio|GT|GT-09"] || !keys["search|s1"] {
			t.Errorf("%s alerts %+v, want femicidio in GT-09 and search s1", ns.name, got)
		}
		again, err := s.DetectAlerts(ctx, spike)
		if err != nil || len(again) != 0 {
			t.Errorf("%s re-run: %+v %v", ns.name, again, err)
		}
		next, err := s.DetectAlerts(ctx, spike.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range next {
			if a.Key == "femicidio|GT|GT-09" {
				t.Errorf("%s: alert within cool-down %+v", ns.name, a)
			}
		}
		list, err := s.Alerts(ctx, escucha.AlertQuery{From: spike, To: spike.AddDate(0, 0, 1)})
		if err != nil || len(list) != 2 {
			t.Errorf("%s list: %+v %v", ns.name, list, err)
		}
		b, _ := json.Marshal(list)
		lists = append(lists, string(b))
		mu.Lock()
		if len(posted) != 2 {
			t.Errorf("%s webhook got %d alerts, want 2", ns.name, len(posted))
		}
		mu.Unlock()

		health, err := s.Sources(ctx, escucha.SourcesQuery{Day: spike})
		if err != nil {
			t.Fatal(err)
		}
		status := map[string]string{}
		for _, h := range health {
			status[h.Source] = h.Status
		}
		want := map[string]string{"diariodelsur.gt": "quiet", "nuevo.gt": "new", "prensalibre.com": "ok", "lahora.gt": "high"}
		for k, v := range want {
			if status[k] != v {
				t.Errorf("%s: source %s is %q, want %q (%+v)", ns.name, k, status[k], v, health)
			}
		}
	}
	if len(lists) == 2 && lists[0] != lists[1] {
		t.Errorf("alert lists differ:\n%s\n%s", lists[0], lists[1])
	}
}
