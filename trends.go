package escucha

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// Trends answers the aggregate questions of the dashboards: where, what, how much,
// and is it rising. The trends store (package trends, on ClickHouse or DuckDB)
// implements it; the dashboards use only this interface.
type Trends interface {
	// Attention counts documents per time bucket and key (category, place, source…),
	// with each count's share of all documents under the same filter in that bucket.
	Attention(ctx context.Context, q AttentionQuery) ([]Series, error)
	// Territory counts documents per department or municipality, per 100k
	// inhabitants, and against the previous period of the same length.
	Territory(ctx context.Context, q TerritoryQuery) ([]TerritoryRow, error)
	// Priority ranks territories by the territorial prioritisation index.
	Priority(ctx context.Context, q PriorityQuery) ([]PriorityRow, error)
	// Campaign measures the reach of one campaign (e.g. nada_justifica).
	Campaign(ctx context.Context, q CampaignQuery) (*CampaignReach, error)
	// Framing gives the share of justificacion vs derechos framing in coverage of
	// violence against women, over time and by source.
	Framing(ctx context.Context, q FramingQuery) (*FramingReport, error)
	// Alerts lists stored early-warning alerts, newest first.
	Alerts(ctx context.Context, q AlertQuery) ([]Alert, error)
	// Sources reports each source's volume against its own baseline.
	Sources(ctx context.Context, q SourcesQuery) ([]SourceHealth, error)
}

// Interval is the size of a time bucket.
type Interval string

// Intervals.
const (
	IntervalDay   Interval = "day"
	IntervalWeek  Interval = "week" // weeks start on Monday (UTC)
	IntervalMonth Interval = "month"
)

// Valid reports whether i is a known interval.
func (i Interval) Valid() bool {
	return i == IntervalDay || i == IntervalWeek || i == IntervalMonth
}

// Start is the start of the bucket holding t: its UTC day, the Monday of its week,
// or the first of its month (the buckets every trends store and chart share).
func (i Interval) Start(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	switch i {
	case IntervalWeek:
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) // Monday = 0
	case IntervalMonth:
		return d.AddDate(0, 0, 1-d.Day())
	}
	return d
}

// Next is the start of the bucket after the one starting at t.
func (i Interval) Next(t time.Time) time.Time {
	switch i {
	case IntervalWeek:
		return t.AddDate(0, 0, 7)
	case IntervalMonth:
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 1)
}

// Dimension is what attention is broken down by.
type Dimension string

// Dimensions.
const (
	ByNone     Dimension = "total"    // one series with every document
	ByCategory Dimension = "category" // a document counts once per category it carries
	ByAdmin1   Dimension = "admin1"   // focus department (code)
	ByAdmin2   Dimension = "admin2"   // focus municipality (code)
	ByCountry  Dimension = "country"  // focus country
	BySource   Dimension = "source"
	ByPlatform Dimension = "platform"
	ByCampaign Dimension = "campaign" // a document counts once per campaign it matches
	ByFraming  Dimension = "framing"  // a document counts once per framing it carries
)

// Dimensions lists every dimension.
var Dimensions = []Dimension{ByNone, ByCategory, ByAdmin1, ByAdmin2, ByCountry, BySource,
	ByPlatform, ByCampaign, ByFraming}

// Valid reports whether d is a known dimension.
func (d Dimension) Valid() bool {
	for _, x := range Dimensions {
		if d == x {
			return true
		}
	}
	return false
}

// Filter restricts the documents a question looks at. Empty fields do not filter;
// several values in one field are alternatives (OR); fields combine with AND.
// Times are by publication, From inclusive and To exclusive.
type Filter struct {
	From       time.Time `json:"from,omitzero"`
	To         time.Time `json:"to,omitzero"`
	Countries  []string  `json:"countries,omitempty"`  // focus country (ISO alpha-2)
	Admin1     []string  `json:"admin1,omitempty"`     // focus department code
	Admin2     []string  `json:"admin2,omitempty"`     // focus municipality code
	Categories []string  `json:"categories,omitempty"` // any of these categories
	Platforms  []string  `json:"platforms,omitempty"`
	Sources    []string  `json:"sources,omitempty"`
	Campaigns  []string  `json:"campaigns,omitempty"` // any of these campaigns
	Framing    []string  `json:"framing,omitempty"`   // any of these framings
	Kinds      []string  `json:"kinds,omitempty"`
}

// AttentionQuery asks for attention over time.
type AttentionQuery struct {
	Filter
	By       Dimension `json:"by"`
	Interval Interval  `json:"interval"`
	// Limit keeps the Limit keys with most documents over the whole range; 0 keeps all.
	Limit int `json:"limit,omitempty"`
}

