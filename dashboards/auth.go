package dashboards

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"

	"github.com/infosegura/escucha"
)

// Role of an API token. Each role may do what the roles before it may.
type Role int

const (
	// RoleViewer sees dashboards, search results and aggregates; authors of social
	// posts only as pseudonyms; no export.
	RoleViewer Role = iota + 1
	// RoleAnalyst may also export all matches and see public handles of amplifiers.
	RoleAnalyst
	// RoleAdmin may also see source health details and manage alerts.
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleViewer:
		return "viewer"
	case RoleAnalyst:
		return "analyst"
	case RoleAdmin:
		return "admin"
	}
	return "none"
}

// ParseRole parses "viewer", "analyst" or "admin".
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "viewer", "lector":
		return RoleViewer, nil
	case "analyst", "analista":
		return RoleAnalyst, nil
	case "admin":
		return RoleAdmin, nil
	}
	return 0, fmt.Errorf("unknown role %q (viewer, analyst or admin)", s)
}

// Token grants a role to whoever presents its secret.
type Token struct {
	Name   string
	Role   Role
	Secret string
}

// ParseTokens parses "name:role:secret" entries separated by commas (the form of
// ESCUCHA_TOKENS).
func ParseTokens(s string) ([]Token, error) {
	var out []Token
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		f := strings.SplitN(part, ":", 3)
		if len(f) != 3 || f[0] == "" || len(f[2]) < 16 {
			return nil, fmt.Errorf("token %q: want name:role:secret with a secret of 16+ characters", redact(part))
		}
		role, err := ParseRole(f[1])
		if err != nil {
			return nil, fmt.Errorf("token %s: %w", f[0], err)
		}
		out = append(out, Token{Name: f[0], Role: role, Secret: f[2]})
	}
	return out, nil
}

func redact(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[:i+1] + "…"
	}
	return "…"
}

type principal struct {
	Name string
	Role Role
}

type ctxKey struct{}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(ctxKey{}).(principal)
	return p
}

type tokenSet struct {
	hashes [][32]byte
	tokens []Token
}

func newTokenSet(ts []Token) *tokenSet {
	s := &tokenSet{tokens: ts}
	for _, t := range ts {
		s.hashes = append(s.hashes, sha256.Sum256([]byte(t.Secret)))
	}
	return s
}

// lookup compares against every token in constant time.
func (s *tokenSet) lookup(secret string) (principal, bool) {
	if secret == "" {
		return principal{}, false
	}
	h := sha256.Sum256([]byte(secret))
	found := -1
	for i := range s.hashes {
		if subtle.ConstantTimeCompare(h[:], s.hashes[i][:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return principal{}, false
	}
	return principal{Name: s.tokens[found].Name, Role: s.tokens[found].Role}, true
}

const cookieName = "escucha_token"

func bearer(r *http.Request) string {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimSpace(h[len("Bearer "):])
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return c.Value
	}
	return ""
}

// require wraps h so that only principals with at least role reach it.
func (s *Server) require(role Role, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.tokens.lookup(bearer(r))
		if !ok {
			if wantsHTML(r) {
				http.Redirect(w, r, "/entrar?volver="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, escucha.Errorf(escucha.EUnauthorized, "token requerido (Authorization: Bearer …)"))
			return
		}
		if p.Role < role {
			s.fail(w, r, escucha.Errorf(escucha.EForbidden, "el rol %s no permite esta acción (requiere %s)", p.Role, role))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, p)))
	}
}

func wantsHTML(r *http.Request) bool {
	return !strings.HasPrefix(r.URL.Path, "/api/") && strings.Contains(r.Header.Get("Accept"), "text/html")
}
