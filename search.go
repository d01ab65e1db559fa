package escucha

import (
	"context"
	"io"
	"time"
)

// Sort orders of a search.
const (
	SortRelevance = "relevance"
	SortDate      = "date"
)

// Export formats.
const (
	ExportCSV    = "csv"
	ExportNDJSON = "ndjson"
)

// Facet names a search can ask for; each is also the keyword field it counts.
const (
	FacetCategory = "category"
	FacetAdmin1   = "admin1"
	FacetAdmin2   = "admin2"
	FacetSource   = "source"
	FacetPlatform = "platform"
	FacetFraming  = "framing"
	FacetCampaign = "campaign"
	FacetCountry  = "country"
	FacetKind     = "kind"
	FacetLang     = "lang"
	FacetCluster  = "cluster_id"
)

// DefaultFacets are counted when a request names none.
var DefaultFacets = []string{FacetCategory, FacetAdmin1, FacetAdmin2, FacetSource, FacetPlatform,
	FacetFraming}

// MaxSearchSize caps SearchRequest.Size; deeper results are read with After or Export.
const MaxSearchSize = 500

// SearchRequest is what an analyst asks: a query in Bleve's query-string language
// plus structured filters. Values inside one filter are alternatives (OR); different
// filters must all hold (AND). Zero values mean "no filter".
type SearchRequest struct {
	// Query uses Bleve's query-string syntax: words, "phrases", +must, -must_not,
	// field:value, wildcards (extors*). Accents and case are ignored; Spanish words
	// match their plural and gender forms. Empty matches every document.
	Query string `json:"q,omitempty"`
	// AnyWord makes bare words alternatives (Bleve's own default); by default every
	// bare word must occur, as an analyst typing "feminicidio Villa Nueva" expects.
	AnyWord bool `json:"any_word,omitempty"`

	From time.Time `json:"from,omitzero"` // published at or after
	To   time.Time `json:"to,omitzero"`   // published before

	Categories []string `json:"categories,omitempty"`
	Framing    []string `json:"framing,omitempty"`
	Campaigns  []string `json:"campaigns,omitempty"`
	Countries  []string `json:"countries,omitempty"` // ISO codes of the focus place
	Admin1     []string `json:"admin1,omitempty"`    // departments, by name (accents ignored)
	Admin2     []string `json:"admin2,omitempty"`    // municipalities, by name (accents ignored)
	Sources    []string `json:"sources,omitempty"`
	Platforms  []string `json:"platforms,omitempty"`
	Kinds      []string `json:"kinds,omitempty"`
	Langs      []string `json:"langs,omitempty"`
	Clusters   []string `json:"clusters,omitempty"` // case ids
	BBox       *GeoBBox `json:"bbox,omitempty"`
	Near       *GeoNear `json:"near,omitempty"`

	Sort string `json:"sort,omitempty"` // SortRelevance (default with a query) or SortDate
	Size int    `json:"size,omitempty"` // hits per page; default 20, at most MaxSearchSize
	// After is the Next cursor of the previous page (search-after deep paging).
	After string `json:"after,omitempty"`
	// Collapse groups syndicated copies (dup_of) under one hit.
	Collapse bool `json:"collapse,omitempty"`

	// Facets to count; nil means DefaultFacets, an empty non-nil slice none.
	Facets    []string `json:"facets,omitempty"`
	FacetSize int      `json:"facet_size,omitempty"` // buckets per facet; default 10
	// ByCase adds facet counts by case (cluster) beside counts by document.
	ByCase bool `json:"by_case,omitempty"`
	// Histogram is IntervalDay, IntervalWeek or IntervalMonth for attention over time.
	Histogram Interval `json:"histogram,omitempty"`
	// Terms asks for that many significant terms of the result set.
	Terms int `json:"terms,omitempty"`
}

// GeoBBox is a bounding box in degrees.
type GeoBBox struct {
	North float64 `json:"north"`
	West  float64 `json:"west"`
	South float64 `json:"south"`
	East  float64 `json:"east"`
}

// GeoNear is a distance from a point.
type GeoNear struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
	Km  float64 `json:"km"`
}

// Filtered reports whether the request has any structured filter (not the query).
func (r *SearchRequest) Filtered() bool {
	return !r.From.IsZero() || !r.To.IsZero() || len(r.Categories)+len(r.Framing)+
		len(r.Campaigns)+len(r.Countries)+len(r.Admin1)+len(r.Admin2)+len(r.Sources)+
		len(r.Platforms)+len(r.Kinds)+len(r.Langs)+len(r.Clusters) > 0 ||
		r.BBox != nil || r.Near != nil
}

