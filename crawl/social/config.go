package social

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the social side of the escucha YAML file: one top-level key per
// platform plus the shared "social" section. Other top-level keys of the same file
// belong to other stages and are ignored.
type Config struct {
	Social   Shared         `yaml:"social"`
	Mastodon MastodonConfig `yaml:"mastodon"`
	Bluesky  BlueskyConfig  `yaml:"bluesky"`
	Reddit   RedditConfig   `yaml:"reddit"`
	Telegram TelegramConfig `yaml:"telegram"`
	YouTube  YouTubeConfig  `yaml:"youtube"`
}

// Shared holds the settings every connector uses.
type Shared struct {
	// StateDir holds cursors and the refresh schedule; "none" keeps them in memory
	// (a restart then starts over). Default "data/social".
	StateDir string `yaml:"state_dir"`
	// AllowPrivate lets connectors dial loopback/private addresses (tests, local mocks).
	AllowPrivate bool   `yaml:"allow_private"`
	UserAgent    string `yaml:"user_agent"`
	// Timeout of one HTTP request. Default 30s.
	Timeout Duration `yaml:"timeout"`
	// Poll is the pause between collection rounds when running continuously. Default 10m.
	Poll Duration `yaml:"poll"`
	// Backfill is how far back the first run of a source goes, and how far later
	// rounds keep reading what the first left unread. Default 0: no time limit, the
	// first run reads MaxPages pages and older history is not read.
	Backfill Duration `yaml:"backfill"`
	// MaxPages caps the pages read per source per round; what is left is read in the
	// next round (the cursor remembers where it stopped). Default 10.
	MaxPages int `yaml:"max_pages"`
	// Overlap re-reads this much before the newest post already seen, so posts that
	// arrive out of order are not missed; repeats are dropped. Default 10m.
	Overlap Duration      `yaml:"overlap"`
	Refresh RefreshConfig `yaml:"refresh"`
	Retry   RetryConfig   `yaml:"retry"`
	// Queries are the campaign-driven searches, added to every platform's own lists.
	Queries []Query `yaml:"queries"`
	// Retention keeps a post's id and version this long after its refresh window
	// ends, so a late re-read is recognised. Default 720h (30 days).
	Retention Duration `yaml:"retention"`
}

// RefreshConfig is the engagement-refresh schedule: a post is re-read First after
// it is collected (default 0: in the next round), then after Interval, and at
// intervals growing by Factor (capped at Max), until Window after it was
// published — and at least TrackMin after it was first collected, so a post found
// late (backfill) is still re-read and its deletion seen.
type RefreshConfig struct {
	Window   Duration `yaml:"window"`    // default 168h (7 days)
	First    Duration `yaml:"first"`     // default 0 (next round)
	Interval Duration `yaml:"interval"`  // default 1h
	Factor   float64  `yaml:"factor"`    // default 2
	TrackMin Duration `yaml:"track_min"` // default 24h
	// Max bounds one interval. Default 24h.
	Max      Duration `yaml:"max"`
	Disabled bool     `yaml:"disabled"`
	// Batch is the most posts refreshed per platform per round. Default 500.
	Batch int `yaml:"batch"`
}

// UnmarshalYAML also accepts a scalar: a duration sets Interval ("refresh: 30m"),
// false/off disables refreshing.
func (r *RefreshConfig) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(strings.TrimSpace(n.Value)) {
		case "false", "off", "no", "none":
			r.Disabled = true
			return nil
		case "true", "on", "yes":
			return nil
		}
		d, err := ParseDuration(n.Value)
		if err != nil {
			return fmt.Errorf("line %d: refresh: %w", n.Line, err)
		}
		r.Interval = Duration(d)
		return nil
	}
	type plain RefreshConfig
	return n.Decode((*plain)(r))
}

// RetryConfig governs retries of failed or rate-limited requests.
type RetryConfig struct {
	Attempts int      `yaml:"attempts"` // tries per request, default 4
	Base     Duration `yaml:"base"`     // first backoff, default 1s (full jitter)
	Max      Duration `yaml:"max"`      // longest backoff, default 60s
	// MaxWait is the longest the connector waits for a rate-limit window to reopen;
	// longer waits end the source's round with a rate-limit error. Default 5m.
	MaxWait Duration `yaml:"max_wait"`
}

