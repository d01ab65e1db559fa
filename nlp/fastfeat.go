package nlp

import (
	"hash/maphash"
	"math"
	"strings"
	"sync"
)

// Inference path of the model: the same features as eachFeature (whose names
// train the model), found without building or hashing names per token. Every
// folded word is looked up once per process in wordCache, which gives its stem,
// the model row of its "w:" feature and the numbers its stem has as first and
// as second stem of the model's "b:<first>_<second>" features, so a bigram is
// found by the pair of numbers, and most bigrams (a stem without a number) with
// no lookup at all. Features are de-duplicated by model row with a pooled table
// instead of a sort.

var skipInfo = wordInfo{skip: true, wRow: -1, bFirst: -1, bSecond: -1}

// wordInfo is what the model needs of one folded word.
type wordInfo struct {
	walk []int32 // the word's walk of the taxonomy matcher's trie (matcher.walk)
	skip bool    // too short, stop word or digits: no text feature
	stop uint8   // stopLang[word]: the languages the word is a function word of
	stem string  // Snowball stem ("" counts but emits nothing, as in eachFeature)
	wRow int32   // model row of "w:"+stem, -1 none
	// bFirst and bSecond number stem as the first and as the second stem of
	// the model's bigram features (fastModel.bigrams), -1 when it is none.
	bFirst, bSecond int32
}

// wordCache maps folded words to wordInfo for one model; safe for concurrent use.
// It stops growing at maxStems entries.
//
// A word is keyed by its 64-bit maphash (random seed per process), as the model
// keys features by a 64-bit hash: the map holds no strings, so a lookup reads no
// key bytes (it was the stage's most expensive line). With at most maxStems
// words the chance that two words share a key is below 3e-9 per process, and the
// seed keeps hostile text from choosing collisions.
type wordCache struct {
	mu   sync.RWMutex
	seed maphash.Seed
	m    map[uint64]int32 // hash of word -> index in list
	list []wordInfo       // append-only
}

func (c *wordCache) key(w string) uint64 { return maphash.String(c.seed, w) }

// wordShort marks a token shorter than 3 bytes with a byte outside a-z0-9:
// never a model feature, not looked up (scan walks the trie for it). The other
// short tokens ("la", "de", "y") are the first 37*37 entries of the cache list,
// at their pairIndex, filled when the model is loaded: no map lookup, and no
// trie walk per occurrence.
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

