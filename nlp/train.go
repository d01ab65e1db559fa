package nlp

import (
	"errors"
	"fmt"

	"github.com/infosegura/escucha"
)

// Train fits a model from gold documents (their categories are the labels). The
// enricher's taxonomy computes the rule features, so the model is tied to it;
// non-Spanish documents are skipped.
func (e *Enricher) Train(gold []*escucha.Document, o TrainOptions) (*Model, error) {
	var exs []example
	for _, d := range gold {
		body := d.Body()
		titleLen := 0
		if d.Title != "" && d.Text != "" {
			titleLen = len(d.Title)
		}
		t := prepare(body, titleLen)
		if detectLang(body, t.toks, nil) != "es" {
			continue
		}
		a := e.c.analyse(t, "es")
		g := map[string]bool{}
		for _, c := range d.Categories {
			g[c.ID] = true
		}
		exs = append(exs, example{fs: e.features(t, a), gold: g})
	}
	if len(exs) == 0 {
		return nil, errors.New("train: no Spanish gold documents")
	}
	if o.Version == "" {
		o.Version = fmt.Sprintf("%s+%ddocs", e.tax.Version, len(exs))
	}
	return train(exs, e.tax.Version, o), nil
}
