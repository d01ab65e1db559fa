package geo

import (
	"fmt"
	"testing"
)

func TestTmpDiff(t *testing.T) {
	if *devDump != "diff" {
		t.Skip()
	}
	gold := loadDev(t)
	tg := mustTagger(t)
	r := allRules
	r.countryFocus = false
	a := predict(tg, gold, allRules)
	b := predict(tg, gold, r)
	for i := range gold {
		fa, _ := a[i].Focus()
		fb, _ := b[i].Focus()
		if fa.Admin2 != fb.Admin2 || fa.Admin1 != fb.Admin1 || fa.Country != fb.Country {
			gf, _ := gold[i].Focus()
			fmt.Printf("%s gold=%s|%s|%s with=%s|%s %q without=%s|%s %q\n", gold[i].ID, gf.Country, gf.Admin1, gf.Admin2, fa.Admin1, fa.Admin2, fa.Surface, fb.Admin1, fb.Admin2, fb.Surface)
		}
	}
}
