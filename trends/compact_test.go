package trends_test

import (
	"context"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends"
	"github.com/infosegura/escucha/trends/internal/core"
)

// compacter is the ClickHouse store's compaction and read planning (DuckDB keeps
// one row per id and has neither).
type compacter interface {
	Compact(ctx context.Context) (int, error)
	Plan(ctx context.Context) (core.Plan, error)
}

// TestCompactedPartitions writes the generated corpus, compacts the ClickHouse
// month partitions (which are then read without FINAL), re-versions, deletes and
// re-delivers documents inside a compacted partition, and checks at every step
// that both stores give the same answers to every question and that attention
// and territory equal the Go reference: before compaction (FINAL), with some
// partitions compact and others not (plain scan ∪ FINAL), and after compacting
// again (plain scan only).
func TestCompactedPartitions(t *testing.T) {
	ctx := context.Background()
	batches, all := genCorpus(11, 1500)
	now := day("2026-03-02")
	cfg := trends.Config{AuthorSecret: secret, Now: func() time.Time { return now },
		CompactQuiet: time.Nanosecond, CompactEvery: -1}
	stores := openStores(t, cfg)
	f := escucha.Filter{From: day("2026-01-01"), To: day("2026-03-02")}
	half := len(batches) / 2

	// Documents of January that the later steps change.
	var jan []*escucha.Document
	for _, d := range all {
		if !d.Deleted && d.Published.Month() == time.January && len(d.Places) > 0 && len(jan) < 3 {
			jan = append(jan, d)
		}
	}
	if len(jan) < 3 {
		t.Fatal("corpus has too few January documents")
	}
	reversion := *jan[0] // new categories and another municipality, same day
	reversion.Version += 10
	reversion.Categories = labels(escucha.CatExtorsion)
	reversion.Places = place("GT", "Izabal", "GT-18", "Puerto Barrios", "1801")
	deletion := *jan[1]
	deletion.Version += 10
	deletion.Deleted = true
	redelivery := *jan[2]
	late := &escucha.Document{ID: "tardio-febrero", Version: 1, Platform: "news", Kind: "article",
		Source: "lahora.gt", SourceCountry: "GT", Published: at("2026-02-10 09:30"),
		Categories: labels(escucha.CatHomicidio), Places: place("GT", "Guatemala", "GT-01", "Mixco", "0108")}
	steps := []struct {
		name    string
		write   [][]*escucha.Document
		compact bool
		clean   []string // ClickHouse partitions that must be read without FINAL
		dirty   int      // and how many with FINAL
	}{
		{"first half compacted", batches[:half], true, []string{"202601", "202602", "202603"}, 0},
		{"second half on top", batches[half:], false, nil, 3},
		{"compacted again", nil, true, []string{"202601", "202602", "202603"}, 0},
		{"re-version, deletion, re-delivery in a compacted partition",
			[][]*escucha.Document{{&reversion, &deletion}, {&redelivery, &redelivery}}, false, []string{"202602", "202603"}, 1},
		{"compacted after the changes", nil, true, []string{"202601", "202602", "202603"}, 0},
		{"a late document in February", [][]*escucha.Document{{late}}, false, []string{"202601", "202603"}, 1},
	}
	// final is the reference state: the newest version of each id written so
	// far (equal versions: the last written).
	final := map[string]*escucha.Document{}
	for _, st := range steps {
		for _, b := range st.write {
			for _, d := range b {
				if old := final[d.ID]; old == nil || d.Version >= old.Version {
					final[d.ID] = d
				}
			}
		}
		answers := map[string][]string{}
		var names []string
		for _, ns := range stores {
			for _, b := range st.write {
				write(t, ns.s, b...)
			}
			if c, ok := ns.s.(compacter); ok {
				if st.compact {
					if _, err := c.Compact(ctx); err != nil {
						t.Fatalf("%s: compact: %v", st.name, err)
					}
				}
				checkPlan(t, st.name, c, st.clean, st.dirty)
			}
			names = append(names, ns.name)
			for q, a := range askAll(t, ns) {
				answers[q] = append(answers[q], a)
			}
			checkReference(t, ns, final, f)
		}
		if len(names) == 2 {
			for q, a := range answers {
				if a[0] != a[1] {
					t.Errorf("%s: %s differs between %s and %s:\n%s\n%s", st.name, q, names[0], names[1], clip(a[0]), clip(a[1]))
				}
			}
		}
	}
}

