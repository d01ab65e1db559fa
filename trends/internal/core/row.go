package core

import (
	"strings"
	"time"

	"github.com/infosegura/escucha"
)

// Row is one document as the analytics tables store it: no text, the author only
// as a keyed hash.
type Row struct {
	ID            string
	Version       int64
	Deleted       uint8
	Published     time.Time
	Fetched       time.Time
	Source        string
	SourceCountry string
	Platform      string
	Kind          string
	Lang          string
	Country       string // focus place
	Admin1        string
	Admin1Code    string
	Admin2        string
	Admin2Code    string
	Categories    []string
	Campaigns     []string
	Framing       []string
	Engagement    int64
	Views         int64
	AuthorHash    string
	Followers     int64
	ClusterID     string
	URL           string
	Title         string
}

// AuthorRow links a pseudonym to its handle, for roles allowed to see handles.
type AuthorRow struct {
	Hash     string
	Platform string
	Handle   string
	Name     string
	Updated  time.Time
}

// maxTitle bounds the stored title (top-posts display only).
const maxTitle = 300

// ToRow converts a document. A zero published time falls back to fetched, then to
// now, so the row lands in a partition.
func ToRow(secret []byte, d *escucha.Document, now time.Time) Row {
	r := Row{
		ID: d.ID, Version: d.Version, Source: d.Source, SourceCountry: d.SourceCountry,
		Platform: d.Platform, Kind: d.Kind, Lang: d.Lang,
		Categories: nonNil(d.CategoryIDs()), Campaigns: nonNil(d.CampaignIDs()),
		Framing: nonNil(d.FramingIDs()), Engagement: d.Engagement.Total(),
		Views: d.Engagement.Views, Followers: d.Author.Followers, ClusterID: d.ClusterID,
		URL: d.CanonicalURL, Title: d.Title,
	}
	if r.URL == "" {
		r.URL = d.URL
	}
	if d.Deleted {
		r.Deleted = 1
	}
	r.Published = d.Published
	if r.Published.IsZero() {
		r.Published = d.Fetched
	}
	if r.Published.IsZero() {
		r.Published = now
	}
	r.Published = r.Published.UTC().Truncate(time.Second)
	r.Fetched = d.Fetched.UTC().Truncate(time.Second)
	if r.Fetched.IsZero() {
		r.Fetched = now.UTC().Truncate(time.Second)
	}
	if p, ok := d.Focus(); ok {
		r.Country, r.Admin1, r.Admin1Code = p.Country, p.Admin1, p.Admin1Code
		r.Admin2, r.Admin2Code = p.Admin2, p.Admin2Code
	}
	// Keys never hold a tab: the attention scan uses "\t" as its total marker.
	for _, k := range []*string{&r.Source, &r.Platform, &r.Country, &r.Admin1Code, &r.Admin2Code} {
		*k = strings.ReplaceAll(*k, "\t", " ")
	}
	for _, list := range [][]string{r.Categories, r.Campaigns, r.Framing} {
		for i := range list {
			list[i] = strings.ReplaceAll(list[i], "\t", " ")
		}
	}
	if d.Author.ID != "" {
		r.AuthorHash = escucha.AuthorPseudonym(secret, d.Platform, d.Author.ID)
	}
	if rs := []rune(r.Title); len(rs) > maxTitle {
		r.Title = string(rs[:maxTitle])
	}
	if r.Engagement < 0 {
		r.Engagement = 0
	}
	return r
}

// ToAuthor returns the handle row of a document's author, if it has one.
func ToAuthor(secret []byte, d *escucha.Document, now time.Time) (AuthorRow, bool) {
	if d.Author.ID == "" {
		return AuthorRow{}, false
	}
	h := d.Author.Handle
	if h == "" {
		h = d.Author.Name
	}
	return AuthorRow{
		Hash:     escucha.AuthorPseudonym(secret, d.Platform, d.Author.ID),
		Platform: d.Platform, Handle: h, Name: d.Author.Name, Updated: now.UTC().Truncate(time.Second),
	}, true
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ValidateBatch checks every document; the first invalid one fails the batch with
// a permanent (EInvalid) error.
func ValidateBatch(docs []*escucha.Document) error {
	for _, d := range docs {
		if d == nil {
			return escucha.Errorf(escucha.EInvalid, "nil document in batch")
		}
		if err := d.Validate(); err != nil {
			return escucha.Errorf(escucha.EInvalid, "trends write: %w", err)
		}
	}
	return nil
}
