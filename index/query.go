package index

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search/query"
	vregexp "github.com/blevesearch/vellum/regexp"

	"github.com/infosegura/escucha"
)

// MaxQueryLen bounds the query string an analyst (or a URL) can send.
const MaxQueryLen = 2000

// fieldNames maps the names an analyst may write before ':' (English and Spanish)
// to index fields.
var fieldNames = map[string]string{
	"title": fTitle, "titulo": fTitle, "text": fText, "texto": fText,
	"category": escucha.FacetCategory, "categoria": escucha.FacetCategory,
	"framing": escucha.FacetFraming, "encuadre": escucha.FacetFraming,
	"campaign": escucha.FacetCampaign, "campana": escucha.FacetCampaign,
	"country": escucha.FacetCountry, "pais": escucha.FacetCountry,
	"admin1": escucha.FacetAdmin1, "departamento": escucha.FacetAdmin1,
	"admin2": escucha.FacetAdmin2, "municipio": escucha.FacetAdmin2,
	"source": escucha.FacetSource, "medio": escucha.FacetSource, "fuente": escucha.FacetSource,
	"platform": escucha.FacetPlatform, "plataforma": escucha.FacetPlatform,
	"kind": escucha.FacetKind, "tipo": escucha.FacetKind,
	"lang": escucha.FacetLang, "idioma": escucha.FacetLang,
	"cluster_id": escucha.FacetCluster, "caso": escucha.FacetCluster,
	"dup_of":    fDupKey,
	"published": fPublished, "fecha": fPublished,
	"engagement": fEngagement, "interacciones": fEngagement,
	"views": fViews, "vistas": fViews, "version": fVersion,
}

// lowerIDs are keyword fields whose values are lower-case ids.
var lowerIDs = map[string]bool{escucha.FacetCategory: true, escucha.FacetFraming: true,
	escucha.FacetCampaign: true, escucha.FacetPlatform: true, escucha.FacetKind: true,
	escucha.FacetLang: true}

func isFolded(field string) bool {
	for _, f := range foldedFields {
		if f == field {
			return true
		}
	}
	return false
}

func isKeyword(field string) bool {
	for _, f := range keywordFields {
		if f == field {
			return true
		}
	}
	return false
}

// textAnalyzer is the text fields' analyzer (after init has registered it).
var textAnalyzer = sync.OnceValue(func() analysis.Analyzer {
	a, err := registry.NewCache().AnalyzerNamed(analyzerText)
	if err != nil {
		panic(err) // registered in init
	}
	return a
})

// parseQueryString parses Bleve's query-string syntax and rewrites it for this
// index: bare words search title (boosted) or text — in format 5 (body), the body
// field that holds both, with the title's words raising the score; keyword fields
// match exactly (names of places and sources with accents and case folded);
// wildcard, prefix and regexp patterns are folded like the indexed terms; words
// that analyse to nothing (stop words) are dropped; and, unless anyWord, bare
// words are all required. An empty string returns nil (match everything).
func parseQueryString(s string, anyWord, body bool) (query.Query, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if len(s) > MaxQueryLen {
		return nil, escucha.Errorf(escucha.EInvalid, "query longer than %d bytes", MaxQueryLen)
	}
	parsed, err := query.NewQueryStringQuery(s).Parse()
	if err != nil {
		return nil, escucha.Errorf(escucha.EInvalid, "consulta no válida: %s", firstLine(err.Error()))
	}
	bq, ok := parsed.(*query.BooleanQuery)
	if !ok {
		return nil, escucha.Errorf(escucha.EInvalid, "unexpected query %T", parsed)
	}
	var must, should, mustNot, boosts []query.Query
	collect := func(q query.Query, into *[]query.Query, role clauseRole) error {
		var parts []query.Query
		switch c := q.(type) {
		case nil:
			return nil
		case *query.ConjunctionQuery:
			parts = c.Conjuncts
		case *query.DisjunctionQuery:
			parts = c.Disjuncts
		default:
			parts = []query.Query{c}
		}
		rw := rewriter{body: body, role: role, boosts: &boosts}
		for _, p := range parts {
			r, err := rw.rewrite(p)
			if err != nil {
				return err
			}
			if r != nil {
				*into = append(*into, r)
			}
		}
		return nil
	}
	shouldRole := required
	if anyWord {
		shouldRole = optional
	}
	if err := collect(bq.Must, &must, required); err != nil {
		return nil, err
	}
	if err := collect(bq.Should, &should, shouldRole); err != nil {
		return nil, err
	}
	if err := collect(bq.MustNot, &mustNot, excluded); err != nil {
		return nil, err
	}
	if !anyWord {
		must, should = append(must, should...), nil
	}
	if len(must) == 0 && len(should) == 0 {
		if len(mustNot) == 0 {
			return nil, nil // only stop words: everything
		}
		must = []query.Query{query.NewMatchAllQuery()}
	}
	// The title boosts are optional clauses: with a required clause they only
	// raise the score; without one, each implies its word's body clause, so the
	// matches stay those of the words.
	out := query.NewBooleanQuery(must, append(should, boosts...), mustNot)
	if err := out.Validate(); err != nil {
		return nil, escucha.Errorf(escucha.EInvalid, "consulta no válida: %v", err)
	}
	return out, nil
}

