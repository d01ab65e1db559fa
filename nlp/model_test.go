package nlp

import (
	"bytes"
	"flag"
	"math"
	"os"
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
