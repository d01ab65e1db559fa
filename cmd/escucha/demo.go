package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/crawl"
	"github.com/infosegura/escucha/crawl/social"
	"github.com/infosegura/escucha/dashboards"
	"github.com/infosegura/escucha/internal/sampleweb"
)

func init() {
	register("demo", "todo en un proceso contra una web de muestra incluida (sin internet)", func(env *Env) command { return &demoCmd{env: env} })
}

// demoCmd runs the whole pipeline on embedded defaults, fed by the bundled sample web.
type demoCmd struct {
	env  *Env
	data string
	addr string
	site *sampleweb.Site
}

func (c *demoCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.StringVar(&c.data, "data", "escucha-data", "directorio de datos (broker, índice, almacén de tendencias, estado)")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "dirección del servidor web")
	return fs.Parse(args)
}

func (c *demoCmd) Run(ctx context.Context) error {
	log := c.env.Logger
	if err := os.MkdirAll(c.data, 0o750); err != nil {
		return err
	}
	site, err := sampleweb.StartWithPorts(ctx, log.With("component", "sampleweb"), filepath.Join(c.data, "sampleweb-ports.json"))
	if err != nil {
		return err
	}
	c.site = site
	cc := crawl.Config{
		AllowPrivate: true, // the sample web is on loopback
		StateDir:     filepath.Join(c.data, "crawl"),
		PerHostDelay: 10 * time.Millisecond,
		Concurrency:  8,
	}
	for _, o := range site.Outlets {
		cc.Sources = append(cc.Sources, crawl.Source{Name: o.Name, Country: o.Country, Home: o.Home,
			Feeds: []string{o.Home + "rss.xml"}, Sitemaps: []string{o.Home + "sitemap.xml"}})
	}
	sc := social.Config{
		Social: social.Shared{StateDir: filepath.Join(c.data, "social"), AllowPrivate: true,
			Poll: social.Duration(2 * time.Minute), Backfill: social.Duration(365 * 24 * time.Hour)},
		Mastodon: social.MastodonConfig{Instances: []string{site.Mastodon}, Hashtags: site.Hashtags},
		Bluesky:  social.BlueskyConfig{Enabled: true, BaseURL: site.Bluesky, PDSURL: site.Bluesky, Hashtags: site.Hashtags},
		Reddit:   social.RedditConfig{Enabled: true, BaseURL: site.Reddit, Subreddits: []string{"guatemala"}},
	}
	token, err := secretFile(filepath.Join(c.data, "demo-token"))
	if err != nil {
		return err
	}
	secret, err := secretFile(filepath.Join(c.data, "author-secret"))
	if err != nil {
		return err
	}
	p := &pipeline{
		DataDir: c.data, Addr: c.addr, Crawl: &cc, Social: &sc, Logger: log,
		Tokens:     []dashboards.Token{{Name: "demo", Role: dashboards.RoleAdmin, Secret: token}},
		TokenLinks: true, Secret: []byte(secret), AlertEvery: 2 * time.Minute,
		Searches: []escucha.SavedSearch{
			{ID: "feminicidio", Label: "Búsqueda guardada: femicidio", Query: "femicidio"},
			{ID: "extorsion-transporte", Label: "Búsqueda guardada: extorsión al transporte", Query: "extorsion transporte"},
		},
		Started: func(base string) {
			fmt.Fprintf(c.env.Stdout, "escucha demo en marcha. Abra en el navegador:\n\n  %s/entrar?token=%s\n\n(datos en %s; Ctrl+C para detener)\n", base, token, c.data)
		},
	}
	return p.Run(ctx)
}

func (c *demoCmd) Close() error {
	if c.site != nil {
		c.site.Close()
		c.site = nil
	}
	return nil
}