// clauseRole is what a clause is to the query: required, optional or excluded.
type clauseRole int

const (
	required clauseRole = iota
	optional
	excluded
)

// rewriter adapts parsed clauses to the index format.
type rewriter struct {
	body bool // format 5: words are searched in body
	role clauseRole
	// boosts collects, for required words on body, the same words on the title
	// (boost 2), so that a title match still ranks higher.
	boosts *[]query.Query
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// field resolves a field name written in a query.
func field(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	f, ok := fieldNames[fold(name)]
	if !ok {
		known := make([]string, 0, len(fieldNames))
		for k := range fieldNames {
			known = append(known, k)
		}
		sort.Strings(known)
		return "", escucha.Errorf(escucha.EInvalid, "campo desconocido %q (campos: %s)", name,
			strings.Join(known, ", "))
	}
	return f, nil
}

// analysesToNothing reports whether text has no indexable word (only stop words).
func analysesToNothing(text string) bool { return len(textAnalyzer().Analyze([]byte(text))) == 0 }

// titleBoost is the weight of a word found in the title.
const titleBoost = 2

// unfielded is an unfielded word or phrase: title (boosted) or text in format 4;
// in format 5, body, with the title clause beside it (in the query's optional
// clauses when required, in a disjunction when optional, left out when excluded).
func (rw rewriter) unfielded(mk func(field string) query.Query) query.Query {
	title := func() query.Query {
		t := mk(fTitle)
		if b, ok := t.(query.BoostableQuery); ok {
			b.SetBoost(titleBoost)
		}
		return t
	}
	if !rw.body {
		return query.NewDisjunctionQuery([]query.Query{title(), mk(fText)})
	}
	switch rw.role {
	case required:
		*rw.boosts = append(*rw.boosts, title())
		return mk(fBody)
	case optional:
		return query.NewDisjunctionQuery([]query.Query{title(), mk(fBody)})
	}
	return mk(fBody)
}

// textWords is the field that holds the text's words: body in format 5.
func (rw rewriter) textWords() string {
	if rw.body {
		return fBody
	}
	return fText
}

// rewrite adapts one parsed clause; nil drops it.
func (rw rewriter) rewrite(q query.Query) (query.Query, error) {
	switch c := q.(type) {
	case *query.MatchQuery:
		f, err := field(c.FieldVal)
		if err != nil {
			return nil, err
		}
		switch {
		case f == "" || f == fTitle || f == fText:
			if analysesToNothing(c.Match) {
				return nil, nil
			}
			mk := func(field string) query.Query {
				m := *c
				m.FieldVal = field
				m.Operator = query.MatchQueryOperatorAnd
				return &m
			}
			switch f {
			case "":
				return rw.unfielded(mk), nil
			case fText:
				return mk(rw.textWords()), nil
			}
			return mk(f), nil
		case isFolded(f):
			return term(folded(f), fold(c.Match)), nil
		case lowerIDs[f]:
			return term(f, strings.ToLower(c.Match)), nil
		case isKeyword(f):
			return term(f, c.Match), nil
		}
		// numeric and date fields answer to ranges, not words
		return nil, escucha.Errorf(escucha.EInvalid, "el campo %s admite rangos (%s:>N), no palabras",
			c.FieldVal, c.FieldVal)
	case *query.MatchPhraseQuery:
		f, err := field(c.FieldVal)
		if err != nil {
			return nil, err
		}
		if analysesToNothing(c.MatchPhrase) && (f == "" || f == fTitle || f == fText) {
			return nil, nil
		}
		phrase := func(field string) query.Query {
			m := *c
			m.FieldVal = field
			return &m
		}
		switch {
		case f == "":
			return rw.unfielded(phrase), nil
		case f == fText:
			return phrase(rw.textWords()), nil
		case isFolded(f):
			return term(folded(f), fold(c.MatchPhrase)), nil
		case lowerIDs[f]:
			return term(f, strings.ToLower(c.MatchPhrase)), nil
		case isKeyword(f):
			return term(f, c.MatchPhrase), nil
		}
		m := *c
		m.FieldVal = f
		return &m, nil
	case *query.WildcardQuery:
		return rw.pattern(c.FieldVal, c.Wildcard, func(field, p string) query.Query {
			w := query.NewWildcardQuery(p)
			w.SetField(field)
			return w
		})
	case *query.RegexpQuery:
		if _, err := vregexp.New(fold(c.Regexp)); err != nil {
			return nil, escucha.Errorf(escucha.EInvalid, "expresión regular no válida: %v", err)
		}
		return rw.pattern(c.FieldVal, c.Regexp, func(field, p string) query.Query {
			r := query.NewRegexpQuery(p)
			r.SetField(field)
			return r
		})
	case *query.NumericRangeQuery:
		if c.FieldVal == "" {
			return nil, nil // a bare number also yields a word clause; keep that one
		}
		f, err := field(c.FieldVal)
		if err != nil {
			return nil, err
		}
		if f != fEngagement && f != fViews && f != fVersion {
			return nil, nil // "campo:2024" on a keyword: the word clause beside it matches
		}
		r := *c
		r.FieldVal = f
		return &r, nil
	case *query.DateRangeQuery:
		f, err := field(c.FieldVal)
		if err != nil {
			return nil, err
		}
		if f != fPublished {
			return nil, escucha.Errorf(escucha.EInvalid, "el campo %s no es una fecha", c.FieldVal)
		}
		r := *c
		r.FieldVal = f
		return &r, nil
	case *query.DisjunctionQuery:
		var parts []query.Query
		sub := rw
		if sub.role == required {
			sub.role = optional
		}
		for _, p := range c.Disjuncts {
			r, err := sub.rewrite(p)
			if err != nil {
				return nil, err
			}
			if r != nil {
				parts = append(parts, r)
			}
		}
		switch len(parts) {
		case 0:
			return nil, nil
		case 1:
			return parts[0], nil
		}
		return query.NewDisjunctionQuery(parts), nil
	case *query.BooleanQuery, *query.ConjunctionQuery:
		return nil, escucha.Errorf(escucha.EInvalid, "unexpected nested query %T", q)
	}
	return nil, escucha.Errorf(escucha.EInvalid, "unsupported query %T", q)
}

// pattern rewrites a wildcard or regexp clause: folded like the indexed terms, on
// title or text when unfielded, on the folded twin of place and source names.
func (rw rewriter) pattern(fieldName, p string, mk func(field, p string) query.Query) (query.Query, error) {
	f, err := field(fieldName)
	if err != nil {
		return nil, err
	}
	switch {
	case f == "" && rw.body:
		return mk(fBody, fold(p)), nil
	case f == "":
		fp := fold(p)
		return query.NewDisjunctionQuery([]query.Query{mk(fTitle, fp), mk(fText, fp)}), nil
	case f == fText:
		return mk(rw.textWords(), fold(p)), nil
	case f == fTitle:
		return mk(f, fold(p)), nil
	case isFolded(f):
		return mk(folded(f), fold(p)), nil
	case lowerIDs[f]:
		return mk(f, strings.ToLower(p)), nil
	case isKeyword(f):
		return mk(f, p), nil
	}
	return nil, escucha.Errorf(escucha.EInvalid, "el campo %s no admite comodines", fieldName)
}

func term(field, value string) query.Query {
	t := query.NewTermQuery(value)
	t.SetField(field)
	return t
}

func dateRange(from, to time.Time) query.Query {
	incl, excl := true, false
	var fp, tp *bool
	if !from.IsZero() {
		fp = &incl
	}
	if !to.IsZero() {
		tp = &excl
	}
	r := query.NewDateRangeInclusiveQuery(from, to, fp, tp)
	r.SetField(fPublished)
	return r
}

// anyOf matches any of values in field (nil when values is empty).
func anyOf(field string, values []string, norm func(string) string) query.Query {
	var qs []query.Query
	for _, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			qs = append(qs, term(field, norm(v)))
		}
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewDisjunctionQuery(qs)
}

