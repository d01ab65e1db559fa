package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/crawl"
	"github.com/infosegura/escucha/crawl/social"
	"github.com/infosegura/escucha/dashboards"
	"github.com/infosegura/escucha/index"
	"github.com/infosegura/escucha/nlp"
	"github.com/infosegura/escucha/stream"
	"github.com/infosegura/escucha/trends"
)

// pipeline is the all-in-one process of `escucha demo` and `escucha run`: collectors
// → escucha.raw → enrich → escucha.enriched → index and trends sinks, plus the web
// server. It runs on an embedded broker unless brokers are given, and every stage goes
// through the same kafka-go code path as when it runs alone.
type pipeline struct {
	DataDir  string
	Addr     string
	Brokers  []string // empty: embedded broker under DataDir/broker
	StoreDSN string   // empty: duckdb:DataDir/trends.duckdb
	Crawl    *crawl.Config
	Social   *social.Config
	// SocialCollector, when set, is used instead of building one from Social.
	SocialCollector *social.Collector
	NLP             nlp.Config
	Tokens          []dashboards.Token
	TokenLinks      bool
	Secret          []byte        // author pseudonymisation key
	AlertEvery      time.Duration // how often the early warning runs; default 10m
	// Searches are saved searches the early warning watches (counts from the index).
	Searches []escucha.SavedSearch
	Logger   *slog.Logger
	// Started, when set, is called with the server's base URL once it listens.
	Started func(baseURL string)

	ready atomic.Bool
}

// Run runs the pipeline until ctx ends, then drains every stage.
func (p *pipeline) Run(ctx context.Context) error {
	log := p.Logger
	if err := os.MkdirAll(p.DataDir, 0o750); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	brokers := p.Brokers
	if len(brokers) == 0 {
		b, err := stream.StartBroker(ctx, stream.BrokerConfig{DataDir: filepath.Join(p.DataDir, "broker"), Logger: log})
		if err != nil {
			return fmt.Errorf("embedded broker: %w", err)
		}
		defer b.Close()
		brokers = b.Addrs()
		log.Info("embedded broker", "addr", strings.Join(brokers, ","))
	}
	if err := stream.EnsureTopics(ctx, brokers, 6, escucha.TopicRaw, escucha.TopicEnriched, escucha.TopicDLQ); err != nil {
		return fmt.Errorf("topics: %w", err)
	}

	idx, err := index.Open(index.Config{Dir: filepath.Join(p.DataDir, "index")}, log)
	if err != nil {
		return err
	}
	defer idx.Close()
	upkeep, stopUpkeep := context.WithCancel(ctx)
	defer stopUpkeep()
	go idx.CompactEvery(upkeep, time.Hour, 7*24*time.Hour) // closed months to one segment each
	dsn := p.StoreDSN
	if dsn == "" {
		dsn = "duckdb:" + filepath.Join(p.DataDir, "trends.duckdb")
	}
	store, err := trends.Open(ctx, dsn, trends.Config{AuthorSecret: p.Secret,
		Alerts: trends.AlertConfig{Searches: p.Searches, Counter: idx}}, log)
	if err != nil {
		return err
	}
	defer store.Close()
	enricher, err := nlp.New(p.NLP, log)
	if err != nil {
		return err
	}

	var collectors []func() any
	srv, err := dashboards.New(dashboards.Config{
		Tokens: p.Tokens, Searcher: idx, Trends: store, TokenLinks: p.TokenLinks, Logger: log,
		Ready: func() error {
			if !p.ready.Load() {
				return errors.New("starting stages")
			}
			return nil
		},
		Health: func() any {
			out := []any{}
			for _, h := range collectors {
				out = append(out, h())
			}
			return out
		},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", p.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", p.Addr, err)
	}
	httpSrv := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}

	producer, err := stream.NewProducer(ctx, stream.ProducerConfig{Brokers: brokers, Topic: escucha.TopicRaw, Logger: log})
	if err != nil {
		return err
	}
	defer producer.Close()

	g, gctx := errgroup.WithContext(ctx)
	stage := func(name, group, in, out string) stream.Config {
		return stream.Config{Brokers: brokers, Group: group, Stage: name, InTopic: in, OutTopic: out, Logger: log}
	}
	g.Go(func() error {
		return stream.RunProcessor(gctx, stage("enrich", "escucha-enrich", escucha.TopicRaw, escucha.TopicEnriched), enricher)
	})
	g.Go(func() error {
		return stream.RunSink(gctx, stage("index", "escucha-index", escucha.TopicEnriched, ""), idx)
	})
	g.Go(func() error {
		return stream.RunSink(gctx, stage("aggregate", "escucha-aggregate", escucha.TopicEnriched, ""), store)
	})
	emit := producer.Emit // buffered; flushed in the background and on Close
	if p.Crawl != nil {
		c, err := crawl.New(*p.Crawl, log.With("stage", "crawl"))
		if err != nil {
			return err
		}
		defer c.Close()
		collectors = append(collectors, func() any { return map[string]any{"news": c.Health()} })
		log.Info("news sources", "n", len(p.Crawl.Sources))
		g.Go(func() error { return c.Run(gctx, emit) })
	}
	if p.Social != nil || p.SocialCollector != nil {
		c := p.SocialCollector
		if c == nil {
			if c, err = social.New(*p.Social, log.With("stage", "social")); err != nil {
				return err
			}
		}
		defer c.Close()
		collectors = append(collectors, func() any { return map[string]any{"social": c.Health()} })
		log.Info("social connectors", "platforms", c.Platforms())
		g.Go(func() error { return c.Run(gctx, emit) })
	}
	every := p.AlertEvery
	if every <= 0 {
		every = 10 * time.Minute
	}
	g.Go(func() error {
		t := time.NewTimer(time.Minute)
		defer t.Stop()
		for {
			select {
			case <-gctx.Done():
				return nil
			case <-t.C:
				if alerts, err := store.DetectAlerts(gctx, time.Now()); err != nil {
					log.Warn("early warning", "err", err)
				} else if len(alerts) > 0 {
					log.Info("new alerts", "n", len(alerts))
				}
				t.Reset(every)
			}
		}
	})
	g.Go(func() error {
		if err := httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return httpSrv.Shutdown(sctx)
	})
	p.ready.Store(true)
	base := "http://" + ln.Addr().String()
	log.Info("escucha is running", "url", base)
	if p.Started != nil {
		p.Started(base)
	}
	err = g.Wait()
	if ctx.Err() != nil && (err == nil || errors.Is(err, context.Canceled)) {
		return nil
	}
	return err
}

// secretFile returns the secret stored in path, creating a random one the first time.
func secretFile(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 16 {
		return strings.TrimSpace(string(b)), nil
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	s := hex.EncodeToString(raw[:])
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return s, nil
}
