package nlp

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/abadojack/whatlanggo"
	"github.com/kljensen/snowball/spanish"

	"github.com/infosegura/escucha/nlp/textfold"
)

// token is a word of the folded text: s is the folded word, start/end its byte
// offsets in the folded text, sent the index of its sentence.
type token struct {
	s          string
	start, end int
	sent       int
}

// text is a document body prepared once for every matcher.
type text struct {
	body   string
	fold   *textfold.Folded
	toks   []token
	sents  []sentence
	titleN int       // bytes of the title in body (0 when there is none)
	voc    *docVocab // per-token word-cache entries (Enrich with a model), nil otherwise
	// marks and cuts are splitSentences' working tables, kept with the text so
	// that a pooled text reuses them
	marks, cuts []int
}

// sentence is a [first,last) token range and its folded byte range.
type sentence struct {
	first, last int
	start, end  int
}

// isWordByte reports whether c is a byte of a folded word (a-z, 0-9). A table:
// the test runs on every byte of every text, and a chain of comparisons on
// varying bytes is mispredicted often.
func isWordByte(c byte) bool { return wordByte[c] }

var wordByte = func() (set [256]bool) {
	for c := range set {
		b := byte(c)
		set[c] = b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
	}
	return set
}()

// sentenceByte marks the bytes splitSentences stops at: terminators, newline
// and the first byte of "…".
var sentenceByte = [256]bool{'.': true, '!': true, '?': true, '\n': true, 0xe2: true}

// prepare folds body, tokenises and splits it into sentences.
func prepare(body string, titleLen int) *text { return prepareInto(new(text), body, titleLen) }

// prepareInto is prepare into t, reusing its tables (a text from getText, or
// a new one).
func prepareInto(t *text, body string, titleLen int) *text {
	t.body, t.titleN, t.voc = body, titleLen, nil
	t.fold = textfold.FoldInto(t.fold, body)
	t.toks, t.marks = tokenizeInto(t.fold.Text, t.toks, t.marks)
	t.sents, t.cuts = splitSentences(body, t.fold, t.toks, titleLen, t.marks, t.sents, t.cuts)
	return t
}

// textPool recycles prepared texts between documents: their folded text's
// offset table, tokens, sentences and working tables (Enrich returns a text
// once the document is done; nothing keeps those tables past it, while
// strings cut from the folded text may outlive it, so the folded text itself
// is new for every document).
var textPool = sync.Pool{New: func() any { return new(text) }}

func getText() *text { return textPool.Get().(*text) }

func putText(t *text) {
	if cap(t.toks) > 1<<16 || cap(t.marks) > 1<<12 || len(t.fold.Text) > 1<<20 {
		return // do not keep a giant document's tables
	}
	*t = text{fold: t.fold, toks: t.toks[:0], sents: t.sents[:0], marks: t.marks[:0], cuts: t.cuts[:0]}
	textPool.Put(t)
}

// tokenize splits folded text into words: runs of ASCII letters and digits plus any
// non-ASCII letter that survived folding. Offsets are into the folded text.
func tokenize(s string) []token {
	toks, _ := tokenizeInto(s, nil, nil)
	return toks
}

// tokenizeInto is tokenize appending to toks[:0]; on the way it appends to
// marks[:0] the offsets of the bytes between words that may end a sentence
// (sentenceByte), so that splitSentences reads those instead of every byte.
func tokenizeInto(s string, toks []token, marks []int) ([]token, []int) {
	if toks == nil {
		toks = make([]token, 0, len(s)/5+1)
	}
	toks, marks = toks[:0], marks[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if !wordByte[c] {
			if c < utf8.RuneSelf {
				if sentenceByte[c] {
					marks = append(marks, i)
				}
				i++
				continue
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				if sentenceByte[c] {
					marks = append(marks, i)
				}
				i += n
				continue
			}
		}
		// a word starts at i: its ASCII bytes eight at a time (one load,
		// nonWordBytes), joined by any non-ASCII letter
		start := i
		for {
			for i+8 <= len(s) {
				w := s[i : i+8]
				x := uint64(w[7])<<56 | uint64(w[6])<<48 | uint64(w[5])<<40 | uint64(w[4])<<32 |
					uint64(w[3])<<24 | uint64(w[2])<<16 | uint64(w[1])<<8 | uint64(w[0])
				if other := nonWordBytes(x); other != 0 {
					i += bits.TrailingZeros64(other) / 8
					goto end
				}
				i += 8
			}
			for i < len(s) && wordByte[s[i]] {
				i++
			}
		end:
			if i == len(s) || s[i] < utf8.RuneSelf {
				break
			}
			r, n := utf8.DecodeRuneInString(s[i:])
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				break
			}
			i += n
		}
		// fields stored in place: an appended literal is built on the
		// stack and copied
		n := len(toks)
		if n == cap(toks) {
			toks = slices.Grow(toks, 1)
		}
		toks = toks[:n+1]
		t := &toks[n]
		t.s, t.start, t.end, t.sent = s[start:i], start, i, 0
	}
	return toks, marks
}

