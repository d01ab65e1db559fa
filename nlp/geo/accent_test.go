package geo

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// accentMismatchRef is accentMismatch as it was written first: lower-cased
// copies as rune slices.
func accentMismatchRef(surface string, cands []int, rawNames map[int][]string) bool {
	if isASCII(surface) {
		return false
	}
	rs := []rune(strings.ToLower(surface))
	accented := false
	for _, r := range rs {
		if r >= 0x80 && unicode.IsLetter(r) && r != 'ñ' {
			accented = true
		}
	}
	if !accented {
		return false
	}
	for _, c := range cands {
		if c < 0 {
			return false
		}
		for _, n := range rawNames[c] {
			rn := []rune(strings.ToLower(n))
			if len(rn) != len(rs) {
				return false
			}
			ok := true
			for i, r := range rs {
				if r >= 0x80 && unicode.IsLetter(r) && r != 'ñ' && rn[i] != r {
					ok = false
				}
			}
			if ok {
				return false
			}
		}
	}
	return true
}

// TestAccentMismatchEqualsRef compares accentMismatch with the reference on
// every gazetteer name with an accent (and its upper-case, accent-free and
// invalid-UTF-8 variants) against the names of a window of entries around it.
func TestAccentMismatchEqualsRef(t *testing.T) {
	tg := mustTagger(t)
	raw := maps.Clone(tg.gaz.rawNames)
	raw[-5] = []string{"Cayo", "Cayó"}
	raw[-6] = []string{"San José", "SAN JOSÉ", "San Jose\xff"}
	var ids []int
	for id := range raw {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var surfaces []string
	for _, names := range raw {
		for _, n := range names {
			if !isASCII(n) {
				surfaces = append(surfaces, n, strings.ToUpper(n), strings.ReplaceAll(n, "á", "a"), n+"\xc3", "é"+n)
			}
		}
	}
	surfaces = append(surfaces, "cayó", "Cayó", "CAYÓ", "Ñuñoa", "ñ", "İstanbul", "\xff\xfe", "San José")
	n := 0
	for si, s := range surfaces {
		for k := range 6 {
			cands := []int{ids[(si+k)%len(ids)], ids[(si*7+k)%len(ids)]}
			if k == 5 {
				cands = []int{-5, -6}
			}
			x := &doc{g: &gazetteer{rawNames: raw}, body: s}
			m := &mention{os: 0, oe: len(s), cands: cands}
			got, want := x.accentMismatch(m), accentMismatchRef(s, cands, raw)
			if got != want {
				t.Fatalf("accentMismatch(%q, %v) = %v, want %v", s, cands, got, want)
			}
			if got {
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no mismatch among the cases: the test tests nothing")
	}
	t.Logf("%d surfaces, %d mismatches", len(surfaces), n)
}
