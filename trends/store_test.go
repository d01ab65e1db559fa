package trends_test

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends"
)

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name, dsn string
		cfg       trends.Config
		kind      string
	}{
		{"unknown scheme", "postgres://x", trends.Config{}, escucha.EInvalid},
		{"short secret", "duckdb:", trends.Config{AuthorSecret: []byte("corto")}, ""},
		{"negative weights", "duckdb:", trends.Config{Weights: escucha.PriorityWeights{Volume: -1}}, ""},
		{"clickhouse down", "clickhouse://127.0.0.1:1/x", trends.Config{AuthorSecret: secret}, escucha.EUnavailable},
		{"bad database name", "clickhouse://127.0.0.1:1/x-y", trends.Config{AuthorSecret: secret}, escucha.EInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := trends.Open(ctx, tc.dsn, tc.cfg, testLogger(t))
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			if tc.kind != "" && escucha.ErrorKind(err) != tc.kind {
				t.Errorf("kind %s, want %s: %v", escucha.ErrorKind(err), tc.kind, err)
			}
			if escucha.IsPermanent(err) != (tc.kind == escucha.EInvalid) && tc.kind != "" {
				t.Errorf("permanent = %v: %v", escucha.IsPermanent(err), err)
			}
		})
	}
}

// TestGeneratedSecret: without a configured secret the store makes one, keeps it,
// and pseudonyms stay stable across reopenings.
func TestGeneratedSecret(t *testing.T) {
	ctx := context.Background()
	path := "duckdb:" + filepath.Join(t.TempDir(), "s.duckdb")
	var authors []string
	for i := 0; i < 2; i++ {
		s, err := trends.Open(ctx, path, trends.Config{}, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		write(t, s, &escucha.Document{ID: "bluesky:x", Version: int64(i + 1), Platform: "bluesky", Published: day("2026-03-02"),
			Author: escucha.Author{ID: "did:z", Handle: "@z"}, Campaigns: campaign("nada_justifica")})
		rep, err := s.Campaign(ctx, escucha.CampaignQuery{ID: "nada_justifica", Filter: escucha.Filter{From: day("2026-03-01"), To: day("2026-03-03")}})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.TopAmplifiers) != 1 || !strings.HasPrefix(rep.TopAmplifiers[0].Author, "autor-") {
			t.Fatalf("amplifiers %+v", rep.TopAmplifiers)
		}
		authors = append(authors, rep.TopAmplifiers[0].Author)
		s.Close()
	}
	if authors[0] != authors[1] {
		t.Errorf("pseudonym changed across reopen: %v", authors)
	}
	if authors[0] == escucha.AuthorLabel(escucha.AuthorPseudonym(secret, "bluesky", "did:z")) {
		t.Error("generated secret equals the test secret")
	}
}

// TestInvalidBatch: a batch with an invalid document is refused as permanent, so
// the stream can retry one by one and dead-letter the bad one.
func TestInvalidBatch(t *testing.T) {
	for _, ns := range openStores(t, trends.Config{AuthorSecret: secret}) {
		err := ns.s.Write(context.Background(), []*escucha.Document{{ID: "ok", Version: 1}, {ID: " ", Version: 1}})
		if !escucha.IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent error", ns.name, err)
		}
	}
}

// proxy forwards a loopback port to ClickHouse and can be cut and restored, to
// play "ClickHouse is down".
type proxy struct {
	mu     sync.Mutex
	addr   string
	target string
	ln     net.Listener
	conns  []net.Conn
}

func (p *proxy) start(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestClickHouseDown cuts the connection to ClickHouse: Write fails with a
// retryable (not permanent) error that says ClickHouse is unavailable, and once it
// is back the same batch lands once.
func TestClickHouseDown(t *testing.T) {
	dsn, ok := clickhouseDSN(t)
	if !ok {
		t.Skip("ESCUCHA_CLICKHOUSE not set")
	}
	ctx := context.Background()
	host := strings.SplitN(strings.TrimPrefix(dsn, "clickhouse://"), "/", 2)
	p := &proxy{addr: "127.0.0.1:0", target: host[0]}
	p.start(t)
	s, err := trends.Open(ctx, "clickhouse://"+p.addr+"/"+host[1], trends.Config{AuthorSecret: secret}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = s.Exec(context.Background(), "DROP DATABASE IF EXISTS "+host[1])
		s.Close()
	}()
	batch := handFixture()[0]
	p.cut()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = s.Write(wctx, batch)
	cancel()
	if err == nil || escucha.IsPermanent(err) || escucha.ErrorKind(err) != escucha.EUnavailable || !strings.Contains(err.Error(), "unavailable") {
		t.Fatalf("write with clickhouse down: kind %s: %v", escucha.ErrorKind(err), err)
	}
	p.start(t)
	var werr error
	for i := 0; i < 50; i++ { // what the stream's backoff does
		if werr = s.Write(ctx, batch); werr == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if werr != nil {
		t.Fatalf("write after clickhouse came back: %v", werr)
	}
	write(t, s, batch...) // re-delivery
	tot, err := s.Attention(ctx, escucha.AttentionQuery{Filter: handRange})
	if err != nil {
		t.Fatal(err)
	}
	if len(tot) != 1 || tot[0].Points[0].Count != 3 {
		t.Errorf("after outage: %+v, want 3 documents once", tot)
	}
	if errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
