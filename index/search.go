package index

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/registry"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/highlight"
	"github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"

	"github.com/infosegura/escucha"
)

// hitFields are the stored fields a hit shows.
var hitFields = []string{fTitle, fPublished, fURL, escucha.FacetSource, escucha.FacetPlatform,
	escucha.FacetKind, escucha.FacetLang, escucha.FacetCategory, escucha.FacetFraming,
	escucha.FacetCountry, escucha.FacetAdmin1, escucha.FacetAdmin2, fEngagement,
	escucha.FacetCluster, fDupKey}

// facetFields maps facet names to index fields.
var facetFields = map[string]string{
	escucha.FacetCategory: escucha.FacetCategory, escucha.FacetAdmin1: escucha.FacetAdmin1,
	escucha.FacetAdmin2: escucha.FacetAdmin2, escucha.FacetSource: escucha.FacetSource,
	escucha.FacetPlatform: escucha.FacetPlatform, escucha.FacetFraming: escucha.FacetFraming,
	escucha.FacetCampaign: escucha.FacetCampaign, escucha.FacetCountry: escucha.FacetCountry,
	escucha.FacetKind: escucha.FacetKind, escucha.FacetLang: escucha.FacetLang,
	escucha.FacetCluster: escucha.FacetCluster,
}

const (
	histFacet   = "_histogram"
	casesFacet  = "_cases"
	termsFacet  = "_terms"
	maxBuckets  = 5000
	maxCases    = 1 << 17
	exportPage  = 1000
	collapseMul = 3
)

// plan is a request turned into Bleve terms.
type plan struct {
	req    escucha.SearchRequest
	alias  bleve.IndexAlias // nil when no month can hold a match
	text   query.Query
	filter query.Query
	query  query.Query
	after  []string
	legacy bool // a chosen month predates the sort keys
	body   bool // the months are format 5: text is searched in body
	// inside is the query without the date range, for the months that lie
	// wholly inside it (nil when the range was already left out).
	inside query.Query
}

func (ix *Index) plan(req escucha.SearchRequest) (*plan, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	for _, f := range req.Facets {
		if _, ok := facetFields[f]; !ok {
			return nil, escucha.Errorf(escucha.EInvalid, "unknown facet %q", f)
		}
	}
	if req.Facets == nil {
		req.Facets = escucha.DefaultFacets
	}
	text, err := parseQueryString(req.Query, req.AnyWord, ix.body) // body is fixed at Open
	if err != nil {
		return nil, err
	}
	p := &plan{req: req, text: text, body: ix.body}
	if req.After != "" {
		if p.after, err = decodeCursor(req.After, req.Sort); err != nil {
			return nil, err
		}
	}
	alias, inside, legacy, err := ix.view(req.From, req.To)
	if err != nil {
		return nil, err
	}
	p.alias, p.legacy = alias, legacy
	p.filter = filters(&req, !inside)
	p.query = combine(text, p.filter)
	if !inside {
		p.inside = combine(text, filters(&req, false))
	}
	return p, nil
}

// sortOrder is the order of hits: by relevance or date, ties broken by id.
func sortOrder(s string, legacy bool) search.SortOrder {
	if !legacy {
		id := &search.SortField{Field: fSortID, Type: search.SortFieldAsString}
		if s == escucha.SortDate {
			id.Desc = true
			return search.SortOrder{
				&search.SortField{Field: fSortDate, Type: search.SortFieldAsString, Desc: true,
					Missing: search.SortFieldMissingLast},
				id,
			}
		}
		return search.SortOrder{&search.SortScore{Desc: true}, id}
	}
	if s == escucha.SortDate {
		return search.SortOrder{
			&search.SortField{Field: fPublished, Type: search.SortFieldAsDate, Desc: true,
				Missing: search.SortFieldMissingLast},
			&search.SortDocID{Desc: true},
		}
	}
	return search.SortOrder{&search.SortScore{Desc: true}, &search.SortDocID{}}
}

// run executes a Bleve request on the plan's months (an empty result without any).
func (p *plan) run(ctx context.Context, r *bleve.SearchRequest) (*bleve.SearchResult, error) {
	return searchIn(ctx, p.alias, r)
}

// Count returns the number of documents matching req.
func (ix *Index) Count(ctx context.Context, req escucha.SearchRequest) (uint64, error) {
	req.Facets, req.Histogram, req.Terms, req.After = []string{}, "", 0, ""
	p, err := ix.plan(req)
	if err != nil {
		return 0, err
	}
	res, err := p.run(ctx, bleve.NewSearchRequestOptions(p.query, 0, 0, false))
	if err != nil {
		return 0, err
	}
	return res.Total, nil
}