// nonWordBytes has the high bit set in every byte of x (eight bytes of text)
// that is not a wordByte: each byte tested for a-z and 0-9 by carry-free
// additions (bytes of 0x80 and above are none).
func nonWordBytes(x uint64) uint64 {
	const (
		ones = 0x0101010101010101
		high = 0x8080808080808080
	)
	y := x &^ high // seven bits a byte: adding below 0x81 never carries
	// the high bit of y+k is set where the byte is >= 0x80-k
	lower := (y + (0x80-'a')*ones) &^ (y + (0x80-'z'-1)*ones)
	digit := (y + (0x80-'0')*ones) &^ (y + (0x80-'9'-1)*ones)
	return (^(lower | digit) | x) & high
}

// abbreviations that end with a period without ending a sentence (folded).
var abbreviations = map[string]bool{
	"sr": true, "sra": true, "srta": true, "sres": true, "lic": true, "licda": true, "licdo": true,
	"dr": true, "dra": true, "ing": true, "arq": true, "prof": true, "no": true, "num": true,
	"nro": true, "km": true, "kms": true, "art": true, "arts": true, "inc": true, "gral": true,
	"cnel": true, "cap": true, "sgto": true, "sgt": true, "tte": true, "cmdte": true, "pag": true,
	"tel": true, "av": true, "ave": true, "avda": true, "col": true, "aprox": true, "depto": true,
	"dpto": true, "mpio": true, "z": true, "etc": true, "ee": true, "uu": true, "vs": true,
	"mons": true, "pbro": true, "fr": true, "sta": true, "sto": true, "ca": true, "cia": true,
	"min": true, "max": true, "mts": true, "mm": true, "cm": true, "hrs": true, "pts": true,
	"ej": true, "dip": true, "exp": true, "ref": true, "lt": true, "lts": true, "st": true,
}

