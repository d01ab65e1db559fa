package geo

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/infosegura/escucha"
)

// eventStems start words that report an event; a place in the same sentence is
// more likely where it happened.
var eventStems = []string{"asesin", "mataron", "mato ", "murio", "muere", "murieron", "fallec", "ataque", "atacad", "atacaron",
	"dispar", "balacera", "balead", "balear", "ultimad", "hallad", "hallaron", "localizad", "localizaron", "encontrad",
	"encontraron", "capturad", "capturaron", "aprehendid", "aprehendieron", "detenid", "ocurri", "se registr", "accidente",
	"incendio", "explosion", "robo", "robaron", "asalt", "extorsi", "secuestr", "desaparec", "femicidio", "feminicidio",
	"homicidio", "violad", "violacion", "agredid", "agresion", "herid", "cadaver", "cuerpo", "osamenta", "enfrentamiento",
	"operativo", "allanamiento", "sucedi", "tiroteo", "vapulead", "golpead", "apunal", "estrangul", "rescatad", "sicari",
	"masacre", "linchad", "inund", "derrumbe", "deslave", "choque", "colision", "volco", "embosc", "intercept", "decomis",
	"incautad", "incaut", "rescat", "explot", "trata de", "abus", "victima", "fallecid", "mujer", "hombre", "menor", "joven", "piloto", "ayudante", "tendero", "comerciante"}

// months (folded, with abbreviations) for datelines.
var monthWords = map[string]bool{"ene": true, "enero": true, "feb": true, "febrero": true, "mar": true, "marzo": true,
	"abr": true, "abril": true, "may": true, "mayo": true, "jun": true, "junio": true, "jul": true, "julio": true,
	"ago": true, "agosto": true, "sep": true, "sept": true, "set": true, "septiembre": true, "setiembre": true,
	"oct": true, "octubre": true, "nov": true, "noviembre": true, "dic": true, "diciembre": true}

// lastWordUpper reports whether the last word of m is capitalised: "La
// Libertad", "ciudad de Panamá", but not "cayó".
func (x *doc) lastWordUpper(m *mention) bool {
	i := strings.LastIndexByte(x.body[m.os:m.oe], ' ')
	return x.isUpperAt(m.os + i + 1)
}

func (x *doc) isUpperAt(i int) bool {
	r, _ := utf8.DecodeRuneInString(x.body[i:])
	return unicode.IsUpper(r)
}

// prevWordOrig returns the original word right before i if only spaces separate
// them, and whether that word starts a sentence.
func (x *doc) prevWordOrig(i int) (w string, start int, sentenceStart bool) {
	j := i
	for j > 0 && x.body[j-1] == ' ' {
		j--
	}
	if j == i || j == 0 {
		return "", 0, true
	}
	k := j
	for k > 0 {
		r, n := utf8.DecodeLastRuneInString(x.body[:k])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '.' {
			break
		}
		k -= n
	}
	w = x.body[k:j]
	if w == "" {
		return "", 0, true
	}
	b := k
	for b > 0 && x.body[b-1] == ' ' {
		b--
	}
	sentenceStart = b == 0 || strings.ContainsAny(x.body[b-1:b], ".\n:!?¿¡\"«(—–-") || b == x.titleE+2
	if b > 0 {
		r, _ := utf8.DecodeLastRuneInString(x.body[:b])
		if strings.ContainsRune("¿¡«“—–", r) {
			sentenceStart = true
		}
	}
	return w, k, sentenceStart
}

// capitalisedBeforeComma reports whether the original text before i reads
// "Word, " with Word capitalised.
func (x *doc) capitalisedBeforeComma(i int) bool {
	j := i
	for j > 0 && x.body[j-1] == ' ' {
		j--
	}
	if j == 0 || x.body[j-1] != ',' {
		return false
	}
	j--
	k := j
	for k > 0 {
		r, n := utf8.DecodeLastRuneInString(x.body[:k])
		if !unicode.IsLetter(r) {
			break
		}
		k -= n
	}
	return k < j && x.isUpperAt(k)
}

// nextWordOrig returns the original word right after i if only one space separates them.
func (x *doc) nextWordOrig(i int) string {
	if i >= len(x.body) || x.body[i] != ' ' {
		return ""
	}
	j := i + 1
	k := j
	for k < len(x.body) {
		r, n := utf8.DecodeRuneInString(x.body[k:])
		if !unicode.IsLetter(r) {
			break
		}
		k += n
	}
	return x.body[j:k]
}

func (x *doc) capsAt(i int) bool {
	if x.caps {
		return true
	}
	// A title in Title Case or upper case says nothing through case.
	if i < x.titleE {
		if x.titleCaps == 0 { // once per document: every mention in the title asks
			x.titleCaps = 1
			if titleCase(x.body[:x.titleE]) {
				x.titleCaps = 2
			}
		}
		return x.titleCaps == 2
	}
	return false
}

