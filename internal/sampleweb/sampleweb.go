package sampleweb

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/infosegura/escucha"
)

//go:embed content.jsonl
var content []byte

// Outlet is one sample news site.
type Outlet struct {
	Name    string
	Slug    string
	Country string
	Home    string // base URL, with trailing slash
	Docs    []*escucha.Document
}

// Site is the running sample web.
type Site struct {
	Outlets  []*Outlet
	Mastodon string // base URL of the sample Mastodon instance
	Bluesky  string // base URL of the sample Bluesky AppView
	Reddit   string // base URL of the sample Reddit
	Hashtags []string

	servers   []*http.Server
	portsFile string
	wantAddrs []string // addresses of a previous run, reused in order when free
	addrs     []string
	posts     map[string][]*escucha.Document // platform → posts, newest first
	now       time.Time
	log       *slog.Logger
	wg        sync.WaitGroup
}

// Docs returns the embedded sample documents (with their gold labels stripped).
func Docs() ([]*escucha.Document, error) {
	var out []*escucha.Document
	sc := bufio.NewScanner(bytes.NewReader(content))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		d, err := escucha.DecodeDocument(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("sample content: %w", err)
		}
		d.Categories, d.Places, d.Campaigns, d.Framing, d.Lang = nil, nil, nil, nil, ""
		d.Extra = nil
		out = append(out, d)
	}
	return out, sc.Err()
}

// Start serves the sample web on loopback (one port per site or API) until ctx ends or
// Close is called. Publication dates are shifted so that the newest sample document is
// from "now", which keeps the demo's trends current.
func Start(ctx context.Context, logger *slog.Logger) (*Site, error) {
	return StartWithPorts(ctx, logger, "")
}

// StartWithPorts is Start remembering its ports in portsFile: a restarted demo serves
// the same URLs again, so its documents keep their ids (ids hash the canonical URL).
// A remembered port that is taken is replaced by a new one.
func StartWithPorts(ctx context.Context, logger *slog.Logger, portsFile string) (*Site, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	docs, err := Docs()
	if err != nil {
		return nil, err
	}
	s := &Site{posts: map[string][]*escucha.Document{}, now: time.Now(), log: logger, portsFile: portsFile}
	if portsFile != "" {
		if b, err := os.ReadFile(portsFile); err == nil {
			_ = json.Unmarshal(b, &s.wantAddrs)
		}
	}
	shiftDates(docs, s.now)
	byOutlet := map[string]*Outlet{}
	for _, d := range docs {
		if d.Platform != escucha.PlatformNews {
			s.posts[d.Platform] = append(s.posts[d.Platform], d)
			continue
		}
		o := byOutlet[d.Source]
		if o == nil {
			o = &Outlet{Name: d.Source, Slug: slug(d.Source), Country: d.SourceCountry}
			byOutlet[d.Source] = o
			s.Outlets = append(s.Outlets, o)
		}
		o.Docs = append(o.Docs, d)
	}
	for _, ps := range s.posts {
		sort.Slice(ps, func(i, j int) bool { return ps[i].Published.After(ps[j].Published) })
	}
	sort.Slice(s.Outlets, func(i, j int) bool { return s.Outlets[i].Slug < s.Outlets[j].Slug })
	for _, o := range s.Outlets {
		sort.Slice(o.Docs, func(i, j int) bool { return o.Docs[i].Published.After(o.Docs[j].Published) })
		if o.Home, err = s.serve(ctx, o.handler()); err != nil {
			s.Close()
			return nil, err
		}
		o.Home += "/"
	}
	if s.Mastodon, err = s.serve(ctx, s.mastodonHandler()); err != nil {
		s.Close()
		return nil, err
	}
	if s.Bluesky, err = s.serve(ctx, s.blueskyHandler()); err != nil {
		s.Close()
		return nil, err
	}
	if s.Reddit, err = s.serve(ctx, s.redditHandler()); err != nil {
		s.Close()
		return nil, err
	}
	s.Hashtags = []string{"NadaJustifica"}
	if portsFile != "" {
		b, _ := json.Marshal(s.addrs)
		if err := os.WriteFile(portsFile, b, 0o600); err != nil {
			s.Close()
			return nil, fmt.Errorf("sample web ports: %w", err)
		}
	}
	return s, nil
}

func (s *Site) serve(ctx context.Context, h http.Handler) (string, error) {
	var ln net.Listener
	var err error
	if i := len(s.addrs); i < len(s.wantAddrs) {
		ln, err = net.Listen("tcp", s.wantAddrs[i])
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return "", fmt.Errorf("sample web: %w", err)
		}
	}
	s.addrs = append(s.addrs, ln.Addr().String())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	s.servers = append(s.servers, srv)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sample web", "err", err)
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops every server.
func (s *Site) Close() error {
	for _, srv := range s.servers {
		_ = srv.Close()
	}
	s.wg.Wait()
	return nil
}

// shiftDates moves all dates so the newest is one hour before now.
func shiftDates(docs []*escucha.Document, now time.Time) {
	var newest time.Time
	for _, d := range docs {
		if d.Published.After(newest) {
			newest = d.Published
		}
	}
	if newest.IsZero() {
		return
	}
	shift := now.Add(-time.Hour).Sub(newest).Truncate(24 * time.Hour)
	for _, d := range docs {
		if !d.Published.IsZero() {
			d.Published = d.Published.Add(shift)
		}
	}
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

func slug(s string) string {
	s = strings.ToLower(s)
	r := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "ü", "u")
	s = nonSlug.ReplaceAllString(r.Replace(s), "-")
	s = strings.Trim(s, "-")
	if len(s) > 60 {
		s = strings.TrimRight(s[:60], "-")
	}
	return s
}

func (o *Outlet) path(d *escucha.Document) string {
	return fmt.Sprintf("sucesos/%s.html", slug(d.Title)+"-"+slug(d.ID))
}

func (o *Outlet) handler() http.Handler {
	mux := http.NewServeMux()
	byPath := map[string]*escucha.Document{}
	for _, d := range o.Docs {
		byPath["/"+o.path(d)] = d
	}
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "User-agent: *\nDisallow: /admin/\nSitemap: %ssitemap.xml\n", o.Home)
	})
	mux.HandleFunc("GET /rss.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		execute(w, rssTmpl, o)
	})
	mux.HandleFunc("GET /sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		execute(w, sitemapTmpl, o)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		execute(w, homeTmpl, o)
	})
	mux.HandleFunc("GET /sucesos/", func(w http.ResponseWriter, r *http.Request) {
		d, ok := byPath[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Last-Modified", d.Published.UTC().Format(http.TimeFormat))
		execute(w, articleTmpl, struct {
			O *Outlet
			D *escucha.Document
			P []string
		}{o, d, paragraphs(d.Text)})
	})
	return mux
}

func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func execute(w http.ResponseWriter, t interface {
	Execute(w io.Writer, data any) error
}, data any) {
	if err := t.Execute(w, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

// jsonLD renders the JSON-LD of an article; html/template escapes it for a script element.
func jsonLD(o *Outlet, d *escucha.Document) (template.JS, error) {
	b, err := json.Marshal(map[string]any{
		"@context": "https://schema.org", "@type": "NewsArticle",
		"headline": d.Title, "datePublished": d.Published.Format(time.RFC3339),
		"author":    map[string]string{"@type": "Organization", "name": o.Name},
		"publisher": map[string]string{"@type": "Organization", "name": o.Name},
	})
	// json.Marshal escapes <, > and & as \u003c etc., so the payload cannot close the
	// script element.
	return template.JS(b), err
}
