package geo

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp/textfold"
)

var runCase = flag.String("geocase", "", "run only the hard case with this name")

// want is the expected focus: country, admin1 code, admin2 (code or name), and
// optionally admin3/locality. An empty country means "no focus".
type want struct {
	country, admin1Code, admin2, admin3, locality string
}

// Hard cases, in our own words.
var hardCases = []struct {
	name, source, title, text string
	focus                     want
	absent                    []string // surfaces that must not be tagged
}{
	{name: "zona-de-mixco", source: "GT", title: "Atacan a balazos a tendero",
		text:  "Un tendero murió baleado la noche del jueves en la colonia El Milagro, zona 6 de Mixco, según los Bomberos Voluntarios.",
		focus: want{"GT", "GT-01", "0108", "", "Zona 6"}},
	{name: "zona-alone-capital", source: "GT", title: "Localizan cadáver en la zona 18",
		text:  "Vecinos de la colonia Paraíso II alertaron a la PNC al encontrar el cuerpo de un hombre en un barranco.",
		focus: want{"GT", "GT-01", "0101", "", "Zona 18"}, absent: []string{"Paraíso"}},
	{name: "zona-abbrev-villa-nueva-context", source: "GT", title: "Balacera en Villa Nueva deja dos heridos",
		text:  "El ataque ocurrió frente a un comercio de la z. 4, cerca del mercado municipal de Villa Nueva.",
		focus: want{"GT", "GT-01", "0115", "", ""}},
	{name: "dateline-is-newsroom", source: "GT", title: "",
		text:  "GUATEMALA, 12 ene (EFE).– Un piloto de bus fue asesinado este lunes en Villa Nueva, al sur de la capital, informaron los bomberos.",
		focus: want{"GT", "GT-01", "0115", "", ""}},
	{name: "person-surname-flores", source: "GT", title: "Diputado Flores presenta iniciativa",
		text:  "El diputado Juan Carlos Flores presentó una iniciativa para reformar la ley de tránsito. Doña Rosa Mercedes Dolores López lo acompañó.",
		focus: want{}, absent: []string{"Flores", "Rosa", "Mercedes", "Dolores"}},
	{name: "flores-peten-qualified", source: "GT", title: "Tres muertos en ataque armado",
		text:  "Tres hombres murieron en un ataque armado en Flores, Petén, la madrugada del domingo.",
		focus: want{"GT", "GT-17", "1701", "", ""}},
	{name: "tegucigalpa-distrito-central", source: "HN", title: "Capturan a pandillero en Tegucigalpa",
		text:  "Agentes de la DPI capturaron a un pandillero acusado de extorsionar a taxistas en Comayagüela.",
		focus: want{"HN", "HN-FM", "0801", "", ""}},
	{name: "san-jose-costa-rica", source: "CR", title: "Asaltan a turistas en San José",
		text:  "Dos turistas fueron asaltados a punta de cuchillo cerca del parque central.",
		focus: want{"CR", "CR-SJ", "San José", "", ""}},
	{name: "san-jose-escuintla", source: "GT", title: "Hallan lancha con droga",
		text:  "La Marina localizó una lancha abandonada con 400 kilos de cocaína en las costas de San José, Escuintla.",
		focus: want{"GT", "GT-05", "0509", "", ""}},
	{name: "usac-is-no-place", source: "GT", title: "Estudiantes protestan",
		text:  "Estudiantes de la Universidad de San Carlos protestaron frente al Congreso por el presupuesto.",
		focus: want{}, absent: []string{"San Carlos"}},
	{name: "municipio-departamento", source: "GT", title: "Accidente de tránsito",
		text:  "Un picop volcó en el municipio de Santa Rosa de Lima, departamento de Santa Rosa; murieron dos personas.",
		focus: want{"GT", "GT-06", "0603", "", ""}},
	{name: "el-salvador-district", source: "SV", title: "Matan a comerciante en Soyapango",
		text:  "Un comerciante fue asesinado a balazos en su negocio, informó la Policía Nacional Civil.",
		focus: want{"SV", "SV-SS", "San Salvador Este", "Soyapango", ""}},
	{name: "la-capital-el-salvador", source: "SV", title: "Hallan cadáver",
		text:  "El cuerpo de un joven fue hallado en una quebrada de la capital, según la Fiscalía.",
		focus: want{"SV", "SV-SS", "San Salvador Centro", "San Salvador", ""}},
	{name: "xela-alias", source: "GT", title: "Capturan a dos por robo en Xela",
		text:  "Los detenidos asaltaron una farmacia en el centro de la ciudad.",
		focus: want{"GT", "GT-09", "0901", "", ""}},
	{name: "department-only", source: "GT", title: "Matan a mujer en aldea de Huehuetenango",
		text:  "El cuerpo fue localizado en una aldea del departamento de Huehuetenango, según el MP.",
		focus: want{"GT", "GT-13", "", "", ""}},
	{name: "country-list-no-focus", source: "GT", title: "Remesas crecen",
		text:  "Las remesas desde Estados Unidos y Canadá crecieron 8 % y Guatemala superó a Honduras y El Salvador.",
		focus: want{}},
	{name: "stadium-is-no-place", source: "GT", title: "Clásico en el Doroteo Guamuch Flores",
		text:  "El Municipal venció a Comunicaciones en el estadio Doroteo Guamuch Flores.",
		focus: want{}, absent: []string{"Flores"}},
	{name: "unknown-district-then-canton", source: "CR", title: "Homicidio en Pavas",
		text:  "Un hombre murió baleado en Pavas, San José, la noche del viernes, según el OIJ.",
		focus: want{"CR", "CR-SJ", "San José", "", ""}},
	{name: "santa-ana-el-salvador", source: "SV", title: "Asesinan a joven en Santa Ana",
		text:  "Un joven de 19 años fue asesinado en la colonia El Palmar de Santa Ana, informó la Fiscalía.",
		focus: want{"SV", "SV-SA", "Santa Ana Centro", "Santa Ana", ""}},
	{name: "dateline-with-department", source: "HN", title: "Ataque en Choloma",
		text:  "CHOLOMA, Cortés. Tres personas murieron en un ataque armado en la colonia López Arellano.\n\nLea también: Capturan a sicario en La Ceiba",
		focus: want{"HN", "HN-CR", "0502", "", ""}},
	{name: "dominican-municipality", source: "DO", title: "Matan a comerciante en Santo Domingo Este",
		text:  "Un comerciante fue ultimado a tiros en Los Mina, informó la Policía.",
		focus: want{"DO", "DO-32", "Santo Domingo Este", "", ""}},
	{name: "country-level-event", source: "GT", title: "",
		text:  "Un hombre murió en un ataque armado en Guatemala, según los bomberos.",
		focus: want{"GT", "", "", "", ""}},
	{name: "future-plan-is-not-the-event", source: "GT", title: "Payasos llenan teatro",
		text:  "El grupo llenó el Teatro Nacional, en la zona 4 capitalina. La próxima función será en Escuintla.",
		focus: want{"GT", "GT-01", "0101", "", "Zona 4"}},
	{name: "origin-is-not-the-event", source: "HN", title: "Hondureña muere en Houston",
		text:  "Una mujer originaria de Choloma, Cortés, murió tras recibir disparos en un apartamento de Houston, Texas.",
		focus: want{"US", "", "", "", ""}},
	{name: "mexican-story-keeps-local-names-abroad", source: "MX", title: "Asaltan tienda en San Carlos",
		text:  "Dos hombres asaltaron una tienda de conveniencia en San Carlos, informó la policía municipal de Sonora.",
		focus: want{"MX", "", "", "", ""}, absent: []string{"San Carlos"}},
	{name: "lowercase-verb-is-no-place", source: "BZ", title: "Storm",
		text:   "Un árbol cayó sobre una vivienda en Belmopan.",
		absent: []string{"cayó"}, focus: want{"BZ", "BZ-CY", "", "", "Belmopan"}},
}

