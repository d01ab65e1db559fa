package geo

import (
	"strings"
	"testing"

	cf "github.com/cloudflare/ahocorasick"
	ac "github.com/petar-dambovaliev/aho-corasick"

	"github.com/infosegura/escucha/nlp/textfold"
)

// BenchmarkMatchers compares the tagger's word matcher with the two
// Aho-Corasick libraries in go.mod on the folded dev set with the gazetteer's
// patterns (docs/geo.md). The word matcher reports only matches on word
// boundaries; the automata report every match, which the tagger used to filter. cloudflare's
// Match returns only which patterns occur, without offsets, so it cannot serve
// a tagger that reports spans; it is measured for its speed alone.
func BenchmarkMatchers(b *testing.B) {
	docs := loadDev(b)
	var sb strings.Builder
	for _, d := range docs {
		sb.WriteString(d.Body())
		sb.WriteString("\n")
	}
	text := textfold.Fold(sb.String()).Text
	pats := mustTagger(b).gaz.patterns
	for _, c := range []struct {
		name string
		run  func() int
	}{
		{"word-matcher", func() func() int {
			m := newWordMatcher(pats)
			return func() int {
				n := 0
				m.each(text, func(s, e, p int) { n++ })
				return n
			}
		}()},
		{"petar-dfa-overlapping", func() func() int {
			bl := ac.NewAhoCorasickBuilder(ac.Opts{MatchKind: ac.StandardMatch, DFA: true})
			m := bl.Build(pats)
			return func() int {
				n := 0
				it := m.IterOverlapping(text)
				for x := it.Next(); x != nil; x = it.Next() {
					n++
				}
				return n
			}
		}()},
		{"petar-dfa-leftmost-longest", func() func() int {
			bl := ac.NewAhoCorasickBuilder(ac.Opts{MatchKind: ac.LeftMostLongestMatch, DFA: true})
			m := bl.Build(pats)
			return func() int {
				n := 0
				it := m.Iter(text)
				for x := it.Next(); x != nil; x = it.Next() {
					n++
				}
				return n
			}
		}()},
		{"petar-nfa-overlapping", func() func() int {
			bl := ac.NewAhoCorasickBuilder(ac.Opts{MatchKind: ac.StandardMatch, DFA: false})
			m := bl.Build(pats)
			return func() int {
				n := 0
				it := m.IterOverlapping(text)
				for x := it.Next(); x != nil; x = it.Next() {
					n++
				}
				return n
			}
		}()},
		{"cloudflare-no-offsets", func() func() int {
			m := cf.NewStringMatcher(pats)
			return func() int { return len(m.Match([]byte(text))) }
		}()},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for i := 0; i < b.N; i++ {
				c.run()
			}
		})
	}
}