// Query is one campaign's (or topic's) searches.
type Query struct {
	Campaign  string   `yaml:"campaign"`
	Hashtags  []string `yaml:"hashtags"`
	Phrases   []string `yaml:"phrases"`
	Languages []string `yaml:"languages"` // ISO 639-1, e.g. es
	Countries []string `yaml:"countries"` // ISO 3166-1 alpha-2, e.g. GT
	Accounts  Accounts `yaml:"accounts"`
}

// Accounts to follow, per platform.
type Accounts struct {
	Mastodon   []string `yaml:"mastodon"`   // user@instance or user (on each instance)
	Bluesky    []string `yaml:"bluesky"`    // handle or DID
	Subreddits []string `yaml:"subreddits"` // without r/
	Telegram   []string `yaml:"telegram"`   // channel username
	YouTube    []string `yaml:"youtube"`    // channel ids (UC…)
}

// MastodonConfig: any number of instances.
type MastodonConfig struct {
	Instances []string `yaml:"instances"` // base URLs, e.g. https://mastodon.social
	// BaseURL and Instance are aliases adding one instance.
	BaseURL  string   `yaml:"base_url"`
	Instance string   `yaml:"instance"`
	Hashtags []string `yaml:"hashtags"`
	Accounts []string `yaml:"accounts"`
	// Search runs phrases through /api/v2/search (many instances require a token).
	Search      []string `yaml:"search"`
	AccessToken string   `yaml:"access_token"`
	Limit       int      `yaml:"limit"` // page size, default 40 (the API maximum)
	Rate        float64  `yaml:"rate"`  // requests per second per instance, default 5
}

// BlueskyConfig: the public AppView, or a PDS with an app-password session.
type BlueskyConfig struct {
	Enabled bool `yaml:"enabled"`
	// BaseURL is the XRPC host read without a session. Default https://public.api.bsky.app.
	BaseURL string `yaml:"base_url"`
	// PDSURL is where createSession is called and, with a session, every read goes
	// (the PDS proxies to the AppView). Default: base_url when that is set,
	// https://bsky.social otherwise.
	PDSURL      string   `yaml:"pds_url"`
	Identifier  string   `yaml:"identifier"`
	AppPassword string   `yaml:"app_password"`
	Password    string   `yaml:"password"` // alias of app_password
	Queries     []string `yaml:"queries"`
	Hashtags    []string `yaml:"hashtags"`
	Authors     []string `yaml:"authors"`
	Lang        string   `yaml:"lang"`
	Limit       int      `yaml:"limit"` // default 100
	// ProfileTTL is how long follower counts are cached. Default 24h.
	ProfileTTL Duration `yaml:"profile_ttl"`
	Rate       float64  `yaml:"rate"` // default 5
}

// RedditConfig: public JSON listings, or OAuth client credentials.
type RedditConfig struct {
	Enabled bool `yaml:"enabled"`
	// BaseURL is read without OAuth. Default https://www.reddit.com.
	BaseURL string `yaml:"base_url"`
	// OAuthURL is read with a token. Default https://oauth.reddit.com.
	OAuthURL     string   `yaml:"oauth_url"`
	TokenURL     string   `yaml:"token_url"` // default https://www.reddit.com/api/v1/access_token
	ClientID     string   `yaml:"client_id"`
	ClientSecret string   `yaml:"client_secret"`
	Subreddits   []string `yaml:"subreddits"`
	Queries      []string `yaml:"queries"`
	Limit        int      `yaml:"limit"` // default 100
	Rate         float64  `yaml:"rate"`  // default 1
}

// TelegramConfig: public channels through the t.me/s web preview.
type TelegramConfig struct {
	BaseURL  string   `yaml:"base_url"` // default https://t.me
	Channels []string `yaml:"channels"`
	Rate     float64  `yaml:"rate"` // default 1
}

