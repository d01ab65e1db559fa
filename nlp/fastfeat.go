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

// wordInfo is what the model and the pattern scan need of one folded word.
// 24 bytes and no pointers (the cache used to hold 64-byte entries with a slice
// and a string): more entries per cache line, and the garbage collector does
// not scan the cache.
type wordInfo struct {
	// walkAt and walkLen place the word's walk of the taxonomy matcher's trie
	// (matcher.walk) in the walks of the cache (or of the document, for a word
	// the full cache does not keep): see docVocab.walk.
	walkAt  uint32
	walkLen uint16 // at most the trie's depth + 1 (maxTrieNodes fits uint16)
	skip    bool   // too short, stop word or digits: no text feature
	stop    uint8  // stopLang[word]: the languages the word is a function word of
	wRow    int32  // model row of "w:"+stem, -1 none
	// bFirst and bSecond number the stem as the first and as the second stem
	// of the model's bigram features (fastModel.bigrams), -1 when it is none.
	bFirst, bSecond int32
	// emptyStem: Snowball gave "" (counts but emits nothing, as in eachFeature)
	emptyStem bool
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
	mu    sync.RWMutex
	seed  maphash.Seed
	m     wordTable  // hash of word -> index in list
	list  []wordInfo // append-only
	walks []int32    // append-only: the entries' walks, one after the other
}

func (c *wordCache) key(w string) uint64 { return maphash.String(c.seed, w) }

// wordTable maps a word's hash to its index in the cache list: open addressing
// with linear probing, key and value in one 16-byte slot, so that a lookup
// reads one cache line (a Go map reads a control word, then a slot).
type wordTable struct {
	slots []wordSlot // len a power of two, at most 3/4 full
	n     int
}

type wordSlot struct {
	h  uint64
	id int32 // index + 1; 0 marks an empty slot
}

func (t *wordTable) get(h uint64) (int32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.id == 0 {
			return 0, false
		}
		if s.h == h {
			return s.id - 1, true
		}
	}
}

func (t *wordTable) put(h uint64, id int32) {
	if 4*(t.n+1) > 3*len(t.slots) {
		old := t.slots
		t.slots, t.n = make([]wordSlot, max(1024, 2*len(old))), 0
		for _, s := range old {
			if s.id != 0 {
				t.put(s.h, s.id-1)
			}
		}
	}
	mask := uint64(len(t.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.id == 0 {
			*s = wordSlot{h: h, id: id + 1}
			t.n++
			return
		}
		if s.h == h {
			s.id = id + 1
			return
		}
	}
}

// wordShort marks a token shorter than 3 bytes with a byte outside a-z0-9:
// never a model feature, not looked up (scan walks the trie for it). The other
// short tokens ("la", "de", "y") are the first 37*37 entries of the cache list,
// at their pairIndex, filled when the model is loaded: no map lookup, and no
// trie walk per occurrence.
const wordShort = -1

// docVocab is the per-token lookup of one document, shared by the pattern scan
// and the model: ids[i] indexes list (a snapshot of the cache), is wordShort,
// or is -2-k for extra[k] (a word the full cache does not keep). walks and
// extraWalks hold the walks of list's and of extra's entries.
type docVocab struct {
	ids        []int32
	list       []wordInfo
	walks      []int32
	extra      []wordInfo
	extraWalks []int32
	miss       []int
}

// walk is token i's walk of the matcher's trie, ok false for a short token.
func (v *docVocab) walk(i int) (walk []int32, ok bool) {
	id := v.ids[i]
	switch {
	case id >= 0:
		wi := &v.list[id]
		return v.walks[wi.walkAt : wi.walkAt+uint32(wi.walkLen)], true
	case id == wordShort:
		return nil, false
	default:
		wi := &v.extra[-2-id]
		return v.extraWalks[wi.walkAt : wi.walkAt+uint32(wi.walkLen)], true
	}
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
	ids, miss, extra, extraWalks := v.ids[:0], v.miss[:0], v.extra[:0], v.extraWalks[:0]
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
		id, ok := f.words.m.get(f.words.key(tk.s))
		if !ok {
			miss = append(miss, i)
		}
		ids = append(ids, id)
	}
	list, walks := f.words.list, f.words.walks
	f.words.mu.RUnlock()
	if len(miss) > 0 {
		for _, i := range miss {
			var wi wordInfo
			wi, extraWalks = f.info(t.toks[i].s, stems, extraWalks)
			extra = append(extra, wi)
		}
		f.words.mu.Lock()
		for k, i := range miss {
			h := f.words.key(t.toks[i].s)
			if id, ok := f.words.m.get(h); ok { // added meanwhile, or earlier in this document
				ids[i] = id
				continue
			}
			ids[i] = int32(-2 - k)
			if f.words.m.n >= maxStems {
				continue // full: this document keeps its own copy in extra
			}
			id := int32(len(f.words.list))
			wi := extra[k]
			walk := extraWalks[wi.walkAt : wi.walkAt+uint32(wi.walkLen)]
			wi.walkAt = uint32(len(f.words.walks))
			f.words.walks = append(f.words.walks, walk...)
			f.words.list = append(f.words.list, wi)
			f.words.m.put(h, id)
			ids[i] = id
		}
		list, walks = f.words.list, f.words.walks
		f.words.mu.Unlock()
	}
	v.ids, v.list, v.walks, v.extra, v.extraWalks, v.miss = ids, list, walks, extra, extraWalks, miss
	return v
}

