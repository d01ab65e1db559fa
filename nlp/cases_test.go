package nlp

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
)

var flagCase = flag.String("case", "", "run only the testdata case directory with this name")

// caseDoc is a test document with its expectations (fields a real document lacks
// land in Extra and are read back from there).
type caseExpect struct {
	Want      []string          `json:"want"`
	Absent    []string          `json:"want_absent"`
	Kind      map[string]string `json:"want_kind"`
	Framing   *[]string         `json:"want_framing"`
	Campaigns *[]string         `json:"want_campaigns"`
	Lang      string            `json:"want_lang"`
}

// TestCases runs the data-driven cases under testdata/<case>/cases.jsonl (negation,
// statistics, figurative senses, regional vocabulary, framing, campaigns, language);
// -case NAME runs one directory.
func TestCases(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/cases.jsonl")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	e := mustEnricher(t, Config{NoGeo: true})
	for _, path := range dirs {
		name := filepath.Base(filepath.Dir(path))
		if *flagCase != "" && name != *flagCase {
			continue
		}
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			docs, err := DecodeDocuments(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				t.Run(d.ID, func(t *testing.T) { checkCase(t, e, d) })
			}
		})
	}
}

func checkCase(t *testing.T, e *Enricher, d *escucha.Document) {
	var x caseExpect
	raw, _ := json.Marshal(d.Extra)
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatal(err)
	}
	d.Extra = nil
	if err := e.Enrich(d); err != nil {
		t.Fatal(err)
	}
	got := d.CategoryIDs()
	for _, w := range x.Want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %s; got %v (%s)", w, got, explainLabels(d))
		}
	}
	for _, a := range x.Absent {
		if slices.Contains(got, a) {
			t.Errorf("unexpected %s; got %v (%s)", a, got, explainLabels(d))
		}
	}
	for cat, kind := range x.Kind {
		var kinds []string
		for _, l := range d.Categories {
			if l.ID == cat {
				for _, ev := range l.Evidence {
					kinds = append(kinds, ev.Kind)
				}
			}
		}
		if !slices.Contains(kinds, kind) {
			t.Errorf("%s: evidence kinds %v, want %s", cat, kinds, kind)
		}
	}
	if x.Framing != nil && !slices.Equal(d.FramingIDs(), sorted(*x.Framing)) {
		t.Errorf("framing %v, want %v", d.FramingIDs(), *x.Framing)
	}
	if x.Campaigns != nil && !slices.Equal(d.CampaignIDs(), sorted(*x.Campaigns)) {
		t.Errorf("campaigns %v, want %v", d.CampaignIDs(), *x.Campaigns)
	}
	if x.Lang != "" && d.Lang != x.Lang {
		t.Errorf("lang %q, want %q", d.Lang, x.Lang)
	}
	// evidence offsets point into Body
	body := d.Body()
	for _, l := range d.Categories {
		if l.Score < 0 || l.Score > 1 {
			t.Errorf("%s score %v outside [0,1]", l.ID, l.Score)
		}
		for _, ev := range l.Evidence {
			if ev.Start < 0 || ev.End > len(body) || body[ev.Start:ev.End] != ev.Text {
				t.Errorf("%s evidence %+v does not match body", l.ID, ev)
			}
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}

func explainLabels(d *escucha.Document) string {
	var b strings.Builder
	for _, l := range d.Categories {
		b.WriteString(l.ID + ":")
		for _, ev := range l.Evidence {
			b.WriteString(" [" + ev.Text + "/" + ev.Kind + "]")
		}
		b.WriteString("; ")
	}
	return b.String()
}

// scopeCase is a text of our own with the labels the rules alone must give it.
type scopeCase struct {
	name, title, text string
	want, absent      []string
	kind              map[string]string // category → an evidence kind it must carry
	framing           *[]string
}

func runScopeCases(t *testing.T, cases []scopeCase) {
	t.Helper()
	e := mustEnricher(t, Config{NoModel: true, NoGeo: true})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := &escucha.Document{ID: tc.name, Title: tc.title, Text: tc.text}
			if err := e.Enrich(d); err != nil {
				t.Fatal(err)
			}
			got := d.CategoryIDs()
			for _, w := range tc.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %s; got %v (%s)", w, got, explainLabels(d))
				}
			}
			for _, a := range tc.absent {
				if slices.Contains(got, a) {
					t.Errorf("unexpected %s; got %v (%s)", a, got, explainLabels(d))
				}
			}
			r := e.analyse(&escucha.Document{ID: tc.name, Title: tc.title, Text: tc.text})
			defer r.a.release()
			for cat, kind := range tc.kind {
				ci := slices.IndexFunc(e.c.cats, func(c ccat) bool { return c.id == cat })
				if !slices.ContainsFunc(r.a.ev[ci], func(s escucha.Span) bool { return s.Kind == kind }) {
					t.Errorf("%s: evidence %v, want kind %s", cat, r.a.ev[ci], kind)
				}
			}
			if tc.framing != nil && !slices.Equal(d.FramingIDs(), sorted(*tc.framing)) {
				t.Errorf("framing %v, want %v", d.FramingIDs(), *tc.framing)
			}
		})
	}
}

