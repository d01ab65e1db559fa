package nlp

import (
	"slices"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp/textfold"
)

var (
	fuzzOnce sync.Once
	fuzzE    *Enricher
)

// FuzzEnrich feeds hostile titles and texts: no panic, scores in [0,1], evidence
// offsets inside Body and matching its text.
func FuzzEnrich(f *testing.F) {
	for _, s := range []string{
		"Asesinan a mujer en zona 18", "¿Quién mató a Sr. López? No. 5, km. 17.5.", "\"asaltará\" el déficit",
		"#Nada_Justifica #NADAJUSTIFICA nada  justifica", "\xff\xfe invalid utf8 femicidio", "«la 18» cobra la renta…",
		"ﬁ ß Æ İ ǅ Ω femicidio ̀ ́", "", "\n\n\n", "no no no se trató de un femicidio sin vida",
	} {
		f.Add(s, s+" texto de relleno con robo y extorsión.")
	}
	f.Fuzz(func(t *testing.T, title, text string) {
		fuzzOnce.Do(func() {
			var err error
			if fuzzE, err = New(Config{NoGeo: true}, nil); err != nil {
				t.Fatal(err)
			}
		})
		d := &escucha.Document{ID: "fuzz", Title: title, Text: text}
		if err := fuzzE.Enrich(d); err != nil {
			t.Fatal(err)
		}
		body := d.Body()
		check := func(what string, ev []escucha.Span) {
			for _, s := range ev {
				if s.Start < 0 || s.End < s.Start || s.End > len(body) || body[s.Start:s.End] != s.Text {
					t.Fatalf("%s: bad span %+v for body %q", what, s, body)
				}
			}
		}
		for _, l := range d.Categories {
			if l.Score < 0 || l.Score > 1 {
				t.Fatalf("%s score %v", l.ID, l.Score)
			}
			check(l.ID, l.Evidence)
		}
		for _, fr := range d.Framing {
			check(fr.ID, fr.Evidence)
		}
	})
}

// FuzzParseTaxonomy: analysts edit the YAML; a bad file is an error, never a panic.
func FuzzParseTaxonomy(f *testing.F) {
	f.Add(string(defaultTaxonomy))
	f.Add("version: x\ncategories:\n  - id: robo\n    terms:\n      - {p: \"rob* ~2 celular\"}\n")
	f.Add("categories:\n  - id: robo\n    terms:\n      - {p: \"~3 x\"}\n")
	f.Add("categories: [{id: robo, terms: [{p: \"a|*\"}]}]")
	f.Fuzz(func(t *testing.T, s string) {
		tax, err := ParseTaxonomy([]byte(s))
		if err == nil && tax == nil {
			t.Fatal("nil taxonomy without error")
		}
	})
}

// tokenizeRef is the byte-by-byte tokenizer tokenizeInto replaced (one rune at
// a time, the same classes): the reference its fast paths must equal.
func tokenizeRef(s string) ([]token, []int) {
	var toks []token
	var marks []int
	start := -1
	for i := 0; i < len(s); {
		c := s[i]
		word, n := false, 1
		if c < utf8.RuneSelf {
			word = c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
		} else {
			r, sz := utf8.DecodeRuneInString(s[i:])
			n = sz
			word = unicode.IsLetter(r) || unicode.IsDigit(r)
		}
		if word {
			if start < 0 {
				start = i
			}
		} else {
			if start >= 0 {
				toks = append(toks, token{s: s[start:i], start: start, end: i})
				start = -1
			}
			if sentenceByte[c] {
				marks = append(marks, i)
			}
		}
		i += n
	}
	if start >= 0 {
		toks = append(toks, token{s: s[start:], start: start, end: len(s)})
	}
	return toks, marks
}

func checkTokenize(t *testing.T, s string) {
	t.Helper()
	toks, marks := tokenizeInto(s, nil, nil)
	wantT, wantM := tokenizeRef(s)
	if !slices.Equal(toks, wantT) || !slices.Equal(marks, wantM) {
		t.Fatalf("tokenizeInto(%q) = %v %v, want %v %v", s, toks, marks, wantT, wantM)
	}
}

// FuzzTokenize compares tokenizeInto (eight bytes at a time within ASCII words)
// with the rune-by-rune reference, on raw and on folded input.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{
		"", "a", "abcdefgh", "abcdefghi 12345678", "zona 18, km. 17.5… ¿qué?", "AbCdEfGhIjK`{/:@[",
		"niño ñandú straße 1a2b3c4d5e6f7g8h9", "\xff\xfeabc\x80defghijkl", "x\u2026y…z\n\nw",
		"aaaaaaa\u00e9bbbbbbbbb", "0123456789/:;<=>?@`az{", "日本語テキスト混在abc",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTokenize(t, s)
		checkTokenize(t, textfold.Fold(s).Text)
	})
}

// TestTokenizeDev compares tokenizeInto with the reference over the dev set.
func TestTokenizeDev(t *testing.T) {
	for _, d := range loadDev(t) {
		checkTokenize(t, textfold.Fold(d.Body()).Text)
	}
}
