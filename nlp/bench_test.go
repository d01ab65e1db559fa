package nlp

import (
	"testing"

	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/jdkato/prose/v2"

	"github.com/infosegura/escucha"
)

// BenchmarkEnrich runs, over the same dev-set documents in one run, the whole
// enrichment (language, rules, model, campaigns, framing, geotagging), the rules
// alone, Bleve's "es" analyzer and prose's tokenizer; MB/s compare them.
//
//	go test ./nlp -run '^$' -bench Enrich -benchtime 2s
func BenchmarkEnrich(b *testing.B) {
	docs := loadDev(b)
	var total int64
	for _, d := range docs {
		total += int64(len(d.Body()))
	}
	b.Run("enrich", func(b *testing.B) {
		e := mustEnricher(b, Config{})
		benchDocs(b, docs, total, func(d *escucha.Document) {
			c := clearPred(d)
			if err := e.Enrich(c); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("enrich-nogeo", func(b *testing.B) {
		e := mustEnricher(b, Config{NoGeo: true})
		benchDocs(b, docs, total, func(d *escucha.Document) {
			c := clearPred(d)
			if err := e.Enrich(c); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("bleve-es-analyzer", func(b *testing.B) {
		a, err := registry.NewCache().AnalyzerNamed(es.AnalyzerName)
		if err != nil {
			b.Fatal(err)
		}
		benchDocs(b, docs, total, func(d *escucha.Document) { _ = a.Analyze([]byte(d.Body())) })
	})
	b.Run("prose-tokenizer", func(b *testing.B) {
		benchDocs(b, docs, total, func(d *escucha.Document) {
			if _, err := prose.NewDocument(d.Body(), prose.WithSegmentation(false), prose.WithTagging(false), prose.WithExtraction(false)); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("fold+tokenize+sentences", func(b *testing.B) {
		benchDocs(b, docs, total, func(d *escucha.Document) { _ = prepare(d.Body(), len(d.Title)) })
	})
}

// benchDocs runs f over every document per iteration, reporting bytes of body.
func benchDocs(b *testing.B, docs []*escucha.Document, total int64, f func(*escucha.Document)) {
	b.SetBytes(total)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, d := range docs {
			f(d)
		}
	}
}
