// Package dashboards is escucha's web face: the Spanish-first dashboards for
// communication teams, analysts and campaign staff, and the JSON API behind them, with
// access by token and role, /healthz and /metrics.
//
// It talks to the search index and the trends store only through the root interfaces
// escucha.Searcher and escucha.Trends, and never imports a stage. It renders every piece
// of crawled text through html/template (or escapes it explicitly for SVG charts):
// crawled text is hostile.
package dashboards
