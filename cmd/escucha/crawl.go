package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/crawl"
	"github.com/infosegura/escucha/stream"
)

func init() {
	register("crawl", "rastrea los medios de noticias configurados (feeds, sitemaps, secciones)", func(env *Env) command {
		return &crawlCmd{env: env}
	})
}

// crawlCmd runs the news crawler once (--once) or continuously, writing documents
// as JSON lines (to --out or stdout) or to escucha.raw (with --brokers).
type crawlCmd struct {
	env          *Env
	config       string
	once         bool
	out          string
	state        string
	warc         string
	allowPrivate bool
	since, until string
	health       string
	sf           *streamFlags

	mu      sync.Mutex
	crawler *crawl.Crawler
	file    *os.File
	prod    *stream.Producer
}

func (c *crawlCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("crawl", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.config, "config", "escucha.yaml", "archivo YAML con las secciones crawler y sources")
	fs.BoolVar(&c.once, "once", false, "rastrear cada fuente una vez y salir")
	fs.StringVar(&c.out, "out", "-", "archivo JSON Lines de salida (- para la salida estándar); se ignora con --brokers")
	fs.StringVar(&c.state, "state", "", "directorio de estado (vistos, ETags, calendario, health.json); por defecto el de la configuración o ./escucha-data/crawl")
	fs.StringVar(&c.warc, "warc", "", "directorio donde guardar cada respuesta en WARC")
	fs.BoolVar(&c.allowPrivate, "allow-private", false, "permitir direcciones privadas y de loopback (pruebas, demo)")
	fs.StringVar(&c.since, "since", "", "backfill: desde esta fecha (AAAA-MM-DD), vía sitemaps y archivos")
	fs.StringVar(&c.until, "until", "", "backfill: hasta esta fecha inclusive (AAAA-MM-DD)")
	fs.StringVar(&c.health, "health", "", "además de <state>/health.json, escribir la salud de las fuentes en este archivo al terminar")
	c.sf = addStreamFlags(fs, "crawl")
	if c.env.Getenv != nil {
		c.sf.Getenv = c.env.Getenv
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("crawl: unexpected arguments %v", fs.Args())
	}
	return nil
}

func (c *crawlCmd) Run(ctx context.Context) error {
	cfg, err := crawl.LoadConfig(c.config)
	if err != nil {
		return err
	}
	if c.state != "" {
		cfg.StateDir = c.state
	}
	if c.warc != "" {
		cfg.WARCDir = c.warc
	}
	if c.allowPrivate {
		cfg.AllowPrivate = true
	}
	if c.since != "" {
		cfg.Backfill.From, cfg.Backfill.To = c.since, c.until
	}
	cr, err := crawl.New(cfg, c.env.Logger)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.crawler = cr
	c.mu.Unlock()

	emit, flush, err := c.sink(ctx)
	if err != nil {
		return err
	}
	if c.once {
		err = cr.RunOnce(ctx, emit)
	} else {
		err = cr.Run(ctx, emit)
	}
	if ferr := flush(); ferr != nil && err == nil {
		err = ferr
	}
	if c.health != "" {
		if herr := writeJSON(c.health, cr.Health()); herr != nil && err == nil {
			err = herr
		}
	}
	return err
}

// sink returns the Emit for the chosen output and a flush to call at the end.
func (c *crawlCmd) sink(ctx context.Context) (escucha.Emit, func() error, error) {
	if c.sf.Enabled() {
		p, err := stream.NewProducer(ctx, stream.ProducerConfig{Brokers: c.sf.Brokers(), Topic: escucha.TopicRaw, Logger: c.env.Logger})
		if err != nil {
			return nil, nil, fmt.Errorf("crawl producer: %w", err)
		}
		c.mu.Lock()
		c.prod = p
		c.mu.Unlock()
		return p.Emit, func() error { return nil }, nil
	}
	var w io.Writer = c.env.Stdout
	if c.out != "" && c.out != "-" {
		if dir := filepath.Dir(c.out); dir != "." {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, nil, fmt.Errorf("crawl out: %w", err)
			}
		}
		f, err := os.Create(c.out)
		if err != nil {
			return nil, nil, fmt.Errorf("crawl out: %w", err)
		}
		c.mu.Lock()
		c.file = f
		c.mu.Unlock()
		w = f
	}
	bw := bufio.NewWriter(w)
	var mu sync.Mutex
	emit := func(_ context.Context, d *escucha.Document) error {
		b, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("encode %s: %w", d.ID, err)
		}
		mu.Lock()
		defer mu.Unlock()
		bw.Write(b)
		bw.WriteByte('\n')
		if c.once {
			return nil
		}
		return bw.Flush() // continuous mode: downstream reads line by line
	}
	flush := func() error {
		mu.Lock()
		defer mu.Unlock()
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("crawl out: %w", err)
		}
		return nil
	}
	return emit, flush, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func (c *crawlCmd) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	if c.prod != nil {
		errs = append(errs, c.prod.Close())
		c.prod = nil
	}
	if c.crawler != nil {
		errs = append(errs, c.crawler.Close())
		c.crawler = nil
	}
	if c.file != nil {
		errs = append(errs, c.file.Close())
		c.file = nil
	}
	return errors.Join(errs...)
}
