package trends_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends"
)

// Benchmarks run the attention and territory questions over benchRows documents
// (default 10M; ESCUCHA_BENCH_ROWS to change) generated inside each database with
// INSERT … SELECT from numbers()/range(). The generated databases are kept between
// runs (ClickHouse database escucha_bench_<rows>, DuckDB file in the temp dir) so
// that `go test -bench` measures queries, not loading. See docs/benchmarks-trends.md.

func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("ESCUCHA_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 10_000_000
}

// benchArrays builds SQL array literals of the gazetteer's municipality codes and
// their departments, and of the categories, so generated rows look like real ones.
func benchArrays() (muni, dept, cats string) {
	var m, d []string
	f, err := os.ReadFile("internal/core/population_gt.tsv")
	if err != nil {
		panic(err)
	}
	for _, line := range strings.Split(string(f), "\n") {
		c := strings.Split(line, "\t")
		if len(c) < 8 || strings.HasPrefix(line, "#") {
			continue
		}
		m = append(m, "'"+c[1]+"'")
		d = append(d, "'"+c[5]+"'")
	}
	var cs []string
	for _, c := range escucha.Categories {
		cs = append(cs, "'"+c+"'")
	}
	return "[" + strings.Join(m, ",") + "]", "[" + strings.Join(d, ",") + "]", "[" + strings.Join(cs, ",") + "]"
}

// generateSQL is the row generator for each store: one year (2025) of documents over
// 340 municipalities, 200 sources, 4 platforms, 1–2 categories each.
func generateSQL(store string, rows int) string {
	muni, dept, cats := benchArrays()
	num, idx, ts, empty, cast := "number", "arrayElement", "toDateTime", "emptyArrayString()", "toInt64"
	from := fmt.Sprintf("numbers(%d)", rows)
	if store == "duckdb" {
		num, idx, ts, empty = "range", "list_extract", "make_timestamp", "CAST([] AS VARCHAR[])"
		cast = "CAST"
		from = fmt.Sprintf("range(%d)", rows)
	}
	i64 := func(e string) string {
		if cast == "CAST" {
			return "CAST(" + e + " AS BIGINT)"
		}
		return "toInt64(" + e + ")"
	}
	t := fmt.Sprintf("1735689600 + ((%s * 7919) %% 31536000)", num)
	if store == "duckdb" {
		t = ts + "((" + t + ") * 1000000)"
	} else {
		t = ts + "(" + t + ")"
	}
	m := fmt.Sprintf("((%s * 31) %% 340) + 1", num)
	c1 := fmt.Sprintf("%s(%s, (%s %% 12) + 1)", idx, cats, num)
	div := "intDiv(" + num + ", 12)"
	if store == "duckdb" {
		div = "(" + num + " // 12)"
	}
	c2 := fmt.Sprintf("%s(%s, (%s %% 12) + 1)", idx, cats, div)
	cols := []string{
		fmt.Sprintf("concat('b', CAST(%s AS %s))", num, map[bool]string{true: "VARCHAR", false: "String"}[store == "duckdb"]),
		map[bool]string{true: "1", false: "toUInt64(1)"}[store == "duckdb"],
		"0", t, t,
		fmt.Sprintf("concat('fuente', CAST(%s %% 200 AS %s))", num, map[bool]string{true: "VARCHAR", false: "String"}[store == "duckdb"]),
		"'GT'",
		fmt.Sprintf("%s(['news','bluesky','mastodon','telegram'], (%s %% 4) + 1)", idx, num),
		"'article'", "'es'", "'GT'",
		"'departamento'", fmt.Sprintf("%s(%s, %s)", idx, dept, m),
		"'municipio'", fmt.Sprintf("%s(%s, %s)", idx, muni, m),
		fmt.Sprintf("if(%s %% 3 = 0, [%s, %s], [%s])", num, c1, c2, c1),
		fmt.Sprintf("if(%s %% 50 = 0, ['nada_justifica'], %s)", num, empty),
		fmt.Sprintf("if(%s %% 20 = 0, ['derechos'], %s)", num, empty),
		i64(num + " % 100"), i64("0"),
		fmt.Sprintf("concat('a', CAST(%s %% 100000 AS %s))", num, map[bool]string{true: "VARCHAR", false: "String"}[store == "duckdb"]),
		i64(num + " % 5000"), "''", "''", "''",
	}
	names := strings.Split("id, version, deleted, published, fetched, source, source_country, platform, kind, lang, "+
		"focus_country, focus_admin1, focus_admin1_code, focus_admin2, focus_admin2_code, categories, campaigns, "+
		"framing, engagement, views, author_hash, followers, cluster_id, url, title", ", ")
	for i := range cols {
		cols[i] += " AS " + names[i]
	}
	sel := "SELECT " + strings.Join(cols, ", ") + " FROM " + from
	if store == "duckdb" {
		// Without the PRIMARY KEY: building its index for 10M generated rows takes
		// longer than the whole benchmark on the shared 2-core sandbox, and the
		// questions never use it (they scan). Writes are measured by BenchmarkWrite.
		return "DROP TABLE docs; CREATE TABLE docs AS " + sel
	}
	return "INSERT INTO docs " + sel
}

