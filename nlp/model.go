package nlp

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/infosegura/escucha"
)

//go:embed model.json.gz
var defaultModel []byte

// ModelFormat is the version of the model file layout; Load refuses other formats.
const ModelFormat = 1

// Model is a per-category logistic regression over the document's word stems,
// stem bigrams and the rule scores of every category (stacking: the model learns
// how far to trust each rule score and corrects it with vocabulary).
type Model struct {
	Format   int                    `json:"format"`
	Version  string                 `json:"version"`
	Trained  time.Time              `json:"trained"`
	Docs     int                    `json:"docs"`
	Taxonomy string                 `json:"taxonomy"` // taxonomy version it was trained with
	Labels   map[string]*LabelModel `json:"labels"`

	index map[uint64]int // hash of feature name → row of w
	// has is a one-hash Bloom filter of index's keys: most bigrams of a text
	// have no weight and are rejected without a map lookup.
	has []uint64
	// w holds the weights row after row, stride floats per row (len(cats)
	// padded to a 64-byte cache line): one contiguous block, so a feature's
	// weights are one cache line, not a pointer away nor across two lines.
	w      []float32
	stride int
	bias   []float64
	cats   []string
}

// LabelModel holds one category's weights (only the non-negligible ones).
type LabelModel struct {
	Bias    float64            `json:"bias"`
	Weights map[string]float64 `json:"weights"`
}

// LoadModel reads a gzip'd JSON model; path "" is the embedded default.
func LoadModel(path string) (*Model, error) {
	b := defaultModel
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read model: %w", err)
		}
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("read model %q: %w", path, err)
	}
	var m Model
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		return nil, fmt.Errorf("decode model %q: %w", path, err)
	}
	if m.Format != ModelFormat {
		return nil, fmt.Errorf("model %q: format %d, want %d", path, m.Format, ModelFormat)
	}
	m.build()
	return &m, nil
}