func same(s string) string { return s }

// filters builds the structured filters of req (nil when none). withDates false
// leaves the date range out (the chosen months lie inside it).
func filters(req *escucha.SearchRequest, withDates bool) query.Query {
	var qs []query.Query
	add := func(q query.Query) {
		if q != nil {
			qs = append(qs, q)
		}
	}
	if withDates && (!req.From.IsZero() || !req.To.IsZero()) {
		add(dateRange(req.From, req.To))
	}
	add(anyOf(escucha.FacetCategory, req.Categories, strings.ToLower))
	add(anyOf(escucha.FacetFraming, req.Framing, strings.ToLower))
	add(anyOf(escucha.FacetCampaign, req.Campaigns, strings.ToLower))
	add(anyOf(escucha.FacetCountry, req.Countries, strings.ToUpper))
	add(anyOf(folded(escucha.FacetAdmin1), req.Admin1, fold))
	add(anyOf(folded(escucha.FacetAdmin2), req.Admin2, fold))
	add(anyOf(folded(escucha.FacetSource), req.Sources, fold))
	add(anyOf(escucha.FacetPlatform, req.Platforms, strings.ToLower))
	add(anyOf(escucha.FacetKind, req.Kinds, strings.ToLower))
	add(anyOf(escucha.FacetLang, req.Langs, strings.ToLower))
	add(anyOf(escucha.FacetCluster, req.Clusters, same))
	if b := req.BBox; b != nil {
		g := query.NewGeoBoundingBoxQuery(b.West, b.North, b.East, b.South)
		g.SetField(fGeo)
		add(g)
	}
	if n := req.Near; n != nil {
		g := query.NewGeoDistanceQuery(n.Lon, n.Lat, fmt.Sprintf("%gkm", n.Km))
		g.SetField(fGeo)
		add(g)
	}
	switch len(qs) {
	case 0:
		return nil
	case 1:
		return qs[0]
	}
	return query.NewConjunctionQuery(qs)
}

