package geo

import (
	"flag"
	"fmt"
	"testing"
)

var devDump = flag.String("geodev", "", "print gold and predicted places of a dev document id, \"all\" or \"spurious\"")

// TestDumpDev prints dev documents with gold and predicted places, for error
// analysis: go test ./nlp/geo -run TestDumpDev -geodev dev-0001 -v
func TestDumpDev(t *testing.T) {
	want := *devDump
	if want == "" {
		t.Skip("set -geodev")
	}
	gold := loadDev(t)
	tg := mustTagger(t)
	for _, g := range gold {
		if want != "all" && want != "spurious" && g.ID != want {
			continue
		}
		pred := tg.Tag(g)
		_, gok := g.Focus()
		if want == "spurious" && gok {
			continue
		}
		fmt.Printf("== %s [%s] %s\n%s\n", g.ID, g.SourceCountry, g.Title, g.Text)
		for _, p := range g.Places {
			fmt.Printf("  GOLD %s %s|%s|%s|%s %q\n", p.Role, p.Country, p.Admin1, p.Admin2, p.Admin3, p.Surface)
		}
		for _, p := range pred {
			fmt.Printf("  PRED %s %s|%s|%s|%s|%s %q %.2f\n", p.Role, p.Country, p.Admin1, p.Admin2, p.Admin3, p.Locality, p.Surface, p.Score)
		}
		if gn, ok := g.Extra["gold_notes"]; ok {
			fmt.Printf("  NOTE %s\n", gn)
		}
	}
}

// TestMentionDiff prints gold places the tagger missed and places it added:
// go test ./nlp/geo -run TestMentionDiff -geodev mentions -v
func TestMentionDiff(t *testing.T) {
	if *devDump != "mentions" {
		t.Skip()
	}
	gold := loadDev(t)
	tg := mustTagger(t)
	for _, g := range gold {
		pred := tg.Tag(g)
		gm, _ := placeKeys(g.Places)
		pm, _ := placeKeys(pred)
		for k := range gm {
			if !pm[k] {
				fmt.Printf("%s MISS %s\n", g.ID, k)
			}
		}
		for k := range pm {
			if !gm[k] {
				fmt.Printf("%s EXTRA %s\n", g.ID, k)
			}
		}
	}
}
