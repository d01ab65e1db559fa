package geo

import (
	"fmt"
	"testing"
)

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
