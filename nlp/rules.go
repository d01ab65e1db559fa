package nlp

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"

	"github.com/infosegura/escucha"
)

// Evidence kinds (escucha.Span.Kind).
const (
	KindEvent       = "event"
	KindStatistic   = "statistic"
	KindAnniversary = "anniversary"
	KindTopic       = "topic"
	KindBackground  = "background"
	KindNegated     = "negated"
	// KindHypothesis is a term inside a clause the authorities are still checking
	// ("investiga si…", "se desconoce si…"): it does not create a label on its own.
	KindHypothesis = "hypothesis"
)

// compiled is a taxonomy turned into one matcher and pattern-id sets.
type compiled struct {
	tax *Taxonomy
	m   *matcher

	lint                                   []string // suspicious patterns, logged at load
	negation, boundary                     idset
	clauseNeg                              idset // negation cues reaching clauseWindow words
	clauseWindow                           int
	statistic, anniversary, topic, backgnd idset
	quoteOK, fiction                       idset
	hypothesis                             idset
	hypWindow                              int
	// scope (Cues.Scope): context roles of sentences in event stories
	legal, eventMarker idset
	storyRef           idset
	ctxKind            [nKinds]bool
	ctxAlone           float64 // 0: scoping off
	scopeWindow        int
	scopeMin           int
	passingBelow       float64 // Cues.Scope.PassingBelow
	paraWindow         int
	window             int
	kindWeight         map[string]float64
	titleW, leadW      float64
	leadN              int

	cats   []ccat
	catPos []int // catPos[ci] = catIndex(cats[ci].id): a small table scores reads per document
	frames []cframe
	// rulesOf maps a pattern id to the (category or frame, term) pairs using it.
	termsOf [][]termRef // by pattern id (a slice: looked up for every hit)
}

// idset is a set of pattern ids as a bitset: the rules test it for every hit
// of a sentence, where a map lookup cost more than the rest of the test.
type idset struct {
	bits []uint64
	n    int // distinct ids
}

func (s idset) has(id int) bool {
	w := id >> 6
	return w < len(s.bits) && s.bits[w]&(1<<(uint(id)&63)) != 0
}

func (s idset) empty() bool { return s.n == 0 }

func (s *idset) add(id int) {
	w := id >> 6
	for len(s.bits) <= w {
		s.bits = append(s.bits, 0)
	}
	if s.bits[w]&(1<<(uint(id)&63)) == 0 {
		s.bits[w] |= 1 << (uint(id) & 63)
		s.n++
	}
}

type cterm struct {
	def     int // index of the TermDef it came from (repeats diminish per def)
	lang    string
	pat     int
	w       float64
	with    idset
	without idset
	withDoc []int
	woDoc   []int
}

type ccat struct {
	id         string
	threshold  float64
	implies    []string
	suppressBy []string
	// impliesPos and suppressPos are implies and suppressBy as positions in
	// escucha.Categories (catIndex; -1 for an id outside them)
	impliesPos, suppressPos []int
	suppressLo              float64
	terms                   []cterm
	figurative              idset
	hypCounts               bool // hypotheses count as events (Cues.Hypothesis)
}

type cframe struct {
	id          string
	threshold   float64
	requires    []string
	requiresPos []int // requires as positions in escucha.Categories (catIndex)
	terms       []cterm
	critique    idset
}

type termRef struct {
	frame bool
	owner int // index in cats or frames
	term  int
}

