package social

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/crawl/safenet"
	"golang.org/x/time/rate"
)

// maxBody bounds what is read from one response.
const maxBody = 16 << 20

// Kinds of source-health problems (SourceHealth.Kind).
const (
	ProblemSchemaDrift  = "schema_drift"
	ProblemRateLimited  = "rate_limited"
	ProblemUnavailable  = "unavailable"
	ProblemUnauthorized = "unauthorized"
	ProblemNotFound     = "not_found"
	ProblemInvalid      = "invalid"
)

// SchemaError says a response lacks fields the connector relies on.
type SchemaError struct {
	Platform string
	What     string   // "status 1099…", "listing"
	Missing  []string // field paths
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("%s schema drift: %s lacks %s", e.Platform, e.What, strings.Join(e.Missing, ", "))
}

// missing collects the relied-on fields a decoder did not find.
type missing []string

func (m *missing) need(ok bool, field string) {
	if !ok {
		*m = append(*m, field)
	}
}

// StatusError is a non-success HTTP response.
type StatusError struct {
	URL    string
	Status int
	Body   string // first bytes, for the log
	raw    []byte // the body (bounded), for platform error details
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("GET %s: status %d: %s", e.URL, e.Status, e.Body)
}

// ErrRateLimited is wrapped when a rate-limit window outlasts RetryConfig.MaxWait
// or every retry was answered 429.
var ErrRateLimited = errors.New("rate limited")

// problemOf classifies an error for source health.
func problemOf(err error) string {
	var se *SchemaError
	var st *StatusError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se):
		return ProblemSchemaDrift
	case errors.Is(err, ErrRateLimited):
		return ProblemRateLimited
	case errors.As(err, &st):
		switch {
		case st.Status == 401 || st.Status == 403:
			return ProblemUnauthorized
		case st.Status == 404 || st.Status == 410:
			return ProblemNotFound
		case st.Status == 429:
			return ProblemRateLimited
		case st.Status >= 500:
			return ProblemUnavailable
		}
		return ProblemInvalid
	}
	switch escucha.ErrorKind(err) {
	case escucha.EInvalid:
		return ProblemInvalid
	case escucha.EUnauthorized, escucha.EForbidden:
		return ProblemUnauthorized
	}
	return ProblemUnavailable
}

// gone reports a 404/410: the post was deleted (on refresh).
func gone(err error) bool {
	var st *StatusError
	return errors.As(err, &st) && (st.Status == 404 || st.Status == 410)
}

// fetcher is the HTTP side of one connector: SSRF-safe dialing, a request rate,
// rate-limit windows read from response headers, and retries with backoff and
// full jitter on 429, 5xx and network errors. It is also an http.RoundTripper,
// so colly goes through the same limits.
type fetcher struct {
	platform string
	base     http.RoundTripper
	client   *http.Client
	lim      *rate.Limiter
	retry    RetryConfig
	ua       string
	log      *slog.Logger

	mu      sync.Mutex
	blocked map[string]time.Time // host → when its rate-limit window reopens
	now     func() time.Time
}

func newFetcher(platform string, s Shared, rps float64, log *slog.Logger) *fetcher {
	f := &fetcher{
		platform: platform,
		base:     safenet.Transport(s.AllowPrivate, s.Timeout.D()),
		lim:      rate.NewLimiter(rate.Limit(rps), max(1, int(math.Ceil(rps)))*2),
		retry:    s.Retry,
		ua:       s.UserAgent,
		log:      log.With("platform", platform),
		blocked:  map[string]time.Time{},
		now:      time.Now,
	}
	f.client = &http.Client{Transport: f, Timeout: 2 * s.Timeout.D()}
	return f
}

