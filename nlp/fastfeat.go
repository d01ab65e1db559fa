package nlp

import (
	"math"
	"strings"
	"sync"
)

// Inference path of the model: the same features as eachFeature (whose names
// train the model), found without building or hashing names per token. Every
// folded word is looked up once per process in wordCache, which gives its stem,
// the model row of its "w:" feature and the FNV state of "b:<stem>_", so a
// bigram's hash is one short FNV pass over the second stem. Features are
// de-duplicated by model row with a pooled table instead of a sort.

var skipInfo = wordInfo{skip: true, wRow: -1}

// wordInfo is what the model needs of one folded word.
type wordInfo struct {
	skip bool   // too short, stop word or digits: no text feature
	stem string // Snowball stem ("" counts but emits nothing, as in eachFeature)
	wRow int32  // model row of "w:"+stem, -1 none
	bPre uint64 // FNV-1a state after "b:"+stem+"_"
}

// wordCache maps folded words to wordInfo for one model; safe for concurrent use.
// It stops growing at maxStems entries.
type wordCache struct {
	mu   sync.RWMutex
	m    map[string]int32 // word -> index in list; wordSkip for words that are never features
	list []wordInfo       // append-only
}

const wordSkip = -1

// fastModel holds the precomputed rows of the rule features and the pools.
type fastModel struct {
	m      *Model
	words  wordCache
	rRow   []int32   // per compiled category: row of "r:"+id, -1 none
	rkRow  [][]int32 // per compiled category and evidence kind: row of "rk:"+id+"_"+kind
	bStart uint64    // FNV state after "b:"
	pool   sync.Pool // *featScratch
}

type featScratch struct {
	seen  []bool  // by model row
	rows  []int32 // rows set in seen, to reset
	ids   []int32 // per token: index in wordCache.list, wordSkip, or -2-k for extra[k]
	miss  []int
	extra []wordInfo // words of this document the full cache does not keep
}

func newFastModel(m *Model, cats []ccat) *fastModel {
	f := &fastModel{m: m, words: wordCache{m: map[string]int32{}}, bStart: fnvString(fnvOffset, "b:")}
	f.rRow = make([]int32, len(cats))
	f.rkRow = make([][]int32, len(cats))
	for ci, cat := range cats {
		f.rRow[ci] = m.row(fnvString(fnvString(fnvOffset, "r:"), cat.id))
		f.rkRow[ci] = make([]int32, len(evidenceKinds))
		for k, kind := range evidenceKinds {
			f.rkRow[ci][k] = m.row(fnvString(fnvString(fnvString(fnvString(fnvOffset, "rk:"), cat.id), "_"), kind))
		}
	}
	f.pool.New = func() any { return &featScratch{seen: make([]bool, len(m.w))} }
	return f
}

// row is the model row of a feature hash, -1 when the model has no weight for it.
func (m *Model) row(h uint64) int32 {
	if b := h % modelBloomBits; m.has[b/64]&(1<<(b%64)) == 0 {
		return -1
	}
	if r, ok := m.index[h]; ok {
		return int32(r)
	}
	return -1
}

func (f *fastModel) info(w string, stems *stemmer) wordInfo {
	if len(w) < 3 || stopword(w) || isDigits(w) {
		return wordInfo{skip: true, wRow: -1}
	}
	st := stems.stem(w)
	return wordInfo{
		stem: st,
		wRow: f.m.row(fnvString(fnvString(fnvOffset, "w:"), st)),
		bPre: fnvString(fnvString(f.bStart, st), "_"),
	}
}

// predict writes the model's probability of every category (order
// escucha.Categories) into out; the same result as
// m.predict(e.hashedFeatures(t, a), out) up to float rounding.
func (f *fastModel) predict(t *text, a *analysis, cats []ccat, stems *stemmer, out []float64) {
	m := f.m
	for ci := range out {
		out[ci] = m.bias[ci]
	}
	sc := f.pool.Get().(*featScratch)
	add := func(row int32, v float64) {
		if row < 0 || sc.seen[row] {
			return
		}
		sc.seen[row] = true
		sc.rows = append(sc.rows, row)
		for ci, w := range m.w[row] {
			out[ci] += float64(w) * v
		}
	}
	for ci := range cats {
		if a.raw[ci] > 0 {
			add(f.rRow[ci], ruleScore(a.raw[ci]))
		}
		for k, kind := range evidenceKinds {
			if w := a.kinds[ci][kind]; w > 0 {
				add(f.rkRow[ci][k], ruleScore(w))
			}
		}
	}
	// word infos: one read lock per document; misses are computed outside it
	// and added under the write lock
	ids, miss, extra := sc.ids[:0], sc.miss[:0], sc.extra[:0]
	f.words.mu.RLock()
	for i, tk := range t.toks {
		if len(tk.s) < 3 { // never a feature: no lookup for "la", "de", "en" …
			ids = append(ids, wordSkip)
			continue
		}
		id, ok := f.words.m[tk.s]
		if !ok {
			miss = append(miss, i)
		}
		ids = append(ids, id)
	}
	list := f.words.list
	f.words.mu.RUnlock()
	if len(miss) > 0 {
		for _, i := range miss {
			extra = append(extra, f.info(t.toks[i].s, stems))
		}
		f.words.mu.Lock()
		for k, i := range miss {
			w := t.toks[i].s
			if id, ok := f.words.m[w]; ok { // added meanwhile, or earlier in this document
				ids[i] = id
				continue
			}
			ids[i] = int32(-2 - k)
			if len(f.words.m) >= maxStems {
				continue // full: this document keeps its own copy in extra
			}
			id := int32(wordSkip)
			if !extra[k].skip {
				id = int32(len(f.words.list))
				f.words.list = append(f.words.list, extra[k])
			}
			// the token is a substring of the folded body: keep a copy, not the body
			f.words.m[strings.Clone(w)] = id
			ids[i] = id
		}
		list = f.words.list
		f.words.mu.Unlock()
	}
	info := func(i int) *wordInfo {
		switch id := ids[i]; {
		case id >= 0:
			return &list[id]
		case id == wordSkip:
			return &skipInfo
		default:
			return &extra[-2-id]
		}
	}
	n := 0
	for i := range ids {
		if !info(i).skip {
			n += 2
		}
	}
	if n > 0 {
		v := 1 / math.Sqrt(float64(n))
		var prev *wordInfo
		for i := range ids {
			cur := info(i)
			if i > 0 {
				prev = info(i - 1)
			}
			if cur.skip || cur.stem == "" {
				continue
			}
			add(cur.wRow, v)
			if i > 0 && t.toks[i-1].sent == t.toks[i].sent && !prev.skip && prev.stem != "" {
				add(m.row(fnvString(prev.bPre, cur.stem)), v)
			}
		}
	}
	for ci := range out {
		out[ci] = sigmoid(out[ci])
	}
	for _, r := range sc.rows {
		sc.seen[r] = false
	}
	sc.rows = sc.rows[:0]
	sc.ids, sc.miss, sc.extra = ids[:0], miss[:0], extra[:0]
	if cap(sc.ids) > 1<<16 {
		sc.ids, sc.miss, sc.extra = nil, nil, nil // do not keep a giant document's tables
	}
	f.pool.Put(sc)
}
