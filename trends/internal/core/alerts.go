package core

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/infosegura/escucha"
)

// Score is the robust spike score of x against a baseline: (x − median) / scale,
// where scale = max(1.4826·MAD, √max(median, 1)). The MAD term is the robust
// standard deviation; the Poisson floor √median keeps a flat or near-empty baseline
// (MAD = 0) from turning one extra document into an infinite score.
func Score(x int64, baseline []int64) (score, median, mad float64) {
	if len(baseline) == 0 {
		return 0, 0, 0
	}
	median = medianOf(baseline, 0)
	mad = medianOf(baseline, median)
	scale := math.Max(1.4826*mad, math.Sqrt(math.Max(median, 1)))
	return round((float64(x)-median)/scale, 4), median, mad
}

// medianOf is the median of |v − center| (center 0 and non-negative v: the median).
func medianOf(v []int64, center float64) float64 {
	d := make([]float64, len(v))
	for i, x := range v {
		d[i] = math.Abs(float64(x) - center)
	}
	sort.Float64s(d)
	n := len(d)
	if n%2 == 1 {
		return d[n/2]
	}
	return (d[n/2-1] + d[n/2]) / 2
}

// AlertID is the stable id of the alert for key on day.
func AlertID(kind, key string, day time.Time) string {
	s := sha256.Sum256([]byte(kind + "|" + key + "|" + day.UTC().Format("2006-01-02")))
	return hex.EncodeToString(s[:10])
}

// series is one watched key's daily counts over the baseline plus the day under test.
type series struct {
	kind, key, label string
	counts           []int64
}

