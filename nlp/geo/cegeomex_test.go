package geo

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
)

type cegeoDoc struct {
	text  string
	spans [][2]int // gold location spans, byte offsets into text
}

// loadCegeomex reads the sample and turns "<START:location> X <END>" markup into
// plain text with spans.
func loadCegeomex(tb testing.TB) []cegeoDoc {
	tb.Helper()
	f, err := os.Open("testdata/cegeomex/sample.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var docs []cegeoDoc
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var raw struct {
			DocLocations string `json:"doc_locations"`
		}
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			tb.Fatal(err)
		}
		docs = append(docs, parseCegeo(raw.DocLocations))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return docs
}

func parseCegeo(s string) cegeoDoc {
	const open, close = "<START:location> ", " <END>"
	var b strings.Builder
	var d cegeoDoc
	for {
		i := strings.Index(s, open)
		if i < 0 {
			break
		}
		b.WriteString(s[:i])
		s = s[i+len(open):]
		j := strings.Index(s, close)
		if j < 0 {
			break
		}
		start := b.Len()
		b.WriteString(s[:j])
		d.spans = append(d.spans, [2]int{start, b.Len()})
		s = s[j+len(close):]
	}
	b.WriteString(s)
	d.text = b.String()
	return d
}

// TestCegeomexSpans runs the tagger on Mexican news (source_country MX). The
// gazetteer holds no Mexican municipalities, so every place of the region it
// tags below country level there is a false local reading of a Mexican name or a
// word ("San Carlos", "Arizona", "Mora"); the test bounds how many there are per
// document. It also measures recall on gold spans naming a country, the only
// Mexican-news places the gazetteer resolves.
func TestCegeomexSpans(t *testing.T) {
	tg := mustTagger(t)
	docs := loadCegeomex(t)
	var local, countryGold, countryFound int
	for _, d := range docs {
		doc := &escucha.Document{ID: "mx", Text: d.text, SourceCountry: "MX"}
		places := tg.Tag(doc)
		for _, p := range places {
			if p.Admin1 != "" {
				local++
				t.Logf("local place in Mexican news: %q (%s %s %s)", p.Surface, p.Country, p.Admin1, p.Admin2)
			}
		}
		for _, s := range d.spans {
			name := normName(d.text[s[0]:s[1]])
			isCountry := false
			if pi, ok := tg.gaz.patIndex[name]; ok {
				for _, c := range tg.gaz.cands[pi] {
					isCountry = isCountry || tg.gaz.entries[c].level == levelCountry
				}
			}
			if !isCountry {
				continue
			}
			countryGold++
			for _, p := range places {
				if p.Start == s[0] && p.End == s[1] {
					countryFound++
					break
				}
			}
		}
	}
	perDoc := float64(local) / float64(len(docs))
	rec := float64(countryFound) / float64(max(countryGold, 1))
	t.Logf("cegeomex sample (%d docs): %d local places (%.3f per document), country-span recall %.3f (%d/%d)",
		len(docs), local, perDoc, rec, countryFound, countryGold)
	if perDoc > cegeoLocalPerDocCeiling || rec < cegeoCountryRecallFloor {
		t.Errorf("cegeomex: %.3f local places per document > %.2f or country recall %.3f < %.2f",
			perDoc, cegeoLocalPerDocCeiling, rec, cegeoCountryRecallFloor)
	}
}
