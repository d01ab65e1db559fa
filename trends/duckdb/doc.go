// Package duckdb is the trends store on an embedded DuckDB file, for the demo and
// single-machine runs: documents upserted in place by id (newest version wins),
// embedded versioned migrations, the DuckDB dialect of the shared query layer, and
// the per-day rollups kept exact by Write in the upsert's transaction
// (docs/trends.md "Rollups").
// It owns the DuckDB schema and SQL; it must not import other stages.
package duckdb