// Series is one key's counts over time.
type Series struct {
	Key    string  `json:"key"`
	Points []Point `json:"points"`
}

// Point is one time bucket. Share is Count over all documents in the bucket under
// the same filter (with ByCategory etc. shares can add up to more than 1).
type Point struct {
	T     time.Time `json:"t"`
	Count int64     `json:"count"`
	Share float64   `json:"share"`
}

// Territorial levels.
const (
	LevelAdmin1 = "admin1" // department
	LevelAdmin2 = "admin2" // municipality
)

// TerritoryQuery asks for counts per territory in [From, To), compared with the
// period of the same length just before From. From and To are required.
type TerritoryQuery struct {
	Filter
	Level string `json:"level"` // LevelAdmin1 (default) or LevelAdmin2
}

// TerritoryRow is one department or municipality.
type TerritoryRow struct {
	Country    string `json:"country"`
	Code       string `json:"code"`
	Name       string `json:"name"`
	Admin1Code string `json:"admin1_code,omitempty"` // for municipalities
	Count      int64  `json:"count"`
	PrevCount  int64  `json:"prev_count"`
	// Population is the reference population (see docs/trends.md: seat populations);
	// 0 when unknown, and then Per100k is nil.
	Population int64    `json:"population"`
	Per100k    *float64 `json:"per_100k"`
	// ChangePct is (Count-PrevCount)/PrevCount×100; nil when PrevCount is 0.
	ChangePct *float64 `json:"change_pct"`
}

// PriorityWeights configure the territorial prioritisation index (docs/trends.md).
type PriorityWeights struct {
	Volume   float64            `json:"volume"`   // weight of documents per 100k
	Growth   float64            `json:"growth"`   // weight of growth vs the previous period
	Severity float64            `json:"severity"` // weight of severity-weighted documents per 100k
	Category map[string]float64 `json:"category"` // severity weight per category id (missing: 1)
}

// PriorityQuery asks for the prioritisation index per territory.
type PriorityQuery struct {
	Filter
	Level   string           `json:"level"`
	Weights *PriorityWeights `json:"weights,omitempty"` // nil: the store's configured weights
}

// PriorityRow is one territory's index and its parts, each part normalised to [0,1].
type PriorityRow struct {
	Rank       int     `json:"rank"`
	Country    string  `json:"country"`
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Count      int64   `json:"count"`
	PrevCount  int64   `json:"prev_count"`
	Population int64   `json:"population"`
	Volume     float64 `json:"volume"`
	Growth     float64 `json:"growth"`
	Severity   float64 `json:"severity"`
	Index      float64 `json:"index"` // 0–100
}

// CampaignQuery asks for a campaign's reach in [From, To).
type CampaignQuery struct {
	Filter
	ID       string   `json:"id"`
	Interval Interval `json:"interval"`
	Top      int      `json:"top,omitempty"` // top posts and amplifiers; default 10
	// ShowHandles is set by the caller when the user's role may see account handles;
	// otherwise amplifiers are shown by pseudonym only.
	ShowHandles bool `json:"show_handles,omitempty"`
}

// CampaignReach is what a campaign team asks: how many, who, how far.
type CampaignReach struct {
	ID             string `json:"id"`
	Mentions       int64  `json:"mentions"`
	UniqueAuthors  int64  `json:"unique_authors"`
	Engagement     int64  `json:"engagement"`
	PotentialReach int64  `json:"potential_reach"` // followers of unique authors, each once
	// VAWConversation is the number of documents about violence against women or
	// matching the campaign; ShareOfVoice = Mentions / VAWConversation.
	VAWConversation int64            `json:"vaw_conversation"`
	ShareOfVoice    float64          `json:"share_of_voice"`
	OverTime        []CampaignPoint  `json:"over_time"`
	ByPlatform      []KeyCount       `json:"by_platform"`
	ByCountry       []KeyCount       `json:"by_country"`
	TopPosts        []TopPost        `json:"top_posts"`
	TopAmplifiers   []CampaignAuthor `json:"top_amplifiers"`
}

// CampaignPoint is a campaign's figures in one time bucket (reach counts each
// author once per bucket).
type CampaignPoint struct {
	T              time.Time `json:"t"`
	Mentions       int64     `json:"mentions"`
	UniqueAuthors  int64     `json:"unique_authors"`
	Engagement     int64     `json:"engagement"`
	PotentialReach int64     `json:"potential_reach"`
	ShareOfVoice   float64   `json:"share_of_voice"`
}

// KeyCount is a count for a key.
type KeyCount struct {
	Key        string `json:"key"`
	Mentions   int64  `json:"mentions"`
	Engagement int64  `json:"engagement"`
}

