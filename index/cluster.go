package index

import (
	"context"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/infosegura/escucha"
)

// Case clustering. GDELT counts one kidnapping reported 366 times as 366 events;
// an analyst counts one case. At index time a new document joins the case
// (cluster_id) of a recent document — published within ClusterWindow — about the
// same focus place (country, department, municipality) and a shared category, whose
// title and lead are similar enough; otherwise it opens its own case (cluster_id =
// its id). Candidates are kept in memory by place and category; when the index was
// not empty at Open, or memory was trimmed, they are read back from the index.

// caseKey is a focus place and a category.
type caseKey struct {
	country, admin1, admin2, category string
}

func (k caseKey) String() string {
	return fold(k.country) + "|" + fold(k.admin1) + "|" + fold(k.admin2) + "|" + k.category
}

func caseKeys(d *escucha.Document) []caseKey {
	p, ok := d.Focus()
	if !ok || (p.Admin1 == "" && p.Admin2 == "") {
		return nil
	}
	var out []caseKey
	for _, c := range d.CategoryIDs() {
		out = append(out, caseKey{p.Country, p.Admin1, p.Admin2, c})
	}
	return out
}

type candidate struct {
	id, cluster string
	t           time.Time
	ns          int64    // t as Unix nanoseconds: the window test runs on every candidate of a key
	sig         []string // sorted distinct terms of title and lead
	gone        bool
}

func newCandidate(id, cluster string, t time.Time, sig []string) *candidate {
	return &candidate{id: id, cluster: cluster, t: t, ns: unixNanos(t), sig: sig}
}

// unixNanos is t.UnixNano, clamped to years 1824–2115 (such dates are errors in
// the source), so that the difference of two never overflows.
func unixNanos(t time.Time) int64 {
	const limit = 4_600_000_000 // seconds, ~145 years either side of 1970
	switch s := t.Unix(); {
	case s > limit:
		return limit * 1e9
	case s < -limit:
		return -limit * 1e9
	}
	return t.UnixNano()
}

// loadFunc reads back candidates of a key published in [from, to).
type loadFunc func(ctx context.Context, k caseKey, from, to time.Time) ([]*candidate, error)

type clusterer struct {
	window    time.Duration
	threshold float64
	max       int
	an        *termStream // analyzerText, token by token
	load      loadFunc

	byKey map[string][]*candidate
	byID  map[string]*candidate
	n     int
	maxT  time.Time
	// fresh: the index was empty at Open, so memory holds every candidate
	// published at or after covered (zero: all of them).
	fresh   bool
	covered time.Time
	loaded  map[string]bool // key|week read back from the index
}

func newClusterer(cfg Config, fresh bool, load loadFunc) *clusterer {
	a, err := registry.NewCache().AnalyzerNamed(analyzerText)
	if err != nil {
		panic(fmt.Sprintf("analyzer %s: %v", analyzerText, err)) // registered in init
	}
	an := streamOf(a)
	if an == nil {
		panic(fmt.Sprintf("analyzer %s cannot be streamed", analyzerText)) // built in init
	}
	return &clusterer{window: cfg.ClusterWindow, threshold: cfg.ClusterThreshold,
		max: cfg.ClusterMemory, an: an, load: load, byKey: map[string][]*candidate{},
		byID: map[string]*candidate{}, fresh: fresh, loaded: map[string]bool{}}
}

// leadBytes is how much of the text counts as the lead.
const leadBytes = 320

