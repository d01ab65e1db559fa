package crawl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gobwas/glob"
	"github.com/gocolly/colly/v2"
	"github.com/temoto/robotstxt"

	"github.com/infosegura/escucha/crawl/safenet"
)

// Errors the fetcher reports (wrapped); errorKind maps them to health kinds.
var (
	ErrTooLarge         = errors.New("response body too large")
	ErrTooManyRedirects = errors.New("too many redirects")
	ErrRedirectLoop     = errors.New("redirect loop")
	ErrRateLimited      = errors.New("rate limited by the server")
	ErrTrap             = errors.New("url looks like a crawler trap")
	ErrHTTPStatus       = errors.New("http error status")
)

// response is one fetched URL.
type response struct {
	URL     string // final URL after redirects
	Status  int
	Header  http.Header
	Body    []byte // bytes as served (charset not yet decoded)
	Charset string // charset the server declared, if any
}

// fetcher wraps a colly collector: robots.txt, per-host parallelism and delay,
// User-Agent, timeouts and redirects are colly's; body limits, WARC capture and
// charset hand-off are in guardTransport; Retry-After is handled here.
type fetcher struct {
	cfg    Config
	base   *colly.Collector
	logger *slog.Logger

	mu      sync.Mutex
	blocked map[string]time.Time     // host → not before (Retry-After)
	delay   map[string]time.Duration // host → robots.txt Crawl-delay (capped)
	slot    map[string]time.Time     // host → earliest start of the next request under its Crawl-delay
}

func newFetcher(cfg Config, hostDelays map[string]time.Duration, ww *warcWriter, logger *slog.Logger) (*fetcher, error) {
	c := colly.NewCollector(colly.UserAgent(cfg.UserAgent))
	c.AllowURLRevisit = true // the seen-store decides what is new
	c.ParseHTTPErrorResponse = true
	c.IgnoreRobotsTxt = false
	c.MaxBodySize = int(cfg.MaxBodyBytes) + 1 // guardTransport fails first; colly would truncate silently
	c.DisableCookies()                        // session cookies breed session-id traps
	f := &fetcher{cfg: cfg, base: c, logger: logger, blocked: map[string]time.Time{},
		delay: map[string]time.Duration{}, slot: map[string]time.Time{}}
	c.WithTransport(&guardTransport{next: safenet.Transport(cfg.AllowPrivate, cfg.RequestTimeout), max: cfg.MaxBodyBytes, warc: ww, logger: logger,
		robots: f.learnRobots})
	c.SetRequestTimeout(cfg.RequestTimeout)
	maxRedirects := cfg.MaxRedirects
	c.SetRedirectHandler(func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("%w (%d)", ErrTooManyRedirects, len(via))
		}
		for _, v := range via {
			if v.URL.String() == req.URL.String() {
				return fmt.Errorf("%w at %s", ErrRedirectLoop, req.URL)
			}
		}
		return nil
	})
	delayOf := func(d time.Duration) time.Duration {
		if cfg.PolitenessOff {
			return 0
		}
		return d
	}
	var rules []*colly.LimitRule
	for host, d := range hostDelays {
		if d == 0 {
			d = cfg.PerHostDelay
		}
		rules = append(rules, &colly.LimitRule{DomainGlob: glob.QuoteMeta(host), Parallelism: cfg.PerHostConcurrency, Delay: delayOf(d)})
	}
	// Hosts reached by redirects or links share one conservative rule.
	rules = append(rules, &colly.LimitRule{DomainGlob: "*", Parallelism: cfg.PerHostConcurrency, Delay: delayOf(cfg.PerHostDelay)})
	if err := c.Limits(rules); err != nil {
		return nil, fmt.Errorf("colly limits: %w", err)
	}
	return f, nil
}

// learnRobots reads the Crawl-delay a host's robots.txt sets for our User-Agent
// (colly fetches robots.txt through guardTransport but ignores Crawl-delay). The delay
// is capped at MaxCrawlDelay, and ignored when politeness is off.
func (f *fetcher) learnRobots(host string, status int, body []byte) {
	if f.cfg.PolitenessOff {
		return
	}
	rd, err := robotstxt.FromStatusAndBytes(status, body)
	if err != nil {
		return
	}
	g := rd.FindGroup(f.cfg.UserAgent)
	if g == nil || g.CrawlDelay <= 0 {
		return
	}
	d := g.CrawlDelay
	if d > f.cfg.MaxCrawlDelay {
		f.logger.Info("robots.txt crawl-delay capped", "host", host, "asked", d.String(), "used", f.cfg.MaxCrawlDelay.String())
		d = f.cfg.MaxCrawlDelay
	}
	f.mu.Lock()
	f.delay[host] = d
	f.mu.Unlock()
}

// reserve books the next request slot for host under its Crawl-delay and returns how
// long the caller must wait for it. Concurrent workers get successive slots.
func (f *fetcher) reserve(host string, now time.Time) time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := f.delay[host]
	if d <= 0 {
		return 0
	}
	slot := f.slot[host]
	if slot.Before(now) {
		slot = now
	}
	f.slot[host] = slot.Add(d)
	return slot.Sub(now)
}

// session returns a collector bound to ctx for one pass (it shares robots.txt
// cache, limits and the HTTP client with the others).
func (f *fetcher) session(ctx context.Context) *colly.Collector {
	c := f.base.Clone()
	c.Context = ctx
	c.OnResponse(func(r *colly.Response) { r.Ctx.Put("resp", r) })
	return c
}

