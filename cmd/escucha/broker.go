package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/infosegura/escucha/stream"
)

func init() {
	register("broker", "broker Kafka embebido (kfake) con datos en disco",
		func(env *Env) command { return &brokerCmd{env: env} })
}

// brokerCmd runs the embedded broker until interrupted.
type brokerCmd struct {
	env        *Env
	data       string
	addr       string
	partitions int
	b          *stream.Broker
}

func (c *brokerCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("broker", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.data, "data", "escucha-data/kafka", "directorio donde el broker guarda temas, mensajes y offsets")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:9092", "dirección de escucha (puerto 0: uno libre)")
	fs.IntVar(&c.partitions, "partitions", 6, "particiones de los temas de escucha")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("broker: unexpected arguments %v", fs.Args())
	}
	return nil
}

func (c *brokerCmd) Run(ctx context.Context) error {
	b, err := stream.StartBroker(ctx, stream.BrokerConfig{DataDir: c.data, Addr: c.addr, Partitions: c.partitions, Logger: c.env.Logger})
	if err != nil {
		return err
	}
	c.b = b
	fmt.Fprintln(c.env.Stdout, strings.Join(b.Addrs(), ","))
	<-ctx.Done()
	c.env.Logger.Info("broker stopping; saving state", "data", c.data)
	return c.Close()
}

func (c *brokerCmd) Close() error {
	if c.b == nil {
		return nil
	}
	return c.b.Close()
}
