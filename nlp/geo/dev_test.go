package geo

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/infosegura/escucha"
)

// devFiles are the NLP dev set's labelled documents (written by the nlp stage's
// authors; gold places follow docs/geo.md).
const devGlob = "../testdata/dev/*.jsonl"

func loadDev(tb testing.TB) []*escucha.Document {
	tb.Helper()
	files, err := filepath.Glob(devGlob)
	if err != nil {
		tb.Fatal(err)
	}
	var docs []*escucha.Document
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" {
				continue
			}
			d, err := escucha.DecodeDocument([]byte(line))
			if err != nil {
				tb.Fatalf("%s: %v", f, err)
			}
			docs = append(docs, d)
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			tb.Fatal(err)
		}
	}
	return docs
}

var shared struct {
	once sync.Once
	tg   *Tagger
	err  error
}

// mustTagger returns a Tagger with the default Config, built once per test
// binary (a Tagger is safe for concurrent use).
func mustTagger(tb testing.TB) *Tagger {
	tb.Helper()
	shared.once.Do(func() { shared.tg, shared.err = New(Config{}) })
	if shared.err != nil {
		tb.Fatal(shared.err)
	}
	return shared.tg
}

func predict(tg *Tagger, gold []*escucha.Document, r rules) []*escucha.Document {
	out := make([]*escucha.Document, len(gold))
	for i, g := range gold {
		p := &escucha.Document{ID: g.ID, Title: g.Title, Text: g.Text, SourceCountry: g.SourceCountry}
		p.Places = tg.tagRules(p, r)
		out[i] = p
	}
	return out
}

func TestDevReport(t *testing.T) {
	gold := loadDev(t)
	if len(gold) == 0 {
		t.Fatal("no dev documents in " + devGlob)
	}
	tg := mustTagger(t)
	rep := Evaluate(gold, predict(tg, gold, allRules))
	var b strings.Builder
	rep.WriteText(&b)
	t.Log("\n" + b.String())
}
