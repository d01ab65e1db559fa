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

// TestLongArticleContext (taxonomy 2026.11-8): classes of errors found in the sixth
// author's long articles, in our own sentences. A count of crimes ("23
// feminicidios") is a statistic; a killing threatened is no killing; a match
// report's "robo" is no robbery; the perpetrator leaving the scene is no
// displacement; the scammer who "desaparece" is no disappearance; a unit's name
// is no cyber-crime; women held by a trafficking ring are the trafficking story; a
// help line frames violence against women only in a piece about it; a protest's
// demand about the Isabel-Claudina alert is policy; "No. No fue por celos" negates
// (a cue across a full stop is not a double negation). Also the recall cases
// (forced prostitution, a ransom paid, "no se sabe nada desde", a bank link).
func TestLongArticleContext(t *testing.T) {
	paras := func(ps ...string) string { return strings.Join(ps, "\n\n") }
	derechos := []string{escucha.FrameDerechos}
	attempt := paras(
		"Una mujer de 28 años permanece internada en el hospital de Jutiapa después de que su expareja la atacara con un cuchillo la noche del sábado. La Fiscalía investiga el hecho como tentativa de femicidio.",
		"Según vecinos, el hombre llegó a la vivienda, discutió con ella y la hirió en el abdomen y los brazos. Después huyó hacia una finca cercana.",
		"Agentes de la PNC lo capturaron el domingo por la mañana. Tenía una orden de alejamiento desde marzo.",
		"En el país, el Ministerio Público contabiliza este año 23 feminicidios y 40 tentativas. Las organizaciones recordaron la línea 1572.")
	runScopeCases(t, []scopeCase{
		{name: "count-of-femicides-in-attempt-story", title: "Hieren a mujer en Jutiapa; investigan tentativa de femicidio",
			text: attempt, want: []string{"violencia_contra_mujer"}, absent: []string{"femicidio", "homicidio"},
			kind: map[string]string{"femicidio": KindStatistic}},
		{name: "killing-threatened", title: "Suspenden ruta de buses en Villa Nueva",
			text: "Los mareros cobran la renta a los pilotos de la ruta. Dejaron una nota en la garita: si no pagan, empiezan a matar a los pilotos. La ruta no circula desde el lunes.",
			want: []string{"extorsion", "crimen_organizado"}, absent: []string{"homicidio"}},
		{name: "baseball-robo", title: "Toros asaltan el liderato con un robo del home",
			text:   "Los Toros ganaron 3-2 con un robo del home en el noveno. El pitcheo dominó todo el juego y el dugout celebró. \"Eso fue un robo\", dijo el mánager rival.",
			absent: []string{"robo"}},
		{name: "football-es-un-robo", title: "Deportivo Mixco pierde en el último minuto",
			text:   "El equipo cayó 1-2 con un gol en el minuto 93. Fue un robo a plena luz del día, dijo el presidente del club. La afición despidió al árbitro con silbidos.",
			absent: []string{"robo"}},
		{name: "accident-injured-women", title: "Accidente de bus deja tres muertos en Sonsonate",
			text:   "Tres personas fallecidas y 15 lesionadas, entre ellas ocho mujeres, dejó el accidente de un bus que cayó a un barranco. Los heridos fueron llevados al hospital regional.",
			absent: []string{"violencia_contra_mujer", "homicidio"}},
		{name: "perpetrator-leaves", title: "Hombre mata a su esposa en Zacapa",
			text: "Una mujer de 50 años murió a golpes en su vivienda. El presunto responsable, su esposo, abandonó la casa antes de que llegara la policía. Los vecinos dijeron que la amenazaba.",
			want: []string{"homicidio", "violencia_intrafamiliar"}, absent: []string{"desplazamiento_forzado"}},
		{name: "scammer-disappears", title: "Alertan por ventas falsas en redes sociales",
			text: "El supuesto vendedor ofrece motos baratas por Facebook, pide un anticipo y desaparece. La Fiscalía pide denunciar estas estafas.",
			want: []string{"ciberdelito"}, absent: []string{"desaparicion"}},
		{name: "cyber-unit-name", title: "Capturan a hombre por abuso sexual de su sobrina",
			text: "La Policía capturó a un hombre acusado de violar a su sobrina de 13 años. Los teléfonos decomisados serán analizados por la Unidad de Delitos Informáticos.",
			want: []string{"violencia_sexual"}, absent: []string{"ciberdelito"}},
		{name: "no-full-stop-no", title: "Asesinan a mujer en Jutiapa",
			text: "Una mujer de 33 años fue asesinada por su esposo en Jutiapa. ¿Celos? No. No fue por celos, fue un femicidio, dijo su hermana.",
			want: []string{"femicidio", "violencia_intrafamiliar"}, framing: &derechos},
		{name: "to-be-established", title: "Hallan cuerpo de mujer en cañaveral de Escuintla",
			text: "El cuerpo de una mujer con señales de violencia fue hallado en una finca. El MP lo investiga como muerte violenta de mujer. En la morgue se establecerá la causa de la muerte y si sufrió agresión sexual.",
			want: []string{"femicidio"}, absent: []string{"violencia_sexual"}},
		{name: "forced-prostitution", title: "Rescatan a seis mujeres en bar de Petén",
			text: "Las mujeres fueron captadas con ofertas de trabajo falsas y obligadas a ejercer la prostitución para pagar una deuda. La Fiscalía contra la Trata capturó al dueño.",
			want: []string{"trata_personas", "violencia_sexual"}},
		{name: "ransom-and-missing", title: "Familias pagan rescate por migrantes secuestrados",
			text: "Tres familias de San Marcos vendieron sus terrenos para pagar el rescate de sus hijos, secuestrados en la frontera. De uno de ellos no se sabe nada desde el 2 de mayo.",
			want: []string{"extorsion", "desaparicion"}},
		{name: "bank-link", title: "",
			text: "Ojo: me llegó un SMS que dice que mi tarjeta del banco está bloqueada y que entre a un link para activarla. No caigan.",
			want: []string{"ciberdelito"}},
		{name: "killed-by-partner", title: "Luto en Mixco",
			text: "Rosa, de 30 años, fue asesinada por su pareja frente a sus hijos en Mixco. Nadie dice nada.", want: []string{"homicidio", "violencia_intrafamiliar"}},
		{name: "told-her-grandmother", title: "Condenan a maestro por abusar de alumnas",
			text: "El tribunal condenó a 20 años a un maestro por agresiones sexuales contra alumnas. Los abusos se conocieron cuando una niña se lo contó a su abuela.",
			want: []string{"violencia_sexual"}, absent: []string{"violencia_intrafamiliar"}},
		{name: "coworker-not-partner", title: "Matan a mototaxista en Escuintla",
			text: "Un mototaxista de 24 años fue asesinado a balazos. Un compañero de la víctima dijo que había sido amenazado por no pagar la extorsión.",
			want: []string{"homicidio", "extorsion"}, absent: []string{"violencia_intrafamiliar"}},
		{name: "alert-as-demand", title: "Marchan por el 25N en Quetzaltenango",
			text:   "Cientos de mujeres marcharon por el centro de la ciudad. Exigieron que la Alerta Isabel-Claudina funcione también los domingos y que las alertas Alba-Keneth se activen sin demora.",
			absent: []string{"desaparicion"}},
		{name: "alert-activated", title: "Activan Alerta Isabel-Claudina por joven de Sololá",
			text: "La PNC activó la Alerta Isabel-Claudina por una joven de 19 años que no regresó a su casa.", want: []string{"desaparicion"}},
		{name: "left-home-for-ex-partner", title: "Asesinan a mujer en Limón",
			text: "Una mujer de 30 años fue asesinada por su expareja. Un juzgado había ordenado a su expareja abandonar la vivienda tras las amenazas.",
			want: []string{"homicidio", "violencia_intrafamiliar"}, absent: []string{"desplazamiento_forzado"}},
		{name: "trafficked-women-held", title: "Desarticulan red de trata en Chiquimula",
			text: "La Fiscalía contra la Trata de Personas rescató a cinco mujeres en un bar. Estaban encerradas en cuartos sin ventanas y eran amenazadas si intentaban salir.",
			want: []string{"trata_personas"}, absent: []string{"violencia_contra_mujer"}},
		{name: "help-line-child-abuse", title: "Condenan a maestro por abusos contra alumnos",
			text: "Un tribunal condenó a 18 años a un maestro que abusó sexualmente de cuatro alumnos de primaria. La Fiscalía recordó que los abusos pueden denunciarse a la línea 911.",
			want: []string{"violencia_sexual"}, framing: &[]string{}},
		{name: "help-line-partner-violence", title: "Capturan a hombre que golpeó a su esposa",
			text: "La PNC capturó a un hombre que golpeó a su esposa en Cobán. Las mujeres que viven violencia pueden llamar a la línea 1572.",
			want: []string{"violencia_contra_mujer"}, framing: &derechos},
		{name: "help-line-missing-woman", title: "Buscan a joven desaparecida en Cobán",
			text: "Una joven de 18 años no regresó a su casa el viernes y se activó la Alerta Isabel-Claudina. Quienes tengan información sobre mujeres desaparecidas pueden llamar al 1572.",
			want: []string{"desaparicion"}, absent: []string{"violencia_contra_mujer"}, framing: &[]string{}},
		{name: "prisoner-transfer", title: "Suspenden juicio por femicidio en Huehuetenango",
			text: "La audiencia se suspendió por falta de traslado del reo desde la cárcel. La familia de la víctima, asesinada en 2024, espera justicia por el femicidio.",
			want: []string{"femicidio"}, absent: []string{"crimen_organizado"}},
	})
}