// Validate checks the request and fills defaults (Size, Sort, FacetSize).
func (r *SearchRequest) Validate() error {
	switch r.Sort {
	case "":
		r.Sort = SortDate
		if r.Query != "" {
			r.Sort = SortRelevance
		}
	case SortRelevance, SortDate:
	default:
		return Errorf(EInvalid, "unknown sort %q (use %s or %s)", r.Sort, SortRelevance, SortDate)
	}
	switch r.Histogram {
	case "", IntervalDay, IntervalWeek, IntervalMonth:
	default:
		return Errorf(EInvalid, "unknown histogram interval %q (use day, week or month)", r.Histogram)
	}
	if r.Size < 0 || r.Size > MaxSearchSize {
		return Errorf(EInvalid, "size %d out of range 0..%d", r.Size, MaxSearchSize)
	}
	if r.Size == 0 {
		r.Size = 20
	}
	if r.FacetSize <= 0 {
		r.FacetSize = 10
	}
	if r.FacetSize > 1000 {
		return Errorf(EInvalid, "facet size %d above 1000", r.FacetSize)
	}
	if r.Terms < 0 || r.Terms > 200 {
		return Errorf(EInvalid, "terms %d out of range 0..200", r.Terms)
	}
	if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
		return Errorf(EInvalid, "empty date range: from %s is not before to %s",
			r.From.Format(time.DateOnly), r.To.Format(time.DateOnly))
	}
	if b := r.BBox; b != nil {
		if b.North < b.South || b.North > 90 || b.South < -90 || b.West < -180 || b.East > 180 {
			return Errorf(EInvalid, "bad bounding box %+v", *b)
		}
	}
	if n := r.Near; n != nil {
		if n.Km <= 0 || n.Lat < -90 || n.Lat > 90 || n.Lon < -180 || n.Lon > 180 {
			return Errorf(EInvalid, "bad distance filter %+v", *n)
		}
	}
	return nil
}

// SearchResult is one page of matches with the counts around them.
type SearchResult struct {
	Total uint64 `json:"total"` // matching documents
	// Cases is the number of distinct cases (cluster_id) among the matches.
	Cases int   `json:"cases,omitempty"`
	Hits  []Hit `json:"hits"`
	// Next is the cursor for the following page ("" when this is the last).
	Next       string           `json:"next,omitempty"`
	Facets     map[string]Facet `json:"facets"`
	CaseFacets map[string]Facet `json:"case_facets,omitempty"`
	Histogram  *Histogram       `json:"histogram,omitempty"`
	Terms      []Term           `json:"terms,omitempty"`
	Took       time.Duration    `json:"took_ns"`
}

// Hit is one result: a document, or with Collapse a group of syndicated copies.
type Hit struct {
	ID         string    `json:"id"`
	Title      string    `json:"title"`
	Published  time.Time `json:"published,omitzero"`
	Score      float64   `json:"score"`
	URL        string    `json:"url,omitempty"`
	Source     string    `json:"source,omitempty"`
	Platform   string    `json:"platform,omitempty"`
	Kind       string    `json:"kind,omitempty"`
	Lang       string    `json:"lang,omitempty"`
	Categories []string  `json:"categories,omitempty"`
	Framing    []string  `json:"framing,omitempty"`
	Country    string    `json:"country,omitempty"`
	Admin1     string    `json:"admin1,omitempty"`
	Admin2     string    `json:"admin2,omitempty"`
	Engagement int64     `json:"engagement,omitempty"`
	// Highlights are HTML-escaped fragments with the matches inside <mark>…</mark>,
	// by field (title, text).
	Highlights map[string][]string `json:"highlights"`
	ClusterID  string              `json:"cluster_id,omitempty"`
	DupOf      string              `json:"dup_of,omitempty"`
	// Copies is the number of documents in the group (1 without duplicates) and
	// Outlets the number of distinct sources among them: "publicado por N medios".
	Copies  int `json:"copies,omitempty"`
	Outlets int `json:"outlets,omitempty"`
}

// Facet counts the matches by the values of one field.
type Facet struct {
	Field   string   `json:"field"`
	Total   int      `json:"total"`
	Missing int      `json:"missing"`
	Other   int      `json:"other"`
	Buckets []Bucket `json:"buckets"`
}

// Bucket is one value of a facet or one interval of a histogram.
type Bucket struct {
	Key   string    `json:"key"`
	Start time.Time `json:"start,omitzero"`
	Count int       `json:"count"`
	// All is, in a histogram, the documents of the interval under the same filters
	// without the text query; Share is Count/All (normalised attention).
	All   int     `json:"all,omitempty"`
	Share float64 `json:"share,omitempty"`
}

// Histogram is attention over time.
type Histogram struct {
	Interval Interval `json:"interval"`
	Buckets  []Bucket `json:"buckets"`
}

// Term is a significant term of a result set: frequent in it, rarer in the index.
type Term struct {
	Term       string  `json:"term"`
	Count      int     `json:"count"`      // matching documents with the term
	Background int     `json:"background"` // documents in the index with the term
	Score      float64 `json:"score"`
}

// Searcher answers analysts' searches; the dashboards use it without knowing the
// engine behind.
type Searcher interface {
	Search(ctx context.Context, req SearchRequest) (*SearchResult, error)
	// Count returns the number of matching documents.
	Count(ctx context.Context, req SearchRequest) (uint64, error)
	// Export streams every match (not only one page) to w as ExportCSV or ExportNDJSON.
	Export(ctx context.Context, req SearchRequest, format string, w io.Writer) error
	// Get returns one stored document by id (ENotFound if absent).
	Get(ctx context.Context, id string) (*Document, error)
}
