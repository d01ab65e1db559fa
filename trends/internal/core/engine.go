package core

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/infosegura/escucha"
)

// Dialect is the little that differs between ClickHouse and DuckDB SQL. Everything
// else — every question — is written once in Engine.
type Dialect interface {
	// Docs is the relation of current document versions: "docs FINAL" on
	// ClickHouse (ReplacingMergeTree), "docs" on DuckDB (upserted in place).
	Docs() string
	// Alerts is the relation of stored alerts.
	Alerts() string
	// Authors is the relation of pseudonym → handle rows.
	Authors() string
	// Bucket truncates a timestamp column to the interval, as a DATE.
	Bucket(iv escucha.Interval, col string) string
	// TimeArg is a placeholder taking Unix seconds and yielding a timestamp.
	TimeArg() string
	// HasAny is true when the array column holds any of n placeholders.
	HasAny(col string, n int) string
	// Has is true when the array column holds the literal (a fixed, safe id).
	Has(col, literal string) string
	// Explode turns an array column into one row per element (in a SELECT list).
	Explode(col string) string
	// Prepend puts a literal in front of an array column.
	Prepend(literal, col string) string
	// SingleScan says whether attention over an array dimension should get its
	// series and its per-bucket totals from one exploded scan (cheaper where each scan is costly: ClickHouse
	// FINAL) rather than two plain scans (cheaper on DuckDB; measured in
	// docs/benchmarks-trends.md).
	SingleScan() bool
	// CountIf counts rows where cond holds, as a 64-bit integer.
	CountIf(cond string) string
	// Int casts an aggregate to a 64-bit integer.
	Int(expr string) string
}

// Engine answers escucha.Trends over a *sql.DB in a Dialect.
type Engine struct {
	DB      *sql.DB
	D       Dialect
	Cfg     Config
	Log     *slog.Logger
	Store   string                                                  // "clickhouse" or "duckdb", for metrics
	SaveAll func(ctx context.Context, alerts []escucha.Alert) error // stores alerts
	// Versions, when set, plans each read of the documents table (compacted
	// parts without FINAL); nil reads Dialect.Docs().
	Versions Versions
	// Rollup, when set, answers the questions it can from per-day counts
	// (rollup.go); nil reads docs for every question.
	Rollup RollupSource
}

var _ escucha.Trends = (*Engine)(nil)

// VAWCategories is the violence-against-women conversation.
var VAWCategories = []string{escucha.CatViolenciaContraMujer, escucha.CatFemicidio,
	escucha.CatViolenciaSexual, escucha.CatViolenciaIntrafamiliar}

// where builds the WHERE clause of a filter (always excluding deleted documents).
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) String() string { return strings.Join(w.conds, " AND ") }

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (e *Engine) where(f escucha.Filter) *where { return e.filter(f, true) }

// filter builds the WHERE clause of a filter; deleted excludes deleted documents
// (the rollups have no deleted column: they count only live documents).
func (e *Engine) filter(f escucha.Filter, deleted bool) *where {
	w := &where{}
	if deleted {
		w.add("deleted = 0")
	}
	if !f.From.IsZero() {
		w.add("published >= "+e.D.TimeArg(), f.From.Unix())
	}
	if !f.To.IsZero() {
		w.add("published < "+e.D.TimeArg(), f.To.Unix())
	}
	for _, c := range []struct {
		col  string
		vals []string
	}{{"focus_country", f.Countries}, {"focus_admin1_code", f.Admin1},
		{"focus_admin2_code", f.Admin2}, {"platform", f.Platforms}, {"source", f.Sources},
		{"kind", f.Kinds}} {
		if len(c.vals) > 0 {
			w.add(c.col+" IN ("+placeholders(len(c.vals))+")", anys(c.vals)...)
		}
	}
	for _, c := range []struct {
		col  string
		vals []string
	}{{"categories", f.Categories}, {"campaigns", f.Campaigns}, {"framing", f.Framing}} {
		if len(c.vals) > 0 {
			w.add(e.D.HasAny(c.col, len(c.vals)), anys(c.vals)...)
		}
	}
	return w
}