// TestTenthAuthorClasses (taxonomy 2026.11-10): classes of errors found in the
// tenth author's documents, in our own sentences. Code: a quote that opens a
// sentence quotes it (a column's example headlines report nothing); a piece whose
// title and lead name no crime takes no category from one context sentence in its
// body (a passing mention), while a statistics piece that names it in several
// sentences keeps it. Taxonomy: a conditional killing is a threat; stolen
// credentials are phishing, stolen plates a tool; "asesina los planes"; "nada
// justifica pedir…"; forced sex in exploitation; the victim who manages to leave is
// not displaced; "masacre" in a match report; gunshot wounds in a text that reports
// a body; denied gang membership; the partner named in an apposition before the
// verb; "expresión de poder" is not talk about words.
func TestTenthAuthorClasses(t *testing.T) {
	paras := func(ps ...string) string { return strings.Join(ps, "\n\n") }
	column := paras(
		"Cada semana repito el mismo ejercicio con mis estudiantes de periodismo: buscar cómo titulan los diarios las muertes de mujeres. Siempre aparece algo.",
		`"Drama pasional en Jalapa". "Por celos acuchilla a su novia". "Hombre mata a su compañera tras discusión". Los titulares se copian unos a otros.`,
		"Cuando un diario escribe \"drama pasional\", disculpa al agresor. Les pido que los reescriban sin esos adjetivos.",
		"La Ley contra el Femicidio nombra estos hechos desde hace años. La violencia machista no es una historia de amor.",
		"Ese es el ejercicio. Lo recomiendo a cualquier redacción.")
	tourism := paras(
		"El Instituto de Turismo informó que la llegada de visitantes extranjeros creció 9 % entre enero y septiembre. Los cruceros aportaron la mayor parte del aumento.",
		"Los hoteles de Roatán y Copán reportan ocupación plena para diciembre. Las aerolíneas abrieron dos rutas nuevas desde Miami.",
		"La cámara de turismo pidió mejorar las carreteras hacia la costa. También solicitó más promoción en Europa.",
		"Según el informe, la tasa de 25 homicidios por cada 100 mil habitantes sigue pesando en la imagen del país. El gremio espera que baje el próximo año.",
		"Las agencias prevén otro récord en Semana Santa.")
	statistics := paras(
		"El Observatorio publicó su informe trimestral sobre seguridad en la capital. El documento compara los datos con los del año pasado.",
		"Los homicidios bajaron 7 % en el trimestre, según las cifras de la Policía. La mayoría de las víctimas murió por arma de fuego.",
		"Las denuncias por extorsión subieron 4 % en el mismo periodo. Los comerciantes siguen siendo los más afectados.",
		"El informe atribuye el descenso de los homicidios a los operativos en cinco colonias. Recomienda mantenerlos.",
		"El Observatorio presentará el próximo informe en marzo.")
	killing := paras(
		"Un agricultor de 52 años fue asesinado a machetazos la noche del jueves en la aldea El Jícaro, Jalapa. Su cuerpo quedó en el camino que lleva a su parcela.",
		"Los Bomberos Voluntarios confirmaron que no tenía signos vitales. El MP procesó la escena.",
		"Vecinos contaron que en los últimos meses se han denunciado varios robos de ganado en las aldeas cercanas. Nadie ha sido capturado por ellos.",
		"La familia pidió justicia. El entierro será el sábado.")
	runScopeCases(t, []scopeCase{
		{name: "unnumbered-count-is-context", title: "Asesinan a agricultor en Jalapa", text: killing,
			want: []string{"homicidio"}, absent: []string{"robo"}},
		{name: "sentence-opening-quotes", title: "Columna | Los titulares que disculpan", text: column,
			want: []string{"violencia_contra_mujer"}, absent: []string{"homicidio", "violencia_intrafamiliar"}, framing: &[]string{escucha.FrameDerechos}},
		{name: "passing-statistic", title: "Turismo crece 9 % en lo que va del año", text: tourism, absent: []string{"homicidio"}},
		{name: "statistics-piece-keeps", title: "Informe trimestral de seguridad", text: statistics, want: []string{"homicidio", "extorsion"}},
		{name: "conditional-killing", title: "Vecinos de Chamelecón dejan sus casas",
			text: `Seis familias dejaron sus casas por amenazas de pandilleros. "Si te quedás una noche más te matan", contó un vecino.`,
			want: []string{"desplazamiento_forzado", "crimen_organizado"}, absent: []string{"homicidio"}},
		{name: "stolen-credentials", title: "Alertan por correos que suplantan a la SAT para robar contraseñas",
			text: "La SAT advirtió sobre correos falsos que piden ingresar la contraseña en un enlace. Con esos datos los estafadores vacían cuentas bancarias.",
			want: []string{"ciberdelito"}, absent: []string{"robo"}},
		{name: "stolen-plates-as-tool", title: "Matan a comerciante en Chinandega",
			text: "Un comerciante fue asesinado a balazos frente a su negocio. Los atacantes huyeron en un carro con placas robadas.",
			want: []string{"homicidio"}, absent: []string{"robo"}},
		{name: "figurative-asesina", title: "Recorte al presupuesto de salud",
			text:   `La ministra dijo que el recorte "asesina los proyectos de los hospitales" y que nada justifica gastar menos en salud.`,
			absent: []string{"homicidio", "violencia_contra_mujer"}},
		{name: "forced-sex", title: "Rescatan a tres jóvenes en Chiquimula",
			text: "Las jóvenes fueron engañadas con ofertas de trabajo y obligadas a atender clientes y a tener relaciones sexuales en un bar. La Fiscalía contra la Trata capturó a la dueña.",
			want: []string{"trata_personas", "violencia_sexual"}},
		{name: "victim-leaves-the-house", title: "Capturan a hombre que golpeó a su esposa en Cobán",
			text: "El hombre golpeó a su esposa con un palo tras años de violencia. Ella logró salir de la vivienda con sus hijas y buscó a una patrulla.",
			want: []string{"violencia_contra_mujer"}, absent: []string{"desplazamiento_forzado"}},
		{name: "football-masacre", title: "Masacre en el Cuscatlán: Alianza golea 5-0",
			text:   "Alianza le pasó por encima a su rival con goles en los dos tiempos. Fue una masacre de principio a fin, dijo el entrenador.",
			absent: []string{"homicidio"}},
		{name: "wounds-and-body", title: "Localizan sin vida a hombre en Chimaltenango",
			text: "Vecinos encontraron sin vida a un hombre de 40 años en un camino vecinal. Tenía tres heridas de arma de fuego en el tórax, según los Bomberos.",
			want: []string{"homicidio"}},
		{name: "membership-denied", title: "Capturan a falsos pandilleros que extorsionaban a taxistas",
			text: "Los detenidos exigían dinero por teléfono a taxistas. La Policía determinó que ninguno de ellos ha pertenecido nunca a una pandilla.",
			want: []string{"extorsion"}, absent: []string{"crimen_organizado"}},
		{name: "partner-in-apposition", title: "Muere mujer atacada en su casa en Petén",
			text: "Una mujer de 35 años murió en el hospital. Su esposo, identificado como Julio R., de 40 años, la atacó con un machete la noche del viernes.",
			want: []string{"violencia_intrafamiliar"}},
	})
}

