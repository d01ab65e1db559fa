package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/infosegura/escucha"
)

// maxMessageBytes is the largest record escucha writes (and the topics accept).
const maxMessageBytes = 16 << 20

// kfakeMinSession is the embedded broker's minimum group session timeout.
const kfakeMinSession = 2 * time.Second

// RunProcessor runs p as a stage: it consumes cfg.InTopic in consumer group
// cfg.Group, in batches of up to cfg.BatchSize messages or cfg.BatchWait, writes
// p's outputs to cfg.OutTopic keyed by document id and the poison messages to
// cfg.DLQTopic, and commits the batch's offsets only once all those writes are
// acknowledged by the broker. A document p returns no output and no error for is
// dropped on purpose (a duplicate, say) and committed. It returns nil when ctx is
// cancelled, after finishing (or abandoning, uncommitted, after cfg.DrainTimeout)
// the batch in flight.
func RunProcessor(ctx context.Context, cfg Config, p escucha.Processor) error {
	if cfg.OutTopic == "" {
		return errors.New("run processor: stream config: no output topic")
	}
	s, err := newStage(ctx, cfg)
	if err != nil {
		return fmt.Errorf("run processor: %w", err)
	}
	return s.loop(ctx, func(ctx context.Context, msgs []kafka.Message) (int, error) {
		docs, idx, bad := decodeMessages(msgs)
		out, poisoned, err := processDocs(ctx, p, docs, idx, s.retry)
		if err != nil {
			return 0, err
		}
		bad = append(bad, poisoned...)
		recs := make([]kafka.Message, 0, len(out)+len(bad))
		for _, o := range out {
			b, err := o.doc.MarshalJSON()
			if err == nil && len(b)+len(o.doc.ID) > maxMessageBytes {
				err = fmt.Errorf("output of %d bytes is larger than %d", len(b), maxMessageBytes)
			}
			if err != nil {
				if o.src < 0 {
					return 0, fmt.Errorf("encode output %s: %w", o.doc.ID, err)
				}
				bad = append(bad, poison{o.src, escucha.Errorf(escucha.EInvalid, "encode output: %w", err)})
				continue
			}
			recs = append(recs, kafka.Message{Topic: s.cfg.OutTopic, Key: []byte(o.doc.ID), Value: b})
		}
		for _, pz := range bad {
			recs = append(recs, s.deadLetter(msgs[pz.idx], pz.err))
		}
		if err := s.write(ctx, recs); err != nil {
			return 0, err
		}
		return len(bad), nil
	})
}

// RunSink runs s as a stage: it consumes cfg.InTopic in consumer group cfg.Group,
// writes each batch to the sink and commits its offsets only after the sink's
// Write returned nil. A temporary sink failure is retried with backoff (nothing is
// committed meanwhile); a permanent one is retried document by document and the
// documents the sink refuses go to cfg.DLQTopic. It returns nil when ctx is
// cancelled, after finishing or abandoning the batch in flight. It does not close
// the sink: the caller does, after RunSink returned.
func RunSink(ctx context.Context, cfg Config, sink escucha.Sink) error {
	s, err := newStage(ctx, cfg)
	if err != nil {
		return fmt.Errorf("run sink: %w", err)
	}
	return s.loop(ctx, func(ctx context.Context, msgs []kafka.Message) (int, error) {
		docs, idx, bad := decodeMessages(msgs)
		poisoned, err := writeSink(ctx, sink, docs, idx, s.retry)
		if err != nil {
			return 0, err
		}
		bad = append(bad, poisoned...)
		recs := make([]kafka.Message, 0, len(bad))
		for _, pz := range bad {
			recs = append(recs, s.deadLetter(msgs[pz.idx], pz.err))
		}
		if err := s.write(ctx, recs); err != nil {
			return 0, err
		}
		return len(bad), nil
	})
}

// decodeMessages decodes the documents of a batch; idx[i] is the batch index of
// docs[i], and the messages that do not decode are poison.
func decodeMessages(msgs []kafka.Message) (docs []*escucha.Document, idx []int, bad []poison) {
	docs = make([]*escucha.Document, 0, len(msgs))
	idx = make([]int, 0, len(msgs))
	for i, m := range msgs {
		d, err := escucha.DecodeDocument(m.Value)
		if err != nil {
			bad = append(bad, poison{i, err})
			continue
		}
		docs = append(docs, d)
		idx = append(idx, i)
	}
	return docs, idx, bad
}

// stage is the Kafka side of a running stage.
type stage struct {
	cfg   Config
	log   *slog.Logger
	r     *kafka.Reader
	w     *kafka.Writer // outputs and dead letters (each record names its topic)
	retry *retrier
}

