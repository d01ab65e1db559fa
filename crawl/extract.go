package crawl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"
	"github.com/markusmobius/go-trafilatura"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Article is what Extract reads from one page.
type Article struct {
	Title     string
	Text      string
	Author    string
	Lang      string
	Canonical string // the page's own canonical URL (rel=canonical, og:url), absolute; "" when absent
	AMP       string // rel=amphtml, absolute
	Published time.Time
	// DateSource says where Published came from: jsonld, meta, time, text, url (feed
	// dates are added by the crawler).
	DateSource string
	// Typed is true when the page says it is an article (JSON-LD article type or
	// og:type article).
	Typed bool
	// Links are the page's same-site links, absolute, in document order (used for
	// section pages).
	Links []string
}

// LooksLikeArticle reports whether the page reads as a news article rather than a
// section, tag or home page.
func (a *Article) LooksLikeArticle(minChars int) bool {
	n := utf8.RuneCountInString(a.Text)
	if n < minChars {
		return false
	}
	return a.Typed || !a.Published.IsZero() || n >= 3*minChars
}

// maxExtractBytes bounds the HTML handed to the parser (the fetcher bounds bodies
// already; this protects direct callers).
const maxExtractBytes = 8 << 20

// Extract reads an article from a UTF-8 HTML page fetched from pageURL. Dates without
// a zone are read in loc. Trust order for the date: JSON-LD, article/OpenGraph meta,
// <time datetime>, a date written in a byline element, the URL.
func Extract(body []byte, pageURL string, loc *time.Location) (*Article, error) {
	if len(body) > maxExtractBytes {
		body = body[:maxExtractBytes]
	}
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, fmt.Errorf("extract: page url: %w", err)
	}
	root, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("extract: parse html: %w", err)
	}
	doc := goquery.NewDocumentFromNode(root)
	a := &Article{}
	ld := readJSONLD(doc)
	meta := readMeta(doc)

	a.Typed = ld.typed || strings.EqualFold(meta["og:type"], "article")

	// Title: JSON-LD headline, og:title, the first <h1>, <title>.
	site := firstNonEmpty(meta["og:site_name"], ld.publisher)
	a.Title = cleanTitle(firstNonEmpty(ld.headline, meta["og:title"], meta["twitter:title"],
		textOf(doc.Find("article h1, main h1, h1").First()), textOf(doc.Find("title").First())), site)

	a.Author = firstNonEmpty(ld.author, notURL(meta["author"]), notURL(meta["article:author"]),
		notURL(meta["parsely-author"]), notURL(meta["dc.creator"]),
		bylineOf(doc.Find(`[itemprop="author"] [itemprop="name"], [itemprop="author"], [rel="author"], .author-name, .autor, .author, .byline, .firma`)))
	a.Author = cleanAuthor(a.Author)

	a.Lang = normLang(firstNonEmpty(ld.lang, attr(doc.Find("html").First(), "lang"), meta["og:locale"],
		meta["content-language"], meta["language"], meta["dc.language"]))

	if c := resolve(base, attr(doc.Find(`link[rel="canonical"]`).First(), "href")); c != "" {
		a.Canonical = c
	} else if c := resolve(base, meta["og:url"]); c != "" {
		a.Canonical = c
	}
	if a.Canonical != "" {
		if cu, err := url.Parse(a.Canonical); err != nil || !sameSite(cu.Hostname(), base.Hostname()) {
			a.Canonical = "" // a page may not claim another outlet's URL
		}
	}
	a.AMP = resolve(base, attr(doc.Find(`link[rel="amphtml"]`).First(), "href"))

	a.Published, a.DateSource = pickDate(doc, ld, meta, pageURL, loc)

	a.Links = sameSiteLinks(doc, base)

	text, err := mainText(root, base)
	if err != nil {
		return a, nil //nolint:nilerr // a page without main text is still a page (title, date, links)
	}
	a.Text = dropLeadingTitle(text, a.Title)
	if a.Lang == "" {
		a.Lang = guessLang(a.Text)
	}
	return a, nil
}

