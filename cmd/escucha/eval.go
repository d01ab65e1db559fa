package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp"
)

func init() {
	register("eval", "evalúa la clasificación, el encuadre, las campañas y la geolocalización contra un conjunto etiquetado",
		func(env *Env) command { return &evalCmd{env: env} })
}

// evalCmd enriches gold documents (with their labels removed) and prints
// per-category precision/recall/F1, macro-F1, framing, campaigns and the geo report.
type evalCmd struct {
	env      *Env
	gold     string
	taxonomy string
	model    string
	noModel  bool
}

func (c *evalCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.gold, "gold", "", "documentos etiquetados: archivo JSON Lines o directorio de *.jsonl (obligatorio)")
	fs.StringVar(&c.taxonomy, "taxonomy", "", "taxonomía YAML; vacío: la incluida")
	fs.StringVar(&c.model, "model", "", "modelo (.json.gz); vacío: el incluido")
	fs.BoolVar(&c.noModel, "no-model", false, "evalúa solo las reglas")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.gold == "" {
		return fmt.Errorf("eval: --gold is required")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("eval: unexpected arguments %v", fs.Args())
	}
	if c.noModel && c.model != "" {
		return fmt.Errorf("eval: --model and --no-model exclude each other")
	}
	return nil
}

func (c *evalCmd) Run(ctx context.Context) error {
	gold, err := nlp.ReadDocuments(c.gold)
	if err != nil {
		return err
	}
	e, err := nlp.New(nlp.Config{TaxonomyPath: c.taxonomy, ModelPath: c.model, NoModel: c.noModel}, c.env.Logger)
	if err != nil {
		return err
	}
	pred := make([]*escucha.Document, 0, len(gold))
	for _, g := range gold {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := *g
		p.Lang, p.Categories, p.Places, p.Campaigns, p.Framing = "", nil, nil, nil, nil
		if err := e.Enrich(&p); err != nil {
			return fmt.Errorf("enrich %s: %w", g.ID, err)
		}
		pred = append(pred, &p)
	}
	return nlp.Evaluate(gold, pred).WriteText(c.env.Stdout)
}

func (c *evalCmd) Close() error { return nil }
