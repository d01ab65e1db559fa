package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/crawl"
	"github.com/infosegura/escucha/crawl/social"
	"github.com/infosegura/escucha/dashboards"
	"github.com/infosegura/escucha/nlp"
)

func init() {
	register("run", "todo en un proceso contra la web real (broker y almacén embebidos o externos)", func(env *Env) command { return &runCmd{env: env} })
}

// runCmd is the demo's pipeline against the sources of a config file. It uses the
// embedded broker and DuckDB unless --brokers / --store name real ones.
type runCmd struct {
	env        *Env
	config     string
	data, addr string
	store      string
	taxonomy   string
	model      string
	sf         *streamFlags
}

func (c *runCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.config, "config", "escucha.yaml", "archivo de configuración (fuentes, redes sociales)")
	fs.StringVar(&c.data, "data", "escucha-data", "directorio de datos")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "dirección del servidor web")
	fs.StringVar(&c.store, "store", "", "almacén de tendencias: clickhouse://host:9000/escucha o duckdb:RUTA (por defecto DuckDB en --data)")
	fs.StringVar(&c.taxonomy, "taxonomy", "", "taxonomía YAML (por defecto la incluida)")
	fs.StringVar(&c.model, "model", "", "modelo entrenado (por defecto el incluido)")
	c.sf = addStreamFlags(fs, "run")
	c.sf.Getenv = c.env.Getenv
	return fs.Parse(args)
}

func (c *runCmd) Run(ctx context.Context) error {
	cc, err := crawl.LoadConfig(c.config)
	if err != nil {
		return err
	}
	if cc.StateDir == "" || cc.StateDir == (crawl.Config{}).WithDefaults().StateDir {
		cc.StateDir = filepath.Join(c.data, "crawl")
	}
	p := &pipeline{DataDir: c.data, Addr: c.addr, Brokers: c.sf.Brokers(), StoreDSN: c.store,
		Logger: c.env.Logger, NLP: nlp.Config{TaxonomyPath: c.taxonomy, ModelPath: c.model}}
	if len(cc.Sources) > 0 {
		p.Crawl = &cc
	}
	sc, err := social.LoadConfig(c.config)
	if err != nil {
		return err
	}
	// ParseConfig fills the package default ("data/social", relative to the working
	// directory); unless the file names one, keep the state with the rest under --data.
	if sc.Social.StateDir == "" || sc.Social.StateDir == (social.Config{}).WithDefaults().Social.StateDir {
		sc.Social.StateDir = filepath.Join(c.data, "social")
	}
	if coll, err := social.New(sc, c.env.Logger.With("stage", "social")); err == nil {
		p.SocialCollector = coll
	} else if escucha.ErrorKind(err) != escucha.EInvalid || !strings.Contains(err.Error(), "anything to collect") {
		return err
	}
	if p.Crawl == nil && p.SocialCollector == nil {
		return fmt.Errorf("%s configures no news sources and no social connectors", c.config)
	}
	if p.Tokens, err = dashboards.ParseTokens(c.env.Getenv("ESCUCHA_TOKENS")); err != nil {
		return fmt.Errorf("ESCUCHA_TOKENS: %w", err)
	}
	if len(p.Tokens) == 0 {
		tok, err := secretFile(filepath.Join(c.data, "admin-token"))
		if err != nil {
			return err
		}
		p.Tokens = []dashboards.Token{{Name: "admin", Role: dashboards.RoleAdmin, Secret: tok}}
		fmt.Fprintf(c.env.Stderr, "ESCUCHA_TOKENS no está definido: token de administración en %s\n", filepath.Join(c.data, "admin-token"))
	}
	secret := c.env.Getenv("ESCUCHA_AUTHOR_SECRET")
	if secret == "" {
		if secret, err = secretFile(filepath.Join(c.data, "author-secret")); err != nil {
			return err
		}
	}
	p.Secret = []byte(secret)
	p.Started = func(base string) { fmt.Fprintf(c.env.Stdout, "escucha en marcha: %s\n", base) }
	if _, err := os.Stat(c.data); err != nil && !os.IsNotExist(err) {
		return err
	}
	return p.Run(ctx)
}

func (c *runCmd) Close() error { return nil }
