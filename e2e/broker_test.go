package e2e

import (
	"bufio"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/stream"
)

// brokerProcess runs `escucha broker` on addr and returns the address it printed
// and a function that SIGKILLs it.
func brokerProcess(t *testing.T, data, addr string) (string, func()) {
	t.Helper()
	cmd, lw := start(t, "broker", "broker", "--data", data, "--addr", addr)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := func() {
		cmd.Process.Kill()
		cmd.Wait()
		lw.stop()
	}
	t.Cleanup(kill)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("broker printed no address: %v", err)
	}
	go io.Copy(io.Discard, out)
	return strings.TrimSpace(line), kill
}

// TestBrokerSurvivesSIGKILL kills the embedded broker's process (no clean save)
// and checks records and committed offsets are all there after a restart.
func TestBrokerSurvivesSIGKILL(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	data := filepath.Join(t.TempDir(), "kafka")
	addr, kill := brokerProcess(t, data, "127.0.0.1:0")
	brokers := []string{addr}

	p, err := stream.NewProducer(ctx, stream.ProducerConfig{Brokers: brokers})
	if err != nil {
		t.Fatal(err)
	}
	const n = 1000
	for i := range n {
		if err := p.Emit(ctx, e2eDoc(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	// A sink stage commits part of the topic, then stops.
	cfg := stream.Config{Brokers: brokers, Group: "escucha-e2e-sink", Stage: "e2e", InTopic: escucha.TopicRaw,
		BatchSize: 100, SessionTimeout: 3 * time.Second}
	sink := &countSink{}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- stream.RunSink(sctx, cfg, sink) }()
	for sink.n.Load() < 300 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	before, err := stream.Lag(ctx, brokers, cfg.Group, escucha.TopicRaw)
	if err != nil {
		t.Fatal(err)
	}

	kill()
	addr2, _ := brokerProcess(t, data, addr)
	if addr2 != addr {
		t.Fatalf("restarted on %s, want %s", addr2, addr)
	}
	after, err := stream.Lag(ctx, brokers, cfg.Group, escucha.TopicRaw)
	if err != nil {
		t.Fatal(err)
	}
	var committed, end int64
	for i := range before {
		if before[i] != after[i] {
			t.Errorf("partition %d before SIGKILL %+v, after restart %+v", before[i].Partition, before[i], after[i])
		}
		committed += max(after[i].Committed, 0)
		end += after[i].End
	}
	t.Logf("after SIGKILL and restart: %d records, %d committed", end, committed)
	if end != n {
		t.Errorf("%d records after restart, want %d", end, n)
	}
}
