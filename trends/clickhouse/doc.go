// Package clickhouse is the trends store on ClickHouse: the documents table
// (ReplacingMergeTree on version), batch inserts with PrepareBatch, embedded
// versioned migrations, the ClickHouse dialect of the shared query layer, and the
// compaction of month partitions (compact.go): Write compacts quiet partitions in
// the background and every query reads compacted partitions with a plain scan and
// the others with FINAL, checking against system.parts that its snapshot read
// exactly the compacted parts it planned for, and the rollups of compacted parts
// (rollup.go: per-day counts computed from one merged part, read only while that
// part is its month's only part; docs/trends.md "Rollups").
// It owns the ClickHouse schema and SQL; it must not import other stages, and its SQL
// must stay within what ClickHouse 18.16 and current ClickHouse both accept
// (docs/clickhouse.md).
package clickhouse