func (e *Engine) query(ctx context.Context, question, q string, args []any, scan func(*sql.Rows) error) error {
	start := time.Now()
	rows, err := e.DB.QueryContext(ctx, q, args...)
	if err != nil {
		queryErrors.WithLabelValues(e.Store, question).Inc()
		return classify(ctx, fmt.Errorf("%s query: %w", question, err))
	}
	defer rows.Close()
	if err := e.consume(ctx, question, rows, scan); err != nil {
		return err
	}
	querySeconds.WithLabelValues(e.Store, question).Observe(time.Since(start).Seconds())
	return nil
}

// consume reads every row with scan.
func (e *Engine) consume(ctx context.Context, question string, rows *sql.Rows, scan func(*sql.Rows) error) error {
	for rows.Next() {
		if err := scan(rows); err != nil {
			return escucha.Errorf(escucha.EInternal, "%s scan: %w", question, err)
		}
	}
	if err := rows.Err(); err != nil {
		queryErrors.WithLabelValues(e.Store, question).Inc()
		return classify(ctx, fmt.Errorf("%s rows: %w", question, err))
	}
	return nil
}

// classify marks query errors: a cancelled query stays as is, the rest is
// reported as the store being unavailable.
func classify(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	return escucha.Errorf(escucha.EUnavailable, "%w", err)
}

func utcDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// BucketOf truncates t like the SQL Bucket does.
func BucketOf(iv escucha.Interval, t time.Time) time.Time { return iv.Start(t) }

