package index

import (
	"context"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

func TestDailyCounts(t *testing.T) {
	ix, err := Open(Config{Dir: t.TempDir(), ClusterWindow: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	var docs []*escucha.Document
	for i, off := range []int{0, 0, 1, 3, 3, 3} {
		docs = append(docs, &escucha.Document{ID: string(rune('a' + i)), Title: "Femicidio en Mixco",
			Text: "La víctima fue atacada.", Platform: "news", Version: 1,
			Published: day.Add(time.Duration(off)*24*time.Hour + 15*time.Hour)})
	}
	docs = append(docs, &escucha.Document{ID: "z", Title: "Partido de fútbol", Platform: "news", Version: 1, Published: day.Add(10 * time.Hour)})
	if err := ix.Write(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	got, err := ix.DailyCounts(context.Background(), escucha.SavedSearch{ID: "s", Query: "femicidio"}, day, day.Add(4*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{2, 1, 0, 3}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
}