// lookup finds every token of t in the word cache: one read lock per document;
// misses are computed outside it and added under the write lock.
func (f *fastModel) lookup(t *text, stems *stemmer) *docVocab {
	v := f.vocPool.Get().(*docVocab)
	ids, miss, extra := v.ids[:0], v.miss[:0], v.extra[:0]
	f.words.mu.RLock()
	for i, tk := range t.toks {
		if len(tk.s) < 3 {
			if k, ok := pairIndex(tk.s); ok {
				ids = append(ids, int32(k))
			} else {
				ids = append(ids, wordShort)
			}
			continue
		}
		id, ok := f.words.m[f.words.key(tk.s)]
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
			h := f.words.key(t.toks[i].s)
			if id, ok := f.words.m[h]; ok { // added meanwhile, or earlier in this document
				ids[i] = id
				continue
			}
			ids[i] = int32(-2 - k)
			if len(f.words.m) >= maxStems {
				continue // full: this document keeps its own copy in extra
			}
			id := int32(len(f.words.list))
			f.words.list = append(f.words.list, extra[k])
			f.words.m[h] = id
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
	bigrams bigramIndex
	pool    sync.Pool // *featScratch
}

type featScratch struct {
	seen []uint64 // bit per model row (a bitset: 300 bytes for 2 300 rows, few cache lines)
	rows []int32  // rows set in seen, to reset
}

func newFastModel(m *Model, c *compiled) *fastModel {
	cats := c.cats
	f := &fastModel{m: m, trie: c.m, words: wordCache{seed: maphash.MakeSeed(), m: map[uint64]int32{}}}
	f.bigrams = newBigramIndex(m)
	f.rRow = make([]int32, len(cats))
	f.rkRow = make([][]int32, len(cats))
	for ci, cat := range cats {
		f.rRow[ci] = m.row(fnvString(fnvString(fnvOffset, "r:"), cat.id))
		f.rkRow[ci] = make([]int32, len(evidenceKinds))
		for k, kind := range evidenceKinds {
			f.rkRow[ci][k] = m.row(fnvString(fnvString(fnvString(fnvString(fnvOffset, "rk:"), cat.id), "_"), kind))
		}
	}
	f.words.list = shortWords(f)
	f.pool.New = func() any { return &featScratch{seen: make([]uint64, (m.rows()+63)/64)} }
	f.vocPool.New = func() any { return &docVocab{} }
	return f
}

// shortWords returns the cache entries of every word of one or two bytes of
// a-z0-9, each at its pairIndex.
func shortWords(f *fastModel) []wordInfo {
	const wordBytes = "abcdefghijklmnopqrstuvwxyz0123456789"
	list := make([]wordInfo, 37*37)
	for _, c0 := range wordBytes {
		w := string(c0)
		k, _ := pairIndex(w)
		list[k] = f.info(w, nil)
		for _, c1 := range wordBytes {
			w := string(c0) + string(c1)
			k, _ := pairIndex(w)
			list[k] = f.info(w, nil)
		}
	}
	return list
}

// bigramIndex finds the model's "b:<first>_<second>" features by their stems:
// every stem that is the first stem of one has a number in first, every second
// stem one in second, and rows maps the pair of numbers to the feature's row.
type bigramIndex struct {
	first, second map[string]int32
	rows          map[uint64]int32
}

func newBigramIndex(m *Model) bigramIndex {
	x := bigramIndex{first: map[string]int32{}, second: map[string]int32{}, rows: map[uint64]int32{}}
	add := func(ids map[string]int32, stem string) int32 {
		id, ok := ids[stem]
		if !ok {
			id = int32(len(ids))
			ids[stem] = id
		}
		return id
	}
	for _, lm := range m.Labels {
		for name := range lm.Weights {
			rest, ok := strings.CutPrefix(name, "b:")
			if !ok {
				continue
			}
			// stems are folded words: letters and digits, never "_"
			a, b, ok := strings.Cut(rest, "_")
			if !ok {
				continue
			}
			if row := m.row(fnvString(fnvOffset, name)); row >= 0 {
				x.rows[pairKey64(add(x.first, a), add(x.second, b))] = row
			}
		}
	}
	return x
}

func pairKey64(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// number is stem's number in ids, -1 none.
func (x *bigramIndex) number(ids map[string]int32, stem string) int32 {
	if id, ok := ids[stem]; ok {
		return id
	}
	return -1
}

// row is the model row of the bigram prev cur, -1 when the model has none.
func (x *bigramIndex) row(prev, cur *wordInfo) int32 {
	if prev.bFirst < 0 || cur.bSecond < 0 {
		return -1
	}
	if r, ok := x.rows[pairKey64(prev.bFirst, cur.bSecond)]; ok {
		return r
	}
	return -1
}

// row is the model row of a feature hash, -1 when the model has no weight for it.
func (m *Model) row(h uint64) int32 {
	if !m.bloomHas(h) {
		return -1
	}
	if r, ok := m.index[h]; ok {
		return int32(r)
	}
	return -1
}

func (f *fastModel) info(w string, stems *stemmer) wordInfo {
	wi := wordInfo{walk: f.trie.walk(w, nil), stop: stopLang[w], wRow: -1, bFirst: -1, bSecond: -1}
	if len(w) < 3 || stopword(w) || isDigits(w) {
		wi.skip = true
		return wi
	}
	wi.stem = stems.stem(w)
	wi.wRow = f.m.row(fnvString(fnvString(fnvOffset, "w:"), wi.stem))
	wi.bFirst = f.bigrams.number(f.bigrams.first, wi.stem)
	wi.bSecond = f.bigrams.number(f.bigrams.second, wi.stem)
	return wi
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
		if row < 0 || sc.seen[row/64]&(1<<(row%64)) != 0 {
			return
		}
		sc.seen[row/64] |= 1 << (row % 64)
		sc.rows = append(sc.rows, row)
		for ci, w := range m.weights(int(row)) {
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
				add(f.bigrams.row(prev, cur), v)
			}
		}
	}
	for ci := range out {
		out[ci] = sigmoid(out[ci])
	}
	for _, r := range sc.rows {
		sc.seen[r/64] &^= 1 << (r % 64)
	}
	sc.rows = sc.rows[:0]
	if own {
		f.release(v)
	}
	f.pool.Put(sc)
}
