package nlp

import (
	"strings"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/nlp/textfold"
)

// ccampaign is a campaign ready to match: hashtags as folded letter strings (so
// "#NadaJustifica", "#nada_justifica" and "#Nada Justifica" are one), phrases as
// patterns in the shared matcher, accounts and URLs folded.
type ccampaign struct {
	id       string
	tags     []string // folded, letters and digits only, no '#'
	phrases  *matcher
	accounts []string // folded, without '@'
	urls     []url
	from, to time.Time
	// minTag and maxTag bound the tags' lengths: a token outside them is not
	// compared with every tag (almost every token is shorter than any tag)
	minTag, maxTag int
}

// url is a campaign URL, folded, with the index of its rarest byte in
// Spanish text ('.', '/', then rare letters): the text is searched for that
// byte and each occurrence checked, instead of for the URL's first letter,
// which occurs every few bytes.
type url struct {
	s      string
	anchor int
}

// commonLetters are the letters from rare to common in folded Spanish news
// text; anchorOf prefers any other byte (punctuation, digits) to them.
const commonLetters = "wkxjzqhfyvgbpmutcldinsroae"

// anchorOf is the index of u's rarest byte.
func anchorOf(u string) int {
	best, rank := 0, len(commonLetters)+1
	for i := 0; i < len(u); i++ {
		r := strings.IndexByte(commonLetters, u[i]) // -1: not a letter, rarest
		if u[i] == ' ' {
			r = len(commonLetters)
		}
		if r < rank {
			best, rank = i, r
		}
	}
	return best
}

// index is strings.Index(ft, u.s), found through the anchor byte.
func (u url) index(ft string) int {
	if u.s == "" {
		return 0
	}
	c := u.s[u.anchor]
	for from := u.anchor; from < len(ft); {
		j := strings.IndexByte(ft[from:], c)
		if j < 0 {
			return -1
		}
		start := from + j - u.anchor
		if strings.HasPrefix(ft[start:], u.s) {
			return start
		}
		from += j + 1
	}
	return -1
}

func compileCampaigns(cs []Campaign) ([]ccampaign, error) {
	var out []ccampaign
	for _, c := range cs {
		cc := ccampaign{id: c.ID, phrases: newMatcher()}
		for _, h := range c.Hashtags {
			if t := alnum(textfold.String(h)); t != "" {
				cc.tags = append(cc.tags, t)
				if cc.minTag == 0 || len(t) < cc.minTag {
					cc.minTag = len(t)
				}
				cc.maxTag = max(cc.maxTag, len(t))
			}
		}
		for _, p := range c.Phrases {
			if _, err := cc.phrases.add(p); err != nil {
				return nil, err
			}
		}
		cc.phrases.compile()
		for _, a := range c.Accounts {
			cc.accounts = append(cc.accounts, strings.TrimPrefix(textfold.String(a), "@"))
		}
		for _, u := range c.URLs {
			f := textfold.String(u)
			cc.urls = append(cc.urls, url{s: f, anchor: anchorOf(f)})
		}
		if c.From != "" {
			cc.from, _ = time.Parse(time.DateOnly, c.From)
		}
		if c.To != "" {
			t, _ := time.Parse(time.DateOnly, c.To)
			cc.to = t.Add(24 * time.Hour)
		}
		out = append(out, cc)
	}
	return out, nil
}

func alnum(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isWordByte(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// matchCampaigns returns the campaigns d mentions, with the matched surfaces.
func matchCampaigns(cs []ccampaign, d *escucha.Document, t *text) []escucha.CampaignMatch {
	var out []escucha.CampaignMatch
	ft := t.fold.Text
	links := [2]string{d.URL, d.CanonicalURL}
	var foldedLinks [2]string
	for k, l := range links {
		if l != "" {
			foldedLinks[k] = textfold.String(l)
		}
	}
	handle := ""
	if h := strings.TrimPrefix(d.Author.Handle, "@"); h != "" {
		handle = textfold.String(h)
	}
	hasAt := strings.IndexByte(ft, '@') >= 0 // most texts mention no account
	for _, c := range cs {
		if !d.Published.IsZero() && (!c.from.IsZero() && d.Published.Before(c.from) || !c.to.IsZero() && !d.Published.Before(c.to)) {
			continue
		}
		var matched []string
		add := func(s string) {
			for _, m := range matched {
				if m == s {
					return
				}
			}
			matched = append(matched, s)
		}
		// hashtags: '#' then the tag's letters, allowing _ - . and single spaces
		// between words; the tag must end at a word boundary.
		for i := 0; i < len(ft); i++ {
			j := strings.IndexByte(ft[i:], '#')
			if j < 0 {
				break
			}
			i += j
			for _, tag := range c.tags {
				if end := matchLoose(ft, i+1, tag); end > 0 {
					s, e := t.fold.Span(i, end)
					add(t.body[s:e])
				}
			}
		}
		// run-together tag written without '#', as one word
		for _, tok := range t.toks {
			if len(tok.s) < c.minTag || len(tok.s) > c.maxTag {
				continue
			}
			for _, tag := range c.tags {
				if tok.s == tag && (tok.start == 0 || ft[tok.start-1] != '#') {
					s, e := t.fold.Span(tok.start, tok.end)
					add(t.body[s:e])
				}
			}
		}
		var hitBuf [16]hit
		for _, h := range c.phrases.scan(t.toks, hitBuf[:0]) {
			s, e := t.fold.Span(t.toks[h.first].start, t.toks[h.last-1].end)
			add(t.body[s:e])
		}
		for _, a := range c.accounts {
			if handle != "" && handle == a {
				add("@" + strings.TrimPrefix(d.Author.Handle, "@"))
			}
			if !hasAt {
				continue
			}
			at := "@" + a
			for i := strings.Index(ft, at); i >= 0; {
				end := i + 1 + len(a)
				if end == len(ft) || !isWordByte(ft[end]) {
					s, e := t.fold.Span(i, end)
					add(t.body[s:e])
				}
				next := strings.Index(ft[i+1:], at)
				if next < 0 {
					break
				}
				i += 1 + next
			}
		}
		for _, u := range c.urls {
			for k, link := range links {
				if link != "" && strings.Contains(foldedLinks[k], u.s) {
					add(link)
				}
			}
			if i := u.index(ft); i >= 0 {
				s, e := t.fold.Span(i, i+len(u.s))
				add(t.body[s:e])
			}
		}
		if len(matched) > 0 {
			out = append(out, escucha.CampaignMatch{ID: c.id, Matched: matched})
		}
	}
	return out
}

// matchLoose matches tag's letters from ft[i:], skipping separators (_ - . and one
// space) between them; it returns the end offset or -1. Only a space between two
// letters of the tag is allowed when the next letters continue the tag.
func matchLoose(ft string, i int, tag string) int {
	j := 0
	for i < len(ft) && j < len(tag) {
		c := ft[i]
		switch {
		case c == tag[j]:
			i++
			j++
		case j > 0 && (c == '_' || c == '-' || c == '.' || c == ' '):
			if i+1 < len(ft) && (ft[i+1] == ' ' || ft[i+1] == '_') {
				return -1
			}
			i++
		default:
			return -1
		}
	}
	if j < len(tag) {
		return -1
	}
	if i < len(ft) && isWordByte(ft[i]) {
		return -1
	}
	return i
}
