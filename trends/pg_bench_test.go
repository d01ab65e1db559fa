package trends_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends"
)

// The side-by-side benchmark: the same generated rows in PostgreSQL (the peer a
// user would pick instead), the same questions as plain GROUP BY SQL, answers
// checked equal, then every question timed on the three databases in turn, in
// one run. See docs/benchmarks-trends.md.
//
//	scripts/postgres.sh start /tmp/pg      # → POSTGRES_DSN=…
//	ESCUCHA_POSTGRES=… ESCUCHA_CLICKHOUSE=… go test ./trends/ -run '^$' \
//	    -bench VersusPostgres -benchtime 7x -timeout 90m

// pgBenchRow is row n of the generator, written once more in Go for COPY: the
// same formulas as generateSQL (the answer check below proves they agree).
func pgBenchRow(n int64, muni, dept []string) []any {
	ts := time.Unix(1735689600+(n*7919)%31536000, 0).UTC()
	cats := escucha.Categories
	c := []string{cats[n%12]}
	if n%3 == 0 {
		c = append(c, cats[(n/12)%12])
	}
	camp, fr := []string{}, []string{}
	if n%50 == 0 {
		camp = []string{"nada_justifica"}
	}
	if n%20 == 0 {
		fr = []string{"derechos"}
	}
	m := (n * 31) % 340
	return []any{"b" + strconv.FormatInt(n, 10), int64(1), int16(0), ts, ts,
		"fuente" + strconv.FormatInt(n%200, 10), "GT", []string{"news", "bluesky", "mastodon", "telegram"}[n%4],
		"article", "es", "GT", "departamento", dept[m], "municipio", muni[m], c, camp, fr,
		n % 100, int64(0), "a" + strconv.FormatInt(n%100000, 10), n % 5000, "", "", ""}
}

// pgBenchArrays are the municipality and department codes generateSQL indexes.
func pgBenchArrays() (muni, dept []string) {
	m, d, _ := benchArrays()
	split := func(s string) []string {
		var out []string
		for _, x := range strings.Split(strings.Trim(s, "[]"), ",") {
			out = append(out, strings.Trim(x, "'"))
		}
		return out
	}
	return split(m), split(d)
}

// pgSchema is what a careful PostgreSQL user would make for these questions: the
// whole document row (arrays for categories, campaigns, framing), loaded in
// publication order as an append-only table is, a BRIN index on published (plus
// a btree for narrow ranges), btree on department and municipality with
// published, GIN on categories, then VACUUM ANALYZE.
const pgSchema = `
DROP TABLE IF EXISTS docs;
CREATE TABLE docs (
    id text PRIMARY KEY, version bigint NOT NULL, deleted smallint NOT NULL,
    published timestamp NOT NULL, fetched timestamp NOT NULL, source text NOT NULL,
    source_country text NOT NULL, platform text NOT NULL, kind text NOT NULL, lang text NOT NULL,
    focus_country text NOT NULL, focus_admin1 text NOT NULL, focus_admin1_code text NOT NULL,
    focus_admin2 text NOT NULL, focus_admin2_code text NOT NULL, categories text[] NOT NULL,
    campaigns text[] NOT NULL, framing text[] NOT NULL, engagement bigint NOT NULL, views bigint NOT NULL,
    author_hash text NOT NULL, followers bigint NOT NULL, cluster_id text NOT NULL, url text NOT NULL,
    title text NOT NULL)`

var pgIndexes = []string{
	"CREATE INDEX docs_published_brin ON docs USING brin (published)",
	"CREATE INDEX docs_published ON docs (published)",
	"CREATE INDEX docs_admin1 ON docs (focus_admin1_code, published)",
	"CREATE INDEX docs_admin2 ON docs (focus_admin2_code, published)",
	"CREATE INDEX docs_categories ON docs USING gin (categories)",
	"VACUUM ANALYZE docs",
}

var pgColumns = strings.Split("id, version, deleted, published, fetched, source, source_country, platform, kind, lang, "+
	"focus_country, focus_admin1, focus_admin1_code, focus_admin2, focus_admin2_code, categories, campaigns, "+
	"framing, engagement, views, author_hash, followers, cluster_id, url, title", ", ")

