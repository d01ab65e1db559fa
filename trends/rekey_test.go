package trends_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends"
)

// TestVersionMovesDay: newer versions of a document published on another day (and
// month) replace the old one on every store, in and out of order, never counting twice.
func TestVersionMovesDay(t *testing.T) {
	ctx := context.Background()
	at := noon
	doc := func(v int64, p time.Time) *escucha.Document {
		return &escucha.Document{ID: "mastodon:42", Platform: "mastodon", Kind: "post", Source: "m.example",
			Version: v, Published: p, Fetched: at(2026, 11, 20), Text: "x",
			Categories: []escucha.Label{{ID: "extorsion", Score: 0.9}}}
	}
	steps := []struct {
		name string
		docs []*escucha.Document
		want map[string]int64 // month → count
	}{
		{"first version in october", []*escucha.Document{doc(1, at(2026, 10, 5))}, map[string]int64{"2026-10": 1}},
		{"v2 moves to november", []*escucha.Document{doc(2, at(2026, 11, 3))}, map[string]int64{"2026-11": 1}},
		{"v3 moves to another november day", []*escucha.Document{doc(3, at(2026, 11, 9))}, map[string]int64{"2026-11": 1}},
		{"late v2 re-delivered", []*escucha.Document{doc(2, at(2026, 11, 3))}, map[string]int64{"2026-11": 1}},
		{"v1 re-delivered", []*escucha.Document{doc(1, at(2026, 10, 5))}, map[string]int64{"2026-11": 1}},
	}
	cfg := trends.Config{AuthorSecret: secret, CompactQuiet: time.Nanosecond, CompactEvery: -1}
	for _, st := range openStores(t, cfg) {
		t.Run(st.name, func(t *testing.T) {
			for _, step := range steps {
				if err := st.s.Write(ctx, step.docs); err != nil {
					t.Fatalf("%s: %v", step.name, err)
				}
				check(t, st, step.name+" (as written)", step.want)
				// ClickHouse: again with the months compacted, read by plain
				// scans and from their rollups.
				if c, ok := st.s.(compacter); ok {
					if _, err := c.Compact(ctx); err != nil {
						t.Fatalf("%s: compact: %v", step.name, err)
					}
					check(t, st, step.name+" (compacted)", step.want)
				}
			}
		})
	}
}

// check asks for the documents per month with noon bounds (read from docs) and
// with midnight bounds (answered by the rollups where the store has them).
func check(t *testing.T, st namedStore, step string, want map[string]int64) {
	t.Helper()
	ctx := context.Background()
	for _, from := range []time.Time{noon(2026, 9, 1), day("2026-09-01")} {
		series, err := st.s.Attention(ctx, escucha.AttentionQuery{By: escucha.ByNone, Interval: escucha.IntervalMonth,
			Filter: escucha.Filter{From: from, To: from.AddDate(0, 3, 0)}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, s := range series {
			for _, p := range s.Points {
				if p.Count != 0 {
					got[p.T.Format("2006-01")] += p.Count
				}
			}
		}
		if a, b := mustJSON(got), mustJSON(want); a != b {
			t.Fatalf("%s (from %s): counts by month %s, want %s", step, from, a, b)
		}
	}
}

func noon(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 12, 0, 0, 0, time.UTC) }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
