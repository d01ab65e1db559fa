package index

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"

	"github.com/infosegura/escucha"
)

// compactPasses bounds the force merges of one month: a pass merges at most
// SegmentsPerMergeTask (10) segments per task, so a month of many segments may
// need more than one.
const compactPasses = 8

// testMergePlan, when set (tests), replaces scorch's background merge plan of
// the shards opened afterwards (mergeplan.MergePlanOptions fields).
var testMergePlan map[string]any

// Compact merges every month that ends at or before olderThan and has more than
// one segment into a single segment, and returns the months merged. A search
// pays a fixed cost per segment, so closed months (no more writes expected) are
// worth one each. Searches keep running meanwhile (they read the snapshot they
// opened); Write, Drop and Close wait. Months written to later simply gain new
// segments again.
func (ix *Index) Compact(ctx context.Context, olderThan time.Time) ([]string, error) {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if err := ix.waitFlight(); err != nil {
		return nil, err
	}
	// Scorch merges only segments already on disk.
	if err := ix.waitPersisted(ctx); err != nil {
		return nil, fmt.Errorf("compact: %w", err)
	}
	ix.mu.RLock()
	if ix.closed {
		ix.mu.RUnlock()
		return nil, escucha.Errorf(EClosed, "index closed")
	}
	months := map[string]bleve.Index{}
	for name, s := range ix.shards {
		if _, end := ix.monthRange(name); !end.IsZero() && !end.After(olderThan) {
			months[name] = s
		}
	}
	ix.mu.RUnlock() // wmu keeps Drop and Close away from these shards
	names := make([]string, 0, len(months))
	for name := range months {
		names = append(names, name)
	}
	sort.Strings(names)
	// Months are separate indexes and a merge runs on one core: merge up to
	// GOMAXPROCS months at a time (at 1M documents, 12 months took 83 s one by one).
	var (
		mu     sync.Mutex
		merged []string
		errs   []error
		wg     sync.WaitGroup
	)
	work := make(chan string)
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Go(func() {
			for name := range work {
				done, err := ix.compactMonth(ctx, name, months[name])
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else if done {
					merged = append(merged, name)
				}
				mu.Unlock()
			}
		})
	}
	for _, name := range names {
		mu.Lock()
		failed := len(errs) > 0
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		work <- name
	}
	close(work)
	wg.Wait()
	sort.Strings(merged)
	if err := ctx.Err(); err != nil && len(errs) == 0 {
		errs = append(errs, err)
	}
	return merged, errors.Join(errs...)
}

// compactMonth merges one month into a single segment; false if it had one.
func (ix *Index) compactMonth(ctx context.Context, name string, s bleve.Index) (bool, error) {
	start := time.Now()
	before, err := segmentCount(s)
	if err != nil {
		return false, fmt.Errorf("compact month %s: %w", name, err)
	}
	if before <= 1 {
		return false, nil
	}
	if err := forceMerge(ctx, s); err != nil {
		return false, fmt.Errorf("compact month %s: %w", name, err)
	}
	ix.log.Info("month compacted", "month", name, "segments", before, "took", time.Since(start))
	return true, nil
}

// CompactEvery is the live indexer's upkeep: it runs Compact at once and then
// every interval, for the months that ended at least after ago (late documents
// still arrive for a while), until ctx ends or the index is closed. A failed
// pass is logged and tried again at the next tick: the month stays searchable
// as it was. Writes wait while a month is merged (backpressure, no loss).
func (ix *Index) CompactEvery(ctx context.Context, every, after time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := ix.Compact(ctx, time.Now().Add(-after)); err != nil {
			ix.mu.RLock()
			closed := ix.closed
			ix.mu.RUnlock()
			if ctx.Err() != nil || closed {
				return
			}
			ix.log.Warn("compact closed months", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// forceMerge merges s into one segment.
func forceMerge(ctx context.Context, s bleve.Index) error {
	adv, err := s.Advanced()
	if err != nil {
		return err
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return fmt.Errorf("not a scorch index (%T)", adv)
	}
	n := 0
	for range compactPasses {
		if err := sc.ForceMerge(ctx, &mergeplan.SingleSegmentMergePlanOptions); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil { // ForceMerge gives up silently when cancelled
			return err
		}
		if n, err = segmentCount(s); err != nil || n <= 1 {
			return err
		}
	}
	return fmt.Errorf("still %d segments after %d force merges", n, compactPasses)
}

// segmentCount is the number of segments of a shard's current snapshot.
func segmentCount(s bleve.Index) (int, error) {
	adv, err := s.Advanced()
	if err != nil {
		return 0, err
	}
	r, err := adv.Reader()
	if err != nil {
		return 0, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return 0, fmt.Errorf("not a scorch snapshot (%T)", r)
	}
	return len(snap.Segments()), nil
}

// segments is the number of segments of each month (tests).
func (ix *Index) segments() (map[string]int, error) {
	ix.waitFlight()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := map[string]int{}
	for name, s := range ix.shards {
		if name == tombstones {
			continue
		}
		n, err := segmentCount(s)
		if err != nil {
			return nil, fmt.Errorf("segments of %s: %w", name, err)
		}
		out[name] = n
	}
	return out, nil
}
