// Package duckdb is the trends store on an embedded DuckDB file, for the demo and
// single-machine runs: documents upserted in place by id (newest version wins),
// embedded versioned migrations, and the DuckDB dialect of the shared query layer.
// It owns the DuckDB schema and SQL; it must not import other stages.
package duckdb
