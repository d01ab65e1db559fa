package crawl

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Source is one outlet.
type Source struct {
	Name     string   `yaml:"name" json:"name"`
	Country  string   `yaml:"country" json:"country"` // ISO 3166-1 alpha-2: GT, SV, HN, BZ, CR, PA, DO …
	Home     string   `yaml:"home" json:"home"`
	Feeds    []string `yaml:"feeds" json:"feeds,omitempty"`
	Sitemaps []string `yaml:"sitemaps" json:"sitemaps,omitempty"`
	// Sections are listing pages whose article links are followed when feeds and
	// sitemaps give nothing (or in addition, when Follow is set).
	Sections []string `yaml:"sections" json:"sections,omitempty"`
	// Archives are URL templates of dated archive pages for backfill, with {yyyy},
	// {mm} and {dd}: "https://example.com/archivo/{yyyy}/{mm}/{dd}/".
	Archives []string `yaml:"archives" json:"archives,omitempty"`
	// AlwaysSections also follows the section pages when feeds/sitemaps worked.
	AlwaysSections bool `yaml:"always_sections" json:"always_sections,omitempty"`
	// MaxPages overrides Config.MaxPagesPerSource for this source (0: inherit).
	MaxPages int `yaml:"max_pages" json:"max_pages,omitempty"`
	// Delay overrides Config.PerHostDelay for this source's hosts (0: inherit).
	Delay time.Duration `yaml:"delay" json:"delay,omitempty"`
	// Unverified marks sources whose URLs could not be checked when configured.
	Unverified bool `yaml:"unverified" json:"unverified,omitempty"`
	// Disabled sources are kept in the file but not crawled.
	Disabled bool `yaml:"disabled" json:"disabled,omitempty"`
}

// Revisit bounds the adaptive per-endpoint revisit interval.
type Revisit struct {
	Min     time.Duration `yaml:"min"`     // default 5m
	Initial time.Duration `yaml:"initial"` // default 15m
	Max     time.Duration `yaml:"max"`     // default 6h
}

// Updates re-checks recently published articles so that corrections and updates reach
// the pipeline as a new version of the same document (same id, version+1). Only
// articles that a feed or sitemap lists again are re-checked, with a conditional GET.
type Updates struct {
	Window time.Duration `yaml:"window"` // articles first seen this recently are re-checked; default 48h; negative disables
	Every  time.Duration `yaml:"every"`  // at most one re-check per article this often; default 6h
}

// due reports whether an article recorded in rec should be re-checked now.
func (u Updates) due(rec seenRec, now time.Time) bool {
	if u.Window < 0 || rec.First.IsZero() || now.Sub(rec.First) > u.Window {
		return false
	}
	last := rec.Checked
	if last.IsZero() {
		last = rec.First
	}
	return now.Sub(last) >= u.Every
}

// Backfill restricts discovery to a date range and walks archives and older sitemaps.
type Backfill struct {
	From string `yaml:"from"` // 2024-01-31
	To   string `yaml:"to"`   // inclusive; default today
	from time.Time
	to   time.Time
}

// Enabled reports whether a backfill range is set.
func (b Backfill) Enabled() bool { return b.From != "" }

// Config configures the news crawler. The zero value plus Sources is usable:
// every limit has a default.
type Config struct {
	Sources []Source `yaml:"sources"`

	// UserAgent identifies the crawler; it must carry a contact URL.
	UserAgent    string `yaml:"user_agent"`
	AllowPrivate bool   `yaml:"allow_private"`  // permit loopback/private addresses (tests, demo)
	StateDir     string `yaml:"state_dir"`      // seen-store, schedule, health.json; default ./escucha-data/crawl
	WARCDir      string `yaml:"warc_dir"`       // WARC capture of every response when set
	WARCMaxBytes int64  `yaml:"warc_max_bytes"` // a WARC file this large is closed and the next one started; default 1 GiB

	Concurrency        int           `yaml:"concurrency"`          // sources crawled at once; default 4
	PerHostConcurrency int           `yaml:"per_host_concurrency"` // default 2
	PerHostDelay       time.Duration `yaml:"per_host_delay"`       // pause after each request to a host; default 500ms
	RequestTimeout     time.Duration `yaml:"request_timeout"`      // whole request incl. body; default 20s
	MaxBodyBytes       int64         `yaml:"max_body_bytes"`       // default 5 MiB
	MaxRedirects       int           `yaml:"max_redirects"`        // default 5
	MaxPagesPerSource  int           `yaml:"max_pages_per_source"` // article fetches per source per run; default 300
	MaxDepth           int           `yaml:"max_depth"`            // link hops from a section page; default 2
	MaxSitemaps        int           `yaml:"max_sitemaps"`         // child sitemaps read per index per run; default 10
	MaxRetryWait       time.Duration `yaml:"max_retry_wait"`       // longest Retry-After waited in place; default 30s
	MaxCrawlDelay      time.Duration `yaml:"max_crawl_delay"`      // robots.txt Crawl-delay is honoured up to this; default 30s
	MinTextChars       int           `yaml:"min_text_chars"`       // shorter section-discovered pages are not articles; default 200
	NearDupDistance    int           `yaml:"near_dup_distance"`    // simhash Hamming distance; default 6 (-1 disables)
	TrapThreshold      int           `yaml:"trap_threshold"`       // listing pages of one URL shape per source; default 20
	Revisit            Revisit       `yaml:"revisit"`
	Updates            Updates       `yaml:"updates"`
	Backfill           Backfill      `yaml:"backfill"`
	// PolitenessOff drops per-host delays (benchmarks against loopback only).
	PolitenessOff bool `yaml:"-"`
}

