package social

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	requestsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_social_requests_total",
		Help: "HTTP requests made by social connectors, by platform and status code.",
	}, []string{"platform", "code"})
	postsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_social_documents_total",
		Help: "Documents emitted by social connectors, by platform and reason (new, changed, deleted).",
	}, []string{"platform", "reason"})
	problemsTotal = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_social_problems_total",
		Help: "Source-health problems, by platform and kind (schema_drift, rate_limited, …).",
	}, []string{"platform", "kind"})
	sourceUp = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "escucha_social_source_up",
		Help: "1 when the source's last run had no problem, 0 otherwise.",
	}, []string{"platform", "source"})
	rateRemaining = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Name: "escucha_social_ratelimit_remaining",
		Help: "Requests left in the platform's current rate-limit window, as last reported.",
	}, []string{"platform"})
)
