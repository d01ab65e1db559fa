package core

import (
	"context"
	"database/sql"
	"math"
	"sort"

	"github.com/infosegura/escucha"
)

// Priority implements escucha.Trends: the territorial prioritisation index.
//
// For each territory u with a known population P_u, over [From, To):
//
//	V_u = n_u / P_u × 100000                           (documents per 100k)
//	G_u = max(0, ln((n_u + 1) / (p_u + 1)))            (growth vs previous period)
//	S_u = Σ_c w_c × n_{u,c} / P_u × 100000             (severity-weighted per 100k)
//	index_u = 100 × (a·V_u/max V + b·G_u/max G + c·S_u/max S) / (a + b + c)
//
// with a, b, c the Volume, Growth and Severity weights and w_c the category weights
// (1 when missing). Territories with unknown population are left out (they appear in
// Territory). See docs/trends.md.
func (e *Engine) Priority(ctx context.Context, q escucha.PriorityQuery) ([]escucha.PriorityRow, error) {
	wts := e.Cfg.Weights
	if q.Weights != nil {
		wts = *q.Weights
		if err := ValidateWeights(wts); err != nil {
			return nil, escucha.Errorf(escucha.EInvalid, "priority: %w", err)
		}
	}
	level, err := checkLevel(q.Level)
	if err != nil {
		return nil, err
	}
	terr, err := e.Territory(ctx, escucha.TerritoryQuery{Filter: q.Filter, Level: level})
	if err != nil {
		return nil, err
	}
	from, to, _ := e.period(q.Filter)
	f := q.Filter
	f.From, f.To = from, to
	w := e.where(f)
	code := "focus_admin1_code"
	if level == escucha.LevelAdmin2 {
		code = "focus_admin2_code"
	}
	sev := map[string]float64{}
	err = e.docsQuery(ctx, "priority_severity", w.and(code+" <> ''"), nil, func(from string) string {
		return "SELECT c, u, k, count(*) FROM (SELECT focus_country AS c, " + code + " AS u, " + e.D.Explode("categories") +
			" AS k " + from + ") sub GROUP BY c, u, k"
	}, func(r *sql.Rows) error {
		var c, u, k string
		var n int64
		if err := r.Scan(&c, &u, &k, &n); err != nil {
			return err
		}
		wt, ok := wts.Category[k]
		if !ok {
			wt = 1
		}
		sev[c+"|"+u] += wt * float64(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []escucha.PriorityRow
	var maxV, maxG, maxS float64
	for _, t := range terr {
		if t.Population <= 0 {
			continue
		}
		p := escucha.PriorityRow{Country: t.Country, Code: t.Code, Name: t.Name, Count: t.Count,
			PrevCount: t.PrevCount, Population: t.Population}
		p.Volume = float64(t.Count) * 1e5 / float64(t.Population)
		p.Growth = math.Max(0, math.Log(float64(t.Count+1)/float64(t.PrevCount+1)))
		p.Severity = sev[t.Country+"|"+t.Code] * 1e5 / float64(t.Population)
		maxV, maxG, maxS = math.Max(maxV, p.Volume), math.Max(maxG, p.Growth), math.Max(maxS, p.Severity)
		out = append(out, p)
	}
	norm := func(x, m float64) float64 {
		if m == 0 {
			return 0
		}
		return x / m
	}
	sum := wts.Volume + wts.Growth + wts.Severity
	for i := range out {
		p := &out[i]
		p.Volume, p.Growth, p.Severity = round(norm(p.Volume, maxV), 6), round(norm(p.Growth, maxG), 6), round(norm(p.Severity, maxS), 6)
		p.Index = round(100*(wts.Volume*p.Volume+wts.Growth*p.Growth+wts.Severity*p.Severity)/sum, 4)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Index != out[j].Index {
			return out[i].Index > out[j].Index
		}
		return out[i].Country+out[i].Code < out[j].Country+out[j].Code
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	if out == nil {
		out = []escucha.PriorityRow{}
	}
	return out, nil
}