// combine is text AND filter; nil parts are left out. The filter is a conjunct
// with every clause boosted to zero, not Bleve's BooleanQuery.Filter: Bleve lets
// the text query drive a Filter, scoring every text match and then testing it
// ("mujer" in Guatemala in May–June scored 25 000 documents to keep 5 500), while
// a conjunction leapfrogs on the rarest clause. Zero-boosted clauses add nothing
// to the score nor to the query norm, so scores and order are the text query's
// (TestFilterKeepsScores).
func combine(text, filter query.Query) query.Query {
	switch {
	case text == nil && filter == nil:
		return query.NewMatchAllQuery()
	case text == nil:
		return filter
	case filter == nil:
		return text
	}
	return query.NewConjunctionQuery([]query.Query{text, unscored(filter)})
}

// unscored sets a boost of zero on every leaf of a filter query (filters are
// built here, so their types are known) and returns it.
func unscored(q query.Query) query.Query {
	switch c := q.(type) {
	case *query.ConjunctionQuery:
		for _, sub := range c.Conjuncts {
			unscored(sub)
		}
	case *query.DisjunctionQuery:
		for _, sub := range c.Disjuncts {
			unscored(sub)
		}
	case *query.BooleanQuery:
		for _, sub := range []query.Query{c.Must, c.Should, c.Filter} {
			if sub != nil {
				unscored(sub)
			}
		}
	case query.BoostableQuery:
		c.SetBoost(0)
	}
	return q
}

func sortStrings(s []string) { sort.Strings(s) }
