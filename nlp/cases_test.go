package nlp

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/infosegura/escucha"
)

var flagCase = flag.String("case", "", "run only the testdata case directory with this name")

// caseDoc is a test document with its expectations (fields a real document lacks
// land in Extra and are read back from there).
type caseExpect struct {
	Want      []string          `json:"want"`
	Absent    []string          `json:"want_absent"`
	Kind      map[string]string `json:"want_kind"`
	Framing   *[]string         `json:"want_framing"`
	Campaigns *[]string         `json:"want_campaigns"`
	Lang      string            `json:"want_lang"`
}

// TestCases runs the data-driven cases under testdata/<case>/cases.jsonl (negation,
// statistics, figurative senses, regional vocabulary, framing, campaigns, language);
// -case NAME runs one directory.
func TestCases(t *testing.T) {
	dirs, err := filepath.Glob("testdata/*/cases.jsonl")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	e := mustEnricher(t, Config{NoGeo: true})
	for _, path := range dirs {
		name := filepath.Base(filepath.Dir(path))
		if *flagCase != "" && name != *flagCase {
			continue
		}
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			docs, err := DecodeDocuments(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range docs {
				t.Run(d.ID, func(t *testing.T) { checkCase(t, e, d) })
			}
		})
	}
}

func checkCase(t *testing.T, e *Enricher, d *escucha.Document) {
	var x caseExpect
	raw, _ := json.Marshal(d.Extra)
	if err := json.Unmarshal(raw, &x); err != nil {
		t.Fatal(err)
	}
	d.Extra = nil
	if err := e.Enrich(d); err != nil {
		t.Fatal(err)
	}
	got := d.CategoryIDs()
	for _, w := range x.Want {
		if !slices.Contains(got, w) {
			t.Errorf("missing %s; got %v (%s)", w, got, explainLabels(d))
		}
	}
	for _, a := range x.Absent {
		if slices.Contains(got, a) {
			t.Errorf("unexpected %s; got %v (%s)", a, got, explainLabels(d))
		}
	}
	for cat, kind := range x.Kind {
		var kinds []string
		for _, l := range d.Categories {
			if l.ID == cat {
				for _, ev := range l.Evidence {
					kinds = append(kinds, ev.Kind)
				}
			}
		}
		if !slices.Contains(kinds, kind) {
			t.Errorf("%s: evidence kinds %v, want %s", cat, kinds, kind)
		}
	}
	if x.Framing != nil && !slices.Equal(d.FramingIDs(), sorted(*x.Framing)) {
		t.Errorf("framing %v, want %v", d.FramingIDs(), *x.Framing)
	}
	if x.Campaigns != nil && !slices.Equal(d.CampaignIDs(), sorted(*x.Campaigns)) {
		t.Errorf("campaigns %v, want %v", d.CampaignIDs(), *x.Campaigns)
	}
	if x.Lang != "" && d.Lang != x.Lang {
		t.Errorf("lang %q, want %q", d.Lang, x.Lang)
	}
	// evidence offsets point into Body
	body := d.Body()
	for _, l := range d.Categories {
		if l.Score < 0 || l.Score > 1 {
			t.Errorf("%s score %v outside [0,1]", l.ID, l.Score)
		}
		for _, ev := range l.Evidence {
			if ev.Start < 0 || ev.End > len(body) || body[ev.Start:ev.End] != ev.Text {
				t.Errorf("%s evidence %+v does not match body", l.ID, ev)
			}
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}

func explainLabels(d *escucha.Document) string {
	var b strings.Builder
	for _, l := range d.Categories {
		b.WriteString(l.ID + ":")
		for _, ev := range l.Evidence {
			b.WriteString(" [" + ev.Text + "/" + ev.Kind + "]")
		}
		b.WriteString("; ")
	}
	return b.String()
}
