package stream

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/infosegura/escucha"
)

// Config configures a stage's consumer (and its producer to the next topic).
type Config struct {
	Brokers   []string      // bootstrap addresses; required
	Group     string        // consumer group id, one per stage (e.g. "escucha-enrich")
	Stage     string        // stage name for metrics and logs (e.g. "enrich"); default Group
	InTopic   string        // topic consumed
	OutTopic  string        // topic produced to (processors only)
	DLQTopic  string        // dead-letter topic; default escucha.dlq
	BatchSize int           // max messages per batch; default 500
	BatchWait time.Duration // max wait to fill a batch; default 250ms
	// Partitions used when the stage creates missing topics; default 6.
	Partitions int
	// MaxBackoff caps the retry backoff when the broker or the sink is down; default 30s.
	MaxBackoff time.Duration
	// SessionTimeout is how long the group coordinator waits for a silent member
	// (a killed process) before giving its partitions to others; default 10s.
	SessionTimeout time.Duration
	// DrainTimeout bounds how long a cancelled stage keeps finishing its in-flight
	// batch (writes and commit) before abandoning it uncommitted; default 15s.
	DrainTimeout time.Duration
	// StopAtEnd makes the stage return nil once its group has committed up to the
	// end offsets its input had when the stage started (a backfill or a reindex
	// with a group of its own) instead of waiting for new messages.
	StopAtEnd bool
	Logger    *slog.Logger
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.DLQTopic == "" {
		c.DLQTopic = escucha.TopicDLQ
	}
	if c.Stage == "" {
		c.Stage = c.Group
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 500
	}
	if c.BatchWait <= 0 {
		c.BatchWait = 250 * time.Millisecond
	}
	if c.Partitions <= 0 {
		c.Partitions = 6
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = 10 * time.Second
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 15 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if len(c.Brokers) == 0 {
		errs = append(errs, errors.New("no brokers"))
	}
	if c.Group == "" {
		errs = append(errs, errors.New("no consumer group"))
	}
	if c.InTopic == "" {
		errs = append(errs, errors.New("no input topic"))
	}
	if c.OutTopic != "" && c.OutTopic == c.InTopic {
		errs = append(errs, fmt.Errorf("output topic %s is the input topic", c.OutTopic))
	}
	if c.DLQTopic != "" && c.DLQTopic == c.InTopic {
		errs = append(errs, fmt.Errorf("dead-letter topic %s is the input topic", c.DLQTopic))
	}
	if c.BatchSize < 0 || c.Partitions < 0 {
		errs = append(errs, errors.New("negative batch size or partitions"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stream config: %w", err)
	}
	return nil
}