func titleCase(s string) bool {
	n, up := 0, 0
	for w := range strings.FieldsSeq(s) {
		r, _ := utf8.DecodeRuneInString(w)
		if !unicode.IsLetter(r) || len(w) <= 3 {
			continue
		}
		n++
		if unicode.IsUpper(r) {
			up++
		}
	}
	return n >= 3 && float64(up)/float64(n) > 0.7
}

// features reads the context of every mention.
func (x *doc) features() {
	var wbuf [4]string
	for mi, m := range x.ms {
		prev := wordsInto(wbuf[:0], x.ft, m.fs, 4)
		last := func(k int) string {
			if len(prev) >= k {
				return prev[len(prev)-k]
			}
			return ""
		}
		p1, p2 := last(1), last(2)
		if articles[p1] { // "en la zona 1", "en el municipio de"
			p1, p2 = p2, last(3)
		}
		if x.r.triggers {
			switch {
			case triggerAdmin1[p1] || (p1 == "de" || p1 == "del") && triggerAdmin1[p2]:
				m.trigger = levelAdmin1
			case triggerAdmin2[p1] || (p1 == "de" || p1 == "del") && triggerAdmin2[p2]:
				m.trigger = levelAdmin2
			case triggerLocal[p1] || last(2)+" "+p1 == "centro comercial":
				m.local = true
			}
			if (p1 == "de" || p1 == "del") && instHeads[p2] {
				m.instit = true
			}
		}
		// "originaria de Malacatán", "oriundo de", "procedente de": where a person
		// comes from, not where the event happened.
		m.origin = (p1 == "de" || p1 == "del") && originWords[p2] || p1 == "originarios" || p1 == "originaria" || p1 == "originario" || p1 == "originarias"
		m.between = p1 == "entre" || p1 == "y" && strings.Contains(x.ft[max(0, m.fs-60):m.fs], "entre ")
		// After "Pavas, " (a capitalised word and a comma) a name is in qualifier
		// position: locative evidence even when the first word is unknown.
		m.locative = locativeWords[p1] || m.trigger >= 0 || p1 == "," && (mi > 0 && x.ms[mi-1].fe >= m.fs-3 || x.capitalisedBeforeComma(m.os))
		if m.zona != "" || len(m.cands) == 1 && m.cands[0] == -2 {
			continue
		}
		// Person names and bigger proper names: "don Mixco", "Juan Flores", "Colegio San José", "Guatemala Visible".
		if x.r.capitalisation {
			caps := x.capsAt(m.os)
			if !caps && !x.lastWordUpper(m) {
				m.best = -3
				continue
			}
			if titles[p1] {
				m.best = -3
				continue
			}
			if !caps {
				if w, ws, ss := x.prevWordOrig(m.os); w != "" && !ss && x.isUpperAt(ws) && !allUpper(w) && !triggerAdmin1[lower(w)] && !triggerAdmin2[lower(w)] && !triggerLocal[lower(w)] {
					m.best = -3
					continue
				}
				if w := x.nextWordOrig(m.oe); w != "" && x.isUpperAt(m.oe+1) && !connectorCap[lower(w)] && !roman(w) {
					m.best = -3
					continue
				}
			}
		}
		if x.r.capitalisation && x.accentMismatch(m) {
			m.best = -3
			continue
		}
		if x.r.datelines {
			m.dateline = x.isDateline(m)
		}
	}
}

var originWords = map[string]bool{"originaria": true, "originario": true, "originarias": true, "originarios": true,
	"oriunda": true, "oriundo": true, "oriundas": true, "oriundos": true, "procedente": true, "procedentes": true,
	"nativa": true, "nativo": true, "natural": true, "originaria del": true}

var articles = map[string]bool{"el": true, "la": true, "los": true, "las": true}

var connectorCap = map[string]bool{"zona": true, "departamento": true, "municipio": true, "provincia": true}

var instHeads = map[string]bool{"hospital": true, "universidad": true, "colegio": true, "instituto": true, "banco": true,
	"estadio": true, "club": true, "hotel": true, "radio": true, "diario": true, "canal": true, "escuela": true, "liceo": true,
	"iglesia": true, "parroquia": true, "catedral": true, "mercado": true, "juzgado": true, "tribunal": true, "fiscalia": true,
	"sala": true, "centro": true, "sede": true, "consulado": true, "embajada": true, "oficina": true, "penal": true, "carcel": true,
	"hogar": true, "seleccion": true, "equipo": true, "deportivo": true}

// roman reports whether w is a Roman numeral ("Fraijanes II", "Santa Elena III").
func roman(w string) bool { return w != "" && strings.Trim(w, "IVX") == "" }

func allUpper(s string) bool { return len(s) > 1 && strings.ToUpper(s) == s && strings.ToLower(s) != s }

func lower(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }

func (x *doc) mentionAt(i int) bool {
	for _, m := range x.ms {
		if m.os == i {
			return true
		}
	}
	return false
}