// Search answers one page of req with its facets, histogram and terms.
func (ix *Index) Search(ctx context.Context, req escucha.SearchRequest) (*escucha.SearchResult, error) {
	start := time.Now()
	p, err := ix.plan(req)
	if err != nil {
		return nil, err
	}
	req = p.req
	size := req.Size
	if req.Collapse {
		size = min(req.Size*collapseMul, escucha.MaxSearchSize*collapseMul)
	}
	br := bleve.NewSearchRequestOptions(p.query, size, 0, false)
	br.SortByCustom(sortOrder(req.Sort, p.legacy))
	br.SearchAfter = p.after
	for _, f := range req.Facets {
		br.AddFacet(f, bleve.NewFacetRequest(facetFields[f], shardFacetSize(req.FacetSize)))
	}
	if req.Histogram != "" {
		br.AddFacet(histFacet, bleve.NewFacetRequest(string(req.Histogram), maxBuckets))
	}
	if req.ByCase {
		br.AddFacet(casesFacet, bleve.NewFacetRequest(escucha.FacetCluster, maxCases))
	}
	if req.Terms > 0 {
		br.AddFacet(termsFacet, bleve.NewFacetRequest(fTitleTerms, 200))
	}
	var res *bleve.SearchResult
	err = errSlowPath
	if p.fastable() && ctx.Value(bleveCollectorKey{}) == nil {
		asks := make([]facetAsk, 0, len(br.Facets))
		for name, f := range br.Facets {
			asks = append(asks, facetAsk{name: name, field: f.Field, size: f.Size})
		}
		if res, err = ix.collect(ctx, p, size, asks); errors.Is(err, errSlowPath) {
			ix.log.Debug("search: months the one-pass collector cannot read, using Bleve's", "query", req.Query)
		}
	}
	switch {
	case !errors.Is(err, errSlowPath):
	case req.Sort == escucha.SortDate && !p.legacy:
		res, err = ix.newestFirst(ctx, p, br)
	default:
		res, err = p.run(ctx, br)
	}
	if err != nil {
		return nil, err
	}
	if err := ix.fetch(ctx, p, res.Hits, hitFields, true); err != nil {
		return nil, err
	}
	out := &escucha.SearchResult{Total: res.Total, Facets: map[string]escucha.Facet{}, Hits: []escucha.Hit{}}
	for _, f := range req.Facets {
		out.Facets[f] = facet(res.Facets[f], req.FacetSize)
	}
	if fr := res.Facets[casesFacet]; fr != nil && fr.Terms != nil {
		out.Cases = len(fr.Terms.Terms())
	}
	hits, last := res.Hits, len(res.Hits)
	if req.Collapse {
		var err error
		if out.Hits, last, err = ix.collapse(ctx, p, res.Hits, req.Size); err != nil {
			return nil, err
		}
	} else {
		for _, h := range hits {
			out.Hits = append(out.Hits, toHit(h))
		}
	}
	if (len(hits) == size || last < len(hits)) && last > 0 {
		out.Next = encodeCursor(req.Sort, hits[last-1])
	}
	if req.ByCase && len(req.Facets) > 0 {
		if out.CaseFacets, err = ix.caseFacets(ctx, p); err != nil {
			return nil, err
		}
	}
	if req.Histogram != "" {
		if out.Histogram, err = ix.histogram(ctx, p, res.Facets[histFacet]); err != nil {
			return nil, err
		}
	}
	if req.Terms > 0 {
		if out.Terms, err = ix.significant(res.Facets[termsFacet], res.Total, req.Terms); err != nil {
			return nil, err
		}
	}
	out.Took = time.Since(start)
	metricSearchSeconds.Observe(out.Took.Seconds())
	return out, nil
}

// monthsFacet counts the matches by month (the months are the shards).
const monthsFacet = "_months"

// newestFirst answers a request sorted by date in two passes: facets and counts
// by month over every month, with no sorting (no sort keys read); then the page,
// sorted, from only the newest months that hold enough matches after the cursor.
// In one pass every match's sort keys would be read — the date and the id, one
// distinct term per document — to keep 20 ("extorsion" by date on 200 000
// documents: 84 → 73 CPU ms, docs/benchmarks-search.md). It falls back to one
// pass when undated documents match (they sort last, in no month).
func (ix *Index) newestFirst(ctx context.Context, p *plan, br *bleve.SearchRequest) (*bleve.SearchResult, error) {
	counts := *br
	counts.Size, counts.SearchAfter, counts.Sort = 0, nil, nil
	counts.Facets = bleve.FacetsRequest{}
	for k, v := range br.Facets {
		counts.Facets[k] = v
	}
	counts.AddFacet(monthsFacet, bleve.NewFacetRequest(fMonth, maxBuckets))
	all, err := p.run(ctx, &counts)
	if err != nil {
		return nil, err
	}
	fr := all.Facets[monthsFacet]
	delete(all.Facets, monthsFacet)
	if all.Total == 0 {
		return all, nil
	}
	if fr == nil || fr.Terms == nil || fr.Missing > 0 {
		return p.run(ctx, br)
	}
	byMonth := fr.Terms.Terms()
	sort.Slice(byMonth, func(i, j int) bool { return byMonth[i].Term > byMonth[j].Term })
	cursor := "" // the cursor's month: only it and older months can hold the page
	if len(p.after) > 0 {
		t, err := time.Parse(time.RFC3339Nano, p.after[0])
		if err != nil {
			return nil, escucha.Errorf(escucha.EInvalid, "invalid cursor: %v", err)
		}
		cursor = t.In(ix.cfg.Location).Format("2006-01")
	}
	var chosen []bleve.Index
	after := 0 // matches certainly after the cursor in the chosen months
	ix.mu.RLock()
	for _, m := range byMonth {
		if cursor != "" && m.Term > cursor {
			continue
		}
		s, ok := ix.shards[m.Term]
		if !ok {
			ix.mu.RUnlock()
			return p.run(ctx, br)
		}
		chosen = append(chosen, s)
		if m.Term != cursor {
			after += m.Count
		}
		if after >= br.Size {
			break
		}
	}
	ix.mu.RUnlock()
	if len(chosen) == 0 {
		all.Hits = nil
		return all, nil
	}
	page := *br
	page.Facets = nil
	res, err := searchIn(ctx, bleve.NewIndexAlias(chosen...), &page)
	if err != nil {
		return nil, err
	}
	all.Hits = res.Hits
	return all, nil
}

