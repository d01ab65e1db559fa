// Package clickhouse is the trends store on ClickHouse: the documents table
// (ReplacingMergeTree on version, read with FINAL), batch inserts with PrepareBatch,
// embedded versioned migrations, and the ClickHouse dialect of the shared query layer.
// It owns the ClickHouse schema and SQL; it must not import other stages, and its SQL
// must stay within what ClickHouse 18.16 and current ClickHouse both accept
// (docs/clickhouse.md).
package clickhouse