// accentMismatch reports whether the surface carries an accent that no name of
// its candidates has at that letter: "cayó" is a verb, not Cayo.
func (x *doc) accentMismatch(m *mention) bool {
	surface := x.body[m.os:m.oe]
	if isASCII(surface) {
		return false // no accent to compare
	}
	accented, n := false, 0
	for _, r := range surface {
		accented = accented || accentLetter(unicode.ToLower(r))
		n++
	}
	if !accented {
		return false
	}
	for _, c := range m.cands {
		if c < 0 {
			return false
		}
		for _, name := range x.g.rawNames[c] {
			if utf8.RuneCountInString(name) != n {
				return false // a name of another length: cannot compare, keep
			}
			if sameAccents(surface, name) {
				return false
			}
		}
	}
	return true
}

// accentLetter reports whether r (lower case) is an accented letter: not ASCII, not ñ.
func accentLetter(r rune) bool { return r >= 0x80 && unicode.IsLetter(r) && r != 'ñ' }

// sameAccents reports whether name, of surface's length in runes, has the
// same letter as surface wherever surface has an accented letter, both
// lower-cased rune by rune (as strings.ToLower does), without allocating.
func sameAccents(surface, name string) bool {
	j := 0
	for _, r := range surface {
		q, size := utf8.DecodeRuneInString(name[j:])
		j += size
		if r = unicode.ToLower(r); accentLetter(r) && unicode.ToLower(q) != r {
			return false
		}
	}
	return true
}

// isDateline reports whether m opens a line as "CIUDAD, 12 ene (EFE).–" or "CIUDAD.–".
func (x *doc) isDateline(m *mention) bool {
	ls := m.fs
	for ls > 0 && x.ft[ls-1] == ' ' {
		ls--
	}
	if ls != 0 && x.ft[ls-1] != '\n' {
		return false
	}
	end := m.fe + 60
	if end > len(x.ft) {
		end = len(x.ft)
	}
	rest := x.ft[m.fe:end]
	dash := strings.IndexAny(rest, "-|")
	if dash < 0 {
		return false
	}
	gap := rest[:dash]
	if strings.ContainsAny(gap, "\n") {
		return false
	}
	surface := x.body[m.os:m.oe]
	allCaps := strings.ToUpper(surface) == surface
	hasAgency := strings.Contains(gap, "(") && strings.Contains(gap, ")")
	hasDate := false
	for _, w := range strings.FieldsFunc(gap, func(r rune) bool { return r == ' ' || r == ',' || r == '.' || r == '(' || r == ')' }) {
		if monthWords[w] {
			hasDate = true
		}
	}
	if len(strings.Fields(gap)) > 8 {
		return false
	}
	return hasAgency || hasDate || allCaps && strings.TrimSpace(strings.Trim(gap, " .,")) == ""
}

// countryVote is a document-country vote total.
type countryVote struct {
	c string
	v float64
}

// candScore is a candidate entry of a mention with its score; sup says the
// candidate has its own support (for the foreign-document filter).
type candScore struct {
	c   int
	s   float64
	sup bool
}

// findCand is the index of entry c in sc, -1 none.
func findCand(sc []candScore, c int) int {
	for k := range sc {
		if sc[k].c == c {
			return k
		}
	}
	return -1
}