// fetch loads the stored fields and highlights of the page's hits. It is a second
// step because Bleve's alias loads and highlights every month's own top hits
// before merging them: with 13 months, 13 pages for one (the largest cost of a
// narrow query, see docs/benchmarks-search.md). Here only the winners are loaded,
// each from its month, with the text query so that highlights are the same.
//
// Without highlights (export) only the ids are searched: the text query would
// walk its postings again in every month for each page.
func (ix *Index) fetch(ctx context.Context, p *plan, hits []*search.DocumentMatch, fields []string,
	highlight bool) error {
	if len(hits) == 0 {
		return nil
	}
	byMonth := map[string][]string{}
	for _, h := range hits {
		byMonth[h.Index] = append(byMonth[h.Index], h.ID)
	}
	ix.mu.RLock()
	shards := make(map[string]bleve.Index, len(byMonth))
	for m := range byMonth {
		shards[m] = ix.shards[m]
	}
	ix.mu.RUnlock()
	// One search per month, concurrently (as the alias searches its months).
	type fetched struct {
		month string
		res   *bleve.SearchResult
		err   error
	}
	ch := make(chan fetched, len(byMonth))
	for m, ids := range byMonth {
		s := shards[m]
		if s == nil {
			return escucha.Errorf(escucha.EUnavailable, "month %s went away during the search", m)
		}
		q := query.Query(query.NewDocIDQuery(ids))
		if highlight {
			q = combine(p.text, q)
		}
		r := bleve.NewSearchRequestOptions(q, len(ids), 0, false)
		r.Fields = fields
		switch {
		case !highlight || p.text == nil:
		case p.body:
			// body is not stored: its term locations are mapped back onto
			// the stored title and text, and highlighted there (highlightBody).
			r.IncludeLocations = true
			r.Fields = append(slices.Clip(fields), fTitle, fText)
		default:
			r.Highlight = bleve.NewHighlightWithStyle("html")
			r.Highlight.Fields = []string{fTitle, fText}
		}
		go func() {
			res, err := s.SearchInContext(ctx, r)
			ch <- fetched{m, res, err}
		}()
	}
	found := make(map[string]*search.DocumentMatch, len(hits))
	var firstErr error
	for range byMonth {
		f := <-ch
		if f.err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("load hits from %s: %w", f.month, f.err)
			}
			continue
		}
		for _, h := range f.res.Hits {
			found[h.ID] = h
		}
	}
	if firstErr != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return firstErr
	}
	mapBack := highlight && p.body && p.text != nil
	for _, h := range hits {
		f := found[h.ID]
		if f == nil {
			continue
		}
		if mapBack {
			highlightBody(f)
			if !slices.Contains(fields, fText) {
				delete(f.Fields, fText)
			}
		}
		h.Fields, h.Fragments = f.Fields, f.Fragments
	}
	return nil
}

// htmlHighlighter is the highlighter of Bleve's "html" style.
var htmlHighlighter = sync.OnceValue(func() highlight.Highlighter {
	h, err := registry.NewCache().HighlighterNamed(html.Name)
	if err != nil {
		panic(err) // registered by Bleve's package
	}
	return h
})

// highlightBody highlights a format-5 hit as Bleve highlights title and text in
// format 4: the term locations of body (title, a line, text) are mapped onto
// the stored title and text, those of title added, and Bleve's html highlighter
// picks and marks the fragments (TestBodyMatchesTitleAndText).
func highlightBody(h *search.DocumentMatch) {
	title, _ := h.Fields[fTitle].(string)
	text, _ := h.Fields[fText].(string)
	shift := uint64(0)
	if title != "" {
		shift = uint64(len(title)) + 1
	}
	byField := map[string]search.TermLocationMap{fTitle: {}, fText: {}}
	type span struct {
		field      string
		start, end uint64
	}
	seen := map[span]bool{}
	add := func(field, term string, l *search.Location, by uint64) {
		k := span{field, l.Start - by, l.End - by}
		if seen[k] {
			return
		}
		seen[k] = true
		c := *l
		c.Start, c.End = l.Start-by, l.End-by // the highlighter reads offsets only
		byField[field][term] = append(byField[field][term], &c)
	}
	for term, locs := range h.Locations[fTitle] {
		for _, l := range locs {
			add(fTitle, term, l, 0)
		}
	}
	for term, locs := range h.Locations[fBody] {
		for _, l := range locs {
			switch {
			case l.End <= uint64(len(title)):
				add(fTitle, term, l, 0)
			case l.Start >= shift && l.End-shift <= uint64(len(text)):
				add(fText, term, l, shift)
			}
		}
	}
	doc := document.NewDocument(h.ID)
	doc.AddField(document.NewTextField(fTitle, nil, []byte(title)))
	doc.AddField(document.NewTextField(fText, nil, []byte(text)))
	dm := &search.DocumentMatch{Locations: search.FieldTermLocationMap{}}
	for _, f := range []string{fTitle, fText} { // both, as Bleve does (a field without a match gives its start)
		if len(byField[f]) > 0 {
			dm.Locations[f] = byField[f]
		}
		htmlHighlighter().BestFragmentsInField(dm, doc, f, 1)
	}
	h.Fragments, h.Locations = dm.Fragments, nil
}

// shardFacetSize is how many terms each month returns for a facet of size n.
// Bleve's alias adds up each month's top terms: a term outside one month's top n
// loses that month's count, and ties make the loss vary between runs (16
// departments, top 10, 13 months did). Asking each month for at least 100 terms
// makes the counts exact for the fields with few values (category, country,
// department, platform, kind, lang, framing) and keeps the rest close.
func shardFacetSize(n int) int { return max(n, 100) }

