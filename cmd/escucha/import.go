package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/crawl/social"
)

func init() {
	register("import", "convierte exportaciones (X, Facebook, Instagram, TikTok, tiplines de WhatsApp) en documentos",
		func(env *Env) command { return &importCmd{env: env} })
}

// importCmd turns a CSV or NDJSON export into documents, following a mapping
// file, to JSON Lines (stdout or --out) or to escucha.raw (--brokers).
type importCmd struct {
	env      *Env
	format   string
	mapping  string
	platform string
	in       string
	out      string
	strict   bool
	sf       *streamFlags

	output *docOutput
	f      *os.File
}

func (c *importCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.format, "format", "", "formato de la exportación: csv o ndjson (obligatorio)")
	fs.StringVar(&c.mapping, "mapping", "", "archivo YAML de correspondencia columna → campo del documento (obligatorio)")
	fs.StringVar(&c.platform, "platform", "", "plataforma de los documentos (x, facebook, instagram, tiktok, whatsapp…); anula la del mapping")
	fs.StringVar(&c.in, "in", "-", "archivo de entrada (- es la entrada estándar)")
	fs.StringVar(&c.out, "out", "-", "archivo JSON Lines de salida (- es la salida estándar); ignorado con --brokers")
	fs.BoolVar(&c.strict, "strict", false, "falla si alguna fila no se pudo convertir (por defecto se avisa y se sigue)")
	c.sf = addStreamFlags(fs, "import")
	c.sf.Getenv = c.env.Getenv
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("import: unexpected arguments %v", fs.Args())
	}
	if c.format != "csv" && c.format != "ndjson" {
		return fmt.Errorf("import: --format must be csv or ndjson")
	}
	if c.mapping == "" {
		return errors.New("import: --mapping is required")
	}
	return nil
}

func (c *importCmd) Run(ctx context.Context) error {
	m, err := social.LoadMapping(c.mapping)
	if err != nil {
		return err
	}
	if c.platform != "" {
		m.Platform = c.platform
	}
	var r io.Reader = c.env.Stdin
	if c.in != "" && c.in != "-" {
		f, err := os.Open(c.in)
		if err != nil {
			return fmt.Errorf("open input: %w", err)
		}
		c.f = f
		r = f
	}
	out, err := openDocOutput(ctx, c.sf, c.out, c.env, "import")
	if err != nil {
		return err
	}
	c.output = out
	n := 0
	count := func(ctx context.Context, d *escucha.Document) error {
		n++
		return out.emit(ctx, d)
	}
	err = social.Import(ctx, r, c.format, m, count)
	var ie *social.ImportError
	if errors.As(err, &ie) {
		for _, row := range ie.Skipped {
			c.env.Logger.Warn("import: row skipped", "line", row.Line, "err", row.Err)
		}
		if !c.strict && n > 0 {
			err = nil
		}
	}
	if ferr := out.flush(ctx); err == nil {
		err = ferr
	}
	c.env.Logger.Info("import done", "documents", n, "platform", m.Platform, "format", c.format)
	return err
}

func (c *importCmd) Close() error {
	var errs []error
	if c.output != nil {
		errs = append(errs, c.output.close())
		c.output = nil
	}
	if c.f != nil {
		errs = append(errs, c.f.Close())
		c.f = nil
	}
	return errors.Join(errs...)
}
