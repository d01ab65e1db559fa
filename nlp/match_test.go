package nlp

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// scanRef is the pattern scan without the trie, the candidate lists or their
// filters: at each token, every pattern whose first token spec has a prefix
// that starts the word (shortest prefix first) and then every pattern with the
// word as a literal, each in id order, kept when matchAt matches the rest. A
// prefix or literal holding a byte outside a-z0-9 never matches (the trie
// cannot hold it). This is the order scan promises.
func scanRef(m *matcher, toks []token) []hit {
	// first token → pattern ids, ascending, a pattern once per time it lists it
	byPre, byLit := map[string][]int{}, map[string][]int{}
	trieWord := func(s string) bool {
		return !strings.ContainsFunc(s, func(r rune) bool { return r > 127 || trieIndex(byte(r)) < 0 })
	}
	for id, p := range m.pats {
		for _, pre := range p.specs[0].prefixes {
			if trieWord(pre) {
				byPre[pre] = append(byPre[pre], id)
			}
		}
		for _, l := range p.specs[0].lits {
			if trieWord(l) {
				byLit[l] = append(byLit[l], id)
			}
		}
	}
	var out []hit
	try := func(id, i int) {
		if e := matchAt(toks, i+1, m.pats[id].specs[1:], toks[i].sent); e > i {
			out = append(out, hit{pat: id, first: i, last: e})
		}
	}
	for i := range toks {
		w := toks[i].s
		for d := 1; d <= len(w); d++ {
			for _, id := range byPre[w[:d]] {
				try(id, i)
			}
		}
		for _, id := range byLit[w] {
			try(id, i)
		}
	}
	return out
}

// TestScanEqualsRef compares the taxonomy's pattern scan, by the trie and by
// the word cache's walks, with scanRef on the dev documents, and a campaign's
// phrases on the same tokens.
func TestScanEqualsRef(t *testing.T) {
	docs, _, cfg := benchInputs(t)
	if testing.Short() {
		docs = docs[:100]
	}
	e := mustEnricher(t, cfg)
	var phrases *matcher
	for _, c := range e.campaigns {
		if phrases == nil || len(c.phrases.pats) > len(phrases.pats) {
			phrases = c.phrases
		}
	}
	n := 0
	for _, d := range docs {
		tx := prepare(d.Body(), len(d.Title))
		want := scanRef(e.c.m, tx.toks)
		n += len(want)
		if got := e.c.m.scan(tx.toks, nil); !slices.Equal(got, want) {
			t.Fatalf("%s: scan\n got %v\nwant %v", d.ID, got, want)
		}
		v := e.fast.lookup(tx, &e.stems)
		if got := e.c.m.scanWalks(tx.toks, v, nil); !slices.Equal(got, want) {
			t.Fatalf("%s: scanWalks\n got %v\nwant %v", d.ID, got, want)
		}
		e.fast.release(v)
		if phrases != nil {
			if got, want := phrases.scan(tx.toks, nil), scanRef(phrases, tx.toks); !slices.Equal(got, want) {
				t.Fatalf("%s: campaign phrases\n got %v\nwant %v", d.ID, got, want)
			}
		}
	}
	if n == 0 {
		t.Fatal("no hits on the dev set")
	}
	t.Logf("%d documents, %d hits", len(docs), n)
}

// TestIsLitGroups checks tokSpec.isLit on literal sets litGroups splits: more
// than 255 literals of one length, literals of 255 and 256 bytes, and the
// empty word.
func TestIsLitGroups(t *testing.T) {
	var lits []string
	for i := range 300 {
		lits = append(lits, fmt.Sprintf("w%03d", i))
	}
	lits = append(lits, "ab", strings.Repeat("x", 255), strings.Repeat("y", 256), "zz")
	s := &tokSpec{lits: lits, litGroups: groupLits(lits)}
	words := []string{"", "a", "ab", "zz", "w300", "w29", "w0000", strings.Repeat("x", 254), strings.Repeat("y", 255), strings.Repeat("y", 257)}
	for _, l := range lits {
		words = append(words, l, l+"a", l[:len(l)-1], strings.ToUpper(l))
	}
	for _, w := range words {
		if got, want := s.isLit(w), slices.Contains(lits, w); got != want {
			t.Errorf("isLit(%.20q… %d bytes) = %v, want %v", w, len(w), got, want)
		}
	}
}

// TestCompileRestEqualsSpecs: the scan's copy of every pattern's rest
// (restSpecs, laid out by compile) holds the same specs as the pattern, and
// the patterns' runs share no spec.
func TestCompileRestEqualsSpecs(t *testing.T) {
	e := mustEnricher(t, Config{})
	ms := []*matcher{e.c.m}
	for _, c := range e.campaigns {
		ms = append(ms, c.phrases)
	}
	for mi, m := range ms {
		owner := make([]int, len(m.restSpecs))
		for id, p := range m.pats {
			r := m.restAt[id]
			got, want := m.restSpecs[r.off:][:r.n], p.specs[1:]
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("matcher %d, pattern %d %q: rest\n got %+v\nwant %+v", mi, id, p.src, got, want)
			}
			for k := range got {
				if owner[int(r.off)+k] != 0 {
					t.Fatalf("matcher %d: spec %d in patterns %d and %d", mi, int(r.off)+k, owner[int(r.off)+k]-1, id)
				}
				owner[int(r.off)+k] = id + 1
			}
		}
		if i := slices.Index(owner, 0); i >= 0 {
			t.Fatalf("matcher %d: spec %d in no pattern", mi, i)
		}
	}
	if len(ms[0].restSpecs) < 1000 {
		t.Fatalf("taxonomy matcher: %d rest specs, want the taxonomy's (thousands)", len(ms[0].restSpecs))
	}
}