// facet converts a merged facet, keeping its top size terms (the rest go to Other).
func facet(fr *search.FacetResult, size int) escucha.Facet {
	if fr == nil {
		return escucha.Facet{Buckets: []escucha.Bucket{}}
	}
	f := escucha.Facet{Field: fr.Field, Total: fr.Total, Missing: fr.Missing, Other: fr.Other,
		Buckets: []escucha.Bucket{}}
	if fr.Terms != nil {
		for i, t := range fr.Terms.Terms() {
			if i >= size {
				f.Other += t.Count
				continue
			}
			f.Buckets = append(f.Buckets, escucha.Bucket{Key: t.Term, Count: t.Count})
		}
	}
	return f
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 {
			s, _ := x[0].(string)
			return s
		}
	}
	return ""
}

func strs(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func toHit(h *search.DocumentMatch) escucha.Hit {
	f := h.Fields
	hit := escucha.Hit{
		ID: h.ID, Title: str(f[fTitle]), Published: fieldTime(f[fPublished]), Score: h.Score,
		URL: str(f[fURL]), Source: str(f[escucha.FacetSource]), Platform: str(f[escucha.FacetPlatform]),
		Kind: str(f[escucha.FacetKind]), Lang: str(f[escucha.FacetLang]),
		Categories: strs(f[escucha.FacetCategory]), Framing: strs(f[escucha.FacetFraming]),
		Country: str(f[escucha.FacetCountry]), Admin1: str(f[escucha.FacetAdmin1]),
		Admin2: str(f[escucha.FacetAdmin2]), ClusterID: str(f[escucha.FacetCluster]),
		Highlights: map[string][]string{},
	}
	if e, ok := f[fEngagement].(float64); ok {
		hit.Engagement = int64(e)
	}
	if dk := str(f[fDupKey]); dk != h.ID {
		hit.DupOf = dk
	}
	if math.IsNaN(hit.Score) || math.IsInf(hit.Score, 0) {
		hit.Score = 0
	}
	for field, frags := range h.Fragments {
		hit.Highlights[field] = frags
	}
	return hit
}

// collapse groups raw hits by their original (dup_of) keeping the first of each
// group in order, and counts each group's copies and outlets in the whole index.
// It returns the groups and how many raw hits they consumed.
func (ix *Index) collapse(ctx context.Context, p *plan, raw []*search.DocumentMatch, size int) ([]escucha.Hit, int, error) {
	var out []escucha.Hit
	seen := map[string]bool{}
	used := 0
	for _, h := range raw {
		key := str(h.Fields[fDupKey])
		if key == "" {
			key = h.ID
		}
		if !seen[key] {
			if len(out) == size {
				break
			}
			seen[key] = true
			out = append(out, toHit(h))
		}
		used++
	}
	if len(p.after) > 0 && len(out) > 0 {
		var err error
		if out, err = ix.dropShownGroups(ctx, p, out); err != nil {
			return nil, 0, err
		}
	}
	if len(out) == 0 {
		return []escucha.Hit{}, used, nil
	}
	keys := make([]string, 0, len(out))
	for _, h := range out {
		keys = append(keys, dupKeyOf(h))
	}
	all, _, _, err := ix.view(time.Time{}, time.Time{})
	if err != nil {
		return nil, 0, err
	}
	r := bleve.NewSearchRequestOptions(anyOf(fDupKey, keys, same), 1000, 0, false)
	r.Fields = []string{fDupKey, escucha.FacetSource}
	r.AddFacet("copies", bleve.NewFacetRequest(fDupKey, len(keys)))
	res, err := searchIn(ctx, all, r)
	if err != nil {
		return nil, 0, fmt.Errorf("count copies: %w", err)
	}
	copies := map[string]int{}
	if fr := res.Facets["copies"]; fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			copies[t.Term] = t.Count
		}
	}
	outlets := map[string]map[string]bool{}
	for _, h := range res.Hits {
		k := str(h.Fields[fDupKey])
		if outlets[k] == nil {
			outlets[k] = map[string]bool{}
		}
		outlets[k][str(h.Fields[escucha.FacetSource])] = true
	}
	for i := range out {
		k := dupKeyOf(out[i])
		out[i].Copies = max(copies[k], 1)
		out[i].Outlets = max(len(outlets[k]), 1)
	}
	return out, used, nil
}

// dropShownGroups leaves out, on a page after the first, the groups whose first
// member in sort order came before the cursor: an earlier page showed them.
func (ix *Index) dropShownGroups(ctx context.Context, p *plan, groups []escucha.Hit) ([]escucha.Hit, error) {
	keys := make([]string, 0, len(groups))
	for _, h := range groups {
		keys = append(keys, dupKeyOf(h))
	}
	r := bleve.NewSearchRequestOptions(combine(p.query, anyOf(fDupKey, keys, same)), 2000, 0, false)
	r.SortByCustom(sortOrder(p.req.Sort, p.legacy))
	r.Fields = []string{fDupKey}
	res, err := p.run(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("collapse: %w", err)
	}
	first := map[string]string{}
	for _, h := range res.Hits {
		k := str(h.Fields[fDupKey])
		if _, ok := first[k]; !ok {
			first[k] = h.ID
		}
	}
	kept := groups[:0]
	for _, g := range groups {
		if f, ok := first[dupKeyOf(g)]; !ok || f == g.ID {
			kept = append(kept, g)
		}
	}
	return kept, nil
}

func dupKeyOf(h escucha.Hit) string {
	if h.DupOf != "" {
		return h.DupOf
	}
	return h.ID
}

// caseFacets counts the facets by case: the matches that opened their case.
func (ix *Index) caseFacets(ctx context.Context, p *plan) (map[string]escucha.Facet, error) {
	head := func(q query.Query) query.Query {
		if q == nil {
			return nil
		}
		return combine(q, term(fHead, "1"))
	}
	asks := make([]facetAsk, 0, len(p.req.Facets))
	for _, f := range p.req.Facets {
		asks = append(asks, facetAsk{f, facetFields[f], shardFacetSize(p.req.FacetSize)})
	}
	res, err := ix.counts(ctx, p, head(p.query), head(p.inside), asks)
	if err != nil {
		return nil, err
	}
	out := map[string]escucha.Facet{}
	for _, f := range p.req.Facets {
		out[f] = facet(res.Facets[f], p.req.FacetSize)
	}
	return out, nil
}

