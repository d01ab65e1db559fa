package core

import (
	"bufio"
	_ "embed"
	"strconv"
	"strings"
)

// population_gt.tsv: GT municipal SEAT populations from GeoNames (CC-BY 4.0), keyed by
// INE code (see docs/trends.md: seat population undercounts the municipality).
//
//go:embed population_gt.tsv
var populationGT string

// Unit is a territory with its reference population.
type Unit struct {
	Country    string
	Code       string // canonical code: INE "0101" (municipio), "GT-01" (department)
	Admin1Code string
	Name       string
	Population int64 // 0: unknown
}

// Gazetteer maps the admin codes documents carry to units and populations.
type Gazetteer struct {
	admin1 map[string]*Unit // by every accepted code form
	admin2 map[string]*Unit
}

var gazetteer = loadGazetteer()

func loadGazetteer() *Gazetteer {
	g := &Gazetteer{admin1: map[string]*Unit{}, admin2: map[string]*Unit{}}
	sc := bufio.NewScanner(strings.NewReader(populationGT))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 8 {
			continue
		}
		country, ine, dept, deptName, isoA, isoN, muni := f[0], f[1], f[2], f[3], f[4], f[5], f[6]
		pop, _ := strconv.ParseInt(f[7], 10, 64)
		m := &Unit{Country: country, Code: ine, Admin1Code: isoN, Name: muni, Population: pop}
		for _, k := range []string{ine, strings.TrimLeft(ine, "0"), country + "." + ine, country + "-" + ine} {
			g.admin2[country+"|"+k] = m
		}
		d := g.admin1[country+"|"+isoN]
		if d == nil {
			d = &Unit{Country: country, Code: isoN, Name: deptName}
			for _, k := range []string{isoN, isoA, dept, strings.TrimLeft(dept, "0")} {
				g.admin1[country+"|"+k] = d
			}
		}
		d.Population += pop
	}
	return g
}

// Admin1 finds a department by any of its code forms ("GT-01", "GT-GU", "01", "1").
func (g *Gazetteer) Admin1(country, code string) (*Unit, bool) {
	u, ok := g.admin1[country+"|"+code]
	return u, ok
}

// Admin2 finds a municipality by INE code ("0101", "101", "GT.0101").
func (g *Gazetteer) Admin2(country, code string) (*Unit, bool) {
	u, ok := g.admin2[country+"|"+code]
	return u, ok
}

// Population returns the reference population of a unit at level, 0 when unknown.
func Population(level, country, code string) int64 {
	var u *Unit
	var ok bool
	if level == "admin2" {
		u, ok = gazetteer.Admin2(country, code)
	} else {
		u, ok = gazetteer.Admin1(country, code)
	}
	if !ok {
		return 0
	}
	return u.Population
}