// resolve chooses an entry for every mention and marks the focus.
func (x *doc) resolve() {
	g := x.g
	// Filter candidates by trigger words.
	for _, m := range x.ms {
		if m.best == -3 || m.zona != "" || len(m.cands) == 1 && m.cands[0] == -2 {
			continue
		}
		start := len(x.ints)
		keep := func(c int) { x.ints = append(x.ints, c) }
		for _, c := range m.cands {
			lvl := g.entries[c].level
			switch {
			case m.local:
				if lvl == levelLocality {
					keep(c)
				}
			case m.trigger == levelAdmin1:
				if lvl == levelAdmin1 {
					keep(c)
				}
			case m.trigger == levelAdmin2:
				if lvl >= levelAdmin2 {
					keep(c)
				}
			default:
				keep(c)
			}
		}
		kept := x.ints[start:len(x.ints):len(x.ints)]
		if len(kept) == 0 && !m.local {
			kept = m.cands
		}
		m.cands = kept
		if len(kept) == 0 {
			m.best = -3
		}
	}
	unknownLocal := map[string]bool{}
	// Adjacent qualifiers: "Villa Nueva, Guatemala", "Cobán (Alta Verapaz)", "municipio de X, departamento de Y".
	if x.r.hierarchy {
		for i := 0; i+1 < len(x.ms); i++ {
			a, b := x.ms[i], x.ms[i+1]
			if a.best == -3 || b.best == -3 || !qualifierGap(x.ft[a.fe:b.fs]) {
				continue
			}
			if a.zona != "" {
				continue
			}
			bestA, bestB, bestLvl := -1, -1, -1
			for _, ca := range a.cands {
				for _, cb := range b.cands {
					if ca >= 0 && cb >= 0 && g.isAncestor(cb, ca) && g.entries[cb].level > bestLvl {
						bestA, bestB, bestLvl = ca, cb, g.entries[cb].level
					}
				}
			}
			if bestA >= 0 {
				a.qualified = bestA
				a.cands = []int{bestA}
				b.qualifier = true
				b.cands = []int{bestB}
				continue
			}
			// "colonia Cerro Grande, en Tegucigalpa": a neighbourhood whose
			// namesakes all lie outside the place that qualifies it is a
			// neighbourhood of that place.
			if a.local && b.best != -3 {
				inside := false
				for _, ca := range a.cands {
					for _, cb := range b.cands {
						inside = inside || ca >= 0 && cb >= 0 && g.isAncestor(cb, ca)
					}
				}
				if !inside {
					a.best = -3
					b.locative = true
					continue
				}
			}
			// "Santa Elena, Flores": a place the gazetteer lacks, inside a
			// municipality of another country than all of a's candidates: a is that
			// local place and b carries the location.
			if strings.TrimSpace(x.ft[a.fe:b.fs]) == "," && a.zona == "" && len(a.cands) > 0 && a.cands[0] >= 0 {
				aC := map[string]bool{}
				for _, ca := range a.cands {
					aC[g.entries[ca].place.Country] = true
				}
				var keep []int
				abroad := false
				for _, cb := range b.cands {
					if cb >= 0 && g.entries[cb].level >= levelAdmin2 && !aC[g.entries[cb].place.Country] {
						keep = append(keep, cb)
						abroad = abroad || g.entries[cb].level == levelForeign
					}
				}
				// "Escuintla, Chiapas" is a Mexican town, whatever the source.
				if abroad {
					var f []int
					for _, cb := range keep {
						if g.entries[cb].level == levelForeign {
							f = append(f, cb)
						}
					}
					keep = f
				}
				if len(keep) > 0 && (abroad || x.prior != "" && g.entries[keep[0]].place.Country == x.prior) {
					a.best = -3
					unknownLocal[x.ft[a.fs:a.fe]] = true
					b.cands = keep
					b.locative = b.locative || a.locative
				}
			}
		}
	}
	for _, m := range x.ms {
		if unknownLocal[x.ft[m.fs:m.fe]] {
			m.best = -3
		}
	}
	// Lists share a level: "Escuintla, Suchitepéquez y Retalhuleu" are
	// departments because Suchitepéquez can only be one; "Costa Rica y Panamá"
	// are countries.
	if x.r.hierarchy {
		x.listLevels()
	}
	// Document country: votes of unambiguous mentions and the source prior.
	// (a few countries per document: a slice, not a map)
	var votes []countryVote
	vote := func(c string, w float64) {
		for k := range votes {
			if votes[k].c == c {
				votes[k].v += w
				return
			}
		}
		votes = append(votes, countryVote{c, w})
	}
	for _, m := range x.ms {
		if m.best == -3 || m.zona != "" || len(m.cands) == 0 || m.cands[0] < 0 {
			continue
		}
		c0 := g.entries[m.cands[0]].place.Country
		one := true
		for _, c := range m.cands[1:] {
			one = one && g.entries[c].place.Country == c0
		}
		if one {
			w := 1.0
			if m.dateline {
				w = 0.5
			}
			vote(c0, w)
		}
	}
	if x.r.sourcePrior && x.prior != "" {
		vote(x.prior, 1.5)
	}
	docCountry := ""
	bestV := 0.0
	for _, cv := range votes {
		if c, v := cv.c, cv.v; v > bestV || v == bestV && c < docCountry {
			docCountry, bestV = c, v
		}
	}
	// Zonas and "la capital".
	for i, m := range x.ms {
		if m.zona != "" {
			m.cands = x.zonaCands(i, docCountry)
			if len(m.cands) == 0 {
				m.best = -3
			}
			continue
		}
		if len(m.cands) == 1 && m.cands[0] == -2 {
			c, ok := g.capital[docCountry]
			if !ok {
				m.best = -3
				continue
			}
			m.cands = []int{c}
			m.vague = true
		}
	}
	// Entries present in the document (for co-mention of ancestors and
	// descendants), with the mentions that name them; the loops over
	// present.keys do not depend on their order.
	present := &x.present
	present.reset()
	nCands := 0
	for i, m := range x.ms {
		if m.best == -3 {
			continue
		}
		nCands += len(m.cands)
		for _, c := range m.cands {
			present.add(c, i)
		}
	}
	elsewhere := func(c, i int) bool {
		for _, j := range present.of(c) {
			if j != i && x.ft[x.ms[j].fs:x.ms[j].fe] != x.ft[x.ms[i].fs:x.ms[i].fe] {
				return true
			}
		}
		return false
	}
	// scores[i] holds mention i's candidates with their scores (nil: dropped),
	// each distinct candidate once, cut from one buffer for the document.
	scores := append(x.byMent[:0], make([][]candScore, len(x.ms))...)
	buf := slices.Grow(x.scores[:0], nCands)
	x.byMent, x.scores = scores, buf
	for i, m := range x.ms {
		if m.best == -3 {
			continue
		}
		sc := buf[len(buf) : len(buf) : len(buf)+len(m.cands)]
		supported := false
		for _, c := range m.cands {
			e := &g.entries[c]
			s := levelBase[e.level]
			before := supported
			supported = false
			if x.r.population {
				s += 0.08 * e.logPop
			}
			if e.place.Country == docCountry {
				s += 1.0
			}
			if x.r.hierarchy {
				for _, p := range present.keys {
					if g.isAncestor(p, c) && p != e.countryI && elsewhere(p, i) {
						s += 1.0
						supported = true
						break
					}
				}
				// The country named in the same sentence: "Costa Rica recibirá a
				// Jamaica en San José".
				if e.level > levelCountry {
					for _, j := range present.of(e.countryI) {
						if ss, se := x.sentence(m); x.ms[j].fs >= ss && x.ms[j].fe <= se && j != i {
							s += 1.5
							supported = true
							break
						}
					}
				}
				for _, p := range present.keys {
					if ps := present.of(p); g.isAncestor(c, p) && elsewhere(p, i) && len(ps) > 0 && len(x.ms[ps[0]].cands) == 1 {
						s += 0.8
						supported = true
						break
					}
				}
				if m.qualified == c {
					s += 3
					supported = true
				}
			}
			cs := candScore{c: c, s: s, sup: supported || m.qualifier}
			supported = supported || before
			if k := findCand(sc, c); k >= 0 {
				sc[k] = cs
			} else {
				sc = append(sc, cs)
			}
		}
		buf = buf[:len(buf)+len(sc)]
		// In a document about a country the gazetteer does not divide (a Mexican
		// story), a name of the region needs its own support: "San Carlos" or
		// "Arizona" there are not the Costa Rican canton or the Honduran town.
		if x.r.foreignDoc && docCountry != "" && !regional[docCountry] {
			kept := sc[:0]
			for _, cs := range sc {
				if e := &g.entries[cs.c]; regional[e.place.Country] && e.level >= levelAdmin1 && e.level != levelForeign && !cs.sup {
					continue
				}
				kept = append(kept, cs)
			}
			sc = kept
			if len(sc) == 0 {
				m.best = -3
				continue
			}
		}
		if len(sc) > 0 && !m.locative && !supported && !m.qualifier {
			// A municipality or populated place abroad with no locative word and no
			// co-mentioned parent: more likely a common word or surname ("Ola", "Castillo").
			minorAbroad := true
			for _, cs := range sc {
				if e := &g.entries[cs.c]; e.level < levelAdmin2 || e.level == levelForeign || e.place.Country == docCountry {
					minorAbroad = false
				}
			}
			if minorAbroad && docCountry != "" {
				m.best = -3
				continue
			}
		}
		if x.r.commonWords && commonNames[x.ft[m.fs:m.fe]] && !m.locative && !supported && !m.qualifier {
			m.best = -3
			continue
		}
		scores[i] = sc
	}
	// One sense per document: a name resolved by a qualifier or a trigger keeps
	// that sense everywhere; otherwise mentions of the same name share their evidence.
	if x.r.oneSense {
		fixed := map[string]int{}
		for i, m := range x.ms {
			if scores[i] != nil && len(m.cands) == 1 && (m.qualifier || m.qualified >= 0 || m.trigger >= 0) {
				k := x.ft[m.fs:m.fe]
				if _, ok := fixed[k]; !ok {
					fixed[k] = m.cands[0]
				}
			}
		}
		for i, m := range x.ms {
			if c, ok := fixed[x.ft[m.fs:m.fe]]; ok && scores[i] != nil && len(m.cands) > 1 && !m.local {
				if k := findCand(scores[i], c); k >= 0 {
					m.cands = []int{c}
					scores[i] = []candScore{scores[i][k]}
				}
			}
		}

		byName := map[string][]candScore{}
		for i, m := range x.ms {
			if scores[i] == nil || len(m.cands) == 1 || m.zona != "" || m.local {
				continue
			}
			k := x.ft[m.fs:m.fe]
			sum := byName[k]
			if sum == nil {
				sum = make([]candScore, 0, len(scores[i]))
			}
			for _, cs := range scores[i] {
				if j := findCand(sum, cs.c); j >= 0 {
					sum[j].s += cs.s
				} else {
					sum = append(sum, candScore{c: cs.c, s: cs.s})
				}
			}
			byName[k] = sum
		}
		for i, m := range x.ms {
			if scores[i] == nil || len(m.cands) == 1 || m.zona != "" || m.local {
				continue
			}
			scores[i] = byName[x.ft[m.fs:m.fe]]
		}
	}
	for i, m := range x.ms {
		if scores[i] == nil {
			if m.best != -3 {
				m.best = -3
			}
			continue
		}
		best, bs, sum := -1, math.Inf(-1), 0.0
		sc := scores[i]
		// by candidate, as the sum's order (insertion sort: a few candidates;
		// a slice shared through byName is sorted once and stays the same set)
		for a := 1; a < len(sc); a++ {
			for b := a; b > 0 && sc[b].c < sc[b-1].c; b-- {
				sc[b], sc[b-1] = sc[b-1], sc[b]
			}
		}
		for _, cs := range sc {
			c, s := cs.c, cs.s
			sum += s
			if s > bs {
				best, bs = c, s
			}
		}
		m.best = best
		if sum > 0 {
			m.score = bs / sum
		}
	}
}