// YouTubeConfig: the Data API v3; nothing runs without an API key.
type YouTubeConfig struct {
	APIKey   string   `yaml:"api_key"`
	BaseURL  string   `yaml:"base_url"` // default https://www.googleapis.com/youtube/v3
	Queries  []string `yaml:"queries"`
	Channels []string `yaml:"channels"`
	Region   string   `yaml:"region"` // regionCode, e.g. GT
	Lang     string   `yaml:"lang"`   // relevanceLanguage, e.g. es
	// CommentPages is how many pages of comment threads are read for a new video;
	// 0 reads none. Default 1.
	CommentPages *int    `yaml:"comment_pages"`
	Rate         float64 `yaml:"rate"` // default 5
}

// LoadConfig reads the YAML file at path, applies defaults and validates.
func LoadConfig(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read social config: %w", err)
	}
	return ParseConfig(b)
}

// ParseConfig parses YAML, applies defaults and validates.
func ParseConfig(b []byte) (Config, error) {
	var c Config
	if err := yaml.Unmarshal(b, &c); err != nil {
		return Config{}, fmt.Errorf("parse social config: %w", err)
	}
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// WithDefaults returns c with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	s := &c.Social
	if s.StateDir == "" {
		s.StateDir = "data/social"
	}
	if s.UserAgent == "" {
		s.UserAgent = "escucha/0.1 (social listening; +https://github.com/infosegura/escucha)"
	}
	def(&s.Timeout, 30*time.Second)
	def(&s.Poll, 10*time.Minute)
	def(&s.Overlap, 10*time.Minute)
	def(&s.Retention, 30*24*time.Hour)
	if s.MaxPages <= 0 {
		s.MaxPages = 10
	}
	r := &s.Refresh
	def(&r.Window, 7*24*time.Hour)
	def(&r.Interval, time.Hour)
	def(&r.TrackMin, 24*time.Hour)
	def(&r.Max, 24*time.Hour)
	if r.Factor < 1 {
		r.Factor = 2
	}
	if r.Batch <= 0 {
		r.Batch = 500
	}
	t := &s.Retry
	if t.Attempts <= 0 {
		t.Attempts = 4
	}
	def(&t.Base, time.Second)
	def(&t.Max, time.Minute)
	def(&t.MaxWait, 5*time.Minute)

	m := &c.Mastodon
	for _, extra := range []string{m.BaseURL, m.Instance} {
		if extra != "" && !slices.Contains(m.Instances, extra) {
			m.Instances = append(m.Instances, extra)
		}
	}
	m.BaseURL, m.Instance = "", ""
	if m.Limit <= 0 || m.Limit > 40 {
		m.Limit = 40
	}
	defRate(&m.Rate, 5)
	b := &c.Bluesky
	// A platform section that says anything at all switches the platform on.
	b.Enabled = b.Enabled || b.BaseURL != "" || b.Identifier != "" || len(b.Queries)+len(b.Hashtags)+len(b.Authors) > 0
	defStr(&b.AppPassword, b.Password)
	if b.BaseURL != "" {
		// A self-hosted or test XRPC server usually serves sessions too.
		defStr(&b.PDSURL, b.BaseURL)
	}
	defStr(&b.BaseURL, "https://public.api.bsky.app")
	defStr(&b.PDSURL, "https://bsky.social")
	if b.Limit <= 0 || b.Limit > 100 {
		b.Limit = 100
	}
	def(&b.ProfileTTL, 24*time.Hour)
	defRate(&b.Rate, 5)
	rd := &c.Reddit
	rd.Enabled = rd.Enabled || rd.BaseURL != "" || rd.ClientID != "" || len(rd.Subreddits)+len(rd.Queries) > 0
	defStr(&rd.BaseURL, "https://www.reddit.com")
	defStr(&rd.OAuthURL, "https://oauth.reddit.com")
	defStr(&rd.TokenURL, "https://www.reddit.com/api/v1/access_token")
	if rd.Limit <= 0 || rd.Limit > 100 {
		rd.Limit = 100
	}
	defRate(&rd.Rate, 1)
	tg := &c.Telegram
	defStr(&tg.BaseURL, "https://t.me")
	defRate(&tg.Rate, 1)
	y := &c.YouTube
	defStr(&y.BaseURL, "https://www.googleapis.com/youtube/v3")
	if y.CommentPages == nil {
		one := 1
		y.CommentPages = &one
	}
	defRate(&y.Rate, 5)
	for _, p := range []*string{&b.BaseURL, &b.PDSURL, &rd.BaseURL, &rd.OAuthURL, &tg.BaseURL, &y.BaseURL} {
		*p = strings.TrimRight(*p, "/")
	}
	for i := range m.Instances {
		m.Instances[i] = strings.TrimRight(m.Instances[i], "/")
	}
	return c
}

