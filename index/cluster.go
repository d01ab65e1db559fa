package index

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"sort"
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
// its id). Candidates are kept in memory by place and category, in publication
// order, so that a document reads only the candidates of its window; when the
// index was not empty at Open, or memory was trimmed, they are read back from the
// index. Signatures are sorted term hashes: comparing two is a merge of integers
// (at 1M documents a year, the string version was a fifth of indexing CPU).

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

// entry is a candidate in a key's list, with what the window and the comparison
// read inline: the scan over a key touches one array and the signatures. A
// document under several keys has an entry in each, sharing its candidate.
type entry struct {
	ns  int64    // c.t as Unix nanoseconds: the key's order, and its window
	sig []uint64 // sorted distinct hashes of the terms of title and lead
	c   *candidate
}

type candidate struct {
	id, cluster string
	t           time.Time
	gone        bool
}

func newEntry(id, cluster string, t time.Time, sig []uint64) entry {
	return entry{ns: unixNanos(t), sig: sig, c: &candidate{id: id, cluster: cluster, t: t}}
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
type loadFunc func(ctx context.Context, k caseKey, from, to time.Time) ([]entry, error)

type clusterer struct {
	window    time.Duration
	threshold float64
	max       int
	an        *termStream // analyzerText, token by token
	seed      maphash.Seed
	load      loadFunc

	byKey map[string][]entry // by publication time (ns), in insertion order when equal
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
		max: cfg.ClusterMemory, an: an, seed: maphash.MakeSeed(), load: load, byKey: map[string][]entry{},
		byID: map[string]*candidate{}, fresh: fresh, loaded: map[string]bool{}}
}

// leadBytes is how much of the text counts as the lead.
const leadBytes = 320

// signature is the set of analysed terms of the title and the lead, as sorted
// distinct 64-bit hashes (two terms of one pair of documents share a hash with a
// probability of about 1e-16).
func (c *clusterer) signature(d *escucha.Document) []uint64 {
	out := make([]uint64, 0, 64)
	for _, s := range []string{d.Title, leadOf(d.Text)} {
		c.an.each([]byte(s), func(term []byte, _, _, _ int) {
			if len(term) < 3 && !isDigits(term) {
				return
			}
			out = append(out, maphash.Bytes(c.seed, term))
		})
	}
	slices.Sort(out)
	return slices.Clip(slices.Compact(out))
}

// leadOf is the first leadBytes of text, cut at a character boundary.
func leadOf(text string) string {
	if len(text) <= leadBytes {
		return text
	}
	cut := leadBytes
	for cut > 0 && text[cut]&0xC0 == 0x80 {
		cut--
	}
	return text[:cut]
}

func isDigits(s []byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return len(s) > 0
}

// similarity is the overlap of two sorted term sets: shared terms over the
// smaller set, so a short post that repeats a headline's facts scores high.
func similarity[T cmp.Ordered](a, b []T) float64 {
	s, _ := similarityAtLeast(a, b, 0)
	return s
}

// similarityAtLeast is similarity(a, b) and true when it is at least floor, and
// false as soon as the terms left cannot bring it there (most candidates of a
// busy key, once a good one is found).
func similarityAtLeast[T cmp.Ordered](a, b []T, floor float64) (float64, bool) {
	small := min(len(a), len(b))
	if small == 0 {
		return 0, floor <= 0
	}
	den := float64(max(small, 6))
	need := max(0, int(floor*den)-1) // the fewest shared terms that reach floor
	for float64(need)/den < floor {
		need++
	}
	if need > small {
		return 0, false
	}
	i, j, shared := 0, 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			shared++
			i++
			j++
			continue
		case a[i] < b[j]:
			i++
		default:
			j++
		}
		if shared+min(len(a)-i, len(b)-j) < need {
			return 0, false
		}
	}
	// Damp very short sets: two terms in common out of two is weak evidence.
	sim := float64(shared) / den
	return sim, sim >= floor
}

// assign returns the case of d: a recent similar document's, or d's own id; and
// d's signature (nil when d cannot join a case), for observe.
func (c *clusterer) assign(ctx context.Context, d *escucha.Document) (string, []uint64, error) {
	keys := caseKeys(d)
	t := when(d)
	if len(keys) == 0 || t.IsZero() || c.window < 0 {
		return d.ID, nil, nil
	}
	sig := c.signature(d)
	var best *candidate
	bestSim := 0.0
	// A key holds every candidate in memory (up to ClusterMemory), in time
	// order: read only those published within the window.
	// The bound keeps tn±w inside int64 (times are clamped to ±4.6e18 ns) for a
	// window of any size.
	tn, w := unixNanos(t), min(int64(c.window), 4_600_000_000_000_000_000)
	for _, k := range keys {
		ks := k.String()
		if err := c.ensure(ctx, k, ks, t); err != nil {
			return "", nil, err
		}
		list := c.byKey[ks]
		lo := sort.Search(len(list), func(i int) bool { return list[i].ns >= tn-w })
		for _, e := range list[lo:] {
			if e.ns > tn+w {
				break
			}
			// Only a candidate at least as similar as the best so far, and at
			// least at the threshold, can be the case (one below the threshold
			// would be replaced by any that reaches it). A candidate gone, or d
			// itself, is skipped where it would become the best: the same as
			// skipping it first, without reading it for the others.
			s, ok := similarityAtLeast(sig, e.sig, max(bestSim, c.threshold))
			if ok && (s > bestSim || s == bestSim && best != nil && e.c.t.Before(best.t)) &&
				!e.c.gone && e.c.id != d.ID {
				best, bestSim = e.c, s
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
		ents, err := c.load(ctx, k, w, w.AddDate(0, 0, 7))
		if err != nil {
			return fmt.Errorf("load case candidates: %w", err)
		}
		for _, e := range ents {
			if _, ok := c.byID[e.c.id]; ok {
				continue
			}
			c.add(ks, e)
		}
		c.loaded[lk] = true
	}
	return nil
}

// add files e under ks, after the candidates published before or with it (at
// the end, when documents come in publication order).
func (c *clusterer) add(ks string, e entry) {
	list := c.byKey[ks]
	i := len(list)
	if i > 0 && list[i-1].ns > e.ns {
		i = sort.Search(len(list), func(j int) bool { return list[j].ns > e.ns })
	}
	c.byKey[ks] = slices.Insert(list, i, e)
	c.byID[e.c.id] = e.c
	c.n++
	if e.c.t.After(c.maxT) {
		c.maxT = e.c.t
	}
}

// observe remembers an indexed document as a candidate for later ones; sig is its
// signature from assign, or nil to compute it.
func (c *clusterer) observe(d *escucha.Document, sig []uint64) {
	keys := caseKeys(d)
	t := when(d)
	if len(keys) == 0 || t.IsZero() || c.window < 0 {
		return
	}
	c.forget(d.ID)
	if sig == nil {
		sig = c.signature(d)
	}
	e := newEntry(d.ID, d.ClusterID, t, sig)
	for _, k := range keys {
		c.add(k.String(), e)
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
			for _, e := range list {
				if cand := e.c; cand.gone || cand.t.Before(cutoff) {
					if !cand.gone && c.byID[cand.id] == cand {
						delete(c.byID, cand.id)
					}
					continue
				}
				kept = append(kept, e)
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
func (ix *Index) loadCandidates(ctx context.Context, k caseKey, from, to time.Time) ([]entry, error) {
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
	out := make([]entry, 0, len(res.Hits))
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
		out = append(out, newEntry(h.ID, cluster, d.Published, ix.clus.signature(&d)))
	}
	return out, nil
}
