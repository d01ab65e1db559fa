package geo

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp/textfold"
)

//go:embed data/places.tsv data/aliases.tsv
var dataFS embed.FS

// Levels of a gazetteer entry, from least to most specific.
const (
	levelCountry = iota
	levelAdmin1
	levelAdmin2
	levelAdmin3
	levelLocality
	levelZona
	levelForeign // a city or state abroad, output at country level
)

var levelNames = map[string]int{"country": levelCountry, "admin1": levelAdmin1, "admin2": levelAdmin2,
	"admin3": levelAdmin3, "locality": levelLocality, "zona": levelZona, "foreign": levelForeign}

// entry is one gazetteer place.
type entry struct {
	id       string
	level    int
	place    escucha.Place // country…locality, lat/lon; role/score/surface/offsets empty
	pop      int64
	logPop   float64
	parent1  int // index of the admin1 entry, -1 if none
	parent2  int // index of the admin2 entry, -1 if none
	countryI int // index of the country entry
	curated  bool
}

// gazetteer holds the entries and the matcher over their folded names.
type gazetteer struct {
	entries  []entry
	byID     map[string]int
	patterns []string // folded names
	cands    [][]int  // pattern -> entry indices
	patIndex map[string]int
	matcher  *wordMatcher
	capital  map[string]int // country -> entry of its capital municipality
	rawNames map[int][]string
	instit   map[int]bool // patterns that are institution names, not places
	events   *stemScanner
}

func loadGazetteer(aliasesFile string) (*gazetteer, error) {
	g := &gazetteer{byID: map[string]int{}, patIndex: map[string]int{}, capital: map[string]int{}, rawNames: map[int][]string{}, instit: map[int]bool{}}
	b, err := dataFS.ReadFile("data/places.tsv")
	if err != nil {
		return nil, err
	}
	if err := g.readPlaces(bytes.NewReader(b)); err != nil {
		return nil, fmt.Errorf("places.tsv: %w", err)
	}
	b, err = dataFS.ReadFile("data/aliases.tsv")
	if err != nil {
		return nil, err
	}
	if err := g.readAliases(bytes.NewReader(b), true); err != nil {
		return nil, fmt.Errorf("aliases.tsv: %w", err)
	}
	if err := g.readAliases(strings.NewReader(builtinAliases), false); err != nil {
		return nil, fmt.Errorf("builtin aliases: %w", err)
	}
	if aliasesFile != "" {
		f, err := os.Open(aliasesFile)
		if err != nil {
			return nil, fmt.Errorf("open aliases: %w", err)
		}
		defer f.Close()
		if err := g.readAliases(f, false); err != nil {
			return nil, fmt.Errorf("aliases %s: %w", aliasesFile, err)
		}
	}
	g.link()
	// Institution names go into the same automaton: being longer than the place
	// names inside them, they claim their span first and mask those names.
	for _, n := range institutionNames {
		k := normName(n)
		p, ok := g.patIndex[k]
		if !ok {
			p = len(g.patterns)
			g.patIndex[k] = p
			g.patterns = append(g.patterns, k)
			g.cands = append(g.cands, nil)
		}
		g.instit[p] = true
	}
	g.matcher = newWordMatcher(g.patterns)
	g.events = newStemScanner(eventStems)
	return g, nil
}

func (g *gazetteer) readPlaces(r io.Reader) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		t := sc.Text()
		if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "id\t") {
			continue
		}
		f := strings.Split(t, "\t")
		if len(f) != 13 {
			return fmt.Errorf("line %d: %d fields, want 13", line, len(f))
		}
		lvl, ok := levelNames[f[1]]
		if !ok {
			return fmt.Errorf("line %d: unknown level %q", line, f[1])
		}
		e := entry{id: f[0], level: lvl, parent1: -1, parent2: -1, countryI: -1}
		e.place = escucha.Place{Country: f[2], Admin1: f[3], Admin1Code: f[4], Admin2: f[5], Admin2Code: f[6], Admin3: f[7], Locality: f[8]}
		if f[9] != "" {
			e.place.Lat, _ = strconv.ParseFloat(f[9], 64)
			e.place.Lon, _ = strconv.ParseFloat(f[10], 64)
		}
		e.pop, _ = strconv.ParseInt(f[11], 10, 64)
		e.logPop = math.Log10(float64(e.pop) + 1)
		idx := len(g.entries)
		g.entries = append(g.entries, e)
		g.byID[e.id] = idx
		for _, n := range strings.Split(f[12], "|") {
			g.addName(n, idx)
		}
	}
	return sc.Err()
}

// readAliases reads "id<TAB>alias[<TAB>source]" lines.
func (g *gazetteer) readAliases(r io.Reader, header bool) error {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") || (header && strings.HasPrefix(t, "id\t")) {
			continue
		}
		f := strings.Split(t, "\t")
		if len(f) < 2 {
			return fmt.Errorf("line %d: want id<TAB>alias", line)
		}
		idx, ok := g.byID[f[0]]
		if !ok {
			return fmt.Errorf("line %d: unknown id %q", line, f[0])
		}
		if len(f) > 2 && strings.HasPrefix(f[2], "curated") {
			g.entries[idx].curated = true
		}
		g.addName(f[1], idx)
	}
	return sc.Err()
}

