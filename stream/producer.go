package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/infosegura/escucha"
)

// ProducerConfig configures a Producer.
type ProducerConfig struct {
	Brokers []string // bootstrap addresses; required
	Topic   string   // default escucha.raw
	// Stage names the producer in metrics and logs; default "produce".
	Stage string
	// BatchSize is how many documents Emit buffers before writing; default 500.
	BatchSize int
	// FlushInterval is how often buffered documents are written anyway; default 200ms.
	FlushInterval time.Duration
	// MaxBackoff caps the retry backoff while the broker is down; default 30s.
	MaxBackoff time.Duration
	// Partitions used if the topic has to be created; default 6.
	Partitions int
	Logger     *slog.Logger
}

func (c ProducerConfig) withDefaults() ProducerConfig {
	if c.Topic == "" {
		c.Topic = escucha.TopicRaw
	}
	if c.Stage == "" {
		c.Stage = "produce"
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 500
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = 200 * time.Millisecond
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
func (c ProducerConfig) Validate() error {
	if len(c.Brokers) == 0 {
		return errors.New("producer config: no brokers")
	}
	return nil
}

// Producer writes documents to a topic keyed by id. Emit buffers; a background
// flush writes the buffer every FlushInterval; Flush and Close return only once
// everything emitted before them is acknowledged by the broker (all replicas).
type Producer struct {
	cfg   ProducerConfig
	w     *kafka.Writer
	retry *retrier

	mu     sync.Mutex // guards buf and serialises writes
	buf    []kafka.Message
	closed bool

	stop chan struct{}
	done chan struct{}
}

// NewProducer connects a producer, creating its topic if missing.
func NewProducer(ctx context.Context, cfg ProducerConfig) (*Producer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := EnsureTopics(ctx, cfg.Brokers, cfg.Partitions, cfg.Topic); err != nil {
		return nil, fmt.Errorf("new producer: %w", err)
	}
	log := cfg.Logger.With("stage", cfg.Stage)
	p := &Producer{
		cfg:   cfg,
		w:     newWriter(cfg.Brokers, cfg.Topic, cfg.BatchSize, log),
		retry: newRetrier(cfg.Stage, log, cfg.MaxBackoff),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go p.flushLoop()
	return p, nil
}

// Emit hands d to the stream; it has the signature of escucha.Emit. An invalid
// document is refused with an EInvalid error. When the buffer is full Emit writes
// it first, waiting (with retries) while the broker is down, until ctx ends.
func (p *Producer) Emit(ctx context.Context, d *escucha.Document) error {
	if err := d.Validate(); err != nil {
		return err
	}
	b, err := d.MarshalJSON()
	if err != nil {
		return escucha.Errorf(escucha.EInvalid, "emit %s: %w", d.ID, err)
	}
	if len(b)+len(d.ID) > maxMessageBytes {
		return escucha.Errorf(escucha.EInvalid, "emit %s: %d bytes is larger than %d", d.ID, len(b), maxMessageBytes)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return errors.New("emit: producer closed")
	}
	if len(p.buf) >= p.cfg.BatchSize {
		if err := p.flushLocked(ctx); err != nil {
			return fmt.Errorf("emit %s: %w", d.ID, err)
		}
	}
	p.buf = append(p.buf, kafka.Message{Key: []byte(d.ID), Value: b})
	return nil
}

// Flush writes everything emitted so far and returns once it is acknowledged.
func (p *Producer) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flushLocked(ctx)
}

func (p *Producer) flushLocked(ctx context.Context) error {
	for len(p.buf) > 0 {
		err := p.w.WriteMessages(ctx, p.buf...)
		if err == nil {
			p.retry.m.ok.Add(float64(len(p.buf)))
			p.retry.ok()
			p.buf = p.buf[:0]
			return nil
		}
		var werrs kafka.WriteErrors
		if errors.As(err, &werrs) && len(werrs) == len(p.buf) {
			failed := p.buf[:0]
			for i, e := range werrs {
				if e != nil {
					failed = append(failed, p.buf[i])
				}
			}
			p.retry.m.ok.Add(float64(len(p.buf) - len(failed)))
			p.buf = failed
		}
		if ctx.Err() != nil || !p.retry.wait(ctx, "produce", len(p.buf), err) {
			return fmt.Errorf("flush %d documents: %w", len(p.buf), err)
		}
	}
	return nil
}

// flushLoop writes the buffer every FlushInterval. A failed write keeps the
// documents buffered for the next round.
func (p *Producer) flushLoop() {
	defer close(p.done)
	t := time.NewTicker(p.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), p.cfg.FlushInterval*10)
		if err := p.Flush(ctx); err != nil {
			p.cfg.Logger.Warn("background flush failed; documents stay buffered", "stage", p.cfg.Stage, "err", err)
		}
		cancel()
	}
}

// Close flushes what is buffered (retrying for up to a minute while the broker is
// down) and closes the connection. Documents it could not deliver are reported in
// the error.
func (p *Producer) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	close(p.stop)
	<-p.done
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p.mu.Lock()
	err := p.flushLocked(ctx)
	p.mu.Unlock()
	return errors.Join(err, p.w.Close())
}
