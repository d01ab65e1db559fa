package geo

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp/textfold"
)

// rules switches the disambiguation rules; all are on in production. The
// dev-set test turns them off one at a time to measure each one's effect
// (docs/geo.md).
type rules struct {
	hierarchy, triggers, sourcePrior, population, oneSense, commonWords,
	institutions, datelines, capitalisation, eventVerbs, countryFocus, foreignDoc bool
}

var allRules = rules{true, true, true, true, true, true, true, true, true, true, true, true}

// mention is one matched name in the folded text.
type mention struct {
	fs, fe    int   // folded span
	os, oe    int   // original span
	cands     []int // candidate entries
	best      int   // chosen entry, -1 = dropped
	score     float64
	trigger   int // level a trigger word asks for, -1 none
	local     bool
	dateline  bool
	instit    bool
	qualifier bool // names the parent of the previous mention ("Mixco, Guatemala")
	qualified int  // entry the following qualifier resolved for this mention, -1 none
	common    bool
	inList    bool
	origin    bool // "originaria de X": where someone comes from
	between   bool // "entre X y Y": a range, not the event's point
	vague     bool // "la capital": a reference, rarely the event's place
	locative  bool // preceded by "en", "municipio de" …
	zona      string
	// sentS, sentE: the folded span of the mention's sentence (doc.sentence),
	// sentE 0 until found
	sentS, sentE int
}

// doc is the per-call state.
type doc struct {
	g         *gazetteer
	r         rules
	body      string
	f         *textfold.Folded
	ft        string
	titleE    int // end of the title in the original body
	prior     string
	caps      bool // the document is mostly upper case or mostly lower case: capitalisation is no evidence
	titleCaps int8 // capsAt's answer for the title: 0 not asked yet, 1 no, 2 yes
	ms        []*mention
	eventMemo []sentMemo // sentences already tested for event words
	future    []sentMemo // sentences already tested for the future tense

	// Scratch kept between documents (Tagger.docs): nothing in them outlives
	// the call that fills them.
	mbuf    []mention // the mentions ms points to
	spans   []span    // gazetteer matches before overlaps are removed
	taken   []uint64  // a bit per byte of ft already claimed by a mention
	ints    []int     // candidate lists cut by resolve (keepInts)
	scores  []candScore
	byMent  [][]candScore
	present presence // entries named in the document (resolve)
}

// span is one gazetteer match [s, e) of pattern p.
type span struct{ s, e, p int }

// maxPooledText is the largest folded text whose scratch goes back to the pool:
// a giant document's tables are left to the collector.
const maxPooledText = 1 << 20

// getDoc returns a reset doc with the scratch of an earlier one.
func (t *Tagger) getDoc() *doc {
	x, _ := t.docs.Get().(*doc)
	if x == nil {
		return &doc{}
	}
	*x = doc{
		ms: x.ms[:0], eventMemo: x.eventMemo[:0], future: x.future[:0],
		mbuf: x.mbuf[:0], spans: x.spans[:0], taken: x.taken[:0], ints: x.ints[:0],
		scores: x.scores[:0], byMent: x.byMent[:0], present: x.present,
	}
	return x
}

func (t *Tagger) putDoc(x *doc) {
	if len(x.ft) > maxPooledText {
		return
	}
	// no pointers into the body or the gazetteer stay behind; only the used
	// part needs it (getDoc cuts to length 0, so the rest was cleared before)
	clear(x.ms)
	clear(x.mbuf)
	clear(x.byMent)
	x.body, x.f, x.ft, x.g = "", nil, "", nil
	t.docs.Put(x)
}

// sentMemo is a per-sentence answer (future tense, event words), kept for the
// other mentions of the sentence.
type sentMemo struct {
	start int // sentence start in ft
	v     bool
}

func (t *Tagger) tag(d *escucha.Document) []escucha.Place { return t.tagRules(d, allRules) }

func (t *Tagger) tagRules(d *escucha.Document, r rules) []escucha.Place {
	return t.tagFolded(d, d.Body(), nil, r)
}

