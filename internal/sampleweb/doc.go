// Package sampleweb serves the bundled sample web that `escucha demo` crawls on a machine
// with no internet: a few small Spanish news sites (home, sections, RSS, Google News
// sitemap, robots.txt, article pages with the navigation, cookie banners, related links and
// comments real pages have) and social APIs in the shapes of Mastodon, Bluesky and Reddit,
// all on loopback. The content is escucha's own labelled writing (content.jsonl, generated
// from nlp/testdata/dev by gen.go). It only serves; it never crawls or enriches.
package sampleweb

//go:generate go run gen.go