// mainText runs go-trafilatura (see docs/crawl.md for the measurement that chose it)
// and renders its content tree as paragraphs separated by blank lines.
func mainText(root *html.Node, base *url.URL) (string, error) {
	res, err := trafilatura.ExtractDocument(root, trafilatura.Options{
		OriginalURL:     base,
		ExcludeComments: true,
		PruneSelector:   boilerplateSelector,
		EnableFallback:  true,
		HtmlDateMode:    trafilatura.Disabled,
		Focus:           trafilatura.Balanced,
	})
	if err != nil {
		return "", err
	}
	if res.ContentNode == nil {
		return normSpace(res.ContentText), nil
	}
	return renderText(res.ContentNode), nil
}

// renderText writes the text of n with block elements as paragraphs.
func renderText(n *html.Node) string {
	var paras []string
	var cur strings.Builder
	flush := func() {
		if s := normSpace(cur.String()); s != "" {
			paras = append(paras, s)
		}
		cur.Reset()
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			cur.WriteString(n.Data)
			return
		case html.ElementNode:
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Template:
				return
			case atom.Br:
				cur.WriteByte(' ')
				return
			}
		}
		block := n.Type == html.ElementNode && isBlock(n.DataAtom, n.Data)
		if block {
			flush()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			flush()
		}
	}
	walk(n)
	flush()
	return strings.Join(paras, "\n\n")
}

func isBlock(a atom.Atom, name string) bool {
	switch a {
	case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Li,
		atom.Blockquote, atom.Pre, atom.Tr, atom.Table, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd, atom.Figure,
		atom.Figcaption, atom.Main, atom.Aside, atom.Body:
		return true
	}
	return name == "head" || name == "list" || name == "item" || name == "quote" // trafilatura's own tags
}

// boilerplateSelector prunes what trafilatura's English-trained rules miss on
// Spanish-language CMSs: comment, related-news, newsletter, cookie and sharing blocks.
const boilerplateSelector = `[class*="comentario"], [id*="comentario"], [class*="comment"], [id*="comment"], ` +
	`[class*="relacionad"], [class*="related"], [class*="newsletter"], [class*="boletin"], ` +
	`[class*="cookie"], [id*="cookie"], [class*="share"], [class*="compartir"], [class*="social"], ` +
	`[class*="publicidad"], [class*="advert"], [class*="banner"], [class*="suscri"], [class*="lea-tambien"], ` +
	`[class*="leer-mas"], [class*="tags"], [class*="etiquetas"], nav, footer, aside, form, iframe`

var spaceRe = regexp.MustCompile(`\s+`)

func normSpace(s string) string { return strings.TrimSpace(spaceRe.ReplaceAllString(s, " ")) }

// ldInfo is what the crawler reads from JSON-LD.
type ldInfo struct {
	typed     bool
	headline  string
	published string
	author    string
	lang      string
	publisher string
}

var articleTypes = map[string]bool{"newsarticle": true, "article": true, "reportagenewsarticle": true,
	"blogposting": true, "analysisnewsarticle": true, "opinionnewsarticle": true,
	"reviewnewsarticle": true, "backgroundnewsarticle": true, "liveblogposting": true,
	"socialmediaposting": false}

var trailingComma = regexp.MustCompile(`,\s*([}\]])`)

func readJSONLD(doc *goquery.Document) ldInfo {
	var out ldInfo
	var webpage ldInfo
	doc.Find(`script[type="application/ld+json"]`).Each(func(_ int, s *goquery.Selection) {
		raw := strings.TrimSpace(s.Text())
		raw = strings.TrimSuffix(strings.TrimPrefix(raw, "<!--"), "-->")
		raw = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(raw), "//<![CDATA["), "//]]>")
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			// Real CMSs emit trailing commas and raw newlines inside strings.
			fixed := trailingComma.ReplaceAllString(raw, "$1")
			fixed = strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(fixed)
			if json.Unmarshal([]byte(fixed), &v) != nil {
				return
			}
		}
		for _, obj := range ldObjects(v, 0) {
			types := ldTypes(obj["@type"])
			isArticle, isPage := false, false
			for _, t := range types {
				if articleTypes[t] {
					isArticle = true
				}
				if t == "webpage" || t == "itempage" {
					isPage = true
				}
			}
			target := &webpage
			if isArticle {
				if out.typed {
					continue // the first article object wins (later ones are often "related")
				}
				target = &out
				out.typed = true
			} else if !isPage {
				continue
			}
			target.headline = firstNonEmpty(target.headline, str(obj["headline"]), str(obj["name"]))
			target.published = firstNonEmpty(target.published, str(obj["datePublished"]), str(obj["dateCreated"]))
			target.author = firstNonEmpty(target.author, ldName(obj["author"]), ldName(obj["creator"]))
			target.lang = firstNonEmpty(target.lang, str(obj["inLanguage"]))
			target.publisher = firstNonEmpty(target.publisher, ldName(obj["publisher"]))
		}
	})
	if !out.typed {
		// A WebPage object is weaker evidence but still better than meta for dates.
		webpage.typed = false
		return webpage
	}
	return out
}