// openPostgres connects to ESCUCHA_POSTGRES and loads benchRows rows unless the
// table already holds them. It skips when the variable is unset: PostgreSQL is
// only the benchmark's peer, never a dependency of escucha.
func openPostgres(b *testing.B) *pgx.Conn {
	b.Helper()
	dsn := os.Getenv("ESCUCHA_POSTGRES")
	if dsn == "" {
		b.Skip("ESCUCHA_POSTGRES is not set: the PostgreSQL side-by-side needs a server (scripts/postgres.sh start DIR prints POSTGRES_DSN)")
	}
	ctx := context.Background()
	pool, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatalf("postgres: %v", err)
	}
	b.Cleanup(func() { pool.Close(context.Background()) })
	rows := int64(benchRows())
	var n int64
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM docs").Scan(&n); err == nil && n == rows {
		return pool
	}
	start := time.Now()
	if _, err := pool.Exec(ctx, pgSchema); err != nil {
		b.Fatalf("postgres schema: %v", err)
	}
	muni, dept := pgBenchArrays()
	// In publication order: offset o of the year holds row n = o·7919⁻¹ mod 31536000
	// (7919 is prime and does not divide 31536000, so each row has its own second).
	const year = 31536000
	inv := modInverse(7919, year)
	o := int64(-1)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		for o+1 < year {
			o++
			if n := (o * inv) % year; n < rows {
				return pgBenchRow(n, muni, dept), nil
			}
		}
		return nil, nil
	})
	copied, err := pool.CopyFrom(ctx, pgx.Identifier{"docs"}, pgColumns, src)
	if err != nil {
		b.Fatalf("postgres copy: %v", err)
	}
	if copied != rows {
		b.Fatalf("postgres copied %d rows, want %d (ESCUCHA_BENCH_ROWS beyond one row per second of 2025?)", copied, rows)
	}
	loaded := time.Since(start)
	for _, q := range pgIndexes {
		if _, err := pool.Exec(ctx, q); err != nil {
			b.Fatalf("postgres %s: %v", q, err)
		}
	}
	b.Logf("postgres: copied %d rows in %s, indexes and analyze in %s", rows, loaded.Round(time.Millisecond),
		(time.Since(start) - loaded).Round(time.Millisecond))
	return pool
}

func modInverse(a, m int64) int64 {
	t, nt, r, nr := int64(0), int64(1), m, a
	for nr != 0 {
		q := r / nr
		t, nt = nt, t-q*nt
		r, nr = nr, r-q*nr
	}
	if t < 0 {
		t += m
	}
	return t
}

// answer is what both sides are compared on: counts per (bucket, key) and per
// bucket totals (attention) or per territory (count, previous count).
type answer map[string][2]int64

// pgQuestion is one benchmark question asked of the trends API and of PostgreSQL.
type pgQuestion struct {
	name      string
	attention *escucha.AttentionQuery
	territory *escucha.TerritoryQuery
	// pg is the plain SQL a PostgreSQL user would write and its arguments.
	pg []pgStatement
}

type pgStatement struct {
	sql  string
	args []any
}

