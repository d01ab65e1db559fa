package crawl

import (
	"bytes"
	"fmt"
	"mime"
	"regexp"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// charsetHeader carries the charset the server declared: the transport moves it here
// so that colly does not convert the body itself (it would convert feeds whose XML
// declaration then lies about the encoding).
const charsetHeader = "X-Escucha-Charset"

var (
	metaCharset     = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)`)
	xmlDeclEncoding = regexp.MustCompile(`(?i)^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._:-]+)(["'])`)
	boms            = []struct {
		bom  []byte
		name string
	}{
		{[]byte{0xEF, 0xBB, 0xBF}, "utf-8"},
		{[]byte{0xFE, 0xFF}, "utf-16be"},
		{[]byte{0xFF, 0xFE}, "utf-16le"},
	}
)

// decodeHTML returns body as UTF-8. Order: byte-order mark, the charset the server
// declared, a <meta charset> in the first 1024 bytes, then UTF-8 if the whole body is
// valid UTF-8, else Windows-1252 (the WHATWG superset of ISO-8859-1). A page that
// declares UTF-8 but is not valid UTF-8 is read as Windows-1252: Central American
// sites that moved CMS often keep the old Latin-1 bytes under a new header.
func decodeHTML(body []byte, declared string) ([]byte, string, error) {
	name := sniff(body, declared, func(b []byte) string {
		if m := metaCharset.FindSubmatch(b); m != nil {
			return string(m[1])
		}
		return ""
	})
	return convert(body, name)
}

// decodeXML is decodeHTML for feeds and sitemaps: the XML declaration takes the place
// of <meta charset>, and the declaration is rewritten to say UTF-8 afterwards.
func decodeXML(body []byte, declared string) ([]byte, string, error) {
	name := sniff(body, declared, func(b []byte) string {
		if m := xmlDeclEncoding.FindSubmatch(b); m != nil {
			return string(m[2])
		}
		return ""
	})
	out, name, err := convert(body, name)
	if err != nil {
		return nil, name, err
	}
	out = xmlDeclEncoding.ReplaceAll(out, []byte("${1}UTF-8${3}"))
	return out, name, nil
}

func sniff(body []byte, declared string, inDocument func([]byte) string) string {
	for _, b := range boms {
		if bytes.HasPrefix(body, b.bom) {
			return b.name
		}
	}
	if declared != "" {
		if _, name := charset.Lookup(declared); name != "" {
			return name
		}
	}
	head := body
	if len(head) > 4096 {
		head = head[:4096] // the spec says 1024; real CMSs put scripts first
	}
	if n := inDocument(head); n != "" {
		if _, name := charset.Lookup(n); name != "" {
			return name
		}
	}
	if utf8.Valid(body) {
		return "utf-8"
	}
	return "windows-1252"
}

func convert(body []byte, name string) ([]byte, string, error) {
	if name == "utf-8" {
		body = bytes.TrimPrefix(body, boms[0].bom)
		if utf8.Valid(body) {
			return body, name, nil
		}
		name = "windows-1252"
	}
	var enc encoding.Encoding = charmap.Windows1252
	if name != "windows-1252" {
		e, n := charset.Lookup(name)
		if e == nil {
			return nil, name, fmt.Errorf("unknown charset %q", name)
		}
		enc, name = e, n
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), body)
	if err != nil {
		return nil, name, fmt.Errorf("decode %s: %w", name, err)
	}
	return out, name, nil
}

// declaredCharset extracts the charset parameter of a Content-Type value.
func declaredCharset(contentType string) string {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return params["charset"]
}
