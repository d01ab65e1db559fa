package index

import (
	"fmt"
	"strings"
	"testing"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// tokenizerTexts are Spanish news sentences (our own writing) and the edge cases
// where word breaking has rules: numbers with separators, abbreviations,
// apostrophes, hyphens, hashtags, handles, URLs, emoji and other scripts.
var tokenizerTexts = []string{
	"Localizan sin vida a una mujer de 23 años en la colonia El Mezquital, zona 12.",
	"La Alerta Isabel-Claudina permanece activa; la PNC pidió apoyo a la población.",
	"El MP reportó 1,250 denuncias y un aumento del 3.5 % respecto de 2023 (fuente: INACIF).",
	"«¡Justicia para Ana Lucía!», gritaban frente al juzgado. ¿Dónde está Érika?",
	"Según el Sr. Pérez, la víctima —de 19 años— vivía en Mixco; E.E.U.U. y d'Aubuisson.",
	"#Femicidio en @PrensaLibre: https://ejemplo.gt/nota?id=42&x=1 vía Mastodon 🙏🏽 #NiUnaMenos",
	"Hora: 10:30, placas P-123ABC, teléfono 5555-1234, correo denuncias@mp.gob.gt",
	"Ñandú, pingüino, acción, corazón; ÁÉÍÓÚ àèìòù ç ß ǅ İstanbul naïve façade",
	"snake_case _inicio fin_ a__b 3_000 ..., ,, ''hola'' ‘comillas’ rock’n’roll",
	"日本語のテキスト 中文",
	"한국어 Ελληνικά русский текст العربية עברית",
	"e\u0301xito combinado, ángel\u0300 y 12:30:45 o 1.2.3 o a.1 o 1.a",
	"",
	"   ",
	"—",
}

func TestWordTokenizerMatchesUnicode(t *testing.T) {
	texts := append([]string(nil), tokenizerTexts...)
	for i := 0; i < 300; i++ {
		d := genLongDoc(i, 300)
		texts = append(texts, d.Title, d.Text)
	}
	ref := unicode.NewUnicodeTokenizer()
	for i, s := range texts {
		// Han and Hiragana are single-character words in both, but UAX #29 has
		// more rules for them than escucha needs; TestWordTokenizerOtherScripts.
		if strings.ContainsAny(s, "日中") {
			continue
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, want := dump(wordTokenizer{}.Tokenize([]byte(s))), dump(ref.Tokenize([]byte(s)))
			if got != want {
				t.Errorf("%q:\n got %s\nwant %s", s, got, want)
			}
		})
	}
}

func TestWordTokenizerOtherScripts(t *testing.T) {
	got := dump(wordTokenizer{}.Tokenize([]byte("中文 テキスト Ελληνικά")))
	want := "中@0-3#1 文@3-6#2 テキスト@7-19#3 Ελληνικά@20-36#4"
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func dump(ts analysis.TokenStream) string {
	var b strings.Builder
	for _, t := range ts {
		fmt.Fprintf(&b, "%s@%d-%d#%d ", t.Term, t.Start, t.End, t.Position)
	}
	return strings.TrimSpace(b.String())
}

func BenchmarkTokenize(b *testing.B) {
	text := []byte(genLongDoc(1, 10).Text)
	for _, tk := range []struct {
		name string
		t    analysis.Tokenizer
	}{{"unicode", unicode.NewUnicodeTokenizer()}, {"words", wordTokenizer{}}} {
		b.Run(tk.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				tk.t.Tokenize(text)
			}
		})
	}
}

// TestLightStemMatchesBleve: the allocation-free stemmer gives Bleve's terms.
func TestLightStemMatchesBleve(t *testing.T) {
	words := []string{"mujeres", "mujer", "asesinadas", "asesinada", "asesinado", "extorsiones",
		"extorsion", "veces", "luces", "peces", "niñas", "niña", "meses", "intereses", "casa",
		"casas", "policias", "policía", "transportistas", "ese", "eses", "ceses", "voces", "tres",
		"bus", "buses", "árboles", "jóvenes", "pandillas", "coes", "xxces", "abcdes", "2024s"}
	for i := 0; i < 200; i++ {
		words = append(words, strings.Fields(genLongDoc(i, 200).Text)...)
	}
	ref := es.NewSpanishLightStemmerFilter()
	ours := lightStem{fallback: ref}
	for _, w := range words {
		w = strings.ToLower(w)
		src := []byte(w)
		orig := string(src)
		a := ref.Filter(analysis.TokenStream{{Term: []byte(w)}})[0].Term
		b := ours.Filter(analysis.TokenStream{{Term: src}})[0].Term
		if string(a) != string(b) {
			t.Errorf("%q: bleve %q, ours %q", w, a, b)
		}
		if string(src) != orig {
			t.Errorf("%q: the input bytes were changed to %q", w, src)
		}
	}
}

// BenchmarkAnalyze: the text analyzer of format 1 (UAX #29 tokenizer, Bleve's
// stemmer) against format 2's, on one generated 2.4 KB document.
func BenchmarkAnalyze(b *testing.B) {
	text := []byte(genLongDoc(1, 10).Text)
	for _, name := range []string{analyzerTextV1, analyzerText} {
		a, err := registry.NewCache().AnalyzerNamed(name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				a.Analyze(text)
			}
		})
	}
}

// TestTermStreamMatchesAnalyzer: the token-by-token run of each analyzer the
// builder streams gives exactly the tokens of its Analyze (terms, offsets,
// positions), on the tokenizer's edge cases and generated news.
func TestTermStreamMatchesAnalyzer(t *testing.T) {
	texts := append([]string(nil), tokenizerTexts...)
	texts = append(texts, "ȺȾ mayúsculas ΣΟΦΟΣ ΟΔΟΣ İSTANBUL FEMINICIDIO Feminicidios LUCES luces PECES",
		"EXTORSIÓN extorsiones Asesinadas asesinadas los las de que DE LOS Que", "a", "Ǆ ǅ ǆ")
	for i := 0; i < 200; i++ {
		d := genLongDoc(i, 200)
		texts = append(texts, d.Title, d.Text)
	}
	cache := registry.NewCache()
	for _, name := range []string{analyzerText, analyzerTerms, analyzerKeywordFold, "keyword"} {
		t.Run(name, func(t *testing.T) {
			a, err := cache.AnalyzerNamed(name)
			if err != nil {
				t.Fatal(err)
			}
			s := streamOf(a)
			if s == nil {
				t.Fatalf("%s cannot be streamed", name)
			}
			for _, text := range texts {
				var got []string
				s.each([]byte(text), func(term []byte, start, end, pos int) {
					got = append(got, fmt.Sprintf("%s@%d-%d#%d", term, start, end, pos))
				})
				var want []string
				for _, tok := range a.Analyze([]byte(text)) {
					want = append(want, fmt.Sprintf("%s@%d-%d#%d", tok.Term, tok.Start, tok.End, tok.Position))
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("%q:\n stream  %v\n analyze %v", text, got, want)
				}
			}
		})
	}
}
