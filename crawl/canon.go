package crawl

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

// trackingParams are query parameters that identify a campaign or a visitor, not a page.
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gclsrc": true, "msclkid": true,
	"yclid": true, "igshid": true, "mc_cid": true, "mc_eid": true, "_ga": true, "_gl": true,
	"ref": true, "ref_src": true, "ref_url": true, "cmpid": true, "ocid": true, "mkt_tok": true,
	"s_cid": true, "spm": true, "__twitter_impression": true, "amp": true, "amp_js_v": true,
	"usqp": true, "outputtype": true, "fb_action_ids": true,
	"fb_action_types": true, "fb_source": true, "share": true, "wt_mc": true,
	// session identifiers: a page under a session id is the same page.
	"sid": true, "sessionid": true, "session_id": true, "phpsessid": true,
	"jsessionid": true, "aspsessionid": true, "cfid": true, "cftoken": true,
}

// trackingPrefixes are parameter-name prefixes that are always tracking.
var trackingPrefixes = []string{"utm_", "pk_", "mtm_", "hsa_", "__hs", "oly_", "vero_", "_hs"}

var jsessionPath = regexp.MustCompile(`(?i);(jsessionid|sid|phpsessid)=[^/?#]*`)

// Canonicalize returns the canonical form of a page URL: lower-case scheme and
// host, default port dropped, fragment dropped, tracking and session parameters
// removed, remaining parameters sorted, AMP variants (/amp, /amp/, .amp, ?amp,
// amp. hosts) mapped to the page itself, and an empty path written as "/".
// It returns "" for URLs that are not http(s).
func Canonicalize(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	host = strings.TrimSuffix(host, ".")
	if strings.HasPrefix(host, "amp.") {
		host = "www." + strings.TrimPrefix(host, "amp.")
	}
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	u.Host = host
	if port != "" {
		u.Host = host + ":" + port
	}
	u.User = nil
	u.Fragment = ""
	u.RawFragment = ""

	p := jsessionPath.ReplaceAllString(u.EscapedPath(), "")
	p = stripAMPPath(p)
	if p == "" {
		p = "/"
	}
	if dec, err := url.PathUnescape(p); err == nil {
		u.Path, u.RawPath = dec, ""
		if u.EscapedPath() != p {
			u.RawPath = p
		}
	}

	q := u.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		if isTracking(k) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		vals := append([]string(nil), q[k]...)
		sort.Strings(vals)
		for _, v := range vals {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(url.QueryEscape(k))
			if v != "" {
				b.WriteByte('=')
				b.WriteString(url.QueryEscape(v))
			}
		}
	}
	u.RawQuery = b.String()
	u.ForceQuery = false
	return u.String()
}

func isTracking(k string) bool {
	lk := strings.ToLower(k)
	if trackingParams[lk] {
		return true
	}
	for _, p := range trackingPrefixes {
		if strings.HasPrefix(lk, p) {
			return true
		}
	}
	return false
}

// stripAMPPath maps the usual AMP path forms to the page path.
func stripAMPPath(p string) string {
	lp := strings.ToLower(p)
	switch {
	case strings.HasSuffix(lp, "/amp/"):
		return p[:len(p)-4]
	case strings.HasSuffix(lp, "/amp"):
		return p[:len(p)-4]
	case strings.HasSuffix(lp, ".amp"):
		return p[:len(p)-4]
	case strings.HasSuffix(lp, ".amp.html"):
		return p[:len(p)-9] + ".html"
	case strings.HasPrefix(lp, "/amp/"):
		return p[4:]
	}
	return p
}

// seenKey is the key under which a page is remembered: its canonical URL without
// scheme and without the www./m./mobile./amp. host prefixes, so that the http and
// https, desktop and mobile copies of a page are one page.
func seenKey(canonical string) string {
	u, err := url.Parse(canonical)
	if err != nil || u.Host == "" {
		return canonical
	}
	return hostKey(u.Host) + u.RequestURI()
}

// hostKey strips the prefixes that name variants of one site.
func hostKey(host string) string {
	host = strings.ToLower(host)
	for _, p := range []string{"www.", "m.", "mobile.", "amp.", "movil.", "www2."} {
		if strings.HasPrefix(host, p) && strings.Count(host, ".") >= 2 {
			return strings.TrimPrefix(host, p)
		}
	}
	return host
}

// sameSite reports whether two hosts are variants of one site (used to refuse a
// page's rel=canonical that points at another outlet).
func sameSite(a, b string) bool {
	a, b = hostKey(a), hostKey(b)
	return a == b || strings.HasSuffix(a, "."+b) || strings.HasSuffix(b, "."+a)
}
