package index

import (
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/single"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"

	"github.com/infosegura/escucha/nlp/textfold"
)

// Names under which the analysis is registered with Bleve; the mapping stored in
// every shard refers to them, so they must never change meaning.
const (
	foldFilterName      = "escucha_fold"
	stemFilterName      = "escucha_stem_es_light" // = stemmer_es_light, fewer allocations
	variantFilterName   = "escucha_variants_es"   // regional variants of one word, after stemming
	wordTokenizerName   = "escucha_words"
	analyzerKeywordFold = "escucha_kwfold"

	// Version 3 (new shards): version 2 plus the regional variants filter, so that
	// "feminicidio" finds "femicidio" and the reverse.
	analyzerText  = "escucha_es_3"    // words: lower, stop, fold, light stem, variants
	analyzerTerms = "escucha_terms_2" // words: lower, stop, fold (significant terms)

	// Version 2: the same filters after wordTokenizer, which splits words like the
	// UAX #29 "unicode" tokenizer of version 1, 4x faster. Kept for its shards.
	analyzerTextV2 = "escucha_es_2" // words: lower, stop, fold, light stem

	// Version 1, kept registered for shards created before version 2.
	analyzerTextV1  = "escucha_es"
	analyzerTermsV1 = "escucha_terms"
)

// foldFilter folds accents, case and typographic variants with nlp/textfold, so
// "extorsión", "Extorsion" and "EXTORSIÓN" are one term; offsets stay those of the
// original text (highlights mark the accented word).
type foldFilter struct{}

func (foldFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	var buf [16]byte
	for _, tok := range in {
		ascii := true
		for _, c := range tok.Term {
			if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
				ascii = false
				break
			}
		}
		if ascii {
			continue
		}
		out := make([]byte, 0, len(tok.Term))
		for t := tok.Term; len(t) > 0; {
			r, n := utf8.DecodeRune(t)
			t = t[n:]
			out = append(out, textfold.FoldRune(r, buf[:0])...)
		}
		tok.Term = out
	}
	return in
}

// variants maps the stem of a regional variant to the stem the index keeps, for
// words that name one thing under two spellings across the seven countries. A
// query is analysed like the text, so either spelling finds both. Only true
// equivalents belong here (not related words: "mara" is not "pandilla").
var variants = []struct{ from, to string }{
	// Guatemala, Costa Rica, Honduras, Panama and the Dominican Republic say
	// femicidio; El Salvador and Mexico feminicidio: one crime, one term.
	{"feminicid", "femicid"},
}

// variantFilter rewrites a (folded, stemmed) term that starts with a variant's stem.
type variantFilter struct{}

func (variantFilter) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, tok := range in {
		for _, v := range variants {
			if len(tok.Term) >= len(v.from) && string(tok.Term[:len(v.from)]) == v.from {
				tok.Term = append([]byte(v.to), tok.Term[len(v.from):]...)
				break
			}
		}
	}
	return in
}

// fold folds a keyword the way analyzerKeywordFold does.
func fold(s string) string { return textfold.String(s) }

func init() {
	must := func(err error) {
		if err != nil {
			panic(err)
		}
	}
	must(registry.RegisterTokenFilter(foldFilterName,
		func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
			return foldFilter{}, nil
		}))
	must(registry.RegisterTokenFilter(variantFilterName,
		func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
			return variantFilter{}, nil
		}))
	must(registry.RegisterTokenizer(wordTokenizerName,
		func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
			return wordTokenizer{}, nil
		}))
	must(registry.RegisterTokenFilter(stemFilterName,
		func(_ map[string]interface{}, cache *registry.Cache) (analysis.TokenFilter, error) {
			f, err := cache.TokenFilterNamed(es.LightStemmerName)
			if err != nil {
				return nil, err
			}
			return lightStem{fallback: f}, nil
		}))
	words := func(tokenizer string, after ...string) registry.AnalyzerConstructor {
		return func(_ map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
			tok, err := cache.TokenizerNamed(tokenizer)
			if err != nil {
				return nil, err
			}
			names := append([]string{lowercase.Name, es.StopName, foldFilterName}, after...)
			a := &analysis.DefaultAnalyzer{Tokenizer: tok}
			for _, n := range names {
				f, err := cache.TokenFilterNamed(n)
				if err != nil {
					return nil, err
				}
				a.TokenFilters = append(a.TokenFilters, f)
			}
			return a, nil
		}
	}
	must(registry.RegisterAnalyzer(analyzerText, words(wordTokenizerName, stemFilterName, variantFilterName)))
	must(registry.RegisterAnalyzer(analyzerTextV2, words(wordTokenizerName, stemFilterName)))
	must(registry.RegisterAnalyzer(analyzerTerms, words(wordTokenizerName)))
	must(registry.RegisterAnalyzer(analyzerTextV1, words(unicode.Name, es.LightStemmerName)))
	must(registry.RegisterAnalyzer(analyzerTermsV1, words(unicode.Name)))
	must(registry.RegisterAnalyzer(analyzerKeywordFold,
		func(_ map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
			tok, err := cache.TokenizerNamed(single.Name)
			if err != nil {
				return nil, err
			}
			f, err := cache.TokenFilterNamed(foldFilterName)
			if err != nil {
				return nil, err
			}
			return &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: []analysis.TokenFilter{f}}, nil
		}))
}

// termStream runs one of our registered analyzers token by token: the same
// tokenizer and the same filter instances, without building a TokenStream of the
// whole input (most of the indexing allocations were the tokens of words the
// stop filter then dropped). Only for analyzers whose filters look at one token
// at a time (all of ours); TestTermStreamMatchesAnalyzer holds it to Analyze.
type termStream struct {
	words   bool // wordTokenizer; else the single tokenizer (the input is one term)
	filters []analysis.TokenFilter
}

// streamOf returns the termStream of a, or nil when a is not one it can run.
func streamOf(a analysis.Analyzer) *termStream {
	da, ok := a.(*analysis.DefaultAnalyzer)
	if !ok || len(da.CharFilters) > 0 {
		return nil
	}
	s := &termStream{filters: da.TokenFilters}
	switch da.Tokenizer.(type) {
	case wordTokenizer:
		s.words = true
	case *single.SingleTokenTokenizer:
	default:
		return nil
	}
	return s
}

// each calls fn with every token a's Analyze would return for input, in order.
// Like Analyze it may rewrite input in place (lowercasing), and a term is either
// a slice of input or a new allocation, so it stays valid after fn returns.
func (s *termStream) each(input []byte, fn func(term []byte, start, end, pos int)) {
	var tok analysis.Token
	var one [1]*analysis.Token
	emit := func(start, end, pos int, numeric bool) {
		typ := analysis.AlphaNumeric
		if numeric {
			typ = analysis.Numeric
		}
		tok = analysis.Token{Term: input[start:end:end], Start: start, End: end, Position: pos, Type: typ}
		one[0] = &tok
		ts := analysis.TokenStream(one[:])
		for _, f := range s.filters {
			if ts = f.Filter(ts); len(ts) == 0 {
				return
			}
		}
		for _, t := range ts {
			fn(t.Term, t.Start, t.End, t.Position)
		}
	}
	if !s.words {
		emit(0, len(input), 1, false)
		return
	}
	scanWords(input, emit)
}
