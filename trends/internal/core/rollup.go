package core

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/infosegura/escucha"
)

// Rollups (docs/trends.md, "Rollups"): two tables of per-day counts of the
// current, non-deleted documents, with the same column names as docs so that a
// filter's SQL reads both:
//
//	roll_place  published (midnight of the day), focus_country, platform,
//	            focus_admin1_code, focus_admin1, focus_admin2_code, focus_admin2, n
//	roll_cat    published, focus_country, platform, focus_admin1_code, category, n
//	            (one row per document and category it carries)
//
// A question is answered from them when its filter and dimension use only those
// columns and its time bounds fall on midnights of the rollups' time zone;
// otherwise it reads docs. Counts are sums of n, so a rollup may hold several
// rows per key (deltas) and still answer exactly.

// Rollup table names.
const (
	RollPlace = "roll_place"
	RollCat   = "roll_cat"
)

// RollupSource is implemented by a store that keeps the rollups.
type RollupSource interface {
	// Rollups describes how to read them now; nil when no rollup row is usable
	// (the question then reads docs).
	Rollups(ctx context.Context) (*RollupRead, error)
}

// RollupRead is one look at the rollups.
type RollupRead struct {
	// Zone is the time zone of the rollups' days.
	Zone *time.Location
	// Cond selects the rollup rows that are exact now; "" when all are.
	Cond string
	// Rest returns the FROM … WHERE clause over the documents matching cond that
	// the rollups do not cover (as Plan.From), or "" when they cover all.
	Rest func(cond string, words []string) (from string, uses int)
	// Same, when set, must report true once the query started for its answer to
	// be used (as Plan.Same).
	Same func(ctx context.Context) (bool, error)
}

// rollupTable returns the rollup that answers dimension by under filter f, if any.
func rollupTable(by escucha.Dimension, f escucha.Filter) (string, bool) {
	if len(f.Categories)+len(f.Sources)+len(f.Kinds)+len(f.Campaigns)+len(f.Framing) > 0 {
		return "", false
	}
	switch by {
	case escucha.ByCategory:
		if len(f.Admin2) > 0 {
			return "", false
		}
		return RollCat, true
	case escucha.ByNone, escucha.ByCountry, escucha.ByAdmin1, escucha.ByAdmin2, escucha.ByPlatform:
		return RollPlace, true
	}
	return "", false
}

func midnight(t time.Time, zone *time.Location) bool {
	if t.IsZero() {
		return true
	}
	l := t.In(zone)
	return l.Hour() == 0 && l.Minute() == 0 && l.Second() == 0 && l.Nanosecond() == 0
}

// rollupBranch is one side of a rollup question: the select list over a rollup
// table and over docs, giving the same columns.
type rollupBranch struct {
	table   string
	rollSel string
	docSel  string
}

// rollupQuery answers a question from a rollup table plus the documents it does
// not cover: build gets a FROM clause over the union of both branches. It
// returns false, without running anything, when the store has no usable rollup
// or the time bounds are not whole days (the caller then reads docs).
func (e *Engine) rollupQuery(ctx context.Context, question string, f escucha.Filter, times []time.Time,
	br rollupBranch, pre []any, build func(from string) string, scan func(*sql.Rows) error) (bool, error) {
	if e.Rollup == nil {
		return false, nil
	}
	for attempt := 0; attempt < planAttempts; attempt++ {
		rr, err := e.Rollup.Rollups(ctx)
		if err != nil {
			queryErrors.WithLabelValues(e.Store, question).Inc()
			return false, classify(ctx, fmt.Errorf("%s rollup plan: %w", question, err))
		}
		if rr == nil {
			return false, nil
		}
		for _, t := range append(times, f.From, f.To) {
			if !midnight(t, rr.Zone) {
				return false, nil
			}
		}
		rw := e.filter(f, false)
		if rr.Cond != "" {
			rw.add(rr.Cond)
		}
		args := append(append([]any(nil), pre...), rw.args...)
		union := "SELECT " + br.rollSel + " FROM " + br.table
		if len(rw.conds) > 0 {
			union += " WHERE " + rw.String()
		}
		if rr.Rest != nil {
			dw := e.filter(f, true)
			from, uses := rr.Rest(dw.String(), identifiers(br.docSel))
			if from != "" {
				union += " UNION ALL SELECT " + br.docSel + " " + from
				for i := 0; i < uses; i++ {
					args = append(args, dw.args...)
				}
			}
		}
		q := build("FROM (" + union + ") u")
		if rr.Same == nil {
			return true, e.query(ctx, question, q, args, scan)
		}
		ok, err := e.queryChecked(ctx, question, q, args, rr.Same, scan)
		if err != nil || ok {
			return true, err
		}
		planRetries.WithLabelValues(e.Store).Inc()
	}
	return false, nil
}
