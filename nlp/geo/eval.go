package geo

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp/textfold"
)

// Ratio is correct/total with its value.
type Ratio struct {
	Correct, Total int
}

// Value is Correct/Total, 0 when Total is 0.
func (r Ratio) Value() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Correct) / float64(r.Total)
}

func (r Ratio) String() string {
	return fmt.Sprintf("%5.1f %% (%d/%d)", 100*r.Value(), r.Correct, r.Total)
}

// Report is the geotagging score of predictions against gold documents.
type Report struct {
	Docs int // gold documents paired with a prediction (by id)
	// Focus accuracy per level, over the gold documents whose focus has that level:
	// Country over every gold focus, Admin1 over gold foci with an admin1, Admin2
	// over gold foci with an admin2 (El Salvador: the 2024 municipality).
	FocusCountry, FocusAdmin1, FocusAdmin2 Ratio
	// FocusSpurious counts predicted foci on documents whose gold has none.
	FocusSpurious int
	// Mentions: a predicted place is correct when a gold place has the same folded
	// surface and the same country, admin1 and admin2; counted once per document.
	MentionPrecision, MentionRecall Ratio
	// Spans: the same, on the surface only (recognition without resolution).
	SpanPrecision, SpanRecall Ratio
	// Errors lists the documents whose focus is wrong at some level.
	Errors []FocusError
}

// FocusError is one document whose predicted focus differs from the gold one.
type FocusError struct {
	ID         string
	Gold, Pred string
}

// Evaluate scores pred against gold, pairing documents by id.
func Evaluate(gold, pred []*escucha.Document) Report {
	var r Report
	byID := make(map[string]*escucha.Document, len(pred))
	for _, p := range pred {
		byID[p.ID] = p
	}
	for _, g := range gold {
		p, ok := byID[g.ID]
		if !ok {
			continue
		}
		r.Docs++
		gf, gok := g.Focus()
		pf, pok := p.Focus()
		if !gok {
			if pok {
				r.FocusSpurious++
			}
		} else {
			wrong := false
			r.FocusCountry.Total++
			if pok && gf.Country == pf.Country {
				r.FocusCountry.Correct++
			} else {
				wrong = true
			}
			if gf.Admin1 != "" || gf.Admin1Code != "" {
				r.FocusAdmin1.Total++
				if pok && sameAdmin1(gf, pf) {
					r.FocusAdmin1.Correct++
				} else {
					wrong = true
				}
			}
			if gf.Admin2 != "" || gf.Admin2Code != "" {
				r.FocusAdmin2.Total++
				if pok && sameAdmin1(gf, pf) && sameAdmin2(gf, pf) {
					r.FocusAdmin2.Correct++
				} else {
					wrong = true
				}
			}
			if wrong {
				r.Errors = append(r.Errors, FocusError{ID: g.ID, Gold: describe(gf, gok), Pred: describe(pf, pok)})
			}
		}
		gm, gs := placeKeys(g.Places)
		pm, ps := placeKeys(p.Places)
		count(&r.MentionPrecision, &r.MentionRecall, gm, pm)
		count(&r.SpanPrecision, &r.SpanRecall, gs, ps)
	}
	return r
}

func count(prec, rec *Ratio, gold, pred map[string]bool) {
	for k := range pred {
		prec.Total++
		if gold[k] {
			prec.Correct++
		}
	}
	for k := range gold {
		rec.Total++
		if pred[k] {
			rec.Correct++
		}
	}
}

func placeKeys(ps []escucha.Place) (resolved, spans map[string]bool) {
	resolved, spans = map[string]bool{}, map[string]bool{}
	for _, p := range ps {
		s := normName(p.Surface)
		spans[s] = true
		resolved[s+"|"+p.Country+"|"+admin1Key(p)+"|"+admin2Key(p)] = true
	}
	return resolved, spans
}

func admin1Key(p escucha.Place) string {
	if p.Admin1Code != "" {
		return p.Admin1Code
	}
	return textfold.String(p.Admin1)
}

// admin2Key is the folded admin2 name: unique within an admin1, and present
// where codes are not (Costa Rica, Panama, Dominican Republic, El Salvador).
func admin2Key(p escucha.Place) string { return normName(p.Admin2) }

func sameAdmin1(g, p escucha.Place) bool {
	if g.Country != p.Country {
		return false
	}
	if g.Admin1Code != "" && p.Admin1Code != "" {
		return g.Admin1Code == p.Admin1Code
	}
	return normName(g.Admin1) == normName(p.Admin1)
}

func sameAdmin2(g, p escucha.Place) bool {
	if g.Admin2Code != "" && p.Admin2Code != "" {
		return g.Admin2Code == p.Admin2Code
	}
	return normName(g.Admin2) == normName(p.Admin2)
}

func describe(p escucha.Place, ok bool) string {
	if !ok {
		return "(none)"
	}
	parts := []string{p.Country}
	for _, s := range []string{p.Admin1, p.Admin2, p.Admin3, p.Locality} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " / ") + fmt.Sprintf(" %q", p.Surface)
}

// WriteText prints the report for people.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "geotagging: %d documents\n", r.Docs)
	fmt.Fprintf(&b, "  focus country      %s\n", r.FocusCountry)
	fmt.Fprintf(&b, "  focus department   %s\n", r.FocusAdmin1)
	fmt.Fprintf(&b, "  focus municipality %s\n", r.FocusAdmin2)
	fmt.Fprintf(&b, "  spurious focus     %d\n", r.FocusSpurious)
	fmt.Fprintf(&b, "  mention precision  %s\n", r.MentionPrecision)
	fmt.Fprintf(&b, "  mention recall     %s\n", r.MentionRecall)
	fmt.Fprintf(&b, "  span precision     %s\n", r.SpanPrecision)
	fmt.Fprintf(&b, "  span recall        %s\n", r.SpanRecall)
	errs := append([]FocusError(nil), r.Errors...)
	sort.Slice(errs, func(i, j int) bool { return errs[i].ID < errs[j].ID })
	for _, e := range errs {
		fmt.Fprintf(&b, "  focus error %s: gold %s, predicted %s\n", e.ID, e.Gold, e.Pred)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
