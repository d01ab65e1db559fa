package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/index"
	"github.com/infosegura/escucha/stream"
)

func init() {
	register("index", "indexa documentos enriquecidos para la búsqueda (JSON Lines o escucha.enriched)",
		func(env *Env) command { return &indexCmd{env: env} })
}

// indexCmd feeds the search index from stdin (JSON Lines) or from the enriched topic.
type indexCmd struct {
	env        *Env
	dir        string
	keepMonths int
	// compactEvery and compactAfter: the upkeep of the live (Kafka) indexer.
	compactEvery, compactAfter time.Duration
	sf                         *streamFlags
	ix                         *index.Index
}

func (c *indexCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("index", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.dir, "dir", "escucha-data/index", "directorio del índice (un subíndice por mes)")
	fs.IntVar(&c.keepMonths, "keep-months", 0, "retención: borra los meses más antiguos que estos (0: conserva todo)")
	fs.DurationVar(&c.compactEvery, "compact-every", time.Hour,
		"con Kafka: cada cuánto fusionar los meses cerrados en un segmento (0: nunca)")
	fs.DurationVar(&c.compactAfter, "compact-after", 7*24*time.Hour,
		"con Kafka: un mes se fusiona cuando terminó hace al menos esto (llegan notas tardías)")
	c.sf = addStreamFlags(fs, "index")
	c.sf.Getenv = c.env.Getenv
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("index: unexpected arguments %v", fs.Args())
	}
	if c.keepMonths < 0 {
		return fmt.Errorf("index: --keep-months must not be negative")
	}
	if c.compactEvery < 0 || c.compactAfter < 0 {
		return fmt.Errorf("index: --compact-every and --compact-after must not be negative")
	}
	return nil
}

func (c *indexCmd) Run(ctx context.Context) error {
	ix, err := index.Open(index.Config{Dir: c.dir}, c.env.Logger)
	if err != nil {
		return err
	}
	c.ix = ix
	if err := applyRetention(ctx, ix, c.keepMonths, c.env); err != nil {
		return err
	}
	if c.sf.Enabled() {
		upkeep, stop := context.WithCancel(ctx)
		defer stop()
		go ix.CompactEvery(upkeep, c.compactEvery, c.compactAfter)
		return stream.RunSink(ctx, c.sf.Config(escucha.TopicEnriched, "", c.env.Logger), ix)
	}
	opts, err := c.sf.JSONL(c.env.Logger)
	if err != nil {
		return err
	}
	if err := stream.SinkJSONL(ctx, c.env.Stdin, ix, opts); err != nil {
		return err
	}
	n, err := ix.DocCount()
	if err != nil {
		return err
	}
	c.env.Logger.Info("index updated", "dir", c.dir, "documents", n, "months", len(ix.Months()))
	return nil
}

// applyRetention drops the months older than keep (0 keeps everything).
func applyRetention(ctx context.Context, ix *index.Index, keep int, env *Env) error {
	if keep <= 0 {
		return nil
	}
	now := time.Now().In(index.DefaultLocation)
	cutoff := time.Date(now.Year(), now.Month()-time.Month(keep-1), 1, 0, 0, 0, 0, index.DefaultLocation)
	dropped, err := ix.Drop(ctx, cutoff)
	if len(dropped) > 0 {
		env.Logger.Info("retention", "dropped", dropped)
	}
	return err
}

func (c *indexCmd) Close() error {
	ferr := c.sf.Close()
	if c.ix == nil {
		return ferr
	}
	err := c.ix.Close()
	c.ix = nil
	return errors.Join(err, ferr)
}
