package stream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/infosegura/escucha"
)

// MaxLineBytes is the longest JSON line the JSON Lines loops read; a longer line
// goes to the dead letters with its first DeadLetterPrefixBytes and its size.
const (
	MaxLineBytes          = 16 << 20
	DeadLetterPrefixBytes = 64 << 10
)

// JSONLOptions configures FilterJSONL and SinkJSONL.
type JSONLOptions struct {
	BatchSize int // documents per Process or Write call; default 500
	// DLQ receives the poison lines as JSON lines
	// {"error","stage","line","original"} ("original_base64" instead of "original"
	// when the line is not UTF-8). Nil logs them to Logger only, with the first KiB
	// of the line.
	DLQ   io.Writer
	Stage string // for metrics and dead letters; default "jsonl"
	// MaxBackoff caps the retry backoff of a temporarily failing processor or sink;
	// default 30s.
	MaxBackoff time.Duration
	Logger     *slog.Logger
}

func (o JSONLOptions) withDefaults() JSONLOptions {
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	if o.Stage == "" {
		o.Stage = "jsonl"
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// DeadLine is one dead-letter JSON line written by the JSON Lines loops.
type DeadLine struct {
	Error          string `json:"error"`
	Stage          string `json:"stage"`
	Line           int    `json:"line"`
	Original       string `json:"original,omitempty"`
	OriginalBase64 string `json:"original_base64,omitempty"`
	// Truncated says Original holds only the first DeadLetterPrefixBytes of a line
	// of Size bytes (longer than MaxLineBytes).
	Truncated bool `json:"truncated,omitempty"`
	Size      int  `json:"size,omitempty"`
}

// FilterJSONL reads documents as JSON lines from r, runs them through p in
// batches and writes the outputs to w as JSON lines, in input order. A line that
// does not decode, or that p rejects, goes to opts.DLQ and the run goes on.
// Blank lines are skipped.
func FilterJSONL(ctx context.Context, r io.Reader, w io.Writer, p escucha.Processor, opts JSONLOptions) error {
	opts = opts.withDefaults()
	j := newJSONLRun(r, opts)
	bw := bufio.NewWriterSize(w, 1<<16)
	return j.run(ctx, func(ctx context.Context, b *lineBatch) error {
		out, bad, err := processDocs(ctx, p, b.docs, b.idx, j.retry)
		if err != nil {
			return err
		}
		sort.SliceStable(out, func(a, c int) bool { return srcKey(out[a].src) < srcKey(out[c].src) })
		for _, o := range out {
			line, err := o.doc.MarshalJSON()
			if err != nil {
				if o.src < 0 {
					return fmt.Errorf("encode output %s: %w", o.doc.ID, err)
				}
				bad = append(bad, poison{o.src, fmt.Errorf("encode output: %w", err)})
				continue
			}
			bw.Write(line)
			if err := bw.WriteByte('\n'); err != nil {
				return fmt.Errorf("write output: %w", err)
			}
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("write output: %w", err)
		}
		return j.dead(b, bad)
	})
}

func srcKey(src int) int {
	if src < 0 {
		return int(^uint(0) >> 1)
	}
	return src
}

// SinkJSONL reads documents as JSON lines from r and writes them to s in batches.
// A temporary sink failure is retried with backoff; documents the sink refuses
// for good, and lines that do not decode, go to opts.DLQ and the run goes on.
func SinkJSONL(ctx context.Context, r io.Reader, s escucha.Sink, opts JSONLOptions) error {
	opts = opts.withDefaults()
	j := newJSONLRun(r, opts)
	return j.run(ctx, func(ctx context.Context, b *lineBatch) error {
		bad, err := writeSink(ctx, s, b.docs, b.idx, j.retry)
		if err != nil {
			return err
		}
		return j.dead(b, bad)
	})
}

// jsonlRun is one pass of a JSON Lines loop.
type jsonlRun struct {
	opts  JSONLOptions
	lr    *lineReader
	retry *retrier
}

func newJSONLRun(r io.Reader, opts JSONLOptions) *jsonlRun {
	return &jsonlRun{opts: opts, lr: newLineReader(r), retry: newRetrier(opts.Stage, opts.Logger.With("stage", opts.Stage), opts.MaxBackoff)}
}

// lineBatch is a batch of input lines and the documents decoded from them.
type lineBatch struct {
	lines []inputLine
	docs  []*escucha.Document
	idx   []int // idx[i] is the index in lines of docs[i]
	bad   []poison
}

type inputLine struct {
	no        int
	text      []byte
	truncated bool
	size      int
}

func (j *jsonlRun) run(ctx context.Context, handle func(context.Context, *lineBatch) error) error {
	for {
		b, eof, err := j.read()
		if err != nil {
			return err
		}
		if len(b.lines) > 0 {
			start := time.Now()
			if err := handle(ctx, b); err != nil {
				return fmt.Errorf("%s: %w", j.opts.Stage, err)
			}
			j.retry.m.batch.Observe(time.Since(start).Seconds())
			j.retry.m.ok.Add(float64(len(b.lines) - len(b.bad)))
		}
		if eof {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// read reads up to BatchSize non-blank lines and decodes them.
func (j *jsonlRun) read() (*lineBatch, bool, error) {
	b := &lineBatch{}
	for len(b.lines) < j.opts.BatchSize {
		l, err := j.lr.next()
		if err == io.EOF {
			return b, true, nil
		}
		if err != nil {
			return b, false, fmt.Errorf("read line %d: %w", j.lr.no, err)
		}
		if len(bytes.TrimSpace(l.text)) == 0 && !l.truncated {
			continue
		}
		i := len(b.lines)
		b.lines = append(b.lines, l)
		if l.truncated {
			b.bad = append(b.bad, poison{i, escucha.Errorf(escucha.EInvalid, "line of %d bytes is longer than %d", l.size, MaxLineBytes)})
			continue
		}
		d, err := escucha.DecodeDocument(l.text)
		if err != nil {
			b.bad = append(b.bad, poison{i, err})
			continue
		}
		b.docs = append(b.docs, d)
		b.idx = append(b.idx, i)
	}
	return b, false, nil
}

// dead writes the batch's poison lines (decoding failures and bad) to the DLQ.
func (j *jsonlRun) dead(b *lineBatch, bad []poison) error {
	b.bad = append(b.bad, bad...)
	sort.SliceStable(b.bad, func(x, y int) bool { return b.bad[x].idx < b.bad[y].idx })
	for _, pz := range b.bad {
		l := b.lines[pz.idx]
		j.retry.m.dlq.Inc()
		if j.opts.DLQ == nil {
			// No dead-letter file: the log keeps the error and the start of the line.
			j.retry.log.Warn("dead letter", "line", l.no, "err", pz.err, "original", string(l.text[:min(len(l.text), 1024)]))
			continue
		}
		j.retry.log.Warn("dead letter", "line", l.no, "err", pz.err)
		dl := DeadLine{Error: pz.err.Error(), Stage: j.opts.Stage, Line: l.no, Truncated: l.truncated}
		if l.truncated {
			dl.Size = l.size
		}
		if utf8.Valid(l.text) {
			dl.Original = string(l.text)
		} else {
			dl.OriginalBase64 = base64.StdEncoding.EncodeToString(l.text)
		}
		rec, err := json.Marshal(dl)
		if err != nil {
			return fmt.Errorf("encode dead letter: %w", err)
		}
		if _, err := j.opts.DLQ.Write(append(rec, '\n')); err != nil {
			return fmt.Errorf("write dead letter: %w", err)
		}
	}
	return nil
}

// lineReader reads lines of up to MaxLineBytes without a trailing "\n" or "\r\n".
type lineReader struct {
	br *bufio.Reader
	no int
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, 1<<16)}
}

// next returns the next line; io.EOF after the last one.
func (l *lineReader) next() (inputLine, error) {
	var buf []byte
	size := 0
	truncated := false
	for {
		chunk, err := l.br.ReadSlice('\n')
		size += len(chunk)
		if !truncated {
			if len(buf)+len(chunk) > MaxLineBytes+1 {
				truncated = true
				room := max(DeadLetterPrefixBytes-len(buf), 0)
				buf = append(buf, chunk[:min(room, len(chunk))]...)
			} else {
				buf = append(buf, chunk...)
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && err != io.EOF {
			return inputLine{}, err
		}
		if err == io.EOF && size == 0 {
			return inputLine{}, io.EOF
		}
		l.no++
		text := buf
		if !truncated {
			text = bytes.TrimSuffix(text, []byte("\n"))
			text = bytes.TrimSuffix(text, []byte("\r"))
			size = len(text)
		} else if len(text) > DeadLetterPrefixBytes {
			text = text[:DeadLetterPrefixBytes]
		}
		return inputLine{no: l.no, text: text, truncated: truncated, size: size}, nil
	}
}
