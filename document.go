package escucha

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Platforms a document can come from.
const (
	PlatformNews     = "news"
	PlatformMastodon = "mastodon"
	PlatformBluesky  = "bluesky"
	PlatformReddit   = "reddit"
	PlatformTelegram = "telegram"
	PlatformYouTube  = "youtube"
	PlatformImport   = "import"
)

// Kinds of document.
const (
	KindArticle = "article"
	KindPost    = "post"
	KindComment = "comment"
)

// Place roles.
const (
	RoleFocus   = "focus"
	RoleMention = "mention"
)

// Document is one article, post or comment, as it flows through the stream as a
// single JSON line. Fields the code does not know are kept in Extra and written back
// unchanged, so an older stage never drops what a newer producer added.
type Document struct {
	ID            string     `json:"id"`
	URL           string     `json:"url,omitempty"`
	CanonicalURL  string     `json:"canonical_url,omitempty"`
	Source        string     `json:"source,omitempty"`
	SourceCountry string     `json:"source_country,omitempty"`
	Platform      string     `json:"platform,omitempty"`
	Kind          string     `json:"kind,omitempty"`
	Title         string     `json:"title,omitempty"`
	Text          string     `json:"text,omitempty"`
	Lang          string     `json:"lang,omitempty"`
	Published     time.Time  `json:"published,omitzero"`
	Fetched       time.Time  `json:"fetched,omitzero"`
	Author        Author     `json:"author,omitzero"`
	Engagement    Engagement `json:"engagement,omitzero"`
	Version       int64      `json:"version,omitempty"`
	Deleted       bool       `json:"deleted,omitempty"`

	Categories []Label                    `json:"categories,omitempty"`
	Places     []Place                    `json:"places,omitempty"`
	Campaigns  []CampaignMatch            `json:"campaigns,omitempty"`
	Framing    []Frame                    `json:"framing,omitempty"`
	ClusterID  string                     `json:"cluster_id,omitempty"`
	DupOf      string                     `json:"dup_of,omitempty"`
	Extra      map[string]json.RawMessage `json:"-"`
}

// Author of a post or article. On social platforms ID is the platform's account id.
type Author struct {
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Handle    string `json:"handle,omitempty"`
	Followers int64  `json:"followers,omitempty"`
}

// Engagement figures as last read from the platform.
type Engagement struct {
	Likes   int64 `json:"likes,omitempty"`
	Shares  int64 `json:"shares,omitempty"`
	Replies int64 `json:"replies,omitempty"`
	Views   int64 `json:"views,omitempty"`
}

// Total is likes + shares + replies (views are reach, not engagement).
func (e Engagement) Total() int64 { return e.Likes + e.Shares + e.Replies }