func def(d *Duration, v time.Duration) {
	if *d <= 0 {
		*d = Duration(v)
	}
}

func defStr(s *string, v string) {
	if *s == "" {
		*s = v
	}
}

func defRate(r *float64, v float64) {
	if *r <= 0 {
		*r = v
	}
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	checkURL := func(field, s string) {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s: %q is not an http(s) URL", field, s))
		}
	}
	for i, in := range c.Mastodon.Instances {
		checkURL(fmt.Sprintf("mastodon.instances[%d]", i), in)
	}
	checkURL("bluesky.base_url", c.Bluesky.BaseURL)
	checkURL("bluesky.pds_url", c.Bluesky.PDSURL)
	if (c.Bluesky.Identifier == "") != (c.Bluesky.AppPassword == "") {
		errs = append(errs, errors.New("bluesky: identifier and app_password go together"))
	}
	checkURL("reddit.base_url", c.Reddit.BaseURL)
	checkURL("reddit.oauth_url", c.Reddit.OAuthURL)
	checkURL("reddit.token_url", c.Reddit.TokenURL)
	if (c.Reddit.ClientID == "") != (c.Reddit.ClientSecret == "") {
		errs = append(errs, errors.New("reddit: client_id and client_secret go together"))
	}
	checkURL("telegram.base_url", c.Telegram.BaseURL)
	checkURL("youtube.base_url", c.YouTube.BaseURL)
	for _, ch := range c.telegramChannels() {
		if !validChannel(ch) {
			errs = append(errs, fmt.Errorf("telegram: %q is not a channel username", ch))
		}
	}
	for i, q := range c.Social.Queries {
		if strings.TrimSpace(q.Campaign) == "" {
			errs = append(errs, fmt.Errorf("social.queries[%d]: no campaign id", i))
		}
	}
	if c.Social.Refresh.Factor < 1 {
		errs = append(errs, errors.New("social.refresh.factor must be ≥ 1"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("social config: %w", err)
	}
	return nil
}

// Duration is a time.Duration read from YAML as "90s", "10m", "36h" or "7d".
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML accepts Go durations plus a "d" (day) suffix.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the Go form.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// ParseDuration parses a Go duration, a whole number of days ("7d"), or a bare
// number of seconds ("90").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseFloat(s, 64); err == nil && n >= 0 && n < 1e9 {
		return time.Duration(n * float64(time.Second)), nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("bad duration %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: %w", s, err)
	}
	return v, nil
}

// hashtags, phrases, … merge each platform's own lists with the campaign queries.
type term struct {
	campaign string // "" when from the platform's own list
	text     string
}

func (c Config) termsFor(own []string, pick func(Query) []string) []term {
	var out []term
	seen := map[string]bool{}
	add := func(camp, s string) {
		s = strings.TrimSpace(s)
		k := strings.ToLower(s)
		if s == "" || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, term{camp, s})
	}
	for _, s := range own {
		add("", s)
	}
	for _, q := range c.Social.Queries {
		for _, s := range pick(q) {
			add(q.Campaign, s)
		}
	}
	return out
}

func (c Config) hashtags(own []string) []term {
	strip := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = strings.TrimPrefix(strings.TrimSpace(s), "#")
		}
		return out
	}
	return c.termsFor(strip(own), func(q Query) []string { return strip(q.Hashtags) })
}

func (c Config) phrases(own []string) []term {
	return c.termsFor(own, func(q Query) []string { return q.Phrases })
}

func (c Config) telegramChannels() []string {
	var out []string
	for _, t := range c.termsFor(c.Telegram.Channels, func(q Query) []string { return q.Accounts.Telegram }) {
		out = append(out, strings.TrimPrefix(t.text, "@"))
	}
	return out
}

func (c Config) firstOf(pick func(Query) []string) string {
	for _, q := range c.Social.Queries {
		if v := pick(q); len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

func validChannel(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