// ldObjects flattens arrays, @graph and mainEntity into a list of objects.
func ldObjects(v any, depth int) []map[string]any {
	if depth > 4 {
		return nil
	}
	switch x := v.(type) {
	case []any:
		var out []map[string]any
		for _, e := range x {
			out = append(out, ldObjects(e, depth+1)...)
		}
		return out
	case map[string]any:
		out := []map[string]any{x}
		if g, ok := x["@graph"]; ok {
			out = append(out, ldObjects(g, depth+1)...)
		}
		if m, ok := x["mainEntity"]; ok {
			out = append(out, ldObjects(m, depth+1)...)
		}
		return out
	}
	return nil
}

func ldTypes(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{strings.ToLower(x)}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, strings.ToLower(s))
			}
		}
		return out
	}
	return nil
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		if len(x) > 0 {
			return str(x[0])
		}
	}
	return ""
}

func ldName(v any) string {
	switch x := v.(type) {
	case string:
		return notURL(x)
	case map[string]any:
		return str(x["name"])
	case []any:
		var names []string
		for _, e := range x {
			if n := ldName(e); n != "" {
				names = append(names, n)
			}
		}
		return strings.Join(names, ", ")
	}
	return ""
}

// readMeta collects <meta> name/property/itemprop → content, lower-case keys, first wins.
func readMeta(doc *goquery.Document) map[string]string {
	m := map[string]string{}
	doc.Find("meta").Each(func(_ int, s *goquery.Selection) {
		content, ok := s.Attr("content")
		if !ok {
			return
		}
		content = strings.TrimSpace(content)
		for _, k := range []string{"property", "name", "itemprop", "http-equiv"} {
			if key, ok := s.Attr(k); ok {
				key = strings.ToLower(strings.TrimSpace(key))
				if _, dup := m[key]; !dup && content != "" {
					m[key] = content
				}
			}
		}
	})
	return m
}

var metaDateKeys = []string{"article:published_time", "og:article:published_time",
	"article.published", "datepublished", "published_time", "publishdate", "pubdate",
	"publish-date", "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.created",
	"dc.date", "date", "cxenseparse:recs:publishtime", "og:published_time"}

var dateClass = `[class*="fecha"], [class*="date"], [class*="publicad"], [class*="published"], [class*="time"], [id*="fecha"], .meta, .byline`