// tagFolded tags body (= d.Body()); f, when not nil, is textfold.Fold(body).
func (t *Tagger) tagFolded(d *escucha.Document, body string, f *textfold.Folded, r rules) []escucha.Place {
	if len(body) > t.cfg.MaxBodyBytes {
		f = nil
		cut := t.cfg.MaxBodyBytes
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut]
	}
	if strings.TrimSpace(body) == "" {
		return nil
	}
	x := t.getDoc()
	defer t.putDoc(x)
	x.g, x.r, x.body, x.prior = t.gaz, r, body, strings.ToUpper(strings.TrimSpace(d.SourceCountry))
	if d.Title != "" && d.Text != "" {
		x.titleE = len(d.Title)
	} else if d.Title != "" {
		x.titleE = len(body)
	}
	if f == nil || f.Orig(len(f.Text)) != len(body) {
		f = textfold.Fold(body)
	}
	x.f = f
	x.ft = x.f.Text
	x.caps = capsRatio(f.Upper, f.Lower) // counted while folding
	x.find()
	x.features()
	x.resolve()
	return x.output()
}

// capsRatio reports whether case carries no information in a text with up
// upper-case and lo lower-case letters: almost all upper case, or almost none.
func capsRatio(up, lo int) bool {
	if up+lo == 0 {
		return true
	}
	ratio := float64(up) / float64(up+lo)
	return ratio > 0.6 || ratio < 0.005
}

// isWordByte reports whether c belongs to a word: a-z, A-Z, 0-9 or a byte of a
// multi-byte character. A table: the test runs on every byte of every text, and
// a chain of comparisons on varying bytes is mispredicted often.
func isWordByte(c byte) bool { return wordByte[c] }

var wordByte = func() (set [256]bool) {
	for c := range set {
		b := byte(c)
		set[c] = b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 0x80 || b >= 'A' && b <= 'Z'
	}
	return set
}()

// find collects the longest non-overlapping gazetteer matches on word boundaries,
// the zonas and "la capital".
func (x *doc) find() {
	spans := x.spans[:0]
	x.g.matcher.each(x.ft, func(s, e, p int) { spans = append(spans, span{s, e, p}) })
	x.spans = spans
	// longest first, then leftmost (distinct spans: the order is total)
	slices.SortFunc(spans, func(a, b span) int {
		if la, lb := a.e-a.s, b.e-b.s; la != lb {
			return lb - la
		}
		return a.s - b.s
	})
	// taken has a bit per byte of ft already claimed by a mention
	taken := append(x.taken[:0], make([]uint64, len(x.ft)/64+1)...)
	x.taken = taken
	take := func(s, e int) {
		for i := s; i < e; i++ {
			taken[i/64] |= 1 << (i % 64)
		}
	}
	add := func(s, e int, cands []int, zona string) {
		for i := s; i < e; i++ {
			if taken[i/64]&(1<<(i%64)) != 0 {
				return
			}
		}
		take(s, e)
		os, oe := x.f.Span(s, e)
		x.mbuf = append(x.mbuf, mention{fs: s, fe: e, os: os, oe: oe, cands: cands, best: -1, trigger: -1, qualified: -1, zona: zona})
	}
	x.findZonas(add)
	x.findCapital(add)
	for _, sp := range spans {
		if x.g.instit[sp.p] {
			if x.r.institutions {
				take(sp.s, sp.e)
			}
			continue
		}
		add(sp.s, sp.e, x.g.cands[sp.p], "")
	}
	// mbuf is complete: point ms at it (no mention overlaps another, so their
	// starts differ and the order is total)
	for i := range x.mbuf {
		x.ms = append(x.ms, &x.mbuf[i])
	}
	slices.SortFunc(x.ms, func(a, b *mention) int { return a.fs - b.fs })
}

// findZonas finds "zona 18", "z. 18", "zona 6 de Mixco".
func (x *doc) findZonas(add func(s, e int, cands []int, zona string)) {
	ft := x.ft
	for i := 0; i < len(ft); {
		j := strings.Index(ft[i:], "z")
		if j < 0 {
			return
		}
		s := i + j
		i = s + 1
		if s > 0 && isWordByte(ft[s-1]) {
			continue
		}
		k := s
		switch {
		case strings.HasPrefix(ft[s:], "zonas"):
			k = s + 5
		case strings.HasPrefix(ft[s:], "zona"):
			k = s + 4
		case strings.HasPrefix(ft[s:], "z."):
			k = s + 2
		default:
			continue
		}
		for k < len(ft) && ft[k] == ' ' {
			k++
		}
		n0 := k
		for k < len(ft) && ft[k] >= '0' && ft[k] <= '9' {
			k++
		}
		if k == n0 || k-n0 > 2 || k < len(ft) && isWordByte(ft[k]) {
			continue
		}
		num := ft[n0:k]
		// "zonas 7 y 11", "zonas 1, 4 y 9": one mention, the first zona.
		for strings.HasPrefix(ft[s:], "zonas") {
			j := k
			for j < len(ft) && (ft[j] == ' ' || ft[j] == ',') {
				j++
			}
			if strings.HasPrefix(ft[j:], "y ") {
				j += 2
			}
			n1 := j
			for j < len(ft) && ft[j] >= '0' && ft[j] <= '9' {
				j++
			}
			if j == n1 || j-n1 > 2 || j < len(ft) && isWordByte(ft[j]) {
				break
			}
			k = j
		}
		add(s, k, nil, strings.TrimLeft(num, "0"))
		i = k
	}
}

