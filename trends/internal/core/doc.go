// Package core is the query layer the trends stores share: every question of
// escucha.Trends written once over database/sql, with a small Dialect for what
// differs between ClickHouse and DuckDB; the document-to-row mapping (authors as
// keyed hashes), the embedded population table, the prioritisation index, the
// early-warning score, migrations and metrics, and the choice between the rollup
// tables and the documents table for each question (rollup.go). It owns no connection and no schema
// (each store embeds its own migrations); it must not import the stores, other
// stages, or read flags or environment.
package core