// pickDate applies the trust order. It returns the zero time and "" when no date is found.
func pickDate(doc *goquery.Document, ld ldInfo, meta map[string]string, pageURL string, loc *time.Location) (time.Time, string) {
	if t, ok := ParseDate(ld.published, loc); ok {
		return t, "jsonld"
	}
	for _, k := range metaDateKeys {
		if t, ok := ParseDate(meta[k], loc); ok {
			return t, "meta"
		}
	}
	var found time.Time
	doc.Find(`[itemprop="datePublished"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		for _, v := range []string{attr(s, "datetime"), attr(s, "content")} {
			if t, ok := ParseDate(v, loc); ok {
				found = t
				return false
			}
		}
		return true
	})
	if !found.IsZero() {
		return found, "meta"
	}
	// <time>: prefer one marked pubdate or inside the article.
	doc.Find(`time[pubdate], article time, main time, time`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if t, ok := ParseDate(attr(s, "datetime"), loc); ok {
			found = t
			return false
		}
		if t, ok := ParseDate(textOf(s), loc); ok {
			found = t
			return false
		}
		return true
	})
	if !found.IsZero() {
		return found, "time"
	}
	doc.Find(dateClass).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		txt := textOf(s)
		if len(txt) > 200 {
			return true
		}
		if t, ok := ParseDate(txt, loc); ok {
			found = t
			return false
		}
		return true
	})
	if !found.IsZero() {
		return found, "text"
	}
	if t, ok := dateFromURL(pageURL, loc); ok {
		return t, "url"
	}
	return time.Time{}, ""
}

func sameSiteLinks(doc *goquery.Document, base *url.URL) []string {
	var out []string
	seen := map[string]bool{}
	doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
		if len(out) >= 2000 {
			return
		}
		abs := resolve(base, attr(s, "href"))
		if abs == "" || seen[abs] {
			return
		}
		u, err := url.Parse(abs)
		if err != nil || !sameSite(u.Hostname(), base.Hostname()) {
			return
		}
		seen[abs] = true
		out = append(out, abs)
	})
	return out
}

func resolve(base *url.URL, ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || strings.HasPrefix(ref, "#") || len(ref) > 2048 {
		return ""
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ""
	}
	abs := base.ResolveReference(r)
	if abs.Scheme != "http" && abs.Scheme != "https" {
		return ""
	}
	abs.Fragment = ""
	return abs.String()
}

func attr(s *goquery.Selection, name string) string {
	v, _ := s.Attr(name)
	return strings.TrimSpace(v)
}

// bylineOf reads the first short byline: an element's own text when it wraps more
// (unclosed bylines in div soup swallow the article).
func bylineOf(sel *goquery.Selection) string {
	var out string
	sel.EachWithBreak(func(_ int, s *goquery.Selection) bool {
		t := textOf(s)
		if utf8.RuneCountInString(t) > 120 {
			var own strings.Builder
			for c := s.Nodes[0].FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode {
					own.WriteString(c.Data)
				}
			}
			t = normSpace(own.String())
		}
		if t != "" && utf8.RuneCountInString(t) <= 120 {
			out = t
			return false
		}
		return true
	})
	return out
}

func textOf(s *goquery.Selection) string { return normSpace(s.Text()) }

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func notURL(s string) string {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return ""
	}
	return s
}

var byPrefix = regexp.MustCompile(`(?i)^(por|by|redacci[oó]n:)\s+`)

// dropLeadingTitle removes the headline when the extractor kept it as the first
// paragraph (Document.Body puts the title first already).
func dropLeadingTitle(text, title string) string {
	first, rest, ok := strings.Cut(text, "\n\n")
	if !ok {
		return text
	}
	if title != "" && strings.EqualFold(normSpace(first), normSpace(title)) {
		return rest
	}
	return text
}

func cleanAuthor(s string) string {
	s = normSpace(s)
	s = byPrefix.ReplaceAllString(s, "")
	if utf8.RuneCountInString(s) > 120 {
		return ""
	}
	return s
}

// cleanTitle drops a " | Site" or " - Site" suffix naming the outlet.
func cleanTitle(title, site string) string {
	title = normSpace(title)
	for _, sep := range []string{" | ", " - ", " — ", " – ", " :: "} {
		i := strings.LastIndex(title, sep)
		if i <= 0 {
			continue
		}
		suffix := strings.TrimSpace(title[i+len(sep):])
		if (site != "" && strings.EqualFold(suffix, site)) || (site == "" && utf8.RuneCountInString(suffix) <= 30 && i > 20) {
			return strings.TrimSpace(title[:i])
		}
	}
	return title
}

func normLang(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.IndexAny(s, "-_"); i > 0 {
		s = s[:i]
	}
	if len(s) != 2 && len(s) != 3 {
		return ""
	}
	return s
}

var (
	esWords = []string{" el ", " la ", " de ", " que ", " los ", " las ", " del ", " por ", " con ", " una ", " para ", " se "}
	enWords = []string{" the ", " of ", " and ", " to ", " in ", " is ", " that ", " for ", " with ", " was "}
)

// guessLang tells Spanish from English by stop words; "" when unsure. The NLP stage
// does real language identification; this only fills pages that declare nothing.
func guessLang(text string) string {
	if len(text) > 4000 {
		text = text[:4000]
	}
	t := " " + strings.ToLower(text) + " "
	count := func(ws []string) int {
		n := 0
		for _, w := range ws {
			n += strings.Count(t, w)
		}
		return n
	}
	es, en := count(esWords), count(enWords)
	switch {
	case es >= 5 && es > 2*en:
		return "es"
	case en >= 5 && en > 2*es:
		return "en"
	}
	return ""
}