// DefaultUserAgent names the project and a contact URL, as operators expect.
const DefaultUserAgent = "escucha-news/0.1 (+https://github.com/infosegura/escucha; observatorio de seguridad ciudadana)"

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	set := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	setD := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.StateDir == "" {
		c.StateDir = "escucha-data/crawl"
	}
	set(&c.Concurrency, 4)
	set(&c.PerHostConcurrency, 2)
	setD(&c.PerHostDelay, 500*time.Millisecond)
	setD(&c.RequestTimeout, 20*time.Second)
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 5 << 20
	}
	set(&c.MaxRedirects, 5)
	if c.WARCMaxBytes == 0 {
		c.WARCMaxBytes = 1 << 30
	}
	set(&c.MaxPagesPerSource, 300)
	set(&c.MaxDepth, 2)
	set(&c.MaxSitemaps, 10)
	setD(&c.MaxRetryWait, 30*time.Second)
	setD(&c.MaxCrawlDelay, 30*time.Second)
	set(&c.MinTextChars, 200)
	set(&c.NearDupDistance, 6)
	set(&c.TrapThreshold, 20)
	setD(&c.Revisit.Min, 5*time.Minute)
	setD(&c.Revisit.Initial, 15*time.Minute)
	setD(&c.Revisit.Max, 6*time.Hour)
	setD(&c.Updates.Window, 48*time.Hour)
	setD(&c.Updates.Every, 6*time.Hour)
	for i := range c.Sources {
		c.Sources[i].Country = strings.ToUpper(strings.TrimSpace(c.Sources[i].Country))
	}
	return c
}

// Validate reports a configuration that cannot work (after WithDefaults).
func (c *Config) Validate() error {
	var errs []error
	if len(c.Sources) == 0 {
		errs = append(errs, errors.New("no sources"))
	}
	if !strings.Contains(c.UserAgent, "http") {
		errs = append(errs, errors.New("user_agent must carry a contact url"))
	}
	names := map[string]bool{}
	for i, s := range c.Sources {
		if s.Name == "" {
			errs = append(errs, fmt.Errorf("source %d: no name", i))
		}
		if names[s.Name] {
			errs = append(errs, fmt.Errorf("source %q: duplicate name", s.Name))
		}
		names[s.Name] = true
		if len(s.Country) != 2 {
			errs = append(errs, fmt.Errorf("source %q: country must be a 2-letter code, got %q", s.Name, s.Country))
		}
		all := append(append(append([]string{s.Home}, s.Feeds...), s.Sitemaps...), s.Sections...)
		for _, u := range all {
			if u == "" && len(all) == 1 {
				errs = append(errs, fmt.Errorf("source %q: no home, feeds, sitemaps or sections", s.Name))
				continue
			}
			if u == "" {
				continue
			}
			if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
				errs = append(errs, fmt.Errorf("source %q: bad url %q", s.Name, u))
			}
		}
		for _, a := range s.Archives {
			if !strings.Contains(a, "{yyyy}") {
				errs = append(errs, fmt.Errorf("source %q: archive template %q has no {yyyy}", s.Name, a))
			}
		}
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("max_body_bytes %d too small", c.MaxBodyBytes))
	}
	if c.Revisit.Min > c.Revisit.Max {
		errs = append(errs, errors.New("revisit.min above revisit.max"))
	}
	if c.Backfill.From != "" {
		f, err := time.Parse("2006-01-02", c.Backfill.From)
		if err != nil {
			errs = append(errs, fmt.Errorf("backfill.from: %w", err))
		}
		to := time.Now()
		if c.Backfill.To != "" {
			if to, err = time.Parse("2006-01-02", c.Backfill.To); err != nil {
				errs = append(errs, fmt.Errorf("backfill.to: %w", err))
			}
		}
		c.Backfill.from, c.Backfill.to = f, to.AddDate(0, 0, 1) // to is inclusive
		if to.Before(f) {
			errs = append(errs, errors.New("backfill.to before backfill.from"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("crawl config: %w", err)
	}
	return nil
}

// inRange reports whether t falls in the backfill range (true when no range is set
// or t is unknown).
func (b Backfill) inRange(t time.Time) bool {
	if !b.Enabled() || t.IsZero() {
		return true
	}
	return !t.Before(b.from) && t.Before(b.to)
}

// LoadConfig reads the crawler's part of an escucha YAML file: the top-level
// `crawler:` mapping (Config fields) and the top-level `sources:` list. Other
// top-level keys belong to other stages and are ignored.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read crawl config: %w", err)
	}
	return ParseConfig(b)
}

// ParseConfig is LoadConfig on bytes.
func ParseConfig(b []byte) (Config, error) {
	var file struct {
		Crawler Config   `yaml:"crawler"`
		Sources []Source `yaml:"sources"`
	}
	if err := yaml.Unmarshal(b, &file); err != nil {
		return Config{}, fmt.Errorf("parse crawl config: %w", err)
	}
	cfg := file.Crawler
	cfg.Sources = append(cfg.Sources, file.Sources...)
	return cfg, nil
}