// DetectAlerts checks the UTC day containing day against its baseline for every
// category × department, every campaign and every saved search, stores the new
// alerts and posts them to the webhook. Re-running it for the same day raises
// nothing new.
func (e *Engine) DetectAlerts(ctx context.Context, day time.Time) ([]escucha.Alert, error) {
	cfg := e.Cfg.Alerts
	day = utcDay(day)
	n := cfg.BaselineDays + 1
	from, to := day.AddDate(0, 0, -cfg.BaselineDays), day.AddDate(0, 0, 1)
	idx := func(t time.Time) int { return int(utcDay(t).Sub(from).Hours() / 24) }
	all := map[string]*series{}
	add := func(kind, key, label string, t time.Time, c int64) {
		i := idx(t)
		if i < 0 || i >= n {
			return
		}
		s := all[kind+"|"+key]
		if s == nil {
			s = &series{kind: kind, key: key, label: label, counts: make([]int64, n)}
			all[kind+"|"+key] = s
		}
		s.counts[i] += c
	}
	w := e.where(escucha.Filter{From: from, To: to})
	dayExpr := e.D.Bucket(escucha.IntervalDay, "published")
	err := e.docsQuery(ctx, "alerts_category_place", w.and("focus_admin1_code <> ''"), nil, func(from string) string {
		return "SELECT d, k, c, u, min(n), count(*) FROM (SELECT " + dayExpr + " AS d, " + e.D.Explode("categories") +
			" AS k, focus_country AS c, focus_admin1_code AS u, focus_admin1 AS n " + from + ") sub GROUP BY d, k, c, u"
	}, func(r *sql.Rows) error {
		var t time.Time
		var k, c, u, name string
		var cnt int64
		if err := r.Scan(&t, &k, &c, &u, &name, &cnt); err != nil {
			return err
		}
		add(escucha.AlertCategoryPlace, k+"|"+c+"|"+u, k+" en "+name, t, cnt)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = e.docsQuery(ctx, "alerts_campaign", w, nil, func(from string) string {
		return "SELECT d, k, count(*) FROM (SELECT " + dayExpr + " AS d, " + e.D.Explode("campaigns") + " AS k " +
			from + ") sub GROUP BY d, k"
	}, func(r *sql.Rows) error {
		var t time.Time
		var k string
		var cnt int64
		if err := r.Scan(&t, &k, &cnt); err != nil {
			return err
		}
		add(escucha.AlertCampaign, k, "campaña "+k, t, cnt)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, s := range cfg.Searches {
		counts, err := cfg.Counter.DailyCounts(ctx, s, from, to)
		if err != nil {
			return nil, fmt.Errorf("saved search %s counts: %w", s.ID, err)
		}
		if len(counts) != n {
			return nil, escucha.Errorf(escucha.EInternal, "saved search %s: %d daily counts, want %d", s.ID, len(counts), n)
		}
		for i, c := range counts {
			add(escucha.AlertSearch, s.ID, s.Label, from.AddDate(0, 0, i), c)
		}
	}

	recent := map[string]bool{} // kind|key alerted within the cool-down, or today
	existing, err := e.Alerts(ctx, escucha.AlertQuery{From: day.Add(-cfg.CoolDown), To: to, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	for _, a := range existing {
		recent[a.Kind+"|"+a.Key] = true
	}
	now := e.Cfg.Now().UTC().Truncate(time.Second)
	var raised []escucha.Alert
	for _, s := range all {
		x := s.counts[n-1]
		if x < cfg.MinCount || recent[s.kind+"|"+s.key] {
			continue
		}
		score, median, mad := Score(x, s.counts[:n-1])
		if score < cfg.Threshold {
			continue
		}
		label := s.label
		if label == "" {
			label = s.key
		}
		raised = append(raised, escucha.Alert{ID: AlertID(s.kind, s.key, day), Kind: s.kind, Key: s.key,
			Label: label, Day: day, Count: x, Baseline: median, MAD: mad, Score: score, Created: now})
	}
	sort.Slice(raised, func(i, j int) bool {
		if raised[i].Score != raised[j].Score {
			return raised[i].Score > raised[j].Score
		}
		return raised[i].ID < raised[j].ID
	})
	if len(raised) == 0 {
		return raised, nil
	}
	if err := e.SaveAll(ctx, raised); err != nil {
		return nil, fmt.Errorf("store alerts: %w", err)
	}
	for _, a := range raised {
		alertsRaised.WithLabelValues(a.Kind).Inc()
		e.Log.Info("alerta temprana", "kind", a.Kind, "key", a.Key, "day", a.Day.Format("2006-01-02"),
			"count", a.Count, "baseline", a.Baseline, "score", a.Score)
	}
	if cfg.WebhookURL != "" {
		if err := e.postWebhook(ctx, raised); err != nil {
			// The alerts are stored and listed; a failed webhook is reported, not retried.
			return raised, fmt.Errorf("alerts stored, webhook failed: %w", err)
		}
	}
	return raised, nil
}

func (e *Engine) postWebhook(ctx context.Context, alerts []escucha.Alert) error {
	body, err := json.Marshal(map[string]any{"alerts": alerts})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.Cfg.Alerts.WebhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "escucha-trends")
	resp, err := e.Cfg.Alerts.HTTPClient.Do(req)
	if err != nil {
		return escucha.Errorf(escucha.EUnavailable, "post webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return escucha.Errorf(escucha.EUnavailable, "webhook answered %s", resp.Status)
	}
	return nil
}

// Alerts implements escucha.Trends.
func (e *Engine) Alerts(ctx context.Context, q escucha.AlertQuery) ([]escucha.Alert, error) {
	if q.Limit <= 0 {
		q.Limit = 100
	}
	w := &where{}
	w.add("1 = 1")
	if !q.From.IsZero() {
		w.add("day >= "+e.D.TimeArg(), q.From.Unix())
	}
	if !q.To.IsZero() {
		w.add("day < "+e.D.TimeArg(), q.To.Unix())
	}
	if q.Kind != "" {
		w.add("kind = ?", q.Kind)
	}
	out := []escucha.Alert{}
	err := e.query(ctx, "alerts",
		"SELECT id, kind, alert_key, label, day, cnt, baseline, mad, score, created FROM "+e.D.Alerts()+
			" WHERE "+w.String()+" ORDER BY day DESC, score DESC, id LIMIT "+fmt.Sprint(q.Limit),
		w.args, func(r *sql.Rows) error {
			var a escucha.Alert
			if err := r.Scan(&a.ID, &a.Kind, &a.Key, &a.Label, &a.Day, &a.Count, &a.Baseline, &a.MAD, &a.Score, &a.Created); err != nil {
				return err
			}
			a.Day, a.Created = a.Day.UTC(), a.Created.UTC()
			out = append(out, a)
			return nil
		})
	return out, err
}

// Sources implements escucha.Trends: each source's day against its own baseline.
func (e *Engine) Sources(ctx context.Context, q escucha.SourcesQuery) ([]escucha.SourceHealth, error) {
	cfg := e.Cfg.Alerts
	if q.BaselineDays <= 0 {
		q.BaselineDays = cfg.BaselineDays
	}
	day := q.Day
	if day.IsZero() {
		day = e.Cfg.Now()
	}
	day = utcDay(day)
	from, to := day.AddDate(0, 0, -q.BaselineDays), day.AddDate(0, 0, 1)
	type src struct {
		h      escucha.SourceHealth
		first  time.Time
		counts []int64
	}
	all := map[string]*src{}
	var order []string
	w := e.where(escucha.Filter{To: to})
	err := e.docsQuery(ctx, "sources_seen", w.and("source <> ''"), nil, func(from string) string {
		return "SELECT source, min(platform), min(published), max(published) " + from + " GROUP BY source"
	}, func(r *sql.Rows) error {
		s := &src{counts: make([]int64, q.BaselineDays+1)}
		if err := r.Scan(&s.h.Source, &s.h.Platform, &s.first, &s.h.LastSeen); err != nil {
			return err
		}
		s.first, s.h.LastSeen = s.first.UTC(), s.h.LastSeen.UTC()
		all[s.h.Source] = s
		order = append(order, s.h.Source)
		return nil
	})
	if err != nil {
		return nil, err
	}
	w = e.where(escucha.Filter{From: from, To: to})
	err = e.docsQuery(ctx, "sources_daily", w.and("source <> ''"), nil, func(from string) string {
		return "SELECT d, source, count(*) FROM (SELECT " + e.D.Bucket(escucha.IntervalDay, "published") + " AS d, source " +
			from + ") sub GROUP BY d, source"
	}, func(r *sql.Rows) error {
		var t time.Time
		var s string
		var n int64
		if err := r.Scan(&t, &s, &n); err != nil {
			return err
		}
		if x := all[s]; x != nil {
			if i := int(utcDay(t).Sub(from).Hours() / 24); i >= 0 && i < len(x.counts) {
				x.counts[i] = n
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]escucha.SourceHealth, 0, len(order))
	for _, name := range order {
		s := all[name]
		h := s.h
		h.Count = s.counts[q.BaselineDays]
		score, median, _ := Score(h.Count, s.counts[:q.BaselineDays])
		h.Baseline = median
		if median > 0 {
			h.Ratio = round(float64(h.Count)/median, 4)
		}
		switch {
		case s.first.After(day.AddDate(0, 0, -cfg.QuietDays)):
			h.Status = escucha.SourceNew
		case day.Sub(utcDay(h.LastSeen)) > time.Duration(cfg.QuietDays)*24*time.Hour:
			h.Status = escucha.SourceQuiet
		case median >= 1 && float64(h.Count) < cfg.QuietRatio*median:
			h.Status = escucha.SourceQuiet
		case h.Count >= cfg.MinCount && score >= cfg.Threshold:
			h.Status = escucha.SourceHigh
		default:
			h.Status = escucha.SourceOK
		}
		out = append(out, h)
	}
	rank := map[string]int{escucha.SourceQuiet: 0, escucha.SourceHigh: 1, escucha.SourceNew: 2, escucha.SourceOK: 3}
	sort.Slice(out, func(i, j int) bool {
		if rank[out[i].Status] != rank[out[j].Status] {
			return rank[out[i].Status] < rank[out[j].Status]
		}
		return strings.Compare(out[i].Source, out[j].Source) < 0
	})
	return out, nil
}