func (f *fastModel) release(v *docVocab) {
	if v == nil {
		return
	}
	v.list, v.walks = nil, nil
	v.ids, v.extra, v.extraWalks, v.miss = v.ids[:0], v.extra[:0], v.extraWalks[:0], v.miss[:0]
	if cap(v.ids) > 1<<16 || cap(v.extraWalks) > 1<<16 {
		v.ids, v.extra, v.extraWalks, v.miss = nil, nil, nil, nil // do not keep a giant document's tables
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
	seen []uint64  // bit per model row (a bitset: 300 bytes for 2 300 rows, few cache lines)
	rows []int32   // rows set in seen, in the order the features came
	vals []float64 // vals[k] is the value of the feature of rows[k]
}

func newFastModel(m *Model, c *compiled) *fastModel {
	cats := c.cats
	f := &fastModel{m: m, trie: c.m, words: wordCache{seed: maphash.MakeSeed()}}
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
	f.words.list, f.words.walks = shortWords(f)
	f.pool.New = func() any { return &featScratch{seen: make([]uint64, (m.rows()+63)/64)} }
	f.vocPool.New = func() any { return &docVocab{} }
	return f
}

// shortWords returns the cache entries of every word of one or two bytes of
// a-z0-9, each at its pairIndex, and their walks.
func shortWords(f *fastModel) ([]wordInfo, []int32) {
	const wordBytes = "abcdefghijklmnopqrstuvwxyz0123456789"
	list := make([]wordInfo, 37*37)
	var walks []int32
	for _, c0 := range wordBytes {
		w := string(c0)
		k, _ := pairIndex(w)
		list[k], walks = f.info(w, nil, walks)
		for _, c1 := range wordBytes {
			w := string(c0) + string(c1)
			k, _ := pairIndex(w)
			list[k], walks = f.info(w, nil, walks)
		}
	}
	return list, walks
}

// bigramIndex finds the model's "b:<first>_<second>" features by their stems:
// every stem that is the first stem of one has a number in first, every second
// stem one in second, and rows maps the pair of numbers (pairKey64, mixed by
// pairSlot) to the feature's row: the word cache's table, one slot read per
// bigram of two numbered stems instead of a Go map's control word and slot.
type bigramIndex struct {
	first, second map[string]int32
	rows          wordTable
}

func newBigramIndex(m *Model) bigramIndex {
	x := bigramIndex{first: map[string]int32{}, second: map[string]int32{}}
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
				x.rows.put(pairSlot(add(x.first, a), add(x.second, b)), row)
			}
		}
	}
	return x
}

func pairKey64(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

// pairSlot is pairKey64(a, b) mixed so that its low bits (a wordTable's slot)
// depend on both numbers: a multiplication by an odd constant and an
// xor-shift, both invertible, so two pairs never share a key.
func pairSlot(a, b int32) uint64 {
	h := pairKey64(a, b) * 0x9e3779b97f4a7c15
	return h ^ h>>29
}

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
	if r, ok := x.rows.get(pairSlot(prev.bFirst, cur.bSecond)); ok {
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

// info computes w's cache entry, appending its walk to walks.
func (f *fastModel) info(w string, stems *stemmer, walks []int32) (wordInfo, []int32) {
	at := len(walks)
	walks = f.trie.walk(w, walks)
	wi := wordInfo{walkAt: uint32(at), walkLen: uint16(len(walks) - at), stop: stopLang[w], wRow: -1, bFirst: -1, bSecond: -1}
	if len(w) < 3 || stopword(w) || isDigits(w) {
		wi.skip = true
		return wi, walks
	}
	stem := stems.stem(w)
	wi.emptyStem = stem == ""
	wi.wRow = f.m.row(fnvString(fnvString(fnvOffset, "w:"), stem))
	wi.bFirst = f.bigrams.number(f.bigrams.first, stem)
	wi.bSecond = f.bigrams.number(f.bigrams.second, stem)
	return wi, walks
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
	// the features' rows are listed first and their weights added after, in
	// the same order (the same sums, bit for bit): a weight row is a cache
	// miss more often than not, and in a loop that does nothing else the
	// loads of the next rows start while the previous ones are on their way.
	// Listing first also lets one pass over the tokens both count the text
	// features (their value, 1/sqrt(count), is known only at the end) and
	// list them.
	add := func(row int32, v float64) {
		if row < 0 || sc.seen[row/64]&(1<<(row%64)) != 0 {
			return
		}
		sc.seen[row/64] |= 1 << (row % 64)
		sc.rows = append(sc.rows, row)
		sc.vals = append(sc.vals, v)
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
	nRule := len(sc.rows) // the rows after these are text features
	v, own := t.voc, false
	if v == nil {
		v, own = f.lookup(t, stems), true
	}
	n := 0            // 2 per token with a text feature (eachFeature's count)
	prev := &skipInfo // token i-1's entry
	for i := range v.ids {
		cur := v.info(i)
		if cur == nil {
			cur = &skipInfo
		}
		if !cur.skip {
			n += 2
			if !cur.emptyStem {
				add(cur.wRow, 0)
				if !prev.skip && !prev.emptyStem && t.toks[i-1].sent == t.toks[i].sent {
					add(f.bigrams.row(prev, cur), 0)
				}
			}
		}
		prev = cur
	}
	vals := sc.vals[:len(sc.rows)]
	if n > 0 {
		textV := 1 / math.Sqrt(float64(n))
		for k := nRule; k < len(vals); k++ {
			vals[k] = textV
		}
	}
	for k, row := range sc.rows {
		ws := m.weights(int(row))
		o := out[:len(ws)] // the same length: no bounds test per weight
		v := vals[k]
		for ci, w := range ws {
			o[ci] += float64(w) * v
		}
	}
	for ci := range out {
		out[ci] = sigmoid(out[ci])
	}
	for _, r := range sc.rows {
		sc.seen[r/64] &^= 1 << (r % 64)
	}
	sc.rows, sc.vals = sc.rows[:0], sc.vals[:0]
	if own {
		f.release(v)
	}
	f.pool.Put(sc)
}