func compileTaxonomy(t *Taxonomy) (*compiled, error) {
	c := &compiled{tax: t, m: newMatcher()}
	c.window = t.Cues.Window
	if c.window <= 0 {
		c.window = 4
	}
	c.titleW, c.leadW, c.leadN = t.Cues.TitleWeight, t.Cues.LeadWeight, t.Cues.LeadSentences
	if c.titleW == 0 {
		c.titleW = 1
	}
	if c.leadW == 0 {
		c.leadW = 1
	}
	c.kindWeight = map[string]float64{KindEvent: 1, KindStatistic: 1, KindAnniversary: 1,
		KindTopic: 1, KindBackground: 1, KindNegated: 0, KindHypothesis: 1}
	for k, v := range t.Cues.KindWeight {
		if _, ok := c.kindWeight[k]; !ok {
			return nil, fmt.Errorf("kind_weight: unknown kind %q", k)
		}
		c.kindWeight[k] = v
	}
	var err error
	set := func(name string, pats []string) idset {
		return toSet(c.expand(pats, &err, name))
	}
	c.negation = set("cues.negation", t.Cues.Negation)
	c.clauseNeg = set("cues.clause_negation", t.Cues.ClauseNegation)
	c.clauseWindow = max(t.Cues.ClauseWindow, c.window)
	c.boundary = set("cues.boundary", t.Cues.Boundary)
	c.statistic = set("cues.statistic", t.Cues.Statistic)
	c.anniversary = set("cues.anniversary", t.Cues.Anniversary)
	c.topic = set("cues.topic", t.Cues.Topic)
	c.backgnd = set("cues.background", t.Cues.Background)
	c.quoteOK = set("cues.scare_quote_exempt", t.Cues.ScareQuoteExempt)
	c.fiction = set("cues.fiction_title", t.Cues.FictionTitle)
	c.hypothesis = set("cues.hypothesis", t.Cues.Hypothesis)
	c.hypWindow = t.Cues.HypothesisWindow
	if c.hypWindow <= 0 {
		c.hypWindow = c.clauseWindow
	}
	sc := t.Cues.Scope
	c.legal = set("cues.scope.context", sc.Context)
	c.eventMarker = set("cues.scope.event_markers", sc.EventMarkers)
	c.storyRef = set("cues.scope.story_reference", sc.StoryReference)
	if sc.ContextAlone < 0 || sc.ContextAlone > 1 || sc.Window < 0 || sc.ParagraphWindow < 0 {
		return nil, fmt.Errorf("cues.scope: context_alone %v outside [0,1], or a negative window (%d, %d)", sc.ContextAlone, sc.Window, sc.ParagraphWindow)
	}
	if sc.ContextAlone > 0 && sc.ContextAlone < 1 {
		c.ctxAlone = sc.ContextAlone
	}
	c.scopeWindow, c.scopeMin, c.paraWindow = sc.Window, sc.MinSentences, sc.ParagraphWindow
	if sc.PassingBelow < 0 {
		return nil, fmt.Errorf("cues.scope.passing_below: %v is negative", sc.PassingBelow)
	}
	c.passingBelow = sc.PassingBelow
	for _, k := range sc.ContextKinds {
		if !slices.Contains(evidenceKinds, k) || k == KindEvent || k == KindNegated {
			return nil, fmt.Errorf("cues.scope.context_kinds: %q is not a context kind", k)
		}
		c.ctxKind[kindIndex(k)] = true
	}
	terms := func(owner string, defs []TermDef) []cterm {
		var out []cterm
		for i, d := range defs {
			ids := c.expand([]string{d.P}, &err, fmt.Sprintf("%s term %d", owner, i))
			w := d.W
			if w == 0 {
				w = 1
			}
			with := toSet(c.expand(d.With, &err, owner+" with"))
			without := toSet(c.expand(d.Without, &err, owner+" without"))
			withDoc := c.expand(d.WithDoc, &err, owner+" with_doc")
			woDoc := c.expand(d.WithoutDoc, &err, owner+" without_doc")
			lang := d.Lang
			if lang == "" {
				lang = "es"
			}
			if !slices.Contains(Languages, lang) && err == nil {
				err = fmt.Errorf("%s term %d: unsupported lang %q", owner, i, lang)
			}
			for _, id := range ids {
				out = append(out, cterm{lang: lang, def: i, pat: id, w: w, with: with, without: without, withDoc: withDoc, woDoc: woDoc})
			}
		}
		return out
	}
	for _, cd := range t.Categories {
		cc := ccat{id: cd.ID, threshold: cd.Threshold, implies: cd.Implies, suppressBy: cd.SuppressedBy, suppressLo: cd.SuppressBelow, figurative: set(cd.ID+" figurative", cd.Figurative), hypCounts: cd.HypothesisCounts}
		cc.impliesPos, cc.suppressPos = catIndexes(cc.implies), catIndexes(cc.suppressBy)
		if cc.threshold == 0 {
			cc.threshold = 0.5
		}
		cc.terms = terms(cd.ID, cd.Terms)
		for ti, tm := range cc.terms {
			c.addRef(tm.pat, termRef{owner: len(c.cats), term: ti})
		}
		c.cats = append(c.cats, cc)
		c.catPos = append(c.catPos, catIndex(cc.id))
	}
	for _, fd := range t.Framing {
		cf := cframe{id: fd.ID, threshold: fd.Threshold, requires: fd.Requires, requiresPos: catIndexes(fd.Requires), critique: set("framing "+fd.ID+" critique", fd.Critique)}
		if cf.threshold == 0 {
			cf.threshold = 0.5
		}
		cf.terms = terms("framing "+fd.ID, fd.Terms)
		for ti, tm := range cf.terms {
			c.addRef(tm.pat, termRef{frame: true, owner: len(c.frames), term: ti})
		}
		c.frames = append(c.frames, cf)
	}
	if err != nil {
		return nil, err
	}
	for len(c.termsOf) < len(c.m.pats) {
		c.termsOf = append(c.termsOf, nil)
	}
	c.m.compile()
	return c, nil
}

// addRef appends r to the terms of pattern pat.
func (c *compiled) addRef(pat int, r termRef) {
	for len(c.termsOf) <= pat {
		c.termsOf = append(c.termsOf, nil)
	}
	c.termsOf[pat] = append(c.termsOf[pat], r)
}

// expand compiles patterns, resolving "@lexicon" references.
// functionWords start or join phrases. A |-list of content words whose last
// alternative is one of them, followed by more words ("genero|por ser mujer",
// "amorosa*|de pareja con"), is a phrase list written with | by mistake: | alternates
// single words, so the pattern silently never matches as its author meant.
var functionWords = map[string]bool{"de": true, "del": true, "la": true, "las": true, "el": true, "los": true,
	"por": true, "para": true, "en": true, "con": true, "a": true, "al": true, "y": true, "o": true, "que": true,
	"un": true, "una": true, "su": true, "sus": true, "se": true, "le": true, "les": true, "lo": true, "te": true,
	"me": true, "nos": true, "quien": true, "the": true, "of": true, "to": true}

