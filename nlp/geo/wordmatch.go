package geo

import "strings"

// wordMatcher finds every pattern occurrence in folded text that starts and ends
// on a word boundary: the same matches as an overlapping Aho-Corasick scan
// filtered by word boundaries, found with one hash lookup per word of text
// instead of one automaton step per byte (docs/geo.md, "Matching").
//
// keys holds every prefix of a pattern that ends at a word end ("san",
// "san jose", "san jose pinula"); a scan starting at a word start extends its key
// word by word while the key is a known prefix.
type wordMatcher struct {
	keys map[string]wmNode
	// first is a one-hash Bloom filter of the patterns' first words: most words
	// of a text start no place name and are rejected without a map lookup.
	first [1 << 16 / 64]uint64
	// odd holds patterns that do not start with a word byte: found with
	// strings.Index (none in the shipped gazetteer; aliases files may add some).
	odd []wmOdd
}

type wmNode struct {
	pat   int32    // pattern ending here, -1 none
	more  bool     // some longer pattern continues this prefix
	tails []wmTail // patterns that end in non-word bytes after this prefix: "ee. uu."
}

type wmTail struct {
	suffix string
	pat    int32
}

type wmOdd struct {
	s   string
	pat int32
}

func newWordMatcher(patterns []string) *wordMatcher {
	m := &wordMatcher{keys: make(map[string]wmNode, 2*len(patterns))}
	node := func(k string) wmNode {
		n, ok := m.keys[k]
		if !ok {
			n.pat = -1
		}
		return n
	}
	for p, s := range patterns {
		if s == "" {
			continue
		}
		if !isWordByte(s[0]) {
			m.odd = append(m.odd, wmOdd{s, int32(p)})
			continue
		}
		m.addFirst(s)
		// Word ends inside the pattern.
		last := 0
		for i := 1; i <= len(s); i++ {
			if isWordByte(s[i-1]) && (i == len(s) || !isWordByte(s[i])) {
				if last > 0 {
					n := node(s[:last])
					n.more = true
					m.keys[s[:last]] = n
				}
				last = i
			}
		}
		n := node(s[:last])
		if last == len(s) {
			n.pat = int32(p)
		} else {
			n.tails = append(n.tails, wmTail{s[last:], int32(p)})
		}
		m.keys[s[:last]] = n
	}
	return m
}

// wordHash hashes the word bytes of t[s:] up to the first non-word byte; it
// returns the hash and the word's end.
func wordHash(t string, s int) (uint32, int) {
	h := uint32(2166136261)
	e := s
	for e < len(t) && isWordByte(t[e]) {
		h = (h ^ uint32(t[e])) * 16777619
		e++
	}
	return h, e
}

func (m *wordMatcher) addFirst(pat string) {
	h, _ := wordHash(pat, 0)
	h &= 1<<16 - 1
	m.first[h/64] |= 1 << (h % 64)
}

// each calls f for every match [s, e) of pattern p on word boundaries of t.
func (m *wordMatcher) each(t string, f func(s, e, p int)) {
	n := len(t)
	for s := 0; s < n; {
		// Next word start.
		for s < n && !isWordByte(t[s]) {
			s++
		}
		if s >= n {
			break
		}
		h, e := wordHash(t, s)
		firstEnd := e
		if h &= 1<<16 - 1; m.first[h/64]&(1<<(h%64)) == 0 {
			s = firstEnd
			continue
		}
		for {
			nd, ok := m.keys[t[s:e]]
			if !ok {
				break
			}
			if nd.pat >= 0 {
				f(s, e, int(nd.pat))
			}
			for _, tl := range nd.tails {
				if strings.HasPrefix(t[e:], tl.suffix) {
					te := e + len(tl.suffix)
					if te >= n || !isWordByte(t[te]) {
						f(s, te, int(tl.pat))
					}
				}
			}
			if !nd.more {
				break
			}
			// Extend by the next word.
			for e < n && !isWordByte(t[e]) {
				e++
			}
			if e >= n {
				break
			}
			for e < n && isWordByte(t[e]) {
				e++
			}
		}
		s = firstEnd
	}
	for _, o := range m.odd {
		for i := 0; ; {
			j := strings.Index(t[i:], o.s)
			if j < 0 {
				break
			}
			s, e := i+j, i+j+len(o.s)
			i = s + 1
			if s > 0 && isWordByte(t[s-1]) || e < n && isWordByte(t[e]) {
				continue
			}
			f(s, e, int(o.pat))
		}
	}
}

// stemScanner finds event stems anywhere in folded text, leftmost-first and
// without overlaps (a stem found at i hides stems starting inside it), as an
// Aho-Corasick leftmost-first scan does; stems earlier in the list win at the
// same start. A Bloom filter of the stems' first three bytes rejects almost every
// position with one table lookup.
type stemScanner struct {
	lists [][]string // by first two bytes' slot, stems in priority order
	slot  [1 << 16]uint8
	tri   [1 << 16 / 64]uint64
}

func triHash(a, b, c byte) uint32 { return (uint32(a)*31*31 + uint32(b)*31 + uint32(c)) & (1<<16 - 1) }

func newStemScanner(stems []string) *stemScanner {
	sc := &stemScanner{lists: [][]string{nil}}
	for _, s := range stems {
		if len(s) < 3 {
			panic("geo: event stem shorter than 3 bytes: " + s)
		}
		k := uint16(s[0])<<8 | uint16(s[1])
		if sc.slot[k] == 0 {
			if len(sc.lists) == 255 {
				panic("geo: too many event stem prefixes")
			}
			sc.slot[k] = uint8(len(sc.lists))
			sc.lists = append(sc.lists, nil)
		}
		sc.lists[sc.slot[k]] = append(sc.lists[sc.slot[k]], s)
		h := triHash(s[0], s[1], s[2])
		sc.tri[h/64] |= 1 << (h % 64)
	}
	return sc
}

// starts appends the start of every stem occurrence in t to dst.
func (sc *stemScanner) starts(t string, dst []int) []int {
	for i := 0; i+2 < len(t); {
		if h := triHash(t[i], t[i+1], t[i+2]); sc.tri[h/64]&(1<<(h%64)) == 0 {
			i++
			continue
		}
		adv := 1
		for _, s := range sc.lists[sc.slot[uint16(t[i])<<8|uint16(t[i+1])]] {
			if strings.HasPrefix(t[i:], s) {
				dst = append(dst, i)
				adv = len(s)
				break
			}
		}
		i += adv
	}
	return dst
}
