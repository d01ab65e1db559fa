package stream

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/infosegura/escucha"
)

// testBrokers are the addresses of the broker TestMain starts for the package.
var testBrokers []string

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	b, err := StartBroker(ctx, BrokerConfig{})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start embedded broker:", err)
		os.Exit(1)
	}
	testBrokers = b.Addrs()
	code := m.Run()
	b.Close()
	os.Exit(code)
}

// testLogger sends logs to t.Log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// testCtx is a context that ends with the test or after d.
func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// uniq returns a name unique to the test, for topics and groups.
var uniqN atomic.Int64

func uniq(t testing.TB, what string) string {
	name := strings.NewReplacer("/", ".", " ", "_").Replace(t.Name())
	return fmt.Sprintf("t.%s.%s.%d", name, what, uniqN.Add(1))
}

// testConfig is a stage config on fresh topics of the package broker.
func testConfig(t testing.TB, brokers []string, withOut bool) Config {
	cfg := Config{
		Brokers:        brokers,
		Group:          uniq(t, "group"),
		Stage:          "test",
		InTopic:        uniq(t, "in"),
		DLQTopic:       uniq(t, "dlq"),
		BatchSize:      50,
		BatchWait:      20 * time.Millisecond,
		Partitions:     6,
		MaxBackoff:     500 * time.Millisecond,
		SessionTimeout: 3 * time.Second,
		Logger:         testLogger(t),
	}
	if withOut {
		cfg.OutTopic = uniq(t, "out")
	}
	return cfg
}

// sampleDoc is a small Spanish news document with a stable id.
func sampleDoc(i int) *escucha.Document {
	return &escucha.Document{
		ID:            fmt.Sprintf("doc-%05d", i),
		URL:           fmt.Sprintf("https://noticias.example.gt/nacionales/%d", i),
		Source:        "noticias.example.gt",
		SourceCountry: "GT",
		Platform:      escucha.PlatformNews,
		Kind:          escucha.KindArticle,
		Title:         fmt.Sprintf("Reportan hecho armado número %d en zona 18", i),
		Text:          "Vecinos de la colonia informaron a la PNC sobre disparos durante la madrugada.",
		Lang:          "es",
		Version:       1,
	}
}

// produce writes raw values keyed by key to topic and waits for them.
func produce(t testing.TB, ctx context.Context, brokers []string, topic string, recs ...kafka.Message) {
	t.Helper()
	w := newWriter(brokers, topic, 1000, slog.New(slog.DiscardHandler))
	defer w.Close()
	if err := w.WriteMessages(ctx, recs...); err != nil {
		t.Fatalf("produce to %s: %v", topic, err)
	}
}

func docRecord(t testing.TB, d *escucha.Document) kafka.Message {
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return kafka.Message{Key: []byte(d.ID), Value: b}
}

// readAll reads every record of topic, partition by partition.
func readAll(t testing.TB, ctx context.Context, brokers []string, topic string) []kafka.Message {
	t.Helper()
	lag, err := Lag(ctx, brokers, "t.none", topic)
	if err != nil {
		t.Fatalf("read %s: %v", topic, err)
	}
	var out []kafka.Message
	for _, p := range lag {
		if p.End == 0 {
			continue
		}
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p.Partition, MaxWait: 50 * time.Millisecond})
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				r.Close()
				t.Fatalf("read %s[%d]: %v", topic, p.Partition, err)
			}
			out = append(out, m)
			if m.Offset+1 >= p.End {
				break
			}
		}
		r.Close()
	}
	return out
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t testing.TB, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// assertCommitted fails unless group has committed every record of topic.
func assertCommitted(t testing.TB, ctx context.Context, brokers []string, group, topic string) {
	t.Helper()
	lag, err := Lag(ctx, brokers, group, topic)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range lag {
		if p.End > 0 && p.Committed != p.End {
			t.Errorf("%s[%d]: group %s committed %d, end %d", topic, p.Partition, group, p.Committed, p.End)
		}
	}
}

// passThrough is a processor that returns its input, counting documents.
type passThrough struct {
	n      atomic.Int64
	reject map[string]error // ids to fail with the given error
}

func (p *passThrough) Process(_ context.Context, docs []*escucha.Document) ([]*escucha.Document, []error) {
	p.n.Add(int64(len(docs)))
	if len(p.reject) == 0 {
		return docs, nil
	}
	out := make([]*escucha.Document, 0, len(docs))
	errs := make([]error, len(docs))
	for i, d := range docs {
		if err := p.reject[d.ID]; err != nil {
			errs[i] = err
			continue
		}
		out = append(out, d)
	}
	return out, errs
}

// memSink is an idempotent sink: it upserts by id (newest version wins) and
// counts writes. fail makes Write fail with the returned error.
type memSink struct {
	mu     sync.Mutex
	docs   map[string]*escucha.Document
	writes int
	fail   func(docs []*escucha.Document) error
}

func newMemSink() *memSink { return &memSink{docs: map[string]*escucha.Document{}} }

func (s *memSink) Write(_ context.Context, docs []*escucha.Document) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		if err := s.fail(docs); err != nil {
			return err
		}
	}
	s.writes++
	for _, d := range docs {
		if old, ok := s.docs[d.ID]; !ok || d.Newer(old) {
			s.docs[d.ID] = d
		}
	}
	return nil
}

func (s *memSink) Close() error { return nil }

func (s *memSink) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.docs)
}

func (s *memSink) ids() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.docs))
	for id := range s.docs {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

var _ io.Writer = tWriter{}