// phraseInAlternatives returns the first |-token of p that looks like a phrase list
// (see functionWords), or "".
func phraseInAlternatives(p string) string {
	f := strings.Fields(p)
	for i, tok := range f {
		if !strings.Contains(tok, "|") || i+1 == len(f) || strings.HasPrefix(f[i+1], "~") {
			continue
		}
		alts := strings.Split(tok, "|")
		if !functionWords[alts[len(alts)-1]] {
			continue
		}
		for _, alt := range alts[:len(alts)-1] {
			if !functionWords[alt] {
				return tok
			}
		}
	}
	return ""
}

func (c *compiled) expand(pats []string, errp *error, where string) []int {
	var ids []int
	var split []string
	for _, p := range pats {
		for part := range strings.SplitSeq(p, ";") {
			if part = strings.TrimSpace(part); part != "" {
				split = append(split, part)
			}
		}
	}
	for _, p := range split {
		if name, ok := strings.CutPrefix(p, "@"); ok {
			lex, found := c.tax.Lexicons[name]
			if !found {
				if *errp == nil {
					*errp = fmt.Errorf("%s: unknown lexicon %q", where, name)
				}
				continue
			}
			ids = append(ids, c.expand(lex, errp, where+" @"+name)...)
			continue
		}
		if w := phraseInAlternatives(p); w != "" {
			c.lint = append(c.lint, fmt.Sprintf("%s: pattern %q: %q ends in a function word followed by more words; | alternates single words, so if phrases were meant, write them as patterns joined by ;", where, p, w))
		}
		id, err := c.m.add(c.inline(p))
		if err != nil {
			if *errp == nil {
				*errp = fmt.Errorf("%s: %w", where, err)
			}
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// analysis is the rule pass over one text.
type analysis struct {
	t    *text
	hits []hit
	// sentHits[s] is the range of hits whose first token is in sentence s.
	sentLo, sentHi []int
	sentKind       []string
	// sentCtx[s]: sentence s gives context (statistics, background, law) outside
	// the lead; eventStory: the title or lead reports an event (Cues.Scope)
	sentCtx    []bool
	eventStory bool
	fiction    bool // the title announces fiction: every match is context
	// gated[ci]: category ci's evidence is all context (Cues.Scope), so like a label
	// without evidence it needs the model's ModelOnlyScore
	gated []bool
	inDoc []bool // inDoc[pattern] reports a hit anywhere in the document
	// raw[i] is the summed weight of category i; ev its evidence.
	raw []float64
	// own[i] is raw[i] without the weight of context evidence (Cues.Scope): what
	// the story itself reports, which suppression compares with its bound
	own      []float64
	ev       [][]escucha.Span
	kinds    [][nKinds]float64 // per category: summed weight per evidence kind (index in evidenceKinds)
	frameRaw []float64
	frameEv  [][]escucha.Span
	bufs     *analysisBufs
}

// analysisBufs are the per-document tables of an analysis, recycled by release.
type analysisBufs struct {
	a     analysis // the analysis itself: one allocation less per document
	hits  []hit
	inDoc []bool
	// tables that do not outlive the document (the evidence slices they hold
	// become the labels' and are dropped here, not reused)
	sentLo, sentHi []int
	sentKind       []string
	sentCtx        []bool
	ctxW, hypW     []float64
	catSent        []int // per category: its one evidence sentence, or -1 (none) / -2 (several)
	own, frameCtx  []float64
	gated          []bool
	raw, frameRaw  []float64
	kinds          [][nKinds]float64
	ev, frameEv    [][]escucha.Span
	// spans holds maxEvidence spans per owner (categories, then frames): the
	// evidence is collected there and copied at the end of the analysis into
	// one block per document, instead of growing a slice per owner
	spans []escucha.Span
	seen  map[[2]int]int
}

// zeroed returns s resized to n zero elements, reusing its array when large enough.
func zeroed[T any](s []T, n int) []T {
	s = slices.Grow(s[:0], n)[:n]
	clear(s)
	return s
}

var analysisPool sync.Pool

// release returns a's hit list and presence table for reuse; a must not be used
// afterwards (Enrich calls it once the document is done).
func (a *analysis) release() {
	b := a.bufs
	if b == nil {
		return
	}
	for _, h := range a.hits {
		b.inDoc[h.pat] = false
	}
	if cap(a.hits) <= 1<<14 && len(a.sentLo) <= 1<<12 { // do not keep a giant document's tables
		b.hits = a.hits[:0]
		b.sentLo, b.sentHi, b.sentKind, b.sentCtx = a.sentLo, a.sentHi, a.sentKind, a.sentCtx
		b.raw, b.frameRaw, b.kinds = a.raw, a.frameRaw, a.kinds
		b.ev, b.frameEv = a.ev, a.frameEv
		clear(b.ev) // the labels own the evidence now
		clear(b.frameEv)
		clear(b.seen)
		*a = analysis{} // before Put: a lives in b
		analysisPool.Put(b)
		return
	}
	*a = analysis{}
}

// Languages the taxonomy may have terms for.
var Languages = []string{"es", "en"}

// analyse runs the terms of language lang over t.
func (c *compiled) analyse(t *text, lang string) *analysis {
	bufs, _ := analysisPool.Get().(*analysisBufs)
	if bufs == nil || len(bufs.inDoc) != len(c.m.pats) {
		bufs = &analysisBufs{hits: make([]hit, 0, 32), inDoc: make([]bool, len(c.m.pats))}
	}
	a := &bufs.a
	*a = analysis{t: t, hits: c.m.scanWalks(t.toks, t.voc, bufs.hits[:0]), inDoc: bufs.inDoc, bufs: bufs}
	for _, h := range a.hits {
		a.inDoc[h.pat] = true
	}
	ns := len(t.sents)
	a.sentLo, a.sentHi = zeroed(bufs.sentLo, ns), zeroed(bufs.sentHi, ns)
	for i := range a.sentLo {
		a.sentLo[i] = -1
	}
	for hi, h := range a.hits {
		s := t.toks[h.first].sent
		if a.sentLo[s] < 0 {
			a.sentLo[s] = hi
		}
		a.sentHi[s] = hi + 1
	}
	a.sentKind = zeroed(bufs.sentKind, ns)
	fiction := t.titleN > 0 && ns > 0 && a.sentenceHas(0, c.fiction)
	for s := range ns {
		a.sentKind[s] = c.sentenceKind(a, s)
		if fiction {
			a.sentKind[s] = KindBackground
		}
	}
	a.sentCtx = zeroed(bufs.sentCtx, ns)
	a.fiction = fiction
	if c.ctxAlone > 0 && fiction {
		for s := range a.sentCtx {
			a.sentCtx[s] = true // a review or a novel reports no event, even in its lead
		}
	} else if c.ctxAlone > 0 && ns-b2i(t.titleN > 0) >= c.scopeMin {
		c.contextRoles(a)
	}
	// per category: weight from context sentences and hypotheses (scoping)
	ctxW, hypW := zeroed(bufs.ctxW, len(c.cats)), zeroed(bufs.hypW, len(c.cats))
	bufs.ctxW, bufs.hypW = ctxW, hypW
	a.raw = zeroed(bufs.raw, len(c.cats))
	a.ev = zeroed(bufs.ev, len(c.cats))
	a.kinds = zeroed(bufs.kinds, len(c.cats))
	a.frameRaw = zeroed(bufs.frameRaw, len(c.frames))
	a.frameEv = zeroed(bufs.frameEv, len(c.frames))
	bufs.spans = slices.Grow(bufs.spans[:0], maxEvidence*(len(c.cats)+len(c.frames)))
	for ci := range a.ev {
		a.ev[ci] = bufs.spans[ci*maxEvidence : ci*maxEvidence : (ci+1)*maxEvidence]
	}
	for fi := range a.frameEv {
		o := (len(c.cats) + fi) * maxEvidence
		a.frameEv[fi] = bufs.spans[o:o:(o + maxEvidence)]
	}
	if bufs.seen == nil {
		bufs.seen = map[[2]int]int{}
	}
	seen := bufs.seen // (owner kind/index, term) → hits so far, for diminishing returns
	critiqueDoc := c.critiqueDoc(a, lang)
	firstS := -1
	frameCtx := zeroed(bufs.frameCtx, len(c.frames))
	bufs.frameCtx = frameCtx
	catSent := zeroed(bufs.catSent, len(c.cats))
	bufs.catSent = catSent
	for ci := range catSent {
		catSent[ci] = -1
	}
	leadEvidence := false // a category has evidence in the title or the lead
	for _, h := range a.hits {
		refs := c.termsOf[h.pat]
		for _, r := range refs {
			var tm cterm
			if r.frame {
				f := &c.frames[r.owner]
				tm = f.terms[r.term]
				if tm.lang != lang {
					continue
				}
				if a.sentenceHas(t.toks[h.first].sent, f.critique) || (critiqueDoc&(1<<r.owner) != 0 && inQuotes(t, h)) {
					continue // wording quoted to be criticised
				}
			} else {
				cat := &c.cats[r.owner]
				tm = cat.terms[r.term]
				if tm.lang != lang {
					continue
				}
				// a term that is itself a figurative pattern (an institution's name
				// counted at low weight) is not cancelled by its siblings
				if (!cat.figurative.has(h.pat) && a.overlaps(h, cat.figurative)) || (c.scareQuoted(t, h) && !a.covers(h, c.quoteOK)) {
					continue
				}
				if critiqueDoc != 0 && inQuotes(t, h) {
					continue // a piece about wording quotes headlines ("Por celos mata a su pareja"), not events
				}
			}
			s := t.toks[h.first].sent
			if !tm.with.empty() && !a.sentenceHas(s, tm.with) {
				continue
			}
			if !tm.without.empty() && a.sentenceHas(s, tm.without) {
				continue
			}
			if len(tm.withDoc) > 0 && !a.docHas(tm.withDoc) {
				continue
			}
			if len(tm.woDoc) > 0 && a.docHas(tm.woDoc) {
				continue
			}
			kind := a.sentKind[s]
			if c.negated(a, h) {
				kind = KindNegated
			} else if !r.frame && !c.cats[r.owner].hypCounts && c.inScope(a, h, c.hypothesis, c.hypWindow) {
				// framing is about wording: a femicide named as a hypothesis is still named
				kind = KindHypothesis
			}
			key := [2]int{r.owner*2 + b2i(r.frame), tm.def}
			n := seen[key]
			seen[key] = n + 1
			w := tm.w * c.kindWeight[kind] * math.Pow(0.5, float64(n))
			if s == 0 && t.titleN > 0 {
				w *= c.titleW
			} else if s <= c.leadN {
				w *= c.leadW
			}
			start, end := t.fold.Span(t.toks[h.first].start, t.toks[h.last-1].end)
			sp := escucha.Span{Text: t.body[start:end], Start: start, End: end, Kind: kind}
			if r.frame {
				a.frameRaw[r.owner] += w
				a.frameEv[r.owner] = appendSpan(a.frameEv[r.owner], sp)
				if kind == KindHypothesis || a.sentCtx[s] {
					frameCtx[r.owner] += w
				}
				continue
			}
			a.raw[r.owner] += w
			a.ev[r.owner] = appendSpan(a.ev[r.owner], sp)
			if w > 0 {
				switch cs := catSent[r.owner]; {
				case cs == -1:
					catSent[r.owner] = s
				case cs != s:
					catSent[r.owner] = -2
				}
				leadEvidence = leadEvidence || s <= c.leadN
			}
			a.kinds[r.owner][kindIndex(kind)] += w
			switch {
			case kind == KindHypothesis:
				hypW[r.owner] += w
				ctxW[r.owner] += w
			case a.sentCtx[s]:
				ctxW[r.owner] += w
			}
			// the story's lead is the first sentence with evidence (a byline or a
			// dateline before it carries none): an event there makes an event story
			if w > 0 && (firstS < 0 || s < firstS) {
				firstS, a.eventStory = s, kind == KindEvent
			} else if w > 0 && s == firstS && kind == KindEvent {
				a.eventStory = true
			}
		}
	}
	keepEvidence(a.ev, a.frameEv)
	a.own = zeroed(bufs.own, len(c.cats))
	bufs.own = a.own
	for ci := range a.own {
		a.own[ci] = max(0, a.raw[ci]-ctxW[ci])
	}
	a.gated = zeroed(bufs.gated, len(c.cats))
	bufs.gated = a.gated
	c.gate(a, ctxW, hypW)
	if c.ctxAlone > 0 && !a.fiction && ns-b2i(t.titleN > 0) >= c.scopeMin {
		switch {
		case !leadEvidence:
			c.gatePassing(a, catSent)
		case a.eventStory && c.passingBelow > 0:
			c.gateAside(a, catSent)
		}
	}
	if (a.eventStory || a.fiction) && c.ctxAlone > 0 {
		for fi := range a.frameRaw {
			if frameCtx[fi] > 0 && a.frameRaw[fi]-frameCtx[fi] <= 1e-9 {
				a.frameRaw[fi] *= c.ctxAlone
			}
		}
	}
	return a
}

// ownWeight is the rule weight of category ci from what the story reports: in an
// event story without the context sentences' weight, else all of it.
func (a *analysis) ownWeight(ci int) float64 {
	if !a.eventStory {
		return a.raw[ci]
	}
	return a.own[ci]
}

// gate scales down the categories whose evidence is all context: hypotheses
// anywhere, and in an event story context sentences outside the lead (Cues.Scope).
func (c *compiled) gate(a *analysis, ctxW, hypW []float64) {
	if c.ctxAlone == 0 {
		return
	}
	for ci := range a.raw {
		if ctxW[ci] <= 0 || a.raw[ci]-ctxW[ci] > 1e-9 {
			continue // no context evidence, or evidence of its own
		}
		if !a.eventStory && !a.fiction && hypW[ci] < ctxW[ci]-1e-9 {
			continue // a topic piece keeps its context evidence; only hypotheses are gated
		}
		a.raw[ci] *= c.ctxAlone
		a.gated[ci] = true
		for k := range a.kinds[ci] {
			a.kinds[ci][k] *= c.ctxAlone
		}
	}
}

// gatePassing scales down, in a piece whose title and lead name no crime, every
// category whose evidence sits in one context sentence (statistics, background,
// an anniversary: Cues.Scope's context kinds): a passing mention ("el país
// registra 18 homicidios por cada 100 mil habitantes" in tourism news) is not the
// piece's topic. A piece that names a category in several sentences (statistics
// whose lead counts "necropsias") is about crime and keeps all its categories (guide: "a passing background mention does not count").
func (c *compiled) gatePassing(a *analysis, catSent []int) {
	if slices.Contains(catSent, -2) {
		return // a category named in several sentences: the piece is about crime
	}
	for ci, cs := range catSent {
		if cs < 0 || a.gated[ci] || !c.ctxKind[kindIndex(a.sentKind[cs])] {
			continue // no evidence, evidence in several sentences or in a sentence that reports, or gated already
		}
		c.gateMention(a, ci)
	}
}

// gateAside scales down, in an event story whose lead names a crime, every
// category the lead does not name whose evidence is one light mention (below
// Cues.Scope.PassingBelow) in one later sentence that does not itself report an
// event: its kind is not event (a topic aside: "la reforma también castiga las
// estafas por redes", a commemoration's "mujeres asesinadas" in an alert story)
// and it has neither an event marker nor a story reference ("el caso se investiga
// como femicidio" in a round-up is one of the piece's events). The guide: "a
// passing background mention does not count".
func (c *compiled) gateAside(a *analysis, catSent []int) {
	for ci, cs := range catSent {
		if cs <= c.leadN || a.gated[ci] || a.raw[ci] >= c.passingBelow || a.sentKind[cs] == KindEvent {
			continue // no evidence, several sentences, the lead, gated, heavy, or an event sentence
		}
		if a.sentenceHas(cs, c.eventMarker) || a.sentenceHas(cs, c.storyRef) {
			continue // a secondary event of the piece
		}
		c.gateMention(a, ci)
	}
}

// gateMention scales category ci's evidence (raw, own and by kind) down to
// Cues.Scope's context_alone share and marks it gated, for gatePassing and
// gateAside.
func (c *compiled) gateMention(a *analysis, ci int) {
	a.raw[ci] *= c.ctxAlone
	a.own[ci] *= c.ctxAlone
	a.gated[ci] = true
	for k := range a.kinds[ci] {
		a.kinds[ci][k] *= c.ctxAlone
	}
}

// contextRoles marks the sentences after the lead that give context: their kind is
// a context kind or they carry a legal cue; a sentence without cues of its own
// inherits the role (and kind) of the previous context sentence of its paragraph,
// or of the scopeWindow sentences before it when the text has no line breaks,
// unless it has an event marker.
func (c *compiled) contextRoles(a *analysis) {
	t := a.t
	ns := len(t.sents)
	first := 1 // first sentence of the text (after the title)
	if t.titleN == 0 {
		first = 0
	}
	gapBreak := func(s int) bool {
		return s > 0 && strings.IndexByte(t.fold.Text[t.sents[s-1].end:t.sents[s].start], '\n') >= 0
	}
	paras := false
	for s := first + 1; s < ns && !paras; s++ {
		paras = gapBreak(s)
	}
	carry, carryKind := 0, KindEvent
	for s := range ns {
		if paras && gapBreak(s) {
			carry = 0
		}
		kind := a.sentKind[s]
		own := c.ctxKind[kindIndex(kind)] || a.sentenceHas(s, c.legal)
		if own && kind != KindBackground && a.sentenceHas(s, c.storyRef) {
			own = false // "el caso se registra como feminicidio": about this story
		}
		switch {
		case own:
			a.sentCtx[s] = true
			carry, carryKind = c.scopeWindow, kind
			if paras {
				carry = c.paraWindow
			}
		case carry > 0 && kind == KindEvent && !a.sentenceHas(s, c.eventMarker):
			a.sentCtx[s] = true
			if c.ctxKind[kindIndex(carryKind)] {
				a.sentKind[s] = carryKind
			}
			carry--
		default:
			carry = 0
		}
		if s <= c.leadN {
			a.sentCtx[s] = false // the lead reports the story
		}
	}
}

// nKinds is len(evidenceKinds).
const nKinds = 7

// kindIndex is kind's index in evidenceKinds.
func kindIndex(kind string) int {
	switch kind {
	case KindEvent:
		return 0
	case KindStatistic:
		return 1
	case KindAnniversary:
		return 2
	case KindTopic:
		return 3
	case KindBackground:
		return 4
	case KindNegated:
		return 5
	case KindHypothesis:
		return 6
	}
	panic("nlp: unknown evidence kind " + kind)
}

func toSet(ids []int) idset {
	var s idset
	for _, id := range ids {
		s.add(id)
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// maxEvidence is the most spans a category or a frame keeps as evidence.
const maxEvidence = 8

// appendSpan keeps evidence short: at most maxEvidence spans, no duplicates.
func appendSpan(ev []escucha.Span, sp escucha.Span) []escucha.Span {
	for _, e := range ev {
		if e.Start == sp.Start && e.End == sp.End {
			return ev
		}
	}
	if len(ev) >= maxEvidence {
		return ev
	}
	return append(ev, sp)
}

// keepEvidence moves the evidence of every owner (cut from analysisBufs.spans)
// into one new block for the document, each owner's slice capped at its
// length; an owner without evidence gets nil. The labels keep these slices,
// so they must not alias the pooled scratch.
func keepEvidence(evs ...[][]escucha.Span) {
	n := 0
	for _, ev := range evs {
		for _, e := range ev {
			n += len(e)
		}
	}
	var block []escucha.Span
	if n > 0 {
		block = make([]escucha.Span, 0, n)
	}
	for _, ev := range evs {
		for i, e := range ev {
			if len(e) == 0 {
				ev[i] = nil
				continue
			}
			at := len(block)
			block = append(block, e...)
			clear(e) // the scratch keeps no strings of the body
			ev[i] = block[at:len(block):len(block)]
		}
	}
}

// ruleScore maps summed evidence weight to [0,1]: 1-exp(-x).
func ruleScore(x float64) float64 {
	if x <= 0 {
		return 0
	}
	return 1 - math.Exp(-x)
}

// sentHits are the hits of sentence s, in order.
func (a *analysis) sentHits(s int) []hit {
	if a.sentLo[s] < 0 {
		return nil
	}
	return a.hits[a.sentLo[s]:a.sentHi[s]]
}

// sentenceHas reports whether sentence s holds a hit of set.
func (a *analysis) sentenceHas(s int, set idset) bool {
	if set.empty() {
		return false
	}
	for _, h := range a.sentHits(s) {
		if set.has(h.pat) {
			return true
		}
	}
	return false
}

func (a *analysis) docHas(ids []int) bool {
	for _, id := range ids {
		if a.inDoc[id] {
			return true
		}
	}
	return false
}

// covers reports whether a hit of set (h's own pattern included) overlaps h.
func (a *analysis) covers(h hit, set idset) bool {
	s := a.t.toks[h.first].sent
	if set.empty() {
		return false
	}
	for _, o := range a.sentHits(s) {
		if set.has(o.pat) && o.first < h.last && h.first < o.last {
			return true
		}
	}
	return false
}

// overlaps reports whether a hit of set covers h entirely (a figurative or
// institutional phrase around the term; a longer term around it still counts).
func (a *analysis) overlaps(h hit, set idset) bool {
	if set.empty() {
		return false
	}
	s := a.t.toks[h.first].sent
	for _, o := range a.sentHits(s) {
		if set.has(o.pat) && o.first <= h.first && h.last <= o.last {
			return true
		}
	}
	return false
}

// sentenceKind: background beats anniversary beats statistic beats topic.
func (c *compiled) sentenceKind(a *analysis, s int) string {
	var st, an, tp, bg bool
	for _, h := range a.sentHits(s) {
		st = st || c.statistic.has(h.pat)
		an = an || c.anniversary.has(h.pat)
		tp = tp || c.topic.has(h.pat)
		bg = bg || c.backgnd.has(h.pat)
	}
	switch {
	case bg:
		return KindBackground
	case an:
		return KindAnniversary
	case st:
		return KindStatistic
	case tp:
		return KindTopic
	}
	return KindEvent
}

// negated reports a negation cue ending at most window tokens before h in the same
// sentence, with no boundary word or , ; : between them.
func (c *compiled) negated(a *analysis, h hit) bool {
	if st := a.t.toks[h.first].start; st > 0 && (a.t.fold.Text[st-1] == '#' || a.t.fold.Text[st-1] == '@') {
		return false // a hashtag or handle is never negated
	}
	s := a.t.toks[h.first].sent
	for _, o := range a.sentHits(s) {
		window := c.window
		if c.clauseNeg.has(o.pat) {
			window = c.clauseWindow
		} else if !c.negation.has(o.pat) {
			continue
		}
		if o.last > h.first || h.first-o.last > window {
			continue
		}
		if c.doubleNegation(a, s, o) {
			continue // "no descarta que…", "no se niega": affirms the possibility
		}
		if c.reaches(a, s, o, h) {
			return true
		}
	}
	return false
}

// reaches reports whether cue o, ending before h in sentence s, governs h: no
// , ; : . ! ? and no boundary word between them. A full stop inside a sentence
// follows an abbreviation, and "No." is one (número): "No. A Roxana la mató su ex"
// is a "no" answered, then a statement, not a negated killing.
func (c *compiled) reaches(a *analysis, s int, o, h hit) bool {
	between := a.t.fold.Text[a.t.toks[o.last-1].end:a.t.toks[h.first].start]
	if strings.ContainsAny(between, ",;:.!?") {
		return false
	}
	for _, b := range a.sentHits(s) {
		if c.boundary.has(b.pat) && b.first >= o.last && b.last <= h.first {
			return false
		}
	}
	return true
}

// inline replaces "@lexicon" words inside a pattern by the alternatives of the
// lexicon's one-word entries ("herida por su @pareja").
func (c *compiled) inline(p string) string {
	if !strings.Contains(p, "@") {
		return p
	}
	f := strings.Fields(p)
	for i, w := range f {
		name, ok := strings.CutPrefix(w, "@")
		if !ok {
			continue
		}
		var alts []string
		var walk func(string, int)
		walk = func(n string, depth int) {
			for _, e := range c.tax.Lexicons[n] {
				if sub, ok := strings.CutPrefix(e, "@"); ok && depth < 4 {
					walk(sub, depth+1)
				} else if !strings.Contains(strings.TrimSpace(e), " ") {
					alts = append(alts, e)
				}
			}
		}
		walk(name, 0)
		if len(alts) > 0 {
			f[i] = strings.Join(alts, "|")
		}
	}
	return strings.Join(f, " ")
}

// scareQuoted reports whether hit h sits inside a short quoted span ('asaltar',
// "Ladrón de sombras"): at most ScareQuoteWords words between an opening quote
// before it and a closing quote after it, in the same sentence.
func (c *compiled) scareQuoted(t *text, h hit) bool {
	n := c.tax.Cues.ScareQuoteWords
	if n <= 0 {
		return false
	}
	ft := t.fold.Text
	sent := t.toks[h.first].sent
	// opening quote: directly before one of the n-(len) tokens before the hit
	span := h.last - h.first
	if span > n {
		return false
	}
	isQuote := func(b byte) bool { return b == '"' || b == '\'' }
	// A match that runs across the closing quote of a quoted first word ("un 'robo' a
	// los contribuyentes") quotes the word the term hangs on.
	if st := t.toks[h.first].start; span > 1 && st > 0 && isQuote(ft[st-1]) && (st < 2 || !isWordByte(ft[st-2])) {
		if en := t.toks[h.first].end; en < len(ft) && isQuote(ft[en]) {
			return true
		}
	}
	open := -1
	for i := h.first; i >= 0 && i > h.first-(n-span)-1 && t.toks[i].sent == sent; i-- {
		st := t.toks[i].start
		if st > 0 && isQuote(ft[st-1]) && (st < 2 || !isWordByte(ft[st-2])) {
			open = i
			break
		}
		if i < h.first && strings.ContainsAny(ft[t.toks[i].end:t.toks[i+1].start], "\"'") {
			return false
		}
	}
	if open < 0 {
		return false
	}
	used := h.last - open
	for j := h.last - 1; j < len(t.toks) && j < open+n && t.toks[j].sent == sent; j++ {
		en := t.toks[j].end
		if en < len(ft) && isQuote(ft[en]) && (en+1 >= len(ft) || !isWordByte(ft[en+1])) {
			return j-open+1 <= n
		}
		if j+1 < len(t.toks) && strings.ContainsAny(ft[en:t.toks[j+1].start], "\"'") {
			return false
		}
	}
	_ = used
	return false
}

// critiqueDoc returns a bit per frame (up to 64) whose terms occur in a sentence
// with one of its critique cues: the document talks about that wording.
func (c *compiled) critiqueDoc(a *analysis, lang string) uint64 {
	var bits uint64
	for fi := range c.frames {
		f := &c.frames[fi]
		if f.critique.empty() || fi >= 64 {
			continue
		}
	hits:
		for _, h := range a.hits {
			for _, r := range c.termsOf[h.pat] {
				if r.frame && r.owner == fi && f.terms[r.term].lang == lang && a.sentenceHas(a.t.toks[h.first].sent, f.critique) {
					bits |= 1 << fi
					break hits
				}
			}
		}
	}
	return bits
}

// inQuotes reports whether h sits inside double quotes opened in its sentence.
// A sentence starts at its first word, so a quote that opens the sentence
// (`"Crimen pasional en Zacapa".`) lies before its start and is counted here:
// the byte before the first word is a quote that follows a space or the text's start.
func inQuotes(t *text, h hit) bool {
	s := t.sents[t.toks[h.first].sent]
	ft := t.fold.Text
	n := strings.Count(ft[s.start:t.toks[h.first].start], `"`)
	if s.start > 0 && ft[s.start-1] == '"' && (s.start < 2 || !isWordByte(ft[s.start-2]) && ft[s.start-2] != '"') {
		n++
	}
	return n%2 == 1
}

// inScope reports a cue of set ending at most window tokens before h in the same
// sentence, with no boundary word or , ; : between them (hypotheses).
func (c *compiled) inScope(a *analysis, h hit, set idset, window int) bool {
	if set.empty() {
		return false
	}
	s := a.t.toks[h.first].sent
	for _, o := range a.sentHits(s) {
		if !set.has(o.pat) || o.last > h.first || h.first-o.last > window {
			continue
		}
		if c.reaches(a, s, o, h) {
			return true
		}
	}
	return false
}

// doubleNegation reports a negation cue directly next to another one, with no
// punctuation between them ("No. No fue por celos" is one negation, twice).
func (c *compiled) doubleNegation(a *analysis, s int, o hit) bool {
	ft := a.t.fold.Text
	for _, p := range a.sentHits(s) {
		if p == o || !c.negation.has(p.pat) {
			continue
		}
		switch {
		case p.first == o.last:
			if !strings.ContainsAny(ft[a.t.toks[o.last-1].end:a.t.toks[p.first].start], ".,;:!?") {
				return true
			}
		case p.last == o.first:
			if !strings.ContainsAny(ft[a.t.toks[p.last-1].end:a.t.toks[o.first].start], ".,;:!?") {
				return true
			}
		}
	}
	return false
}
