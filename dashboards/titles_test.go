package dashboards

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/infosegura/escucha"
)

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("palabra ", 40)
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "  \n ", ""},
		{"short", "Nada justifica la violencia", "Nada justifica la violencia"},
		{"first sentence", "Hoy marchamos en la capital por todas las que faltan. Únete a las 10 en el Obelisco.", "Hoy marchamos en la capital por todas las que faltan."},
		{"too short a sentence stays whole", "¡Basta! Otra mujer asesinada en Mixco y nadie dice nada.", "¡Basta! Otra mujer asesinada en Mixco y nadie dice nada."},
		{"spaces folded", "línea uno\n\n   línea   dos", "línea uno línea dos"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := excerpt(tc.in); got != tc.want {
				t.Fatalf("excerpt(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	got := excerpt(long)
	if !strings.HasSuffix(got, "…") || strings.HasSuffix(got, " …") || utf8.RuneCountInString(got) > maxTitleRunes+1 {
		t.Fatalf("long text: %q", got)
	}
	if got := excerpt(strings.Repeat("ñ", 300)); utf8.RuneCountInString(got) != maxTitleRunes+1 || !utf8.ValidString(got) {
		t.Fatalf("a text without spaces is cut on a rune boundary: %d runes", utf8.RuneCountInString(got))
	}
}

// An untitled social post is listed under the start of its text, escaped.
func TestUntitledPostsShowTheirText(t *testing.T) {
	srv, _ := newTestServer(t,
		&escucha.Document{ID: "bluesky:1", Platform: "bluesky", Source: "bsky.app", Published: time.Now().Add(-time.Hour),
			Text: "Nada justifica <script>alert(1)</script> la violencia contra las mujeres. #NadaJustifica"},
		&escucha.Document{ID: "news:1", Title: "Título de la nota", Platform: "news", Source: "Diario", Published: time.Now().Add(-2 * time.Hour), Text: "Texto."})
	for _, page := range []string{"/", "/buscar?q="} {
		_, body := get(t, srv.URL+page, viewerTok, true)
		if !strings.Contains(body, "Nada justifica &lt;script&gt;alert(1)&lt;/script&gt; la violencia contra las mujeres.") {
			t.Errorf("%s: the untitled post is not listed under its (escaped) text", page)
		}
		if strings.Contains(body, "<script>alert(1)") {
			t.Errorf("%s: post text not escaped", page)
		}
		if !strings.Contains(body, "Título de la nota") {
			t.Errorf("%s: titled document missing", page)
		}
	}
}