// regional are the countries whose subdivisions the gazetteer holds.
var regional = map[string]bool{"GT": true, "SV": true, "HN": true, "BZ": true, "CR": true, "PA": true, "DO": true}

var levelBase = map[int]float64{levelCountry: 1.6, levelAdmin1: 0.8, levelAdmin2: 0.7, levelAdmin3: 0.65, levelLocality: 0.3, levelZona: 0.9, levelForeign: 0.9}

// listLevels restricts the names of a coordinated list to the level that one
// of them can only have.
func (x *doc) listLevels() {
	g := x.g
	for i := 0; i < len(x.ms); {
		j := i
		for j+1 < len(x.ms) && listGap(x.ft[x.ms[j].fe:x.ms[j+1].fs]) && !x.ms[j+1].qualifier && x.ms[j].qualified < 0 && x.ms[j+1].qualified < 0 && !x.ms[j].qualifier {
			j++
		}
		if j > i {
			run := x.ms[i : j+1]
			for _, lvl := range []int{levelCountry, levelAdmin1} {
				only := false
				// Every item can be a department: "San Marcos y Quetzaltenango".
				every := true
				for _, m := range run {
					has := false
					for _, c := range m.cands {
						has = has || c >= 0 && g.entries[c].level == lvl
					}
					every = every && has && m.best != -3 && m.zona == ""
				}
				only = every && lvl == levelAdmin1
				for _, m := range run {
					if m.best == -3 || m.zona != "" || len(m.cands) == 0 || m.cands[0] < 0 {
						continue
					}
					all := true
					for _, c := range m.cands {
						if g.entries[c].level != lvl {
							all = false
						}
					}
					only = only || all
				}
				if !only {
					continue
				}
				for _, m := range run {
					if m.best == -3 || m.zona != "" || len(m.cands) == 0 || m.cands[0] < 0 {
						continue
					}
					var keep []int
					for _, c := range m.cands {
						if g.entries[c].level == lvl {
							keep = append(keep, c)
						}
					}
					if len(keep) > 0 {
						m.cands = keep
						m.inList = true
					}
				}
				break
			}
		}
		i = j + 1
	}
}

