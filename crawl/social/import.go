package social

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // mapping time zones must load in minimal containers

	"github.com/infosegura/escucha"
	"gopkg.in/yaml.v3"
)

// Mapping says how an export from another tool becomes documents: which column
// (CSV header, or dotted JSON path for NDJSON) fills which document field.
type Mapping struct {
	// Platform of every document (x, facebook, instagram, tiktok, whatsapp…);
	// a column mapped to "platform" overrides it per row.
	Platform string `yaml:"platform"`
	Kind     string `yaml:"kind"`   // post (default) or comment
	Source   string `yaml:"source"` // e.g. the tool or tipline name
	// Columns maps column → field: id, text, title, url, published, lang, kind,
	// platform, source, source_country, author.id, author.name, author.handle,
	// author.followers, engagement.likes, engagement.shares, engagement.replies,
	// engagement.views, or extra.<name> (kept as a string in the document).
	Columns map[string]string `yaml:"columns"`
	// DateFormats are Go layouts tried in order, plus "unix" and "unix_ms".
	// Default: RFC 3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05",
	// "02/01/2006 15:04", "02/01/2006", "2006-01-02", the X/Twitter layout, unix.
	DateFormats []string `yaml:"date_formats"`
	// Timezone for dates without one, e.g. America/Guatemala. Default UTC.
	Timezone string `yaml:"timezone"`
	// Comma is the CSV separator. Default ",".
	Comma string `yaml:"comma"`

	loc *time.Location
}

var importFields = map[string]bool{
	"id": true, "text": true, "title": true, "url": true, "published": true, "lang": true,
	"kind": true, "platform": true, "source": true, "source_country": true,
	"author.id": true, "author.name": true, "author.handle": true, "author.followers": true,
	"engagement.likes": true, "engagement.shares": true, "engagement.replies": true, "engagement.views": true,
}

var defaultDateFormats = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05",
	"02/01/2006 15:04:05", "02/01/2006 15:04", "02/01/2006", "2006-01-02", time.RubyDate, "unix"}

// LoadMapping reads a mapping YAML file.
func LoadMapping(path string) (Mapping, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Mapping{}, fmt.Errorf("read mapping: %w", err)
	}
	var m Mapping
	if err := yaml.Unmarshal(b, &m); err != nil {
		return Mapping{}, fmt.Errorf("parse mapping %s: %w", path, err)
	}
	return m, nil
}

// Validate checks the mapping and fills defaults.
func (m *Mapping) Validate() error {
	var errs []error
	if m.Kind == "" {
		m.Kind = escucha.KindPost
	}
	if m.Kind != escucha.KindPost && m.Kind != escucha.KindComment {
		errs = append(errs, fmt.Errorf("kind %q: want post or comment", m.Kind))
	}
	targets := map[string]bool{}
	for col, f := range m.Columns {
		if !importFields[f] && !(strings.HasPrefix(f, "extra.") && len(f) > len("extra.")) {
			errs = append(errs, fmt.Errorf("column %q: unknown field %q", col, f))
		}
		targets[f] = true
	}
	if m.Platform == "" && !targets["platform"] {
		errs = append(errs, errors.New("no platform (set platform or map a column to it)"))
	}
	if !targets["text"] && !targets["title"] {
		errs = append(errs, errors.New("no column maps to text or title"))
	}
	if len(m.DateFormats) == 0 {
		m.DateFormats = defaultDateFormats
	}
	m.loc = time.UTC
	if m.Timezone != "" {
		loc, err := time.LoadLocation(m.Timezone)
		if err != nil {
			errs = append(errs, fmt.Errorf("timezone: %w", err))
		} else {
			m.loc = loc
		}
	}
	if m.Comma != "" && len([]rune(m.Comma)) != 1 {
		errs = append(errs, fmt.Errorf("comma %q: want one character", m.Comma))
	}
	if err := errors.Join(errs...); err != nil {
		return escucha.Errorf(escucha.EInvalid, "mapping: %w", err)
	}
	return nil
}

// RowError is a row of an export that could not become a document.
type RowError struct {
	Line int // 1-based line (CSV: record number counting the header)
	Err  error
}

func (e *RowError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// ImportError reports the rows that were skipped; every other row was emitted.
type ImportError struct {
	Rows    int // rows read
	Skipped []*RowError
}

func (e *ImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d rows skipped", len(e.Skipped), e.Rows)
	for i, r := range e.Skipped {
		if i == 5 {
			b.WriteString("; …")
			break
		}
		b.WriteString("; ")
		b.WriteString(r.Error())
	}
	return b.String()
}

// Import reads an export (format "csv" or "ndjson") and emits one document per
// row. Rows that cannot be read are skipped and reported in an *ImportError
// after the rest were emitted; an emit error stops the import.
func Import(ctx context.Context, r io.Reader, format string, m Mapping, emit escucha.Emit) error {
	if err := m.Validate(); err != nil {
		return err
	}
	ie := &ImportError{}
	now := time.Now().UTC()
	row := func(line int, get func(col string) (string, bool), bad error) error {
		ie.Rows++
		if bad != nil {
			ie.Skipped = append(ie.Skipped, &RowError{Line: line, Err: bad})
			return nil
		}
		d, err := m.document(get, now)
		if err != nil {
			ie.Skipped = append(ie.Skipped, &RowError{Line: line, Err: err})
			return nil
		}
		if err := emit(ctx, d); err != nil {
			return fmt.Errorf("emit line %d: %w", line, err)
		}
		return ctx.Err()
	}
	var err error
	switch format {
	case "csv":
		err = importCSV(r, m, row)
	case "ndjson", "jsonl":
		err = importNDJSON(r, row)
	default:
		return escucha.Errorf(escucha.EInvalid, "import format %q: want csv or ndjson", format)
	}
	if err != nil {
		return err
	}
	if len(ie.Skipped) > 0 {
		return ie
	}
	return nil
}

func importCSV(r io.Reader, m Mapping, row func(int, func(string) (string, bool), error) error) error {
	br := bufio.NewReader(r)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = false
	if m.Comma != "" {
		cr.Comma = []rune(m.Comma)[0]
	}
	header, err := cr.Read()
	if err != nil {
		return escucha.Errorf(escucha.EInvalid, "csv header: %w", err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.TrimSpace(h)] = i
	}
	for col := range m.Columns {
		if _, ok := idx[col]; !ok {
			return escucha.Errorf(escucha.EInvalid, "csv: mapped column %q not in header", col)
		}
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				if err := row(pe.Line, nil, pe); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("read csv: %w", err)
		}
		get := func(col string) (string, bool) {
			i, ok := idx[col]
			if !ok || i >= len(rec) {
				return "", false
			}
			return rec[i], true
		}
		if err := row(line, get, nil); err != nil {
			return err
		}
	}
}