// Span is a piece of evidence: the text and its byte offsets into Title+"\n\n"+Text
// (see Document.Body).
type Span struct {
	Text  string `json:"text"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	// Kind qualifies the evidence: "event" (a new event is reported), "statistic",
	// "anniversary", "topic" (policy, trial, protest), "negated" (kept for audit).
	Kind string `json:"kind,omitempty"`
}

// Label is a category assigned to a document.
type Label struct {
	ID       string  `json:"id"`
	Score    float64 `json:"score"`
	Evidence []Span  `json:"evidence,omitempty"`
}

// Place is a location found in the text, resolved against the gazetteer.
type Place struct {
	Country    string  `json:"country"`
	Admin1     string  `json:"admin1,omitempty"`
	Admin1Code string  `json:"admin1_code,omitempty"`
	Admin2     string  `json:"admin2,omitempty"`
	Admin2Code string  `json:"admin2_code,omitempty"`
	Admin3     string  `json:"admin3,omitempty"`
	Locality   string  `json:"locality,omitempty"`
	Lat        float64 `json:"lat,omitempty"`
	Lon        float64 `json:"lon,omitempty"`
	Role       string  `json:"role"`
	Score      float64 `json:"score"`
	Surface    string  `json:"surface"`
	Start      int     `json:"start"`
	End        int     `json:"end"`
}

// CampaignMatch says a document mentions a configured campaign.
type CampaignMatch struct {
	ID      string   `json:"id"`
	Matched []string `json:"matched"`
}

// Frame is how violence against women is framed ("justificacion", "derechos").
type Frame struct {
	ID       string `json:"id"`
	Evidence []Span `json:"evidence,omitempty"`
}

// Body is the text the NLP stage reads and that evidence offsets point into:
// the title, a blank line, and the text.
func (d *Document) Body() string {
	switch {
	case d.Title == "":
		return d.Text
	case d.Text == "":
		return d.Title
	}
	return d.Title + "\n\n" + d.Text
}

// Focus returns the focus place, if any.
func (d *Document) Focus() (Place, bool) {
	for _, p := range d.Places {
		if p.Role == RoleFocus {
			return p, true
		}
	}
	return Place{}, false
}

// HasCategory reports whether the document carries the category id.
func (d *Document) HasCategory(id string) bool {
	for _, c := range d.Categories {
		if c.ID == id {
			return true
		}
	}
	return false
}

// CategoryIDs returns the ids of the document's categories, sorted.
func (d *Document) CategoryIDs() []string {
	out := make([]string, 0, len(d.Categories))
	for _, c := range d.Categories {
		out = append(out, c.ID)
	}
	sort.Strings(out)
	return out
}

// CampaignIDs returns the ids of matched campaigns, sorted.
func (d *Document) CampaignIDs() []string {
	out := make([]string, 0, len(d.Campaigns))
	for _, c := range d.Campaigns {
		out = append(out, c.ID)
	}
	sort.Strings(out)
	return out
}

// FramingIDs returns the ids of framings, sorted.
func (d *Document) FramingIDs() []string {
	out := make([]string, 0, len(d.Framing))
	for _, f := range d.Framing {
		out = append(out, f.ID)
	}
	sort.Strings(out)
	return out
}

// Validate checks the fields every stage relies on.
func (d *Document) Validate() error {
	if strings.TrimSpace(d.ID) == "" {
		return Errorf(EInvalid, "document has no id")
	}
	if d.Version < 0 {
		return Errorf(EInvalid, "document %s: negative version %d", d.ID, d.Version)
	}
	return nil
}

// Newer reports whether d should replace old in an idempotent sink: a higher
// version wins; on equal versions the later fetch wins (so re-delivery of the
// same message is a no-op, and a re-crawl without a version bump still lands).
func (d *Document) Newer(old *Document) bool {
	if d.Version != old.Version {
		return d.Version > old.Version
	}
	return !d.Fetched.Before(old.Fetched)
}

// IDForURL is the stable id of a web document: a hash of its canonical URL.
func IDForURL(canonicalURL string) string {
	sum := sha256.Sum256([]byte(canonicalURL))
	return hex.EncodeToString(sum[:12])
}

// IDForPost is the stable id of a social post: "platform:post-id".
func IDForPost(platform, postID string) string { return platform + ":" + postID }

type documentAlias Document

// knownFields is filled once from the struct tags, to split unknown fields off.
var knownFields = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range []string{"id", "url", "canonical_url", "source", "source_country",
		"platform", "kind", "title", "text", "lang", "published", "fetched", "author",
		"engagement", "version", "deleted", "categories", "places", "campaigns", "framing",
		"cluster_id", "dup_of"} {
		m[k] = true
	}
	return m
}()

// UnmarshalJSON decodes a document and keeps fields it does not know in Extra.
// Unknown keys are found by a scan of the top-level keys (no second full decode).
func (d *Document) UnmarshalJSON(b []byte) error {
	var a documentAlias
	if err := json.Unmarshal(b, &a); err != nil {
		return err
	}
	extra, err := unknownFields(b)
	if err != nil {
		return err
	}
	a.Extra = extra
	*d = Document(a)
	return nil
}

// unknownFields returns the top-level members of the JSON object b whose keys are not
// document fields. b has already been validated by json.Unmarshal.
func unknownFields(b []byte) (map[string]json.RawMessage, error) {
	var out map[string]json.RawMessage
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, nil
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] == '}' {
			return out, nil
		}
		if b[i] == ',' {
			i++
			continue
		}
		ks := i
		ke, err := skipString(b, i)
		if err != nil {
			return nil, err
		}
		i = skipSpace(b, ke)
		if i >= len(b) || b[i] != ':' {
			return nil, errors.New("document: malformed object")
		}
		i = skipSpace(b, i+1)
		vs := i
		ve, err := skipValue(b, i)
		if err != nil {
			return nil, err
		}
		i = ve
		rawKey := b[ks:ke]
		var key string
		if bytes.IndexByte(rawKey, '\\') < 0 && utf8.Valid(rawKey) {
			key = string(rawKey[1 : len(rawKey)-1])
		} else if err := json.Unmarshal(rawKey, &key); err != nil {
			return nil, err
		}
		if knownFields[key] {
			continue
		}
		if out == nil {
			out = map[string]json.RawMessage{}
		}
		out[key] = append(json.RawMessage(nil), b[vs:ve]...)
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just after the JSON string starting at b[i].
func skipString(b []byte, i int) (int, error) {
	if i >= len(b) || b[i] != '"' {
		return 0, errors.New("document: expected a string")
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, nil
		}
	}
	return 0, errors.New("document: unterminated string")
}

// skipValue returns the index just after the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errors.New("document: missing value")
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				e, err := skipString(b, i)
				if err != nil {
					return 0, err
				}
				i = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, nil
				}
			}
		}
		return 0, errors.New("document: unterminated value")
	default: // number, true, false, null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\t' && b[i] != '\n' && b[i] != '\r' {
			i++
		}
		return i, nil
	}
}

// MarshalJSON encodes a document with its unknown fields after the known ones.
func (d Document) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(documentAlias(d))
	if err != nil || len(d.Extra) == 0 {
		return b, err
	}
	keys := make([]string, 0, len(d.Extra))
	for k := range d.Extra {
		if !knownFields[k] {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return b, nil
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	buf.Grow(len(b) + 64*len(keys))
	buf.Write(b[:len(b)-1])
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(d.Extra[k])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// DecodeDocument parses one JSON line into a validated document.
func DecodeDocument(line []byte) (*Document, error) {
	var d Document
	if err := json.Unmarshal(line, &d); err != nil {
		return nil, Errorf(EInvalid, "decode document: %v", err)
	}
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return &d, nil
}

// String is a short human description, for logs.
func (d *Document) String() string { return fmt.Sprintf("%s v%d (%s)", d.ID, d.Version, d.Platform) }
