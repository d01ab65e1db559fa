package index

import (
	"encoding/json"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/infosegura/escucha"
)

// Field names in the index.
const (
	fTitle      = "title"
	fText       = "text"
	fTitleTerms = "title_terms"
	fPublished  = "published"
	fFetched    = "fetched"
	fVersion    = "version"
	fEngagement = "engagement"
	fViews      = "views"
	fGeo        = "geo"
	fURL        = "url"
	fSrc        = "src" // the document as JSON without title and text
	fDupKey     = "dupkey"
	fHead       = "head" // "1" on the document that opened its case
	fDay        = "day"
	fWeek       = "week"
	fMonth      = "month"
	// Sort keys, one term each with doc values: the id (tie-breaker) and the
	// publication time as fixed-width UTC text (sorts like the time). Sorting on
	// Bleve's _id decompresses every match's stored fields, and a date field's doc
	// values hold 16 precision terms; these cost one small term per match.
	fSortID   = "sid"
	fSortDate = "sdate"
)

// sortDateLayout is RFC 3339 with a fixed width, so that text order is time order.
const sortDateLayout = "2006-01-02T15:04:05.000000000Z07:00"

// keywordFields are exact, facetable, stored fields; foldedFields also get a
// "<name>_f" twin, folded, that filters match with accents and case ignored.
var (
	keywordFields = []string{escucha.FacetCategory, escucha.FacetFraming, escucha.FacetCampaign,
		escucha.FacetCountry, escucha.FacetAdmin1, escucha.FacetAdmin2, escucha.FacetSource,
		escucha.FacetPlatform, escucha.FacetKind, escucha.FacetLang, escucha.FacetCluster,
		fDupKey, fHead}
	foldedFields = []string{escucha.FacetAdmin1, escucha.FacetAdmin2, escucha.FacetSource}
	unkeyed      = []string{fDay, fWeek, fMonth}
)

func folded(field string) string { return field + "_f" }

// newMapping builds the mapping. Decisions (measured in docs/benchmarks-search.md):
// nothing goes into the composite _all field (unfielded words are rewritten to
// title OR text); only the fields that are sorted or faceted keep doc values; title
// and text keep term vectors for phrases and highlights.
func newMapping() mapping.IndexMapping {
	text := func(analyzer string, store, vectors, docValues bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeTermVectors = vectors
		f.IncludeInAll = false
		f.DocValues = docValues
		return f
	}
	dm := bleve.NewDocumentStaticMapping()
	// No composite _all field at all: even empty, Bleve builds and writes one per
	// document (8 % of indexing CPU in docs/benchmarks-search.md).
	dm.AddSubDocumentMapping("_all", bleve.NewDocumentDisabledMapping())
	dm.AddFieldMappingsAt(fTitle, text(analyzerText, true, true, false))
	dm.AddFieldMappingsAt(fText, text(analyzerText, true, true, false))
	dm.AddFieldMappingsAt(fTitleTerms, text(analyzerTerms, false, false, true))
	for _, k := range keywordFields {
		dm.AddFieldMappingsAt(k, text(keyword.Name, true, false, true))
	}
	for _, k := range foldedFields {
		dm.AddFieldMappingsAt(folded(k), text(analyzerKeywordFold, false, false, false))
	}
	for _, k := range append(unkeyed, fSortID, fSortDate) {
		dm.AddFieldMappingsAt(k, text(keyword.Name, false, false, true))
	}
	stored := text(keyword.Name, true, false, false)
	stored.Index = false
	dm.AddFieldMappingsAt(fURL, stored)
	dm.AddFieldMappingsAt(fSrc, stored)

	date := func(store, dv bool) *mapping.FieldMapping {
		f := bleve.NewDateTimeFieldMapping()
		f.Store, f.DocValues, f.IncludeInAll = store, dv, false
		return f
	}
	dm.AddFieldMappingsAt(fPublished, date(true, true))
	dm.AddFieldMappingsAt(fFetched, date(true, false))
	num := func(store, dv bool) *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store, f.DocValues, f.IncludeInAll = store, dv, false
		return f
	}
	dm.AddFieldMappingsAt(fVersion, num(true, false))
	dm.AddFieldMappingsAt(fEngagement, num(true, true))
	dm.AddFieldMappingsAt(fViews, num(false, true))
	geo := bleve.NewGeoPointFieldMapping()
	geo.IncludeInAll = false
	dm.AddFieldMappingsAt(fGeo, geo)

	im := bleve.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = analyzerText
	im.DefaultField = fText
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false
	return im
}

