package geo

import (
	"math"
	"sort"
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
	"incautad", "incaut", "victima", "fallecid", "mujer", "hombre", "menor", "joven", "piloto", "ayudante", "tendero", "comerciante"}

// months (folded, with abbreviations) for datelines.
var monthWords = map[string]bool{"ene": true, "enero": true, "feb": true, "febrero": true, "mar": true, "marzo": true,
	"abr": true, "abril": true, "may": true, "mayo": true, "jun": true, "junio": true, "jul": true, "julio": true,
	"ago": true, "agosto": true, "sep": true, "sept": true, "set": true, "septiembre": true, "setiembre": true,
	"oct": true, "octubre": true, "nov": true, "noviembre": true, "dic": true, "diciembre": true}

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
		return titleCase(x.body[:x.titleE])
	}
	return false
}

func titleCase(s string) bool {
	n, up := 0, 0
	for _, w := range strings.Fields(s) {
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
	for mi, m := range x.ms {
		prev := words(x.ft, m.fs, 4)
		last := func(k int) string {
			if len(prev) >= k {
				return prev[len(prev)-k]
			}
			return ""
		}
		p1, p2 := last(1), last(2)
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
		m.locative = locativeWords[p1] || m.trigger >= 0 || p1 == "," && mi > 0 && x.ms[mi-1].fe >= m.fs-3
		if m.zona != "" || len(m.cands) == 1 && m.cands[0] == -2 {
			continue
		}
		// Person names and bigger proper names: "don Mixco", "Juan Flores", "Colegio San José", "Guatemala Visible".
		if x.r.capitalisation {
			caps := x.capsAt(m.os)
			if !caps && !x.isUpperAt(m.os) {
				m.best = -3
				continue
			}
			if titles[p1] {
				m.best = -3
				continue
			}
			if !caps {
				if w, ws, ss := x.prevWordOrig(m.os); w != "" && !ss && x.isUpperAt(ws) && !x.mentionAt(ws) && !triggerAdmin1[lower(w)] && !triggerAdmin2[lower(w)] {
					m.best = -3
					continue
				}
				if w := x.nextWordOrig(m.oe); w != "" && x.isUpperAt(m.oe+1) && !x.mentionAt(m.oe+1) && !connectorCap[lower(w)] {
					m.best = -3
					continue
				}
			}
		}
		if x.r.datelines {
			m.dateline = x.isDateline(m)
		}
	}
}

var connectorCap = map[string]bool{"zona": true, "departamento": true, "municipio": true, "provincia": true}

var instHeads = map[string]bool{"hospital": true, "universidad": true, "colegio": true, "instituto": true, "banco": true,
	"estadio": true, "club": true, "hotel": true, "radio": true, "diario": true, "canal": true, "escuela": true, "liceo": true,
	"iglesia": true, "parroquia": true, "catedral": true, "mercado": true, "juzgado": true, "tribunal": true, "fiscalia": true,
	"sala": true, "centro": true, "sede": true, "consulado": true, "embajada": true, "oficina": true, "penal": true, "carcel": true,
	"hogar": true, "seleccion": true, "equipo": true, "deportivo": true}

func lower(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }

func (x *doc) mentionAt(i int) bool {
	for _, m := range x.ms {
		if m.os == i {
			return true
		}
	}
	return false
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

// resolve chooses an entry for every mention and marks the focus.
func (x *doc) resolve() {
	g := x.g
	// Filter candidates by trigger words.
	for _, m := range x.ms {
		if m.best == -3 || m.zona != "" || len(m.cands) == 1 && m.cands[0] == -2 {
			continue
		}
		var keep []int
		for _, c := range m.cands {
			lvl := g.entries[c].level
			switch {
			case m.local:
				if lvl == levelLocality {
					keep = append(keep, c)
				}
			case m.trigger == levelAdmin1:
				if lvl == levelAdmin1 {
					keep = append(keep, c)
				}
			case m.trigger == levelAdmin2:
				if lvl >= levelAdmin2 {
					keep = append(keep, c)
				}
			default:
				keep = append(keep, c)
			}
		}
		if len(keep) == 0 && !m.local {
			keep = m.cands
		}
		m.cands = keep
		if len(keep) == 0 {
			m.best = -3
		}
	}
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
			}
		}
	}
	// Document country: votes of unambiguous mentions and the source prior.
	votes := map[string]float64{}
	for _, m := range x.ms {
		if m.best == -3 || m.zona != "" || len(m.cands) == 0 || m.cands[0] < 0 {
			continue
		}
		cs := map[string]bool{}
		for _, c := range m.cands {
			cs[g.entries[c].place.Country] = true
		}
		if len(cs) == 1 {
			for c := range cs {
				w := 1.0
				if m.dateline {
					w = 0.5
				}
				votes[c] += w
			}
		}
	}
	if x.r.sourcePrior && x.prior != "" {
		votes[x.prior] += 1.5
	}
	docCountry := ""
	bestV := 0.0
	for c, v := range votes {
		if v > bestV || v == bestV && c < docCountry {
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
		}
	}
	// Entries present in the document (for co-mention of ancestors).
	present := map[int]bool{}
	for _, m := range x.ms {
		if m.best == -3 {
			continue
		}
		for _, c := range m.cands {
			present[c] = true
		}
	}
	scores := make([]map[int]float64, len(x.ms))
	for i, m := range x.ms {
		if m.best == -3 {
			continue
		}
		sc := map[int]float64{}
		supported := false
		for _, c := range m.cands {
			e := &g.entries[c]
			s := levelBase[e.level]
			if x.r.population {
				s += 0.08 * e.logPop
			}
			if e.place.Country == docCountry {
				s += 1.0
			}
			if x.r.hierarchy {
				for p := range present {
					if g.isAncestor(p, c) && p != e.countryI {
						s += 1.0
						supported = true
						break
					}
				}
				if m.qualified == c {
					s += 3
					supported = true
				}
			}
			sc[c] = s
		}
		if x.r.commonWords && commonNames[x.ft[m.fs:m.fe]] && !m.locative && !supported && !m.qualifier {
			m.best = -3
			continue
		}
		scores[i] = sc
	}
	// One sense per document: mentions of the same name share their evidence.
	if x.r.oneSense {
		byName := map[string]map[int]float64{}
		for i, m := range x.ms {
			if scores[i] == nil || m.qualifier || m.qualified >= 0 || m.zona != "" || m.trigger >= 0 || m.local {
				continue
			}
			k := x.ft[m.fs:m.fe]
			if byName[k] == nil {
				byName[k] = map[int]float64{}
			}
			for c, s := range scores[i] {
				byName[k][c] += s
			}
		}
		for i, m := range x.ms {
			if scores[i] == nil || m.qualifier || m.qualified >= 0 || m.zona != "" || m.trigger >= 0 || m.local {
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
		keys := make([]int, 0, len(scores[i]))
		for c := range scores[i] {
			keys = append(keys, c)
		}
		sort.Ints(keys)
		for _, c := range keys {
			s := scores[i][c]
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

var levelBase = map[int]float64{levelCountry: 1.6, levelAdmin1: 0.8, levelAdmin2: 0.7, levelAdmin3: 0.65, levelLocality: 0.3, levelZona: 0.9}

// qualifierGap reports whether the text between two names says the second
// contains the first: ", ", " (", " de ", ", departamento de ", " en el municipio de " …
func qualifierGap(gap string) bool {
	if len(gap) > 45 {
		return false
	}
	for _, w := range strings.FieldsFunc(gap, func(r rune) bool { return r == ' ' || r == ',' || r == '(' || r == '-' || r == '.' }) {
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
	// Without one: the metropolitan municipality the document names (one sense
	// per document), otherwise Guatemala City.
	if x.r.hierarchy {
		var muni []int
		seen := map[int]bool{}
		for _, o := range x.ms {
			if o.best == -3 || o.zona != "" {
				continue
			}
			for _, c := range o.cands {
				if c >= 0 && metroZonas[g.entries[c].place.Admin2Code] && g.entries[c].place.Country == "GT" && g.entries[c].level == levelAdmin2 && !seen[c] {
					seen[c] = true
					muni = append(muni, c)
				}
			}
		}
		if len(muni) == 1 && g.entries[muni[0]].place.Admin2Code != "0101" {
			return []int{g.zonaOf(muni[0], m.zona)}
		}
	}
	if z, ok := g.byID["GT/0101/z"+m.zona]; ok {
		return []int{z}
	}
	return nil
}

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
	type cand struct {
		mi    int
		score float64
	}
	var out []escucha.Place
	bestF, bestScore := -1, math.Inf(-1)
	entityCount := map[int]int{}
	for _, m := range x.ms {
		if m.best >= 0 {
			entityCount[m.best]++
		}
	}
	sentenceHasEvent := func(m *mention) bool {
		s := m.fs
		for s > 0 && !strings.ContainsRune(".\n!?", rune(x.ft[s-1])) {
			s--
		}
		e := m.fe
		for e < len(x.ft) && !strings.ContainsRune(".\n!?", rune(x.ft[e])) {
			e++
		}
		sent := x.ft[s:e]
		for _, st := range eventStems {
			if strings.Contains(sent, st) {
				return true
			}
		}
		return false
	}
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
		if m.dateline || m.qualifier {
			continue
		}
		f := focusSpecificity[e.level]
		if m.os < x.titleE {
			f += 1.5
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
		if m.instit {
			f -= 1
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
		f += 0.5 * m.score
		_ = i
		if f > bestScore {
			bestF, bestScore = len(out)-1, f
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
	if bestF >= 0 {
		out[bestF].Role = escucha.RoleFocus
	}
	return out
}

var focusSpecificity = map[int]float64{levelCountry: 0, levelAdmin1: 1.0, levelAdmin2: 2.0, levelAdmin3: 2.2, levelLocality: 2.2, levelZona: 2.5}

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
