package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp"
	"github.com/infosegura/escucha/stream"
)

func init() {
	register("enrich", "clasifica, geolocaliza y detecta campañas y encuadre (JSON Lines o escucha.raw → escucha.enriched)",
		func(env *Env) command { return &enrichCmd{env: env} })
}

// enrichCmd runs the NLP stage: stdin → stdout as JSON Lines, or escucha.raw →
// escucha.enriched on Kafka when brokers are given.
type enrichCmd struct {
	env      *Env
	taxonomy string
	model    string
	noModel  bool
	noGeo    bool
	aliases  string
	sf       *streamFlags
}

func (c *enrichCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("enrich", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.taxonomy, "taxonomy", "", "taxonomía YAML (categorías, léxicos, umbrales, encuadre, campañas); vacío: la incluida")
	fs.StringVar(&c.model, "model", "", "modelo entrenado con escucha train (.json.gz); vacío: el incluido")
	fs.BoolVar(&c.noModel, "no-model", false, "clasifica solo con las reglas de la taxonomía")
	fs.BoolVar(&c.noGeo, "no-geo", false, "no geolocaliza")
	fs.StringVar(&c.aliases, "geo-aliases", "", "TSV de alias de lugares adicionales (id<TAB>alias)")
	c.sf = addStreamFlags(fs, "enrich")
	c.sf.Getenv = c.env.Getenv
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("enrich: unexpected arguments %v", fs.Args())
	}
	if c.noModel && c.model != "" {
		return fmt.Errorf("enrich: --model and --no-model exclude each other")
	}
	return nil
}

func (c *enrichCmd) config() nlp.Config {
	cfg := nlp.Config{TaxonomyPath: c.taxonomy, ModelPath: c.model, NoModel: c.noModel, NoGeo: c.noGeo}
	cfg.Geo.AliasesFile = c.aliases
	return cfg
}

func (c *enrichCmd) Run(ctx context.Context) error {
	e, err := nlp.New(c.config(), c.env.Logger)
	if err != nil {
		return err
	}
	if c.sf.Enabled() {
		return stream.RunProcessor(ctx, c.sf.Config(escucha.TopicRaw, escucha.TopicEnriched, c.env.Logger), e)
	}
	opts, err := c.sf.JSONL(c.env.Logger)
	if err != nil {
		return err
	}
	return stream.FilterJSONL(ctx, c.env.Stdin, c.env.Stdout, e, opts)
}

func (c *enrichCmd) Close() error { return c.sf.Close() }
