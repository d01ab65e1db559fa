package geo

import (
	"slices"
	"strings"
	"testing"

	ac "github.com/petar-dambovaliev/aho-corasick"

	"github.com/infosegura/escucha/nlp/textfold"
)

// TestWordMatcherEqualsAhoCorasick checks that the word matcher finds exactly
// the matches of an overlapping Aho-Corasick scan kept on word boundaries, and
// the stem scanner exactly the starts of a leftmost-first scan, over the dev
// set and a few edge cases.
func TestWordMatcherEqualsAhoCorasick(t *testing.T) {
	tg := mustTagger(t)
	texts := []string{"", "x", "ee. uu.", "los ee. uu. y ee.uu.x", "la democracia (la mesilla), huehuetenango",
		"san jose pinula san jose  pinula san-jose", "mato a", "matoasesinado", "zona 18 de guatemala."}
	for _, d := range loadDev(t) {
		texts = append(texts, textfold.Fold(d.Body()).Text)
	}
	pats := append([]string{}, tg.gaz.patterns...)
	rb := ac.NewAhoCorasickBuilder(ac.Opts{MatchKind: ac.StandardMatch, DFA: true})
	ref := rb.Build(pats)
	eb := ac.NewAhoCorasickBuilder(ac.Opts{MatchKind: ac.LeftMostFirstMatch, DFA: true})
	evRef := eb.Build(eventStems)
	type span struct{ s, e, p int }
	cmp := func(a, b span) int {
		if a.s != b.s {
			return a.s - b.s
		}
		if a.e != b.e {
			return a.e - b.e
		}
		return a.p - b.p
	}
	for i, ft := range texts {
		var want, got []span
		it := ref.IterOverlapping(ft)
		for m := it.Next(); m != nil; m = it.Next() {
			s, e := m.Start(), m.End()
			if s > 0 && isWordByte(ft[s-1]) || e < len(ft) && isWordByte(ft[e]) {
				continue
			}
			want = append(want, span{s, e, m.Pattern()})
		}
		tg.gaz.matcher.each(ft, func(s, e, p int) { got = append(got, span{s, e, p}) })
		slices.SortFunc(want, cmp)
		slices.SortFunc(got, cmp)
		if !slices.Equal(want, got) {
			t.Errorf("text %d %.60q: matches differ:\nwant %v\n got %v", i, ft, want, got)
		}
		var evWant []int
		eit := evRef.Iter(ft)
		for m := eit.Next(); m != nil; m = eit.Next() {
			evWant = append(evWant, m.Start())
		}
		if evGot := tg.gaz.events.starts(ft, nil); !slices.Equal(evWant, evGot) {
			t.Errorf("text %d %.60q: event starts differ:\nwant %v\n got %v", i, ft, evWant, evGot)
		}
		// per sentence (as doc.sentence cuts them): anyIn is "a start in it"
		s := 0
		for e := 0; e <= len(ft); e++ {
			if e < len(ft) && !sentenceEnd[ft[e]] {
				continue
			}
			want := slices.ContainsFunc(evWant, func(p int) bool { return p >= s && p < e })
			if got := tg.gaz.events.anyIn(ft, s, e); got != want {
				t.Errorf("text %d: sentence %.60q: anyIn %v, want %v", i, ft[s:e], got, want)
			}
			s = e + 1
		}
	}
}

func TestHasFutureWord(t *testing.T) {
	ref := func(s string) bool {
		for _, w := range strings.Fields(s) {
			w = strings.TrimRight(w, futureCutset)
			if strings.HasSuffix(w, "rá") || strings.HasSuffix(w, "rán") {
				return true
			}
		}
		return false
	}
	cases := []string{"", "será", "La audiencia será en Escuintla.", "viajarán\u00a0a Panamá", "rá", "rán", "ránx", "rá)x",
		"dirá», dijo", "se realizará: mañana", "Sierra", "será.n", "ocurrió ayer", "prará", "Guárdalo", "rá.", "esperarán\"."}
	for _, d := range loadDev(t) {
		cases = append(cases, d.Body())
	}
	for _, c := range cases {
		if got, want := hasFutureWord(c), ref(c); got != want {
			t.Errorf("hasFutureWord(%.60q) = %v, want %v", c, got, want)
		}
	}
}