// listGap reports whether two names are coordinated: ", ", " y ", " e ", ", y ".
func listGap(gap string) bool {
	switch strings.TrimSpace(gap) {
	case ",", "y", "e", ", y", "o", "ni":
		return true
	}
	return false
}

// qualifierGap reports whether the text between two names says the second
// contains the first: ", ", " (", " de ", ", departamento de ", " en el municipio de " …
func qualifierGap(gap string) bool {
	if len(gap) > 45 {
		return false
	}
	for w := range strings.FieldsFuncSeq(gap, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == '-' || r == '.' }) {
		switch w {
		case "de", "del", "departamento", "depto", "provincia", "municipio", "en", "el", "la", "jurisdiccion", "ciudad", "distrito":
		default:
			return false
		}
	}
	return true
}

// zonaCands resolves "zona N" to a Guatemala City zona, or to a zona of the
// metropolitan municipality the text names with it.
func (x *doc) zonaCands(i int, docCountry string) []int {
	g := x.g
	m := x.ms[i]
	if docCountry != "" && docCountry != "GT" {
		return nil
	}
	// "zona 6 de Mixco", "zona 1, Villa Nueva".
	if i+1 < len(x.ms) {
		n := x.ms[i+1]
		if n.best != -3 && qualifierGap(x.ft[m.fe:n.fs]) && len(n.cands) == 1 && n.cands[0] == -2 {
			n.qualifier = true
			if z, ok := g.byID["GT/0101/z"+m.zona]; ok {
				return []int{z}
			}
		}
		if n.best != -3 && qualifierGap(x.ft[m.fe:n.fs]) {
			for _, c := range n.cands {
				if c >= 0 && g.entries[c].level == levelAdmin2 && g.entries[c].place.Country == "GT" {
					if g.entries[c].place.Admin2Code == "0101" {
						break
					}
					n.qualifier = true
					return []int{g.zonaOf(c, m.zona)}
				}
			}
		}
	}
	// Without one: Mixco or Villa Nueva when the same sentence names it and the
	// number is one they have (zonas 1–11), otherwise Guatemala City.
	if x.r.hierarchy {
		if n, err := strconv.Atoi(m.zona); err == nil && n <= 11 {
			s, e := x.sentence(m)
			var muni []int
			for _, o := range x.ms {
				if o.best == -3 || o.zona != "" || o.fs < s || o.fe > e {
					continue
				}
				for _, c := range o.cands {
					if c >= 0 && ownZonas[g.entries[c].id] && !slices.Contains(muni, c) {
						muni = append(muni, c)
					}
				}
			}
			if len(muni) == 1 {
				return []int{g.zonaOf(muni[0], m.zona)}
			}
		}
	}
	if z, ok := g.byID["GT/0101/z"+m.zona]; ok {
		return []int{z}
	}
	return nil
}

