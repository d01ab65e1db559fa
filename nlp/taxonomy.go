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
	// Hypothesis cues open a clause the authorities are still checking ("investiga si
	// el hombre fue asesinado", "se desconoce si"): a term at most ClauseWindow words
	// after one, in the same clause, is evidence of kind hypothesis, which does not
	// create a label on its own ("investigado como posible femicidio" is not a
	// hypothesis: the labelling guide counts it).
	Hypothesis []string `yaml:"hypothesis"`
	// HypothesisWindow is the scope of a hypothesis cue in words (default ClauseWindow).
	HypothesisWindow int `yaml:"hypothesis_window"`
	// Scope gives long articles' sentences a discourse role (see Scope).
	Scope       Scope   `yaml:"scope"`
	TitleWeight float64 `yaml:"title_weight"`
	LeadWeight  float64 `yaml:"lead_weight"`
	// LeadSentences is how many sentences after the title count as the lead.
	LeadSentences int `yaml:"lead_sentences"`
}

// Scope is evidence scoping by discourse role. In an event story (the title or the
// lead reports an event), sentences that give context — statistics, anniversaries,
// background, legal explanations — do not create a label on their own: a category
// whose evidence all comes from such sentences outside the lead (or from
// hypotheses) keeps ContextAlone of its weight. A piece whose lead is itself
// statistics, policy or a trial keeps its topic's labels. A sentence without cues
// of its own takes the context role of the previous context sentence of its
// paragraph (text with line breaks) or of the Window sentences before it (text
// without), unless it carries an event marker ("ayer", "el jueves", "la noche del").
type Scope struct {
	// ContextKinds are the evidence kinds of context sentences.
	ContextKinds []string `yaml:"context_kinds"`
	// Context cues make a sentence context without changing its kind: legal
	// explanations ("la ley establece", "tipifica"), retrospectives ("recordó el
	// caso de"), commentary.
	Context []string `yaml:"context"`
	// EventMarkers stop a sentence from inheriting a context role.
	EventMarkers []string `yaml:"event_markers"`
	// StoryReference cues point back to the story's own event ("el caso se
	// registra como feminicidio", "con este hecho suman…"): a sentence with one is
	// not context unless it is background ("el caso recuerda el de…").
	StoryReference []string `yaml:"story_reference"`
	// ContextAlone multiplies the weight of a category with only context evidence in
	// an event story; 0 or 1 turns scoping off.
	ContextAlone float64 `yaml:"context_alone"`
	// MinSentences: scoping applies to texts of at least this many sentences after
	// the title (in a short brief every sentence is part of the story).
	MinSentences int `yaml:"min_sentences"`
	// Window is how many sentences a context role carries to in text without line
	// breaks (0: none); ParagraphWindow the same within a paragraph of text with
	// them (a paragraph of a crawled page may be the whole article).
	Window          int `yaml:"window"`
	ParagraphWindow int `yaml:"paragraph_window"`
	// PassingBelow: in a piece of at least MinSentences whose lead names a crime, a
	// category the lead does not name, whose whole evidence sits in one later
	// sentence without an event marker and weighs less than this, is a passing
	// mention ("tras la masacre, varias familias abandonaron sus casas" at the end of
	// a trial story) and keeps ContextAlone of its weight; 0 turns it off.
	PassingBelow float64 `yaml:"passing_below"`
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
	// HypothesisCounts: evidence of this category inside a hypothesis counts as
	// an event (the guide counts "investigado como posible femicidio").
	HypothesisCounts bool      `yaml:"hypothesis_counts"`
	SuppressedBy     []string  `yaml:"suppressed_by"`
	SuppressBelow    float64   `yaml:"suppress_below"`
	Terms            []TermDef `yaml:"terms"`
	Figurative       []string  `yaml:"figurative"`
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
	// Critique cues talk about wording ("titulares que hablan de", "mal llamado",
	// "dejemos de llamar"): a term of the frame in a sentence with one is quoted to
	// be criticised, not used, and in a document with such a sentence every quoted
	// term of the frame is too (a column on how the press names femicides). Quoted
	// terms elsewhere are reported speech and count (a defence's "por celos").
	Critique []string `yaml:"critique"`
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
