package main

import (
	"flag"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/infosegura/escucha/stream"
)

// streamFlags are the flags every stage shares to run as a Kafka consumer.
type streamFlags struct {
	stage          string
	brokers        string
	group          string
	batch          int
	sessionTimeout time.Duration
	// Getenv reads the ESCUCHA_BROKERS fallback; os.Getenv unless a command sets
	// its Env's.
	Getenv func(string) string
}

// addStreamFlags registers --brokers, --group, --batch and --session-timeout on fs
// for the named stage.
func addStreamFlags(fs *flag.FlagSet, stage string) *streamFlags {
	sf := &streamFlags{stage: stage, Getenv: os.Getenv}
	fs.StringVar(&sf.brokers, "brokers", "", "brokers Kafka separados por comas (o $ESCUCHA_BROKERS); sin brokers, lee y escribe JSON Lines")
	fs.StringVar(&sf.group, "group", "escucha-"+stage, "grupo de consumidores de la etapa")
	fs.IntVar(&sf.batch, "batch", 500, "documentos por lote")
	fs.DurationVar(&sf.sessionTimeout, "session-timeout", 10*time.Second, "tras cuánto tiempo sin señal el grupo reparte las particiones de una instancia caída")
	return sf
}

// Brokers returns the broker list from --brokers or ESCUCHA_BROKERS.
func (sf *streamFlags) Brokers() []string {
	s := sf.brokers
	if s == "" && sf.Getenv != nil {
		s = sf.Getenv("ESCUCHA_BROKERS")
	}
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// Enabled reports whether the stage runs on Kafka (brokers were given).
func (sf *streamFlags) Enabled() bool { return len(sf.Brokers()) > 0 }

// Config is the stream configuration of the stage reading in and writing out
// (out is empty for sinks).
func (sf *streamFlags) Config(in, out string, logger *slog.Logger) stream.Config {
	return stream.Config{
		Brokers:        sf.Brokers(),
		Group:          sf.group,
		Stage:          sf.stage,
		InTopic:        in,
		OutTopic:       out,
		BatchSize:      sf.batch,
		SessionTimeout: sf.sessionTimeout,
		Logger:         logger,
	}
}

// JSONL is the options of the stage's JSON Lines mode.
func (sf *streamFlags) JSONL(logger *slog.Logger) stream.JSONLOptions {
	return stream.JSONLOptions{BatchSize: sf.batch, Stage: sf.stage, Logger: logger}
}
