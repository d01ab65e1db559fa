// Package social collects public social-media posts, with the engagement and
// audience figures reach is computed from, for configured campaigns, hashtags,
// phrases and accounts: Mastodon, Bluesky, Reddit, public Telegram channels
// (t.me/s web preview) and YouTube (with an API key). It also turns exports from
// tools for platforms with no public API (X, Facebook, Instagram, TikTok, WhatsApp
// tiplines) into documents (Import).
//
// It owns: the connectors and the documented API shapes they decode; cursors and
// the engagement-refresh schedule, persisted in a state directory so a restart
// resumes without gaps or repeats; rate-limit handling (429, Retry-After, platform
// rate-limit headers) with backoff and jitter; source health (schema drift, rate
// limits, outages) for the dashboards; and versioning: a post whose figures change
// is emitted again with version+1 under the same id, a post deleted upstream is
// emitted with deleted=true.
//
// It must not: import other stages (crawl, nlp, index, trends, stream, dashboards);
// read flags or environment variables (cmd/escucha does); pseudonymise authors
// (the analytics store does, handles stay in documents); dial private addresses
// unless Config.AllowPrivate is set (all HTTP goes through crawl/safenet).
package social