// findCapital finds "la capital", "ciudad capital", "capital guatemalteca" …
func (x *doc) findCapital(add func(s, e int, cands []int, zona string)) {
	if !strings.Contains(x.ft, "capital") { // in each of the names below
		return
	}
	for _, n := range []string{"la ciudad capital", "la capital", "ciudad capital"} {
		for i := 0; ; {
			j := strings.Index(x.ft[i:], n)
			if j < 0 {
				break
			}
			s, e := i+j, i+j+len(n)
			i = e
			if s > 0 && isWordByte(x.ft[s-1]) || e < len(x.ft) && isWordByte(x.ft[e]) {
				continue
			}
			// "la capital de X" names X's capital: leave X to the matcher.
			if strings.HasPrefix(x.ft[e:], " de ") || strings.HasPrefix(x.ft[e:], " del ") {
				continue
			}
			add(s, e, []int{-2}, "") // -2: resolved later to the document country's capital
		}
	}
}

// wordsInto returns up to n word tokens of ft ending before i, nearest last,
// in out (len 0; its array is reused).
func wordsInto(out []string, ft string, i, n int) []string {
	for len(out) < n && i > 0 {
		j := i
		for j > 0 && !isWordByte(ft[j-1]) && ft[j-1] != '.' {
			if ft[j-1] == '\n' || ft[j-1] == ',' || ft[j-1] == ';' || ft[j-1] == ':' || ft[j-1] == '(' {
				if len(out) == 0 && ft[j-1] != '\n' {
					out = append(out, string(ft[j-1]))
					if len(out) == n {
						return reverse(out)
					}
				} else {
					return reverse(out)
				}
			}
			j--
		}
		k := j
		for k > 0 && (isWordByte(ft[k-1]) || ft[k-1] == '.') {
			k--
		}
		if k == j {
			break
		}
		out = append(out, strings.TrimSuffix(ft[k:j], "."))
		i = k
	}
	return reverse(out)
}

func reverse(s []string) []string {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
	return s
}

// Words before a name that say what kind of place follows.
var (
	triggerAdmin2 = map[string]bool{"municipio": true, "mun": true, "municipalidad": true, "cabecera": true, "ciudad": true,
		"canton": false, "distrito": true, "alcaldia": true, "alcalde": true, "alcaldesa": true, "jefe edil": true}
	triggerAdmin1 = map[string]bool{"departamento": true, "depto": true, "provincia": true, "gobernador": true, "gobernacion": true, "departamental": true}
	// Sub-municipal features: the name after them is a neighbourhood or a street,
	// not the municipality or department of the same name.
	triggerLocal = map[string]bool{"aldea": true, "caserio": true, "canton": true, "colonia": true, "col": true, "barrio": true,
		"residencial": true, "residenciales": true, "lotificacion": true, "finca": true, "comunidad": true, "asentamiento": true,
		"sector": true, "calle": true, "avenida": true, "av": true, "calzada": true, "bulevar": true, "boulevard": true,
		"blvd": true, "parcelamiento": true, "condominio": true, "hacienda": true, "paraje": true, "caserio.": true,
		"cantones": true, "colonias": true, "aldeas": true, "mercado": true, "parque": true, "puente": true, "rio": true,
		"volcan": true, "lago": true, "laguna": true, "playa": true, "carretera": true, "iglesia": true,
		"parroquia": true, "escuela": true, "colegio": true, "instituto": true, "hospital": true, "universidad": true,
		"banco": true, "estadio": true, "club": true, "hotel": true, "radio": true, "diario": true, "canal": true,
		"centro": true, "complejo": true, "edificio": true, "plaza": true, "hogar": true, "cementerio": true, "penal": true,
		"carcel": true, "granja": true, "centro comercial": true, "terminal": true, "liceo": true, "santuario": true}
	locativeWords = map[string]bool{"en": true, "a": true, "hacia": true, "desde": true, "entre": true, "cerca": true, "rumbo": true}
	titles        = map[string]bool{"don": true, "dona": true, "sr": true, "sra": true, "srta": true, "lic": true, "licda": true,
		"dr": true, "dra": true, "ing": true, "senor": true, "senora": true, "san": false, "fray": true, "padre": true, "hermano": true,
		"apellido": true, "familia": true, "agente": true, "diputado": true, "diputada": true, "jugador": true, "presidente": true}
)

