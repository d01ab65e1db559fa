package main

import (
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/index"
	"github.com/infosegura/escucha/stream"
)

func init() {
	register("reindex", "reconstruye el índice desde un archivo JSON Lines o desde escucha.enriched",
		func(env *Env) command { return &reindexCmd{env: env} })
}

// reindexCmd builds a new index beside the old one and swaps it in when complete,
// so searches keep working during the rebuild.
type reindexCmd struct {
	env     *Env
	dir     string
	archive string
	idle    time.Duration
	sf      *streamFlags
	ix      *index.Index
}

func (c *reindexCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.dir, "dir", "escucha-data/index", "directorio del índice a reconstruir")
	fs.StringVar(&c.archive, "archive", "-", "archivo JSON Lines (.gz admitido) con los documentos enriquecidos; - es la entrada estándar")
	fs.DurationVar(&c.idle, "idle", 30*time.Second, "con --brokers: termina tras este tiempo sin mensajes nuevos")
	c.sf = addStreamFlags(fs, "reindex")
	c.sf.Getenv = c.env.Getenv
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("reindex: unexpected arguments %v", fs.Args())
	}
	if c.idle <= 0 {
		return fmt.Errorf("reindex: --idle must be positive")
	}
	return nil
}

func (c *reindexCmd) Run(ctx context.Context) error {
	tmp := strings.TrimRight(c.dir, "/") + ".reindex"
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	// A rebuild into a scratch directory that is swapped in only after Close (which
	// waits until every batch is on disk) need not wait for each batch's fsync; a
	// reindex process does nothing else, so it may trade memory for GC time.
	ix, err := index.Open(index.Config{Dir: tmp, UnsafeBatch: true, GCPercent: 400}, c.env.Logger)
	if err != nil {
		return err
	}
	c.ix = ix
	if c.sf.Enabled() {
		err = c.fromTopic(ctx, ix)
	} else {
		err = c.fromArchive(ctx, ix)
	}
	if err != nil {
		return err
	}
	// Months already over get one segment each: a search pays per segment.
	if _, err := ix.Compact(ctx, time.Now()); err != nil {
		return fmt.Errorf("reindex: %w", err)
	}
	n, err := ix.DocCount()
	if err != nil {
		return err
	}
	if err := c.Close(); err != nil {
		return err
	}
	old := fmt.Sprintf("%s.old-%d", strings.TrimRight(c.dir, "/"), time.Now().Unix())
	if err := os.Rename(c.dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("reindex: set old index aside: %w", err)
	}
	if err := os.Rename(tmp, c.dir); err != nil {
		return fmt.Errorf("reindex: swap in new index: %w", err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("reindex: remove old index: %w", err)
	}
	c.env.Logger.Info("reindexed", "dir", c.dir, "documents", n)
	return nil
}

func (c *reindexCmd) fromArchive(ctx context.Context, ix *index.Index) error {
	var r io.Reader = c.env.Stdin
	if c.archive != "-" {
		f, err := os.Open(c.archive)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
		if strings.HasSuffix(c.archive, ".gz") {
			gz, err := gzip.NewReader(f)
			if err != nil {
				return fmt.Errorf("reindex: %s: %w", c.archive, err)
			}
			defer gz.Close()
			r = gz
		}
	}
	opts, err := c.sf.JSONL(c.env.Logger)
	if err != nil {
		return err
	}
	return stream.SinkJSONL(ctx, r, ix, opts)
}

// fromTopic reads escucha.enriched from the beginning with a group of its own and
// stops once no message arrived for --idle.
func (c *reindexCmd) fromTopic(ctx context.Context, ix *index.Index) error {
	cfg := c.sf.Config(escucha.TopicEnriched, "", c.env.Logger)
	cfg.Group = fmt.Sprintf("escucha-reindex-%d", time.Now().UnixNano())
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w := &idleSink{Sink: ix, last: time.Now()}
	var idled atomic.Bool
	go func() {
		t := time.NewTicker(c.idle / 10)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if w.idleFor() > c.idle {
					idled.Store(true)
					cancel()
					return
				}
			}
		}
	}()
	err := stream.RunSink(ctx, cfg, w)
	if idled.Load() {
		return nil // the topic was read to its end
	}
	if err == nil {
		err = errors.New("reindex: the stream stopped before the topic was read")
	}
	return err
}

// idleSink records when it last wrote.
type idleSink struct {
	escucha.Sink
	mu   sync.Mutex
	last time.Time
}

func (s *idleSink) Write(ctx context.Context, docs []*escucha.Document) error {
	err := s.Sink.Write(ctx, docs)
	s.mu.Lock()
	s.last = time.Now()
	s.mu.Unlock()
	return err
}

func (s *idleSink) idleFor() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Since(s.last)
}

func (c *reindexCmd) Close() error {
	ferr := c.sf.Close()
	if c.ix == nil {
		return ferr
	}
	err := c.ix.Close()
	c.ix = nil
	return errors.Join(err, ferr)
}
