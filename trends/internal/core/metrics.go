package core

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	querySeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "escucha_trends_query_seconds", Help: "Time to answer a trends query.",
		Buckets: prometheus.ExponentialBuckets(0.001, 3, 10),
	}, []string{"store", "question"})
	queryErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_trends_query_errors_total", Help: "Trends queries that failed.",
	}, []string{"store", "question"})
	// Written counts document rows written, by store.
	Written = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_trends_written_total", Help: "Document versions written to the trends store.",
	}, []string{"store"})
	// Rejected counts documents skipped because they failed validation.
	Rejected = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_trends_rejected_total", Help: "Documents the trends store refused (invalid).",
	}, []string{"store"})
	// WriteErrors counts failed batch writes, by store.
	WriteErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_trends_write_errors_total", Help: "Batch writes to the trends store that failed.",
	}, []string{"store"})
	// WriteSeconds is the batch write latency.
	WriteSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "escucha_trends_write_seconds", Help: "Time to write one batch to the trends store.",
		Buckets: prometheus.ExponentialBuckets(0.001, 3, 10),
	}, []string{"store"})
	planRetries = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_trends_plan_retries_total", Help: "Queries repeated because compacted partitions changed while they started.",
	}, []string{"store"})
	// Compactions counts partitions compacted (OPTIMIZE … FINAL), by store.
	Compactions = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_trends_compactions_total", Help: "Partitions of the documents table compacted to one version per document.",
	}, []string{"store"})
	alertsRaised = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_trends_alerts_total", Help: "Early-warning alerts raised.",
	}, []string{"kind"})
)
