package nlp

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/abadojack/whatlanggo"
)

// TestLanguageShortTexts measures language identification on short texts (one
// line each, own writing) for our detector and for whatlanggo alone; it fails if
// ours drops below the measured accuracy.
func TestLanguageShortTexts(t *testing.T) {
	f, err := os.Open("testdata/language/short.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var n, ours, wl int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		want, s, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		n++
		tx := prepare(s, 0)
		got := detectLang(s, tx.toks, nil)
		if got == want {
			ours++
		} else {
			t.Logf("ours: %q → %s, want %s", s, got, want)
		}
		if whatlanggo.DetectWithOptions(s, langOptions).Lang.Iso6391() == want {
			wl++
		}
	}
	t.Logf("short texts: ours %d/%d, whatlanggo alone %d/%d", ours, n, wl, n)
	if float64(ours) < 0.9*float64(n) {
		t.Errorf("language accuracy %d/%d below 90 %%", ours, n)
	}
}

// TestStopBits checks the map-free reads of the function-word table: every stop
// word of one or two bytes through shortStop, the others through the word cache.
func TestStopBits(t *testing.T) {
	e := mustEnricher(t, Config{NoGeo: true})
	for w, want := range stopLang {
		if got := stopBits(w, nil); got != want {
			t.Errorf("stopBits(%q, nil) = %b, want %b", w, got, want)
		}
		wi, _ := e.fast.info(w, &e.stems, nil)
		if got := stopBits(w, &wi); got != want {
			t.Errorf("stopBits(%q, cached) = %b, want %b", w, got, want)
		}
	}
	for _, w := range []string{"x", "zz", "9", "oh", "ñu", "ciudad"} {
		wi, _ := e.fast.info(w, &e.stems, nil)
		if got := stopBits(w, &wi); got != stopLang[w] {
			t.Errorf("stopBits(%q) = %b, want %b", w, got, stopLang[w])
		}
	}
}

// TestDetectLangWordCache checks that the vote gives the same language with the
// stage's word-cache entries as with the map, on every dev document.
func TestDetectLangWordCache(t *testing.T) {
	e := mustEnricher(t, Config{NoGeo: true})
	for _, d := range loadDev(t) {
		tx := prepare(d.Body(), len(d.Title))
		voc := e.fast.lookup(tx, &e.stems)
		if got, want := detectLang(tx.body, tx.toks, voc), detectLang(tx.body, tx.toks, nil); got != want {
			t.Errorf("%s: with word cache %q, without %q", d.ID, got, want)
		}
		e.fast.release(voc)
	}
}
