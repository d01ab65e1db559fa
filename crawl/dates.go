package crawl

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// countryOffsets are the UTC offsets of the region (none of them observes daylight
// saving time today). A date written without a zone is in the source country's zone.
var countryOffsets = map[string]int{
	"GT": -6, "SV": -6, "HN": -6, "NI": -6, "CR": -6, "BZ": -6, "MX": -6,
	"PA": -5, "CO": -5,
	"DO": -4, "PR": -4, "VE": -4,
}

// CountryZone returns the fixed zone of a country code (UTC-6 when unknown: most of
// Central America).
func CountryZone(country string) *time.Location {
	off, ok := countryOffsets[strings.ToUpper(country)]
	if !ok {
		off = -6
	}
	return time.FixedZone("UTC"+strconv.Itoa(off), off*3600)
}

var isoLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04Z0700",
	"2006-01-02 15:04:05Z07:00",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 -07:00",
	"2006-01-02 15:04:05 MST",
	time.RFC1123Z, time.RFC1123, time.RFC850, time.ANSIC, time.RFC822Z, time.RFC822,
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 02 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04:05 -0700",
}

// layouts without a zone: read in the source's zone.
var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"2006/01/02 15:04:05",
	"2006/01/02 15:04",
	"2006/01/02",
	"02/01/2006 15:04:05",
	"02/01/2006 15:04",
	"2/1/2006 15:04",
	"02/01/2006",
	"2/1/2006",
	"02-01-2006 15:04",
	"02-01-2006",
	"02.01.2006 15:04",
	"02.01.2006",
	"20060102",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon, 02 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 2006",
	"January 2, 2006 15:04",
	"January 2, 2006",
	"Jan 2, 2006",
}

var spanishMonths = map[string]time.Month{
	"enero": 1, "ene": 1, "january": 1, "jan": 1,
	"febrero": 2, "feb": 2, "february": 2,
	"marzo": 3, "mar": 3, "march": 3,
	"abril": 4, "abr": 4, "april": 4, "apr": 4,
	"mayo": 5, "may": 5,
	"junio": 6, "jun": 6, "june": 6,
	"julio": 7, "jul": 7, "july": 7,
	"agosto": 8, "ago": 8, "august": 8, "aug": 8,
	"septiembre": 9, "setiembre": 9, "sept": 9, "sep": 9, "set": 9, "september": 9,
	"octubre": 10, "oct": 10, "october": 10,
	"noviembre": 11, "nov": 11, "november": 11,
	"diciembre": 12, "dic": 12, "december": 12, "dec": 12,
}

const monthAlt = `enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|` +
	`january|february|march|april|june|july|august|september|october|november|december|` +
	`ene|feb|mar|abr|may|jun|jul|ago|sept|sep|set|oct|nov|dic|jan|apr|aug|dec`

var (
	// "12 de mayo de 2024", "12 mayo, 2024", "12-may-2024", "domingo 12 de mayo del 2024 a las 8:30 p. m."
	dayMonthYear = regexp.MustCompile(`(?i)\b(\d{1,2})(?:\s*de\s*|[\s.,/-]+)(` + monthAlt + `)\.?(?:\s*(?:de|del)\s*|[\s.,/-]+)(\d{4})`)
	// "mayo 12, 2024", "May 12 2024"
	monthDayYear = regexp.MustCompile(`(?i)\b(` + monthAlt + `)\.?\s+(\d{1,2})(?:,|\s)\s*(\d{4})`)
	clockRe      = regexp.MustCompile(`(?i)(\d{1,2})\s*[:h]\s*(\d{2})(?:\s*:\s*(\d{2}))?\s*(a\.?\s*m\.?|p\.?\s*m\.?|hrs?\.?|horas|h\b)?`)
	numericDMY   = regexp.MustCompile(`\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b`)
	isoDate      = regexp.MustCompile(`\b(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?`)
	urlDate      = regexp.MustCompile(`/((?:19|20)\d{2})[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?:/|-|_|\.|$)`)
)

