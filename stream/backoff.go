package stream

import (
	"context"
	"math/rand/v2"
	"time"
)

// backoff is capped exponential backoff with jitter: the n-th wait is a random
// duration in [d/2, d] with d = min(max, min·2ⁿ), so instances that failed
// together do not retry in lockstep.
type backoff struct {
	min, max time.Duration
	n        int
}

func newBackoff(min, max time.Duration) *backoff {
	if max < min {
		max = min
	}
	return &backoff{min: min, max: max}
}

// next returns the next wait.
func (b *backoff) next() time.Duration {
	d := b.min << min(b.n, 30)
	if d <= 0 || d > b.max {
		d = b.max
	}
	b.n++
	half := d / 2
	return half + rand.N(half+1)
}

// reset starts over after a success.
func (b *backoff) reset() { b.n = 0 }

// sleep waits for the next backoff; it returns false if ctx ended first.
func (b *backoff) sleep(ctx context.Context) bool {
	t := time.NewTimer(b.next())
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