// counts answers facets only (no hits) for q on the plan's months (inside: q
// without the date range, for the months inside it; nil when q has none), with
// the one-pass collector when it can, else Bleve's.
func (ix *Index) counts(ctx context.Context, p *plan, q, inside query.Query,
	asks []facetAsk) (*bleve.SearchResult, error) {
	b := *p
	b.after, b.query, b.inside = nil, q, inside
	b.req.Sort = escucha.SortRelevance // no order: no date keys read
	if p.fastable() && ctx.Value(bleveCollectorKey{}) == nil {
		res, err := ix.collect(ctx, &b, 0, asks)
		if !errors.Is(err, errSlowPath) {
			return res, err
		}
	}
	r := bleve.NewSearchRequestOptions(b.query, 0, 0, false)
	for _, a := range asks {
		r.AddFacet(a.name, bleve.NewFacetRequest(a.field, a.size))
	}
	return b.run(ctx, r)
}

// histogram turns the interval facet into ordered buckets, gaps filled with zero,
// each with the documents under the same filters without the text query (All)
// and the share of them that matched (normalised attention).
func (ix *Index) histogram(ctx context.Context, p *plan, fr *search.FacetResult) (*escucha.Histogram, error) {
	counts := termCounts(fr)
	all := counts
	if p.text != nil {
		// Every document under the filters, by interval.
		var inside query.Query
		if p.inside != nil {
			inside = combine(nil, filters(&p.req, false))
		}
		res, err := ix.counts(ctx, p, combine(nil, p.filter), inside,
			[]facetAsk{{histFacet, string(p.req.Histogram), maxBuckets}})
		if err != nil {
			return nil, fmt.Errorf("histogram baseline: %w", err)
		}
		all = termCounts(res.Facets[histFacet])
	}
	h := &escucha.Histogram{Interval: p.req.Histogram, Buckets: []escucha.Bucket{}}
	var first, last time.Time
	for k := range all {
		t, err := ix.bucketStart(string(p.req.Histogram), k)
		if err != nil {
			continue
		}
		if first.IsZero() || t.Before(first) {
			first = t
		}
		if t.After(last) {
			last = t
		}
	}
	loc := ix.cfg.Location
	if !p.req.From.IsZero() {
		first = ix.truncate(string(p.req.Histogram), p.req.From.In(loc))
	}
	if !p.req.To.IsZero() {
		last = ix.truncate(string(p.req.Histogram), p.req.To.In(loc).Add(-time.Nanosecond))
	}
	if first.IsZero() {
		return h, nil
	}
	for t, n := first, 0; !t.After(last) && n < maxBuckets; t, n = ix.next(string(p.req.Histogram), t), n+1 {
		k := ix.bucketKey(string(p.req.Histogram), t)
		b := escucha.Bucket{Key: k, Start: t, Count: counts[k], All: all[k]}
		if b.All > 0 {
			b.Share = float64(b.Count) / float64(b.All)
		}
		h.Buckets = append(h.Buckets, b)
	}
	return h, nil
}

func termCounts(fr *search.FacetResult) map[string]int {
	out := map[string]int{}
	if fr != nil && fr.Terms != nil {
		for _, t := range fr.Terms.Terms() {
			out[t.Term] = t.Count
		}
	}
	return out
}

func (ix *Index) bucketKey(interval string, t time.Time) string {
	if interval == string(escucha.IntervalMonth) {
		return t.Format("2006-01")
	}
	return t.Format(time.DateOnly)
}

func (ix *Index) bucketStart(interval, key string) (time.Time, error) {
	if interval == string(escucha.IntervalMonth) {
		return time.ParseInLocation("2006-01", key, ix.cfg.Location)
	}
	return time.ParseInLocation(time.DateOnly, key, ix.cfg.Location)
}

func (ix *Index) truncate(interval string, t time.Time) time.Time {
	y, m, d := t.Date()
	switch escucha.Interval(interval) {
	case escucha.IntervalMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, t.Location())
	case escucha.IntervalWeek:
		return weekStart(t)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

func (ix *Index) next(interval string, t time.Time) time.Time {
	switch escucha.Interval(interval) {
	case escucha.IntervalMonth:
		return t.AddDate(0, 1, 0)
	case escucha.IntervalWeek:
		return t.AddDate(0, 0, 7)
	}
	return t.AddDate(0, 0, 1)
}

// significant scores the result set's title terms against the whole index with
// JLH (Elasticsearch's default): (fg−bg)·fg/bg on document shares; terms in fewer
// than two matches, or no more frequent than in the index, are left out.
func (ix *Index) significant(fr *search.FacetResult, total uint64, n int) ([]escucha.Term, error) {
	if fr == nil || fr.Terms == nil || total == 0 {
		return nil, nil
	}
	docs, err := ix.DocCount()
	if err != nil || docs == 0 {
		return nil, err
	}
	ix.mu.RLock()
	shards := make([]bleve.Index, 0, len(ix.shards))
	for name, s := range ix.shards {
		if name != tombstones {
			shards = append(shards, s)
		}
	}
	ix.mu.RUnlock()
	var out []escucha.Term
	for _, t := range fr.Terms.Terms() {
		if t.Count < 2 {
			continue
		}
		bg := 0
		for _, s := range shards {
			c, err := docFreq(s, fTitleTerms, t.Term)
			if err != nil {
				return nil, err
			}
			bg += c
		}
		if bg == 0 {
			continue
		}
		fg, bgs := float64(t.Count)/float64(total), float64(bg)/float64(docs)
		if fg <= bgs {
			continue
		}
		out = append(out, escucha.Term{Term: t.Term, Count: t.Count, Background: bg,
			Score: (fg - bgs) * fg / bgs})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].Term < out[j].Term
	})
	if len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// docFreq is the number of documents of one shard holding term in field.
