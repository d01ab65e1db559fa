package geo

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestPresence checks the recycled entry -> mentions table resolve uses
// against a map of slices, over documents of random mentions filled one
// after the other into the same table.
func TestPresence(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var p presence
	for doc := range 200 {
		p.reset()
		want := map[int][]int{}
		var order []int
		for i := range rng.IntN(30) {
			for range rng.IntN(4) {
				c := rng.IntN(25)
				if _, ok := want[c]; !ok {
					order = append(order, c)
				}
				want[c] = append(want[c], i)
				p.add(c, i)
			}
		}
		if !slices.Equal(p.keys, order) {
			t.Fatalf("document %d: keys %v, want %v", doc, p.keys, order)
		}
		for c := range 26 {
			if got := p.of(c); !slices.Equal(got, want[c]) {
				t.Fatalf("document %d: of(%d) = %v, want %v", doc, c, got, want[c])
			}
		}
	}
}
