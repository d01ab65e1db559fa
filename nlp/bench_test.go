package nlp

import (
	"flag"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/jdkato/prose/v2"

	"github.com/infosegura/escucha"
)

// Benchmarks read the dev set and use the embedded taxonomy and model unless
// these flags pin other files: runs compared across a change of the data (a
// retrained model, new documents) must read the same inputs.
var (
	flagBenchDocs     = flag.String("bench-docs", devDir, "documents the benchmarks read (JSONL file or directory)")
	flagBenchTaxonomy = flag.String("bench-taxonomy", "", "taxonomy file for the benchmarks (default: embedded)")
	flagBenchModel    = flag.String("bench-model", "", "model file for the benchmarks (default: embedded)")
)

// benchInputs returns the benchmarks' documents, their total body bytes and the
// enricher configuration the flags pin.
func benchInputs(tb testing.TB) ([]*escucha.Document, int64, Config) {
	tb.Helper()
	docs, err := ReadDocuments(*flagBenchDocs)
	if err != nil {
		tb.Fatalf("read benchmark documents: %v", err)
	}
	if len(docs) == 0 {
		tb.Fatal("no benchmark documents")
	}
	var total int64
	for _, d := range docs {
		total += int64(len(d.Body()))
	}
	return docs, total, Config{TaxonomyPath: *flagBenchTaxonomy, ModelPath: *flagBenchModel}
}

// BenchmarkEnrich runs, over the same dev-set documents in one run, the whole
// enrichment (language, rules, model, campaigns, framing, geotagging), the rules
// alone, Bleve's "es" analyzer and prose's tokenizer; MB/s compare them.
//
//	go test ./nlp -run '^$' -bench Enrich -benchtime 2s
func BenchmarkEnrich(b *testing.B) {
	docs, total, cfg := benchInputs(b)
	b.Run("enrich", func(b *testing.B) {
		e := mustEnricher(b, cfg)
		benchDocs(b, docs, total, func(d *escucha.Document) {
			c := clearPred(d)
			if err := e.Enrich(c); err != nil {
				b.Fatal(err)
			}
		})
	})
	b.Run("enrich-nogeo", func(b *testing.B) {
		nogeo := cfg
		nogeo.NoGeo = true
		e := mustEnricher(b, nogeo)
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

// BenchmarkEnrichVsAnalyzer is the issue's comparison made robust to a shared
// machine: each iteration runs one pass of the whole enrichment (with
// geotagging) and one pass of Bleve's "es" analyzer over the same dev-set
// documents, in alternating order, and times each; a change of load during the
// run slows both sides alike. It reports both speeds and their ratio (goal ≥ 1),
// by wall time and, where the system can say (Linux), by the CPU time of the
// benchmark's thread ("cpu-" metrics): the wall time also counts the time other
// jobs held the core, which on a busy machine moves the wall ratio by ± 0.1
// between runs.
//
//	go test ./nlp -run '^$' -bench EnrichVsAnalyzer -benchtime 40x
func BenchmarkEnrichVsAnalyzer(b *testing.B) {
	docs, total, cfg := benchInputs(b)
	e := mustEnricher(b, cfg)
	a, err := registry.NewCache().AnalyzerNamed(es.AnalyzerName)
	if err != nil {
		b.Fatal(err)
	}
	enrich := func() {
		for _, d := range docs {
			if err := e.Enrich(clearPred(d)); err != nil {
				b.Fatal(err)
			}
		}
	}
	analyze := func() {
		for _, d := range docs {
			_ = a.Analyze([]byte(d.Body()))
		}
	}
	runtime.LockOSThread() // threadCPU measures this goroutine's thread
	defer runtime.UnlockOSThread()
	_, cpuOK := threadCPU()
	var wall, cpu [2]time.Duration // [0] enrich, [1] analyzer
	timed := func(side int, f func()) {
		start, c0 := time.Now(), time.Duration(0)
		if cpuOK {
			c0, _ = threadCPU()
		}
		f()
		wall[side] += time.Since(start)
		if cpuOK {
			c1, _ := threadCPU()
			cpu[side] += c1 - c0
		}
	}
	enrich() // warm both (word cache, pools) before timing
	analyze()
	i := 0
	for b.Loop() {
		if i%2 == 0 {
			timed(0, enrich)
			timed(1, analyze)
		} else {
			timed(1, analyze)
			timed(0, enrich)
		}
		i++
	}
	mb := func(d time.Duration) float64 { return float64(total) * float64(i) / 1e6 / d.Seconds() }
	b.ReportMetric(mb(wall[0]), "enrich-MB/s")
	b.ReportMetric(mb(wall[1]), "analyzer-MB/s")
	b.ReportMetric(mb(wall[0])/mb(wall[1]), "ratio")
	if cpuOK && cpu[0] > 0 && cpu[1] > 0 {
		b.ReportMetric(mb(cpu[0]), "cpu-enrich-MB/s")
		b.ReportMetric(mb(cpu[1]), "cpu-analyzer-MB/s")
		b.ReportMetric(mb(cpu[0])/mb(cpu[1]), "cpu-ratio")
	}
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

// BenchmarkProseIssue repeats the issue's measurement of prose v2 on one article
// like the issue's 2.2 KB one (dev-set texts joined in file order until they
// reach 2 200 bytes: 2.5 KB):
// NewDocument with its defaults (an English sentence model, tagger and NER loaded
// per call), segmentation alone, tokenisation alone, and our fold + tokenize +
// sentence split of the same text. docs/nlp.md ("Tokenisation and prose v2")
// records the numbers.
//
//	go test ./nlp -run '^$' -bench ProseIssue -benchtime 2s
func BenchmarkProseIssue(b *testing.B) {
	article := issueArticle(b)
	run := func(name string, f func()) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(article)))
			b.ReportAllocs()
			for b.Loop() {
				f()
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
		})
	}
	prose1 := func(opts ...prose.DocOpt) func() {
		return func() {
			if _, err := prose.NewDocument(article, opts...); err != nil {
				b.Fatal(err)
			}
		}
	}
	run("prose-defaults", prose1())
	run("prose-segmentation", prose1(prose.WithTokenization(false), prose.WithTagging(false), prose.WithExtraction(false)))
	run("prose-tokenization", prose1(prose.WithSegmentation(false), prose.WithTagging(false), prose.WithExtraction(false)))
	run("fold+tokenize+sentences", func() { _ = prepare(article, 0) })
}

// issueArticle joins dev-set bodies, in file order, until they reach 2 200 bytes:
// the size of the article the issue measured prose on.
func issueArticle(tb testing.TB) string {
	tb.Helper()
	var s strings.Builder
	for _, d := range loadDev(tb) {
		if s.Len() >= 2200 {
			break
		}
		if s.Len() > 0 {
			s.WriteString("\n\n")
		}
		s.WriteString(d.Text)
	}
	return s.String()
}
