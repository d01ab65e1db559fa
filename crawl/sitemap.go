package crawl

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Sitemap is a parsed sitemap: either an index of child sitemaps or a list of pages.
type Sitemap struct {
	Children []Link // sitemap index entries (Published = lastmod)
	Pages    []Link // urlset entries (Published = news:publication_date, else lastmod)
}

// maxSitemapEntries is the protocol's limit per file.
const maxSitemapEntries = 50000

// maxGunzip bounds a decompressed sitemap (gzip bombs).
const maxGunzip = 64 << 20

// ParseSitemap reads a sitemap index, a urlset (with Google News extensions) or a
// plain-text sitemap, gzipped or not. Dates without a zone are in loc.
func ParseSitemap(body []byte, sitemapURL string, loc *time.Location) (*Sitemap, error) {
	base, err := parseURL(sitemapURL)
	if err != nil {
		return nil, err
	}
	if isGzip(body) {
		body, err = gunzip(body, maxGunzip)
		if err != nil {
			return nil, fmt.Errorf("sitemap %s: %w", sitemapURL, err)
		}
		body, _, err = decodeXML(body, "")
		if err != nil {
			return nil, fmt.Errorf("sitemap %s: %w", sitemapURL, err)
		}
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] != '<' {
		return parseTextSitemap(trimmed, base), nil
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) { return r, nil } // already UTF-8
	sm := &Sitemap{}
	var (
		inEntry  bool
		isIndex  bool
		cur      Link
		field    string
		rootSeen bool
		buf      strings.Builder
	)
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if len(sm.Pages)+len(sm.Children) > 0 {
				break // keep what was read from a truncated file
			}
			return nil, fmt.Errorf("sitemap %s: %w", sitemapURL, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if !rootSeen {
				rootSeen = true
				switch name {
				case "sitemapindex":
					isIndex = true
				case "urlset":
				default:
					return nil, fmt.Errorf("sitemap %s: root element %q is not a sitemap", sitemapURL, t.Name.Local)
				}
				continue
			}
			switch {
			case name == "url" || name == "sitemap":
				inEntry, cur = true, Link{From: "sitemap"}
			case inEntry:
				field = name
				buf.Reset()
			}
		case xml.CharData:
			if inEntry && field != "" {
				buf.Write(t)
			}
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			if inEntry && field == name {
				v := strings.TrimSpace(buf.String())
				switch name {
				case "loc":
					cur.URL = resolve(base, v)
				case "lastmod":
					if d, ok := ParseDate(v, loc); ok && cur.Published.IsZero() {
						cur.Published = d
					}
				case "publication_date":
					if d, ok := ParseDate(v, loc); ok {
						cur.Published = d // news:publication_date beats lastmod
					}
				case "title":
					cur.Title = normSpace(v)
				}
				field = ""
				continue
			}
			if name == "url" || name == "sitemap" {
				inEntry = false
				if cur.URL == "" {
					continue
				}
				if isIndex {
					sm.Children = append(sm.Children, cur)
				} else {
					sm.Pages = append(sm.Pages, cur)
				}
				if len(sm.Pages)+len(sm.Children) >= maxSitemapEntries {
					return sm, nil
				}
			}
		}
	}
	if !rootSeen {
		return nil, fmt.Errorf("sitemap %s: no xml root element", sitemapURL)
	}
	return sm, nil
}

func parseTextSitemap(body []byte, base *url.URL) *Sitemap {
	sm := &Sitemap{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 4096), 4096)
	for sc.Scan() && len(sm.Pages) < maxSitemapEntries {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "http://") && !strings.HasPrefix(line, "https://") {
			continue
		}
		if abs := resolve(base, line); abs != "" {
			sm.Pages = append(sm.Pages, Link{URL: abs, From: "sitemap"})
		}
	}
	return sm
}

func isGzip(b []byte) bool { return len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b }

// gunzip decompresses at most limit bytes; more is an error.
func gunzip(b []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, fmt.Errorf("gunzip: %w", ErrTooLarge)
	}
	return out, nil
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("parse url %q: %w", s, err)
	}
	return u, nil
}

// htmlToText flattens an HTML fragment (feed descriptions) to plain text.
func htmlToText(s string) string {
	if !strings.Contains(s, "<") && !strings.Contains(s, "&") {
		return normSpace(s)
	}
	n, err := html.Parse(strings.NewReader(s))
	if err != nil {
		return normSpace(s)
	}
	return renderText(n)
}