// RoundTrip sends req, waiting for the rate limiter and any open rate-limit
// window, and retries what is worth retrying.
func (f *fetcher) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(ctx) // a RoundTripper must not modify the caller's request
		req.Header.Set("User-Agent", f.ua)
	}
	host := req.URL.Host
	for attempt := 0; ; attempt++ {
		if err := f.waitWindow(ctx, host); err != nil {
			return nil, err
		}
		if err := f.lim.Wait(ctx); err != nil {
			return nil, err
		}
		if attempt > 0 && req.GetBody != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
		resp, err := f.base.RoundTrip(req)
		requestsTotal.WithLabelValues(f.platform, statusLabel(resp, err)).Inc()
		retryable := req.Method == http.MethodGet || req.GetBody != nil || req.Body == nil
		if err != nil {
			if errors.Is(err, safenet.ErrForbiddenAddress) || ctx.Err() != nil || !retryable || attempt+1 >= f.retry.Attempts {
				return nil, err
			}
			if err := f.sleep(ctx, f.backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		f.noteWindow(host, resp)
		if !(resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500) || !retryable {
			return resp, nil
		}
		wait := f.backoff(attempt)
		if ra, ok := retryAfter(resp.Header, f.now()); ok {
			wait = ra + time.Duration(rand.Int64N(int64(ra/10)+int64(50*time.Millisecond)))
		}
		if attempt+1 >= f.retry.Attempts {
			return resp, nil
		}
		if wait > f.retry.MaxWait.D() {
			drain(resp)
			return nil, fmt.Errorf("%s: retry in %s: %w", host, wait.Round(time.Second), ErrRateLimited)
		}
		f.log.Debug("retrying", "url", redact(req.URL.String()), "status", resp.StatusCode, "wait", wait)
		drain(resp)
		if err := f.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

func statusLabel(resp *http.Response, err error) string {
	if err != nil {
		return "error"
	}
	return strconv.Itoa(resp.StatusCode)
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
}

// backoff is "full jitter": a uniform wait in [0, min(max, base·2^attempt)].
func (f *fetcher) backoff(attempt int) time.Duration {
	ceil := float64(f.retry.Base.D()) * math.Pow(2, float64(attempt))
	if ceil > float64(f.retry.Max.D()) {
		ceil = float64(f.retry.Max.D())
	}
	return time.Duration(rand.Int64N(int64(ceil) + 1))
}

func (f *fetcher) sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
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

func (f *fetcher) waitWindow(ctx context.Context, host string) error {
	f.mu.Lock()
	until := f.blocked[host]
	f.mu.Unlock()
	wait := until.Sub(f.now())
	if wait <= 0 {
		return nil
	}
	if wait > f.retry.MaxWait.D() {
		return fmt.Errorf("%s: rate-limit window reopens in %s: %w", host, wait.Round(time.Second), ErrRateLimited)
	}
	f.log.Info("rate-limit window closed, waiting", "host", host, "wait", wait)
	return f.sleep(ctx, wait)
}

// noteWindow reads the platform rate-limit headers: X-RateLimit-* (Mastodon:
// reset is an ISO 8601 time; Reddit: X-Ratelimit-Remaining as a float and reset in
// seconds) and the IETF draft RateLimit-* (Bluesky: reset in epoch seconds). When
// nothing is left, the host is closed until the reset.
func (f *fetcher) noteWindow(host string, resp *http.Response) {
	h := resp.Header
	rem := firstHeader(h, "X-RateLimit-Remaining", "RateLimit-Remaining")
	if rem == "" {
		return
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(rem), 64)
	if err != nil {
		return
	}
	rateRemaining.WithLabelValues(f.platform).Set(n)
	if n >= 1 {
		return
	}
	reset, ok := parseReset(firstHeader(h, "X-RateLimit-Reset", "RateLimit-Reset"), f.now())
	if !ok {
		return
	}
	f.mu.Lock()
	f.blocked[host] = reset
	f.mu.Unlock()
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// parseReset reads a reset header: an RFC 3339 time, epoch seconds, or seconds from now.
func parseReset(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return time.Time{}, false
	}
	if n > 1e9 {
		return time.Unix(int64(n), 0), true
	}
	return now.Add(time.Duration(n * float64(time.Second))), true
}

// retryAfter reads Retry-After (seconds or an HTTP date), falling back to a
// rate-limit reset header.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(0, t.Sub(now)), true
		}
	}
	if t, ok := parseReset(firstHeader(h, "X-RateLimit-Reset", "RateLimit-Reset"), now); ok {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// getJSON GETs u with headers and decodes the JSON body into out.
func (f *fetcher) getJSON(ctx context.Context, u string, hdr http.Header, out any) error {
	b, err := f.get(ctx, u, hdr)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &SchemaError{Platform: f.platform, What: "response of " + redact(u), Missing: []string{"valid JSON (" + err.Error() + ")"}}
	}
	return nil
}

// get GETs u and returns the body of a 2xx response; anything else is a *StatusError.
func (f *fetcher) get(ctx context.Context, u string, hdr http.Header) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, escucha.Errorf(escucha.EInvalid, "build request %s: %w", redact(u), err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json")
	return f.do(req)
}

func (f *fetcher) do(req *http.Request) ([]byte, error) {
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, redact(req.URL.String()), err)
	}
	return readBody(resp)
}

func readLimited(resp *http.Response) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", redact(resp.Request.URL.String()), err)
	}
	return b, nil
}

// post sends a form or JSON body (used for sessions and tokens).
func (f *fetcher) post(ctx context.Context, u, contentType string, body []byte, hdr http.Header, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return escucha.Errorf(escucha.EInvalid, "build request %s: %w", redact(u), err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	b, err := f.do(req)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &SchemaError{Platform: f.platform, What: "response of " + redact(u), Missing: []string{"valid JSON"}}
	}
	return nil
}

func snippet(b []byte) string {
	const n = 200
	s := strings.ToValidUTF8(string(b[:min(len(b), n)]), "")
	return strings.Join(strings.Fields(s), " ")
}

// redact drops API keys from URLs that end up in logs and health.
func redact(u string) string {
	for _, k := range []string{"key=", "access_token="} {
		if i := strings.Index(u, k); i >= 0 {
			j := strings.IndexByte(u[i:], '&')
			if j < 0 {
				u = u[:i+len(k)] + "REDACTED"
			} else {
				u = u[:i+len(k)] + "REDACTED" + u[i+j:]
			}
		}
	}
	return u
}
