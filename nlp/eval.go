package nlp

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp/geo"
)

// ReadDocuments reads JSON-lines documents from a file, or from every *.jsonl file
// of a directory (sorted by name). Blank lines are skipped; a bad line is an error
// naming the file and line.
func ReadDocuments(path string) ([]*escucha.Document, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read documents: %w", err)
	}
	files := []string{path}
	if fi.IsDir() {
		if files, err = filepath.Glob(filepath.Join(path, "*.jsonl")); err != nil {
			return nil, fmt.Errorf("read documents: %w", err)
		}
		sort.Strings(files)
	}
	var docs []*escucha.Document
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, fmt.Errorf("read documents: %w", err)
		}
		ds, err := DecodeDocuments(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		docs = append(docs, ds...)
	}
	return docs, nil
}

// DecodeDocuments reads JSON-lines documents from r.
func DecodeDocuments(r io.Reader) ([]*escucha.Document, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	var docs []*escucha.Document
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		d, err := escucha.DecodeDocument(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		docs = append(docs, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("scan documents: %w", err)
	}
	return docs, nil
}

// PRF is precision, recall and F1 of one label.
type PRF struct {
	TP, FP, FN int
}

// Precision is TP/(TP+FP); 1 when nothing was predicted.
func (p PRF) Precision() float64 {
	if p.TP+p.FP == 0 {
		return 1
	}
	return float64(p.TP) / float64(p.TP+p.FP)
}

// Recall is TP/(TP+FN); 1 when nothing was expected.
func (p PRF) Recall() float64 {
	if p.TP+p.FN == 0 {
		return 1
	}
	return float64(p.TP) / float64(p.TP+p.FN)
}

// F1 is the harmonic mean of precision and recall.
func (p PRF) F1() float64 {
	pr, rc := p.Precision(), p.Recall()
	if pr+rc == 0 {
		return 0
	}
	return 2 * pr * rc / (pr + rc)
}

// Error is one wrong document, for the report.
type Error struct {
	ID      string
	Missing []string
	Extra   []string
}

// Report is the evaluation of predicted documents against gold ones (matched by id).
type Report struct {
	Docs       int
	Categories map[string]*PRF
	Framing    map[string]*PRF
	Campaigns  map[string]*PRF
	Errors     []Error
	Geo        *geo.Report
}

// MacroF1 is the mean F1 over the categories that occur in gold or prediction.
func (r Report) MacroF1() float64 { return macro(r.Categories) }

func macro(m map[string]*PRF) float64 {
	var sum float64
	n := 0
	for _, p := range m {
		if p.TP+p.FN+p.FP == 0 {
			continue
		}
		sum += p.F1()
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// Evaluate compares pred with gold; documents are matched by id, a gold document
// with no prediction counts as predicting nothing.
func Evaluate(gold, pred []*escucha.Document) Report {
	r := Report{Docs: len(gold), Categories: map[string]*PRF{}, Framing: map[string]*PRF{}, Campaigns: map[string]*PRF{}}
	for _, c := range escucha.Categories {
		r.Categories[c] = &PRF{}
	}
	for _, f := range []string{escucha.FrameJustificacion, escucha.FrameDerechos} {
		r.Framing[f] = &PRF{}
	}
	byID := map[string]*escucha.Document{}
	for _, p := range pred {
		byID[p.ID] = p
	}
	var alignedPred []*escucha.Document
	for _, g := range gold {
		p := byID[g.ID]
		if p == nil {
			p = &escucha.Document{ID: g.ID}
		}
		alignedPred = append(alignedPred, p)
		missing, extra := count(r.Categories, g.CategoryIDs(), p.CategoryIDs())
		fm, fe := count(r.Framing, g.FramingIDs(), p.FramingIDs())
		cm, ce := count(r.Campaigns, g.CampaignIDs(), p.CampaignIDs())
		for _, x := range fm {
			missing = append(missing, "framing:"+x)
		}
		for _, x := range fe {
			extra = append(extra, "framing:"+x)
		}
		for _, x := range cm {
			missing = append(missing, "campaign:"+x)
		}
		for _, x := range ce {
			extra = append(extra, "campaign:"+x)
		}
		if len(missing)+len(extra) > 0 {
			r.Errors = append(r.Errors, Error{ID: g.ID, Missing: missing, Extra: extra})
		}
	}
	gr := geo.Evaluate(gold, alignedPred)
	r.Geo = &gr
	return r
}

func count(m map[string]*PRF, gold, pred []string) (missing, extra []string) {
	for _, g := range gold {
		if m[g] == nil {
			m[g] = &PRF{}
		}
		if slices.Contains(pred, g) {
			m[g].TP++
		} else {
			m[g].FN++
			missing = append(missing, g)
		}
	}
	for _, p := range pred {
		if m[p] == nil {
			m[p] = &PRF{}
		}
		if !slices.Contains(gold, p) {
			m[p].FP++
			extra = append(extra, p)
		}
	}
	return missing, extra
}

// WriteText prints the report as aligned text tables.
func (r Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "documents: %d\n\n", r.Docs)
	table := func(title string, m map[string]*PRF, order []string) {
		fmt.Fprintf(bw, "%-26s %9s %9s %9s %5s %5s %5s\n", title, "precision", "recall", "F1", "TP", "FP", "FN")
		for _, id := range order {
			p := m[id]
			if p == nil {
				continue
			}
			fmt.Fprintf(bw, "%-26s %9.3f %9.3f %9.3f %5d %5d %5d\n", id, p.Precision(), p.Recall(), p.F1(), p.TP, p.FP, p.FN)
		}
		fmt.Fprintf(bw, "%-26s %29.3f\n\n", "macro-F1", macro(m))
	}
	table("category", r.Categories, escucha.Categories)
	table("framing", r.Framing, sortedKeys(r.Framing))
	table("campaign", r.Campaigns, sortedKeys(r.Campaigns))
	if len(r.Errors) > 0 {
		fmt.Fprintf(bw, "errors (%d documents):\n", len(r.Errors))
		for _, e := range r.Errors {
			fmt.Fprintf(bw, "  %s missing=%v extra=%v\n", e.ID, e.Missing, e.Extra)
		}
		fmt.Fprintln(bw)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if r.Geo != nil {
		fmt.Fprintln(w, "geotagging:")
		if err := r.Geo.WriteText(w); err != nil {
			return fmt.Errorf("write geo report: %w", err)
		}
	}
	return nil
}

func sortedKeys(m map[string]*PRF) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
