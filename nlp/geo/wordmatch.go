package geo

import (
	"slices"
	"strings"
)

// wordMatcher finds every pattern occurrence in folded text that starts and ends
// on a word boundary: the same matches as an overlapping Aho-Corasick scan
// filtered by word boundaries, found with one hash lookup per word of text
// instead of one automaton step per byte (docs/geo.md, "Matching").
//
// keys holds every prefix of a pattern that ends at a word end ("san",
// "san jose", "san jose pinula"); a scan starting at a word start extends its key
// word by word while the key is a known prefix.
type wordMatcher struct {
	keys wmTable
	// first is a one-hash Bloom filter of the patterns' first words: most words
	// of a text start no place name and are rejected without a map lookup.
	first bloom16
	// key is the same kind of filter over every key: a scan that extends "la"
	// to "la casa" tests it before the map ("la" starts names, "la casa" none).
	key bloom16
	// odd holds patterns that do not start with a word byte: found with
	// strings.Index (none in the shipped gazetteer; aliases files may add some).
	odd []wmOdd
}

type wmNode struct {
	pat   int32    // pattern ending here, -1 none
	more  bool     // some longer pattern continues this prefix
	tails []wmTail // patterns that end in non-word bytes after this prefix: "ee. uu."
}

// wmTable holds the keys of a wordMatcher by their hash (wordHash, extended
// by fnvBytes), which the scan has computed already for its Bloom filters: a
// lookup hashes nothing and reads one slot, mostly, where a map[string]
// hashed the key again and probed a group. Open addressing, linear probing,
// at most half full; a slot with an empty key is free (no key is empty).
// A slot is a wmNode in 32 bytes (two per cache line, none across two: the
// table is a power of two of them), its rare tails kept aside.
type wmTable struct {
	slots []wmSlot
	mask  uint32
	tails [][]wmTail // a slot's tails are tails[slot.tails-1]
}

type wmSlot struct {
	key   string
	h     uint32
	pat   int32  // wmNode.pat
	tails uint32 // wmNode.tails is wmTable.tails[tails-1]; 0 none
	more  bool   // wmNode.more
}

func newWMTable(nodes map[string]wmNode) wmTable {
	n := 16
	for n < 2*len(nodes) {
		n *= 2
	}
	t := wmTable{slots: make([]wmSlot, n), mask: uint32(n - 1)}
	for k, nd := range nodes {
		h := fnvBytes(2166136261, k)
		i := h & t.mask
		for t.slots[i].key != "" {
			i = (i + 1) & t.mask
		}
		sl := wmSlot{key: k, h: h, pat: nd.pat, more: nd.more}
		if len(nd.tails) > 0 {
			t.tails = append(t.tails, nd.tails)
			sl.tails = uint32(len(t.tails))
		}
		t.slots[i] = sl
	}
	return t
}

// get returns the slot of key, whose hash is h, or nil.
func (t *wmTable) get(key string, h uint32) *wmSlot {
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		sl := &t.slots[i]
		if sl.key == "" {
			return nil
		}
		if sl.h == h && sl.key == key {
			return sl
		}
	}
}

// tailsOf returns the tails of slot sl.
func (t *wmTable) tailsOf(sl *wmSlot) []wmTail {
	if sl.tails == 0 {
		return nil
	}
	return t.tails[sl.tails-1]
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
	m := &wordMatcher{}
	keys := make(map[string]wmNode, 2*len(patterns))
	node := func(k string) wmNode {
		n, ok := keys[k]
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
					keys[s[:last]] = n
				}
				last = i
			}
		}
		n := node(s[:last])
		for i := 1; i <= last; i++ { // every key of this pattern, word end by word end
			if i == last || isWordByte(s[i-1]) && !isWordByte(s[i]) {
				m.key.set(fnvBytes(2166136261, s[:i]))
			}
		}
		if last == len(s) {
			n.pat = int32(p)
		} else {
			n.tails = append(n.tails, wmTail{s[last:], int32(p)})
		}
		keys[s[:last]] = n
	}
	m.keys = newWMTable(keys)
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

// fnvBytes continues the FNV-1a hash h of wordHash over s.
func fnvBytes(h uint32, s string) uint32 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return h
}

// bloom16 is a one-hash Bloom filter of 2^16 bits over wordHash/fnvBytes hashes.
type bloom16 [1 << 16 / 64]uint64

func (b *bloom16) set(h uint32) {
	h &= 1<<16 - 1
	b[h/64] |= 1 << (h % 64)
}

func (b *bloom16) has(h uint32) bool {
	h &= 1<<16 - 1
	return b[h/64]&(1<<(h%64)) != 0
}

func (m *wordMatcher) addFirst(pat string) {
	h, _ := wordHash(pat, 0)
	m.first.set(h)
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
		h, e := wordHash(t, s) // h: hash of the key t[s:e]
		if m.first.has(h) {
			m.matchFrom(t, s, e, h, f)
		}
		s = e
	}
	m.eachOdd(t, f)
}

