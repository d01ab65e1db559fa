package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/dashboards"
	"github.com/infosegura/escucha/index"
	"github.com/infosegura/escucha/stream"
	"github.com/infosegura/escucha/trends"
)

func init() {
	register("serve", "sirve los tableros y la API (y, con --consume-index, escribe el índice desde Kafka)", func(env *Env) command { return &serveCmd{env: env} })
}

// serveCmd serves the dashboards and the API over an index directory and a trends
// store. Bleve has a single writer per directory, so at scale the serving process is
// also the index writer (--consume-index with --brokers).
type serveCmd struct {
	env          *Env
	addr         string
	indexDir     string
	store        string
	consumeIndex bool
	sf           *streamFlags

	idx   *index.Index
	st    trends.Store
	bound chan string // receives the listen address (tests)
}

func (c *serveCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "dirección del servidor web")
	fs.StringVar(&c.indexDir, "index-dir", "escucha-data/index", "directorio del índice Bleve")
	fs.StringVar(&c.store, "store", "duckdb:escucha-data/trends.duckdb", "almacén de tendencias (clickhouse://… o duckdb:RUTA; vacío: sin tendencias)")
	fs.BoolVar(&c.consumeIndex, "consume-index", false, "además, indexa escucha.enriched desde Kafka (requiere --brokers)")
	c.sf = addStreamFlags(fs, "index")
	c.sf.Getenv = c.env.Getenv
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.consumeIndex && !c.sf.Enabled() {
		return errors.New("--consume-index needs --brokers (or ESCUCHA_BROKERS)")
	}
	return nil
}

func (c *serveCmd) Run(ctx context.Context) error {
	log := c.env.Logger
	tokens, err := dashboards.ParseTokens(c.env.Getenv("ESCUCHA_TOKENS"))
	if err != nil {
		return fmt.Errorf("ESCUCHA_TOKENS: %w", err)
	}
	if len(tokens) == 0 {
		return errors.New("ESCUCHA_TOKENS is empty: set name:role:secret entries (roles viewer, analyst, admin)")
	}
	if c.idx, err = index.Open(index.Config{Dir: c.indexDir}, log); err != nil {
		return err
	}
	cfg := dashboards.Config{Tokens: tokens, Searcher: c.idx, Logger: log}
	if c.store != "" {
		secret := c.env.Getenv("ESCUCHA_AUTHOR_SECRET")
		if secret == "" {
			return errors.New("ESCUCHA_AUTHOR_SECRET is empty: the trends store pseudonymises authors with it")
		}
		if c.st, err = trends.Open(ctx, c.store, trends.Config{AuthorSecret: []byte(secret)}, log); err != nil {
			return err
		}
		cfg.Trends = c.st
	}
	srv, err := dashboards.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", c.addr, err)
	}
	if c.bound != nil {
		c.bound <- ln.Addr().String()
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return hs.Shutdown(sctx)
	})
	if c.consumeIndex {
		g.Go(func() error { return stream.RunSink(gctx, c.sf.Config(escucha.TopicEnriched, "", log), c.idx) })
	}
	log.Info("serving", "addr", ln.Addr().String())
	return g.Wait()
}

func (c *serveCmd) Close() error {
	var errs []error
	if c.st != nil {
		errs = append(errs, c.st.Close())
		c.st = nil
	}
	if c.idx != nil {
		errs = append(errs, c.idx.Close())
		c.idx = nil
	}
	return errors.Join(errs...)
}