// Paragraphs of our own writing for the scope tests: an event, statistics, the law.
const (
	scopeLead = "Un comerciante de 45 años fue asesinado a balazos la mañana del martes dentro del mercado municipal de Chimaltenango. " +
		"Dos hombres que se conducían en una motocicleta le dispararon y huyeron hacia la carretera. Los bomberos confirmaron su muerte en el lugar."
	scopeStats = "Según datos del Observatorio de la Violencia, en lo que va del año se registran 312 denuncias por robo en el departamento. " +
		"Muchos de los asaltos ocurren en buses del transporte urbano."
	scopeLaw   = "La ley establece penas de hasta 15 años de prisión para el delito de extorsión."
	scopeClose = "Vecinos del mercado pidieron más patrullajes. El cuerpo fue trasladado a la morgue del Inacif."
	scopeOther = "En otro hecho, la noche del miércoles dos sujetos asaltaron a un piloto de bus en la zona 1 y le quitaron el celular."
)

// TestScope: in an event story, statistics, the law and their paragraph add no
// label; a piece about the statistics keeps them; short briefs are not scoped.
func TestScope(t *testing.T) {
	paras := func(ps ...string) string { return strings.Join(ps, "\n\n") }
	flat := func(ps ...string) string { return strings.Join(ps, " ") }
	none := []string{}
	runScopeCases(t, []scopeCase{
		{name: "event-story-paragraphs", title: "Asesinan a comerciante en mercado de Chimaltenango",
			text: paras(scopeLead, scopeStats, scopeLaw, scopeClose), want: []string{"homicidio"}, absent: []string{"robo", "extorsion"},
			kind: map[string]string{"robo": KindStatistic}},
		{name: "byline-before-lead", title: "Tragedia en el mercado de Chimaltenango",
			text: paras("Por: Redacción Departamentos", scopeLead, scopeStats, scopeLaw, scopeClose), want: []string{"homicidio"}, absent: []string{"robo", "extorsion"}},
		{name: "event-story-no-breaks", title: "Asesinan a comerciante en mercado de Chimaltenango",
			text: flat(scopeLead, scopeStats, scopeLaw, scopeClose), want: []string{"homicidio"}, absent: []string{"robo", "extorsion"}},
		{name: "secondary-event-after-statistics", title: "Asesinan a comerciante en mercado de Chimaltenango",
			text: flat(scopeLead, scopeStats, scopeOther, scopeClose), want: []string{"homicidio", "robo"}},
		{name: "secondary-event-paragraph", title: "Asesinan a comerciante en mercado de Chimaltenango",
			text: paras(scopeLead, scopeStats+" "+scopeOther, scopeClose), want: []string{"homicidio", "robo"}},
		{name: "topic-piece-keeps-statistics", title: "Denuncias por robo suben en Chimaltenango, según el Observatorio",
			text: paras(scopeStats, scopeLaw, scopeLead, scopeClose), want: []string{"robo", "extorsion"}},
		{name: "short-brief-not-scoped", title: "Asesinan a comerciante en Chimaltenango",
			text: flat("Un comerciante de 45 años fue asesinado a balazos el martes en Chimaltenango.", scopeStats), want: []string{"homicidio", "robo"}},
		{name: "no-paragraph-carry-beyond-window", title: "Asesinan a comerciante en mercado de Chimaltenango",
			text: flat(scopeLead, scopeStats, scopeClose, "Un ladrón robó la motocicleta de un vecino durante la balacera."), want: []string{"homicidio", "robo"}},
		{name: "story-reference-not-context", title: "Asesinan a vendedora en mercado de Chimaltenango",
			text: paras("Una vendedora de 39 años fue asesinada a balazos la mañana del martes dentro del mercado municipal de Chimaltenango. "+
				"Dos hombres que se conducían en una motocicleta le dispararon y huyeron hacia la carretera. Los bomberos confirmaron su muerte en el lugar.",
				scopeStats, "Según datos de la Fiscalía, el caso se registra como femicidio.", scopeClose),
			want: []string{"homicidio", "femicidio"}, absent: []string{"robo"}},
		{name: "fiction-review", title: "Reseña: la novela que retrata a las maras de Guatemala",
			text: "La escritora presenta su segunda novela, una historia de pandilleros, extorsiones y venganzas en un barrio de la capital. " +
				"El protagonista cobra la renta a los buses hasta que su hermano aparece asesinado. La trama avanza con ritmo.",
			absent: []string{"crimen_organizado", "extorsion", "homicidio"}},
		{name: "none", title: "Feria patronal reúne a miles en Chimaltenango", text: "La feria tuvo juegos mecánicos y comida típica.", absent: []string{"robo"}, framing: &none},
	})
}

