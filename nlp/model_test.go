package nlp

import (
	"bytes"
	"flag"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
)

var flagWriteModel = flag.Bool("write-model", false, "train on the whole dev set and write model.json.gz (the embedded model)")

// TestTrainSplit trains on the 80 % of the dev set and compares rules alone with
// rules+model on the other 20 %: the numbers docs/nlp.md reports.
func TestTrainSplit(t *testing.T) {
	docs := loadDev(t)
	var trainSet, test []*escucha.Document
	for _, d := range docs {
		if heldOut(d.ID) {
			test = append(test, d)
		} else {
			trainSet = append(trainSet, d)
		}
	}
	rules := mustEnricher(t, Config{NoModel: true, NoGeo: true})
	m, err := rules.Train(trainSet, TrainOptions{Version: "split-80"})
	if err != nil {
		t.Fatal(err)
	}
	withModel := mustEnricher(t, Config{NoModel: true, NoGeo: true})
	withModel.model, withModel.fast = m, newFastModel(m, withModel.c)
	rr := Evaluate(test, enrichAll(t, rules, test))
	rm := Evaluate(test, enrichAll(t, withModel, test))
	t.Logf("held-out %d docs: rules macro-F1 %.3f femicidio %.3f | rules+model macro-F1 %.3f femicidio %.3f",
		len(test), rr.MacroF1(), rr.Categories[escucha.CatFemicidio].F1(), rm.MacroF1(), rm.Categories[escucha.CatFemicidio].F1())
	for _, c := range escucha.Categories {
		t.Logf("  %-24s rules %.3f  model %.3f", c, rr.Categories[c].F1(), rm.Categories[c].F1())
	}
	if rm.MacroF1() < splitFloor {
		t.Errorf("held-out macro-F1 with model %.3f below floor %.2f", rm.MacroF1(), splitFloor)
	}
	if *flagWriteModel {
		full, err := rules.Train(docs, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := full.Write(&buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile("model.json.gz", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote model.json.gz (%s, %d docs, %d bytes)", full.Version, full.Docs, buf.Len())
	}
}

func TestModelRoundTrip(t *testing.T) {
	e := mustEnricher(t, Config{NoModel: true, NoGeo: true})
	gold := []*escucha.Document{
		{ID: "a", Title: "Asesinan a comerciante en Mixco", Text: "Un comerciante murió tras recibir varios disparos.", Categories: []escucha.Label{{ID: escucha.CatHomicidio, Score: 1}}},
		{ID: "b", Title: "Feria patronal en Cobán", Text: "La municipalidad presentó la agenda de la feria.", Categories: nil},
		{ID: "c", Title: "Capturan a extorsionistas", Text: "Los detenidos cobraban la renta a pilotos de bus.", Categories: []escucha.Label{{ID: escucha.CatExtorsion, Score: 1}}},
	}
	m, err := e.Train(gold, TrainOptions{Version: "test", MinDocs: 1})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.Write(&buf); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/m.json.gz"
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	m2, err := LoadModel(path)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Version != "test" || m2.Docs != 3 || len(m2.Labels) != 2 {
		t.Fatalf("loaded model %s docs=%d labels=%d", m2.Version, m2.Docs, len(m2.Labels))
	}
	if _, err := LoadModel(t.TempDir() + "/missing"); err == nil {
		t.Fatal("missing model loaded")
	}
	bad := t.TempDir() + "/bad.json.gz"
	os.WriteFile(bad, []byte("not gzip"), 0o644)
	if _, err := LoadModel(bad); err == nil {
		t.Fatal("corrupt model loaded")
	}
}

// TestFastPredictEqualsNamed checks that the inference path gives the model's
// probabilities computed from the named, hashed features, on every dev document.
func TestFastPredictEqualsNamed(t *testing.T) {
	e := mustEnricher(t, Config{NoGeo: true})
	want := make([]float64, len(escucha.Categories))
	got := make([]float64, len(escucha.Categories))
	for _, d := range loadDev(t) {
		tx := prepare(d.Body(), len(d.Title))
		a := e.c.analyse(tx, "es")
		e.model.predict(e.hashedFeatures(tx, a), want)
		for range 2 { // second pass reads the word cache
			e.fast.predict(tx, a, e.c.cats, &e.stems, got)
			for i := range want {
				if math.Abs(want[i]-got[i]) > 1e-9 {
					t.Fatalf("%s: category %s: fast %v, named %v", d.ID, escucha.Categories[i], got[i], want[i])
				}
			}
		}
	}
}

// TestWordCacheShortWords checks the entries of the words of one or two bytes,
// read by position instead of looked up: the same trie walk, function-word bits
// and skip flag as a looked-up word, and tokens with other bytes left out.
func TestWordCacheShortWords(t *testing.T) {
	e := mustEnricher(t, Config{NoGeo: true})
	tx := prepare("La PNC y el MP: ñu, 7 de 10 en la zona 1 de la z.18 ø λ", 0)
	voc := e.fast.lookup(tx, &e.stems)
	defer e.fast.release(voc)
	for i, tk := range tx.toks {
		if len(tk.s) >= 3 {
			continue
		}
		wi := voc.info(i)
		if _, ok := pairIndex(tk.s); !ok {
			if wi != nil {
				t.Errorf("%q: entry for a short word outside a-z0-9", tk.s)
			}
			continue
		}
		if wi == nil {
			t.Fatalf("%q: no entry", tk.s)
		}
		want, _ := e.fast.info(tk.s, &e.stems, nil)
		if walk, _ := voc.walk(i); !slices.Equal(walk, e.c.m.walk(tk.s, nil)) || wi.stop != want.stop || !wi.skip || wi.wRow != -1 {
			t.Errorf("%q: entry %+v, want walk %v stop %b skip", tk.s, *wi, e.c.m.walk(tk.s, nil), want.stop)
		}
	}
}

// TestBigramIndex checks that every bigram feature of the shipped model is found
// by its pair of stems, at the row its hashed name has, and that a pair the model
// does not have is not.
func TestBigramIndex(t *testing.T) {
	e := mustEnricher(t, Config{NoGeo: true})
	x := &e.fast.bigrams
	n := 0
	for _, lm := range e.model.Labels {
		for name := range lm.Weights {
			rest, ok := strings.CutPrefix(name, "b:")
			if !ok {
				continue
			}
			a, b, _ := strings.Cut(rest, "_")
			prev := wordInfo{bFirst: x.number(x.first, a), bSecond: -1}
			cur := wordInfo{bFirst: -1, bSecond: x.number(x.second, b)}
			if got, want := x.row(&prev, &cur), e.model.row(fnvString(fnvOffset, name)); got != want || got < 0 {
				t.Errorf("%s: row %d, want %d", name, got, want)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("the shipped model has no bigram features")
	}
	none := wordInfo{bFirst: -1, bSecond: -1}
	if r := x.row(&none, &none); r != -1 {
		t.Errorf("unnumbered stems: row %d", r)
	}
}

// TestWordTable checks the word cache's hash table against a map: lookups
// before and after growth, keys that probe into each other's slots, overwrites.
func TestWordTable(t *testing.T) {
	var tab wordTable
	want := map[uint64]int32{}
	for i := range 5000 {
		h := uint64(i) * 1024 // equal low bits: every key starts at slot 0
		if i%3 == 0 {
			h = uint64(i)*0x9e3779b97f4a7c15 + 1
		}
		tab.put(h, int32(i))
		want[h] = int32(i)
	}
	tab.put(1, 7) // overwrite the key of i = 0
	want[1] = 7
	if tab.n != len(want) {
		t.Errorf("n = %d, want %d", tab.n, len(want))
	}
	for h, id := range want {
		if got, ok := tab.get(h); !ok || got != id {
			t.Errorf("get(%#x) = %d, %v; want %d", h, got, ok, id)
		}
	}
	for _, h := range []uint64{1, 1023, 1 << 40} {
		if _, ok := want[h]; ok {
			continue
		}
		if got, ok := tab.get(h); ok {
			t.Errorf("get(%#x) = %d for a key never put", h, got)
		}
	}
	var empty wordTable
	if _, ok := empty.get(42); ok {
		t.Error("empty table found a key")
	}
}
