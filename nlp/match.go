package nlp

import (
	"fmt"
	"strconv"
	"strings"
)

// Pattern syntax (over folded text: lower case, no accents, ñ→n):
//
//	word          the token "word"
//	asesin*       any token starting with "asesin" (morphology: asesino, asesinada, …)
//	mujer|nina*   alternatives for one token
//	~3            zero to three arbitrary tokens
//
// Tokens are separated by spaces: "muerte* violenta* de ~2 mujer*|nina*".

type tokSpec struct {
	lits     []string
	litSet   map[string]bool // lits as a set, when there are many
	prefixes []string
	preTrie  *byteTrie // prefixes as a trie, when there are many
	gap      int       // > 0: this spec is a gap of 0..gap tokens
}

func (s *tokSpec) match(w string) bool {
	if s.litSet != nil {
		if s.litSet[w] {
			return true
		}
	} else {
		for _, l := range s.lits {
			if w == l {
				return true
			}
		}
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
			}
		}
		if len(s.prefixes) > 4 {
			s.preTrie = newByteTrie(s.prefixes)
		}
		if len(s.lits) > 4 {
			s.litSet = map[string]bool{}
			for _, l := range s.lits {
				s.litSet[l] = true
			}
		}
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
type matcher struct {
	pats  []*pattern
	nodes []trieNode
	ids   map[string]int
}

// trieNode children are indexed by trieIndex (a-z, 0-9); lit holds patterns whose
// first token is exactly the path, pre those whose first token starts with it.
type trieNode struct {
	next [36]int32
	lit  []int
	pre  []int
}

func trieIndex(c byte) int {
	switch {
	case c >= 'a' && c <= 'z':
		return int(c - 'a')
	case c >= '0' && c <= '9':
		return 26 + int(c-'0')
	}
	return -1
}

func newMatcher() *matcher {
	return &matcher{nodes: make([]trieNode, 1), ids: map[string]int{}}
}

// node returns the trie node for word, creating it; ok is false when word has a
// byte outside a-z0-9 (such a first token can never match a folded text token).
func (m *matcher) node(word string) (int, bool) {
	n := 0
	for i := 0; i < len(word); i++ {
		c := trieIndex(word[i])
		if c < 0 {
			return 0, false
		}
		if m.nodes[n].next[c] == 0 {
			m.nodes = append(m.nodes, trieNode{})
			m.nodes[n].next[c] = int32(len(m.nodes) - 1)
		}
		n = int(m.nodes[n].next[c])
	}
	return n, true
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
	id := len(m.pats)
	m.pats = append(m.pats, p)
	m.ids[key] = id
	first := p.specs[0]
	for _, l := range first.lits {
		if n, ok := m.node(l); ok {
			m.nodes[n].lit = append(m.nodes[n].lit, id)
		}
	}
	for _, pre := range first.prefixes {
		if n, ok := m.node(pre); ok {
			m.nodes[n].pre = append(m.nodes[n].pre, id)
		}
	}
	return id, nil
}

// scan returns all hits, in token order.
func (m *matcher) scan(toks []token, dst []hit) []hit {
	if dst == nil {
		dst = make([]hit, 0, len(toks)/2+8)
	}
	// the trie walk already matched the first word: match the rest only
	try := func(ids []int, i int) {
		for _, id := range ids {
			specs := m.pats[id].specs
			if len(specs) == 1 {
				dst = append(dst, hit{pat: id, first: i, last: i + 1})
			} else if e := matchAt(toks, i+1, specs[1:], toks[i].sent); e > i {
				dst = append(dst, hit{pat: id, first: i, last: e})
			}
		}
	}
	for i := range toks {
		w := toks[i].s
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
			if len(m.nodes[n].pre) > 0 {
				try(m.nodes[n].pre, i)
			}
		}
		if n != 0 && len(m.nodes[n].lit) > 0 {
			try(m.nodes[n].lit, i)
		}
	}
	return dst
}

func foldString(s string) string {
	var buf [16]byte
	var b strings.Builder
	for _, r := range s {
		b.Write(foldRune(r, buf[:0]))
	}
	return b.String()
}
