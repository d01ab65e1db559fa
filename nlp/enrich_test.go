package nlp

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp/textfold"
)

func TestProcessPoisonAndIdempotence(t *testing.T) {
	e := mustEnricher(t, Config{NoGeo: true})
	docs := []*escucha.Document{
		{ID: "ok", Title: "Asaltan a repartidor en la zona 7", Text: "Dos hombres le robaron el celular y la moto."},
		{ID: "  ", Title: "sin id"},
		{ID: "ok2", Text: "Feria patronal en Cobán con marimba y desfile."},
	}
	out, errs := e.Process(context.Background(), docs)
	if len(out) != 2 || errs[0] != nil || errs[2] != nil {
		t.Fatalf("out=%d errs=%v", len(out), errs)
	}
	if !escucha.IsPermanent(errs[1]) {
		t.Fatalf("document without id: %v, want a permanent (invalid) error", errs[1])
	}
	first := fmt.Sprint(out[0].Categories, out[0].Lang)
	again, _ := e.Process(context.Background(), out[:1])
	if got := fmt.Sprint(again[0].Categories, again[0].Lang); got != first {
		t.Fatalf("re-processing changed the result:\n%s\n%s", first, got)
	}
	if !out[0].HasCategory(escucha.CatRobo) || len(out[1].Categories) != 0 {
		t.Fatalf("categories %v / %v", out[0].CategoryIDs(), out[1].CategoryIDs())
	}
}

func TestProcessCancelled(t *testing.T) {
	e := mustEnricher(t, Config{NoGeo: true})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, errs := e.Process(ctx, []*escucha.Document{{ID: "a", Text: "robo"}})
	if len(out) != 0 || escucha.ErrorKind(errs[0]) != escucha.EUnavailable {
		t.Fatalf("cancelled: out=%d err=%v", len(out), errs[0])
	}
}

// TestConcurrentEnrich runs one Enricher from many goroutines (run with -race).
// TestConcurrentEnrich checks that concurrent calls (pooled buffers, the shared
// word cache filled while others read it) give the sequential output, whole
// documents compared.
func TestConcurrentEnrich(t *testing.T) {
	seq := mustEnricher(t, Config{})
	e := mustEnricher(t, Config{}) // a cold word cache, filled concurrently
	docs := loadDev(t)
	if len(docs) > 120 {
		docs = docs[:120]
	}
	show := func(d *escucha.Document) string {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	want := make([]string, len(docs))
	for i, d := range docs {
		c := clearPred(d)
		if err := seq.Enrich(c); err != nil {
			t.Fatal(err)
		}
		want[i] = show(c)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < len(docs); i += 2 {
				c := clearPred(docs[i])
				if err := e.Enrich(c); err != nil {
					t.Error(err)
					return
				}
				if got := show(c); got != want[i] {
					t.Errorf("%s: concurrent\n%s\nsequential\n%s", c.ID, got, want[i])
				}
			}
		}()
	}
	wg.Wait()
}

func TestConfigAndTaxonomyErrors(t *testing.T) {
	for name, cfg := range map[string]Config{
		"negative body":    {MaxBodyBytes: -1},
		"model both ways":  {NoModel: true, ModelPath: "x"},
		"model-only score": {ModelOnlyScore: 2},
		"missing taxonomy": {TaxonomyPath: "/nonexistent/taxonomy.yaml"},
		"missing model":    {ModelPath: "/nonexistent/model.json.gz"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(cfg, nil); err == nil {
				t.Fatal("no error")
			}
		})
	}
	for name, y := range map[string]string{
		"unknown category": "categories: [{id: asalto, terms: [{p: robo}]}]",
		"bad gap":          "categories: [{id: robo, terms: [{p: \"robo ~x\"}]}]",
		"leading gap":      "categories: [{id: robo, terms: [{p: \"~2 robo\"}]}]",
		"short prefix":     "categories: [{id: robo, terms: [{p: \"r*\"}]}]",
		"unknown lexicon":  "categories: [{id: robo, terms: [{p: robo, with: [\"@nada\"]}]}]",
		"unknown field":    "categories: [{id: robo, termz: []}]",
		"bad lang":         "categories: [{id: robo, terms: [{p: robo, lang: xx}]}]",
		"bad date":         "campaigns: [{id: c, from: ayer}]",
		"threshold":        "categories: [{id: robo, threshold: 2}]",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseTaxonomy([]byte(y)); err == nil {
				t.Fatalf("%s: no error", y)
			}
		})
	}
}

func TestSentences(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"El Sr. López llegó al km. 17.5 de la ruta. Luego se fue.", "El Sr. López llegó al km. 17.5 de la ruta.|Luego se fue."},
		{"¿Quién fue? ¡Nadie sabe! La Lic. Pérez no respondió.", "¿Quién fue?|¡Nadie sabe!|La Lic. Pérez no respondió."},
		{"Vive en la casa No. 5 de la zona 1. Q1.500 le robaron.", "Vive en la casa No. 5 de la zona 1.|Q1.500 le robaron."},
		{"Dijo: “ya no”. Después calló… Y se fue.", "Dijo: “ya no”.|Después calló…|Y se fue."},
	} {
		tx := prepare(tc.in, 0)
		var got []string
		for _, s := range tx.sents {
			a, b := tx.fold.Span(tx.toks[s.first].start, tx.toks[s.last-1].end)
			seg := tc.in[a:b]
			// include a closing punctuation that follows the last word
			rest := tc.in[b:]
			for _, p := range []string{"?", "!", ".", "”.", "…"} {
				if strings.HasPrefix(rest, p) {
					seg += p
					break
				}
			}
			if strings.HasPrefix(tc.in[max(a-2, 0):a], "¿") || strings.HasPrefix(tc.in[max(a-2, 0):a], "¡") {
				seg = tc.in[a-2:a] + seg
			}
			got = append(got, seg)
		}
		if g := strings.Join(got, "|"); g != tc.want {
			t.Errorf("%q\n got %q\nwant %q", tc.in, g, tc.want)
		}
	}
}

// TestURLIndex checks that a campaign URL found through its rarest byte is
// found where strings.Index finds it, in edge cases and every dev-set text.
func TestURLIndex(t *testing.T) {
	urls := []string{"nadajustifica.org", "infosegura.org/nada-justifica", "a", "ee", "x.y", "eeee.e"}
	texts := []string{"", "a", "nadajustifica.or", ".org nadajustifica.org", "nadajustifica.orgnadajustifica.org",
		"visite infosegura.org/nada-justifica.", "x.x.y", "eeeee.eeee.e", "ee"}
	for _, d := range loadDev(t) {
		texts = append(texts, textfold.String(d.Body()))
	}
	for _, u := range urls {
		cu := url{s: u, anchor: anchorOf(u)}
		for _, ft := range texts {
			if got, want := cu.index(ft), strings.Index(ft, u); got != want {
				t.Errorf("index of %q in %.60q = %d, want %d", u, ft, got, want)
			}
		}
	}
}