// ParseDate reads a date as written on Central American news pages: ISO 8601, RFC 822/
// 1123 (feeds), dd/mm/yyyy (day first, as in the region), and Spanish or English
// month names with an optional clock ("12 de mayo de 2024, 8:30 p. m."). A date
// without a zone is taken to be in loc. It reports false when nothing reads as a date
// between 1990 and next year.
func ParseDate(s string, loc *time.Location) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 200 {
		return time.Time{}, false
	}
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return plausible(fixNamedZone(t, s, loc))
		}
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return plausible(t)
		}
	}
	if m := isoDate.FindStringSubmatch(s); m != nil {
		return fromISOParts(m, loc)
	}
	folded := strings.ToLower(s)
	var y, d int
	var mon time.Month
	if m := dayMonthYear.FindStringSubmatch(folded); m != nil {
		d, _ = strconv.Atoi(m[1])
		mon = spanishMonths[strings.ToLower(m[2])]
		y, _ = strconv.Atoi(m[3])
	} else if m := monthDayYear.FindStringSubmatch(folded); m != nil {
		mon = spanishMonths[strings.ToLower(m[1])]
		d, _ = strconv.Atoi(m[2])
		y, _ = strconv.Atoi(m[3])
	} else if m := numericDMY.FindStringSubmatch(folded); m != nil {
		d, _ = strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		mon = time.Month(mo)
		y, _ = strconv.Atoi(m[3])
	} else {
		return time.Time{}, false
	}
	if mon < 1 || mon > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	hh, mm, ss := clock(folded)
	t := time.Date(y, mon, d, hh, mm, ss, 0, loc)
	if t.Day() != d {
		return time.Time{}, false // 31 de febrero
	}
	return plausible(t)
}

// fixNamedZone re-reads a time whose zone was an abbreviation Go does not know
// (Go then invents a zero offset under that name) in loc.
func fixNamedZone(t time.Time, s string, loc *time.Location) time.Time {
	name, off := t.Zone()
	if off == 0 && name != "UTC" && name != "GMT" && name != "Z" && name != "" &&
		!strings.Contains(s, "+0000") && !strings.Contains(s, "+00:00") && !strings.HasSuffix(s, "Z") {
		switch strings.ToUpper(name) {
		case "CST":
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.FixedZone("CST", -6*3600))
		case "EST":
			return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.FixedZone("EST", -5*3600))
		}
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc)
	}
	return t
}

func fromISOParts(m []string, loc *time.Location) (time.Time, bool) {
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	hh, _ := strconv.Atoi(m[4])
	mi, _ := strconv.Atoi(m[5])
	ss, _ := strconv.Atoi(m[6])
	z := loc
	if tz := m[7]; tz != "" {
		if tz == "Z" {
			z = time.UTC
		} else {
			tz = strings.ReplaceAll(tz, ":", "")
			oh, _ := strconv.Atoi(tz[1:3])
			om, _ := strconv.Atoi(tz[3:5])
			off := oh*3600 + om*60
			if tz[0] == '-' {
				off = -off
			}
			z = time.FixedZone("", off)
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mi > 59 || ss > 60 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, hh, mi, ss, 0, z)
	if t.Day() != d {
		return time.Time{}, false
	}
	return plausible(t)
}

// clock finds a time of day in s (after the date); 0:00 when there is none.
func clock(s string) (int, int, int) {
	for _, m := range clockRe.FindAllStringSubmatch(s, -1) {
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		sec, _ := strconv.Atoi(m[3])
		suffix := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(m[4], ".", ""), " ", ""))
		switch suffix {
		case "pm":
			if h < 12 {
				h += 12
			}
		case "am":
			if h == 12 {
				h = 0
			}
		}
		if h <= 23 && mi <= 59 && sec <= 59 {
			return h, mi, sec
		}
	}
	return 0, 0, 0
}

func plausible(t time.Time) (time.Time, bool) {
	if t.Year() < 1990 || t.After(time.Now().AddDate(1, 0, 0)) {
		return time.Time{}, false
	}
	return t, true
}

// dateFromURL reads /2024/05/12/ or /2024-05-12- or /20240512/ in a URL path, at
// midnight in loc.
func dateFromURL(u string, loc *time.Location) (time.Time, bool) {
	m := urlDate.FindStringSubmatch(u)
	if m == nil {
		return time.Time{}, false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, loc)
	if t.Day() != d {
		return time.Time{}, false
	}
	return plausible(t)
}
