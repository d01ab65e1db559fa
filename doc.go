// Package escucha is the domain of escucha, a social-listening and news-analytics
// platform for citizen-security analysts in Central America.
//
// It owns the document contract (see docs/document.md) that every stage reads and
// writes, the small interfaces between stages, and the error kinds. It imports the
// standard library only: adapters (crawl, nlp, index, trends, stream, dashboards)
// depend on it, never the other way round, and stages never import each other.
package escucha
