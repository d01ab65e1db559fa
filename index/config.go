package index

import (
	"errors"
	"fmt"
	"time"
)

// Config configures an index.
type Config struct {
	// Dir holds one Bleve index per month (YYYY-MM); required.
	Dir string
	// Location is the time zone of days, weeks and months (shards and histograms);
	// default UTC-6, Guatemala's (no daylight saving in the region's core).
	Location *time.Location
	// ClusterWindow is how far apart in time two reports of one case may be;
	// default 72h. Negative disables case clustering.
	ClusterWindow time.Duration
	// ClusterThreshold is the title/lead similarity (0..1) above which a document
	// joins a recent case of the same place and category; default 0.3.
	ClusterThreshold float64
	// ClusterMemory bounds the clustering candidates kept in memory; default 200000.
	ClusterMemory int
	// UnsafeBatch lets Write return before the batch is on disk (bulk rebuilds
	// only, where the source can be replayed); Close waits until every batch is.
	// Default false: Write is durable.
	UnsafeBatch bool
	// GCPercent, when positive, is the Go garbage collector's target
	// (runtime/debug.SetGCPercent) from Open until Close: a bulk rebuild trades
	// memory for CPU (400: about 16 % more documents per CPU-second and twice the
	// peak memory, ~2.5 GB with batches of 5 000; docs/benchmarks-search.md). It
	// is process-wide: set it only in a process that does nothing else (reindex).
	// Close restores the previous value. Default 0: left as it is (GOGC).
	GCPercent int
}

// DefaultLocation is Central America's UTC-6.
var DefaultLocation = time.FixedZone("UTC-6", -6*3600)

func (c Config) withDefaults() Config {
	if c.Location == nil {
		c.Location = DefaultLocation
	}
	if c.ClusterWindow == 0 {
		c.ClusterWindow = 72 * time.Hour
	}
	if c.ClusterThreshold == 0 {
		c.ClusterThreshold = 0.3
	}
	if c.ClusterMemory <= 0 {
		c.ClusterMemory = 200000
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if c.Dir == "" {
		errs = append(errs, errors.New("no directory"))
	}
	if c.GCPercent < 0 {
		errs = append(errs, fmt.Errorf("gc percent %d is negative", c.GCPercent))
	}
	if c.ClusterThreshold < 0 || c.ClusterThreshold > 1 {
		errs = append(errs, fmt.Errorf("cluster threshold %v out of 0..1", c.ClusterThreshold))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("index config: %w", err)
	}
	return nil
}
