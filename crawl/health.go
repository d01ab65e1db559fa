package crawl

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

var (
	mItems = promauto.NewCounterVec(prometheus.CounterOpts{Name: "escucha_crawl_items_total",
		Help: "News articles emitted, by source."}, []string{"source"})
	mDuplicates = promauto.NewCounterVec(prometheus.CounterOpts{Name: "escucha_crawl_near_duplicates_total",
		Help: "Emitted articles marked dup_of an earlier text, by source."}, []string{"source"})
	mErrors = promauto.NewCounterVec(prometheus.CounterOpts{Name: "escucha_crawl_errors_total",
		Help: "Crawl errors by source and kind (timeout, http_4xx, http_5xx, robots, ssrf, too_large, redirect, rate_limited, trap, parse, network)."},
		[]string{"source", "kind"})
	mUpdates = promauto.NewCounterVec(prometheus.CounterOpts{Name: "escucha_crawl_updates_total",
		Help: "Articles re-emitted as a new version because their text or title changed."}, []string{"source"})
	mFetches = promauto.NewCounterVec(prometheus.CounterOpts{Name: "escucha_crawl_fetches_total",
		Help: "HTTP fetches by source and what was fetched (feed, sitemap, section, article) and status class."},
		[]string{"source", "what", "status"})
	mLastSuccess = promauto.NewGaugeVec(prometheus.GaugeOpts{Name: "escucha_crawl_last_success_timestamp_seconds",
		Help: "Unix time of the last pass in which a source answered."}, []string{"source"})
	mItemsPerDay = promauto.NewGaugeVec(prometheus.GaugeOpts{Name: "escucha_crawl_items_per_day",
		Help: "Mean articles per day over the last 7 days, by source."}, []string{"source"})
)

// SourceHealth is the health of one source, as served to dashboards (JSON).
type SourceHealth struct {
	Source       string           `json:"source"`
	Country      string           `json:"country"`
	LastRun      time.Time        `json:"last_run,omitzero"`
	LastSuccess  time.Time        `json:"last_success,omitzero"`
	LastError    string           `json:"last_error,omitempty"`
	LastErrorAt  time.Time        `json:"last_error_at,omitzero"`
	Errors       map[string]int64 `json:"errors"`
	Items        int64            `json:"items"`
	Duplicates   int64            `json:"duplicates"`
	ItemsByDay   map[string]int64 `json:"items_by_day"`
	ItemsPerDay  float64          `json:"items_per_day"`
	PagesLastRun int              `json:"pages_last_run"`
}

type healthBook struct {
	mu   sync.Mutex
	path string
	m    map[string]*SourceHealth
}

func loadHealth(path string, sources []Source) *healthBook {
	h := &healthBook{path: path, m: map[string]*SourceHealth{}}
	if b, err := os.ReadFile(path); err == nil {
		var prev []SourceHealth
		if json.Unmarshal(b, &prev) == nil {
			for i := range prev {
				p := prev[i]
				h.m[p.Source] = &p
			}
		}
	}
	for _, s := range sources {
		sh := h.get(s.Name)
		sh.Country = s.Country
	}
	return h
}

func (h *healthBook) get(name string) *SourceHealth {
	sh, ok := h.m[name]
	if !ok {
		sh = &SourceHealth{Source: name}
		h.m[name] = sh
	}
	if sh.Errors == nil {
		sh.Errors = map[string]int64{}
	}
	if sh.ItemsByDay == nil {
		sh.ItemsByDay = map[string]int64{}
	}
	return sh
}

func (h *healthBook) errorf(source, kind string, err error) {
	if kind == "" {
		kind = "network"
	}
	mErrors.WithLabelValues(source, kind).Inc()
	h.mu.Lock()
	defer h.mu.Unlock()
	sh := h.get(source)
	sh.Errors[kind]++
	sh.LastError = fmt.Sprintf("%s: %v", kind, err)
	sh.LastErrorAt = time.Now().UTC()
}

func (h *healthBook) item(source string, dup bool, now time.Time) {
	mItems.WithLabelValues(source).Inc()
	if dup {
		mDuplicates.WithLabelValues(source).Inc()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	sh := h.get(source)
	sh.Items++
	if dup {
		sh.Duplicates++
	}
	sh.ItemsByDay[now.UTC().Format("2006-01-02")]++
}

func (h *healthBook) finishRun(source string, ok bool, pages int, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sh := h.get(source)
	sh.LastRun = now.UTC()
	sh.PagesLastRun = pages
	if ok {
		sh.LastSuccess = now.UTC()
		mLastSuccess.WithLabelValues(source).Set(float64(now.Unix()))
	}
	// keep 14 days; items per day is the mean over the last 7 calendar days
	cut := now.UTC().AddDate(0, 0, -14).Format("2006-01-02")
	week := now.UTC().AddDate(0, 0, -6).Format("2006-01-02")
	var sum int64
	for d, n := range sh.ItemsByDay {
		if d < cut {
			delete(sh.ItemsByDay, d)
			continue
		}
		if d >= week {
			sum += n
		}
	}
	sh.ItemsPerDay = float64(sum) / 7
	mItemsPerDay.WithLabelValues(source).Set(sh.ItemsPerDay)
}

func (h *healthBook) snapshot() []SourceHealth {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]SourceHealth, 0, len(h.m))
	for _, sh := range h.m {
		c := *sh
		c.Errors = cloneMap(sh.Errors)
		c.ItemsByDay = cloneMap(sh.ItemsByDay)
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

func cloneMap(m map[string]int64) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// save writes health.json atomically.
func (h *healthBook) save() error {
	b, err := json.MarshalIndent(h.snapshot(), "", "  ")
	if err != nil {
		return err
	}
	tmp := h.path + ".tmp"
	if err := os.MkdirAll(filepath.Dir(h.path), 0o755); err != nil {
		return fmt.Errorf("health: %w", err)
	}
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("health: %w", err)
	}
	if err := os.Rename(tmp, h.path); err != nil {
		return fmt.Errorf("health: %w", err)
	}
	return nil
}