// TopPost is one of a campaign's most engaging posts.
type TopPost struct {
	ID         string    `json:"id"`
	URL        string    `json:"url,omitempty"`
	Title      string    `json:"title,omitempty"`
	Source     string    `json:"source"`
	Platform   string    `json:"platform"`
	Published  time.Time `json:"published"`
	Engagement int64     `json:"engagement"`
	Author     string    `json:"author"` // pseudonym, or handle when allowed
}

// CampaignAuthor is an amplifier: an author who posted about the campaign.
type CampaignAuthor struct {
	Author     string `json:"author"` // pseudonym, or handle when allowed
	Platform   string `json:"platform"`
	Posts      int64  `json:"posts"`
	Engagement int64  `json:"engagement"`
	Followers  int64  `json:"followers"`
}

// FramingQuery asks for framing shares in coverage of violence against women.
type FramingQuery struct {
	Filter
	Interval Interval `json:"interval"`
	Top      int      `json:"top,omitempty"` // sources with most coverage; default 20
}

// FramingShare is one bucket (a time or a source) of coverage of violence against
// women: how much carried each framing.
type FramingShare struct {
	T                  time.Time `json:"t,omitzero"`
	Source             string    `json:"source,omitempty"`
	Total              int64     `json:"total"`
	Justificacion      int64     `json:"justificacion"`
	Derechos           int64     `json:"derechos"`
	JustificacionShare float64   `json:"justificacion_share"`
	DerechosShare      float64   `json:"derechos_share"`
}

// FramingReport is framing over time and by source.
type FramingReport struct {
	OverTime []FramingShare `json:"over_time"`
	BySource []FramingShare `json:"by_source"`
}

// Alert kinds.
const (
	AlertCategoryPlace = "category_place" // a category in a department
	AlertCampaign      = "campaign"
	AlertSearch        = "search" // a saved search
)

// Alert is an early-warning spike: a day's count well above its baseline.
type Alert struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Key      string    `json:"key"` // e.g. "femicidio|GT-01", "nada_justifica", a search id
	Label    string    `json:"label"`
	Day      time.Time `json:"day"`
	Count    int64     `json:"count"`
	Baseline float64   `json:"baseline"` // median of the baseline days
	MAD      float64   `json:"mad"`
	Score    float64   `json:"score"`
	Created  time.Time `json:"created"`
}

// AlertQuery lists alerts raised for days in [From, To) (zero: all).
type AlertQuery struct {
	From  time.Time `json:"from,omitzero"`
	To    time.Time `json:"to,omitzero"`
	Kind  string    `json:"kind,omitempty"`
	Limit int       `json:"limit,omitempty"` // default 100
}

// SavedSearch is a search whose daily counts the early warning watches.
type SavedSearch struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Query string `json:"query"`
}

// SearchCounter gives a saved search's document count per UTC day in [from, to)
// (one entry per day, oldest first). The search index implements it.
type SearchCounter interface {
	DailyCounts(ctx context.Context, s SavedSearch, from, to time.Time) ([]int64, error)
}

// SourcesQuery asks for source health on Day (UTC; zero: today) against the
// BaselineDays before it (default 28).
type SourcesQuery struct {
	Day          time.Time `json:"day,omitzero"`
	BaselineDays int       `json:"baseline_days,omitempty"`
}

// Source health states.
const (
	SourceOK    = "ok"
	SourceQuiet = "quiet" // far below its own baseline, or silent
	SourceHigh  = "high"  // far above its own baseline
	SourceNew   = "new"   // no baseline yet
)

// SourceHealth is one source's volume against its own baseline.
type SourceHealth struct {
	Source   string    `json:"source"`
	Platform string    `json:"platform"`
	Count    int64     `json:"count"`    // documents published on Day
	Baseline float64   `json:"baseline"` // median documents per day over the baseline
	Ratio    float64   `json:"ratio"`    // Count / Baseline (0 when no baseline)
	LastSeen time.Time `json:"last_seen"`
	Status   string    `json:"status"`
}

// AuthorPseudonym is the keyed hash under which an author appears in analytics:
// HMAC-SHA256(secret, platform ":" author id), hex. Without the deployment secret
// it cannot be reversed or recomputed from a handle.
func AuthorPseudonym(secret []byte, platform, authorID string) string {
	if authorID == "" {
		return ""
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(platform))
	m.Write([]byte{':'})
	m.Write([]byte(authorID))
	return hex.EncodeToString(m.Sum(nil))
}

// AuthorLabel is the short public label of a pseudonym ("autor-1a2b3c4d5e").
func AuthorLabel(pseudonym string) string {
	if len(pseudonym) > 10 {
		pseudonym = pseudonym[:10]
	}
	if pseudonym == "" {
		return ""
	}
	return "autor-" + pseudonym
}