// TestTwelfthAuthorClasses: the error classes of the ninth quality round (the
// twelfth author's set, dev parts 39–40; taxonomy 2026.11-11), each in sentences of
// our own. "aside-*" and "no-then-statement" test code (gateAside, the full stop in
// reaches); the others fail with the 2026.11-10 YAML.
func TestTwelfthAuthorClasses(t *testing.T) {
	paras := func(ps ...string) string { return strings.Join(ps, "\n\n") }
	// an event story of 8 sentences: a killing, then an aside about another crime
	aside := func(last string) string {
		return paras(
			"Un motorista de 29 años fue asesinado a balazos la tarde del lunes en la colonia Santa Fe, en Zacapa. Dos hombres en una motocicleta le dispararon al menos seis veces.",
			"Los Bomberos Voluntarios confirmaron que ya no tenía signos vitales. El MP procesó la escena durante tres horas.",
			"La familia dijo que el joven trabajaba como repartidor desde hacía dos años. No tenía problemas con nadie, según su madre.",
			last,
			"La Policía no reportó capturas. El cuerpo fue trasladado a la morgue del Inacif.")
	}
	runScopeCases(t, []scopeCase{
		{name: "aside-topic-mention", title: "Matan a repartidor en Zacapa",
			text: aside("El diputado del distrito dijo que el Congreso discute una reforma que endurece las penas por hurto."),
			want: []string{"homicidio"}, absent: []string{"robo"}},
		{name: "aside-story-reference-keeps", title: "Matan a repartidor en Zacapa",
			text: aside("La Fiscalía de la Mujer informó que el caso de una joven hallada cerca del lugar se investiga como femicidio."),
			want: []string{"homicidio", "femicidio"}},
		{name: "aside-event-sentence-keeps", title: "Matan a repartidor en Zacapa",
			text: aside("A pocas cuadras, dos hombres asaltaron una tienda de abarrotes."),
			want: []string{"homicidio", "robo"}},
		{name: "aside-topic-piece-keeps", title: "Homicidios bajan 12 % en Honduras según el Observatorio",
			text: paras(
				"El Observatorio de la Violencia informó que los homicidios bajaron 12 % entre enero y octubre. La tasa quedó en 24 por cada 100 mil habitantes.",
				"Las organizaciones sociales piden cautela con las cifras. Dicen que el conteo oficial deja fuera varias muertes.",
				"También advierten que las denuncias por desaparición de personas no han bajado en el mismo periodo.",
				"El Observatorio publicará su informe anual en febrero. Las autoridades no comentaron los datos.",
				"La Secretaría de Seguridad atribuye la baja a los operativos. Los alcaldes piden más patrullas."),
			want: []string{"homicidio", "desaparicion"}},
		{name: "no-then-statement", title: "",
			text: `Leo "crimen pasional en Cobán" 😡 No. A Karla la mató su ex porque no aceptó que lo dejara. Eso se llama femicidio. #NadaJustifica`,
			want: []string{"femicidio", "violencia_intrafamiliar"}},
		{name: "protection-order-not-displacement", title: "Matan a mujer que había pedido protección en Limón",
			text: "Una mujer murió tras ser atacada a machetazos por su pareja, según el OIJ. Días antes, el juzgado había ordenado al hombre salir de la vivienda y no acercarse a ella, por amenazas de muerte.",
			want: []string{"homicidio"}, absent: []string{"desplazamiento_forzado"}},
		{name: "whereabouts-of-a-suspect", title: "Buscan a hombre señalado de matar a su hermano en Jutiapa",
			text: "Un hombre murió de una herida de arma blanca en su casa. La PNC pidió a quien tenga información sobre el paradero del sospechoso llamar al 110.",
			want: []string{"homicidio"}, absent: []string{"desaparicion"}},
		{name: "did-not-say-whether", title: "Man shot dead in Orange Walk",
			text:   "A man was shot dead on Sunday night in Orange Walk Town. Police did not say whether the killing was linked to a gang.",
			want:   []string{"homicidio"},
			absent: []string{"crimen_organizado"}},
		{name: "no-preciso-si", title: "Asesinan a joven en Ilopango",
			text: "Un joven de 19 años fue asesinado a balazos en una cancha de Ilopango. La Policía no precisó si el ataque está relacionado con pandillas.",
			want: []string{"homicidio"}, absent: []string{"crimen_organizado"}},
		{name: "idea-is-not-a-finding", title: "Cuatro meses sin saber de Mayra, desaparecida en Escuintla",
			text: "Mayra, de 17 años, desapareció en julio al salir de su casa y su familia activó la Alerta Isabel-Claudina. La idea de que la hayan engañado con una oferta de trabajo no deja dormir a su padre.",
			want: []string{"desaparicion"}, absent: []string{"trata_personas"}},
		{name: "headlines-kill-twice", title: "Opinión | Las notas que matan dos veces",
			text:   "Cada vez que una nota culpa a la víctima, la vuelve a matar. Pedimos a las redacciones revisar sus palabras.",
			absent: []string{"homicidio"}},
		{name: "generic-killer-in-a-column", title: "Opinión | Lo que los titulares callan",
			text:   "Cuando un hombre asesina a su pareja y el diario habla de celos, el lector recibe una excusa. Escribamos sin excusas.",
			absent: []string{"homicidio"}},
		{name: "what-the-law-calls-femicide", title: "Opinión | Palabras que importan",
			text:   "Los medios deben nombrar lo que la ley llama femicidio. Así lo pide el colegio de periodistas.",
			absent: []string{"femicidio"}},
		{name: "counterattack-kills", title: "Comunicaciones gana el clásico",
			text:   "Municipal dominó la primera hora, pero el contragolpe crema lo mató en el minuto 88. La afición celebró en el estadio.",
			absent: []string{"homicidio"}},
		{name: "drought-steals-competitiveness", title: "La sequía golpea al Canal",
			text:   "Navieras dicen que la sequía le robó competitividad a la ruta este año. La autoridad prepara un nuevo embalse.",
			absent: []string{"robo"}},
		{name: "jealousy-blinded-him", title: "Mata a su esposa en San Juan Sacatepéquez",
			text: "Una mujer murió apuñalada por su esposo en su vivienda. Un vecino dijo que los celos lo cegaron desde que ella consiguió trabajo.",
			want: []string{"homicidio"}, framing: &[]string{escucha.FrameJustificacion}},
		{name: "commission-against-sexual-exploitation", title: "Condenan a pareja por obligar a niños a mendigar",
			text: "Un tribunal condenó a una pareja que obligaba a cuatro niños a pedir dinero en los semáforos. La Comisión contra la Explotación Sexual y Trata recordó que la línea 135 recibe denuncias.",
			want: []string{"trata_personas"}, absent: []string{"violencia_sexual"}},
	})
}

