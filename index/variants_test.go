package index

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

// TestRegionalVariants: "femicidio" (GT, CR, HN, PA, DO) and "feminicidio" (SV, MX)
// name one crime; an analyst typing either finds both, and the highlight marks the
// word as written.
func TestRegionalVariants(t *testing.T) {
	ix := MustOpen(t, "")
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	MustWrite(t, ix,
		&escucha.Document{ID: "gt", Title: "Investigan femicidio en Villa Nueva", Text: "La víctima tenía 23 años.", Published: at, Version: 1},
		&escucha.Document{ID: "sv", Title: "Fiscalía acusa de feminicidio agravado a un agente", Text: "El caso ocurrió en Soyapango.", Published: at, Version: 1},
		&escucha.Document{ID: "pl", Title: "Suben los feminicidios en el primer semestre", Text: "Datos del observatorio.", Published: at, Version: 1},
		&escucha.Document{ID: "fa", Title: "Capturan a presunto femicida en Mixco", Text: "El detenido huyó tras el crimen.", Published: at, Version: 1},
		&escucha.Document{ID: "no", Title: "Homicidio en la zona 18", Text: "Un hombre murió baleado.", Published: at, Version: 1},
	)
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"femicidio", []string{"gt", "pl", "sv"}},
		{"feminicidio", []string{"gt", "pl", "sv"}},
		{"Feminicidios", []string{"gt", "pl", "sv"}},
		{"feminicida", []string{"fa"}},
		{`"feminicidio agravado"`, []string{"sv"}},
		{"feminicidio Villa Nueva", []string{"gt"}},
	} {
		res := MustSearch(t, ix, escucha.SearchRequest{Query: tc.q, Size: 10})
		got := ids(res)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: got %v, want %v", tc.q, got, tc.want)
		}
	}
	res := MustSearch(t, ix, escucha.SearchRequest{Query: "feminicidio", Size: 10})
	for _, h := range res.Hits {
		if h.ID == "gt" && !strings.Contains(strings.Join(h.Highlights["title"], " "), "<mark>femicidio</mark>") {
			t.Errorf("highlight %v does not mark the word as written", h.Highlights)
		}
	}
}
