package dashboards

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var categoryNames = map[string]string{
	"homicidio": "Homicidio", "femicidio": "Femicidio", "violencia_contra_mujer": "Violencia contra la mujer",
	"violencia_sexual": "Violencia sexual", "violencia_intrafamiliar": "Violencia intrafamiliar",
	"trata_personas": "Trata de personas", "extorsion": "Extorsión", "desaparicion": "Desaparición",
	"robo": "Robo", "crimen_organizado": "Crimen organizado", "ciberdelito": "Ciberdelito",
	"desplazamiento_forzado": "Desplazamiento forzado",
	"justificacion":          "Justificación / culpa a la víctima", "derechos": "Enfoque de derechos",
	"nada_justifica": "Nada Justifica",
	"news":           "Noticias", "mastodon": "Mastodon", "bluesky": "Bluesky", "reddit": "Reddit",
	"telegram": "Telegram", "youtube": "YouTube", "import": "Importado",
}

var facetNames = map[string]string{
	"category": "Categoría", "admin1": "Departamento", "admin2": "Municipio", "source": "Fuente",
	"platform": "Plataforma", "framing": "Encuadre", "campaign": "Campaña", "country": "País",
	"kind": "Tipo", "lang": "Idioma", "cluster_id": "Caso",
}

// facetParam is the URL parameter that filters by a facet.
var facetParam = map[string]string{
	"category": "categoria", "admin1": "departamento", "admin2": "municipio", "source": "fuente",
	"platform": "plataforma", "framing": "encuadre", "campaign": "campana", "country": "pais",
	"kind": "tipo", "lang": "idioma", "cluster_id": "caso",
}

var meses = []string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"}

// assetVersion changes whenever the stylesheet does; the layout links
// /static/escucha.css?v=… so browsers never keep last release's styles for an hour.
var assetVersion = func() string {
	b, err := staticFS.ReadFile("static/escucha.css")
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}()

var funcs = template.FuncMap{
	"assetVersion": func() string { return assetVersion },
	"label": func(id string) string {
		if n, ok := categoryNames[id]; ok {
			return n
		}
		return id
	},
	"facetName":  func(f string) string { return facetNames[f] },
	"facetParam": func(f string) string { return facetParam[f] },
	"fecha": func(t time.Time) string {
		if t.IsZero() {
			return "sin fecha"
		}
		t = t.In(centralAmerica)
		return fmt.Sprintf("%d %s %d", t.Day(), meses[t.Month()-1], t.Year())
	},
	"fechaHora": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		t = t.In(centralAmerica)
		return fmt.Sprintf("%d %s %d, %s", t.Day(), meses[t.Month()-1], t.Year(), t.Format("15:04"))
	},
	"highlight": highlight,
	"dict": func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	},
	"list":  func(xs ...string) []string { return xs },
	"deref": func(p *float64) float64 { return *p },
	"num":   thousands,
	"pct": func(f float64) string {
		return strings.Replace(fmt.Sprintf("%.1f %%", f*100), ".", ",", 1)
	},
	"dec": func(f float64) string { return strings.Replace(fmt.Sprintf("%.2f", f), ".", ",", 1) },
	"role": func(r Role) string {
		switch r {
		case RoleViewer:
			return "lector"
		case RoleAnalyst:
			return "analista"
		case RoleAdmin:
			return "administración"
		}
		return ""
	},
}

// thousands formats an integer with Spanish thousands separators ("12 345").
func thousands(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case uint64:
		n = int64(x)
	case float64:
		n = int64(x + 0.5)
	default:
		return fmt.Sprint(v)
	}
	neg := n < 0
	if neg {
		n = -n
	}
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(c)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

var pages = func() map[string]*template.Template {
	base := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	out := map[string]*template.Template{}
	names, _ := fs.Glob(templateFS, "templates/*.html")
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		out[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, n))
	}
	return out
}()

type pageData struct {
	Page string
	User principal
	Data any
}

// render executes a page into a buffer first, so a template error never leaves half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, page string, data any) {
	t, ok := pages[page]
	if !ok {
		http.Error(w, "página desconocida", http.StatusInternalServerError)
		return
	}
	user, _ := s.tokens.lookup(bearer(r))
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", pageData{Page: page, User: user, Data: data}); err != nil {
		s.log.Error("render", "page", page, "err", err)
		http.Error(w, "error al mostrar la página", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

func staticHandler() http.HandlerFunc {
	sub, _ := fs.Sub(staticFS, "static")
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	}
}