func TestHardCases(t *testing.T) {
	tg := mustTagger(t)
	for _, tc := range hardCases {
		if *runCase != "" && tc.name != *runCase {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			d := &escucha.Document{ID: tc.name, Title: tc.title, Text: tc.text, SourceCountry: tc.source}
			places := tg.Tag(d)
			d.Places = places
			for _, p := range places {
				t.Logf("%s %s|%s|%s|%s|%s %q", p.Role, p.Country, p.Admin1Code, p.Admin2, p.Admin3, p.Locality, p.Surface)
				for _, a := range tc.absent {
					if p.Surface == a {
						t.Errorf("tagged %q, want no place", a)
					}
				}
			}
			f, ok := d.Focus()
			if tc.focus.country == "" {
				if ok {
					t.Errorf("focus %+v, want none", f)
				}
				return
			}
			if !ok {
				t.Fatalf("no focus, want %+v", tc.focus)
			}
			admin2 := f.Admin2Code
			if admin2 == "" || tc.focus.country == "SV" {
				admin2 = f.Admin2
			}
			got := want{f.Country, f.Admin1Code, admin2, f.Admin3, f.Locality}
			if tc.focus.locality == "" {
				got.locality = ""
			}
			if got != tc.focus {
				t.Errorf("focus %+v, want %+v", got, tc.focus)
			}
		})
	}
}

