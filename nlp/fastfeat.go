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
	walk []int32 // the word's walk of the taxonomy matcher's trie (matcher.walk)
	skip bool    // too short, stop word or digits: no text feature
	stem string  // Snowball stem ("" counts but emits nothing, as in eachFeature)
	wRow int32   // model row of "w:"+stem, -1 none
	bPre uint64  // FNV-1a state after "b:"+stem+"_"
}

// wordCache maps folded words to wordInfo for one model; safe for concurrent use.
// It stops growing at maxStems entries.
type wordCache struct {
	mu   sync.RWMutex
	m    map[string]int32 // word -> index in list
	list []wordInfo       // append-only
}

// wordShort marks a token shorter than 3 bytes: never a model feature, not
// looked up (its trie walk is one or two steps).
const wordShort = -1

// docVocab is the per-token lookup of one document, shared by the pattern scan
// and the model: ids[i] indexes list (a snapshot of the cache), is wordShort,
// or is -2-k for extra[k] (a word the full cache does not keep).
type docVocab struct {
	ids   []int32
	list  []wordInfo
	extra []wordInfo
	miss  []int
}

// info is token i's wordInfo, nil for a short token.
func (v *docVocab) info(i int) *wordInfo {
	switch id := v.ids[i]; {
	case id >= 0:
		return &v.list[id]
	case id == wordShort:
		return nil
	default:
		return &v.extra[-2-id]
	}
}

// walks gives scanWalks the cached trie walks.
func (v *docVocab) walks(i int) ([]int32, bool) {
	if wi := v.info(i); wi != nil {
		return wi.walk, true
	}
	return nil, false
}

// lookup finds every token of t in the word cache: one read lock per document;
// misses are computed outside it and added under the write lock.
func (f *fastModel) lookup(t *text, stems *stemmer) *docVocab {
	v := f.vocPool.Get().(*docVocab)
	ids, miss, extra := v.ids[:0], v.miss[:0], v.extra[:0]
	f.words.mu.RLock()
	for i, tk := range t.toks {
		if len(tk.s) < 3 {
			ids = append(ids, wordShort)
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
			id := int32(len(f.words.list))
			f.words.list = append(f.words.list, extra[k])
			// the token is a substring of the folded body: keep a copy, not the body
			f.words.m[strings.Clone(w)] = id
			ids[i] = id
		}
		list = f.words.list
		f.words.mu.Unlock()
	}
	v.ids, v.list, v.extra, v.miss = ids, list, extra, miss
	return v
}

func (f *fastModel) release(v *docVocab) {
	if v == nil {
		return
	}
	v.list = nil
	v.ids, v.extra, v.miss = v.ids[:0], v.extra[:0], v.miss[:0]
	if cap(v.ids) > 1<<16 {
		v.ids, v.extra, v.miss = nil, nil, nil // do not keep a giant document's tables
	}
	f.vocPool.Put(v)
}

// fastModel holds the precomputed rows of the rule features and the pools.
type fastModel struct {
	m       *Model
	trie    *matcher  // the taxonomy's matcher: words cache their walk of its trie
	vocPool sync.Pool // *docVocab
	words   wordCache
	rRow    []int32   // per compiled category: row of "r:"+id, -1 none
	rkRow   [][]int32 // per compiled category and evidence kind: row of "rk:"+id+"_"+kind
	bStart  uint64    // FNV state after "b:"
	pool    sync.Pool // *featScratch
}

type featScratch struct {
	seen []bool  // by model row
	rows []int32 // rows set in seen, to reset
}

func newFastModel(m *Model, c *compiled) *fastModel {
	cats := c.cats
	f := &fastModel{m: m, trie: c.m, words: wordCache{m: map[string]int32{}}, bStart: fnvString(fnvOffset, "b:")}
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
	f.vocPool.New = func() any { return &docVocab{} }
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
	walk := f.trie.walk(w, nil)
	if len(w) < 3 || stopword(w) || isDigits(w) {
		return wordInfo{walk: walk, skip: true, wRow: -1}
	}
	st := stems.stem(w)
	return wordInfo{
		walk: walk,
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
		for k := range evidenceKinds {
			if w := a.kinds[ci][k]; w > 0 {
				add(f.rkRow[ci][k], ruleScore(w))
			}
		}
	}
	v, own := t.voc, false
	if v == nil {
		v, own = f.lookup(t, stems), true
	}
	ids := v.ids
	info := func(i int) *wordInfo {
		if wi := v.info(i); wi != nil {
			return wi
		}
		return &skipInfo
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
	if own {
		f.release(v)
	}
	f.pool.Put(sc)
}
