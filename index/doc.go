// Package index is escucha's search: a Bleve index of enriched documents, one
// index per month of publication behind an alias, with Spanish analysis that
// ignores accents and case and matches plural and gender forms.
//
// It owns the mapping, the indexer sink (upsert by id and version, deletes,
// case clustering at index time), retention by whole months, and the searcher
// (query string plus filters, facets, histograms with normalised attention,
// near-duplicate collapse, significant terms, streamed export).
//
// It must not read flags or environment, talk to the stream (cmd/escucha wires
// escucha.Sink to it) or import other stages; it speaks root escucha types only.
package index
