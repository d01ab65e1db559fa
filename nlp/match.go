package nlp

import (
	"fmt"
	"slices"
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
	gap      int // > 0: this spec is a gap of 0..gap tokens
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
	for _, p := range s.prefixes {
		if strings.HasPrefix(w, p) {
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

// matcher finds every pattern of a set in a token stream in one pass, indexing
// patterns by the literal or prefix of their first token.
type matcher struct {
	pats     []*pattern
	byLit    map[string][]int
	byPrefix map[string][]int
	preLens  []int // distinct prefix lengths, ascending
	ids      map[string]int
}

func newMatcher() *matcher {
	return &matcher{byLit: map[string][]int{}, byPrefix: map[string][]int{}, ids: map[string]int{}}
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
		m.byLit[l] = append(m.byLit[l], id)
	}
	for _, pre := range first.prefixes {
		m.byPrefix[pre] = append(m.byPrefix[pre], id)
		if !slices.Contains(m.preLens, len(pre)) {
			m.preLens = append(m.preLens, len(pre))
			slices.Sort(m.preLens)
		}
	}
	return id, nil
}

// scan returns all hits, in token order.
func (m *matcher) scan(toks []token, dst []hit) []hit {
	try := func(ids []int, i int) {
		for _, id := range ids {
			if e := matchAt(toks, i, m.pats[id].specs, toks[i].sent); e > i {
				dst = append(dst, hit{pat: id, first: i, last: e})
			}
		}
	}
	for i := range toks {
		w := toks[i].s
		if ids, ok := m.byLit[w]; ok {
			try(ids, i)
		}
		for _, l := range m.preLens {
			if l > len(w) {
				break
			}
			if ids, ok := m.byPrefix[w[:l]]; ok {
				try(ids, i)
			}
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