// TestHypothesis: a clause under investigation does not create a label on its own;
// "investigado como posible femicidio" counts (labelling guide).
func TestHypothesis(t *testing.T) {
	runScopeCases(t, []scopeCase{
		{name: "investiga-si-gang", title: "Asesinan a motorista en Ciudad Quetzal",
			text: "Un motorista de 30 años murió tras recibir varios disparos en Ciudad Quetzal, San Juan Sacatepéquez. La PNC investiga si la víctima tenía vínculos con una pandilla de la zona.",
			want: []string{"homicidio"}, absent: []string{"crimen_organizado"}, kind: map[string]string{"crimen_organizado": KindHypothesis}},
		{name: "se-desconoce-si", title: "Localizan cadáver en un río de Amatitlán",
			text:   "Bomberos recuperaron el cuerpo de un hombre de unos 50 años en la orilla del río. Se desconoce si fue asesinado o si se ahogó.",
			absent: []string{"homicidio"}},
		{name: "posible-femicidio-counts", title: "Hallan muerta a mujer en Cobán",
			text: "El cuerpo de una mujer de 31 años fue localizado en su vivienda con heridas de arma blanca. El Ministerio Público investiga el caso como posible femicidio.",
			want: []string{"femicidio", "homicidio"}},
		{name: "femicide-hypothesis-counts", title: "Hallan sin vida a mujer desaparecida en Jalapa",
			text: "El cuerpo de una joven de 22 años fue localizado con señales de violencia en un cafetal. El Ministerio Público investiga si se trata de un femicidio.",
			want: []string{"femicidio", "homicidio"}, framing: &[]string{escucha.FrameDerechos}},
		{name: "hypothesis-beside-evidence", title: "Capturan a pandilleros por asesinato de tendero",
			text: "Tres pandilleros fueron capturados por el asesinato de un tendero en Mixco. La Fiscalía investiga si la clica también cobraba extorsiones en la colonia.",
			want: []string{"homicidio", "crimen_organizado"}, absent: []string{"extorsion"}},
	})
}