// periodBuckets lists every bucket of the filter's period: from the bucket of From
// (else the earliest bucket seen) to the bucket of To's last instant (else the
// latest seen). Nothing seen, no buckets: a series of zeros says nothing.
func periodBuckets(iv escucha.Interval, f escucha.Filter, seen iter.Seq[time.Time]) []time.Time {
	var first, last time.Time
	for t := range seen {
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	if first.IsZero() {
		return nil
	}
	if !f.From.IsZero() {
		first = BucketOf(iv, f.From)
	}
	if !f.To.IsZero() {
		last = BucketOf(iv, f.To.Add(-time.Second))
	}
	return buckets(iv, first, last)
}

// buckets lists every bucket from the first to the last (inclusive).
func buckets(iv escucha.Interval, first, last time.Time) []time.Time {
	var out []time.Time
	for t := first; !t.After(last) && len(out) < 100000; t = iv.Next(t) {
		out = append(out, t)
	}
	return out
}

// totalKey marks, in the single attention scan, the row every document
// contributes once (the bucket's total, for the share). Keys are ids, codes and
// source names, which never hold a tab (ToRow removes them).
const totalKey = "\t"

// keyExpr is the SQL for a dimension's keys. With marker, an array dimension is
// exploded with the total marker first: each document yields one marker row plus
// one row per key it carries, so one scan gives both the series and the
// per-bucket totals (Dialect.SingleScan). Scalar dimensions need no marker
// (Attention sums their keys).
func (e *Engine) keyExpr(by escucha.Dimension, marker bool) string {
	arr := map[escucha.Dimension]string{escucha.ByCategory: "categories", escucha.ByCampaign: "campaigns",
		escucha.ByFraming: "framing"}[by]
	if arr != "" && marker {
		return e.D.Explode(e.D.Prepend("'\t'", arr))
	}
	if arr != "" {
		return e.D.Explode(arr)
	}
	col := map[escucha.Dimension]string{escucha.ByAdmin1: "focus_admin1_code", escucha.ByAdmin2: "focus_admin2_code",
		escucha.ByCountry: "focus_country", escucha.BySource: "source", escucha.ByPlatform: "platform"}[by]
	if col == "" {
		col = "'total'"
	}
	return col
}

// Attention implements escucha.Trends.
func (e *Engine) Attention(ctx context.Context, q escucha.AttentionQuery) ([]escucha.Series, error) {
	if q.By == "" {
		q.By = escucha.ByNone
	}
	if q.Interval == "" {
		q.Interval = escucha.IntervalDay
	}
	if !q.By.Valid() {
		return nil, escucha.Errorf(escucha.EInvalid, "unknown dimension %q", q.By)
	}
	if !q.Interval.Valid() {
		return nil, escucha.Errorf(escucha.EInvalid, "unknown interval %q", q.Interval)
	}
	w := e.where(q.Filter)
	bucket := e.D.Bucket(q.Interval, "published")
	totals := map[time.Time]int64{}
	counts := map[string]map[time.Time]int64{}
	sums := map[string]int64{}
	scanTotal := func(r *sql.Rows) error {
		var t time.Time
		var n int64
		if err := r.Scan(&t, &n); err != nil {
			return err
		}
		totals[utcDay(t)] = n
		return nil
	}
	add := func(k string, t time.Time, n int64) {
		if counts[k] == nil {
			counts[k] = map[time.Time]int64{}
		}
		counts[k][utcDay(t)] = n
		sums[k] += n
	}
	// marker: the series scan also yields the totals (SingleScan, keyExpr).
	marker := false
	scanSeries := func(r *sql.Rows) error {
		var t time.Time
		var k string
		var n int64
		if err := r.Scan(&t, &k, &n); err != nil {
			return err
		}
		if marker && k == totalKey {
			totals[utcDay(t)] = n
			return nil
		}
		add(k, t, n)
		return nil
	}
	// A scalar dimension gives every document exactly one key (maybe empty), so
	// the bucket totals are the sums over all keys and one GROUP BY t, k answers
	// both; an array dimension (a document has 0..n keys) needs the totals apart.
	array := q.By == escucha.ByCategory || q.By == escucha.ByCampaign || q.By == escucha.ByFraming
	scanKeyed := func(r *sql.Rows) error {
		var t time.Time
		var k string
		var n int64
		if err := r.Scan(&t, &k, &n); err != nil {
			return err
		}
		totals[utcDay(t)] += n
		if k != "" {
			add(k, t, n)
		}
		return nil
	}
	key := e.keyExpr(q.By, false)
	totalsDone, seriesDone := false, false
	if table, ok := rollupTable(q.By, q.Filter); ok {
		one := e.D.Int("1") + " AS n"
		sum := func(from, where string) string {
			return "SELECT t, k, " + e.D.Int("sum(n)") + " FROM (SELECT " + bucket + " AS t, k, n " + from + ") s " +
				where + "GROUP BY t, k HAVING sum(n) > 0"
		}
		var err error
		if !array {
			totalsDone, err = e.rollupQuery(ctx, "attention", q.Filter, nil,
				rollupBranch{table, "published, " + key + " AS k, n", "published, " + key + " AS k, " + one}, nil,
				func(from string) string { return sum(from, "") }, scanKeyed)
			seriesDone = totalsDone
		} else {
			totalsDone, err = e.rollupQuery(ctx, "attention_total", q.Filter, nil,
				rollupBranch{RollPlace, "published, n", "published, " + one}, nil, func(from string) string {
					return "SELECT t, " + e.D.Int("sum(n)") + " FROM (SELECT " + bucket + " AS t, n " + from + ") s GROUP BY t HAVING sum(n) > 0"
				}, scanTotal)
			if err == nil && totalsDone {
				seriesDone, err = e.rollupQuery(ctx, "attention", q.Filter, nil,
					rollupBranch{table, "published, category AS k, n", "published, " + key + " AS k, " + one}, nil,
					func(from string) string { return sum(from, "WHERE k <> '' ") }, scanSeries)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if !totalsDone && !array {
		err := e.docsQuery(ctx, "attention", w, nil, func(from string) string {
			return "SELECT t, k, count(*) FROM (SELECT " + bucket + " AS t, " + key + " AS k " + from + ") sub GROUP BY t, k"
		}, scanKeyed)
		if err != nil {
			return nil, err
		}
		totalsDone, seriesDone = true, true
	}
	single := e.D.SingleScan() && !totalsDone
	if !totalsDone && !single {
		err := e.docsQuery(ctx, "attention_total", w, nil, func(from string) string {
			return "SELECT t, count(*) FROM (SELECT " + bucket + " AS t " + from + ") sub GROUP BY t"
		}, scanTotal)
		if err != nil {
			return nil, err
		}
	}
	if !seriesDone {
		marker = single
		err := e.docsQuery(ctx, "attention", w, nil, func(from string) string {
			return "SELECT t, k, count(*) FROM (SELECT " + bucket + " AS t, " + e.keyExpr(q.By, single) + " AS k " +
				from + ") sub WHERE k <> '' GROUP BY t, k"
		}, scanSeries)
		if err != nil {
			return nil, err
		}
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if sums[keys[i]] != sums[keys[j]] {
			return sums[keys[i]] > sums[keys[j]]
		}
		return keys[i] < keys[j]
	})
	if q.Limit > 0 && len(keys) > q.Limit {
		keys = keys[:q.Limit]
	}
	ts := periodBuckets(q.Interval, q.Filter, maps.Keys(totals))
	out := make([]escucha.Series, 0, len(keys))
	for _, k := range keys {
		s := escucha.Series{Key: k, Points: make([]escucha.Point, 0, len(ts))}
		for _, t := range ts {
			n := counts[k][t]
			s.Points = append(s.Points, escucha.Point{T: t, Count: n, Share: ratio(n, totals[t])})
		}
		out = append(out, s)
	}
	return out, nil
}

func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return round(float64(n)/float64(d), 6)
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// period returns [from, to) with defaults (the 28 days up to the end of today) and
// the previous period of the same length.
func (e *Engine) period(f escucha.Filter) (from, to, prevFrom time.Time) {
	to = f.To
	if to.IsZero() {
		to = utcDay(e.Cfg.Now()).AddDate(0, 0, 1)
	}
	from = f.From
	if from.IsZero() {
		from = to.AddDate(0, 0, -28)
	}
	return from, to, from.Add(-to.Sub(from))
}

// Territory implements escucha.Trends.
func (e *Engine) Territory(ctx context.Context, q escucha.TerritoryQuery) ([]escucha.TerritoryRow, error) {
	level, err := checkLevel(q.Level)
	if err != nil {
		return nil, err
	}
	from, to, prevFrom := e.period(q.Filter)
	f := q.Filter
	f.From, f.To = prevFrom, to
	w := e.where(f)
	code, name, parent := "focus_admin1_code", "focus_admin1", "''"
	if level == escucha.LevelAdmin2 {
		code, name, parent = "focus_admin2_code", "focus_admin2", "focus_admin1_code"
	}
	cur := "published >= " + e.D.TimeArg()
	var out []escucha.TerritoryRow
	scan := func(r *sql.Rows) error {
		var t escucha.TerritoryRow
		if err := r.Scan(&t.Country, &t.Code, &t.Name, &t.Admin1Code, &t.Count, &t.PrevCount); err != nil {
			return err
		}
		if t.Count == 0 && t.PrevCount == 0 {
			return nil
		}
		t.Population = Population(level, t.Country, t.Code)
		if t.Population > 0 {
			v := round(float64(t.Count)*1e5/float64(t.Population), 4)
			t.Per100k = &v
		}
		if t.PrevCount > 0 {
			v := round(float64(t.Count-t.PrevCount)*100/float64(t.PrevCount), 2)
			t.ChangePct = &v
		}
		out = append(out, t)
		return nil
	}
	done := false
	if _, ok := rollupTable(escucha.ByAdmin2, f); ok {
		cols := "focus_country, focus_admin1_code, focus_admin1, focus_admin2_code, focus_admin2, published, "
		sumIf := func(cond string) string { return e.D.Int("sum(CASE WHEN " + cond + " THEN n ELSE 0 END)") }
		done, err = e.rollupQuery(ctx, "territory", f, []time.Time{from},
			rollupBranch{RollPlace, cols + "n", cols + e.D.Int("1") + " AS n"}, []any{from.Unix(), from.Unix()},
			func(src string) string {
				return "SELECT focus_country, " + code + ", min(" + name + "), min(" + parent + "), " + sumIf(cur) + ", " +
					sumIf("NOT ("+cur+")") + " " + src + " WHERE " + code + " <> '' GROUP BY focus_country, " + code
			}, scan)
		if err != nil {
			return nil, err
		}
	}
	if !done {
		err = e.docsQuery(ctx, "territory", w.and(code+" <> ''"), []any{from.Unix(), from.Unix()}, func(src string) string {
			return "SELECT focus_country, " + code + ", min(" + name + "), min(" + parent + "), " + e.D.CountIf(cur) + ", " +
				e.D.CountIf("NOT ("+cur+")") + " " + src + " GROUP BY focus_country, " + code
		}, scan)
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		if out[i].Country != out[j].Country {
			return out[i].Country < out[j].Country
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

func checkLevel(level string) (string, error) {
	switch level {
	case "", escucha.LevelAdmin1:
		return escucha.LevelAdmin1, nil
	case escucha.LevelAdmin2:
		return level, nil
	}
	return "", escucha.Errorf(escucha.EInvalid, "unknown level %q (admin1 or admin2)", level)
}

// Framing implements escucha.Trends.
func (e *Engine) Framing(ctx context.Context, q escucha.FramingQuery) (*escucha.FramingReport, error) {
	if q.Interval == "" {
		q.Interval = escucha.IntervalDay
	}
	if !q.Interval.Valid() {
		return nil, escucha.Errorf(escucha.EInvalid, "unknown interval %q", q.Interval)
	}
	if q.Top <= 0 {
		q.Top = 20
	}
	w := e.where(q.Filter)
	w.add(e.D.HasAny("categories", len(VAWCategories)), anys(VAWCategories)...)
	counts := e.D.CountIf(e.D.Has("framing", escucha.FrameJustificacion)) + ", " +
		e.D.CountIf(e.D.Has("framing", escucha.FrameDerechos))
	rep := &escucha.FramingReport{OverTime: []escucha.FramingShare{}, BySource: []escucha.FramingShare{}}
	scan := func(dst *[]escucha.FramingShare, byTime bool) func(*sql.Rows) error {
		return func(r *sql.Rows) error {
			var s escucha.FramingShare
			var err error
			if byTime {
				err = r.Scan(&s.T, &s.Total, &s.Justificacion, &s.Derechos)
				s.T = utcDay(s.T)
			} else {
				err = r.Scan(&s.Source, &s.Total, &s.Justificacion, &s.Derechos)
			}
			if err != nil {
				return err
			}
			s.JustificacionShare = ratio(s.Justificacion, s.Total)
			s.DerechosShare = ratio(s.Derechos, s.Total)
			*dst = append(*dst, s)
			return nil
		}
	}
	err := e.docsQuery(ctx, "framing_time", w, nil, func(from string) string {
		return "SELECT t, count(*), " + counts + " FROM (SELECT " + e.D.Bucket(q.Interval, "published") +
			" AS t, framing " + from + ") sub GROUP BY t ORDER BY t"
	}, scan(&rep.OverTime, true))
	if err != nil {
		return nil, err
	}
	err = e.docsQuery(ctx, "framing_source", w, nil, func(from string) string {
		return "SELECT source, count(*) AS n, " + counts + " " + from +
			" GROUP BY source ORDER BY n DESC, source LIMIT " + fmt.Sprint(q.Top)
	}, scan(&rep.BySource, false))
	if err != nil {
		return nil, err
	}
	return rep, nil
}
