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
	"sync"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/crawl/social"
	"github.com/infosegura/escucha/stream"
)

func init() {
	register("social", "recoge publicaciones públicas de Mastodon, Bluesky, Reddit, Telegram y YouTube",
		func(env *Env) command { return &socialCmd{env: env} })
}

// socialCmd runs the social connectors once (--once) or continuously, writing
// documents as JSON Lines (--out, default stdout) or to escucha.raw (--brokers).
type socialCmd struct {
	env          *Env
	config       string
	once         bool
	out          string
	allowPrivate bool
	stateDir     string
	healthFile   string
	sf           *streamFlags

	col  *social.Collector
	prod *stream.Producer
	w    *docWriter
}

func (c *socialCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("social", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.config, "config", "", "archivo YAML con las secciones mastodon, bluesky, reddit, telegram, youtube y social (obligatorio)")
	fs.BoolVar(&c.once, "once", false, "recorre cada fuente una vez, actualiza las publicaciones pendientes y termina")
	fs.StringVar(&c.out, "out", "-", "archivo JSON Lines de salida (- es la salida estándar); ignorado con --brokers")
	fs.BoolVar(&c.allowPrivate, "allow-private", false, "permite conectar con direcciones privadas o de loopback (pruebas, servidores locales)")
	fs.StringVar(&c.stateDir, "state-dir", "", "directorio de cursores y calendario de actualización (anula social.state_dir; \"none\": solo en memoria)")
	fs.StringVar(&c.healthFile, "health", "", "escribe aquí el estado de cada fuente (JSON) al terminar cada ronda")
	c.sf = addStreamFlags(fs, "social")
	c.sf.Getenv = c.env.Getenv
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("social: unexpected arguments %v", fs.Args())
	}
	if c.config == "" {
		return errors.New("social: --config is required")
	}
	return nil
}

func (c *socialCmd) Run(ctx context.Context) error {
	cfg, err := social.LoadConfig(c.config)
	if err != nil {
		return err
	}
	if c.allowPrivate {
		cfg.Social.AllowPrivate = true
	}
	if c.stateDir != "" {
		cfg.Social.StateDir = c.stateDir
	}
	col, err := social.New(cfg, c.env.Logger)
	if err != nil {
		return err
	}
	c.col = col
	c.env.Logger.Info("social connectors", "platforms", col.Platforms(), "once", c.once)

	var emit escucha.Emit
	if c.sf.Enabled() {
		p, err := stream.NewProducer(ctx, stream.ProducerConfig{Brokers: c.sf.Brokers(), Topic: escucha.TopicRaw, Stage: "social", Logger: c.env.Logger})
		if err != nil {
			return err
		}
		c.prod = p
		emit = p.Emit
	} else {
		w, err := openDocWriter(c.out, c.env.Stdout)
		if err != nil {
			return err
		}
		c.w = w
		emit = w.emit
	}

	if c.once {
		err := col.RunOnce(ctx, emit)
		c.report()
		if ferr := c.flush(ctx); err == nil {
			err = ferr
		}
		return err
	}
	return col.Run(ctx, emit)
}

// report logs the health of every source and writes --health.
func (c *socialCmd) report() {
	hs := c.col.Health()
	for _, h := range hs {
		if h.OK() {
			c.env.Logger.Info("source", "platform", h.Platform, "source", h.Source, "documents", h.Documents)
		} else {
			c.env.Logger.Warn("source", "platform", h.Platform, "source", h.Source, "documents", h.Documents, "problem", h.Problem, "err", h.LastError)
		}
	}
	if c.healthFile == "" {
		return
	}
	b, err := json.MarshalIndent(hs, "", "  ")
	if err == nil {
		err = os.WriteFile(c.healthFile, append(b, '\n'), 0o644)
	}
	if err != nil {
		c.env.Logger.Error("write health", "file", c.healthFile, "err", err)
	}
}

func (c *socialCmd) flush(ctx context.Context) error {
	if c.prod != nil {
		return c.prod.Flush(ctx)
	}
	if c.w != nil {
		return c.w.flush()
	}
	return nil
}

func (c *socialCmd) Close() error {
	var errs []error
	if c.col != nil {
		if c.healthFile != "" && !c.once {
			c.report()
		}
		errs = append(errs, c.col.Close())
		c.col = nil
	}
	if c.prod != nil {
		errs = append(errs, c.prod.Close())
		c.prod = nil
	}
	if c.w != nil {
		errs = append(errs, c.w.close())
		c.w = nil
	}
	return errors.Join(errs...)
}

// docWriter writes one document per line to a file or stdout, flushing after
// every line so a killed process leaves whole lines behind.
type docWriter struct {
	mu sync.Mutex
	bw *bufio.Writer
	f  *os.File // nil for stdout
}

func openDocWriter(path string, stdout io.Writer) (*docWriter, error) {
	if path == "" || path == "-" {
		return &docWriter{bw: bufio.NewWriter(stdout)}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open output: %w", err)
	}
	return &docWriter{bw: bufio.NewWriter(f), f: f}, nil
}

func (w *docWriter) emit(_ context.Context, d *escucha.Document) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode %s: %w", d.ID, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.bw.Write(b)
	w.bw.WriteByte('\n')
	return w.bw.Flush()
}

func (w *docWriter) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.bw.Flush()
}

func (w *docWriter) close() error {
	err := w.flush()
	if w.f != nil {
		if cerr := w.f.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