// TestCritique: justifying words quoted to criticise them are not justificacion;
// reported by police or a defence, they are.
func TestCritique(t *testing.T) {
	derechos := []string{escucha.FrameDerechos}
	both := []string{escucha.FrameDerechos, escucha.FrameJustificacion}
	just := []string{escucha.FrameJustificacion}
	runScopeCases(t, []scopeCase{
		{name: "mal-llamado", title: "Femicidio en Jalapa: no fue amor",
			text: "Una joven de 20 años fue asesinada por su exnovio en Jalapa. El mal llamado crimen pasional es un femicidio, recordaron las colectivas.",
			want: []string{"femicidio"}, framing: &derechos},
		{name: "no-fue", title: "Asesinan a mujer en Zacapa",
			text: "Una mujer de 35 años fue asesinada por su esposo en Zacapa. No fue un arranque de celos, fue un femicidio, dijo su hermana.",
			want: []string{"femicidio"}, framing: &derechos},
		{name: "los-medios-hablan", title: "Femicidio en Escuintla",
			text: "Una mujer fue asesinada por su conviviente en Escuintla. Los medios hablan de celos, pero las organizaciones recuerdan que se trata de un femicidio.",
			want: []string{"femicidio"}, framing: &derechos},
		{name: "column-quotes-all", title: "Las palabras que matan dos veces",
			text:    "Cuando un titular dice \"crimen pasional\", la víctima desaparece del relato. Ayer otra mujer fue asesinada por su pareja en Mixco y una nota dijo que la mató \"por celos\". Escribir femicidio es nombrar lo que pasó.",
			framing: &derechos},
		{name: "column-quoted-headlines-report-no-event", title: "Opinión: los titulares que culpan a las víctimas",
			text:   "Cada semana leemos titulares como \"Por celos mata a su pareja\" o \"Crimen pasional en Zacapa\". Esas palabras convierten la violencia en una historia de amor.",
			absent: []string{"homicidio", "violencia_intrafamiliar"}},
		{name: "defence-quoted-counts", title: "Juicio por femicidio en Chiquimula",
			text: "El hombre acusado de asesinar a su esposa declaró ante el tribunal que actuó \"cegado por los celos\". La Fiscalía sostiene que se trató de un femicidio.",
			want: []string{"femicidio"}, framing: &both},
		{name: "police-reports", title: "Matan a mujer en Limón",
			text: "Una mujer de 40 años murió apuñalada en su casa en Limón. Según la policía, su pareja la atacó por celos tras una discusión.",
			want: []string{"homicidio"}, framing: &just},
	})
}

// TestScopeValidate: a scope an analyst mistypes is rejected when the taxonomy loads.
func TestScopeValidate(t *testing.T) {
	for _, tc := range []struct{ name, old, new string }{
		{"event-is-not-context", "context_kinds: [statistic, anniversary, background]", "context_kinds: [statistic, event]"},
		{"unknown-kind", "context_kinds: [statistic, anniversary, background]", "context_kinds: [estadistica]"},
		{"context-alone-above-1", "context_alone: 0.3", "context_alone: 1.5"},
		{"negative-window", "    window: 1\n", "    window: -1\n"},
		{"bad-critique-lexicon", `critique: ["@metalenguaje"]`, `critique: ["@no_such_lexicon"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			y := string(defaultTaxonomy)
			if !strings.Contains(y, tc.old) {
				t.Fatalf("shipped taxonomy lacks %q", tc.old)
			}
			if _, err := ParseTaxonomy([]byte(strings.Replace(y, tc.old, tc.new, 1))); err == nil {
				t.Errorf("%s accepted", tc.new)
			}
		})
	}
}