func docFreq(s bleve.Index, field, term string) (int, error) {
	d, err := s.FieldDictPrefix(field, []byte(term))
	if err != nil {
		return 0, fmt.Errorf("dictionary %s: %w", field, err)
	}
	defer d.Close()
	for {
		e, err := d.Next()
		if err != nil {
			return 0, fmt.Errorf("dictionary %s: %w", field, err)
		}
		if e == nil {
			return 0, nil
		}
		if e.Term == term {
			return int(e.Count), nil
		}
		if e.Term > term {
			return 0, nil
		}
	}
}

// Get returns one stored document.
func (ix *Index) Get(ctx context.Context, id string) (*escucha.Document, error) {
	all, _, _, err := ix.view(time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	r := bleve.NewSearchRequestOptions(query.NewDocIDQuery([]string{id}), 1, 0, false)
	r.Fields = []string{fTitle, fText, fSrc}
	res, err := searchIn(ctx, all, r)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", id, err)
	}
	if len(res.Hits) == 0 {
		return nil, escucha.Errorf(escucha.ENotFound, "document %s not found", id)
	}
	return stored(res.Hits[0])
}

// stored rebuilds a document from its stored fields.
func stored(h *search.DocumentMatch) (*escucha.Document, error) {
	var d escucha.Document
	if err := json.Unmarshal([]byte(str(h.Fields[fSrc])), &d); err != nil {
		return nil, fmt.Errorf("stored document %s: %w", h.ID, err)
	}
	d.Title, d.Text = str(h.Fields[fTitle]), str(h.Fields[fText])
	return &d, nil
}

// Cursors: the sort mode and the decoded sort values of the last hit, each
// base64url, joined with dots.
func encodeCursor(sortMode string, h *search.DocumentMatch) string {
	vals := append([]string(nil), h.DecodedSort...)
	if sortMode == escucha.SortRelevance && len(vals) > 0 {
		vals[0] = strconv.FormatFloat(h.Score, 'g', -1, 64)
	}
	parts := []string{sortMode[:1]}
	for _, v := range vals {
		parts = append(parts, base64.RawURLEncoding.EncodeToString([]byte(v)))
	}
	return strings.Join(parts, ".")
}

func decodeCursor(c, sortMode string) ([]string, error) {
	bad := func(why string) error {
		return escucha.Errorf(escucha.EInvalid, "invalid cursor: %s", why)
	}
	parts := strings.Split(c, ".")
	if len(parts) != 3 {
		return nil, bad("wrong number of parts")
	}
	if parts[0] != sortMode[:1] {
		return nil, bad("made for another sort order")
	}
	out := make([]string, 2)
	for i, p := range parts[1:] {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			return nil, bad("not base64")
		}
		out[i] = string(b)
	}
	if sortMode == escucha.SortRelevance {
		if f, err := strconv.ParseFloat(out[0], 64); err != nil || math.IsNaN(f) {
			return nil, bad("score is not a number")
		}
	} else if _, err := time.Parse(time.RFC3339Nano, out[0]); err != nil {
		return nil, bad("date is not RFC 3339")
	}
	return out, nil
}

// The collector below answers most searches in one pass per month without
// Bleve's TopN collector, which reads every match's doc values — the two facet
// fields and the sort keys — decompressing one doc-values chunk per field for
// each matching document's chunk: 37 % of the CPU of "femicidio Villa Nueva"
// (1 631 sparse matches) on 200 000 documents (docs/benchmarks-search.md). Here
// each segment's facet and date values are read once into columns (one ordinal
// list per document, kept while the segment lives: segments are immutable), each
// match costs an array lookup per facet, and the id tie-breaker is read only
// where two hits tie on score or date. Scores come from the same Bleve searcher,
// facets from the same doc values, and the order is the same (score or date,
// then id), so the answers are Bleve's (TestCollectorMatchesBleve).

// errSlowPath reports that a month cannot be collected here (not a scorch index,
// or a field without doc values): the request goes through Bleve's collector.
var errSlowPath = errors.New("index: not answerable by the one-pass collector")

// bleveCollectorKey, set in a context, makes Search, Export and the facet counts
// use Bleve's collector (tests compare the two).
type bleveCollectorKey struct{}

// fastable reports whether the one-pass collector can answer the plan.
func (p *plan) fastable() bool {
	r := p.req
	return !p.legacy && r.Terms == 0 && p.alias != nil
}

// facetAsk is one facet the collector counts: its name in the result, the
// field, and how many terms to keep (as Bleve's FacetRequest.Size).
type facetAsk struct {
	name, field string
	size        int
}

// column is one field's doc values for every document of a segment: document
// d holds terms[ords[start[d]:start[d+1]]].
type column struct {
	terms []string
	start []uint32
	ords  []uint32
}

type columnKey struct {
	seg   segment.Segment
	field string
}

type columnEntry struct {
	once sync.Once
	col  *column
	err  error
	used atomic.Uint64 // the search generation that last used it
}