// splitSentences cuts at . ! ? … and blank lines, Spanish-aware: not after known
// abbreviations, single letters (initials) or inside numbers ("3.5", "Q1.500"), and
// only when the next word starts a sentence (capital, digit, ¿, ¡, quote, dash).
// The title is always its own sentence. marks are the offsets, ascending, of
// every byte of f.Text between words that is a sentenceByte (tokenizeInto);
// a word rune starting with the first byte of "…" is none of "…". The
// sentences are appended to sents[:0]; cuts is a working table (its array is
// reused, and returned for the next call).
func splitSentences(body string, f *textfold.Folded, toks []token, titleLen int, marks []int, sents []sentence, cuts []int) ([]sentence, []int) {
	s := f.Text
	cuts = cuts[:0] // folded byte offsets where a new sentence starts
	titleCut := -1
	if titleLen > 0 && titleLen < len(body) {
		// first folded byte that maps at or after the title's end (the
		// offsets grow with i: a binary search, not a walk over the title)
		if i := sort.Search(len(s), func(i int) bool { return f.Orig(i) >= titleLen }); i < len(s) {
			titleCut = i
		}
	}
	next := 0 // marks before it were swallowed by the previous one
	for _, i := range marks {
		if i < next {
			continue
		}
		next = i + 1
		c := s[i]
		switch c {
		case '\n':
			if i+1 < len(s) && s[i+1] == '\n' {
				cuts = append(cuts, i+1)
			}
			continue
		case '.', '!', '?':
		default:
			if c == 0xe2 && strings.HasPrefix(s[i:], "…") {
				cuts = appendCut(cuts, body, f, s, i+len("…"))
				next = i + len("…")
			}
			continue
		}
		if c == '.' {
			// inside a number
			if i > 0 && i+1 < len(s) && s[i-1] >= '0' && s[i-1] <= '9' && s[i+1] >= '0' && s[i+1] <= '9' {
				continue
			}
			// abbreviation or initial before the period
			j := i
			for j > 0 && isWordByte(s[j-1]) {
				j--
			}
			w := s[j:i]
			if abbreviations[w] || (len(w) == 1 && w[0] >= 'a' && w[0] <= 'z') {
				continue
			}
		}
		// swallow repeated terminators and closing quotes/brackets
		k := i + 1
		for k < len(s) && strings.IndexByte(".!?\"')]»", s[k]) >= 0 {
			k++
		}
		cuts = appendCut(cuts, body, f, s, k)
		next = k
	}
	if titleCut >= 0 {
		cuts = append(cuts, titleCut)
	}
	sortInts(cuts)
	// assign tokens
	sents = sents[:0]
	ci := 0
	cur := sentence{first: 0, start: 0}
	for ti := range toks {
		for ci < len(cuts) && cuts[ci] <= toks[ti].start {
			if ti > cur.first {
				cur.last = ti
				cur.end = toks[ti-1].end
				sents = append(sents, cur)
				cur = sentence{first: ti, start: toks[ti].start}
			}
			ci++
		}
		toks[ti].sent = len(sents)
	}
	if len(toks) > cur.first {
		cur.last = len(toks)
		cur.end = toks[len(toks)-1].end
		sents = append(sents, cur)
	}
	return sents, cuts
}

// appendCut adds a cut at k if what follows (after spaces) starts a sentence.
func appendCut(cuts []int, body string, f *textfold.Folded, s string, k int) []int {
	j := k
	for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\r' || s[j] == '\n') {
		j++
	}
	if j == k && j < len(s) {
		return cuts // "3.5", "www.x.com": no space after the period
	}
	if j >= len(s) {
		return cuts
	}
	o := f.Orig(j)
	r, _ := utf8.DecodeRuneInString(body[o:])
	if unicode.IsUpper(r) || unicode.IsDigit(r) || strings.ContainsRune("¿¡\"'«“‘-—–(#@", r) {
		return append(cuts, j)
	}
	return cuts
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

// stemmer caches Spanish Snowball stems; safe for concurrent use. The cache stops
// growing at maxStems entries (news vocabulary saturates well below that).
type stemmer struct {
	mu sync.RWMutex
	m  map[string]string
}

const maxStems = 300_000

func (st *stemmer) stem(w string) string {
	st.mu.RLock()
	s, ok := st.m[w]
	st.mu.RUnlock()
	if ok {
		return s
	}
	s = spanish.Stem(w, true)
	st.mu.Lock()
	if st.m == nil {
		st.m = map[string]string{}
	}
	if len(st.m) < maxStems {
		st.m[strings.Clone(w)] = s
	}
	st.mu.Unlock()
	return s
}

