package nlp

import (
	"testing"

	"github.com/infosegura/escucha/nlp/textfold"
)

// BenchmarkParts times each step of the classification over the dev set (prepare,
// language, pattern scan, rule analysis, model features by name and by the
// inference path, campaigns), to see where
// BenchmarkEnrich spends its time.
func BenchmarkParts(b *testing.B) {
	docs, total, cfg := benchInputs(b)
	cfg.NoGeo = true
	e := mustEnricher(b, cfg)
	var ts []*text
	for _, d := range docs {
		ts = append(ts, prepare(d.Body(), len(d.Title)))
	}
	run := func(name string, f func(i int)) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(total)
			for b.Loop() {
				for i := range docs {
					f(i)
				}
			}
		})
	}
	run("prepare", func(i int) { prepare(docs[i].Body(), len(docs[i].Title)) })
	var fold *textfold.Folded
	run("fold", func(i int) { fold = textfold.FoldInto(fold, docs[i].Body()) })
	var toks []token
	var marks []int
	run("tokenize", func(i int) { toks, marks = tokenizeInto(ts[i].fold.Text, toks, marks) })
	run("lang", func(i int) { detectLang(ts[i].body, ts[i].toks, nil) })
	run("scan", func(i int) { e.c.m.scan(ts[i].toks, nil) })
	run("analyse", func(i int) { e.c.analyse(ts[i], "es") })
	as := make([]*analysis, len(ts))
	for i := range ts {
		as[i] = e.c.analyse(ts[i], "es")
	}
	run("features", func(i int) { e.hashedFeatures(ts[i], as[i]) })
	out := make([]float64, 12)
	run("features+predict", func(i int) { e.model.predict(e.hashedFeatures(ts[i], as[i]), out) })
	run("fast-predict", func(i int) { e.fast.predict(ts[i], as[i], e.c.cats, &e.stems, out) })
	run("campaigns", func(i int) { matchCampaigns(e.campaigns, docs[i], ts[i]) })
}