// columns caches columns by segment (for all indexes of the process: segments
// are distinct objects). Segments replaced by a merge stop being used; when a
// column is added, entries not used in the last columnsKeep searches are swept
// (at most every columnsKeep/16 searches). A column costs 8 bytes per document
// and value plus its distinct terms: ~15 MB for category, department and the
// date key of 200 000 documents.
var columns = struct {
	sync.Mutex
	m     map[columnKey]*columnEntry
	gen   atomic.Uint64 // searches so far
	swept uint64        // gen at the last sweep
}{m: map[columnKey]*columnEntry{}}

const columnsKeep = 4096

func columnOf(seg segment.Segment, field string, gen uint64) (*column, error) {
	k := columnKey{seg, field}
	columns.Lock()
	e := columns.m[k]
	if e == nil {
		if gen >= columns.swept+columnsKeep/16 {
			columns.swept = gen
			for k, old := range columns.m {
				if old.used.Load()+columnsKeep < gen {
					delete(columns.m, k)
				}
			}
		}
		e = &columnEntry{}
		columns.m[k] = e
	}
	columns.Unlock()
	e.used.Store(gen)
	e.once.Do(func() { e.col, e.err = readColumn(seg, field) })
	return e.col, e.err
}

// readColumn reads one field's doc values for every document of seg, in order
// (each compressed chunk is read once).
func readColumn(seg segment.Segment, field string) (*column, error) {
	dv, ok := seg.(segment.DocValueVisitable)
	if !ok {
		return nil, errSlowPath
	}
	fields, err := dv.VisitableDocValueFields()
	if err != nil {
		return nil, fmt.Errorf("doc values of %s: %w", field, err)
	}
	if !slices.Contains(fields, field) {
		// A segment where no document has the field has no doc values for it
		// either: then every document misses it. Otherwise Bleve would uninvert.
		if slices.Contains(seg.Fields(), field) {
			return nil, errSlowPath
		}
		n := seg.Count()
		return &column{start: make([]uint32, n+1)}, nil
	}
	n := seg.Count()
	c := &column{start: make([]uint32, n+1)}
	ords := map[string]uint32{}
	visit := func(_ string, term []byte) {
		o, ok := ords[string(term)]
		if !ok {
			o = uint32(len(c.terms))
			t := string(term)
			c.terms = append(c.terms, t)
			ords[t] = o
		}
		c.ords = append(c.ords, o)
	}
	want := []string{field}
	var st segment.DocVisitState
	for d := uint64(0); d < n; d++ {
		c.start[d] = uint32(len(c.ords))
		if st, err = dv.VisitDocValues(d, want, visit, st); err != nil {
			return nil, fmt.Errorf("doc values of %s: %w", field, err)
		}
	}
	c.start[n] = uint32(len(c.ords))
	return c, nil
}

// cand is a hit under consideration: its month, segment and number there, the
// score, the date key (sort by date; "" when undated) and the id once read.
type cand struct {
	shard *shardRun
	seg   int
	local uint64
	score float64
	key   string
	id    string
	hasID bool
}

// shardRun is one month's part of a search; its reader stays open until the
// hits are merged (ids are read from it).
type shardRun struct {
	name   string
	reader index.IndexReader
	segs   []*scorch.SegmentSnapshot
	total  uint64
	hits   []*cand // best first, at most the page size
	counts []map[string]int
	totals []int
	missed []int
	err    error
}

func (s *shardRun) idOf(c *cand) string {
	if !c.hasID {
		b, err := s.segs[c.seg].DocID(c.local)
		if err != nil && s.err == nil {
			s.err = fmt.Errorf("read id in %s: %w", s.name, err)
		}
		c.id, c.hasID = string(b), true
	}
	return c.id
}

// order compares hits: by score (then id ascending) or by date, newest first,
// undated last (then id descending) — sortOrder's orders.
type order struct{ date bool }

func (o order) before(a, b *cand) bool {
	if o.date {
		if a.key != b.key {
			if a.key == "" || b.key == "" {
				return b.key == ""
			}
			return a.key > b.key
		}
		return a.shard.idOf(a) > b.shard.idOf(b)
	}
	if a.score != b.score {
		return a.score > b.score
	}
	return a.shard.idOf(a) < b.shard.idOf(b)
}

