package dashboards

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/infosegura/escucha"
)

// maxTitleRunes bounds a title made from a post's text.
const maxTitleRunes = 110

// excerpt makes a heading from a social post's text: its first sentence or line,
// cut at a word boundary near maxTitleRunes with "…". The text is hostile; templates
// escape it like every other field.
func excerpt(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	if text == "" {
		return ""
	}
	if i := strings.IndexAny(text, ".!?"); i >= 30 && utf8.RuneCountInString(text[:i]) <= maxTitleRunes {
		return text[:i+1]
	}
	if utf8.RuneCountInString(text) <= maxTitleRunes {
		return text
	}
	cut, n := 0, 0
	for i, r := range text {
		if n == maxTitleRunes {
			break
		}
		if unicode.IsSpace(r) && n > maxTitleRunes/2 {
			cut = i
		}
		n++
		if n == maxTitleRunes && cut == 0 {
			cut = i + utf8.RuneLen(r)
		}
	}
	return strings.TrimRight(text[:cut], " ,;:-—") + "…"
}

// untitled fills the titles of posts that have none (social posts) from their text,
// so that lists show what a post says instead of "a post on Bluesky". One stored
// document is read per untitled item; a failed read leaves the generic heading.
func untitled(ctx context.Context, sr escucha.Searcher, n int, title func(i int) (id string, t *string)) {
	if sr == nil {
		return
	}
	for i := range n {
		id, t := title(i)
		if *t != "" {
			continue
		}
		if d, err := sr.Get(ctx, id); err == nil {
			*t = excerpt(d.Text)
		}
	}
}

func (s *Server) titleHits(ctx context.Context, hits []escucha.Hit) {
	untitled(ctx, s.cfg.Searcher, len(hits), func(i int) (string, *string) { return hits[i].ID, &hits[i].Title })
}

func (s *Server) titlePosts(ctx context.Context, posts []escucha.TopPost) {
	untitled(ctx, s.cfg.Searcher, len(posts), func(i int) (string, *string) { return posts[i].ID, &posts[i].Title })
}