func pgQuestions() []pgQuestion {
	from, to := day("2025-01-01"), day("2026-01-01")
	jun, jul, may := day("2025-06-01"), day("2025-07-01"), day("2025-05-02")
	dept := []string{"GT-01"} // Guatemala department (ISO 3166-2 numeric, as the gazetteer codes it)
	cats := []string{escucha.CatHomicidio, escucha.CatFemicidio}
	plats := []string{"news"}
	catSeries := "SELECT date_trunc('day', published) AS t, c, count(*) FROM docs, unnest(categories) AS c WHERE deleted = 0 AND published >= $1 AND published < $2%s GROUP BY 1, 2"
	catTotals := "SELECT date_trunc('day', published) AS t, '', count(*) FROM docs WHERE deleted = 0 AND published >= $1 AND published < $2%s GROUP BY 1"
	admin1 := " AND focus_admin1_code = ANY($3)"
	terr := "SELECT focus_%[1]s_code, min(focus_%[1]s), count(*) FILTER (WHERE published >= $3), count(*) FILTER (WHERE published < $3) " +
		"FROM docs WHERE deleted = 0 AND published >= $1 AND published < $2 AND focus_%[1]s_code <> '' GROUP BY 1"
	filt := " AND categories && $3 AND platform = ANY($4)"
	wk := "SELECT date_trunc('week', published) AS t, focus_admin1_code, count(*) FROM docs WHERE deleted = 0 AND published >= $1 AND published < $2" + filt + " GROUP BY 1, 2"
	wkTotals := "SELECT date_trunc('week', published) AS t, '', count(*) FROM docs WHERE deleted = 0 AND published >= $1 AND published < $2" + filt + " GROUP BY 1"
	return []pgQuestion{
		{name: "attention_category_day_year",
			attention: &escucha.AttentionQuery{By: escucha.ByCategory, Interval: escucha.IntervalDay, Filter: escucha.Filter{From: from, To: to}},
			pg:        []pgStatement{{fmt.Sprintf(catSeries, ""), []any{from, to}}, {fmt.Sprintf(catTotals, ""), []any{from, to}}}},
		{name: "attention_category_day_year_admin1",
			attention: &escucha.AttentionQuery{By: escucha.ByCategory, Interval: escucha.IntervalDay, Filter: escucha.Filter{From: from, To: to, Admin1: dept}},
			pg: []pgStatement{{fmt.Sprintf(catSeries, admin1), []any{from, to, dept}},
				{fmt.Sprintf(catTotals, admin1), []any{from, to, dept}}}},
		{name: "territory_admin1_30d",
			territory: &escucha.TerritoryQuery{Level: escucha.LevelAdmin1, Filter: escucha.Filter{From: jun, To: jul}},
			pg:        []pgStatement{{fmt.Sprintf(terr, "admin1"), []any{may, jul, jun}}}},
		{name: "territory_admin2_30d",
			territory: &escucha.TerritoryQuery{Level: escucha.LevelAdmin2, Filter: escucha.Filter{From: jun, To: jul}},
			pg:        []pgStatement{{fmt.Sprintf(terr, "admin2"), []any{may, jul, jun}}}},
		// Not served by the rollups (category and platform filters): the base table.
		{name: "attention_admin1_week_filtered",
			attention: &escucha.AttentionQuery{By: escucha.ByAdmin1, Interval: escucha.IntervalWeek,
				Filter: escucha.Filter{From: from, To: to, Categories: cats, Platforms: plats}},
			pg: []pgStatement{{wk, []any{from, to, cats, plats}}, {wkTotals, []any{from, to, cats, plats}}}},
	}
}

// askPostgres runs the question's statements; attention rows are (t, key, n) with
// key "" for the bucket totals, territory rows are (code, name, n, prev).
func askPostgres(ctx context.Context, pool *pgx.Conn, q pgQuestion) (answer, error) {
	out := answer{}
	for _, st := range q.pg {
		rows, err := pool.Query(ctx, st.sql, st.args...)
		if err != nil {
			return nil, fmt.Errorf("postgres %s: %w", q.name, err)
		}
		for rows.Next() {
			if q.territory != nil {
				var code, name string
				var n, prev int64
				if err := rows.Scan(&code, &name, &n, &prev); err != nil {
					rows.Close()
					return nil, err
				}
				if n > 0 || prev > 0 {
					out[code+" "+name] = [2]int64{n, prev}
				}
				continue
			}
			var t time.Time
			var k string
			var n int64
			if err := rows.Scan(&t, &k, &n); err != nil {
				rows.Close()
				return nil, err
			}
			out[t.Format("2006-01-02")+" "+k] = [2]int64{n, 0}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("postgres %s: %w", q.name, err)
		}
	}
	return out, nil
}