// TestFourteenthAuthorClasses: error classes of the fourteenth author's set (dev
// parts 41–42, scraped-page style), tuned on after its blind score; each case is
// our own sentence and fails with the taxonomy before these fixes.
func TestFourteenthAuthorClasses(t *testing.T) {
	runScopeCases(t, []scopeCase{
		{name: "rescue-plan-is-not-ransom", title: "El río Naranjo se seca: vecinos piden un plan de rescate",
			text:   "Los vecinos piden un plan de rescate para el río, que se seca cada verano. La municipalidad dice que no tiene fondos.",
			absent: []string{"extorsion"}},
		{name: "trata-de-conseguir", title: "Sequía deja sin cosecha a 300 familias",
			text:   "La municipalidad trata de conseguir fondos para atender a las víctimas de la sequía. Las familias perdieron el maíz y el frijol.",
			absent: []string{"trata_personas"}},
		{name: "daylight-robbery", title: "Cane farmers reject the new price",
			text:   "Farmers in Corozal said the price offered by the mill is daylight robbery. They want the government to step in before the harvest starts.",
			absent: []string{"robo"}},
		{name: "robbed-livelihood", title: "La laguna se secó y con ella la pesca",
			text:   "Nos robaron el sustento, dice un pescador de 60 años. La laguna lleva dos años sin agua.",
			absent: []string{"robo"}},
		{name: "striker-sicario", title: "Xelajú golea a Mixco",
			text:   "El delantero fue un sicario en el área y marcó dos goles en la segunda mitad.",
			absent: []string{"homicidio"}},
		{name: "budget-item-disappears", title: "Oposición denuncia recortes en el presupuesto",
			text:   "Los vecinos de las aldeas reclaman porque la partida para caminos rurales desaparece del dictamen final.",
			absent: []string{"desaparicion"}},
		{name: "market-demand-for-security", title: "Empresa de ciberseguridad abre centro en Santa Tecla",
			text:   "La demanda de servicios contra el ransomware crece 20 % al año, dijo el gerente de la empresa.",
			absent: []string{"ciberdelito"}},
		{name: "housing-rent", title: "Sube la renta de apartamentos en San Pedro Sula",
			text:   "Pagar la renta se volvió una carga para las familias. Los inquilinos piden control de precios.",
			absent: []string{"extorsion"}},
		{name: "renta-demanded-with-an-amount", title: "Cierra otra pulpería en Comayagüela",
			text: "A don Chepe le llegaron los mareros a pedirle 3 mil lempiras de renta cada mes y cerró su negocio.",
			want: []string{"extorsion", "crimen_organizado"}},
		{name: "borrowing-from-a-hijacked-account", title: "Alerta en Totonicapán por cuentas de WhatsApp robadas",
			text:   "Le robaron la cuenta de WhatsApp a mi tía y ahora piden prestado pisto a sus amigos.",
			want:   []string{"ciberdelito"},
			absent: []string{"extorsion"}},
		{name: "first-person-partner-violence", title: "",
			text: "Durante tres años mi ex me revisaba el cel y me empujaba cuando le reclamaba. No es normal. Es violencia.",
			want: []string{"violencia_intrafamiliar"}},
		{name: "dragging-a-partner", title: "Capturan a hombre en Arraiján",
			text: "Un hombre arrastró a su pareja del pelo frente a una tienda. La Policía lo capturó minutos después.",
			want: []string{"violencia_intrafamiliar"}},
	})
}
