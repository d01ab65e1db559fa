package stream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/infosegura/escucha"
)

// retrier waits between attempts of a failed step, counting and logging it. It is
// shared by the Kafka loops and the JSON Lines loops so that both retry alike.
type retrier struct {
	stage string
	log   *slog.Logger
	m     stageMetrics
	bo    *backoff
}

func newRetrier(stage string, log *slog.Logger, maxBackoff time.Duration) *retrier {
	return &retrier{stage: stage, log: log, m: newStageMetrics(stage), bo: newBackoff(100*time.Millisecond, maxBackoff)}
}

// wait logs err, counts a retry of n messages and sleeps the next backoff. It
// returns false when ctx ended first (the caller gives up, uncommitted).
func (r *retrier) wait(ctx context.Context, what string, n int, err error) bool {
	r.m.retries.Inc()
	r.m.retry.Add(float64(n))
	d := r.bo.next()
	r.log.Warn("retrying", "step", what, "messages", n, "in", d.Round(time.Millisecond), "err", err)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (r *retrier) ok() { r.bo.reset() }

// poison is an input that cannot be handled: it goes to the dead letters.
type poison struct {
	idx int // index of the input in its batch
	err error
}

// sourced is an output document and the index of the input it came from (-1 if
// the processor made it up).
type sourced struct {
	doc *escucha.Document
	src int
}

// errProcessorContract is returned when a processor's errs do not match its input.
var errProcessorContract = errors.New("processor broke its contract")

// processDocs runs p over docs. Per-document errors of kind EUnavailable make the
// whole batch wait and run again (p must be idempotent); any other per-document
// error makes that document poison. idx[i] is the batch index of docs[i].
func processDocs(ctx context.Context, p escucha.Processor, docs []*escucha.Document, idx []int, r *retrier) ([]sourced, []poison, error) {
	if len(docs) == 0 {
		return nil, nil, nil
	}
	for {
		// p gets its own slice: a processor that reorders it in place must not
		// break the mapping of outputs to inputs.
		out, errs := p.Process(ctx, append([]*escucha.Document(nil), docs...))
		if len(errs) != 0 && len(errs) != len(docs) {
			return nil, nil, fmt.Errorf("%w: %d errors for %d documents", errProcessorContract, len(errs), len(docs))
		}
		var bad []poison
		var again error
		for i, err := range errs {
			switch {
			case err == nil:
			case escucha.ErrorKind(err) == escucha.EUnavailable:
				again = err
			default:
				bad = append(bad, poison{idx[i], err})
			}
		}
		if again != nil {
			if ctx.Err() != nil || !r.wait(ctx, "process", len(docs), again) {
				return nil, nil, fmt.Errorf("process: %w", errors.Join(again, ctx.Err()))
			}
			continue
		}
		r.ok()
		byID := make(map[string]int, len(docs))
		for i := len(docs) - 1; i >= 0; i-- {
			byID[docs[i].ID] = idx[i]
		}
		res := make([]sourced, 0, len(out))
		for _, d := range out {
			if d == nil {
				continue
			}
			src, ok := byID[d.ID]
			if !ok {
				src = -1
			}
			res = append(res, sourced{d, src})
		}
		return res, bad, nil
	}
}

// writeSink stores docs in s. A temporary failure is retried with backoff until ctx
// ends; a permanent one (escucha.IsPermanent) makes it store the documents one by
// one, and the ones the sink refuses for good are reported as poison. idx[i] is the
// batch index of docs[i].
func writeSink(ctx context.Context, s escucha.Sink, docs []*escucha.Document, idx []int, r *retrier) ([]poison, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	for {
		err := s.Write(ctx, docs)
		if err == nil {
			r.ok()
			return nil, nil
		}
		if escucha.IsPermanent(err) {
			break
		}
		if ctx.Err() != nil || !r.wait(ctx, "sink write", len(docs), err) {
			return nil, fmt.Errorf("sink write: %w", err)
		}
	}
	var bad []poison
	for i, d := range docs {
		for {
			err := s.Write(ctx, []*escucha.Document{d})
			if err == nil {
				r.ok()
				break
			}
			if escucha.IsPermanent(err) {
				bad = append(bad, poison{idx[i], err})
				break
			}
			if ctx.Err() != nil || !r.wait(ctx, "sink write one", 1, err) {
				return nil, fmt.Errorf("sink write %s: %w", d.ID, err)
			}
		}
	}
	return bad, nil
}
