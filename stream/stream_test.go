package stream

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/segmentio/kafka-go"

	"github.com/infosegura/escucha"
)

// goRun runs f in a goroutine; the returned func cancels it and returns its error.
func goRun(ctx context.Context, f func(ctx context.Context) error) (stop func() error) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- f(ctx) }()
	return func() error {
		cancel()
		return <-done
	}
}

func header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

func TestRunProcessorPoisonGoesToDLQ(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	cfg := testConfig(t, testBrokers, true)
	cfg.Stage = uniq(t, "stage")
	const n = 200
	var recs []kafka.Message
	for i := range n {
		recs = append(recs, docRecord(t, sampleDoc(i)))
	}
	poison := map[string]kafka.Message{
		"notjson":  {Key: []byte("k1"), Value: []byte(`{"id": "roto", "title": "sin cerrar`)},
		"noid":     {Key: []byte("k2"), Value: []byte(`{"title":"Capturan a presunto extorsionista en Mixco"}`)},
		"rejected": docRecord(t, sampleDoc(n+1)),
	}
	for _, m := range poison {
		recs = append(recs, m)
	}
	if err := EnsureTopics(ctx, cfg.Brokers, 6, cfg.InTopic); err != nil {
		t.Fatal(err)
	}
	produce(t, ctx, cfg.Brokers, cfg.InTopic, recs...)

	p := &passThrough{reject: map[string]error{
		sampleDoc(n + 1).ID: escucha.Errorf(escucha.EInvalid, "texto vacío tras limpieza"),
	}}
	stop := goRun(ctx, func(ctx context.Context) error { return RunProcessor(ctx, cfg, p) })
	waitFor(t, ctx, "all records committed", func() bool {
		lag, err := Lag(ctx, cfg.Brokers, cfg.Group, cfg.InTopic)
		if err != nil {
			return false
		}
		for _, l := range lag {
			if l.Committed != l.End {
				return false
			}
		}
		return true
	})
	if err := stop(); err != nil {
		t.Fatalf("run processor: %v", err)
	}

	if ok, dlq := metricValue(t, messagesTotal.WithLabelValues(cfg.Stage, resultOK)),
		metricValue(t, messagesTotal.WithLabelValues(cfg.Stage, resultDLQ)); ok != n || dlq != float64(len(poison)) {
		t.Errorf("metrics: ok=%v dlq=%v, want %d and %d", ok, dlq, n, len(poison))
	}
	if lag := metricValue(t, consumerLag.WithLabelValues(cfg.Stage)); lag != 0 {
		t.Errorf("consumer lag gauge %v after everything was committed", lag)
	}

	out := readAll(t, ctx, cfg.Brokers, cfg.OutTopic)
	seen := map[string]int{}
	for _, m := range out {
		d, err := escucha.DecodeDocument(m.Value)
		if err != nil {
			t.Fatalf("output does not decode: %v", err)
		}
		if string(m.Key) != d.ID {
			t.Errorf("output keyed %q, want its id %q", m.Key, d.ID)
		}
		seen[d.ID]++
	}
	for i := range n {
		if seen[sampleDoc(i).ID] == 0 {
			t.Errorf("%s missing from output", sampleDoc(i).ID)
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct outputs, want %d", len(seen), n)
	}

	dlq := readAll(t, ctx, cfg.Brokers, cfg.DLQTopic)
	if len(dlq) != len(poison) {
		t.Fatalf("%d dead letters, want %d", len(dlq), len(poison))
	}
	for _, m := range dlq {
		found := false
		for name, pm := range poison {
			if string(pm.Value) == string(m.Value) && string(pm.Key) == string(m.Key) {
				found = true
				t.Logf("dead letter %s: error=%q", name, header(m, HeaderError))
			}
		}
		if !found {
			t.Errorf("dead letter %q is not one of the poison messages", m.Value)
		}
		if header(m, HeaderError) == "" || header(m, HeaderStage) != cfg.Stage || header(m, HeaderTopic) != cfg.InTopic {
			t.Errorf("dead letter headers %v", m.Headers)
		}
		if _, err := strconv.Atoi(header(m, HeaderPartition)); err != nil {
			t.Errorf("partition header: %v", err)
		}
		if _, err := strconv.ParseInt(header(m, HeaderOffset), 10, 64); err != nil {
			t.Errorf("offset header: %v", err)
		}
	}
}

func TestRestartResumesFromCommittedOffsets(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	cfg := testConfig(t, testBrokers, true)
	cfg.BatchSize = 10
	const n = 300
	var recs []kafka.Message
	for i := range n {
		recs = append(recs, docRecord(t, sampleDoc(i)))
	}
	if err := EnsureTopics(ctx, cfg.Brokers, 6, cfg.InTopic); err != nil {
		t.Fatal(err)
	}
	produce(t, ctx, cfg.Brokers, cfg.InTopic, recs...)

	// First run: stop after some batches. The batch in flight is drained, so what
	// was processed is exactly what was committed.
	first := &passThrough{}
	stop := goRun(ctx, func(ctx context.Context) error { return RunProcessor(ctx, cfg, first) })
	waitFor(t, ctx, "some progress", func() bool { return first.n.Load() >= 50 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	done := first.n.Load()
	if done >= n {
		t.Fatalf("first run did everything (%d); cannot test resume", done)
	}
	var committed int64
	lag, err := Lag(ctx, cfg.Brokers, cfg.Group, cfg.InTopic)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lag {
		committed += max(l.Committed, 0)
	}
	if committed != done {
		t.Fatalf("first run processed %d but committed %d", done, committed)
	}

	second := &passThrough{}
	stop = goRun(ctx, func(ctx context.Context) error { return RunProcessor(ctx, cfg, second) })
	waitFor(t, ctx, "the rest", func() bool { return first.n.Load()+second.n.Load() >= n })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := first.n.Load() + second.n.Load(); got != n {
		t.Errorf("processed %d in total over two runs, want exactly %d (second run re-read committed work)", got, n)
	}
	assertCommitted(t, ctx, cfg.Brokers, cfg.Group, cfg.InTopic)
}

func TestRunSinkRetriesAndDeadLetters(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	cfg := testConfig(t, testBrokers, false)
	const n = 120
	var recs []kafka.Message
	for i := range n {
		recs = append(recs, docRecord(t, sampleDoc(i)))
	}
	recs = append(recs, kafka.Message{Key: []byte("x"), Value: []byte("no es json")})
	if err := EnsureTopics(ctx, cfg.Brokers, 6, cfg.InTopic); err != nil {
		t.Fatal(err)
	}
	produce(t, ctx, cfg.Brokers, cfg.InTopic, recs...)

	sink := newMemSink()
	var calls int
	refused := sampleDoc(7).ID
	sink.fail = func(docs []*escucha.Document) error {
		calls++
		if calls <= 3 {
			return escucha.Errorf(escucha.EUnavailable, "índice ocupado")
		}
		for _, d := range docs {
			if d.ID == refused {
				return escucha.Errorf(escucha.EInvalid, "documento %s rechazado", d.ID)
			}
		}
		return nil
	}
	stop := goRun(ctx, func(ctx context.Context) error { return RunSink(ctx, cfg, sink) })
	waitFor(t, ctx, "sink has every accepted document", func() bool { return sink.len() == n-1 })
	waitFor(t, ctx, "dead letters", func() bool {
		lag, err := Lag(ctx, cfg.Brokers, "t.none", cfg.DLQTopic)
		var total int64
		for _, l := range lag {
			total += l.End
		}
		return err == nil && total == 2
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	assertCommitted(t, ctx, cfg.Brokers, cfg.Group, cfg.InTopic)
	for _, m := range readAll(t, ctx, cfg.Brokers, cfg.DLQTopic) {
		t.Logf("dead letter %s: %s", m.Key, header(m, HeaderError))
		if k := string(m.Key); k != refused && k != "x" {
			t.Errorf("unexpected dead letter %s", k)
		}
	}
}

func TestTwoSinksSharePartitions(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	cfg := testConfig(t, testBrokers, false)
	if err := EnsureTopics(ctx, cfg.Brokers, 6, cfg.InTopic); err != nil {
		t.Fatal(err)
	}
	a, b := newMemSink(), newMemSink()
	stopA := goRun(ctx, func(ctx context.Context) error { return RunSink(ctx, cfg, a) })
	stopB := goRun(ctx, func(ctx context.Context) error { return RunSink(ctx, cfg, b) })
	// Keep producing until both instances have received work: the group gives
	// each its share of the partitions once both have joined.
	sent := 0
	waitFor(t, ctx, "both instances to get documents", func() bool {
		var recs []kafka.Message
		for range 30 {
			recs = append(recs, docRecord(t, sampleDoc(sent)))
			sent++
		}
		produce(t, ctx, cfg.Brokers, cfg.InTopic, recs...)
		time.Sleep(100 * time.Millisecond)
		return a.len() > 0 && b.len() > 0
	})
	waitFor(t, ctx, "every document stored", func() bool {
		union := map[string]bool{}
		for _, id := range append(a.ids(), b.ids()...) {
			union[id] = true
		}
		return len(union) == sent
	})
	if err := errors.Join(stopA(), stopB()); err != nil {
		t.Fatal(err)
	}
	t.Logf("sent %d: instance A stored %d, B stored %d", sent, a.len(), b.len())
	assertCommitted(t, ctx, cfg.Brokers, cfg.Group, cfg.InTopic)
}

// blockingProcessor holds each batch until released.
type blockingProcessor struct {
	entered chan int
	release chan struct{}
	mu      sync.Mutex
	n       int
}

func (p *blockingProcessor) Process(_ context.Context, docs []*escucha.Document) ([]*escucha.Document, []error) {
	p.entered <- len(docs)
	<-p.release
	p.mu.Lock()
	p.n += len(docs)
	p.mu.Unlock()
	return docs, nil
}

func TestShutdownDrainsInFlightBatch(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	cfg := testConfig(t, testBrokers, true)
	cfg.BatchSize = 1000
	const n = 40
	var recs []kafka.Message
	for i := range n {
		recs = append(recs, docRecord(t, sampleDoc(i)))
	}
	if err := EnsureTopics(ctx, cfg.Brokers, 1, cfg.InTopic); err != nil {
		t.Fatal(err)
	}
	produce(t, ctx, cfg.Brokers, cfg.InTopic, recs...)
	p := &blockingProcessor{entered: make(chan int, 10), release: make(chan struct{})}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- RunProcessor(runCtx, cfg, p) }()
	var inFlight int
	select {
	case inFlight = <-p.entered:
	case <-ctx.Done():
		t.Fatal("no batch arrived")
	}
	cancel() // shutdown while the batch is in the processor
	time.Sleep(50 * time.Millisecond)
	close(p.release)
	if err := <-done; err != nil {
		t.Fatalf("run processor after shutdown: %v", err)
	}
	lag, err := Lag(ctx, cfg.Brokers, cfg.Group, cfg.InTopic)
	if err != nil {
		t.Fatal(err)
	}
	var committed int64
	for _, l := range lag {
		committed += max(l.Committed, 0)
	}
	if committed != int64(inFlight) {
		t.Errorf("committed %d after drain, want the %d of the batch in flight", committed, inFlight)
	}
	if out := readAll(t, ctx, cfg.Brokers, cfg.OutTopic); len(out) != inFlight {
		t.Errorf("%d outputs after drain, want %d", len(out), inFlight)
	}
}

func TestBrokerPersistsTopicsRecordsAndOffsets(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	dir := t.TempDir()
	b, err := StartBroker(ctx, BrokerConfig{DataDir: dir, Partitions: 3, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, b.Addrs(), false)
	cfg.InTopic = escucha.TopicRaw
	cfg.BatchSize = 5
	var recs []kafka.Message
	for i := range 50 {
		recs = append(recs, docRecord(t, sampleDoc(i)))
	}
	produce(t, ctx, b.Addrs(), escucha.TopicRaw, recs...)
	sink := newMemSink()
	stop := goRun(ctx, func(ctx context.Context) error { return RunSink(ctx, cfg, sink) })
	waitFor(t, ctx, "some documents stored", func() bool { return sink.len() >= 10 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	before, err := Lag(ctx, b.Addrs(), cfg.Group, escucha.TopicRaw)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()

	b, err = StartBroker(ctx, BrokerConfig{DataDir: dir, Partitions: 3, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	after, err := Lag(ctx, b.Addrs(), cfg.Group, escucha.TopicRaw)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Errorf("offsets before restart %v, after %v", before, after)
	}
	for _, topic := range []string{escucha.TopicEnriched, escucha.TopicDLQ} {
		if _, err := Lag(ctx, b.Addrs(), cfg.Group, topic); err != nil {
			t.Errorf("topic %s after restart: %v", topic, err)
		}
	}
	if got := len(readAll(t, ctx, b.Addrs(), escucha.TopicRaw)); got != 50 {
		t.Errorf("%d records after restart, want 50", got)
	}
}

func TestBrokerRestartMidRunLosesNothing(t *testing.T) {
	ctx := testCtx(t, 120*time.Second)
	dir := t.TempDir()
	b, err := StartBroker(ctx, BrokerConfig{DataDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	addr := b.Addrs()[0]
	// raw → processor → enriched → sink, with the broker restarted under both.
	pcfg := testConfig(t, b.Addrs(), true)
	pcfg.InTopic, pcfg.OutTopic, pcfg.BatchSize = escucha.TopicRaw, escucha.TopicEnriched, 20
	cfg := testConfig(t, b.Addrs(), false)
	cfg.InTopic = escucha.TopicEnriched
	cfg.BatchSize = 20
	const n = 2000

	prod, err := NewProducer(ctx, ProducerConfig{Brokers: b.Addrs(), Topic: escucha.TopicRaw, BatchSize: 100, MaxBackoff: 500 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	for i := range n / 2 {
		if err := prod.Emit(ctx, sampleDoc(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := prod.Flush(ctx); err != nil {
		t.Fatal(err)
	}

	sink := newMemSink()
	proc := &passThrough{}
	stopProc := goRun(ctx, func(ctx context.Context) error { return RunProcessor(ctx, pcfg, proc) })
	stop := goRun(ctx, func(ctx context.Context) error { return RunSink(ctx, cfg, sink) })
	waitFor(t, ctx, "the sink to start", func() bool { return sink.len() >= 100 })

	b.Close() // broker gone mid-run
	t.Logf("broker stopped with %d documents stored", sink.len())
	// The producer keeps accepting documents while the broker is down; they are
	// delivered once it is back.
	emitted := make(chan error, 1)
	go func() {
		for i := n / 2; i < n; i++ {
			if err := prod.Emit(ctx, sampleDoc(i)); err != nil {
				emitted <- err
				return
			}
		}
		emitted <- prod.Flush(ctx)
	}()
	time.Sleep(time.Second)
	b, err = StartBroker(ctx, BrokerConfig{DataDir: dir, Addr: addr, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("restart broker on %s: %v", addr, err)
	}
	defer b.Close()
	if err := <-emitted; err != nil {
		t.Fatalf("emit across the restart: %v", err)
	}
	if err := prod.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "every document stored", func() bool { return sink.len() == n })
	for _, g := range []Config{pcfg, cfg} {
		waitFor(t, ctx, "every offset committed", func() bool {
			lag, err := Lag(ctx, b.Addrs(), g.Group, g.InTopic)
			if err != nil {
				return false
			}
			for _, l := range lag {
				if l.Committed != l.End {
					return false
				}
			}
			return true
		})
	}
	if err := errors.Join(stopProc(), stop()); err != nil {
		t.Fatal(err)
	}
	t.Logf("processor handled %d messages for %d documents (re-deliveries: %d)", proc.n.Load(), n, proc.n.Load()-n)
	ids := sink.ids()
	for i := range n {
		if want := sampleDoc(i).ID; ids[i] != want {
			t.Fatalf("sink id %d is %s, want %s", i, ids[i], want)
		}
	}
	if got := len(readAll(t, ctx, b.Addrs(), escucha.TopicRaw)); got < n {
		t.Errorf("%d records in %s, want at least %d", got, escucha.TopicRaw, n)
	}
}

func TestProducerRefusesInvalid(t *testing.T) {
	ctx := testCtx(t, 30*time.Second)
	p, err := NewProducer(ctx, ProducerConfig{Brokers: testBrokers, Topic: uniq(t, "raw")})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Emit(ctx, &escucha.Document{Title: "sin id"}); !escucha.IsPermanent(err) {
		t.Errorf("emit without id: %v, want a permanent error", err)
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"complete", Config{Brokers: []string{"b:9092"}, Group: "g", InTopic: "a", OutTopic: "b"}, true},
		{"no brokers", Config{Group: "g", InTopic: "a"}, false},
		{"no group", Config{Brokers: []string{"b"}, InTopic: "a"}, false},
		{"loop", Config{Brokers: []string{"b"}, Group: "g", InTopic: "a", OutTopic: "a"}, false},
		{"dlq is input", Config{Brokers: []string{"b"}, Group: "g", InTopic: escucha.TopicDLQ}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.withDefaults().Validate()
			if (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestBackoffGrowsWithJitterAndCaps(t *testing.T) {
	b := newBackoff(100*time.Millisecond, time.Second)
	for i, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		got := b.next()
		if got < want/2 || got > want {
			t.Errorf("wait %d = %s, want in [%s, %s]", i, got, want/2, want)
		}
	}
	b.reset()
	if got := b.next(); got > 100*time.Millisecond {
		t.Errorf("after reset: %s", got)
	}
}

func TestStopAtEnd(t *testing.T) {
	for _, n := range []int{0, 130} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			ctx := testCtx(t, 60*time.Second)
			cfg := testConfig(t, testBrokers, false)
			cfg.StopAtEnd = true
			if err := EnsureTopics(ctx, cfg.Brokers, 6, cfg.InTopic); err != nil {
				t.Fatal(err)
			}
			var recs []kafka.Message
			for i := range n {
				recs = append(recs, docRecord(t, sampleDoc(i)))
			}
			if n > 0 {
				produce(t, ctx, cfg.Brokers, cfg.InTopic, recs...)
			}
			sink := newMemSink()
			if err := RunSink(ctx, cfg, sink); err != nil {
				t.Fatal(err)
			}
			if sink.len() != n {
				t.Errorf("sink has %d documents, want %d", sink.len(), n)
			}
			assertCommitted(t, ctx, cfg.Brokers, cfg.Group, cfg.InTopic)
		})
	}
}

// metricValue reads a counter or gauge.
func metricValue(t testing.TB, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	if d.Counter != nil {
		return d.Counter.GetValue()
	}
	return d.Gauge.GetValue()
}
