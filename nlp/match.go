package nlp

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Pattern syntax (over folded text: lower case, no accents, ñ→n):
//
//	word          the token "word"
//	asesin*       any token starting with "asesin" (morphology: asesino, asesinada, …)
//	mujer|nina*   alternatives for one token
//	~3            zero to three arbitrary tokens
//
// Tokens are separated by spaces: "muerte* violenta* de ~2 mujer*|nina*".

// tokSpec is one token of a pattern. The fields are in the order matchAt
// reads them (gap, litMask, litGroups, preTrie or prefixes): the first 64
// bytes hold all a scan reads; lits (read by the scan only for a word longer
// than maxGroupedLit) come last.
type tokSpec struct {
	gap     int    // > 0: this spec is a gap of 0..gap tokens
	litMask uint64 // 1<<litKey of every lit: most words are none, without a lookup
	// litGroups holds the lits of at most maxGroupedLit bytes in one string,
	// grouped by length (ascending): a byte n, a byte k, then k lits of n
	// bytes. isLit reads it front to back, comparing only words of w's
	// length, without reading a slice of strings and each string's bytes.
	litGroups string
	preTrie   *byteTrie // prefixes as a trie, when there are many
	prefixes  []string
	lits      []string
}

func (s *tokSpec) match(w string) bool {
	// most words share no lit's length and last byte: no lookup for them
	if s.litMask&(1<<litKey(w)) != 0 && s.isLit(w) {
		return true
	}
	if s.preTrie != nil {
		return s.preTrie.hasPrefixOf(w)
	}
	for _, p := range s.prefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// isLit reports whether w is one of the lits.
func (s *tokSpec) isLit(w string) bool {
	if len(w) > maxGroupedLit {
		return slices.Contains(s.lits, w)
	}
	for g := s.litGroups; len(g) >= 2; {
		n, k := int(g[0]), int(g[1])
		if n > len(w) {
			return false
		}
		g = g[2:]
		if n == len(w) {
			for j := range k {
				if g[j*n:(j+1)*n] == w {
					return true
				}
			}
		}
		g = g[n*k:]
	}
	return false
}

// maxGroupedLit is the longest lit litGroups holds (its length is one byte).
const maxGroupedLit = 255

// groupLits makes tokSpec.litGroups of lits.
func groupLits(lits []string) string {
	byLen := slices.Clone(lits)
	slices.SortStableFunc(byLen, func(a, b string) int { return len(a) - len(b) })
	var b strings.Builder
	for i := 0; i < len(byLen); {
		n := len(byLen[i])
		if n > maxGroupedLit {
			break
		}
		k := 1
		for i+k < len(byLen) && len(byLen[i+k]) == n && k < 255 {
			k++
		}
		b.WriteByte(byte(n))
		b.WriteByte(byte(k))
		for _, l := range byLen[i : i+k] {
			b.WriteString(l)
		}
		i += k
	}
	return b.String()
}

// litKey is a word's bit in tokSpec.litMask: its length and last byte (the
// scan has tested the first two already), 0 for "".
func litKey(w string) uint {
	if w == "" {
		return 0
	}
	return (uint(len(w))*31 + uint(w[len(w)-1])) % 64
}

// byteTrie answers "does some stored prefix start w" in one walk over w.
type byteTrie struct {
	next [][36]int32
	end  []bool
}

func newByteTrie(words []string) *byteTrie {
	t := &byteTrie{next: make([][36]int32, 1), end: make([]bool, 1)}
	for _, w := range words {
		n := 0
		ok := true
		for i := 0; i < len(w); i++ {
			c := trieIndex(w[i])
			if c < 0 {
				ok = false
				break
			}
			if t.next[n][c] == 0 {
				t.next = append(t.next, [36]int32{})
				t.end = append(t.end, false)
				t.next[n][c] = int32(len(t.next) - 1)
			}
			n = int(t.next[n][c])
		}
		if ok {
			t.end[n] = true
		}
	}
	return t
}

func (t *byteTrie) hasPrefixOf(w string) bool {
	n := 0
	for i := 0; i < len(w); i++ {
		c := trieIndex(w[i])
		if c < 0 {
			return false
		}
		if n = int(t.next[n][c]); n == 0 {
			return false
		}
		if t.end[n] {
			return true
		}
	}
	return false
}

type pattern struct {
	src   string
	specs []tokSpec
	// next is, when specs[1] is a token (not a gap) whose alternatives all start
	// with a-z0-9, the set of first bytes (bit trieIndex) of those alternatives: a
	// cheap test on the next token before matchAt.
	next    uint64
	next2   uint64 // Bloom bits of the alternatives' first two bytes (pairKey)
	hasNext bool
	// gapNext2, when specs[1] is a gap ~n and specs[2] a token whose
	// alternatives all start with a-z0-9, is specs[2]'s next2 and gapN is n: one
	// of the n+1 tokens after the first must pass it.
	gapNext2 uint64
	gapN     int
}

// pairKey is the Bloom bit of a word's first two bytes (c0, c1 as trieIndex;
// c1 = 36 for a one-byte word).
func pairKey(c0, c1 int) uint { return uint(c0*37+c1) % 64 }

// wordPairKey is pairKey of w, ok false when w's first two bytes are not a-z0-9.
func wordPairKey(w string) (uint, bool) {
	c0 := trieIndex(w[0])
	c1 := 36
	if len(w) > 1 {
		c1 = trieIndex(w[1])
	}
	if c0 < 0 || c1 < 0 {
		return 0, false
	}
	return pairKey(c0, c1), true
}

// firstBytes fills p.next from specs[1], or p.gapNext2 from specs[2] when
// specs[1] is a gap.
func (p *pattern) firstBytes() {
	if len(p.specs) < 2 {
		return
	}
	if g := p.specs[1].gap; g > 0 {
		if len(p.specs) < 3 || p.specs[2].gap > 0 {
			return
		}
		if _, mask2, ok := specMasks(&p.specs[2]); ok && mask2 != 0 {
			p.gapNext2, p.gapN = mask2, g
		}
		return
	}
	if mask, mask2, ok := specMasks(&p.specs[1]); ok {
		p.next, p.next2, p.hasNext = mask, mask2, true
	}
}

// specMasks gives the first-byte and pairKey Bloom masks of a token spec's
// alternatives, ok false when one of them does not start with a-z0-9.
func specMasks(s *tokSpec) (mask, mask2 uint64, ok bool) {
	for _, w := range append(append([]string{}, s.lits...), s.prefixes...) {
		if w == "" {
			return 0, 0, false
		}
		k, ok := wordPairKey(w)
		if !ok {
			return 0, 0, false
		}
		mask |= 1 << trieIndex(w[0])
		mask2 |= 1 << k
	}
	return mask, mask2, true
}

// compilePattern parses one pattern; words are folded so YAML may carry accents.
func compilePattern(src string) (*pattern, error) {
	p := &pattern{src: src}
	for _, f := range strings.Fields(foldPattern(src)) {
		if strings.HasPrefix(f, "~") {
			n, err := strconv.Atoi(f[1:])
			if err != nil || n < 1 || n > 8 {
				return nil, fmt.Errorf("pattern %q: bad gap %q", src, f)
			}
			if len(p.specs) == 0 {
				return nil, fmt.Errorf("pattern %q: starts with a gap", src)
			}
			p.specs = append(p.specs, tokSpec{gap: n})
			continue
		}
		var s tokSpec
		for _, alt := range strings.Split(f, "|") {
			if alt == "" {
				return nil, fmt.Errorf("pattern %q: empty alternative", src)
			}
			if strings.HasSuffix(alt, "*") {
				pre := strings.TrimSuffix(alt, "*")
				if len(pre) < 2 {
					return nil, fmt.Errorf("pattern %q: prefix %q too short", src, alt)
				}
				s.prefixes = append(s.prefixes, pre)
			} else {
				if strings.ContainsAny(alt, "*~") {
					return nil, fmt.Errorf("pattern %q: bad token %q", src, alt)
				}
				s.lits = append(s.lits, alt)
				s.litMask |= 1 << litKey(alt)
			}
		}
		if len(s.prefixes) > 4 {
			s.preTrie = newByteTrie(s.prefixes)
		}
		s.litGroups = groupLits(s.lits)
		p.specs = append(p.specs, s)
	}
	if len(p.specs) == 0 {
		return nil, fmt.Errorf("empty pattern %q", src)
	}
	if p.specs[len(p.specs)-1].gap > 0 {
		return nil, fmt.Errorf("pattern %q: ends with a gap", src)
	}
	return p, nil
}

// foldPattern folds a pattern the way textfold folds text, keeping the pattern
// operators; punctuation inside words becomes a token break (as in text).
func foldPattern(src string) string {
	var b strings.Builder
	for _, r := range src {
		switch r {
		case '*', '~', '|', ' ':
			b.WriteRune(r)
			continue
		}
		f := foldString(string(r))
		if len(f) == 1 && !isWordByte(f[0]) {
			b.WriteByte(' ')
			continue
		}
		b.WriteString(f)
	}
	return b.String()
}

// matchAt returns the end token index (exclusive) of the shortest match of specs
// starting at token i, or -1. A match never leaves sentence sent.
func matchAt(toks []token, i int, specs []tokSpec, sent int) int {
	if len(specs) == 0 {
		return i
	}
	s := &specs[0]
	if s.gap > 0 {
		for k := 0; k <= s.gap && i+k <= len(toks); k++ {
			if k > 0 && toks[i+k-1].sent != sent {
				break
			}
			if e := matchAt(toks, i+k, specs[1:], sent); e >= 0 {
				return e
			}
		}
		return -1
	}
	if i >= len(toks) || toks[i].sent != sent || !s.match(toks[i].s) {
		return -1
	}
	return matchAt(toks, i+1, specs[1:], sent)
}

// hit is one pattern match: pattern id and token range [first,last).
type hit struct {
	pat         int
	first, last int
}

// matcher finds every pattern of a set in a token stream in one pass. The first
// token of every pattern (literal or prefix) sits in a byte trie, so each token of
// the text costs one walk over its bytes, without hashing.
//
// add builds the candidate lists of the trie nodes; compile lays them out for
// the scan in three dense arrays (refs, splits, cands), which must be called
// after the last add and before a scan.
type matcher struct {
	pats  []*pattern
	nodes []trieNode
	lists [][]cand // candidate lists of the nodes, as add builds them; lists[0] is empty
	ids   map[string]int

	// What the scan reads, made by compile: refs[li] places list li in cands.
	refs   []listRef
	splits [][37]span
	cands  []cand
	// restSpecs[restAt[id].off:][:restAt[id].n] is a copy of
	// pats[id].specs[1:], what try matches after the trie walk: every
	// pattern's rest in one array, in the order of the patterns' first
	// candidate in lists (the patterns a word tries sit together), their
	// litGroups cut from one string likewise, instead of a slice (and a
	// string) per pattern reached through a 24-byte slice header.
	restAt    []span
	restSpecs []tokSpec
}

// span is the run [off, off+n) of one of matcher's arrays (cands, restSpecs).
type span struct{ off, n uint32 }

// listRef is a candidate list as the scan reads it: all its candidates, and
// for a long list ("la", "de", "en" start dozens of patterns) also its
// candidates filtered by the next token's first byte (splits[split-1][trieIndex+1],
// index 0 for no next token in the sentence or a byte outside a-z0-9), order
// kept; split 0 for a short list. Twelve bytes, one array: the scan reads one
// per list the word cache names (about 100 000 per pass over the dev set).
type listRef struct {
	all   span
	split uint32
}

// splitMin is the list length from which a list is split by the next token.
const splitMin = 8

// passes reports whether c can match when the next token's first byte has
// index nc (trieIndex, -1 none).
func (m *matcher) passes(c cand, nc int) bool {
	return c.kind != candNext || nc >= 0 && m.pats[c.id].next&(1<<nc) != 0
}

// compile lays the candidate lists out for the scan: each list's candidates,
// then for a long list its 37 filtered copies, as runs of one array, so a
// list's candidates sit together and take half the bytes of separate slices
// of the wider candidates of earlier versions.
func (m *matcher) compile() {
	m.compileRest()
	m.refs = make([]listRef, len(m.lists))
	m.splits = m.splits[:0]
	m.cands = m.cands[:0]
	run := func(list []cand, nc int, all bool) span {
		off := len(m.cands)
		for _, c := range list {
			if all || m.passes(c, nc) {
				m.cands = append(m.cands, c)
			}
		}
		return span{off: uint32(off), n: uint32(len(m.cands) - off)}
	}
	for li, list := range m.lists {
		r := listRef{all: run(list, -1, true)}
		if len(list) >= splitMin {
			var sp [37]span
			for nc := -1; nc < 36; nc++ {
				sp[nc+1] = run(list, nc, false)
			}
			m.splits = append(m.splits, sp)
			r.split = uint32(len(m.splits))
		}
		m.refs[li] = r
	}
}

// compileRest lays out restAt and restSpecs.
func (m *matcher) compileRest() {
	n, nb := 0, 0
	for _, p := range m.pats {
		n += len(p.specs) - 1
		for _, s := range p.specs[1:] {
			nb += len(s.litGroups)
		}
	}
	m.restAt = make([]span, len(m.pats))
	m.restSpecs = make([]tokSpec, 0, n)
	var b strings.Builder
	b.Grow(nb)
	placed := make([]bool, len(m.pats))
	place := func(id int) {
		if placed[id] {
			return
		}
		placed[id] = true
		rest := m.pats[id].specs[1:]
		m.restAt[id] = span{off: uint32(len(m.restSpecs)), n: uint32(len(rest))}
		for _, s := range rest {
			b.WriteString(s.litGroups)
		}
		m.restSpecs = append(m.restSpecs, rest...)
	}
	for _, list := range m.lists {
		for _, c := range list {
			place(int(c.id))
		}
	}
	for id := range m.pats { // patterns in no list: a first token the trie cannot hold
		place(id)
	}
	groups, off := b.String(), 0
	for i := range m.restSpecs {
		s := &m.restSpecs[i]
		s.litGroups, off = groups[off:off+len(s.litGroups)], off+len(s.litGroups)
	}
}

// maxTrieNodes bounds the trie so that node indexes fit in uint16 (small nodes
// stay in cache: the scan touches a node per byte of every token). The shipped
// taxonomy needs about 5 100.
const maxTrieNodes = 1<<16 - 1

// trieNode children are indexed by trieIndex (a-z, 0-9); lit holds patterns whose
// first token is exactly the path, pre those whose first token starts with it.
type trieNode struct {
	next     [36]uint16
	lit, pre int32 // index into matcher.lists, 0 none
}

// cand is a pattern to try at a token, with what scan needs to reject it
// without reading the pattern (kind, and next2 folded to 32 bits: fold32).
// Eight bytes: the scan reads about 280 000 per pass over the dev set.
type cand struct {
	next2 uint32 // fold32 of pattern.next2 (candNext) or pattern.gapNext2 (candGap)
	id    uint16
	kind  uint8
	gapN  uint8 // candGap: specs[1] is a gap ~gapN and next2 filters specs[2]
}

// Kinds of cand: what try tests before matchAt.
const (
	candSingle = iota // a one-token pattern: the walk matched it all
	candNext          // the next token's first two bytes must be in next2
	candGap           // one of the gapN+1 tokens after the first must pass next2
	candRest          // no filter: matchAt decides
)

// maxPatterns bounds a matcher's distinct patterns so that cand.id fits uint16.
// The shipped taxonomy has about 2 100.
const maxPatterns = 1 << 16

func candOf(id int, p *pattern) cand {
	c := cand{id: uint16(id), kind: candRest}
	switch {
	case len(p.specs) == 1:
		c.kind = candSingle
	case p.hasNext:
		c.kind, c.next2 = candNext, fold32(p.next2)
	case p.gapN > 0:
		c.kind, c.gapN, c.next2 = candGap, uint8(p.gapN), fold32(p.gapNext2)
	}
	return c
}

// fold32 folds a 64-bit pairKey Bloom mask to 32 bits (bit b to bit b%32), the
// width of tokKeys.key: a weaker filter (about 1.5 % more matchAt calls on the
// dev set) in half the bytes.
func fold32(mask uint64) uint32 { return uint32(mask) | uint32(mask>>32) }

// trieIndex is c's child index in the tries (a-z 0-25, 0-9 26-35), -1 for
// any other byte. A table, as isWordByte: it runs on every byte of a walk.
func trieIndex(c byte) int { return int(trieIdx[c]) }

var trieIdx = func() (t [256]int8) {
	for c := range t {
		switch b := byte(c); {
		case b >= 'a' && b <= 'z':
			t[c] = int8(b - 'a')
		case b >= '0' && b <= '9':
			t[c] = int8(26 + b - '0')
		default:
			t[c] = -1
		}
	}
	return t
}()

func newMatcher() *matcher {
	return &matcher{nodes: make([]trieNode, 1), lists: make([][]cand, 1), ids: map[string]int{}}
}

// node returns the trie node for word, creating it; ok is false when word has a
// byte outside a-z0-9 (such a first token can never match a folded text token).
func (m *matcher) node(word string) (int, bool, error) {
	n := 0
	for i := 0; i < len(word); i++ {
		c := trieIndex(word[i])
		if c < 0 {
			return 0, false, nil
		}
		if m.nodes[n].next[c] == 0 {
			if len(m.nodes) >= maxTrieNodes {
				return 0, false, fmt.Errorf("more than %d distinct first-word prefixes: split the taxonomy", maxTrieNodes)
			}
			m.nodes = append(m.nodes, trieNode{})
			m.nodes[n].next[c] = uint16(len(m.nodes) - 1)
		}
		n = int(m.nodes[n].next[c])
	}
	return n, true, nil
}

// addCand appends c to the list at *li, creating the list.
func (m *matcher) addCand(li *int32, c cand) {
	if *li == 0 {
		*li = int32(len(m.lists))
		m.lists = append(m.lists, nil)
	}
	m.lists[*li] = append(m.lists[*li], c)
}

// add compiles src (once per distinct source) and returns its id.
func (m *matcher) add(src string) (int, error) {
	key := foldPattern(src)
	key = strings.Join(strings.Fields(key), " ")
	if id, ok := m.ids[key]; ok {
		return id, nil
	}
	p, err := compilePattern(src)
	if err != nil {
		return 0, err
	}
	p.firstBytes()
	id := len(m.pats)
	if id >= maxPatterns {
		return 0, fmt.Errorf("pattern %q: more than %d distinct patterns: split the taxonomy", src, maxPatterns)
	}
	m.pats = append(m.pats, p)
	m.ids[key] = id
	first := p.specs[0]
	for _, l := range first.lits {
		n, ok, err := m.node(l)
		if err != nil {
			return 0, fmt.Errorf("pattern %q: %w", src, err)
		}
		if ok {
			m.addCand(&m.nodes[n].lit, candOf(id, p))
		}
	}
	for _, pre := range first.prefixes {
		n, ok, err := m.node(pre)
		if err != nil {
			return 0, fmt.Errorf("pattern %q: %w", src, err)
		}
		if ok {
			m.addCand(&m.nodes[n].pre, candOf(id, p))
		}
	}
	return id, nil
}

// walk appends to dst the candidate lists the trie walk of w meets, in the
// order scan tries them: prefix lists by depth, then the literal list.
func (m *matcher) walk(w string, dst []int32) []int32 {
	n := 0
	for j := 0; j < len(w); j++ {
		c := trieIndex(w[j])
		if c < 0 {
			return dst
		}
		if n = int(m.nodes[n].next[c]); n == 0 {
			return dst
		}
		if li := m.nodes[n].pre; li != 0 {
			dst = append(dst, li)
		}
	}
	if n != 0 && m.nodes[n].lit != 0 {
		dst = append(dst, m.nodes[n].lit)
	}
	return dst
}

// scan returns all hits, in token order.
func (m *matcher) scan(toks []token, dst []hit) []hit { return m.scanWalks(toks, nil, dst) }

// tokKeys holds, per token of a scan, 1<<(pairKey%32) of its first two bytes
// (0 when they are not a-z0-9): what try tests (against cand.next2) of the
// tokens after a candidate's first, computed once per token instead of once
// per candidate.
type tokKeys struct{ key []uint32 }

var tokKeysPool = sync.Pool{New: func() any { return new(tokKeys) }}

// keysOf returns the tokKeys of toks (pooled: putKeys when done).
func keysOf(toks []token) *tokKeys {
	k := tokKeysPool.Get().(*tokKeys)
	k.key = slices.Grow(k.key[:0], len(toks))[:len(toks)]
	for i := range toks {
		pk, ok := wordPairKey(toks[i].s)
		k.key[i] = b2u(ok) << (pk % 32)
	}
	return k
}

func putKeys(k *tokKeys) {
	if k != nil && cap(k.key) <= 1<<16 { // do not keep a giant document's table
		tokKeysPool.Put(k)
	}
}

// b2u is 1 for true, 0 for false.
func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// scanWalks is scan where voc, when not nil, gives m.walk(toks[i].s) from the
// word cache for the tokens it holds.
func (m *matcher) scanWalks(toks []token, voc *docVocab, dst []hit) []hit {
	if len(m.refs) != len(m.lists) || len(m.restAt) != len(m.pats) {
		panic("nlp: matcher scanned without compile after its last add")
	}
	if dst == nil {
		dst = make([]hit, 0, 64)
	}
	// the keys are computed at the first candidate list: almost every text
	// has one for the taxonomy, few for a campaign's phrases
	var k *tokKeys
	for i := range toks {
		w := toks[i].s
		if voc != nil {
			if walk, ok := voc.walk(i); ok {
				for _, li := range walk {
					if k == nil {
						k = keysOf(toks)
					}
					dst = m.try(dst, toks, k, li, i)
				}
				continue
			}
		}
		n := 0
		for j := 0; j < len(w); j++ {
			c := trieIndex(w[j])
			if c < 0 {
				n = 0
				break
			}
			if n = int(m.nodes[n].next[c]); n == 0 {
				break
			}
			if li := m.nodes[n].pre; li != 0 {
				if k == nil {
					k = keysOf(toks)
				}
				dst = m.try(dst, toks, k, li, i)
			}
		}
		if n != 0 && m.nodes[n].lit != 0 {
			if k == nil {
				k = keysOf(toks)
			}
			dst = m.try(dst, toks, k, m.nodes[n].lit, i)
		}
	}
	putKeys(k)
	return dst
}

// try appends to dst the hits at token i of the candidates in list li; the
// trie walk already matched the first word: match the rest only.
func (m *matcher) try(dst []hit, toks []token, k *tokKeys, li int32, i int) []hit {
	// the next token in the sentence, if any: its tokKeys bit (0 none), and
	// for a split list the trieIndex of its first byte (-1 none)
	next := i+1 < len(toks) && toks[i+1].sent == toks[i].sent
	nk := uint32(0)
	if next {
		nk = k.key[i+1]
	}
	r := &m.refs[li]
	run := r.all
	if r.split != 0 {
		nextC := -1
		if next {
			nextC = trieIndex(toks[i+1].s[0])
		}
		run = m.splits[r.split-1][nextC+1]
	}
	for _, c := range m.cands[run.off : run.off+run.n] {
		id := int(c.id)
		switch c.kind {
		case candSingle:
			dst = append(dst, hit{pat: id, first: i, last: i + 1})
			continue
		case candNext:
			// the next token must match specs[1]: test its first two bytes
			if c.next2&nk == 0 {
				continue
			}
		case candGap:
			// a gap ~n then a token: one of the next n+1 tokens of the
			// sentence must pass that token's first-two-bytes test
			if !gapPasses(toks, k.key, i, int(c.gapN), c.next2) {
				continue
			}
		}
		if e := matchAt(toks, i+1, m.restSpecs[m.restAt[id].off:][:m.restAt[id].n], toks[i].sent); e > i {
			dst = append(dst, hit{pat: id, first: i, last: e})
		}
	}
	return dst
}

// gapPasses reports whether one of the tokens i+1 … i+1+n of toks[i]'s
// sentence has a tokKeys bit in mask (a necessary condition for matchAt of "~n
// spec" at i+1 when mask is fold32 of spec's next2); keys are tokKeys.key.
func gapPasses(toks []token, keys []uint32, i, n int, mask uint32) bool {
	sent := toks[i].sent
	for j := i + 1; j <= i+1+n && j < len(toks) && toks[j].sent == sent; j++ {
		if mask&keys[j] != 0 {
			return true
		}
	}
	return false
}

func foldString(s string) string {
	var buf [16]byte
	var b strings.Builder
	for _, r := range s {
		b.Write(foldRune(r, buf[:0]))
	}
	return b.String()
}