// askStore asks the trends API. For attention the bucket totals are not in the
// answer, so they come from PostgreSQL's (want) and every share is checked
// against them instead.
func askStore(ctx context.Context, s trends.Store, q pgQuestion, want answer) (answer, error) {
	out := answer{}
	if q.territory != nil {
		rows, err := s.Territory(ctx, *q.territory)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			out[r.Code+" "+r.Name] = [2]int64{r.Count, r.PrevCount}
		}
		return out, nil
	}
	series, err := s.Attention(ctx, *q.attention)
	if err != nil {
		return nil, err
	}
	for _, x := range series {
		for _, p := range x.Points {
			t := p.T.Format("2006-01-02")
			total := want[t+" "][0]
			if p.Count == 0 {
				continue
			}
			if total > 0 && math.Abs(p.Share-float64(p.Count)/float64(total)) > 1e-6 {
				return nil, fmt.Errorf("%s %s: share %v, want %d/%d", t, x.Key, p.Share, p.Count, total)
			}
			out[t+" "+x.Key] = [2]int64{p.Count, 0}
		}
	}
	for k, v := range want {
		if strings.HasSuffix(k, " ") {
			out[k] = v // totals: checked through the shares
		}
	}
	return out, nil
}

func diffAnswers(got, want answer) string {
	var diffs []string
	for k, v := range want {
		if got[k] != v {
			diffs = append(diffs, fmt.Sprintf("%q: got %v want %v", k, got[k], v))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%q: got %v, not in postgres", k, v))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 5 {
		diffs = append(diffs[:5], fmt.Sprintf("… %d differences", len(diffs)))
	}
	return strings.Join(diffs, "; ")
}

// BenchmarkVersusPostgres times every question on PostgreSQL, ClickHouse and
// DuckDB in turn (one round per iteration, the order rotating, so the three see
// the same load on the shared machine) after checking that all three give the
// same answer. It reports the median and the worst (p99 of few samples) per
// database, and the ratios of medians to PostgreSQL's.
func BenchmarkVersusPostgres(b *testing.B) {
	ctx := context.Background()
	pool := openPostgres(b)
	stores := openBench(b)
	for _, q := range pgQuestions() {
		b.Run(q.name, func(b *testing.B) {
			want, err := askPostgres(ctx, pool, q)
			if err != nil {
				b.Fatal(err)
			}
			if len(want) == 0 {
				b.Fatal("postgres answered nothing")
			}
			for _, ns := range stores {
				got, err := askStore(ctx, ns.s, q, want)
				if err != nil {
					b.Fatalf("%s: %v", ns.name, err)
				}
				if d := diffAnswers(got, want); d != "" {
					b.Fatalf("%s answers differ from postgres: %s", ns.name, d)
				}
			}
			runs := []struct {
				name string
				run  func() error
			}{{"postgres", func() error { _, err := askPostgres(ctx, pool, q); return err }}}
			for _, ns := range stores {
				runs = append(runs, struct {
					name string
					run  func() error
				}{ns.name, func() error { _, err := askStore(ctx, ns.s, q, want); return err }})
			}
			times := make([][]time.Duration, len(runs))
			round := 0
			for b.Loop() {
				for j := range runs {
					i := (j + round) % len(runs)
					start := time.Now()
					if err := runs[i].run(); err != nil {
						b.Fatalf("%s: %v", runs[i].name, err)
					}
					times[i] = append(times[i], time.Since(start))
				}
				round++
			}
			pgMed := median(times[0])
			var line []string
			for i, r := range runs {
				med, worst := median(times[i]), p99(times[i])
				b.ReportMetric(float64(med.Microseconds())/1000, r.name+"_med_ms")
				b.ReportMetric(float64(worst.Microseconds())/1000, r.name+"_p99_ms")
				if i > 0 {
					b.ReportMetric(float64(med)/float64(pgMed), r.name+"/pg")
				}
				line = append(line, fmt.Sprintf("%s median %s p99 %s (%.3fx)", r.name, med.Round(time.Millisecond),
					worst.Round(time.Millisecond), float64(med)/float64(pgMed)))
			}
			load, _ := os.ReadFile("/proc/loadavg")
			b.Logf("%s, %d rounds: %s; load %s", q.name, round, strings.Join(line, ", "), strings.TrimSpace(string(load)))
		})
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// p99 is the nearest-rank 99th percentile (the maximum below 100 samples).
func p99(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(0.99*float64(len(s)))) - 1
	return s[max(i, 0)]
}
