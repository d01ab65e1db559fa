package crawl

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"
)

// Link is a discovered article URL with what the listing said about it.
type Link struct {
	URL       string
	Title     string
	Published time.Time // zero when the listing gave none
	Summary   string
	From      string // "feed", "sitemap", "section", "archive"
}

// ParseFeed reads an RSS, Atom or JSON feed (already UTF-8, see decodeXML) with
// mmcdole/gofeed. Item dates without a zone are in loc; relative links are resolved
// against feedURL.
func ParseFeed(body []byte, feedURL string, loc *time.Location) ([]Link, error) {
	fp := gofeed.NewParser()
	feed, err := fp.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("parse feed %s: %w", feedURL, err)
	}
	base, err := parseURL(feedURL)
	if err != nil {
		return nil, err
	}
	out := make([]Link, 0, len(feed.Items))
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		link := it.Link
		if link == "" && len(it.Links) > 0 {
			link = it.Links[0]
		}
		if link == "" && strings.HasPrefix(it.GUID, "http") {
			link = it.GUID
		}
		abs := resolve(base, link)
		if abs == "" {
			continue
		}
		l := Link{URL: abs, Title: normSpace(it.Title), From: "feed"}
		// Re-read the raw date: gofeed puts zone-less dates in UTC, they are local.
		if t, ok := ParseDate(it.Published, loc); ok {
			l.Published = t
		} else if it.PublishedParsed != nil {
			l.Published = *it.PublishedParsed
		} else if t, ok := ParseDate(it.Updated, loc); ok {
			l.Published = t
		} else if it.UpdatedParsed != nil {
			l.Published = *it.UpdatedParsed
		}
		if it.Description != "" {
			l.Summary = htmlToText(it.Description)
		}
		out = append(out, l)
	}
	return out, nil
}
