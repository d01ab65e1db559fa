// Package trends is the analytics store of escucha: it keeps one row per document
// (its newest version, no text, authors only as a keyed hash) and answers the
// aggregate questions of escucha.Trends — attention over time, territory per 100k,
// the territorial prioritisation index, campaign reach, framing share, early-warning
// alerts and source health.
//
// Two stores share one query layer (trends/internal/core) and one contract test
// suite: ClickHouse (trends/clickhouse) at scale, DuckDB (trends/duckdb) embedded on
// one machine. Open picks one by DSN. Whole-day attention and territory questions
// without category, source, kind, campaign or framing filters are answered from
// per-day rollups that each store keeps exact under re-versioning (docs/trends.md,
// "Rollups").
//
// It must not import other stages (crawl, nlp, index, stream, dashboards), read
// flags or environment, or store document text or author identities in clear.
// Decisions and formulas: docs/trends.md; SQL limits: docs/clickhouse.md.
package trends
