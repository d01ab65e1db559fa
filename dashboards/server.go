package dashboards

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/infosegura/escucha"
)

// Config configures the server. Searcher and Trends may be nil: the pages that need
// them then answer 503 with a clear message, never empty data.
type Config struct {
	Tokens   []Token
	Searcher escucha.Searcher
	Trends   escucha.Trends
	// Health returns the crawlers' and connectors' source health (JSON-encodable).
	Health func() any
	// Ready reports whether the process is ready (nil = ready); /healthz uses it.
	Ready func() error
	// TokenLinks lets GET /entrar?token=… log in (the demo prints such a link). Off by
	// default: a token in a URL ends up in browser history and proxy logs.
	TokenLinks bool
	// SecureCookies marks the session cookie Secure (behind HTTPS).
	SecureCookies bool
	Logger        *slog.Logger
}

// Validate reports a configuration that cannot work.
func (c *Config) Validate() error {
	if len(c.Tokens) == 0 {
		return errors.New("dashboards: no API tokens configured (every request needs a token)")
	}
	return nil
}

// Server serves the dashboards and the API.
type Server struct {
	cfg    Config
	tokens *tokenSet
	log    *slog.Logger
	mux    *http.ServeMux
}

var (
	httpRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_http_requests_total", Help: "HTTP requests by route and status class.",
	}, []string{"route", "code"})
	httpSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "escucha_http_request_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12),
	}, []string{"route"})
)

// New builds a server.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, tokens: newTokenSet(cfg.Tokens), log: cfg.Logger, mux: http.NewServeMux()}
	s.routes()
	return s, nil
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return securityHeaders(s.mux) }

func (s *Server) handle(pattern, route string, h http.HandlerFunc) {
	s.mux.Handle(pattern, instrument(route, h))
}

func (s *Server) routes() {
	s.handle("GET /healthz", "healthz", s.healthz)
	s.mux.Handle("GET /metrics", promhttp.Handler())
	s.handle("GET /entrar", "login", s.loginPage)
	s.handle("POST /entrar", "login", s.login)
	s.handle("POST /salir", "logout", s.logout)
	s.handle("GET /static/", "static", staticHandler())

	s.handle("GET /{$}", "home", s.require(RoleViewer, s.homePage))
	s.handle("GET /buscar", "search_page", s.require(RoleViewer, s.searchPage))
	s.handle("GET /documento/{id}", "document_page", s.require(RoleViewer, s.documentPage))
	s.handle("GET /api/v1/search", "api_search", s.require(RoleViewer, s.apiSearch))
	s.handle("GET /api/v1/documents/{id}", "api_document", s.require(RoleViewer, s.apiDocument))
	s.handle("GET /api/v1/export", "api_export", s.require(RoleAnalyst, s.apiExport))
	s.handle("GET /api/v1/sources", "api_sources", s.require(RoleAdmin, s.apiSources))
	s.handle("GET /fuentes", "sources_page", s.require(RoleAdmin, s.sourcesPage))
	s.trendRoutes()
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func instrument(route string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: 200}
		h.ServeHTTP(sw, r)
		httpRequests.WithLabelValues(route, string(rune('0'+sw.code/100))+"xx").Inc()
		httpSeconds.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

func securityHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		h.ServeHTTP(w, r)
	})
}

// statusOf is the one table from error kinds to HTTP statuses.
var statusOf = map[string]int{
	escucha.EInvalid:      http.StatusBadRequest,
	escucha.ENotFound:     http.StatusNotFound,
	escucha.EUnauthorized: http.StatusUnauthorized,
	escucha.EForbidden:    http.StatusForbidden,
	escucha.EUnavailable:  http.StatusServiceUnavailable,
	escucha.EInternal:     http.StatusInternalServerError,
}

// fail writes err as JSON (API) or as a Spanish error page (browser).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	kind := escucha.ErrorKind(err)
	code := statusOf[kind]
	if code == 0 {
		code = http.StatusInternalServerError
	}
	msg := err.Error()
	if code >= 500 && kind != escucha.EUnavailable {
		s.log.Error("request failed", "path", r.URL.Path, "err", err)
		msg = "error interno; el detalle quedó en el registro del servidor"
	}
	if wantsHTML(r) {
		w.WriteHeader(code)
		s.render(w, r, "error", map[string]any{"Code": code, "Message": msg})
		return
	}
	writeJSON(w, code, map[string]string{"error": msg, "kind": kind})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Ready != nil {
		if err := s.cfg.Ready(); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting", "detail": err.Error()})
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if tok := r.URL.Query().Get("token"); tok != "" && s.cfg.TokenLinks {
		if _, ok := s.tokens.lookup(tok); ok {
			s.setSession(w, tok)
			http.Redirect(w, r, safeBack(r.URL.Query().Get("volver")), http.StatusSeeOther)
			return
		}
	}
	s.render(w, r, "login", map[string]any{"Back": safeBack(r.URL.Query().Get("volver"))})
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, escucha.Errorf(escucha.EInvalid, "formulario inválido: %w", err))
		return
	}
	tok := r.PostForm.Get("token")
	back := safeBack(r.PostForm.Get("volver"))
	if _, ok := s.tokens.lookup(tok); !ok {
		w.WriteHeader(http.StatusUnauthorized)
		s.render(w, r, "login", map[string]any{"Back": back, "Error": "Token no válido."})
		return
	}
	s.setSession(w, tok)
	http.Redirect(w, r, back, http.StatusSeeOther)
}

func (s *Server) setSession(w http.ResponseWriter, tok string) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: tok, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: s.cfg.SecureCookies, MaxAge: 7 * 24 * 3600})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/entrar", http.StatusSeeOther)
}

// safeBack keeps redirects on this site.
func safeBack(s string) string {
	u, err := url.Parse(s)
	if s == "" || err != nil || u.IsAbs() || u.Host != "" || len(s) < 1 || s[0] != '/' || (len(s) > 1 && (s[1] == '/' || s[1] == '\\')) {
		return "/"
	}
	return s
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

func (s *Server) apiSources(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Health == nil {
		s.fail(w, r, escucha.Errorf(escucha.EUnavailable, "no hay recolectores en este proceso"))
		return
	}
	writeJSON(w, http.StatusOK, s.cfg.Health())
}