func newStage(ctx context.Context, cfg Config) (*stage, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	log := cfg.Logger.With("stage", cfg.Stage)
	topics := []string{cfg.InTopic, cfg.DLQTopic}
	if cfg.OutTopic != "" {
		topics = append(topics, cfg.OutTopic)
	}
	if err := EnsureTopics(ctx, cfg.Brokers, cfg.Partitions, topics...); err != nil {
		return nil, err
	}
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:  cfg.Brokers,
		GroupID:  cfg.Group,
		Topic:    cfg.InTopic,
		MinBytes: 1,
		MaxBytes: 2 * maxMessageBytes,
		// The fetch long-poll, not the batch wait: with MinBytes 1 the broker answers as
		// soon as a record exists, so a long poll costs no latency. kafka-go gives the
		// broker 3/4 of it and fails the read at the deadline; a short poll (250 ms left
		// 62 ms of slack) turned every idle poll on a busy machine into an "i/o
		// timeout", a reconnect and a warning.
		MaxWait:           fetchPoll,
		StartOffset:       kafka.FirstOffset,
		CommitInterval:    0, // synchronous commits: CommitMessages returns once committed
		HeartbeatInterval: cfg.SessionTimeout / 3,
		SessionTimeout:    cfg.SessionTimeout,
		RebalanceTimeout:  cfg.SessionTimeout,
		JoinGroupBackoff:  time.Second,
		ReadBackoffMin:    50 * time.Millisecond,
		ReadBackoffMax:    2 * time.Second,
		MaxAttempts:       5,
		QueueCapacity:     cfg.BatchSize,
		Logger:            kafkaLogger(log, slog.LevelDebug),
		ErrorLogger:       kafkaLogger(log, slog.LevelWarn),
	})
	return &stage{cfg: cfg, log: log, r: r, w: newWriter(cfg.Brokers, "", cfg.BatchSize, log), retry: newRetrier(cfg.Stage, log, cfg.MaxBackoff)}, nil
}

// fetchPoll is how long an idle fetch waits at the broker (see NewReader above).
const fetchPoll = 2 * time.Second

// newWriter returns a synchronous writer that waits for all in-sync replicas and
// places records by a hash of their key (the document id).
func newWriter(brokers []string, topic string, batch int, log *slog.Logger) *kafka.Writer {
	return &kafka.Writer{
		Addr:            kafka.TCP(brokers...),
		Topic:           topic,
		Balancer:        &kafka.Hash{},
		RequiredAcks:    kafka.RequireAll,
		BatchSize:       batch,
		BatchBytes:      2 * maxMessageBytes,
		BatchTimeout:    2 * time.Millisecond,
		MaxAttempts:     3,
		WriteBackoffMin: 50 * time.Millisecond,
		WriteBackoffMax: time.Second,
		Logger:          kafkaLogger(log, slog.LevelDebug),
		ErrorLogger:     kafkaLogger(log, slog.LevelWarn),
	}
}

func kafkaLogger(log *slog.Logger, level slog.Level) kafka.LoggerFunc {
	return func(format string, args ...any) {
		if log.Enabled(context.Background(), level) {
			log.Log(context.Background(), level, "kafka: "+fmt.Sprintf(format, args...))
		}
	}
}

// handler handles one batch: it returns once every record the batch produced is
// acknowledged, with the number of messages sent to the dead letters.
type handler func(ctx context.Context, msgs []kafka.Message) (dead int, err error)

// loop fetches, handles and commits batches until ctx is cancelled.
func (s *stage) loop(ctx context.Context, handle handler) (err error) {
	defer func() {
		err = errors.Join(err, s.close())
	}()
	s.log.Info("stage started", "group", s.cfg.Group, "in", s.cfg.InTopic, "out", s.cfg.OutTopic, "brokers", s.cfg.Brokers)
	var ends map[int]int64 // with StopAtEnd: the input's end offsets at start
	if s.cfg.StopAtEnd {
		if ends, err = s.endOffsets(ctx); err != nil {
			return err
		}
	}
	for {
		if ends != nil && s.reached(ctx, ends) {
			s.log.Info("stage reached the end of its input and stopped")
			return nil
		}
		fctx, cancel := ctx, context.CancelFunc(func() {})
		if ends != nil {
			fctx, cancel = context.WithTimeout(ctx, time.Second)
		}
		msgs, err := s.fetch(fctx)
		cancel()
		if len(msgs) == 0 {
			if ctx.Err() != nil {
				s.log.Info("stage stopped")
				return nil
			}
			if fctx.Err() != nil {
				continue // StopAtEnd: idle for a second, check the end again
			}
			if !s.retry.wait(ctx, "fetch", 0, err) {
				return nil
			}
			continue
		}
		start := time.Now()
		wctx, done := s.drainContext(ctx)
		dead, err := handle(wctx, msgs)
		if err == nil {
			err = s.commit(wctx, msgs)
		}
		done()
		if err != nil {
			if ctx.Err() != nil {
				s.log.Warn("stage stopped with its last batch uncommitted", "messages", len(msgs), "err", err)
				return nil
			}
			return fmt.Errorf("stage %s: %w", s.cfg.Stage, err)
		}
		s.retry.m.batch.Observe(time.Since(start).Seconds())
		s.retry.m.ok.Add(float64(len(msgs) - dead))
		s.retry.m.dlq.Add(float64(dead))
		s.retry.m.lag.Set(float64(s.r.Stats().Lag))
		if dead > 0 {
			s.log.Warn("dead letters written", "count", dead, "topic", s.cfg.DLQTopic)
		}
		if ctx.Err() != nil {
			s.log.Info("stage drained and stopped")
			return nil
		}
	}
}

