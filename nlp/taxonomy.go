package nlp

import (
	_ "embed"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/infosegura/escucha"
)

//go:embed taxonomy.yaml
var defaultTaxonomy []byte

// Taxonomy is the analyst-editable YAML file: categories with lexicons and
// thresholds, context cues, framing and campaigns. See taxonomy.yaml.
type Taxonomy struct {
	Version string `yaml:"version"`
	// Lexicons are named pattern lists that with/without may reference as "@name".
	Lexicons   map[string][]string `yaml:"lexicons"`
	Cues       Cues                `yaml:"cues"`
	Categories []CategoryDef       `yaml:"categories"`
	Framing    []FrameDef          `yaml:"framing"`
	Campaigns  []Campaign          `yaml:"campaigns"`
}

// Cues qualify a match by its sentence: negation before it (within Window tokens,
// not across Boundary words or , ; :), or a sentence about statistics, an
// anniversary, a topic (law, trial, protest) or a background mention.
type Cues struct {
	Negation []string `yaml:"negation"`
	Window   int      `yaml:"window"`
	// ClauseNegation cues deny a whole subordinate clause ("descartó que la muerte
	// de la joven fuera un femicidio"): their scope is ClauseWindow words, with the
	// same boundaries as Negation.
	ClauseNegation []string           `yaml:"clause_negation"`
	ClauseWindow   int                `yaml:"clause_window"`
	Boundary       []string           `yaml:"boundary"`
	Statistic      []string           `yaml:"statistic"`
	Anniversary    []string           `yaml:"anniversary"`
	Topic          []string           `yaml:"topic"`
	Background     []string           `yaml:"background"`
	KindWeight     map[string]float64 `yaml:"kind_weight"`
	// FictionTitle: a title with one of these (review, film, series, novel) makes
	// every match of the document background.
	FictionTitle []string `yaml:"fiction_title"`
	// ScareQuoteWords: a term inside quotes spanning at most this many words is
	// taken as figurative and ignored; 0 turns the rule off.
	ScareQuoteWords  int      `yaml:"scare_quote_words"`
	ScareQuoteExempt []string `yaml:"scare_quote_exempt"`
	TitleWeight      float64  `yaml:"title_weight"`
	LeadWeight       float64  `yaml:"lead_weight"`
	// LeadSentences is how many sentences after the title count as the lead.
	LeadSentences int `yaml:"lead_sentences"`
}

// CategoryDef is one category: its terms, figurative senses that cancel a term
// they cover, the threshold on the final score and categories it implies.
type CategoryDef struct {
	ID        string   `yaml:"id"`
	Name      string   `yaml:"name"`
	Threshold float64  `yaml:"threshold"`
	Implies   []string `yaml:"implies"`
	// SuppressedBy drops this category when one of these is assigned and this
	// category's rule weight is below SuppressBelow (non-lethal violence against
	// women is part of a femicide story unless the piece is also about it).
	SuppressedBy  []string  `yaml:"suppressed_by"`
	SuppressBelow float64   `yaml:"suppress_below"`
	Terms         []TermDef `yaml:"terms"`
	Figurative    []string  `yaml:"figurative"`
}

// TermDef is a pattern with a weight; With requires one of its patterns in the
// same sentence, Without forbids all of its patterns there, WithDoc requires one
// of its patterns anywhere in the document.
type TermDef struct {
	P       string   `yaml:"p"`
	W       float64  `yaml:"w"`
	With    []string `yaml:"with"`
	Without []string `yaml:"without"`
	// WithDoc requires one of its patterns anywhere in the document.
	WithDoc []string `yaml:"with_doc"`
	// Lang is the language of the term: "es" (default) or "en" (English news of
	// Belize); a document is matched only by the terms of its language.
	Lang string `yaml:"lang"`
	// WithoutDoc forbids its patterns anywhere in the document.
	WithoutDoc []string `yaml:"without_doc"`
}

// FrameDef is a framing of violence-against-women coverage. It is assigned only to
// documents carrying one of Requires (when set).
type FrameDef struct {
	ID        string    `yaml:"id"`
	Threshold float64   `yaml:"threshold"`
	Requires  []string  `yaml:"requires"`
	Terms     []TermDef `yaml:"terms"`
}

// Campaign is a configured campaign: hashtags (matched split or run together,
// accents and case ignored), phrases, official accounts, landing URLs and an
// optional date range (YYYY-MM-DD) outside which documents are not matched.
type Campaign struct {
	ID       string   `yaml:"id"`
	Name     string   `yaml:"name"`
	Hashtags []string `yaml:"hashtags"`
	Phrases  []string `yaml:"phrases"`
	Accounts []string `yaml:"accounts"`
	URLs     []string `yaml:"urls"`
	From     string   `yaml:"from"`
	To       string   `yaml:"to"`
}

// LoadTaxonomy reads a taxonomy file; path "" is the embedded default.
func LoadTaxonomy(path string) (*Taxonomy, error) {
	b := defaultTaxonomy
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read taxonomy: %w", err)
		}
	}
	return ParseTaxonomy(b)
}

// ParseTaxonomy decodes and validates a taxonomy.
func ParseTaxonomy(b []byte) (*Taxonomy, error) {
	var t Taxonomy
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("parse taxonomy: %w", err)
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

// Validate checks ids, thresholds and every pattern.
func (t *Taxonomy) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for _, c := range t.Categories {
		if !slices.Contains(escucha.Categories, c.ID) {
			errs = append(errs, fmt.Errorf("unknown category id %q", c.ID))
		}
		if seen[c.ID] {
			errs = append(errs, fmt.Errorf("duplicate category %q", c.ID))
		}
		seen[c.ID] = true
		if c.Threshold < 0 || c.Threshold > 1 {
			errs = append(errs, fmt.Errorf("category %s: threshold %v outside [0,1]", c.ID, c.Threshold))
		}
		for _, im := range c.Implies {
			if !slices.Contains(escucha.Categories, im) {
				errs = append(errs, fmt.Errorf("category %s implies unknown %q", c.ID, im))
			}
		}
	}
	for _, c := range t.Campaigns {
		if c.ID == "" {
			errs = append(errs, errors.New("campaign without id"))
		}
		for _, d := range []string{c.From, c.To} {
			if d != "" {
				if _, err := time.Parse(time.DateOnly, d); err != nil {
					errs = append(errs, fmt.Errorf("campaign %s: date %q: %w", c.ID, d, err))
				}
			}
		}
	}
	// compiling checks every pattern and lexicon reference
	if _, err := compileTaxonomy(t); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("taxonomy: %w", err)
	}
	return nil
}