// ownZonas are the municipalities whose zonas news name without saying so.
var ownZonas = map[string]bool{"GT/0108": true, "GT/0115": true}

// metroZonas are the municipalities of the Guatemala metropolitan area that
// number their own zonas.
var metroZonas = map[string]bool{"0101": true, "0108": true, "0115": true, "0106": true, "0117": true, "0102": true,
	"0114": true, "0116": true, "0103": true, "0105": true, "0111": true}

// zonaOf returns (creating once) a synthetic entry for zona N of a municipality.
// Entries are created at load time for every metro municipality, so Tag never writes.
func (g *gazetteer) zonaOf(muni int, n string) int {
	if z, ok := g.byID[g.entries[muni].id+"/z"+n]; ok {
		return z
	}
	return muni
}

// output builds the places and picks the focus.
func (x *doc) output() []escucha.Place {
	g := x.g
	var out []escucha.Place
	bestF, bestScore, bestM := -1, math.Inf(-1), -1
	fs := make([]float64, len(x.ms))
	var outMention []int // out index -> mention index
	outIdx := make([]int, len(x.ms))
	entityCount := map[int]int{}
	datelined := map[int]bool{}
	nOut := 0
	for _, m := range x.ms {
		if m.best >= 0 {
			nOut++
			entityCount[m.best]++
			if m.dateline {
				datelined[m.best] = true
			}
		}
	}
	out = make([]escucha.Place, 0, nOut)
	outMention = make([]int, 0, nOut)
	sentenceHasEvent := x.sentenceHasEvent
	for i, m := range x.ms {
		if m.best < 0 {
			continue
		}
		e := &g.entries[m.best]
		p := e.place
		p.Role = escucha.RoleMention
		p.Score = math.Round(m.score*1000) / 1000
		p.Surface = x.body[m.os:m.oe]
		p.Start, p.End = m.os, m.oe
		out = append(out, p)
		outMention = append(outMention, i)
		if m.dateline || m.qualifier {
			continue
		}
		f := focusSpecificity[e.level]
		if m.os < x.titleE {
			f += 2.0
		} else {
			pos := float64(m.os - x.titleE)
			f += math.Max(0, 1-pos/1500)
		}
		if m.locative {
			f += 0.7
		}
		if m.trigger >= 0 {
			f += 0.5
		}
		if m.vague || m.between {
			f -= 1
		}
		if m.origin {
			f -= 2
		}
		if x.r.eventVerbs && x.futureSentence(m) {
			f -= 0.7
		}
		if datelined[m.best] && !m.dateline {
			f += 0.5 // the newsroom's city named again in the story
		}
		if x.r.eventVerbs && sentenceHasEvent(m) {
			f += 1.0
		}
		f += 0.4 * math.Min(3, float64(entityCount[m.best]-1))
		// Support from contained places and from ancestors' mentions.
		for c, n := range entityCount {
			if g.isAncestor(m.best, c) {
				f += 0.3 * float64(n)
			}
		}
		f += 0.2 * m.score
		fs[i] = f
		outIdx[i] = len(out) - 1
		if f > bestScore {
			bestF, bestScore, bestM = len(out)-1, f, i
		}
	}
	// The most specific place of the event: a focus that contains another
	// mentioned place yields to the best of them.
	if bestM >= 0 && x.r.hierarchy {
		top := x.ms[bestM].best
		cand, cs := -1, math.Inf(-1)
		for i, m := range x.ms {
			if fs[i] == 0 || m.best < 0 || !g.isAncestor(top, m.best) {
				continue
			}
			if fs[i] > cs && fs[i] >= bestScore-descendantMargin {
				cand, cs = i, fs[i]
			}
		}
		if cand >= 0 {
			bestF = outIdx[cand]
		}
	}
	if bestF < 0 {
		// Only datelines or qualifiers: the most specific of them.
		for i := range out {
			if bestF < 0 || placeLevel(out[i]) > placeLevel(out[bestF]) {
				bestF = i
			}
		}
	}
	// A country is the focus only of an event reported in the sentence that
	// names it: news about a whole country (policy, economy, national teams)
	// has no focus.
	if bestF >= 0 && x.r.countryFocus {
		if m := x.ms[outMention[bestF]]; g.entries[m.best].level == levelCountry && !x.sentenceHasEvent(m) {
			bestF = -1
		}
	}
	if bestF >= 0 {
		out[bestF].Role = escucha.RoleFocus
	}
	return out
}