// Language identification: a fast function-word vote decides clear cases (most
// news); whatlanggo's trigram model, restricted to likely languages, decides the rest.
var (
	stopES = wordSet("el la los las del y en que por con una un se su sus es fue para al lo como mas pero esta este sobre tras entre desde sin le les ya hasta cuando donde tambien ha han segun")
	stopEN = wordSet("the and of to in is was for on with that by from at are this were has have be it as an after their his her which who police said")
	stopPT = wordSet("nao uma com os as do da dos das em no na pelo pela foi ao aos e mais como mas seu sua ela ele tambem ja isso nos")
	stopFR = wordSet("le les des du et est une dans pour pas qui sur au avec ce il elle sont ont par plus mais")

	// stopLang[w] has bit 0 set for Spanish, 1 English, 2 Portuguese, 3 French.
	stopLang = func() map[string]uint8 {
		m := map[string]uint8{}
		for bit, set := range []map[string]bool{stopES, stopEN, stopPT, stopFR} {
			for w := range set {
				m[w] |= 1 << bit
			}
		}
		return m
	}()

	// maxStopLen is the length of the longest word in stopLang.
	maxStopLen = func() int {
		n := 0
		for w := range stopLang {
			n = max(n, len(w))
		}
		return n
	}()

	langOptions = whatlanggo.Options{Whitelist: map[whatlanggo.Lang]bool{
		whatlanggo.Spa: true, whatlanggo.Eng: true, whatlanggo.Por: true, whatlanggo.Fra: true,
		whatlanggo.Ita: true, whatlanggo.Deu: true,
	}}
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// shortStop[pairIndex(w)] is stopLang[w] for the stop words of one or two bytes,
// so that the vote reads them without a map lookup.
var shortStop = func() (t [37 * 37]uint8) {
	for w, m := range stopLang {
		if i, ok := pairIndex(w); ok {
			t[i] = m
		}
	}
	return t
}()

// pairIndex indexes a word of one or two bytes of a-z0-9; ok is false for other words.
func pairIndex(w string) (int, bool) {
	if len(w) == 0 || len(w) > 2 {
		return 0, false
	}
	c0, c1 := trieIndex(w[0]), 36
	if len(w) == 2 {
		c1 = trieIndex(w[1])
	}
	if c0 < 0 || c1 < 0 {
		return 0, false
	}
	return c0*37 + c1, true
}

// stopBits is stopLang[w], read from shortStop or the word cache (wi, nil
// without one) when it can.
func stopBits(w string, wi *wordInfo) uint8 {
	if i, ok := pairIndex(w); ok {
		return shortStop[i]
	}
	if wi != nil {
		return wi.stop
	}
	return stopLang[w]
}

// detectLang returns an ISO 639-1 code ("es", "en", …) or "" when the text has no
// words. toks are the folded tokens of the text; voc, when not nil, their
// word-cache entries.
func detectLang(body string, toks []token, voc *docVocab) string {
	if len(toks) == 0 {
		return ""
	}
	var es, en, pt, fr int
	n := min(len(toks), 300)
	for i, t := range toks[:n] {
		if len(t.s) > maxStopLen {
			continue
		}
		var wi *wordInfo
		if voc != nil {
			wi = voc.info(i)
		}
		m := stopBits(t.s, wi)
		es += int(m & 1)
		en += int(m >> 1 & 1)
		pt += int(m >> 2 & 1)
		fr += int(m >> 3 & 1)
	}
	best, second := es, max(en, pt, fr)
	if best >= 3 && best >= 2*second+1 {
		return "es"
	}
	if en >= 3 && en >= 2*max(es, pt, fr)+1 {
		return "en"
	}
	sample := body
	if len(sample) > 1200 {
		cut := 1200
		for cut > 0 && !utf8.RuneStart(sample[cut]) {
			cut--
		}
		sample = sample[:cut]
	}
	// orthography: ñ ¿ ¡ are Spanish, ã õ Portuguese, è à ù œ French
	var oes, opt, ofr int
	for _, r := range sample {
		switch r {
		case 'ñ', 'Ñ', '¿', '¡':
			oes++
		case 'ã', 'õ', 'Ã', 'Õ':
			opt++
		case 'è', 'à', 'ù', 'œ', 'È', 'À':
			ofr++
		}
	}
	if oes > 0 && opt+ofr == 0 {
		return "es"
	}
	if opt > 0 && oes == 0 {
		return "pt"
	}
	info := whatlanggo.DetectWithOptions(sample, langOptions)
	code := info.Lang.Iso6391()
	if !info.IsReliable() {
		switch {
		case es > 0 && es >= max(en, pt, fr):
			return "es"
		case code != "en" && code != "es" && opt+ofr == 0 && max(en, pt, fr) == 0:
			// a short text without evidence for another Romance language: the
			// region's prior is Spanish
			return "es"
		}
	}
	return code
}

func foldRune(r rune, dst []byte) []byte {
	if r < utf8.RuneSelf {
		c := byte(r)
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		return append(dst, c)
	}
	return textfold.FoldRune(r, dst)
}
