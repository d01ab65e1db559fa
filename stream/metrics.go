package stream

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Results counted by escucha_stage_messages_total.
const (
	resultOK    = "ok"    // processed or stored, offset committed
	resultDLQ   = "dlq"   // sent to the dead-letter topic (or file)
	resultRetry = "retry" // part of a batch that had to be retried
)

var (
	messagesTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_stage_messages_total",
		Help: "Messages handled by a stage, by result (ok, dlq, retry).",
	}, []string{"stage", "result"})
	batchSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "escucha_stage_batch_seconds",
		Help:    "Time to handle one batch: process or store, write, commit.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
	}, []string{"stage"})
	consumerLag = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "escucha_stage_consumer_lag",
		Help: "Messages between a stage's position and the end of its input partitions.",
	}, []string{"stage"})
	retriesTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_stage_retries_total",
		Help: "Retries after a broker, sink or processor failure (each backoff wait counts).",
	}, []string{"stage"})
)

// stageMetrics are the metric children of one stage.
type stageMetrics struct {
	ok, dlq, retry prometheus.Counter
	retries        prometheus.Counter
	batch          prometheus.Observer
	lag            prometheus.Gauge
}

func newStageMetrics(stage string) stageMetrics {
	return stageMetrics{
		ok:      messagesTotal.WithLabelValues(stage, resultOK),
		dlq:     messagesTotal.WithLabelValues(stage, resultDLQ),
		retry:   messagesTotal.WithLabelValues(stage, resultRetry),
		retries: retriesTotal.WithLabelValues(stage),
		batch:   batchSeconds.WithLabelValues(stage),
		lag:     consumerLag.WithLabelValues(stage),
	}
}