// record is what one document becomes in the index.
func record(d *escucha.Document, loc *time.Location) (map[string]any, error) {
	src := *d
	src.Title, src.Text = "", ""
	b, err := json.Marshal(src)
	if err != nil {
		return nil, err
	}
	r := map[string]any{
		fTitle:                      d.Title,
		fText:                       d.Text,
		fTitleTerms:                 d.Title,
		fVersion:                    float64(d.Version),
		fEngagement:                 float64(d.Engagement.Total()),
		fViews:                      float64(d.Engagement.Views),
		fSrc:                        string(b),
		fDupKey:                     dupKey(d),
		fSortID:                     d.ID,
		escucha.FacetSource:         d.Source,
		escucha.FacetPlatform:       d.Platform,
		escucha.FacetKind:           d.Kind,
		escucha.FacetLang:           d.Lang,
		escucha.FacetCluster:        d.ClusterID,
		folded(escucha.FacetSource): fold(d.Source),
	}
	if d.URL != "" {
		r[fURL] = d.URL
	}
	if d.ClusterID == d.ID {
		r[fHead] = "1"
	}
	if t := when(d); !t.IsZero() {
		r[fPublished] = t
		r[fSortDate] = t.UTC().Format(sortDateLayout)
		lt := t.In(loc)
		r[fDay] = lt.Format(time.DateOnly)
		r[fWeek] = weekStart(lt).Format(time.DateOnly)
		r[fMonth] = lt.Format("2006-01")
	}
	if !d.Fetched.IsZero() {
		r[fFetched] = d.Fetched
	}
	if ids := d.CategoryIDs(); len(ids) > 0 {
		r[escucha.FacetCategory] = ids
	}
	if ids := d.FramingIDs(); len(ids) > 0 {
		r[escucha.FacetFraming] = ids
	}
	if ids := d.CampaignIDs(); len(ids) > 0 {
		r[escucha.FacetCampaign] = ids
	}
	if p, ok := d.Focus(); ok {
		r[escucha.FacetCountry] = p.Country
		if p.Admin1 != "" {
			r[escucha.FacetAdmin1] = p.Admin1
			r[folded(escucha.FacetAdmin1)] = fold(p.Admin1)
		}
		if p.Admin2 != "" {
			r[escucha.FacetAdmin2] = p.Admin2
			r[folded(escucha.FacetAdmin2)] = fold(p.Admin2)
		}
		if p.Lat != 0 || p.Lon != 0 {
			r[fGeo] = map[string]any{"lat": p.Lat, "lon": p.Lon}
		}
	} else if d.SourceCountry != "" {
		r[escucha.FacetCountry] = d.SourceCountry
	}
	return r, nil
}

// when is the time a document is filed under: published, else fetched.
func when(d *escucha.Document) time.Time {
	if !d.Published.IsZero() {
		return d.Published
	}
	return d.Fetched
}

// dupKey groups syndicated copies: the original's id.
func dupKey(d *escucha.Document) string {
	if d.DupOf != "" {
		return d.DupOf
	}
	return d.ID
}

// weekStart is the Monday 00:00 of t's week, in t's location.
func weekStart(t time.Time) time.Time {
	wd := (int(t.Weekday()) + 6) % 7
	y, m, d := t.Date()
	return time.Date(y, m, d-wd, 0, 0, 0, 0, t.Location())
}