// build makes the dense lookup used at inference.
func (m *Model) build() {
	m.cats = slices.Clone(escucha.Categories)
	m.bias = make([]float64, len(m.cats))
	// one row per feature name, in a fixed order: the rule features first
	// (every scored document reads some), then the word and bigram features
	var names []string
	for ci, c := range m.cats {
		lm := m.Labels[c]
		if lm == nil {
			m.bias[ci] = -10 // a category the model never saw stays off unless rules say so
			continue
		}
		m.bias[ci] = lm.Bias
		for f := range lm.Weights {
			names = append(names, f)
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := strings.HasPrefix(a, "r"), strings.HasPrefix(b, "r"); ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	names = slices.Compact(names)
	m.index = make(map[uint64]int, len(names))
	for _, f := range names {
		h := fnvString(fnvOffset, f)
		if _, dup := m.index[h]; !dup {
			m.index[h] = len(m.index)
		}
	}
	m.stride = len(m.cats)
	if m.stride <= rowFloats {
		m.stride = rowFloats
	}
	m.w = make([]float32, len(m.index)*m.stride)
	for ci, c := range m.cats {
		if lm := m.Labels[c]; lm != nil {
			for f, w := range lm.Weights {
				m.weights(m.index[fnvString(fnvOffset, f)])[ci] = float32(w)
			}
		}
	}
	// about 16 bits per feature (a false positive costs one map lookup in
	// 30): small enough to stay in cache while a document is scored
	bits := uint64(1 << 12)
	for bits < 16*uint64(len(m.index)) {
		bits *= 2
	}
	m.has = make([]uint64, bits/64)
	for h := range m.index {
		m.bloomSet(h)
	}
}

// bloomSet and bloomHas are the one-hash Bloom filter of the feature hashes
// (len(has)*64 is a power of two).
func (m *Model) bloomSet(h uint64) {
	b := h & uint64(len(m.has)*64-1)
	m.has[b/64] |= 1 << (b % 64)
}

func (m *Model) bloomHas(h uint64) bool {
	b := h & uint64(len(m.has)*64-1)
	return m.has[b/64]&(1<<(b%64)) != 0
}

// rowFloats is the float32s of a 64-byte cache line: rows of up to that many
// categories are padded to it (the block starts on a page, as Go allocates
// large objects, so every row sits in one line).
const rowFloats = 16

// rows is the number of feature rows; weights(row) their weights by category.
func (m *Model) rows() int { return len(m.w) / m.stride }

func (m *Model) weights(row int) []float32 {
	at := row * m.stride
	return m.w[at : at+len(m.cats) : at+len(m.cats)]
}

// Write saves the model gzip'd.
func (m *Model) Write(w io.Writer) error {
	zw := gzip.NewWriter(w)
	enc := json.NewEncoder(zw)
	if err := enc.Encode(m); err != nil {
		return fmt.Errorf("encode model: %w", err)
	}
	return zw.Close()
}

// feature is one (name, value) pair of a document vector.
type feature struct {
	name string
	v    float64
}

// hfeature is a feature by the FNV-1a hash of its name.
type hfeature struct {
	h uint64
	v float64
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// predict returns the probability of every category (order escucha.Categories).
func (m *Model) predict(fs []hfeature, out []float64) {
	for ci := range out {
		out[ci] = m.bias[ci]
	}
	for _, f := range fs {
		row, ok := m.index[f.h]
		if !ok {
			continue
		}
		for ci, w := range m.weights(row) {
			out[ci] += float64(w) * f.v
		}
	}
	for ci := range out {
		out[ci] = sigmoid(out[ci])
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// TrainOptions tunes Train.
type TrainOptions struct {
	Epochs  int     // default 40
	Rate    float64 // default 0.2
	L2      float64 // default 1e-3
	MinDocs int     // text features seen in fewer documents are dropped; default 2
	Seed    uint64
	Version string
}

// example is a training document: its features and gold categories.
type example struct {
	fs   []feature
	gold map[string]bool
}

// train fits one logistic regression per category by SGD with L2.
func train(exs []example, taxVersion string, o TrainOptions) *Model {
	if o.Epochs <= 0 {
		o.Epochs = 40
	}
	if o.Rate <= 0 {
		o.Rate = 0.2
	}
	if o.L2 <= 0 {
		o.L2 = 1e-3
	}
	if o.MinDocs <= 0 {
		o.MinDocs = 2
	}
	df := map[string]int{}
	for _, e := range exs {
		for _, f := range e.fs {
			df[f.name]++
		}
	}
	keep := func(name string) bool { return name[0] == 'r' || df[name] >= o.MinDocs }
	names := make([]string, 0, len(df))
	for n := range df {
		if keep(n) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	idx := make(map[string]int, len(names))
	for i, n := range names {
		idx[n] = i
	}
	type sparse struct {
		i []int
		v []float64
	}
	xs := make([]sparse, len(exs))
	for k, e := range exs {
		for _, f := range e.fs {
			if j, ok := idx[f.name]; ok {
				xs[k].i = append(xs[k].i, j)
				xs[k].v = append(xs[k].v, f.v)
			}
		}
	}
	m := &Model{Format: ModelFormat, Version: o.Version, Trained: time.Now().UTC().Truncate(time.Second),
		Docs: len(exs), Taxonomy: taxVersion, Labels: map[string]*LabelModel{}}
	rng := rand.New(rand.NewPCG(o.Seed, 7))
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	for _, cat := range escucha.Categories {
		pos := 0
		for _, e := range exs {
			if e.gold[cat] {
				pos++
			}
		}
		if pos == 0 {
			continue
		}
		posW := math.Min(4, math.Sqrt(float64(len(exs)-pos)/float64(pos)))
		w := make([]float64, len(names))
		b := 0.0
		for ep := range o.Epochs {
			rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
			lr := o.Rate / (1 + 0.1*float64(ep))
			for _, k := range order {
				x := xs[k]
				z := b
				for t, j := range x.i {
					z += w[j] * x.v[t]
				}
				y, cw := 0.0, 1.0
				if exs[k].gold[cat] {
					y, cw = 1, posW
				}
				g := (sigmoid(z) - y) * cw
				for t, j := range x.i {
					w[j] -= lr * (g*x.v[t] + o.L2*w[j])
				}
				b -= lr * g
			}
		}
		lm := &LabelModel{Bias: round4(b), Weights: map[string]float64{}}
		for j, v := range w {
			if math.Abs(v) >= 0.005 {
				lm.Weights[names[j]] = round4(v)
			}
		}
		m.Labels[cat] = lm
	}
	m.build()
	return m
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
