package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/infosegura/escucha"
)

// BrokerConfig configures the embedded broker.
type BrokerConfig struct {
	// DataDir keeps topics, records and committed offsets across restarts; empty
	// keeps everything in memory (tests only).
	DataDir string
	// Addr is the listen address; default "127.0.0.1:0" (a free loopback port).
	Addr string
	// Partitions of the escucha topics it creates; default 6.
	Partitions int
	Logger     *slog.Logger
}

func (c BrokerConfig) withDefaults() BrokerConfig {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:0"
	}
	if c.Partitions <= 0 {
		c.Partitions = 6
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c BrokerConfig) Validate() error {
	if _, _, err := net.SplitHostPort(c.withDefaults().Addr); err != nil {
		return fmt.Errorf("broker config: addr: %w", err)
	}
	if c.Partitions < 0 {
		return errors.New("broker config: negative partitions")
	}
	return nil
}

// Broker is an embedded single-node Kafka-protocol broker (franz-go's kfake). It
// speaks the same protocol as a real cluster, so stages use the same kafka-go code
// against it.
type Broker struct {
	c     *kfake.Cluster
	addrs []string
	once  sync.Once
}

// StartBroker starts the embedded broker and makes sure the escucha topics
// (raw, enriched, dlq) exist. With a DataDir, a restart finds its topics, records
// and committed offsets again.
func StartBroker(ctx context.Context, cfg BrokerConfig) (*Broker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.DefaultNumPartitions(cfg.Partitions),
		kfake.WithLogger(kfakeLogger{cfg.Logger}),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, cfg.Addr)
		}),
		// Stages killed without leaving their group are noticed quickly.
		kfake.GroupMinSessionTimeout(kfakeMinSession),
	}
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("start broker: %w", err)
		}
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start broker on %s: %w", cfg.Addr, err)
	}
	b := &Broker{c: c, addrs: c.ListenAddrs()}
	if err := EnsureTopics(ctx, b.addrs, cfg.Partitions, escucha.TopicRaw, escucha.TopicEnriched, escucha.TopicDLQ); err != nil {
		b.Close()
		return nil, fmt.Errorf("start broker: %w", err)
	}
	cfg.Logger.Info("broker started", "addrs", b.addrs, "data", cfg.DataDir)
	return b, nil
}

// Addrs are the bootstrap addresses to give clients.
func (b *Broker) Addrs() []string { return append([]string(nil), b.addrs...) }

// Close stops the broker, saving its state to the data directory.
func (b *Broker) Close() error {
	b.once.Do(b.c.Close)
	return nil
}

// kfakeLogger forwards kfake's warnings and errors to slog.
type kfakeLogger struct{ l *slog.Logger }

func (k kfakeLogger) Logf(level kfake.LogLevel, format string, args ...any) {
	switch level {
	case kfake.LogLevelError:
		k.l.Error("broker: " + fmt.Sprintf(format, args...))
	case kfake.LogLevelWarn:
		k.l.Warn("broker: " + fmt.Sprintf(format, args...))
	}
}
