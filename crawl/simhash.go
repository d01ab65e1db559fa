package crawl

import (
	"strings"
	"unicode"

	"github.com/mfonda/simhash"
	"golang.org/x/text/unicode/norm"
)

// minDupWords: shorter texts are not fingerprinted (briefs share too much wording).
const minDupWords = 40

// fingerprint is the 64-bit simhash of a text's word 3-shingles after lower-casing
// and accent folding; 0 for texts shorter than minDupWords.
func fingerprint(text string) uint64 {
	words := strings.FieldsFunc(foldAccents(strings.ToLower(text)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
	if len(words) < minDupWords {
		return 0
	}
	shingles := make([][]byte, 0, len(words)-2)
	for i := 0; i+3 <= len(words); i++ {
		shingles = append(shingles, []byte(words[i]+" "+words[i+1]+" "+words[i+2]))
	}
	fp := simhash.SimhashBytes(shingles)
	if fp == 0 {
		fp = 1
	}
	return fp
}

// foldAccents removes combining marks (á→a, ñ→n) so that a re-typed wire copy still matches.
func foldAccents(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
