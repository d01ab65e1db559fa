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
		got := detectLang(s, tx.toks)
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