// collect answers the plan's first step (ids, sort values, total, facets) with
// the one-pass collector, or returns errSlowPath.
func (ix *Index) collect(ctx context.Context, p *plan, size int, asks []facetAsk) (*bleve.SearchResult, error) {
	var shards []bleve.Index
	va, ok := p.alias.(interface{ VisitIndexes(func(bleve.Index)) })
	if !ok {
		return nil, errSlowPath
	}
	va.VisitIndexes(func(s bleve.Index) { shards = append(shards, s) })
	o := order{date: p.req.Sort == escucha.SortDate}
	var cursor *cand
	if len(p.after) > 0 {
		cursor = &cand{id: p.after[1], hasID: true}
		if o.date {
			cursor.key = p.after[0]
		} else {
			cursor.score, _ = strconv.ParseFloat(p.after[0], 64) // checked by decodeCursor
		}
		cursor.shard = &shardRun{}
	}
	gen := columns.gen.Add(1)
	runs := make([]*shardRun, len(shards))
	for i, s := range shards {
		runs[i] = &shardRun{name: s.Name()}
	}
	// One worker per processor takes the months in turn: a goroutine per month
	// (as Bleve's alias does) only adds preemption on a busy machine.
	var wg sync.WaitGroup
	var next atomic.Int64
	for range min(runtime.GOMAXPROCS(0), len(shards)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(shards) {
					return
				}
				s := shards[i]
				q := p.query
				if start, end := ix.monthRange(s.Name()); p.inside != nil && !start.IsZero() &&
					(p.req.From.IsZero() || !start.Before(p.req.From)) && (p.req.To.IsZero() || !end.After(p.req.To)) {
					q = p.inside // a month inside the range needs no date clause
				}
				runs[i].err = runs[i].collect(ctx, s, q, o, cursor, size, asks, gen)
			}
		}()
	}
	wg.Wait()
	defer func() {
		for _, r := range runs {
			if r.reader != nil {
				r.reader.Close()
			}
		}
	}()
	for _, r := range runs {
		if r.err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, r.err
		}
	}
	res := &bleve.SearchResult{Facets: search.FacetResults{}}
	var all []*cand
	for _, r := range runs {
		res.Total += r.total
		all = append(all, r.hits...)
	}
	sort.SliceStable(all, func(i, j int) bool { return o.before(all[i], all[j]) })
	if len(all) > size {
		all = all[:size]
	}
	for _, c := range all {
		id := c.shard.idOf(c)
		first := c.key
		if !o.date {
			first = strconv.FormatFloat(c.score, 'g', -1, 64)
		}
		res.Hits = append(res.Hits, &search.DocumentMatch{Index: c.shard.name, ID: id, Score: c.score,
			Sort: []string{first, id}, DecodedSort: []string{first, id}})
	}
	for _, r := range runs {
		if r.err != nil {
			return nil, r.err
		}
	}
	for i, a := range asks {
		counts := map[string]int{}
		total, missing := 0, 0
		for _, r := range runs {
			for t, n := range r.counts[i] {
				counts[t] += n
			}
			total += r.totals[i]
			missing += r.missed[i]
		}
		terms := &search.TermFacets{}
		for t, n := range counts {
			terms.Add(&search.TermFacet{Term: t, Count: n})
		}
		sort.Sort(terms)
		terms.TrimToTopN(min(a.size, terms.Len()))
		kept := 0
		for _, t := range terms.Terms() {
			kept += t.Count
		}
		res.Facets[a.name] = &search.FacetResult{Field: a.field, Total: total, Missing: missing,
			Other: total - kept, Terms: terms}
	}
	return res, nil
}

// collect runs q on one month: every match is counted into the facets, and the
// best size hits after the cursor are kept.
func (r *shardRun) collect(ctx context.Context, s bleve.Index, q query.Query, o order, cursor *cand,
	size int, asks []facetAsk, gen uint64) error {
	adv, err := s.Advanced()
	if err != nil {
		return fmt.Errorf("search %s: %w", r.name, err)
	}
	reader, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("search %s: %w", r.name, err)
	}
	r.reader = reader
	snap, ok := reader.(*scorch.IndexSnapshot)
	if !ok {
		return errSlowPath
	}
	r.segs = snap.Segments()
	offs := make([]uint64, len(r.segs)+1)
	for i, ss := range r.segs {
		offs[i+1] = offs[i] + ss.Segment().Count()
	}
	searcher, err := q.Searcher(ctx, reader, s.Mapping(), search.SearcherOptions{})
	if err != nil {
		return fmt.Errorf("search %s: %w", r.name, err)
	}
	defer searcher.Close()
	sctx := &search.SearchContext{
		DocumentMatchPool: search.NewDocumentMatchPool(searcher.DocumentMatchPoolSize()+1, 0),
		IndexReader:       reader,
	}
	r.counts = make([]map[string]int, len(asks))
	r.totals, r.missed = make([]int, len(asks)), make([]int, len(asks))
	for i := range asks {
		r.counts[i] = map[string]int{}
	}
	cols := make([]*column, len(asks))
	segCounts := make([][]int, len(asks))
	var dates *column
	flush := func() {
		for i, c := range cols {
			if c == nil {
				continue
			}
			for o, n := range segCounts[i] {
				if n > 0 {
					r.counts[i][c.terms[o]] += n
				}
			}
		}
	}
	cur := -1
	var worst *cand
	for n := 0; ; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		dm, err := searcher.Next(sctx)
		if err != nil {
			return fmt.Errorf("search %s: %w", r.name, err)
		}
		if dm == nil {
			break
		}
		num := dm.IndexInternalID.Value()
		score := dm.Score
		sctx.DocumentMatchPool.Put(dm)
		if cur < 0 || num < offs[cur] || num >= offs[cur+1] {
			flush()
			cur = sort.Search(len(r.segs), func(i int) bool { return offs[i+1] > num })
			if cur >= len(r.segs) {
				return fmt.Errorf("search %s: document %d beyond the snapshot", r.name, num)
			}
			seg := r.segs[cur].Segment()
			for i, a := range asks {
				if cols[i], err = columnOf(seg, a.field, gen); err != nil {
					return err
				}
				segCounts[i] = make([]int, len(cols[i].terms))
			}
			if o.date {
				if dates, err = columnOf(seg, fSortDate, gen); err != nil {
					return err
				}
			}
		}
		local := num - offs[cur]
		r.total++
		for i, c := range cols {
			a, b := c.start[local], c.start[local+1]
			if a == b {
				r.missed[i]++
				continue
			}
			r.totals[i] += int(b - a)
			for _, o := range c.ords[a:b] {
				segCounts[i][o]++
			}
		}
		c := cand{shard: r, seg: cur, local: local, score: score}
		if o.date {
			if a, b := dates.start[local], dates.start[local+1]; a < b {
				c.key = dates.terms[dates.ords[a]]
			}
		}
		if size == 0 || worst != nil && !o.before(&c, worst) {
			continue
		}
		if cursor != nil && !o.before(cursor, &c) {
			continue
		}
		nc := c
		at := sort.Search(len(r.hits), func(i int) bool { return o.before(&nc, r.hits[i]) })
		r.hits = slices.Insert(r.hits, at, &nc)
		if len(r.hits) > size {
			r.hits = r.hits[:size]
		}
		if len(r.hits) == size {
			worst = r.hits[size-1]
		}
	}
	flush()
	return r.err
}