// get fetches u, honouring Retry-After on 429/503 (waiting in place up to
// MaxRetryWait, at most twice).
func (f *fetcher) get(ctx context.Context, c *colly.Collector, u string, hdr http.Header) (*response, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, fmt.Errorf("fetch %s: %w", u, err)
	}
	for attempt := 0; ; attempt++ {
		if err := f.waitHost(ctx, pu.Host); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", u, err)
		}
		resp, err := f.do(c, u, hdr)
		if err != nil {
			return nil, fmt.Errorf("fetch %s: %w", u, err)
		}
		if resp.Status != http.StatusTooManyRequests && resp.Status != http.StatusServiceUnavailable {
			return resp, nil
		}
		wait, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now())
		if !ok {
			if resp.Status == http.StatusServiceUnavailable {
				return resp, nil // a plain outage: reported as http_5xx
			}
			wait = time.Minute
		}
		f.block(pu.Host, wait)
		if attempt >= 2 || wait > f.cfg.MaxRetryWait {
			return resp, fmt.Errorf("fetch %s: %w (retry after %s)", u, ErrRateLimited, wait)
		}
		f.logger.Info("retry after", "url", u, "status", resp.Status, "wait", wait.String())
	}
}

func (f *fetcher) do(c *colly.Collector, u string, hdr http.Header) (*response, error) {
	h := http.Header{}
	h.Set("User-Agent", f.cfg.UserAgent)
	h.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,application/rss+xml;q=0.9,*/*;q=0.8")
	h.Set("Accept-Language", "es,es-419;q=0.9,en;q=0.5")
	for k, v := range hdr {
		h[k] = v
	}
	cctx := colly.NewContext()
	if err := c.Request(http.MethodGet, u, nil, cctx, h); err != nil {
		return nil, err
	}
	r, ok := cctx.GetAny("resp").(*colly.Response)
	if !ok || r == nil {
		return nil, errors.New("no response")
	}
	out := &response{URL: r.Request.URL.String(), Status: r.StatusCode, Body: r.Body, Header: http.Header{}}
	if r.Headers != nil {
		out.Header = *r.Headers
		out.Charset = r.Headers.Get(charsetHeader)
	}
	return out, nil
}

func (f *fetcher) waitHost(ctx context.Context, host string) error {
	f.mu.Lock()
	until := f.blocked[host]
	f.mu.Unlock()
	d := time.Until(until)
	if d > f.cfg.MaxRetryWait {
		return fmt.Errorf("%w: host %s blocked for %s", ErrRateLimited, host, d.Round(time.Second))
	}
	d = max(d, f.reserve(host, time.Now()))
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (f *fetcher) block(host string, d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if until := time.Now().Add(d); until.After(f.blocked[host]) {
		f.blocked[host] = until
	}
}

// retryAfter reads a Retry-After value (seconds or an HTTP date).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

// guardTransport bounds bodies, records WARC, gunzips gzip files served without
// Content-Encoding (bounded), and moves the declared charset out of Content-Type so
// that the crawler, not colly, decodes it.
type guardTransport struct {
	next   http.RoundTripper
	max    int64
	warc   *warcWriter
	logger *slog.Logger
	robots func(host string, status int, body []byte) // sees every /robots.txt answer
}

func (t *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > t.max {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: content-length %d > %d", ErrTooLarge, resp.ContentLength, t.max)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, t.max+1))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > t.max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, t.max)
	}
	if t.warc != nil {
		if err := t.warc.write(req, resp, body); err != nil {
			t.logger.Warn("warc capture failed", "url", req.URL.String(), "err", err)
		}
	}
	if t.robots != nil && req.URL.Path == "/robots.txt" {
		t.robots(req.URL.Host, resp.StatusCode, body)
	}
	if isGzip(body) && resp.Header.Get("Content-Encoding") == "" {
		if plain, err := gunzip(body, 8*t.max); err == nil {
			body = plain
			resp.Uncompressed = true
		} else if errors.Is(err, ErrTooLarge) {
			return nil, err
		}
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		if mt, params, err := mime.ParseMediaType(ct); err == nil && params["charset"] != "" {
			resp.Header.Set(charsetHeader, params["charset"])
			delete(params, "charset")
			resp.Header.Set("Content-Type", mime.FormatMediaType(mt, params))
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Del("Content-Length")
	return resp, nil
}

// errorKind classifies a fetch or parse error for health and metrics.
func errorKind(err error, status int) string {
	var ne interface{ Timeout() bool }
	switch {
	case err == nil && status >= 500:
		return "http_5xx"
	case err == nil && status >= 400:
		return "http_4xx"
	case err == nil:
		return ""
	case errors.Is(err, safenet.ErrForbiddenAddress):
		return "ssrf"
	case errors.Is(err, colly.ErrRobotsTxtBlocked):
		return "robots"
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	case errors.Is(err, ErrRedirectLoop), errors.Is(err, ErrTooManyRedirects):
		return "redirect"
	case errors.Is(err, ErrRateLimited):
		return "rate_limited"
	case errors.Is(err, ErrTrap):
		return "trap"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, ErrHTTPStatus):
		if status >= 500 {
			return "http_5xx"
		}
		return "http_4xx"
	case errors.Is(err, errParse):
		return "parse"
	}
	return "network"
}

var errParse = errors.New("parse error")