// checkPlaces asserts the invariants every Tag result keeps.
func checkPlaces(t *testing.T, d *escucha.Document, places []escucha.Place) {
	t.Helper()
	body := d.Body()
	foci := 0
	for _, p := range places {
		if p.Start < 0 || p.End > len(body) || p.Start >= p.End {
			t.Fatalf("bad span [%d,%d) for body of %d bytes", p.Start, p.End, len(body))
		}
		if body[p.Start:p.End] != p.Surface {
			t.Fatalf("surface %q != body[%d:%d] %q", p.Surface, p.Start, p.End, body[p.Start:p.End])
		}
		if !utf8.ValidString(p.Surface) && utf8.ValidString(body) {
			t.Fatalf("surface %q cuts a rune", p.Surface)
		}
		if p.Country == "" || p.Role != escucha.RoleFocus && p.Role != escucha.RoleMention {
			t.Fatalf("bad place %+v", p)
		}
		if p.Role == escucha.RoleFocus {
			foci++
		}
	}
	if foci > 1 {
		t.Fatalf("%d foci", foci)
	}
}

func FuzzTag(f *testing.F) {
	for _, tc := range hardCases {
		f.Add(tc.title, tc.text, tc.source)
	}
	f.Add("", "zona 99 z. z.1 zona", "")
	f.Add("GUATEMALA", "GUATEMALA, 1 ene (EFE).–", "GT")
	f.Add("la capital", "La Capital de la capital, Villa Nueva, Guatemala (Guatemala)", "XX")
	f.Add("\xff\xfe", "Mixco\x00Villa\u00a0Nueva á", "gt")
	tg := mustTagger(f)
	f.Fuzz(func(t *testing.T, title, text, source string) {
		d := &escucha.Document{ID: "fuzz", Title: title, Text: text, SourceCountry: source}
		checkPlaces(t, d, tg.Tag(d))
	})
}

func TestConcurrentTag(t *testing.T) {
	tg := mustTagger(t)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tc := range hardCases {
				d := &escucha.Document{ID: tc.name, Title: tc.title, Text: tc.text, SourceCountry: tc.source}
				checkPlaces(t, d, tg.Tag(d))
			}
		}()
	}
	wg.Wait()
}

func TestAliasesFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aliases.tsv")
	if err := os.WriteFile(path, []byte("# extra\nGT/0108\tLa Florida de Mixco\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tg, err := New(Config{AliasesFile: path})
	if err != nil {
		t.Fatal(err)
	}
	d := &escucha.Document{ID: "a", Text: "Hallan a un hombre sin vida en La Florida de Mixco.", SourceCountry: "GT"}
	f, ok := (&escucha.Document{Places: tg.Tag(d)}).Focus()
	if !ok || f.Admin2Code != "0108" {
		t.Fatalf("focus %+v, want Mixco", f)
	}
	bad := filepath.Join(t.TempDir(), "bad.tsv")
	os.WriteFile(bad, []byte("XX/9999\tNowhere\n"), 0o644)
	if _, err := New(Config{AliasesFile: bad}); err == nil || !strings.Contains(err.Error(), "unknown id") {
		t.Fatalf("err = %v, want unknown id", err)
	}
	if _, err := New(Config{AliasesFile: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Fatal("missing aliases file: no error")
	}
	if _, err := New(Config{MaxBodyBytes: -1}); err == nil {
		t.Fatal("negative MaxBodyBytes: no error")
	}
}

// TestGazetteer checks the embedded data against the counts of the sources.
func TestGazetteer(t *testing.T) {
	g := mustTagger(t).gaz
	count := map[string]int{}
	for _, e := range g.entries {
		if e.level == levelAdmin1 || e.level == levelAdmin2 || e.level == levelAdmin3 {
			count[e.place.Country+"/"+[]string{"", "1", "2", "3"}[e.level]]++
		}
	}
	for k, n := range map[string]int{"GT/1": 22, "GT/2": 340, "SV/1": 14, "SV/2": 44, "SV/3": 262, "HN/1": 18, "HN/2": 298,
		"CR/1": 7, "PA/1": 14, "DO/1": 32, "BZ/1": 6} {
		if count[k] != n {
			t.Errorf("%s: %d entries, want %d", k, count[k], n)
		}
	}
	for id, want := range map[string]string{"GT/0206": "Sansare", "GT/0207": "Sanarate", "GT/0115": "Villa Nueva", "GT/0506": "Tiquisate"} {
		if e := g.entries[g.byID[id]]; e.place.Admin2 != want {
			t.Errorf("%s = %q, want %q", id, e.place.Admin2, want)
		}
	}
	if e := g.entries[g.byID["GT-01"]]; e.place.Admin1 != "Guatemala" || g.entries[g.byID["GT-22"]].place.Admin1 != "Jutiapa" {
		t.Errorf("GT department codes are not in INE order")
	}
	noCoords := 0
	for _, e := range g.entries {
		if e.place.Country == "GT" && e.level == levelAdmin2 && e.place.Lat == 0 {
			noCoords++
		}
	}
	if noCoords != 4 {
		t.Errorf("%d Guatemalan municipalities without coordinates, want 4 (Sipacate, Unión Cantinil, Petatán, Las Cruces)", noCoords)
	}
}

func TestDevFloors(t *testing.T) {
	gold := loadDev(t)
	if len(gold) == 0 {
		t.Fatal("no dev documents in " + devGlob)
	}
	tg := mustTagger(t)
	rep := Evaluate(gold, predict(tg, gold, allRules))
	for _, c := range []struct {
		name  string
		got   Ratio
		floor float64
	}{
		{"focus country", rep.FocusCountry, devFocusCountryFloor},
		{"focus department", rep.FocusAdmin1, devFocusAdmin1Floor},
		{"focus municipality", rep.FocusAdmin2, devFocusAdmin2Floor},
		{"mention recall", rep.MentionRecall, devMentionRecallFloor},
	} {
		if c.got.Total == 0 || c.got.Value() < c.floor {
			t.Errorf("%s %s below floor %.2f", c.name, c.got, c.floor)
		}
	}
}

// TestDevAblation measures each rule by switching it off (docs/geo.md).
// Every rule must pull its weight: without it the summed focus accuracy (three
// levels) must not be higher than with it by more than one point, the slack a
// growing dev set needs.
func TestDevAblation(t *testing.T) {
	gold := loadDev(t)
	tg := mustTagger(t)
	score := func(r rules) (Report, float64) {
		rep := Evaluate(gold, predict(tg, gold, r))
		return rep, rep.FocusCountry.Value() + rep.FocusAdmin1.Value() + rep.FocusAdmin2.Value()
	}
	full, fs := score(allRules)
	t.Logf("all rules: country %s dept %s muni %s mention P %s R %s spurious %d", full.FocusCountry, full.FocusAdmin1, full.FocusAdmin2, full.MentionPrecision, full.MentionRecall, full.FocusSpurious)
	for _, ab := range []struct {
		name string
		off  func(*rules)
	}{
		{"hierarchy", func(r *rules) { r.hierarchy = false }},
		{"triggers", func(r *rules) { r.triggers = false }},
		{"sourcePrior", func(r *rules) { r.sourcePrior = false }},
		{"population", func(r *rules) { r.population = false }},
		{"oneSense", func(r *rules) { r.oneSense = false }},
		{"commonWords", func(r *rules) { r.commonWords = false }},
		{"institutions", func(r *rules) { r.institutions = false }},
		{"datelines", func(r *rules) { r.datelines = false }},
		{"capitalisation", func(r *rules) { r.capitalisation = false }},
		{"eventVerbs", func(r *rules) { r.eventVerbs = false }},
		{"countryFocus", func(r *rules) { r.countryFocus = false }},
		{"foreignDoc", func(r *rules) { r.foreignDoc = false }},
	} {
		r := allRules
		ab.off(&r)
		rep, s := score(r)
		t.Logf("without %-14s country %s dept %s muni %s mention P %s R %s spurious %d", ab.name, rep.FocusCountry, rep.FocusAdmin1, rep.FocusAdmin2, rep.MentionPrecision, rep.MentionRecall, rep.FocusSpurious)
		if s > fs+0.01 {
			t.Errorf("switching off %s raises focus accuracy: %.4f > %.4f", ab.name, s, fs)
		}
	}
}

func BenchmarkTag(b *testing.B) {
	docs := loadDev(b)
	tg := mustTagger(b)
	var n int64
	for _, d := range docs {
		n += int64(len(d.Body()))
	}
	b.SetBytes(n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			tg.Tag(d)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := New(Config{}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCapsRatio compares the capitalisation test on the folding's
// letter counts with one on a rune-by-rune count.
func TestCapsRatio(t *testing.T) {
	ref := func(s string) bool {
		up, lo := 0, 0
		for _, r := range s {
			if unicode.IsUpper(r) {
				up++
			} else if unicode.IsLower(r) {
				lo++
			}
		}
		return capsRatio(up, lo)
	}
	texts := []string{"", "A", "a", "ÁRBOL DE NAVIDAD", "árbol", "MIXCO, Guatemala", "123 ¿?", "ÑANDÚ ñandú"}
	for _, d := range loadDev(t) {
		texts = append(texts, d.Body(), strings.ToUpper(d.Body()), strings.ToLower(d.Body()))
	}
	for _, s := range texts {
		f := textfold.Fold(s)
		if got, want := capsRatio(f.Upper, f.Lower), ref(s); got != want {
			t.Errorf("capitalisation of %.60q: %v, want %v", s, got, want)
		}
	}
}
