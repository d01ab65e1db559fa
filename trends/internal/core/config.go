package core

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/infosegura/escucha"
)

// Config configures a trends store. The zero value plus an AuthorSecret works.
type Config struct {
	// AuthorSecret keys the HMAC under which authors are stored (the deployment
	// secret, at least 16 bytes). Empty: the store generates one at first start and
	// keeps it in its settings table (docs/trends.md: set it in production).
	AuthorSecret []byte
	// Weights of the territorial prioritisation index; zero: DefaultWeights.
	Weights escucha.PriorityWeights
	// Alerts configures the early warning.
	Alerts AlertConfig
	// Now is the clock (tests pin it); default time.Now.
	Now func() time.Time
	// Compaction of the ClickHouse documents table (docs/trends.md): a month
	// partition whose newest part is older than CompactQuiet is merged to one
	// version per document, after which queries read it without FINAL. Write
	// checks at most every CompactEvery and compacts in the background.
	// Defaults 10 min and 5 min; CompactEvery < 0 turns the automatic check off
	// (Compact can still be called). DuckDB has nothing to compact.
	CompactQuiet time.Duration
	CompactEvery time.Duration
}

// AlertConfig configures the early warning and source health.
type AlertConfig struct {
	BaselineDays int           // days before the day under test; default 28
	MinCount     int64         // a day needs at least this many documents to alert; default 5
	Threshold    float64       // robust score needed to alert; default 3.5
	CoolDown     time.Duration // no new alert for the same key within this; default 72h
	// QuietRatio flags a source as quiet when its day is below this fraction of its
	// baseline median; default 0.25. QuietDays flags a source not seen for this long.
	QuietRatio float64
	QuietDays  int // default 7
	// WebhookURL, when set, receives each new alert batch as a JSON POST.
	WebhookURL string
	HTTPClient *http.Client // default: 10 s timeout
	// Searches are saved searches watched through Counter (both optional).
	Searches []escucha.SavedSearch
	Counter  escucha.SearchCounter
}

// DefaultWeights are the prioritisation weights used when none are configured.
func DefaultWeights() escucha.PriorityWeights {
	return escucha.PriorityWeights{
		Volume: 0.4, Growth: 0.3, Severity: 0.3,
		Category: map[string]float64{
			escucha.CatHomicidio: 3, escucha.CatFemicidio: 3, escucha.CatDesaparicion: 2.5,
			escucha.CatTrataPersonas: 2.5, escucha.CatViolenciaSexual: 2.5,
			escucha.CatViolenciaContraMujer: 2, escucha.CatViolenciaIntrafamiliar: 2,
			escucha.CatExtorsion: 2, escucha.CatCrimenOrganizado: 2,
			escucha.CatDesplazamiento: 2, escucha.CatRobo: 1, escucha.CatCiberdelito: 1,
		},
	}
}

// WithDefaults fills zero fields.
func (c Config) WithDefaults() Config {
	if c.Weights.Volume == 0 && c.Weights.Growth == 0 && c.Weights.Severity == 0 {
		cat := c.Weights.Category
		c.Weights = DefaultWeights()
		if cat != nil {
			c.Weights.Category = cat
		}
	}
	a := &c.Alerts
	if a.BaselineDays <= 0 {
		a.BaselineDays = 28
	}
	if a.MinCount <= 0 {
		a.MinCount = 5
	}
	if a.Threshold <= 0 {
		a.Threshold = 3.5
	}
	if a.CoolDown <= 0 {
		a.CoolDown = 72 * time.Hour
	}
	if a.QuietRatio <= 0 {
		a.QuietRatio = 0.25
	}
	if a.QuietDays <= 0 {
		a.QuietDays = 7
	}
	if a.HTTPClient == nil {
		a.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.CompactQuiet <= 0 {
		c.CompactQuiet = 10 * time.Minute
	}
	if c.CompactEvery == 0 {
		c.CompactEvery = 5 * time.Minute
	}
	return c
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	var errs []error
	if n := len(c.AuthorSecret); n > 0 && n < 16 {
		errs = append(errs, errors.New("author secret must be at least 16 bytes"))
	}
	if err := ValidateWeights(c.Weights); err != nil {
		errs = append(errs, err)
	}
	if c.Alerts.WebhookURL != "" {
		u, err := url.Parse(c.Alerts.WebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("bad webhook url %q", c.Alerts.WebhookURL))
		}
	}
	if len(c.Alerts.Searches) > 0 && c.Alerts.Counter == nil {
		errs = append(errs, errors.New("saved searches configured without a search counter"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("trends config: %w", err)
	}
	return nil
}

// ValidateWeights checks prioritisation weights: none negative, some positive.
func ValidateWeights(w escucha.PriorityWeights) error {
	if w.Volume < 0 || w.Growth < 0 || w.Severity < 0 {
		return errors.New("priority weights must not be negative")
	}
	if w.Volume+w.Growth+w.Severity == 0 {
		return errors.New("priority weights are all zero")
	}
	for k, v := range w.Category {
		if v < 0 {
			return fmt.Errorf("severity weight of %s is negative", k)
		}
	}
	return nil
}
