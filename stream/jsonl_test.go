package stream

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

func jsonLine(t testing.TB, d *escucha.Document) string {
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func deadLines(t testing.TB, b []byte) []DeadLine {
	t.Helper()
	var out []DeadLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var dl DeadLine
		if err := json.Unmarshal(sc.Bytes(), &dl); err != nil {
			t.Fatalf("dead letter is not JSON: %v: %.200s", err, sc.Text())
		}
		out = append(out, dl)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read dead letters: %v", err)
	}
	return out
}

func outputIDs(t testing.TB, b []byte) []string {
	t.Helper()
	var ids []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 2*MaxLineBytes)
	for sc.Scan() {
		d, err := escucha.DecodeDocument(sc.Bytes())
		if err != nil {
			t.Fatalf("output line does not decode: %v", err)
		}
		ids = append(ids, d.ID)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read outputs: %v", err)
	}
	return ids
}

// reversing returns its outputs in reverse order, to check FilterJSONL restores
// input order.
type reversing struct{ passThrough }

func (p *reversing) Process(ctx context.Context, docs []*escucha.Document) ([]*escucha.Document, []error) {
	out, errs := p.passThrough.Process(ctx, docs)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, errs
}

func TestFilterJSONL(t *testing.T) {
	d := func(i int) string { return jsonLine(t, sampleDoc(i)) }
	for _, tc := range []struct {
		name      string
		input     string
		batch     int
		reject    map[string]error
		wantIDs   []string
		wantDead  []int // line numbers
		wantError bool
	}{
		{
			name:    "order kept across batches",
			input:   strings.Join([]string{d(3), d(1), d(2), d(5), d(4)}, "\n") + "\n",
			batch:   2,
			wantIDs: []string{"doc-00003", "doc-00001", "doc-00002", "doc-00005", "doc-00004"},
		},
		{
			name:     "bad lines go to the DLQ and the run goes on",
			input:    d(1) + "\n{roto\n\n" + `{"title":"sin id"}` + "\n" + d(2) + "\r\n" + "\xff\xfe basura\n" + d(3),
			batch:    2,
			wantIDs:  []string{"doc-00001", "doc-00002", "doc-00003"},
			wantDead: []int{2, 4, 6},
		},
		{
			name:     "processor rejects a document",
			input:    d(1) + "\n" + d(2) + "\n" + d(3) + "\n",
			batch:    10,
			reject:   map[string]error{"doc-00002": escucha.Errorf(escucha.EInvalid, "idioma no soportado")},
			wantIDs:  []string{"doc-00001", "doc-00003"},
			wantDead: []int{2},
		},
		{
			name:  "empty input",
			input: "",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, dlq bytes.Buffer
			p := &reversing{passThrough{reject: tc.reject}}
			err := FilterJSONL(testCtx(t, 10*time.Second), strings.NewReader(tc.input), &out, p,
				JSONLOptions{BatchSize: tc.batch, DLQ: &dlq, Stage: "enrich", Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			if got := outputIDs(t, out.Bytes()); strings.Join(got, ",") != strings.Join(tc.wantIDs, ",") {
				t.Errorf("outputs %v, want %v", got, tc.wantIDs)
			}
			dead := deadLines(t, dlq.Bytes())
			var lines []int
			for _, dl := range dead {
				lines = append(lines, dl.Line)
				if dl.Stage != "enrich" || dl.Error == "" || (dl.Original == "" && dl.OriginalBase64 == "") {
					t.Errorf("dead letter %+v lacks stage, error or original", dl)
				}
			}
			if len(lines) != len(tc.wantDead) {
				t.Fatalf("dead lines %v, want %v", lines, tc.wantDead)
			}
			for i := range lines {
				if lines[i] != tc.wantDead[i] {
					t.Errorf("dead lines %v, want %v", lines, tc.wantDead)
				}
			}
		})
	}
}

func TestFilterJSONLLongLines(t *testing.T) {
	big := sampleDoc(1)
	big.Text = strings.Repeat("La PNC reporto un ataque armado. ", (MaxLineBytes-1000)/33)
	tooBig := sampleDoc(2)
	tooBig.Text = strings.Repeat("x", MaxLineBytes+10)
	input := jsonLine(t, big) + "\n" + jsonLine(t, tooBig) + "\n" + jsonLine(t, sampleDoc(3)) + "\n"
	var out, dlq bytes.Buffer
	err := FilterJSONL(testCtx(t, 30*time.Second), strings.NewReader(input), &out, &passThrough{}, JSONLOptions{DLQ: &dlq})
	if err != nil {
		t.Fatal(err)
	}
	if got := outputIDs(t, out.Bytes()); strings.Join(got, ",") != "doc-00001,doc-00003" {
		t.Errorf("outputs %v", got)
	}
	dead := deadLines(t, dlq.Bytes())
	if len(dead) != 1 || !dead[0].Truncated || dead[0].Line != 2 || dead[0].Size != len(jsonLine(t, tooBig))+1 ||
		!strings.HasPrefix(dead[0].Original, `{"id":"doc-00002"`) {
		for _, dl := range dead {
			t.Errorf("dead letter line %d truncated=%v size=%d error=%q original[:40]=%q", dl.Line, dl.Truncated, dl.Size, dl.Error, dl.Original[:min(40, len(dl.Original))])
		}
	}
}

func TestSinkJSONL(t *testing.T) {
	var lines []string
	for i := range 25 {
		lines = append(lines, jsonLine(t, sampleDoc(i)))
	}
	lines = append(lines, "no es un documento")
	sink := newMemSink()
	calls := 0
	sink.fail = func(docs []*escucha.Document) error {
		calls++
		if calls == 1 {
			return escucha.Errorf(escucha.EUnavailable, "almacén no disponible")
		}
		for _, d := range docs {
			if d.ID == "doc-00013" {
				return escucha.Errorf(escucha.EInvalid, "fecha imposible")
			}
		}
		return nil
	}
	var dlq bytes.Buffer
	err := SinkJSONL(testCtx(t, 10*time.Second), strings.NewReader(strings.Join(lines, "\n")), sink,
		JSONLOptions{BatchSize: 10, DLQ: &dlq, MaxBackoff: 50 * time.Millisecond, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if sink.len() != 24 {
		t.Errorf("sink has %d documents, want 24", sink.len())
	}
	dead := deadLines(t, dlq.Bytes())
	if len(dead) != 2 || dead[0].Line != 14 || dead[1].Line != 26 {
		t.Errorf("dead letters %+v", dead)
	}
}

// FuzzFilterJSONL: whatever the input, every non-blank line ends up exactly once
// in the output or in the dead letters, and the run never fails.
func FuzzFilterJSONL(f *testing.F) {
	f.Add(jsonLine(f, sampleDoc(1)) + "\n" + jsonLine(f, sampleDoc(2)))
	f.Add("{roto\n\n\r\n" + `{"id":"a","extra":{"x":[1,2]}}` + "\n")
	f.Add(`{"id":"a","version":-1}` + "\n" + `{"id":""}` + "\n" + `null` + "\n" + `[]`)
	f.Add("\xff\xfe\n{\"id\":\"\xff\"}\n")
	f.Add(`{"id":"gt:1","published":"ayer"}`)
	f.Fuzz(func(t *testing.T, input string) {
		var out, dlq bytes.Buffer
		err := FilterJSONL(context.Background(), strings.NewReader(input), &out, &passThrough{}, JSONLOptions{BatchSize: 3, DLQ: &dlq})
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, l := range strings.Split(input, "\n") {
			if strings.TrimSpace(l) != "" {
				want++
			}
		}
		got := bytes.Count(out.Bytes(), []byte("\n")) + len(deadLines(t, dlq.Bytes()))
		if got != want {
			t.Fatalf("%d non-blank lines in, %d out + dead", want, got)
		}
		for _, l := range bytes.Split(bytes.TrimSuffix(out.Bytes(), []byte("\n")), []byte("\n")) {
			if len(l) == 0 {
				continue
			}
			if _, err := escucha.DecodeDocument(l); err != nil {
				t.Fatalf("output line %q does not decode: %v", l, err)
			}
		}
	})
}