// endOffsets returns the end offset of every input partition.
func (s *stage) endOffsets(ctx context.Context) (map[int]int64, error) {
	lag, err := Lag(ctx, s.cfg.Brokers, s.cfg.Group, s.cfg.InTopic)
	if err != nil {
		return nil, err
	}
	ends := make(map[int]int64, len(lag))
	for _, l := range lag {
		ends[l.Partition] = l.End
	}
	return ends, nil
}

// reached reports whether the group has committed up to ends everywhere.
func (s *stage) reached(ctx context.Context, ends map[int]int64) bool {
	lag, err := Lag(ctx, s.cfg.Brokers, s.cfg.Group, s.cfg.InTopic)
	if err != nil {
		s.log.Warn("cannot read the group's offsets", "err", err)
		return false
	}
	for _, l := range lag {
		if ends[l.Partition] > 0 && l.Committed < ends[l.Partition] {
			return false
		}
	}
	return true
}

// fetch waits for a first message, then gathers more for up to BatchWait.
func (s *stage) fetch(ctx context.Context) ([]kafka.Message, error) {
	m, err := s.r.FetchMessage(ctx)
	if err != nil {
		return nil, err
	}
	msgs := make([]kafka.Message, 1, s.cfg.BatchSize)
	msgs[0] = m
	fctx, cancel := context.WithTimeout(ctx, s.cfg.BatchWait)
	defer cancel()
	for len(msgs) < s.cfg.BatchSize {
		m, err := s.r.FetchMessage(fctx)
		if err != nil {
			break
		}
		msgs = append(msgs, m)
	}
	return msgs, nil
}

// drainContext is the context a batch is handled in: it outlives ctx by
// DrainTimeout, so a cancelled stage can finish the batch in flight.
func (s *stage) drainContext(ctx context.Context) (context.Context, func()) {
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() {
		t := time.NewTimer(s.cfg.DrainTimeout)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-wctx.Done():
		}
	})
	return wctx, func() {
		stop()
		cancel()
	}
}

// write produces recs and returns once all are acknowledged, retrying the ones
// that failed with backoff until ctx ends.
func (s *stage) write(ctx context.Context, recs []kafka.Message) error {
	for len(recs) > 0 {
		err := s.w.WriteMessages(ctx, recs...)
		if err == nil {
			s.retry.ok()
			return nil
		}
		var werrs kafka.WriteErrors
		if errors.As(err, &werrs) && len(werrs) == len(recs) {
			failed := recs[:0:0]
			for i, e := range werrs {
				if e != nil {
					failed = append(failed, recs[i])
				}
			}
			recs = failed
		}
		if ctx.Err() != nil || !s.retry.wait(ctx, "produce", len(recs), err) {
			return fmt.Errorf("produce %d records: %w", len(recs), err)
		}
	}
	return nil
}

// commit commits the batch's offsets, retrying with backoff until ctx ends.
func (s *stage) commit(ctx context.Context, msgs []kafka.Message) error {
	for {
		err := s.r.CommitMessages(ctx, msgs...)
		if err == nil {
			s.retry.ok()
			return nil
		}
		if ctx.Err() != nil || !s.retry.wait(ctx, "commit", len(msgs), err) {
			return fmt.Errorf("commit: %w", err)
		}
	}
}

// deadLetter is the record for a poison message: its original key and bytes, and
// headers saying what went wrong where.
func (s *stage) deadLetter(m kafka.Message, err error) kafka.Message {
	return kafka.Message{
		Topic: s.cfg.DLQTopic,
		Key:   m.Key,
		Value: m.Value,
		Headers: []kafka.Header{
			{Key: HeaderError, Value: []byte(err.Error())},
			{Key: HeaderStage, Value: []byte(s.cfg.Stage)},
			{Key: HeaderTopic, Value: []byte(m.Topic)},
			{Key: HeaderPartition, Value: []byte(strconv.Itoa(m.Partition))},
			{Key: HeaderOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))},
		},
	}
}

// Headers of a dead-letter record.
const (
	HeaderError     = "error"
	HeaderStage     = "stage"
	HeaderTopic     = "topic"
	HeaderPartition = "partition"
	HeaderOffset    = "offset"
)

func (s *stage) close() error {
	return errors.Join(s.w.Close(), s.r.Close())
}
