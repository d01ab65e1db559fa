// Package textfold folds Spanish text for matching (lower case, accents and
// diacritics removed, ñ→n, typographic quotes and dashes unified) while keeping a
// map from every byte of the folded text back to the original, so that matches
// found in folded text are reported with offsets into the original.
// It does no tokenisation or matching itself.
package textfold

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// Folded is a folded text with its offset map.
type Folded struct {
	Text string
	// orig[i] is the byte offset in the original of the rune that produced byte i of
	// Text; orig[len(Text)] is len(original).
	orig []int32
}

// Orig maps a byte offset of the folded text to the original text.
func (f *Folded) Orig(i int) int {
	if i < 0 {
		return 0
	}
	if i >= len(f.orig) {
		return int(f.orig[len(f.orig)-1])
	}
	return int(f.orig[i])
}

// Span maps a folded [start,end) to the original [start,end).
func (f *Folded) Span(start, end int) (int, int) { return f.Orig(start), f.Orig(end) }

// Fold folds s. Every original rune maps to zero or more folded runes; ASCII is
// lower-cased in place, so folding ASCII text costs one pass and one allocation.
func Fold(s string) *Folded { return FoldInto(nil, s) }

// FoldInto is Fold reusing the offset table of prev, a Folded its caller no
// longer uses (nil allocates): for callers that fold one document after
// another. The folded Text is always new memory, as strings cut from it may
// outlive prev.
func FoldInto(prev *Folded, s string) *Folded {
	// Folding rarely grows text (ß, æ, some symbols): a little slack avoids a
	// copy; the result aliases buf, which is never written again.
	buf := make([]byte, 0, len(s)+len(s)/64+8)
	var orig []int32
	if prev != nil && cap(prev.orig) >= cap(buf)+1 {
		orig = prev.orig[:0]
	} else {
		orig = make([]int32, 0, cap(buf)+1)
	}
	var rb [16]byte
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			// a run of ASCII: copied, lower-cased, mapped byte to byte
			j := i + 1
			for j < len(s) && s[j] < utf8.RuneSelf {
				j++
			}
			b := len(buf)
			buf = append(buf, s[i:j]...)
			for k, c := range buf[b:] {
				if 'A' <= c && c <= 'Z' {
					buf[b+k] = c + 'a' - 'A'
				}
			}
			o := len(orig)
			orig = slices.Grow(orig, j-i)[:o+j-i]
			for k := range j - i {
				orig[o+k] = int32(i + k)
			}
			i = j
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		out := FoldRune(r, rb[:0])
		for range out {
			orig = append(orig, int32(i))
		}
		buf = append(buf, out...)
		i += n
	}
	orig = append(orig, int32(len(s)))
	if prev == nil {
		prev = &Folded{}
	}
	prev.Text, prev.orig = unsafe.String(unsafe.SliceData(buf), len(buf)), orig
	return prev
}

// String folds s without keeping offsets.
func String(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	var buf [16]byte
	for _, r := range s {
		b.Write(FoldRune(r, buf[:0]))
	}
	return b.String()
}

// latin holds the folded form of every rune below tableSize (Latin-1, Latin
// Extended-A and B: all the letters Spanish news uses), so the common case is a table
// lookup instead of a Unicode decomposition.
const tableSize = 0x250

var latin = func() (t [tableSize]string) {
	for r := rune(0); r < tableSize; r++ {
		t[r] = string(foldRuneSlow(r, nil))
	}
	return t
}()

// FoldRune appends the folded form of r to dst.
func FoldRune(r rune, dst []byte) []byte {
	if r >= 0 && r < tableSize {
		return append(dst, latin[r]...)
	}
	return foldRuneSlow(r, dst)
}

func foldRuneSlow(r rune, dst []byte) []byte {
	switch r {
	case '\u2018', '\u2019', '\u201A', '\u00B4', '\u0060':
		return append(dst, '\'')
	case '\u201C', '\u201D', '\u201E', '\u00AB', '\u00BB':
		return append(dst, '"')
	case '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212':
		return append(dst, '-')
	case '\u00A0', '\u2007', '\u202F', '\u2009', '\u200A':
		return append(dst, ' ')
	case '\u00BA', '\u00B0':
		return append(dst, 'o')
	case '\u00AA':
		return append(dst, 'a')
	case 'ß':
		return append(dst, 's', 's')
	case 'æ', 'Æ':
		return append(dst, 'a', 'e')
	case 'ø', 'Ø':
		return append(dst, 'o')
	case 'đ', 'Đ':
		return append(dst, 'd')
	case 'ł', 'Ł':
		return append(dst, 'l')
	case '\u00AD', '\u200B', '\u200C', '\u200D', '\uFEFF':
		return dst // soft hyphen and zero-width characters vanish
	}
	var tmp [utf8.UTFMax * 4]byte
	d := norm.NFD.AppendString(tmp[:0], string(r))
	for len(d) > 0 {
		c, n := utf8.DecodeRune(d)
		d = d[n:]
		if unicode.Is(unicode.Mn, c) {
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(c))
	}
	return dst
}
