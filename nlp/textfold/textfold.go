// Package textfold folds Spanish text for matching (lower case, accents and
// diacritics removed, ñ→n, typographic quotes and dashes unified) while keeping a
// map from every byte of the folded text back to the original, so that matches
// found in folded text are reported with offsets into the original.
// It does no tokenisation or matching itself.
package textfold

import (
	"encoding/binary"
	"math/bits"
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
	// Upper and Lower count the letters of the original that are upper and
	// lower case (unicode.IsUpper, unicode.IsLower): counted while folding, so
	// that a caller asking whether case carries information (all capitals?)
	// does not read the text again.
	Upper, Lower int
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
	var cases uint64 // upper-case letters in the low 32 bits, lower-case in the high
	upper, lower := 0, 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			// a run of ASCII, in one loop: lower-cased by table, mapped byte
			// to byte, letters counted
			rest := s[i:]
			b, o := len(buf), len(orig)
			buf, orig = slices.Grow(buf, len(rest)), slices.Grow(orig, len(rest))
			dst, off := buf[b:b+len(rest)], orig[o:o+len(rest)]
			k := 0
			// eight bytes at a time: A-Z found by carry-free additions and
			// lower-cased by adding 0x20, letters counted by population
			// count. A chunk with a byte of 0x80 or above ends the run at
			// it: all eight bytes are stored (the next append overwrites
			// what lies past the run) and only the run's letters counted
			// (an addition's carry out of a high byte moves only later
			// bytes).
			for ; k+8 <= len(rest); k += 8 {
				w := rest[k : k+8]
				x := uint64(w[7])<<56 | uint64(w[6])<<48 | uint64(w[5])<<40 | uint64(w[4])<<32 |
					uint64(w[3])<<24 | uint64(w[2])<<16 | uint64(w[1])<<8 | uint64(w[0])
				// the high bit of x+k is set where the byte is >= 0x80-k
				up := (x + (0x80-'A')*ones) &^ (x + (0x80-'Z'-1)*ones) & high
				lo := (x + (0x80-'a')*ones) &^ (x + (0x80-'z'-1)*ones) & high
				binary.LittleEndian.PutUint64(dst[k:k+8], x|up>>2)
				o, at := off[k:k+8], int32(i+k)
				o[0], o[1], o[2], o[3] = at, at+1, at+2, at+3
				o[4], o[5], o[6], o[7] = at+4, at+5, at+6, at+7
				if h := x & high; h != 0 {
					n := bits.TrailingZeros64(h) / 8 // ASCII bytes before it
					keep := uint64(1)<<(8*n) - 1
					cases += uint64(bits.OnesCount64(up&keep)) | uint64(bits.OnesCount64(lo&keep))<<32
					k += n
					goto run
				}
				cases += uint64(bits.OnesCount64(up)) | uint64(bits.OnesCount64(lo))<<32
			}
			for ; k < len(rest); k++ {
				c := rest[k]
				if c >= utf8.RuneSelf {
					break
				}
				dst[k] = asciiLower[c]
				off[k] = int32(i + k)
				cases += asciiCase[c]
			}
		run:
			buf, orig = buf[:b+k], orig[:o+k]
			i += k
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if unicode.IsUpper(r) {
			upper++
		} else if unicode.IsLower(r) {
			lower++
		}
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
	// orig holds int32 offsets: texts are below 2 GiB and the counts fit
	prev.Upper, prev.Lower = upper+int(cases&(1<<32-1)), lower+int(cases>>32)
	return prev
}

// ones and high are the bytes 0x01 and 0x80 repeated over a word.
const (
	ones = 0x0101010101010101
	high = 0x8080808080808080
)

// asciiCase[c] is 1 for A-Z and 1<<32 for a-z: FoldInto's two letter counts
// in one addition per byte; asciiLower[c] is c lower-cased. Tables of 256 so
// that indexing by a byte needs no bounds test.
var asciiCase, asciiLower = func() (cs [256]uint64, lw [256]byte) {
	for c := range lw {
		lw[c] = byte(c)
	}
	for c := 'A'; c <= 'Z'; c++ {
		cs[c] = 1
		cs[c+'a'-'A'] = 1 << 32
		lw[c] = byte(c + 'a' - 'A')
	}
	return cs, lw
}()

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
