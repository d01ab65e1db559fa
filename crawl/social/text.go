package social

import (
	"math"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// htmlText turns an HTML fragment (a Mastodon status, a Telegram message) into
// plain text: entities decoded, <br> a newline, paragraphs and blocks separated by
// a blank line, scripts, styles and other non-text elements dropped, spaces
// collapsed. The result is text, not markup: whoever displays it must escape it.
func htmlText(fragment string) string {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(fragment), ctx)
	if err != nil {
		return cleanText(fragment)
	}
	var w textWriter
	for _, n := range nodes {
		w.node(n)
	}
	return w.String()
}

// nodeText is htmlText for an already-parsed node.
func nodeText(n *html.Node) string {
	var w textWriter
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
	return w.String()
}

type textWriter struct {
	b       strings.Builder
	pending int // newlines owed before the next text
	space   bool
}

func (w *textWriter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.text(n.Data)
		return
	case html.ElementNode:
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.node(c)
		}
		return
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Template, atom.Noscript, atom.Iframe, atom.Object,
		atom.Svg, atom.Math, atom.Head, atom.Title, atom.Select, atom.Button, atom.Input, atom.Textarea:
		return
	case atom.Br:
		w.newline(1)
		return
	case atom.Img:
		// Emoji images carry the emoji in alt (Telegram, custom Mastodon emoji).
		for _, a := range n.Attr {
			if a.Key == "alt" {
				w.text(a.Val)
			}
		}
		return
	}
	block := isBlock(n.DataAtom)
	if block {
		w.newline(2)
	}
	if n.DataAtom == atom.Li {
		w.newline(1)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
	if block {
		w.newline(2)
	}
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.P, atom.Div, atom.Blockquote, atom.Pre, atom.H1, atom.H2, atom.H3, atom.H4,
		atom.H5, atom.H6, atom.Ul, atom.Ol, atom.Table, atom.Tr, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Figure, atom.Hr:
		return true
	}
	return false
}

func (w *textWriter) newline(n int) {
	if w.b.Len() == 0 {
		return
	}
	w.pending = max(w.pending, n)
	w.space = false
}

func (w *textWriter) text(s string) {
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' {
			if w.b.Len() > 0 && w.pending == 0 {
				w.space = true
			}
			continue
		}
		if r == 0 || (unicode.IsControl(r) && r != '\t') {
			continue
		}
		if w.pending > 0 {
			w.b.WriteString(strings.Repeat("\n", w.pending))
			w.pending = 0
		} else if w.space {
			w.b.WriteByte(' ')
		}
		w.space = false
		w.b.WriteRune(r)
	}
}

func (w *textWriter) String() string { return w.b.String() }

// cleanText drops control characters and invalid UTF-8 from plain text and trims it.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
	return strings.TrimSpace(s)
}

// parseCount reads the counts platforms and exports print: "1234", "1,234",
// "1.234" (thousands), "1.2K", "3,4K", "2M", "1.1B", "15 mil". ok is false when s is
// not a count at all (so a missing figure is never a silent zero).
func parseCount(s string) (int64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", " "))
	if s == "" {
		return 0, false
	}
	mult := 1.0
	low := strings.ToLower(s)
	for _, suf := range []struct {
		s string
		m float64
	}{{" mil", 1e3}, {"k", 1e3}, {"m", 1e6}, {"b", 1e9}} {
		if strings.HasSuffix(low, suf.s) {
			mult = suf.m
			s = strings.TrimSpace(s[:len(s)-len(suf.s)])
			break
		}
	}
	if s == "" {
		return 0, false
	}
	if mult == 1 {
		// Whole counts: thousands separators "," "." or space.
		digits := strings.Map(func(r rune) rune {
			if r == ',' || r == '.' || r == ' ' || r == '\'' {
				return -1
			}
			return r
		}, s)
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n < 0 {
			return 0, false
		}
		return n, true
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f*mult > math.MaxInt64/2 {
		return 0, false
	}
	return int64(math.Round(f * mult)), true
}

// langCode reduces a language tag ("es-419", "pt_BR", "ES") to its ISO 639 code.
func langCode(tag string) string {
	tag = strings.TrimSpace(tag)
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	tag = strings.ToLower(tag)
	if len(tag) < 2 || len(tag) > 3 {
		return ""
	}
	for _, r := range tag {
		if r < 'a' || r > 'z' {
			return ""
		}
	}
	return tag
}
