package index

import (
	"context"
	"fmt"
	"time"

	"github.com/infosegura/escucha"
)

// DailyCounts implements escucha.SearchCounter for the early warning: the number of
// documents matching the saved search on each UTC day in [from, to), oldest first.
func (ix *Index) DailyCounts(ctx context.Context, s escucha.SavedSearch, from, to time.Time) ([]int64, error) {
	from = from.UTC().Truncate(24 * time.Hour)
	to = to.UTC()
	if !from.Before(to) {
		return nil, nil
	}
	var out []int64
	for day := from; day.Before(to); day = day.Add(24 * time.Hour) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		req := escucha.SearchRequest{Query: s.Query, From: day, To: day.Add(24 * time.Hour)}
		if err := req.Validate(); err != nil {
			return nil, fmt.Errorf("saved search %s: %w", s.ID, err)
		}
		n, err := ix.Count(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("saved search %s on %s: %w", s.ID, day.Format(time.DateOnly), err)
		}
		out = append(out, int64(n))
	}
	return out, nil
}

var _ escucha.SearchCounter = (*Index)(nil)
