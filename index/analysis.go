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
	analyzerText        = "escucha_es"    // words: lower, stop, fold, light stem
	analyzerTerms       = "escucha_terms" // words: lower, stop, fold (significant terms)
	analyzerKeywordFold = "escucha_kwfold"
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
	words := func(stem bool) registry.AnalyzerConstructor {
		return func(_ map[string]interface{}, cache *registry.Cache) (analysis.Analyzer, error) {
			tok, err := cache.TokenizerNamed(unicode.Name)
			if err != nil {
				return nil, err
			}
			names := []string{lowercase.Name, es.StopName, foldFilterName}
			if stem {
				names = append(names, es.LightStemmerName)
			}
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
	must(registry.RegisterAnalyzer(analyzerText, words(true)))
	must(registry.RegisterAnalyzer(analyzerTerms, words(false)))
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
