package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/infosegura/escucha/nlp"
)

func init() {
	register("train", "entrena el modelo lineal de categorías con documentos etiquetados",
		func(env *Env) command { return &trainCmd{env: env} })
}

// trainCmd fits the per-category logistic regression from gold documents.
type trainCmd struct {
	env      *Env
	gold     string
	out      string
	taxonomy string
	version  string
	epochs   int
	l2       float64
}

func (c *trainCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.gold, "gold", "", "documentos etiquetados: archivo JSON Lines o directorio de *.jsonl (obligatorio)")
	fs.StringVar(&c.out, "out", "model.json.gz", "archivo del modelo a escribir")
	fs.StringVar(&c.taxonomy, "taxonomy", "", "taxonomía YAML con la que se calcularán las reglas; vacío: la incluida")
	fs.StringVar(&c.version, "version", "", "versión del modelo (por defecto: versión de la taxonomía + documentos)")
	fs.IntVar(&c.epochs, "epochs", 0, "pasadas de SGD (0: 40)")
	fs.Float64Var(&c.l2, "l2", 0, "regularización L2 (0: 1e-3)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.gold == "" {
		return fmt.Errorf("train: --gold is required")
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("train: unexpected arguments %v", fs.Args())
	}
	return nil
}

func (c *trainCmd) Run(ctx context.Context) error {
	gold, err := nlp.ReadDocuments(c.gold)
	if err != nil {
		return err
	}
	e, err := nlp.New(nlp.Config{TaxonomyPath: c.taxonomy, NoModel: true, NoGeo: true}, c.env.Logger)
	if err != nil {
		return err
	}
	m, err := e.Train(gold, nlp.TrainOptions{Epochs: c.epochs, L2: c.l2, Version: c.version})
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.out), ".model-*")
	if err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := m.Write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	if err := os.Rename(tmp.Name(), c.out); err != nil {
		return fmt.Errorf("write model: %w", err)
	}
	c.env.Logger.Info("model written", "out", c.out, "version", m.Version, "documents", m.Docs)
	fmt.Fprintf(c.env.Stdout, "modelo %s: %d documentos → %s\n", m.Version, m.Docs, c.out)
	return nil
}

func (c *trainCmd) Close() error { return nil }
