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
	"time"

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

	col    *social.Collector
	output *docOutput
}

func (c *socialCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("social", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.config, "config", "", "archivo YAML con las secciones mastodon, bluesky, reddit, telegram, youtube y social (obligatorio)")
	fs.BoolVar(&c.once, "once", false, "recorre cada fuente una vez, actualiza las publicaciones pendientes y termina")
	fs.StringVar(&c.out, "out", "-", "archivo JSON Lines de salida (- es la salida estándar); ignorado con --brokers")
	fs.BoolVar(&c.allowPrivate, "allow-private", false, "permite conectar con direcciones privadas o de loopback (pruebas, servidores locales)")
	fs.StringVar(&c.stateDir, "state-dir", "", "directorio de cursores y calendario de actualización (anula social.state_dir; \"none\": solo en memoria)")
	fs.StringVar(&c.healthFile, "health", "", "escribe aquí el estado de cada fuente (JSON): al terminar con --once, cada minuto si no")
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

	out, err := openDocOutput(ctx, c.sf, c.out, c.env, "social")
	if err != nil {
		return err
	}
	c.output = out

	if c.once {
		err := col.RunOnce(ctx, out.emit)
		c.report(col)
		if ferr := out.flush(ctx); err == nil {
			err = ferr
		}
		return err
	}
	if c.healthFile != "" {
		go func() {
			t := time.NewTicker(time.Minute)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					c.writeHealth(col)
				}
			}
		}()
	}
	return col.Run(ctx, out.emit)
}

// report logs the health of every source and writes --health.
func (c *socialCmd) report(col *social.Collector) {
	for _, h := range col.Health() {
		if h.OK() {
			c.env.Logger.Info("source", "platform", h.Platform, "source", h.Source, "documents", h.Documents)
		} else {
			c.env.Logger.Warn("source", "platform", h.Platform, "source", h.Source, "documents", h.Documents, "problem", h.Problem, "err", h.LastError)
		}
	}
	c.writeHealth(col)
}

func (c *socialCmd) writeHealth(col *social.Collector) {
	if c.healthFile == "" {
		return
	}
	b, err := json.MarshalIndent(col.Health(), "", "  ")
	if err == nil {
		err = os.WriteFile(c.healthFile, append(b, '\n'), 0o644)
	}
	if err != nil {
		c.env.Logger.Error("write health", "file", c.healthFile, "err", err)
	}
}

func (c *socialCmd) Close() error {
	var errs []error
	if c.col != nil {
		if !c.once {
			c.report(c.col)
		}
		errs = append(errs, c.col.Close())
		c.col = nil
	}
	if c.output != nil {
		errs = append(errs, c.output.close())
		c.output = nil
	}
	return errors.Join(errs...)
}

// docOutput is where social and import write: escucha.raw with --brokers, JSON
// Lines (a file or stdout) otherwise.
type docOutput struct {
	prod *stream.Producer
	w    *docWriter
}

func openDocOutput(ctx context.Context, sf *streamFlags, path string, env *Env, stage string) (*docOutput, error) {
	if sf.Enabled() {
		p, err := stream.NewProducer(ctx, stream.ProducerConfig{Brokers: sf.Brokers(), Topic: escucha.TopicRaw, Stage: stage, Logger: env.Logger})
		if err != nil {
			return nil, err
		}
		return &docOutput{prod: p}, nil
	}
	w, err := openDocWriter(path, env.Stdout)
	if err != nil {
		return nil, err
	}
	return &docOutput{w: w}, nil
}

func (o *docOutput) emit(ctx context.Context, d *escucha.Document) error {
	if o.prod != nil {
		return o.prod.Emit(ctx, d)
	}
	return o.w.emit(ctx, d)
}

// flush returns once everything emitted is written (acknowledged by the broker).
func (o *docOutput) flush(ctx context.Context) error {
	if o.prod != nil {
		return o.prod.Flush(ctx)
	}
	return o.w.flush()
}

func (o *docOutput) close() error {
	if o.prod != nil {
		return o.prod.Close()
	}
	return o.w.close()
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
