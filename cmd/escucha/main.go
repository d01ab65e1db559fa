// Command escucha is the one binary of escucha: a subcommand per stage (crawl,
// social, import, enrich, index, aggregate, serve, …) and the all-in-one demo/run.
// Flags and environment variables are read here only; packages take Config structs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one subcommand. A test can build one with its Env, parse flags, Run it
// (for servers on 127.0.0.1:0) and Close it.
type command interface {
	// ParseFlags parses the subcommand's arguments.
	ParseFlags(args []string) error
	// Run does the work; it returns when done or when ctx is cancelled.
	Run(ctx context.Context) error
	// Close releases what Run opened; safe to call more than once.
	Close() error
}

// Env is what a command gets from the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Logger *slog.Logger
	Getenv func(string) string
}

type entry struct {
	synopsis string
	make     func(*Env) command
}

var registry = map[string]entry{}

// register adds a subcommand; called from each subcommand file's init.
func register(name, synopsis string, make func(*Env) command) {
	if _, dup := registry[name]; dup {
		panic("duplicate command " + name)
	}
	registry[name] = entry{synopsis, make}
}

func main() {
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	env.Logger = newLogger(os.Stderr, os.Getenv("ESCUCHA_LOG_LEVEL"))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runMain(ctx, env, os.Args[1:])
	stop()
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "escucha:", err)
		os.Exit(1)
	}
}

func runMain(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		return flag.ErrHelp
	}
	e, ok := registry[args[0]]
	if !ok {
		usage(env.Stderr)
		return fmt.Errorf("unknown command %q", args[0])
	}
	cmd := e.make(env)
	if err := cmd.ParseFlags(args[1:]); err != nil {
		return err
	}
	defer cmd.Close()
	if err := cmd.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	return cmd.Close()
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "escucha — escucha social y analítica de noticias sobre seguridad ciudadana")
	fmt.Fprintln(w, "\nUso: escucha <comando> [opciones]   (escucha <comando> -h para sus opciones)")
	fmt.Fprintln(w, "\nComandos:")
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, registry[n].synopsis)
	}
}

// newLogger logs JSON when stderr is not a terminal, text otherwise.
func newLogger(w *os.File, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if fi, err := w.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}
