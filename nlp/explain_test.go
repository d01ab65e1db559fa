package nlp

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var (
	flagExplain = flag.String("explain", "", "comma-separated dev ids (or 'errors:CATEGORY') to print with evidence")
	flagRoles   = flag.Bool("roles", false, "with -explain: print every sentence's evidence kind and context role")
)

// TestExplain prints documents with their gold and predicted labels and evidence;
// it only runs with -explain (a debugging aid for editing the taxonomy).
func TestExplain(t *testing.T) {
	if *flagExplain == "" {
		t.Skip("run with -explain")
	}
	e := mustEnricher(t, Config{NoModel: *flagNoModel})
	want := map[string]bool{}
	errCat := ""
	if c, ok := strings.CutPrefix(*flagExplain, "errors:"); ok {
		errCat = c
	} else {
		for _, id := range strings.Split(*flagExplain, ",") {
			want[id] = true
		}
	}
	for _, g := range loadDev(t) {
		p := clearPred(g)
		if err := e.Enrich(p); err != nil {
			t.Fatal(err)
		}
		if errCat != "" {
			if g.HasCategory(errCat) == p.HasCategory(errCat) && (errCat != "framing" || fmt.Sprint(g.FramingIDs()) == fmt.Sprint(p.FramingIDs())) {
				continue
			}
		} else if !want[g.ID] {
			continue
		}
		fmt.Fprintf(os.Stdout, "== %s gold=%v pred=%v frames gold=%v pred=%v\n", g.ID, g.CategoryIDs(), p.CategoryIDs(), g.FramingIDs(), p.FramingIDs())
		body := g.Body()
		if len(body) > 700 {
			body = body[:700]
		}
		fmt.Fprintf(os.Stdout, "   %s\n", strings.ReplaceAll(body, "\n", " "))
		r := e.analyse(g)
		if r.a != nil && *flagRoles {
			fmt.Fprintf(os.Stdout, "   event story: %v\n", r.a.eventStory)
			for si, st := range r.t.sents {
				a, b := r.t.fold.Span(st.start, st.end)
				txt := []rune(strings.ReplaceAll(r.t.body[a:b], "\n", " "))
				if len(txt) > 70 {
					txt = txt[:70]
				}
				fmt.Fprintf(os.Stdout, "   s%-2d %-11s ctx=%-5v %s\n", si, r.a.sentKind[si], r.a.sentCtx[si], string(txt))
			}
		}
		if r.a != nil {
			for ci, c := range e.c.cats {
				if r.a.raw[ci] > 0 || len(r.a.ev[ci]) > 0 {
					fmt.Fprintf(os.Stdout, "   %-24s raw=%.2f %v\n", c.id, r.a.raw[ci], r.a.ev[ci])
				}
			}
			for fi, f := range e.c.frames {
				if len(r.a.frameEv[fi]) > 0 {
					fmt.Fprintf(os.Stdout, "   frame %-18s raw=%.2f %v\n", f.id, r.a.frameRaw[fi], r.a.frameEv[fi])
				}
			}
		}
		if n, ok := g.Extra["gold_notes"]; ok {
			fmt.Fprintf(os.Stdout, "   notes: %s\n", n)
		}
	}
}