// Place names that are also common words, given names or surnames: they count
// only with locative evidence (a trigger, "en …", a qualifier, or a co-mention
// of a place that contains them).
var commonNames = map[string]bool{}

func init() {
	for _, n := range []string{"flores", "progreso", "el progreso", "esperanza", "la esperanza", "concepcion", "colon",
		"rosa", "mercedes", "dolores", "libertad", "la libertad", "la paz", "paz", "union", "la union", "victoria",
		"trinidad", "la trinidad", "reforma", "la reforma", "independencia", "florida", "la democracia", "democracia",
		"el paraiso", "paraiso", "el porvenir", "porvenir", "el rosario", "rosario", "candelaria", "la candelaria",
		"morales", "santa rosa", "guadalupe", "belen", "nazaret", "jesus", "cristo", "la cruz", "cruz", "las cruces",
		"america", "valle", "el valle", "pueblo nuevo", "nueva", "nuevo", "la victoria", "lempira", "morazan", "cortes",
		"sanchez", "guzman", "mejia", "herrera", "bolivar", "patria", "constitucion", "bonanza", "corinto", "jordan",
		"armenia", "lima", "paris", "roma", "la merced", "merced", "santa fe", "gracias", "salud", "caridad", "soledad",
		"la soledad", "providencia", "la providencia", "el carmen", "carmen", "pilar", "el pilar", "capital", "central",
		"norte", "sur", "oriente", "occidente", "las flores", "los llanos", "la palma", "palmira", "el centro", "centro",
		"castillo", "jimenez", "arenas", "mauricio", "alvarado", "barrios", "duarte", "santiago", "san jose", "moca",
		"sabana grande", "la sabana", "sabana", "los santos", "santos", "concordia", "la concordia", "chile", "peru",
		"cuba", "jamaica", "granada", "cordoba", "toledo", "valencia", "sevilla", "guadalajara", "leon", "trujillo",
		"guerrero", "hidalgo", "morelos", "rivas", "cardenas", "rama", "potosi", "washington", "victoria de durango",
		"murra", "morrito", "altagracia", "mora", "gomez"} {
		commonNames[n] = true
	}
}

// institutionNames are fixed names of institutions and media that contain place
// names, masked before matching.
var institutionNames = []string{"universidad de san carlos", "universidad san carlos", "prensa libre", "hospital roosevelt",
	"hospital san juan de dios", "hospital general san juan de dios", "banco de guatemala", "el periodico",
	"diario de centro america", "la prensa grafica", "el diario de hoy", "la prensa de honduras", "diario la prensa",
	"radio sonora", "canal antigua", "cementos progreso", "cervecería centro americana", "cerveceria centro americana",
	"estadio mateo flores", "estadio doroteo guamuch flores", "universidad rafael landivar", "universidad mariano galvez",
	"republica dominicana de futbol", "santa sede", "san valentin", "semana santa", "real madrid", "santa claus",
	"club xelaju", "xelaju mc", "deportivo mixco", "antigua gfc", "coban imperial", "la estrella de panama",
	"panama america", "diario el salvador", "universidad de panama", "universidad de costa rica", "corte de constitucionalidad", "union europea",
	"naciones unidas", "estados unidos mexicanos", "guatemala visible", "casa de america", "instituto guatemalteco",
	"la libertad avanza", "partido libertad", "calzada roosevelt",
	"calzada san juan", "calzada aguilar batres", "periferico", "anillo periferico", "carretera al atlantico",
	"carretera interamericana", "carretera a el salvador", "ruta al atlantico", "ruta interamericana", "ruta al pacifico",
	"todos los santos",
	"san jose de calasanz", "san juan pablo", "san juan bosco", "san pedro apostol", "san francisco de asis"}
