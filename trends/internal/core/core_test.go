package core

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/infosegura/escucha"
)

func TestGazetteer(t *testing.T) {
	depts := map[string]bool{}
	munis := 0
	for k, u := range gazetteer.admin2 {
		if strings.HasPrefix(k, "GT|") && k == "GT|"+u.Code {
			munis++
			depts[u.Admin1Code] = true
		}
	}
	if munis != 340 || len(depts) != 22 {
		t.Fatalf("%d municipios in %d departments, want 340 in 22", munis, len(depts))
	}
	for _, tc := range []struct {
		level, code string
		want        int64
	}{
		{"admin2", "0101", 994938}, {"admin2", "101", 994938}, {"admin2", "GT.0101", 994938},
		{"admin2", "9999", 0}, {"admin1", "GT-01", Population("admin1", "GT", "GT-GU")},
		{"admin1", "01", Population("admin1", "GT", "GT-01")},
	} {
		if got := Population(tc.level, "GT", tc.code); got != tc.want {
			t.Errorf("%s %s: %d, want %d", tc.level, tc.code, got, tc.want)
		}
	}
	if p := Population("admin1", "GT", "GT-01"); p <= 994938 {
		t.Errorf("department GT-01 population %d should add its seats", p)
	}
}

func TestBucketOf(t *testing.T) {
	at := time.Date(2026, 3, 5, 23, 59, 0, 0, time.UTC) // a Thursday
	for iv, want := range map[escucha.Interval]string{
		escucha.IntervalDay: "2026-03-05", escucha.IntervalWeek: "2026-03-02", escucha.IntervalMonth: "2026-03-01",
	} {
		if got := BucketOf(iv, at).Format("2006-01-02"); got != want {
			t.Errorf("%s: %s, want %s", iv, got, want)
		}
	}
}

func TestMigrations(t *testing.T) {
	fsys := fstest.MapFS{
		"0002_b.sql": {Data: []byte("-- comment\nCREATE TABLE b (x int);\nCREATE TABLE c (y int);\n")},
		"0001_a.sql": {Data: []byte("CREATE TABLE a (x int)")},
	}
	ms, err := Migrations(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || len(ms[1].Statements) != 2 || strings.Contains(ms[1].Statements[0], "comment") {
		t.Errorf("migrations %+v", ms)
	}
	fsys["0001_dup.sql"] = &fstest.MapFile{Data: []byte("SELECT 1")}
	if _, err := Migrations(fsys); err == nil {
		t.Error("duplicate version accepted")
	}
	fsys2 := fstest.MapFS{"init.sql": {Data: []byte("SELECT 1")}}
	if _, err := Migrations(fsys2); err == nil {
		t.Error("unversioned name accepted")
	}
}

func TestToRowPseudonymises(t *testing.T) {
	d := &escucha.Document{ID: "x", Platform: "bluesky", Author: escucha.Author{ID: "did:1", Handle: "@h", Followers: 5},
		Title: strings.Repeat("á", 500)}
	r := ToRow([]byte("0123456789abcdef"), d, time.Unix(0, 0))
	if r.AuthorHash == "" || strings.Contains(r.AuthorHash, "did") || len([]rune(r.Title)) != maxTitle || r.Published.IsZero() {
		t.Errorf("row %+v", r)
	}
	if r2 := ToRow([]byte("another-secret-xyz"), d, time.Unix(0, 0)); r2.AuthorHash == r.AuthorHash {
		t.Error("hash does not depend on the secret")
	}
}

func TestValidateWeights(t *testing.T) {
	if err := ValidateWeights(DefaultWeights()); err != nil {
		t.Error(err)
	}
	for _, w := range []escucha.PriorityWeights{{}, {Volume: -1, Growth: 1}, {Volume: 1, Category: map[string]float64{"robo": -2}}} {
		if ValidateWeights(w) == nil {
			t.Errorf("%+v accepted", w)
		}
	}
}