// descendantMargin is how much lower a contained place may score and still take the focus.
const descendantMargin = 3.0

// sentenceEnd marks the bytes that end a sentence for sentence (a table: a
// switch on every byte of the text is mispredicted often).
var sentenceEnd = [256]bool{'.': true, '\n': true, '!': true, '?': true}

// sentence returns the folded span of the sentence around m: it starts after
// the last sentence end before m.fs and ends at the first one at or after m.fe
// (or the text's ends). Found by looking around m, once per mention: only the
// mentions' sentences are read, not the whole text.
func (x *doc) sentence(m *mention) (int, int) {
	if m.sentE == 0 { // not yet found (a sentence ends at or after m.fe > 0)
		s := m.fs
		for s > 0 && !sentenceEnd[x.ft[s-1]] {
			s--
		}
		e := m.fe
		for e < len(x.ft) && !sentenceEnd[x.ft[e]] {
			e++
		}
		m.sentS, m.sentE = s, e
	}
	return m.sentS, m.sentE
}

// futureSentence reports whether m's sentence is in the future tense ("será en
// Escuintla", "viajará a Panamá"): a plan, not the reported event.
func (x *doc) futureSentence(m *mention) bool {
	s, e := x.sentence(m)
	for _, f := range x.future {
		if f.start == s {
			return f.v
		}
	}
	os, oe := x.f.Span(s, e)
	v := hasFutureWord(x.body[os:oe])
	x.future = append(x.future, sentMemo{s, v})
	return v
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// futureCutset is trimmed from the end of a word before its ending is read.
const futureCutset = ".,;:)\"'»”"

// hasFutureWord reports whether a word of s (a run of non-space runes, trailing
// futureCutset trimmed) ends in "rá" or "rán": "será", "viajarán".
func hasFutureWord(s string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], "rá")
		if j < 0 {
			return false
		}
		k := i + j + len("rá")
		i = k
		if k < len(s) && s[k] == 'n' {
			k++
		}
		for k < len(s) {
			r, n := utf8.DecodeRuneInString(s[k:])
			if !strings.ContainsRune(futureCutset, r) {
				break
			}
			k += n
		}
		if k == len(s) {
			return true
		}
		if r, _ := utf8.DecodeRuneInString(s[k:]); unicode.IsSpace(r) {
			return true
		}
	}
}

// sentenceHasEvent reports whether the sentence of m reports an event.
func (x *doc) sentenceHasEvent(m *mention) bool {
	s, e := x.sentence(m)
	for _, f := range x.eventMemo {
		if f.start == s {
			return f.v
		}
	}
	// only the sentences of mentions are scanned, not the whole text
	v := x.g.events.anyIn(x.ft, s, e)
	x.eventMemo = append(x.eventMemo, sentMemo{s, v})
	return v
}

var focusSpecificity = map[int]float64{levelCountry: 0, levelAdmin1: 1.5, levelAdmin2: 2.5, levelAdmin3: 2.7, levelLocality: 2.7, levelZona: 3.0, levelForeign: 2.0}

func placeLevel(p escucha.Place) int {
	switch {
	case p.Locality != "":
		return 4
	case p.Admin3 != "":
		return 3
	case p.Admin2 != "":
		return 2
	case p.Admin1 != "":
		return 1
	}
	return 0
}

// presence maps the gazetteer entries named in a document to the mentions
// naming them, in mention order; keys lists the entries in order of first
// mention. Scratch of a doc: reset keeps its tables for the next document.
type presence struct {
	idx   map[int]int // entry -> index in keys
	keys  []int
	ments [][]int // ments[k]: the mentions naming keys[k]
}

func (p *presence) reset() {
	// key by key: clearing the map would cost as much as the largest
	// document it ever held, on every document
	for k, c := range p.keys {
		delete(p.idx, c)
		p.ments[k] = p.ments[k][:0]
	}
	p.keys = p.keys[:0]
}

// add records that mention i names entry c.
func (p *presence) add(c, i int) {
	k, ok := p.idx[c]
	if !ok {
		if p.idx == nil {
			p.idx = map[int]int{}
		}
		k = len(p.keys)
		p.idx[c] = k
		p.keys = append(p.keys, c)
		if k == len(p.ments) {
			p.ments = append(p.ments, nil)
		}
	}
	p.ments[k] = append(p.ments[k], i)
}

// of returns the mentions naming entry c (nil: none).
func (p *presence) of(c int) []int {
	if k, ok := p.idx[c]; ok {
		return p.ments[k]
	}
	return nil
}
