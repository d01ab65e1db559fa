package index

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"
	index "github.com/blevesearch/bleve_index_api"

	"github.com/infosegura/escucha"
)

// Field names in the index.
const (
	fTitle      = "title"
	fText       = "text"
	fTitleTerms = "title_terms"
	// fBody (format 5) is title and text together, indexed with term vectors and
	// not stored: every text query reads one posting list per word instead of a
	// title OR text pair. The text itself is then stored only (its words are
	// body's), and title stays indexed for title: queries and the title boost.
	fBody       = "body"
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

// Index formats a builder serves: 2 to 4 have title and text indexed, 5 has
// body instead of text (the format of new months, unless the index already has
// months of an older format: then new months follow them until reindex, so that
// one query fits every month).
const (
	formatTitleText = 4
	formatBody      = 5
)

// newMapping builds the mapping of new indexes (format 5). Decisions (measured in
// docs/benchmarks-search.md): nothing goes into the composite _all field
// (unfielded words are rewritten to body, with a boost for the title); only the
// fields that are sorted or faceted keep doc values; title and body keep term
// vectors for phrases and highlights.
func newMapping() mapping.IndexMapping { return mappingOf(formatBody) }

// mappingOf builds the mapping of format 4 or 5.
func mappingOf(format int) mapping.IndexMapping {
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
	if format >= formatBody {
		stored := text(analyzerText, true, false, false)
		stored.Index = false
		dm.AddFieldMappingsAt(fText, stored)
		dm.AddFieldMappingsAt(fBody, text(analyzerText, false, true, false))
	} else {
		dm.AddFieldMappingsAt(fText, text(analyzerText, true, true, false))
	}
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
	// Format 4: fetched is stored (the upsert reads it) but not indexed: no query
	// reads its 16 precision terms.
	fetched := date(true, false)
	fetched.Index = false
	dm.AddFieldMappingsAt(fFetched, fetched)
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
	// Format 4: the point's lat and lon are not walked as dynamic numbers (not
	// indexed nor stored, but built for every document).
	dm.Properties[fGeo].Dynamic = false

	im := bleve.NewIndexMapping()
	im.DefaultMapping = dm
	im.DefaultAnalyzer = analyzerText
	im.DefaultField = fText
	if format >= formatBody {
		im.DefaultField = fBody
	}
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
		fBody:                       bodyOf(d.Title, d.Text),
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

// bodyOf is the body field's value: title and text, a line apart (format 4
// months have no body field and skip it). Highlights map its offsets back
// (bodyLocations).
func bodyOf(title, text string) string {
	if title == "" {
		return text
	}
	return title + "\n" + text
}

// hasBody reports whether a month's mapping is format 5's.
func hasBody(m mapping.IndexMapping) bool { return m.FieldMappingForPath(fBody).Type == "text" }

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

// builder turns a record into a Bleve document without Bleve's mapping walk: a
// type switch instead of reflection, and text fields (textField) that analyse
// with termStream and build their term frequencies in a few allocations. One per
// shard mapping it can serve (static, flat, no _all, analyzers termStream can
// run: formats 2 to 4). TestBuilderMatchesMapping holds its output to
// MapDocument's, field by field, after analysis. The one difference, in format
// 2 and 3 shards: the walk also adds geo.lat and geo.lon, dynamic numbers neither
// indexed nor stored (nothing reads them); the builder does not.
type builder struct {
	specs map[string]fieldSpec
}

type fieldSpec struct {
	typ  string // text, number, datetime, geopoint
	opts index.FieldIndexingOptions
	an   *termStream // text only
}

func newBuilder(m mapping.IndexMapping) (*builder, error) {
	im, ok := m.(*mapping.IndexMappingImpl)
	if !ok {
		return nil, fmt.Errorf("mapping %T: not an index mapping", m)
	}
	root := im.DefaultMapping
	if len(im.TypeMapping) > 0 || root == nil || !root.Enabled || root.Dynamic {
		return nil, errors.New("not one static document mapping")
	}
	if all, ok := root.Properties["_all"]; !ok || all.Enabled {
		return nil, errors.New("composite _all field")
	}
	b := &builder{specs: map[string]fieldSpec{}}
	for name, dm := range root.Properties {
		if !dm.Enabled {
			continue
		}
		if len(dm.Fields) != 1 || len(dm.Properties) > 0 {
			return nil, fmt.Errorf("field %s: %d mappings, %d properties", name, len(dm.Fields), len(dm.Properties))
		}
		fm := dm.Fields[0]
		if fm.Name != "" && fm.Name != name {
			return nil, fmt.Errorf("field %s: renamed %s", name, fm.Name)
		}
		spec := fieldSpec{typ: fm.Type, opts: fm.Options()}
		if fm.Type == "text" {
			a := im.AnalyzerNamed(fm.Analyzer)
			if a == nil {
				return nil, fmt.Errorf("field %s: no analyzer %s", name, fm.Analyzer)
			}
			if spec.an = streamOf(a); spec.an == nil {
				return nil, fmt.Errorf("field %s: analyzer %s cannot be streamed", name, fm.Analyzer)
			}
		}
		b.specs[name] = spec
	}
	return b, nil
}

// document is what MapDocument makes of rec.
func (b *builder) document(id string, rec map[string]any) (*document.Document, error) {
	doc := document.NewDocument(id)
	doc.Fields = make([]document.Field, 0, len(rec)+2)
	for name, v := range rec {
		spec, ok := b.specs[name]
		if !ok {
			continue // as the static walk: a shard of an older format lacks the field
		}
		switch v := v.(type) {
		case string:
			if spec.typ != "text" {
				return nil, fmt.Errorf("field %s: string for a %s field", name, spec.typ)
			}
			doc.AddField(newTextField(name, nil, v, spec))
		case []string:
			if spec.typ != "text" {
				return nil, fmt.Errorf("field %s: strings for a %s field", name, spec.typ)
			}
			for i, s := range v {
				doc.AddField(newTextField(name, []uint64{uint64(i)}, s, spec))
			}
		case float64:
			if spec.typ != "number" {
				return nil, fmt.Errorf("field %s: number for a %s field", name, spec.typ)
			}
			doc.AddField(document.NewNumericFieldWithIndexingOptions(name, nil, v, spec.opts))
		case time.Time:
			if spec.typ != "datetime" {
				return nil, fmt.Errorf("field %s: time for a %s field", name, spec.typ)
			}
			f, err := document.NewDateTimeFieldWithIndexingOptions(name, nil, v, time.RFC3339, spec.opts)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", name, err)
			}
			doc.AddField(f)
		case map[string]any:
			lat, ok1 := v["lat"].(float64)
			lon, ok2 := v["lon"].(float64)
			if spec.typ != "geopoint" || !ok1 || !ok2 {
				return nil, fmt.Errorf("field %s: %v for a %s field", name, v, spec.typ)
			}
			doc.AddField(document.NewGeoPointFieldWithIndexingOptions(name, nil, lon, lat, spec.opts))
		default:
			return nil, fmt.Errorf("field %s: unexpected %T", name, v)
		}
	}
	doc.SetIndexed()
	return doc, nil
}

// textField is Bleve's TextField analysed with a termStream.
type textField struct {
	name   string
	pos    []uint64
	value  []byte
	spec   fieldSpec
	length int
	freqs  index.TokenFrequencies
}

func newTextField(name string, pos []uint64, value string, spec fieldSpec) *textField {
	return &textField{name: name, pos: pos, value: []byte(value), spec: spec}
}

func (f *textField) Name() string                                     { return f.name }
func (f *textField) ArrayPositions() []uint64                         { return f.pos }
func (f *textField) Options() index.FieldIndexingOptions              { return f.spec.opts }
func (f *textField) Value() []byte                                    { return f.value }
func (f *textField) NumPlainTextBytes() uint64                        { return uint64(len(f.value)) }
func (f *textField) EncodedFieldType() byte                           { return 't' } // as TextField
func (f *textField) AnalyzedLength() int                              { return f.length }
func (f *textField) AnalyzedTokenFrequencies() index.TokenFrequencies { return f.freqs }

// Size estimates the memory held (Bleve uses it for statistics only): summing
// every token's size, as TextField does, was 4 % of indexing CPU.
func (f *textField) Size() int {
	return 128 + len(f.name) + 2*len(f.value) + 96*f.length
}

// occurrence is one token of a field.
type occurrence struct {
	term            []byte
	start, end, pos int
}

// Analyze computes what TextField.Analyze does (analysis.TokenFrequency of the
// analyzer's tokens) with one allocation per kind of thing instead of several
// per term: the map keys are slices of one string, the TokenFreqs, locations and
// location pointers come from one array each.
func (f *textField) Analyze() {
	input := f.value
	if f.spec.opts.IsStored() { // analysis lowercases in place
		input = bytes.Clone(f.value)
	}
	var occs []occurrence
	if f.spec.an.words {
		occs = make([]occurrence, 0, len(input)/8+1)
	} else {
		occs = make([]occurrence, 0, 1)
	}
	total := 0
	f.spec.an.each(input, func(term []byte, start, end, pos int) {
		occs = append(occs, occurrence{term, start, end, pos})
		total += len(term)
	})
	f.length = len(occs)
	buf := make([]byte, 0, total)
	for _, o := range occs {
		buf = append(buf, o.term...)
	}
	all := string(buf)
	freqs := make(index.TokenFrequencies, len(occs))
	tfs := make([]index.TokenFreq, 0, len(occs)) // never reallocated: pointers into it stay valid
	counts := make([]int, 0, len(occs))
	slot := make([]int, len(occs))
	at := 0
	for i, o := range occs {
		k := all[at : at+len(o.term)]
		at += len(o.term)
		tf, ok := freqs[k]
		if !ok {
			tfs = append(tfs, index.TokenFreq{Term: o.term})
			tf = &tfs[len(tfs)-1]
			tf.SetFrequency(len(tfs) - 1) // its slot, until the real count is known
			counts = append(counts, 0)
			freqs[k] = tf
		}
		slot[i] = tf.Frequency()
		counts[slot[i]]++
	}
	countFreq := !f.spec.opts.SkipFreqNorm()
	if f.spec.opts.IncludeTermVectors() {
		locs := make([]index.TokenLocation, len(occs))
		ptrs := make([]*index.TokenLocation, len(occs))
		off := 0
		for j := range tfs {
			tfs[j].Locations = ptrs[off : off : off+counts[j]]
			off += counts[j]
		}
		for i, o := range occs {
			locs[i] = index.TokenLocation{ArrayPositions: f.pos, Start: o.start, End: o.end, Position: o.pos}
			tf := &tfs[slot[i]]
			tf.Locations = append(tf.Locations, &locs[i])
		}
	}
	for j := range tfs {
		if countFreq {
			tfs[j].SetFrequency(counts[j])
		} else {
			tfs[j].SetFrequency(0)
		}
	}
	f.freqs = freqs
}
