// Package stream is the Kafka spine of escucha: the embedded broker (franz-go's kfake
// with a data directory), topic administration, the consumer loops that run a stage
// (RunProcessor for enrichment, RunSink for the index and the trends store), the
// producer crawlers emit through, and the same loops over JSON Lines for when no
// broker is used (FilterJSONL, SinkJSONL).
//
// Delivery is at-least-once: a stage commits offsets only after its outputs, its
// dead letters and its sink writes are acknowledged, so a crash replays work and
// never loses it; sinks upsert by document id, which makes the replay harmless.
// Poison messages go to the dead-letter topic with the original bytes and the stage
// goes on. Broker or sink outages are retried with capped exponential backoff.
//
// It must not: import other stages (crawl, nlp, index, trends, dashboards), read
// flags or environment variables (cmd/escucha does), or decide what a document
// means. It only moves documents and counts them (escucha_stage_* metrics).
package stream
