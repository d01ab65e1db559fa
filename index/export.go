package index

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/infosegura/escucha"
)

// csvHeader is the CSV export's first row.
var csvHeader = []string{"id", "published", "title", "source", "platform", "kind", "lang", "url",
	"country", "admin1", "admin2", "categories", "framing", "campaigns", "cluster_id", "dup_of",
	"likes", "shares", "replies", "views", "text"}

// Export streams every document matching req (sorted by date, newest first,
// whatever req.Sort says) to w as escucha.ExportCSV or escucha.ExportNDJSON. It
// pages with search-after, so memory stays at one page whatever the total.
// CSV cells that a spreadsheet would run as a formula are neutralised.
func (ix *Index) Export(ctx context.Context, req escucha.SearchRequest, format string, w io.Writer) error {
	if format != escucha.ExportCSV && format != escucha.ExportNDJSON {
		return escucha.Errorf(escucha.EInvalid, "unknown export format %q (use csv or ndjson)", format)
	}
	req.Sort, req.Size, req.Collapse = escucha.SortDate, 0, false
	req.Facets, req.Histogram, req.Terms, req.ByCase = []string{}, "", 0, false
	p, err := ix.plan(req)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var cw *csv.Writer
	if format == escucha.ExportCSV {
		cw = csv.NewWriter(bw)
		if err := cw.Write(csvHeader); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	// Pages come from the one-pass collector (date keys from columns, stored
	// fields for the page only: one pass per page instead of reading every
	// match's sort keys) unless it cannot answer; then from Bleve's, which
	// takes the same cursor (date and id as text).
	fields := []string{fTitle, fText, fSrc}
	fast := p.fastable() && ctx.Value(bleveCollectorKey{}) == nil
	after := p.after
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var res *bleve.SearchResult
		err := errSlowPath
		if fast {
			p.after = after
			if res, err = ix.collect(ctx, p, exportPage, nil); err == nil {
				err = ix.fetch(ctx, p, res.Hits, fields, false)
			}
		}
		if errors.Is(err, errSlowPath) {
			fast = false
			r := bleve.NewSearchRequestOptions(p.query, exportPage, 0, false)
			r.SortByCustom(sortOrder(escucha.SortDate, p.legacy))
			r.SearchAfter = after
			r.Fields = fields
			res, err = p.run(ctx, r)
		}
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		for _, h := range res.Hits {
			if h.Fields == nil {
				continue // deleted between the two steps of the page
			}
			d, err := stored(h)
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			if cw != nil {
				err = cw.Write(csvRow(d))
			} else {
				err = writeJSONLine(bw, d)
			}
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
		if cw != nil {
			cw.Flush()
			if err := cw.Error(); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if len(res.Hits) < exportPage {
			return nil
		}
		after = res.Hits[len(res.Hits)-1].DecodedSort
	}
}

func writeJSONLine(w io.Writer, d *escucha.Document) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	_, err = w.Write(b)
	return err
}

func csvRow(d *escucha.Document) []string {
	var country, admin1, admin2 string
	if p, ok := d.Focus(); ok {
		country, admin1, admin2 = p.Country, p.Admin1, p.Admin2
	}
	published := ""
	if !d.Published.IsZero() {
		published = d.Published.UTC().Format(time.RFC3339)
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	row := []string{d.ID, published, d.Title, d.Source, d.Platform, d.Kind, d.Lang, d.URL,
		country, admin1, admin2, strings.Join(d.CategoryIDs(), ";"),
		strings.Join(d.FramingIDs(), ";"), strings.Join(d.CampaignIDs(), ";"), d.ClusterID,
		d.DupOf, n(d.Engagement.Likes), n(d.Engagement.Shares), n(d.Engagement.Replies),
		n(d.Engagement.Views), d.Text}
	for i, c := range row {
		row[i] = CSVCell(c)
	}
	return row
}

// CSVCell neutralises formula injection (CWE-1236): a cell that starts with
// = + - @, a tab or a carriage return gets a leading apostrophe, so spreadsheets
// show it as text instead of running it.
func CSVCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
