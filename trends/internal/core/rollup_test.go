package core

import (
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

// TestRollupTable: which questions the rollups may answer. A wrong "yes" would
// answer a filtered question with unfiltered counts, so every filter field the
// rollups do not hold must send the question to docs.
func TestRollupTable(t *testing.T) {
	for _, c := range []struct {
		name  string
		by    escucha.Dimension
		f     escucha.Filter
		table string
	}{
		{"total", escucha.ByNone, escucha.Filter{}, RollPlace},
		{"by department in a country", escucha.ByAdmin1, escucha.Filter{Countries: []string{"GT"}}, RollPlace},
		{"by municipality of a department", escucha.ByAdmin2, escucha.Filter{Admin1: []string{"GT-01"}}, RollPlace},
		{"by platform, municipality filter", escucha.ByPlatform, escucha.Filter{Admin2: []string{"0101"}, Platforms: []string{"news"}}, RollPlace},
		{"by category", escucha.ByCategory, escucha.Filter{Admin1: []string{"GT-01"}, Platforms: []string{"news"}}, RollCat},
		{"by category, municipality filter", escucha.ByCategory, escucha.Filter{Admin2: []string{"0101"}}, ""},
		{"category filter", escucha.ByAdmin1, escucha.Filter{Categories: []string{"homicidio"}}, ""},
		{"source filter", escucha.ByNone, escucha.Filter{Sources: []string{"lahora.gt"}}, ""},
		{"kind filter", escucha.ByNone, escucha.Filter{Kinds: []string{"post"}}, ""},
		{"campaign filter", escucha.ByNone, escucha.Filter{Campaigns: []string{"nada_justifica"}}, ""},
		{"framing filter", escucha.ByNone, escucha.Filter{Framing: []string{"derechos"}}, ""},
		{"by source", escucha.BySource, escucha.Filter{}, ""},
		{"by campaign", escucha.ByCampaign, escucha.Filter{}, ""},
		{"by framing", escucha.ByFraming, escucha.Filter{}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			table, ok := rollupTable(c.by, c.f)
			if table != c.table || ok != (c.table != "") {
				t.Errorf("rollupTable = %q, %v; want %q", table, ok, c.table)
			}
		})
	}
}

func TestMidnight(t *testing.T) {
	gt := time.FixedZone("CST", -6*3600)
	for _, c := range []struct {
		t    time.Time
		zone *time.Location
		want bool
	}{
		{time.Time{}, time.UTC, true},
		{time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), time.UTC, true},
		{time.Date(2026, 3, 2, 0, 0, 1, 0, time.UTC), time.UTC, false},
		{time.Date(2026, 3, 2, 0, 0, 0, 1, time.UTC), time.UTC, false},
		{time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), gt, false},
		{time.Date(2026, 3, 2, 6, 0, 0, 0, time.UTC), gt, true},
	} {
		if got := midnight(c.t, c.zone); got != c.want {
			t.Errorf("midnight(%s in %s) = %v, want %v", c.t, c.zone, got, c.want)
		}
	}
}
