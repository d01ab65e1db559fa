package index

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
)

// wordTokenizer splits text into words the way Bleve's "unicode" tokenizer (UAX #29
// word boundaries) does for the Latin-script text escucha indexes, at a fraction of
// its cost (the UAX #29 state machine was 17 % of indexing CPU; see
// docs/benchmarks-search.md). A word is a run of letters, digits, marks and '_';
// '.', ”' and '’' join two letters or two digits ("U.S.A", "d'Aubuisson", "3.5"),
// ':' and '·' two letters, ',' and ';' two digits ("1,200"). Han and Hiragana
// characters are words of their own, as in UAX #29. Terms are slices of the input;
// offsets are byte offsets into it, positions count words from 1.
type wordTokenizer struct{}

// class of a rune for word breaking.
const (
	cOther = iota
	cLetter
	cDigit
	cExtend // combining marks and '_': stay inside a word
	cSolo   // Han, Hiragana: a word on its own
)

func classify(r rune) int {
	if r < utf8.RuneSelf {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
			return cLetter
		case '0' <= r && r <= '9':
			return cDigit
		case r == '_':
			return cExtend
		}
		return cOther
	}
	switch {
	case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r):
		return cSolo
	case unicode.IsLetter(r):
		return cLetter
	case unicode.IsDigit(r):
		return cDigit
	case unicode.In(r, unicode.Mn, unicode.Mc, unicode.Me, unicode.Pc):
		return cExtend
	}
	return cOther
}

// joins reports whether separator r keeps a word going between prev and next.
func joins(r rune, prev, next int) bool {
	switch r {
	case '.', '\'', '\u2019', '\u2018', '\u2024', '\ufe52', '\uff07', '\uff0e':
		return prev == next && (prev == cLetter || prev == cDigit)
	case ':', '\u00b7', '\u0387', '\u2027', '\ufe13', '\ufe55', '\uff1a':
		return prev == cLetter && next == cLetter
	case ',', ';', '\u037e', '\u060c', '\u066c', '\u2044', '\ufe10', '\ufe14', '\ufe50', '\ufe54', '\uff0c', '\uff1b':
		return prev == cDigit && next == cDigit
	}
	return false
}

func decode(b []byte, i int) (rune, int) {
	if c := b[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRune(b[i:])
}

func (wordTokenizer) Tokenize(input []byte) analysis.TokenStream {
	toks := make([]analysis.Token, 0, len(input)/6+1)
	scanWords(input, func(start, end, pos int, numeric bool) {
		typ := analysis.AlphaNumeric
		if numeric {
			typ = analysis.Numeric
		}
		toks = append(toks, analysis.Token{Term: input[start:end:end], Start: start, End: end,
			Position: pos, Type: typ})
	})
	out := make(analysis.TokenStream, len(toks))
	for j := range toks {
		out[j] = &toks[j]
	}
	return out
}

// scanWords calls emit with each word of input, as Tokenize returns them: byte
// offsets, the position (from 1) and whether the word is all digits.
func scanWords(input []byte, emit func(start, end, pos int, numeric bool)) {
	pos := 1
	for i := 0; i < len(input); {
		r, n := decode(input, i)
		c := classify(r)
		switch c {
		case cOther, cExtend:
			if c == cOther || r != '_' {
				i += n
				continue
			}
		case cSolo:
			emit(i, i+n, pos, false)
			pos++
			i += n
			continue
		}
		start, last, numeric := i, c, c == cDigit
		i += n
		for i < len(input) {
			r, n := decode(input, i)
			k := classify(r)
			if k == cLetter || k == cDigit || k == cExtend {
				if k == cLetter {
					numeric = false
				}
				if k != cExtend {
					last = k
				}
				i += n
				continue
			}
			if k == cOther && i+n < len(input) {
				nr, nn := decode(input, i+n)
				if next := classify(nr); joins(r, last, next) {
					if next == cLetter {
						numeric = false
					}
					i += n + nn
					continue
				}
			}
			break
		}
		emit(start, i, pos, numeric)
		pos++
	}
}

// lightStem is Bleve's Spanish light stemmer (stemmer_es_light) without its two
// allocations per token: the same rules on bytes when the term is ASCII (nearly
// all terms after folding), Bleve's own filter otherwise. A term that is a slice
// of the document is only ever shortened in place; the one rule that rewrites a
// letter ("-ces" → "-z") copies first.
type lightStem struct{ fallback analysis.TokenFilter }

func (f lightStem) Filter(in analysis.TokenStream) analysis.TokenStream {
	for _, tok := range in {
		t := tok.Term
		ascii := true
		for _, c := range t {
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
		}
		if !ascii {
			f.fallback.Filter(analysis.TokenStream{tok})
			continue
		}
		l := len(t)
		if l < 5 {
			continue
		}
		switch t[l-1] {
		case 'o', 'a', 'e':
			tok.Term = t[:l-1]
		case 's':
			switch {
			case t[l-2] == 'e' && t[l-3] == 's' && t[l-4] == 'e':
				tok.Term = t[:l-2]
			case t[l-2] == 'e' && t[l-3] == 'c':
				out := make([]byte, l-2)
				copy(out, t[:l-3])
				out[l-3] = 'z'
				tok.Term = out
			case t[l-2] == 'o' || t[l-2] == 'a' || t[l-2] == 'e':
				tok.Term = t[:l-2]
			}
		}
	}
	return in
}
