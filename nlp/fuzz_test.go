package nlp

import (
	"sync"
	"testing"

	"github.com/infosegura/escucha"
)

var (
	fuzzOnce sync.Once
	fuzzE    *Enricher
)

// FuzzEnrich feeds hostile titles and texts: no panic, scores in [0,1], evidence
// offsets inside Body and matching its text.
func FuzzEnrich(f *testing.F) {
	for _, s := range []string{
		"Asesinan a mujer en zona 18", "¿Quién mató a Sr. López? No. 5, km. 17.5.", "\"asaltará\" el déficit",
		"#Nada_Justifica #NADAJUSTIFICA nada  justifica", "\xff\xfe invalid utf8 femicidio", "«la 18» cobra la renta…",
		"ﬁ ß Æ İ ǅ Ω femicidio ̀ ́", "", "\n\n\n", "no no no se trató de un femicidio sin vida",
	} {
		f.Add(s, s+" texto de relleno con robo y extorsión.")
	}
	f.Fuzz(func(t *testing.T, title, text string) {
		fuzzOnce.Do(func() {
			var err error
			if fuzzE, err = New(Config{NoGeo: true}, nil); err != nil {
				t.Fatal(err)
			}
		})
		d := &escucha.Document{ID: "fuzz", Title: title, Text: text}
		if err := fuzzE.Enrich(d); err != nil {
			t.Fatal(err)
		}
		body := d.Body()
		check := func(what string, ev []escucha.Span) {
			for _, s := range ev {
				if s.Start < 0 || s.End < s.Start || s.End > len(body) || body[s.Start:s.End] != s.Text {
					t.Fatalf("%s: bad span %+v for body %q", what, s, body)
				}
			}
		}
		for _, l := range d.Categories {
			if l.Score < 0 || l.Score > 1 {
				t.Fatalf("%s score %v", l.ID, l.Score)
			}
			check(l.ID, l.Evidence)
		}
		for _, fr := range d.Framing {
			check(fr.ID, fr.Evidence)
		}
	})
}

// FuzzParseTaxonomy: analysts edit the YAML; a bad file is an error, never a panic.
func FuzzParseTaxonomy(f *testing.F) {
	f.Add(string(defaultTaxonomy))
	f.Add("version: x\ncategories:\n  - id: robo\n    terms:\n      - {p: \"rob* ~2 celular\"}\n")
	f.Add("categories:\n  - id: robo\n    terms:\n      - {p: \"~3 x\"}\n")
	f.Add("categories: [{id: robo, terms: [{p: \"a|*\"}]}]")
	f.Fuzz(func(t *testing.T, s string) {
		tax, err := ParseTaxonomy([]byte(s))
		if err == nil && tax == nil {
			t.Fatal("nil taxonomy without error")
		}
	})
}