// checkPlan checks which partitions a query reads without FINAL.
func checkPlan(t *testing.T, step string, c compacter, clean []string, dirty int) {
	t.Helper()
	p, err := c.Plan(context.Background())
	if err != nil {
		t.Fatalf("%s: plan: %v", step, err)
	}
	from, uses := p.From("deleted = 0", []string{"published"})
	t.Logf("%s: %s", step, from)
	if p.Compact() != (len(clean) > 0) {
		t.Errorf("%s: compact = %v, want %v", step, p.Compact(), len(clean) > 0)
	}
	if len(clean) > 0 {
		want := "FROM (SELECT published FROM docs WHERE toYYYYMM(published) IN (" + join(clean) + ") AND (deleted = 0)"
		if len(from) < len(want) || from[:len(want)] != want {
			t.Errorf("%s: reads %s, want compact partitions %v", step, from, clean)
		}
		if wantUses := map[bool]int{true: 2, false: 1}[dirty > 0]; uses != wantUses {
			t.Errorf("%s: condition used %d times, want %d", step, uses, wantUses)
		}
	}
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}

// TestPlanNoticesInsert: a plan made before an insert into a compacted partition
// is no longer valid (the query would read two versions without FINAL), so the
// query is repeated; a plan made after it is.
func TestPlanNoticesInsert(t *testing.T) {
	ctx := context.Background()
	cfg := trends.Config{AuthorSecret: secret, CompactQuiet: time.Nanosecond, CompactEvery: -1}
	for _, ns := range openStores(t, cfg) {
		c, ok := ns.s.(compacter)
		if !ok {
			continue
		}
		doc := &escucha.Document{ID: "nota-1", Version: 1, Platform: "news", Source: "soy502.com",
			Published: at("2026-01-05 08:00"), Categories: labels(escucha.CatRobo)}
		write(t, ns.s, doc)
		if _, err := c.Compact(ctx); err != nil {
			t.Fatal(err)
		}
		before, err := c.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !before.Compact() {
			t.Fatal("partition 202601 not compact after Compact")
		}
		v2 := *doc
		v2.Version = 2
		v2.Categories = labels(escucha.CatExtorsion)
		write(t, ns.s, &v2)
		if same, err := before.Same(ctx); err != nil || same {
			t.Errorf("plan still valid after an insert into its compact partition (same=%v, err=%v)", same, err)
		}
		after, err := c.Plan(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after.Compact() {
			t.Error("partition with two versions planned without FINAL")
		}
		if same, err := after.Same(ctx); err != nil || !same {
			t.Errorf("fresh plan not valid (same=%v, err=%v)", same, err)
		}
		write(t, ns.s, &escucha.Document{ID: "nota-2", Version: 1, Platform: "news", Source: "soy502.com",
			Published: at("2026-04-05 08:00")})
		if same, err := after.Same(ctx); err != nil || same {
			t.Errorf("plan still valid after a new partition appeared (same=%v, err=%v)", same, err)
		}
		series, err := ns.s.Attention(ctx, escucha.AttentionQuery{By: escucha.ByCategory, Interval: escucha.IntervalMonth,
			Filter: escucha.Filter{From: day("2026-01-01"), To: day("2026-02-01")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 1 || series[0].Key != escucha.CatExtorsion || series[0].Points[0].Count != 1 {
			t.Errorf("attention after re-version: %+v, want extorsion 1", series)
		}
	}
}

// TestBackgroundCompaction: Write starts the compaction on its own, and Close
// waits for it.
func TestBackgroundCompaction(t *testing.T) {
	ctx := context.Background()
	cfg := trends.Config{AuthorSecret: secret, CompactQuiet: time.Nanosecond, CompactEvery: time.Nanosecond}
	for _, ns := range openStores(t, cfg) {
		c, ok := ns.s.(compacter)
		if !ok {
			continue
		}
		doc := &escucha.Document{ID: "nota-1", Version: 1, Platform: "news", Source: "lahora.gt",
			Published: at("2026-01-05 08:00"), Categories: labels(escucha.CatRobo)}
		v2 := *doc
		v2.Version = 2
		write(t, ns.s, doc, &v2) // one level-0 part holding two versions
		deadline := time.Now().Add(30 * time.Second)
		for {
			p, err := c.Plan(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if p.Compact() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("partition 202601 not compacted by the background compaction after 30 s")
			}
			write(t, ns.s, &v2) // re-delivery: Write is what triggers the check
			time.Sleep(200 * time.Millisecond)
		}
		series, err := ns.s.Attention(ctx, escucha.AttentionQuery{Interval: escucha.IntervalMonth,
			Filter: escucha.Filter{From: day("2026-01-01"), To: day("2026-02-01")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(series) != 1 || series[0].Points[0].Count != 1 {
			t.Errorf("after background compaction: %+v, want 1 document", series)
		}
	}
}