func (g *gazetteer) addName(name string, idx int) {
	g.rawNames[idx] = append(g.rawNames[idx], name)
	k := normName(name)
	if len(k) < 3 {
		return
	}
	p, ok := g.patIndex[k]
	if !ok {
		p = len(g.patterns)
		g.patIndex[k] = p
		g.patterns = append(g.patterns, k)
		g.cands = append(g.cands, nil)
	}
	for _, c := range g.cands[p] {
		if c == idx {
			return
		}
	}
	g.cands[p] = append(g.cands[p], idx)
}

// normName folds a name and collapses its spaces, as the text is folded.
func normName(s string) string { return strings.Join(strings.Fields(textfold.String(s)), " ") }

// link fills the parent indices of every entry.
func (g *gazetteer) link() {
	a1 := map[string]int{}
	a2 := map[string]int{}
	for i, e := range g.entries {
		switch e.level {
		case levelAdmin1:
			a1[e.place.Admin1Code] = i
		case levelAdmin2:
			a2[e.place.Country+"|"+e.place.Admin1Code+"|"+e.place.Admin2] = i
		}
	}
	for i := range g.entries {
		e := &g.entries[i]
		e.countryI = g.byID[e.place.Country]
		if e.level > levelAdmin1 {
			if p, ok := a1[e.place.Admin1Code]; ok {
				e.parent1 = p
			}
		}
		if e.level > levelAdmin2 && e.place.Admin2 != "" {
			if p, ok := a2[e.place.Country+"|"+e.place.Admin1Code+"|"+e.place.Admin2]; ok {
				e.parent2 = p
			}
		}
	}
	// Zonas of the metropolitan municipalities that number their own.
	// Zonas of the metropolitan municipalities and of the department seats
	// ("zona 3 de Quetzaltenango"), which number their own.
	zonaMunis := map[string]bool{}
	for code := range metroZonas {
		zonaMunis[code] = true
	}
	for _, e := range g.entries {
		if e.level == levelAdmin2 && e.place.Country == "GT" && strings.HasSuffix(e.place.Admin2Code, "01") {
			zonaMunis[e.place.Admin2Code] = true
		}
	}
	for code := range zonaMunis {
		if code == "0101" {
			continue
		}
		mi, ok := g.byID["GT/"+code]
		if !ok {
			continue
		}
		for z := 1; z <= 25; z++ {
			e := g.entries[mi]
			e.id = fmt.Sprintf("%s/z%d", e.id, z)
			e.level = levelZona
			e.parent1, e.parent2 = g.entries[mi].parent1, mi
			e.place.Locality = fmt.Sprintf("Zona %d", z)
			g.byID[e.id] = len(g.entries)
			g.entries = append(g.entries, e)
		}
	}
	for c, id := range capitals {
		if i, ok := g.byID[id]; ok {
			g.capital[c] = i
		}
	}
}

// isAncestor reports whether entry a contains entry b (a != b).
func (g *gazetteer) isAncestor(a, b int) bool {
	if a == b {
		return false
	}
	eb := &g.entries[b]
	ea := &g.entries[a]
	switch ea.level {
	case levelCountry:
		return eb.level > levelCountry && eb.place.Country == ea.place.Country
	case levelAdmin1:
		return eb.parent1 == a
	case levelAdmin2:
		return eb.parent2 == a
	}
	return false
}

// capitals maps a country to the gazetteer id of its capital's municipality
// (the target of "la capital", "ciudad capital").
var capitals = map[string]string{
	"GT": "GT/0101",
	"HN": "HN/0801",
	"SV": "SV/SV-SS/San Salvador Centro/San Salvador",
	"CR": "CR/101",
	"PA": "PA/0808",
	"DO": "DO/0101",
}

// builtinAliases are names the generated data lacks: hand-written by the
// escucha authors (general knowledge; verify), in the aliases-file format.
const builtinAliases = `
US	Estados Unidos	curated
US	EE. UU.	curated
US	EE.UU.	curated
US	EEUU	curated
US	EUA	curated
US	Norteamérica	curated
GB	Reino Unido	curated
GT/0101	Ciudad de Guatemala	curated
GT/0101	Guatemala City	curated
SV/SV-SS/San Salvador Centro/San Salvador	Ciudad de San Salvador	curated
HN/0801	Distrito Central	curated
HN/0501	San Pedro Sula	curated
CR/101	Ciudad de San José	curated
PA/0808	Ciudad de Panamá	curated
DO/0101	Ciudad de Santo Domingo	curated
GT/1701	Isla de Flores	curated
GT/0917	Colomba Costa Cuca	curated
DO/2501	Santiago	curated
DO/2201	San Juan	curated
GT/0101/z1	Sexta Avenida	curated
GT/0101/z1	Paseo de la Sexta	curated
GT/0101/z1	Plaza de la Constitución	curated
GT/0101/z10	Zona Viva	curated
GT/0101/z13	Aeropuerto La Aurora	curated
GT/0101/z13	Aeropuerto Internacional La Aurora	curated
CR/101	La Sabana	curated
CR/101	Parque La Sabana	curated
GT/0301	Antigua Guatemala	curated
`
