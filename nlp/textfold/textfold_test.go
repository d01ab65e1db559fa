package textfold

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Extorsión en PETÉN", "extorsion en peten"},
		{"Niña, año, Ñandú", "nina, ano, nandu"},
		{"«Nada Justifica» — dijo", "\"nada justifica\" - dijo"},
		{"Comayagüela", "comayaguela"},
		{"ascii Only", "ascii only"},
	} {
		f := Fold(tc.in)
		if f.Text != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, f.Text, tc.want)
		}
		if s := String(tc.in); s != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, s, tc.want)
		}
	}
}

func TestOffsets(t *testing.T) {
	in := "Asesinan a mujer en Santa Catarina Pinula, Guatemala. Extorsión"
	f := Fold(in)
	i := strings.Index(f.Text, "santa catarina pinula")
	s, e := f.Span(i, i+len("santa catarina pinula"))
	if got := in[s:e]; got != "Santa Catarina Pinula" {
		t.Fatalf("span = %q", got)
	}
	i = strings.Index(f.Text, "extorsion")
	s, e = f.Span(i, i+len("extorsion"))
	if got := in[s:e]; got != "Extorsión" {
		t.Fatalf("span = %q", got)
	}
}

func FuzzFold(f *testing.F) {
	f.Add("Peñate ÁÉÍÓÚ ü \u00ad x")
	f.Add("MUERTE violenta\n\nStraße ß… «Sr. Pérez» 17.5")
	f.Add("La POLICÍA Nacional Civil informó, AYER, que en Petén ZONA 18 ÁREA @[`{ 0123456789abcdefXYZ")
	f.Add("abcdefgÉhijklmnoÑpqrstuvwxÜyz ABCDEFGH\xffIJKLMNOP")
	f.Fuzz(func(t *testing.T, s string) {
		fd := Fold(s)
		// the ASCII runs are folded in bulk: same text and offsets as rune by rune
		var want []byte
		var wantOrig []int32
		up, lo := 0, 0
		for i, r := range s { // an invalid byte is one RuneError, as in FoldInto
			if unicode.IsUpper(r) {
				up++
			} else if unicode.IsLower(r) {
				lo++
			}
			out := FoldRune(r, nil)
			if r < utf8.RuneSelf {
				out = []byte(strings.ToLower(string(r)))
			}
			want = append(want, out...)
			for range out {
				wantOrig = append(wantOrig, int32(i))
			}
		}
		wantOrig = append(wantOrig, int32(len(s)))
		if fd.Text != string(want) || !slices.Equal(fd.orig, wantOrig) {
			t.Fatalf("Fold(%q) = %q %v, rune by rune %q %v", s, fd.Text, fd.orig, want, wantOrig)
		}
		if fd.Upper != up || fd.Lower != lo {
			t.Fatalf("Fold(%q): Upper %d Lower %d, rune by rune %d %d", s, fd.Upper, fd.Lower, up, lo)
		}
		if len(fd.orig) != len(fd.Text)+1 {
			t.Fatalf("offset map length %d for %d bytes", len(fd.orig), len(fd.Text))
		}
		prev := 0
		for i := 0; i <= len(fd.Text); i++ {
			o := fd.Orig(i)
			if o < prev || o > len(s) {
				t.Fatalf("offset %d -> %d not monotonic within [0,%d]", i, o, len(s))
			}
			prev = o
		}
	})
}

func BenchmarkFold(b *testing.B) {
	s := strings.Repeat("La Policía Nacional Civil informó que una mujer murió en la aldea El Carrizal, Jutiapa. ", 30)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		Fold(s)
	}
}

func TestFoldIntoReuses(t *testing.T) {
	long := strings.Repeat("Muerte violenta de MUJER en Petén. ", 20)
	prev := Fold(long)
	for _, s := range []string{"Ñandú, ÁRBOL", "", "Straße", long} {
		want := Fold(s)
		got := FoldInto(prev, s)
		if got.Text != want.Text {
			t.Fatalf("FoldInto(%q).Text = %q, want %q", s, got.Text, want.Text)
		}
		for i := 0; i <= len(want.Text); i++ {
			if got.Orig(i) != want.Orig(i) {
				t.Fatalf("FoldInto(%q).Orig(%d) = %d, want %d", s, i, got.Orig(i), want.Orig(i))
			}
		}
		prev = got
	}
}

// TestCaseCounts checks Upper and Lower against a rune-by-rune count.
func TestCaseCounts(t *testing.T) {
	for _, s := range []string{"", "A", "a", "ÁRBOL de Navidad", "ÑANDÚ ñandú ß", "123 ¿?", "x\xffY", "İstanbul ǅ"} {
		up, lo := 0, 0
		for _, r := range s {
			if unicode.IsUpper(r) {
				up++
			} else if unicode.IsLower(r) {
				lo++
			}
		}
		f := FoldInto(Fold("ZZZ some earlier text"), s) // a reused Folded counts afresh
		if f.Upper != up || f.Lower != lo {
			t.Errorf("%q: Upper %d Lower %d, want %d %d", s, f.Upper, f.Lower, up, lo)
		}
	}
}
