package crawl

import (
	"net/url"
	"regexp"
	"sort"
	"strings"
)

var (
	calendarRe = regexp.MustCompile(`(?i)/(calendar|calendario|agenda|eventos?)(/|\?|$)|[?&](date|fecha|month|mes|year|anio|ano|day|dia|week|semana|cal)=`)
	sessionRe  = regexp.MustCompile(`(?i)[;?&](jsessionid|phpsessid|sid|sessionid|session_id|aspsessionid|cfid|cftoken|s_id)=`)
	digitsRe   = regexp.MustCompile(`\d+`)
	skipExtRe  = regexp.MustCompile(`(?i)\.(jpe?g|png|gif|webp|svg|ico|pdf|zip|rar|gz|mp[34]|m4a|mov|avi|docx?|xlsx?|pptx?|css|js|json|woff2?|ttf|exe|apk|dmg)$`)
	longDigits = regexp.MustCompile(`\d{4,}`)
	nonArticle = regexp.MustCompile(`(?i)/(tag|tags|etiqueta|etiquetas|autor|author|autores|categoria|category|seccion|page|pagina|buscar|search|login|registro|suscripcion|suscribete|newsletter|contacto|privacidad|terminos|feed|rss|wp-admin|wp-json|wp-login|cdn-cgi)(/|$)`)
)

// trapReason says why a URL looks like a crawler trap ("" when it does not):
// calendars, session ids in the URL, repeated path segments, absurd length or depth.
func trapReason(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "unparsable"
	}
	switch {
	case len(raw) > 512:
		return "long url"
	case sessionRe.MatchString(raw):
		return "session id"
	case calendarRe.MatchString(u.Path) || calendarRe.MatchString("?"+u.RawQuery):
		return "calendar"
	case len(u.Query()) > 6:
		return "many parameters"
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(segs) > 12 {
		return "deep path"
	}
	count := map[string]int{}
	for _, s := range segs {
		if s == "" {
			continue
		}
		count[s]++
		if count[s] >= 3 {
			return "repeated path segment"
		}
	}
	return ""
}

// urlShape is a URL with digit runs and query values blanked: pages of one shape
// ("/archivo?pagina=N", "/calendario/N/N") are counted per source and run.
func urlShape(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	keys := make([]string, 0, len(u.Query()))
	for k := range u.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return u.Host + digitsRe.ReplaceAllString(u.Path, "N") + "?" + strings.Join(keys, "&")
}

// articleScore ranks a section link by how much its URL looks like an article:
// dates in the path, long hyphenated slugs, numeric ids. Listing-like paths score 0.
func articleScore(raw string) int {
	u, err := url.Parse(raw)
	if err != nil || skipExtRe.MatchString(u.Path) || nonArticle.MatchString(u.Path) {
		return 0
	}
	score := 0
	if urlDate.MatchString(u.Path) {
		score += 3
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	last := segs[len(segs)-1]
	if strings.Count(last, "-") >= 3 || strings.Count(last, "_") >= 3 {
		score += 3
	}
	if len(last) >= 25 {
		score++
	}
	if longDigits.MatchString(last) {
		score++
	}
	if len(segs) >= 2 {
		score++
	}
	return score
}