// matchFrom reports the names that start with the word t[s:e] (hash h): the
// word itself, and the longer keys it extends to word by word.
func (m *wordMatcher) matchFrom(t string, s, e int, h uint32, f func(s, e, p int)) {
	n := len(t)
	for {
		nd := m.keys.get(t[s:e], h)
		if nd == nil {
			return
		}
		if nd.pat >= 0 {
			f(s, e, int(nd.pat))
		}
		for _, tl := range m.keys.tailsOf(nd) {
			if strings.HasPrefix(t[e:], tl.suffix) {
				te := e + len(tl.suffix)
				if te >= n || !isWordByte(t[te]) {
					f(s, te, int(tl.pat))
				}
			}
		}
		if !nd.more {
			return
		}
		// Extend by the next word.
		e0 := e
		for e < n && !isWordByte(t[e]) {
			e++
		}
		if e >= n {
			return
		}
		for e < n && isWordByte(t[e]) {
			e++
		}
		if h = fnvBytes(h, t[e0:e]); !m.key.has(h) {
			return
		}
	}
}

// eachOdd reports the matches of the patterns that do not start with a word byte.
func (m *wordMatcher) eachOdd(t string, f func(s, e, p int)) {
	n := len(t)
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
// same start. Two small filters reject almost every position before the stem
// lists are read: second[c0] has bit c1&63 set when some stem starts with the
// bytes c0 c1, and tri is a Bloom filter of the stems' first three bytes. They
// are small (2 KB and 512 bytes) because every document reloads the cache lines
// it touches: a 64 KB table cost a cache miss per position.
type stemScanner struct {
	pairs []uint16   // the stems' distinct first two bytes (c0<<8 | c1), ascending
	lists [][]string // lists[k]: the stems starting with pairs[k], in priority order
	// byFirst[c0] … byFirst[c0+1] is the range of pairs starting with byte c0
	// (a few): found by index, not by a binary search over all pairs
	byFirst [257]uint32
	second  [256]uint64
	tri     [triBits / 64]uint64
}

const triBits = 1 << 12

// pairOf is the first two bytes of s[i:] as one number.
func pairOf(s string, i int) uint16 { return uint16(s[i])<<8 | uint16(s[i+1]) }

func triHash(a, b, c byte) uint32 { return (uint32(a)*31*31 + uint32(b)*31 + uint32(c)) % triBits }

func newStemScanner(stems []string) *stemScanner {
	sc := &stemScanner{}
	for _, s := range stems {
		if len(s) < 3 {
			panic("geo: event stem shorter than 3 bytes: " + s)
		}
		if strings.ContainsFunc(s, func(r rune) bool { return r < 128 && sentenceEnd[r] }) {
			panic("geo: event stem holds a sentence end: " + s) // anyIn relies on none
		}
		k, found := slices.BinarySearch(sc.pairs, pairOf(s, 0))
		if !found {
			sc.pairs = slices.Insert(sc.pairs, k, pairOf(s, 0))
			sc.lists = slices.Insert(sc.lists, k, nil)
		}
		sc.lists[k] = append(sc.lists[k], s)
		sc.second[s[0]] |= 1 << (s[1] & 63)
		h := triHash(s[0], s[1], s[2])
		sc.tri[h/64] |= 1 << (h % 64)
	}
	for c := range 256 {
		sc.byFirst[c+1] = sc.byFirst[c]
		for int(sc.byFirst[c+1]) < len(sc.pairs) && sc.pairs[sc.byFirst[c+1]]>>8 == uint16(c) {
			sc.byFirst[c+1]++
		}
	}
	return sc
}

// pair returns k with pairs[k] == p, false when no stem starts with p.
func (sc *stemScanner) pair(p uint16) (int, bool) {
	c0 := p >> 8
	for k := int(sc.byFirst[c0]); k < int(sc.byFirst[c0+1]); k++ {
		if sc.pairs[k] == p {
			return k, true
		}
	}
	return 0, false
}

// anyIn reports whether some stem starts at a position in [s, e) of t (the
// stem may run past e). Used per sentence: with s right after a sentence end
// and no stem holding a sentence-end byte (newStemScanner checks), it is
// exactly "a leftmost-first scan of all of t reports a start in [s, e)", for
// no match reported before s can hide a start at or after it.
func (sc *stemScanner) anyIn(t string, s, e int) bool {
	for i := s; i < e && i+2 < len(t); i++ {
		if sc.second[t[i]]&(1<<(t[i+1]&63)) == 0 {
			continue
		}
		if h := triHash(t[i], t[i+1], t[i+2]); sc.tri[h/64]&(1<<(h%64)) == 0 {
			continue
		}
		if k, ok := sc.pair(pairOf(t, i)); ok {
			for _, st := range sc.lists[k] {
				if strings.HasPrefix(t[i:], st) {
					return true
				}
			}
		}
	}
	return false
}

// starts appends the start of every stem occurrence in t to dst,
// leftmost-first (the reference anyIn is tested against).
func (sc *stemScanner) starts(t string, dst []int) []int {
	for i := 0; i+2 < len(t); {
		adv := 1
		if sc.anyIn(t, i, i+1) {
			k, _ := sc.pair(pairOf(t, i))
			for _, s := range sc.lists[k] {
				if strings.HasPrefix(t[i:], s) {
					dst = append(dst, i)
					adv = len(s)
					break
				}
			}
		}
		i += adv
	}
	return dst
}
