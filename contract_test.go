package escucha_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
)

// TestDocsExample keeps the example in docs/document.md valid: it decodes, and every
// evidence and place offset points at its surface in the body.
func TestDocsExample(t *testing.T) {
	f, err := os.Open("docs/document.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, `{"id"`) {
			continue
		}
		n++
		d, err := escucha.DecodeDocument([]byte(line))
		if err != nil {
			t.Fatal(err)
		}
		body := d.Body()
		check := func(what, text string, start, end int) {
			if start < 0 || end > len(body) || start > end || body[start:end] != text {
				t.Errorf("%s %q: offsets [%d,%d) do not point at it", what, text, start, end)
			}
		}
		for _, c := range d.Categories {
			for _, e := range c.Evidence {
				check("evidence", e.Text, e.Start, e.End)
			}
		}
		for _, p := range d.Places {
			check("place", p.Surface, p.Start, p.End)
		}
		if d.Published.IsZero() || d.Platform != escucha.PlatformNews {
			t.Errorf("example lacks published/platform: %+v", d)
		}
	}
	if n == 0 {
		t.Fatal("no example document found")
	}
}
