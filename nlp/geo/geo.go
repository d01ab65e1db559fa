package geo

import (
	"fmt"
	"sync"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp/textfold"
)

// Config configures a Tagger. The zero value uses the embedded gazetteer.
type Config struct {
	// AliasesFile is an optional TSV file of extra names: "id<TAB>alias" per line,
	// where id is a gazetteer id such as "GT/0115" (see data/places.tsv). Lines
	// starting with # are comments.
	AliasesFile string
	// MaxBodyBytes caps how much of a document is read (0 = 1 MiB); the rest is
	// ignored, so a hostile giant document costs bounded time.
	MaxBodyBytes int
}

// Validate checks the configuration.
func (c Config) Validate() error {
	if c.MaxBodyBytes < 0 {
		return fmt.Errorf("geo: negative MaxBodyBytes %d", c.MaxBodyBytes)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	return c
}

// Tagger finds and resolves places. It is built once by New and is safe for
// concurrent use.
type Tagger struct {
	cfg  Config
	gaz  *gazetteer
	docs sync.Pool // *doc: per-document scratch (getDoc, putDoc)
}

// New loads the gazetteer and builds the matcher.
func New(cfg Config) (*Tagger, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	gaz, err := loadGazetteer(cfg.AliasesFile)
	if err != nil {
		return nil, fmt.Errorf("geo: load gazetteer: %w", err)
	}
	return &Tagger{cfg: cfg, gaz: gaz}, nil
}

// Tag returns the places of d: every resolved mention (role "mention") and at
// most one focus. Offsets are byte offsets into d.Body(). It reads d.Title,
// d.Text and d.SourceCountry and does not modify d.
func (t *Tagger) Tag(d *escucha.Document) []escucha.Place {
	return t.tag(d)
}

// TagFolded is Tag for a caller that has already built d.Body() and folded it
// (the NLP stage folds each body once for classification and geotagging): body
// must equal d.Body() and f textfold.Fold(body); a nil f folds here.
func (t *Tagger) TagFolded(d *escucha.Document, body string, f *textfold.Folded) []escucha.Place {
	return t.tagFolded(d, body, f, allRules)
}

var _ = escucha.RoleFocus
