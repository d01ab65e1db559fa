package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/stream"
	"github.com/infosegura/escucha/trends"
)

func init() {
	register("aggregate", "carga documentos enriquecidos en el almacén de tendencias (ClickHouse o DuckDB)",
		func(env *Env) command { return &aggregateCmd{env: env} })
}

// aggregateCmd feeds the trends store from stdin (JSON Lines) or from the enriched
// topic, and optionally runs the early warning.
type aggregateCmd struct {
	env         *Env
	store       string
	webhook     string
	alertsEvery time.Duration
	alertsDay   string
	sf          *streamFlags
	s           trends.Store
}

const defaultTrendsStore = "duckdb:escucha-data/trends.duckdb"

// trendsStoreFlag registers --store with ESCUCHA_TRENDS_STORE as fallback.
func trendsStoreFlag(fs *flag.FlagSet, env *Env, dst *string) {
	def := defaultTrendsStore
	if v := env.Getenv("ESCUCHA_TRENDS_STORE"); v != "" {
		def = v
	}
	fs.StringVar(dst, "store", def, "almacén de tendencias: clickhouse://host:9000/base o duckdb:RUTA (o $ESCUCHA_TRENDS_STORE)")
}

// openTrends opens the store with the deployment secret from ESCUCHA_AUTHOR_SECRET
// (when unset the store generates and keeps its own; see docs/trends.md).
func openTrends(ctx context.Context, env *Env, dsn, webhook string) (trends.Store, error) {
	cfg := trends.Config{AuthorSecret: []byte(env.Getenv("ESCUCHA_AUTHOR_SECRET"))}
	cfg.Alerts.WebhookURL = webhook
	return trends.Open(ctx, dsn, cfg, env.Logger)
}

func (c *aggregateCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("aggregate", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	trendsStoreFlag(fs, c.env, &c.store)
	fs.StringVar(&c.webhook, "webhook", c.env.Getenv("ESCUCHA_ALERT_WEBHOOK"), "URL que recibe las alertas tempranas por POST (o $ESCUCHA_ALERT_WEBHOOK)")
	fs.DurationVar(&c.alertsEvery, "alerts-every", 0, "cada cuánto revisar la alerta temprana del día (0: nunca)")
	fs.StringVar(&c.alertsDay, "alerts-day", "", "tras cargar, revisar la alerta temprana de este día (AAAA-MM-DD)")
	c.sf = addStreamFlags(fs, "aggregate")
	c.sf.Getenv = c.env.Getenv
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("aggregate: unexpected arguments %v", fs.Args())
	}
	if c.alertsEvery < 0 {
		return fmt.Errorf("aggregate: --alerts-every must not be negative")
	}
	if c.alertsDay != "" {
		if _, err := time.Parse("2006-01-02", c.alertsDay); err != nil {
			return fmt.Errorf("aggregate: --alerts-day: %w", err)
		}
	}
	return nil
}

func (c *aggregateCmd) Run(ctx context.Context) error {
	if strings.HasPrefix(c.store, "clickhouse://") && c.env.Getenv("ESCUCHA_AUTHOR_SECRET") == "" {
		// At scale the pseudonymisation key must not live in the database it protects.
		return errors.New("ESCUCHA_AUTHOR_SECRET is empty: set the deployment secret that pseudonymises authors (ClickHouse)")
	}
	s, err := openTrends(ctx, c.env, c.store, c.webhook)
	if err != nil {
		return err
	}
	c.s = s
	if c.alertsEvery > 0 {
		actx, cancel := context.WithCancel(ctx)
		defer cancel()
		go c.watch(actx, s)
	}
	if c.sf.Enabled() {
		return stream.RunSink(ctx, c.sf.Config(escucha.TopicEnriched, "", c.env.Logger), s)
	}
	opts, err := c.sf.JSONL(c.env.Logger)
	if err != nil {
		return err
	}
	if err := stream.SinkJSONL(ctx, c.env.Stdin, s, opts); err != nil {
		return err
	}
	if c.alertsDay != "" {
		d, _ := time.Parse("2006-01-02", c.alertsDay)
		alerts, err := s.DetectAlerts(ctx, d)
		if err != nil {
			return err
		}
		c.env.Logger.Info("alerta temprana", "day", c.alertsDay, "alerts", len(alerts))
	}
	return nil
}

// watch runs the early warning for today every alertsEvery until ctx ends.
func (c *aggregateCmd) watch(ctx context.Context, s trends.Store) {
	t := time.NewTicker(c.alertsEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			alerts, err := s.DetectAlerts(ctx, time.Now())
			if err != nil {
				c.env.Logger.Error("alerta temprana", "err", err)
				continue
			}
			if len(alerts) > 0 {
				c.env.Logger.Info("alerta temprana", "alerts", len(alerts))
			}
		}
	}
}

func (c *aggregateCmd) Close() error {
	ferr := c.sf.Close()
	if c.s == nil {
		return ferr
	}
	err := c.s.Close()
	c.s = nil
	return errors.Join(err, ferr)
}
