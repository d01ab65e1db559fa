package stream

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// BenchmarkRunProcessor measures messages per second through RunProcessor with a
// pass-through processor on the embedded broker: fetch, decode, encode, produce to
// the output topic (acks=all) and commit. b.N messages are produced beforehand.
func BenchmarkRunProcessor(b *testing.B) {
	ctx := testCtx(b, 10*time.Minute)
	cfg := testConfig(b, testBrokers, true)
	cfg.BatchSize = 500
	cfg.Logger = slog.New(slog.DiscardHandler)
	if err := EnsureTopics(ctx, cfg.Brokers, 6, cfg.InTopic); err != nil {
		b.Fatal(err)
	}
	recs := make([]kafka.Message, 0, 1000)
	for i := range b.N {
		recs = append(recs, docRecord(b, sampleDoc(i)))
		if len(recs) == cap(recs) || i == b.N-1 {
			produce(b, ctx, cfg.Brokers, cfg.InTopic, recs...)
			recs = recs[:0]
		}
	}
	p := &passThrough{}
	b.ResetTimer()
	start := time.Now()
	stop := goRun(ctx, func(ctx context.Context) error { return RunProcessor(ctx, cfg, p) })
	waitFor(b, ctx, "all processed and committed", func() bool {
		if p.n.Load() < int64(b.N) {
			return false
		}
		lag, err := Lag(ctx, cfg.Brokers, cfg.Group, cfg.InTopic)
		if err != nil {
			return false
		}
		for _, l := range lag {
			if l.Committed != l.End && l.End > 0 {
				return false
			}
		}
		return true
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if err := stop(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
}