// signature is the set of analysed terms of the title and the lead.
func signature(an *termStream, d *escucha.Document) []string {
	lead := d.Text
	if len(lead) > leadBytes {
		cut := leadBytes
		for cut > 0 && lead[cut]&0xC0 == 0x80 {
			cut--
		}
		lead = lead[:cut]
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range []string{d.Title, lead} {
		an.each([]byte(s), func(term []byte, _, _, _ int) {
			if len(term) < 3 && !isDigits(string(term)) || seen[string(term)] {
				return
			}
			t := string(term)
			seen[t] = true
			out = append(out, t)
		})
	}
	sortStrings(out)
	return out
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// similarity is the overlap of two sorted term sets: shared terms over the
// smaller set, so a short post that repeats a headline's facts scores high.
func similarity(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	i, j, shared := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			shared++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	small := min(len(a), len(b))
	// Damp very short sets: two terms in common out of two is weak evidence.
	return float64(shared) / float64(max(small, 6))
}

// assign returns the case of d: a recent similar document's, or d's own id; and
// d's signature (nil when d cannot join a case), for observe.
func (c *clusterer) assign(ctx context.Context, d *escucha.Document) (string, []string, error) {
	keys := caseKeys(d)
	t := when(d)
	if len(keys) == 0 || t.IsZero() || c.window < 0 {
		return d.ID, nil, nil
	}
	sig := signature(c.an, d)
	var best *candidate
	bestSim := 0.0
	// A key holds every candidate in memory (up to ClusterMemory): test the
	// window on integers first, the id last (this loop was 12 % of indexing CPU
	// at 60 000 documents when it compared ids first).
	tn, w := unixNanos(t), int64(c.window)
	for _, k := range keys {
		ks := k.String()
		if err := c.ensure(ctx, k, ks, t); err != nil {
			return "", nil, err
		}
		for _, cand := range c.byKey[ks] {
			if dt := cand.ns - tn; dt > w || dt < -w || cand.gone || cand.id == d.ID {
				continue
			}
			if s := similarity(sig, cand.sig); s > bestSim || (s == bestSim && best != nil && cand.t.Before(best.t)) {
				best, bestSim = cand, s
			}
		}
	}
	if best != nil && bestSim >= c.threshold {
		return best.cluster, sig, nil
	}
	return d.ID, sig, nil
}

// ensure reads back from the index the candidates memory may lack around t.
func (c *clusterer) ensure(ctx context.Context, k caseKey, ks string, t time.Time) error {
	from := t.Add(-c.window)
	if c.fresh && (c.covered.IsZero() || !from.Before(c.covered)) {
		return nil
	}
	for w := weekStart(from.UTC()); w.Before(t.Add(c.window)); w = w.AddDate(0, 0, 7) {
		lk := ks + "|" + w.Format(time.DateOnly)
		if c.loaded[lk] {
			continue
		}
		cands, err := c.load(ctx, k, w, w.AddDate(0, 0, 7))
		if err != nil {
			return fmt.Errorf("load case candidates: %w", err)
		}
		for _, cand := range cands {
			if _, ok := c.byID[cand.id]; ok {
				continue
			}
			c.add(ks, cand)
		}
		c.loaded[lk] = true
	}
	return nil
}

func (c *clusterer) add(ks string, cand *candidate) {
	c.byKey[ks] = append(c.byKey[ks], cand)
	c.byID[cand.id] = cand
	c.n++
	if cand.t.After(c.maxT) {
		c.maxT = cand.t
	}
}

// observe remembers an indexed document as a candidate for later ones; sig is its
// signature from assign, or nil to compute it.
func (c *clusterer) observe(d *escucha.Document, sig []string) {
	keys := caseKeys(d)
	t := when(d)
	if len(keys) == 0 || t.IsZero() || c.window < 0 {
		return
	}
	c.forget(d.ID)
	if sig == nil {
		sig = signature(c.an, d)
	}
	cand := newCandidate(d.ID, d.ClusterID, t, sig)
	for _, k := range keys {
		c.add(k.String(), cand)
	}
	if c.n > c.max {
		c.evict()
	}
}

// forget drops a document (deleted, or replaced by a newer version).
func (c *clusterer) forget(id string) {
	if cand, ok := c.byID[id]; ok {
		cand.gone = true
		delete(c.byID, id)
	}
}

// evict trims memory to three quarters of its bound, oldest first.
func (c *clusterer) evict() {
	cutoff := c.maxT.Add(-2 * c.window)
	for {
		n := 0
		for k, list := range c.byKey {
			kept := list[:0]
			for _, cand := range list {
				if cand.gone || cand.t.Before(cutoff) {
					if !cand.gone && c.byID[cand.id] == cand {
						delete(c.byID, cand.id)
					}
					continue
				}
				kept = append(kept, cand)
			}
			if len(kept) == 0 {
				delete(c.byKey, k)
				continue
			}
			c.byKey[k] = kept
			n += len(kept)
		}
		c.n = n
		if c.covered.IsZero() || cutoff.After(c.covered) {
			c.covered = cutoff
		}
		if n <= c.max*3/4 {
			break
		}
		cutoff = cutoff.Add(c.window / 2)
	}
	c.loaded = map[string]bool{}
}

// loadCandidates reads back the documents of a place and category published in
// [from, to), for clustering after a restart.
func (ix *Index) loadCandidates(ctx context.Context, k caseKey, from, to time.Time) ([]*candidate, error) {
	alias, _, _, err := ix.view(from, to)
	if err != nil {
		return nil, err
	}
	conj := []query.Query{term(escucha.FacetCategory, k.category), dateRange(from, to)}
	if k.admin1 != "" {
		conj = append(conj, term(folded(escucha.FacetAdmin1), fold(k.admin1)))
	}
	if k.admin2 != "" {
		conj = append(conj, term(folded(escucha.FacetAdmin2), fold(k.admin2)))
	}
	req := bleve.NewSearchRequestOptions(query.NewConjunctionQuery(conj), 2000, 0, false)
	req.Fields = []string{fTitle, fText, fPublished, escucha.FacetCluster, escucha.FacetCountry,
		escucha.FacetAdmin2}
	res, err := searchIn(ctx, alias, req)
	if err != nil {
		return nil, err
	}
	out := make([]*candidate, 0, len(res.Hits))
	for _, h := range res.Hits {
		country, _ := h.Fields[escucha.FacetCountry].(string)
		admin2, _ := h.Fields[escucha.FacetAdmin2].(string)
		if country != k.country || fold(admin2) != fold(k.admin2) {
			continue
		}
		d := escucha.Document{ID: h.ID, Published: fieldTime(h.Fields[fPublished])}
		d.Title, _ = h.Fields[fTitle].(string)
		d.Text, _ = h.Fields[fText].(string)
		cluster, _ := h.Fields[escucha.FacetCluster].(string)
		if cluster == "" {
			cluster = h.ID
		}
		out = append(out, newCandidate(h.ID, cluster, d.Published, signature(ix.clus.an, &d)))
	}
	return out, nil
}
