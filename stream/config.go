package stream

import (
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Config configures a stage's consumer (and its producer to the next topic).
type Config struct {
	Brokers   []string      // bootstrap addresses; required
	Group     string        // consumer group id, one per stage (e.g. "escucha-enrich")
	Stage     string        // stage name for metrics and logs (e.g. "enrich")
	InTopic   string        // topic consumed
	OutTopic  string        // topic produced to (processors only)
	DLQTopic  string        // dead-letter topic; default escucha.dlq
	BatchSize int           // max messages per batch; default 500
	BatchWait time.Duration // max wait to fill a batch; default 250ms
	// Partitions used when the stage creates missing topics; default 6.
	Partitions int
	// MaxBackoff caps the retry backoff when the broker or the sink is down; default 30s.
	MaxBackoff time.Duration
	Logger     *slog.Logger
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.DLQTopic == "" {
		c.DLQTopic = "escucha.dlq"
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
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("stream config: %w", err)
	}
	return nil
}
