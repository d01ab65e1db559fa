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
	if c.ClusterThreshold < 0 || c.ClusterThreshold > 1 {
		errs = append(errs, fmt.Errorf("cluster threshold %v out of 0..1", c.ClusterThreshold))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("index config: %w", err)
	}
	return nil
}
