package main

import (
	"flag"
	"fmt"
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
	dlq            string
	dlqFile        *os.File
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
	fs.StringVar(&sf.dlq, "dlq", "", "en modo JSON Lines, archivo (se añade al final) donde quedan las líneas inválidas con su error; vacío: solo el log")
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
// JSONL is the JSON-Lines configuration of the stage; with --dlq, poison lines are
// appended to that file (opened here, closed by Close).
func (sf *streamFlags) JSONL(logger *slog.Logger) (stream.JSONLOptions, error) {
	opts := stream.JSONLOptions{BatchSize: sf.batch, Stage: sf.stage, Logger: logger}
	if sf.dlq != "" {
		if sf.dlqFile == nil {
			f, err := os.OpenFile(sf.dlq, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
			if err != nil {
				return opts, fmt.Errorf("open dlq: %w", err)
			}
			sf.dlqFile = f
		}
		opts.DLQ = sf.dlqFile
	}
	return opts, nil
}

// Close closes the DLQ file, if one was opened.
func (sf *streamFlags) Close() error {
	if sf == nil || sf.dlqFile == nil {
		return nil
	}
	err := sf.dlqFile.Close()
	sf.dlqFile = nil
	return err
}
