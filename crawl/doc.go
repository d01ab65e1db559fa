// Package crawl is the news side of escucha's crawler: it discovers articles of the
// configured outlets through their RSS/Atom feeds and sitemaps (section and archive
// pages as a fallback), fetches them politely with gocolly/colly through the SSRF-safe
// transport of crawl/safenet, extracts title, text, dates, author, canonical URL and
// language, and hands each new article on as an escucha.Document (platform news, kind
// article) through an escucha.Emit.
//
// It owns: source configuration, URL canonicalisation, charset decoding, the
// persistent seen-store (bbolt) with near-duplicate marking, conditional GET and the
// adaptive revisit schedule, trap detection, optional WARC capture and source health
// (Prometheus metrics and <state>/health.json).
//
// It must not: read flags or environment variables (cmd/escucha does), talk to Kafka
// (the Emit does), import other stages, drop syndicated copies (they are marked
// dup_of, not removed), or fetch non-public addresses unless AllowPrivate is set.
// Everything it reads from the web is hostile input: it is decoded, bounded and
// never interpreted as markup downstream.
package crawl