func openBench(b *testing.B) []namedStore {
	b.Helper()
	ctx := context.Background()
	rows := benchRows()
	cfg := trends.Config{AuthorSecret: secret}
	var out []namedStore
	path := filepath.Join(os.TempDir(), fmt.Sprintf("escucha-bench-%d.duckdb", rows))
	d, err := trends.Open(ctx, "duckdb:"+path, cfg, testLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	out = append(out, namedStore{"duckdb", d})
	if base := os.Getenv("ESCUCHA_CLICKHOUSE"); base != "" {
		i := strings.LastIndex(base, "/")
		c, err := trends.Open(ctx, fmt.Sprintf("%s/escucha_bench_%d", base[:i], rows), cfg, testLogger(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { c.Close() })
		out = append(out, namedStore{"clickhouse", c})
	} else if os.Getenv("CI") == "true" {
		b.Fatal("ESCUCHA_CLICKHOUSE is not set and CI=true")
	}
	for _, ns := range out {
		n := countAll(b, ns.s)
		if n == int64(rows) {
			continue
		}
		if n != 0 {
			b.Fatalf("%s bench store holds %d rows, want 0 or %d: remove it", ns.name, n, rows)
		}
		start := time.Now()
		if err := ns.s.Exec(ctx, generateSQL(ns.name, rows)); err != nil {
			b.Fatalf("%s generate: %v", ns.name, err)
		}
		b.Logf("%s: generated %d rows in %s", ns.name, rows, time.Since(start).Round(time.Millisecond))
		// The generated table was filled behind Write's back: DuckDB's rollups,
		// which Write keeps, are computed once from it (ClickHouse's come with
		// compaction, below).
		if r, ok := ns.s.(interface{ RebuildRollups(context.Context) error }); ok {
			start := time.Now()
			if err := r.RebuildRollups(ctx); err != nil {
				b.Fatalf("%s rollups: %v", ns.name, err)
			}
			b.Logf("%s: rollups rebuilt in %s", ns.name, time.Since(start).Round(time.Millisecond))
		}
	}
	// Closed months are compacted, as the aggregator does in the background (a
	// partition written in the last 10 minutes stays as it is and is read with
	// FINAL). ESCUCHA_BENCH_NO_COMPACT=1 measures the table as the load left it.
	for _, ns := range out {
		c, ok := ns.s.(compacter)
		if !ok || os.Getenv("ESCUCHA_BENCH_NO_COMPACT") != "" {
			continue
		}
		start := time.Now()
		n, err := c.Compact(ctx)
		if err != nil {
			b.Fatalf("%s compact: %v", ns.name, err)
		}
		p, err := c.Plan(ctx)
		if err != nil {
			b.Fatal(err)
		}
		from, _ := p.From("…", nil)
		b.Logf("%s: compacted %d partitions in %s; reads %s", ns.name, n, time.Since(start).Round(time.Millisecond), from)
	}
	return out
}

func countAll(b *testing.B, s trends.Store) int64 {
	series, err := s.Attention(context.Background(), escucha.AttentionQuery{Interval: escucha.IntervalMonth})
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, x := range series {
		for _, p := range x.Points {
			n += p.Count
		}
	}
	return n
}

func BenchmarkAttention(b *testing.B) {
	ctx := context.Background()
	for _, ns := range openBench(b) {
		for _, q := range []struct {
			name string
			q    escucha.AttentionQuery
		}{
			{"category_day_year", escucha.AttentionQuery{By: escucha.ByCategory, Interval: escucha.IntervalDay,
				Filter: escucha.Filter{From: day("2025-01-01"), To: day("2026-01-01")}}},
			{"admin1_week_filtered", escucha.AttentionQuery{By: escucha.ByAdmin1, Interval: escucha.IntervalWeek,
				Filter: escucha.Filter{From: day("2025-01-01"), To: day("2026-01-01"), Categories: []string{"homicidio", "femicidio"}, Platforms: []string{"news"}}}},
		} {
			b.Run(ns.name+"/"+q.name, func(b *testing.B) {
				for b.Loop() {
					if _, err := ns.s.Attention(ctx, q.q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkTerritory(b *testing.B) {
	ctx := context.Background()
	for _, ns := range openBench(b) {
		for _, level := range []string{escucha.LevelAdmin1, escucha.LevelAdmin2} {
			b.Run(ns.name+"/"+level+"_30d", func(b *testing.B) {
				q := escucha.TerritoryQuery{Level: level, Filter: escucha.Filter{From: day("2025-06-01"), To: day("2025-07-01")}}
				for b.Loop() {
					if _, err := ns.s.Territory(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkWrite measures the sink: batches of 500 new documents, then the same
// batches again as newer versions (the upsert path).
func BenchmarkWrite(b *testing.B) {
	ctx := context.Background()
	batches, _ := genCorpus(7, 5000)
	var docs []*escucha.Document
	for _, bt := range batches {
		docs = append(docs, bt...)
	}
	for _, ns := range openStores(b, trends.Config{AuthorSecret: secret}) {
		b.Run(ns.name, func(b *testing.B) {
			v := int64(100)
			n := 0
			for b.Loop() {
				v++
				batch := make([]*escucha.Document, 0, 500)
				for _, d := range docs[:500] {
					c := *d
					c.ID = fmt.Sprintf("%s-%d", d.ID, n%4)
					c.Version = v
					batch = append(batch, &c)
				}
				n++
				if err := ns.s.Write(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*500)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}
