package geo

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugDev(t *testing.T) {
	want := os.Getenv("GEODBG")
	if want == "" {
		t.Skip()
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
