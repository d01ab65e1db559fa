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

// textTitle is the heading of a post that has no title (social posts): the start
// of its text, so that lists show what a post says instead of "a post on Bluesky".
// One stored document is read; without it the page keeps its generic heading.
func (s *Server) textTitle(ctx context.Context, id string) string {
	if s.cfg.Searcher == nil {
		return ""
	}
	d, err := s.cfg.Searcher.Get(ctx, id)
	if err != nil {
		return ""
	}
	return excerpt(d.Text)
}

func (s *Server) titleHits(ctx context.Context, hits []escucha.Hit) {
	for i := range hits {
		if hits[i].Title == "" {
			hits[i].Title = s.textTitle(ctx, hits[i].ID)
		}
	}
}

func (s *Server) titlePosts(ctx context.Context, posts []escucha.TopPost) {
	for i := range posts {
		if posts[i].Title == "" {
			posts[i].Title = s.textTitle(ctx, posts[i].ID)
		}
	}
}