func importNDJSON(r io.Reader, row func(int, func(string) (string, bool), error) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if len(b) > maxBody {
			return escucha.Errorf(escucha.EInvalid, "ndjson line %d longer than %d bytes", line, maxBody)
		}
		if len(bytes.TrimSpace(b)) > 0 {
			var obj map[string]any
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			if jerr := dec.Decode(&obj); jerr != nil {
				if err := row(line, nil, fmt.Errorf("invalid JSON: %w", jerr)); err != nil {
					return err
				}
			} else if err := row(line, func(col string) (string, bool) { return jsonPath(obj, col) }, nil); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read ndjson: %w", err)
		}
	}
}

// jsonPath reads a dotted path ("user.screen_name") as a string.
func jsonPath(obj map[string]any, path string) (string, bool) {
	var cur any = obj
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return "", false
		}
		if cur, ok = m[p]; !ok {
			return "", false
		}
	}
	switch v := cur.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	default:
		b, _ := json.Marshal(v)
		return string(b), true
	}
}

// document builds one document from a row. A row with nothing usable (no text,
// no title) or a value that does not parse is an error, never a silent zero.
func (m Mapping) document(get func(string) (string, bool), now time.Time) (*escucha.Document, error) {
	d := &escucha.Document{Platform: m.Platform, Kind: m.Kind, Source: m.Source, Fetched: now, Version: 1}
	var id string
	cols := make([]string, 0, len(m.Columns))
	for c := range m.Columns {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	var errs []error
	for _, col := range cols {
		field := m.Columns[col]
		v, ok := get(col)
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			continue
		}
		count := func(dst *int64) {
			n, ok := parseCount(v)
			if !ok {
				errs = append(errs, fmt.Errorf("%s (%s): %q is not a count", col, field, trunc(v, 40)))
				return
			}
			*dst = n
		}
		switch field {
		case "id":
			id = v
		case "text":
			d.Text = cleanText(v)
		case "title":
			d.Title = cleanText(v)
		case "url":
			d.URL = v
		case "lang":
			d.Lang = langCode(v)
		case "kind":
			k := strings.ToLower(v)
			if k != escucha.KindPost && k != escucha.KindComment {
				errs = append(errs, fmt.Errorf("%s (kind): %q is not post or comment", col, trunc(v, 40)))
			}
			d.Kind = k
		case "platform":
			d.Platform = strings.ToLower(v)
		case "source":
			d.Source = v
		case "source_country":
			d.SourceCountry = strings.ToUpper(v)
		case "published":
			t, err := m.parseTime(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s (published): %w", col, err))
			}
			d.Published = t
		case "author.id":
			d.Author.ID = v
		case "author.name":
			d.Author.Name = cleanText(v)
		case "author.handle":
			d.Author.Handle = v
		case "author.followers":
			count(&d.Author.Followers)
		case "engagement.likes":
			count(&d.Engagement.Likes)
		case "engagement.shares":
			count(&d.Engagement.Shares)
		case "engagement.replies":
			count(&d.Engagement.Replies)
		case "engagement.views":
			count(&d.Engagement.Views)
		default:
			setExtra(d, strings.TrimPrefix(field, "extra."), cleanText(v))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if d.Text == "" && d.Title == "" {
		return nil, errors.New("no text")
	}
	if d.Platform == "" {
		d.Platform = escucha.PlatformImport // the mapping names no platform
	}
	if id == "" {
		// Exports without ids (tiplines): the id is a hash of what identifies the message.
		sum := sha256.Sum256([]byte(d.Platform + "\x00" + d.Author.Handle + "\x00" + d.Published.Format(time.RFC3339Nano) + "\x00" + d.Title + "\x00" + d.Text))
		id = "h" + hex.EncodeToString(sum[:10])
	}
	d.ID = escucha.IDForPost(d.Platform, id)
	return d, nil
}

func (m Mapping) parseTime(v string) (time.Time, error) {
	loc := m.loc
	if loc == nil {
		loc = time.UTC
	}
	for _, f := range m.DateFormats {
		switch f {
		case "unix", "unix_ms":
			n, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || n < 0 || n > 1e15 {
				continue
			}
			if f == "unix_ms" || n > 1e11 {
				n /= 1000
			}
			sec, frac := math.Modf(n)
			return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
		default:
			if t, err := time.ParseInLocation(f, v, loc); err == nil {
				return t, nil // keeps the source's offset (docs/document.md)
			}
		}
	}
	return time.Time{}, fmt.Errorf("%q matches none of the date formats", trunc(v, 40))
}
