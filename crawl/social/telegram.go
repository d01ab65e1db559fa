package social

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gocolly/colly/v2"
	"github.com/infosegura/escucha"
)

// telegram reads public channels through their web preview, t.me/s/{channel},
// paging back with ?before={message id}. It needs no account and sees what any
// visitor sees: text, date, views, forwarded-from, channel subscribers.
type telegram struct {
	cfg     TelegramConfig
	srcs    []source
	f       *fetcher
	log     *slog.Logger
	ua      string
	timeout time.Duration
}

func newTelegram(cfg Config, log *slog.Logger) connector {
	t := &telegram{cfg: cfg.Telegram, log: log, ua: cfg.Social.UserAgent, timeout: cfg.Social.Timeout.D(),
		f: newFetcher(escucha.PlatformTelegram, cfg.Social, cfg.Telegram.Rate, log)}
	for _, ch := range cfg.telegramChannels() {
		t.srcs = append(t.srcs, source{
			key:  "telegram|" + t.cfg.BaseURL + "|" + strings.ToLower(ch),
			name: "t.me/" + ch,
			fetch: func(ctx context.Context, r pageReq) (page, error) {
				tp, err := t.fetch(ctx, ch, r.Token)
				if err != nil {
					return page{}, err
				}
				return tp.page(), nil
			},
		})
	}
	return t
}

func (t *telegram) platform() string  { return escucha.PlatformTelegram }
func (t *telegram) sources() []source { return t.srcs }

// tgPage is one parsed t.me/s page.
type tgPage struct {
	posts    []found
	ids      []int64 // message ids on the page, ascending
	problems []error
}

func (p tgPage) page() page {
	out := page{items: p.posts, problems: p.problems}
	if len(p.ids) > 0 && p.ids[0] > 1 {
		out.next = strconv.FormatInt(p.ids[0], 10)
	}
	return out
}

// fetch GETs /s/{channel}[?before=N] with colly and parses it.
func (t *telegram) fetch(ctx context.Context, channel, before string) (tgPage, error) {
	u := t.cfg.BaseURL + "/s/" + url.PathEscape(channel)
	if before != "" {
		u += "?before=" + url.QueryEscape(before)
	}
	c := colly.NewCollector(
		colly.StdlibContext(ctx),
		colly.AllowURLRevisit(),
		colly.UserAgent(t.ua),
		colly.MaxBodySize(4<<20), // a t.me/s page is ~100 KB; HTML parsing of hostile input is not linear
	)
	c.WithTransport(t.f)
	c.SetRequestTimeout(t.timeout)
	var (
		res    tgPage
		parsed bool
		status int
	)
	c.OnRequest(func(r *colly.Request) {
		r.Headers.Set("Accept-Language", "en")
	})
	c.OnHTML("html", func(e *colly.HTMLElement) {
		parsed = true
		res = parseTelegram(e.DOM, channel, t.cfg.BaseURL)
	})
	c.OnError(func(r *colly.Response, err error) {
		status = r.StatusCode
	})
	err := c.Visit(u)
	if status != 0 {
		return tgPage{}, &StatusError{URL: u, Status: status}
	}
	if err != nil {
		return tgPage{}, fmt.Errorf("GET %s: %w", u, err)
	}
	if !parsed {
		return tgPage{}, &SchemaError{Platform: "telegram", What: u, Missing: []string{"an HTML page"}}
	}
	return res, nil
}

// parseTelegram reads a t.me/s/{channel} page.
func parseTelegram(doc *goquery.Selection, channel, base string) tgPage {
	var p tgPage
	var followers int64
	haveFollowers := false
	doc.Find(".tgme_channel_info_counter").Each(func(_ int, s *goquery.Selection) {
		if strings.Contains(strings.ToLower(s.Find(".counter_type").Text()), "subscriber") {
			followers, haveFollowers = parseCount(s.Find(".counter_value").Text())
		}
	})
	title := strings.TrimSpace(doc.Find(".tgme_channel_info_header_title").First().Text())
	msgs := doc.Find(".tgme_widget_message[data-post]")
	if msgs.Length() > 0 && !haveFollowers {
		p.problems = append(p.problems, &SchemaError{Platform: "telegram", What: "t.me/s/" + channel, Missing: []string{"subscribers counter"}})
	}
	msgs.Each(func(_ int, s *goquery.Selection) {
		if s.HasClass("service_message") {
			return
		}
		post, _ := s.Attr("data-post")
		ch, idStr, ok := strings.Cut(post, "/")
		id, err := strconv.ParseInt(idStr, 10, 64)
		if !ok || err != nil || id <= 0 {
			p.problems = append(p.problems, &SchemaError{Platform: "telegram", What: "message", Missing: []string{"data-post channel/id (" + trunc(post, 60) + ")"}})
			return
		}
		p.ids = append(p.ids, id)
		var miss []string
		dt, hasDate := s.Find(".tgme_widget_message_date time[datetime]").First().Attr("datetime")
		if !hasDate {
			dt, hasDate = s.Find("time[datetime]").First().Attr("datetime")
		}
		published, err := time.Parse(time.RFC3339, dt)
		if !hasDate || err != nil {
			miss = append(miss, "date time[datetime]")
		}
		viewsEl := s.Find(".tgme_widget_message_views").First()
		views, okViews := parseCount(viewsEl.Text())
		if !okViews {
			miss = append(miss, "views")
		}
		if len(miss) > 0 {
			p.problems = append(p.problems, &SchemaError{Platform: "telegram", What: "message " + trunc(post, 60), Missing: miss})
			return
		}
		var text string
		own := s.Find(".tgme_widget_message_text").FilterFunction(func(_ int, t *goquery.Selection) bool {
			return t.ParentsFiltered(".tgme_widget_message_reply").Length() == 0 // not the quoted message
		})
		if n := own.First(); n.Length() > 0 {
			text = nodeText(n.Nodes[0])
		}
		link := strings.TrimRight(base, "/") + "/" + url.PathEscape(ch) + "/" + idStr
		if href, ok := s.Find("a.tgme_widget_message_date").First().Attr("href"); ok && strings.HasPrefix(href, "https://") {
			link = href
		}
		name := strings.TrimSpace(s.Find(".tgme_widget_message_owner_name").First().Text())
		if name == "" {
			name = title
		}
		d := &escucha.Document{
			ID:         escucha.IDForPost(escucha.PlatformTelegram, ch+"/"+idStr),
			Platform:   escucha.PlatformTelegram,
			Kind:       escucha.KindPost,
			Text:       text,
			Published:  published.UTC(),
			URL:        link,
			Source:     "t.me/" + ch,
			Author:     escucha.Author{ID: ch, Handle: ch, Name: cleanText(name)},
			Engagement: escucha.Engagement{Views: views},
		}
		if haveFollowers {
			d.Author.Followers = followers
		}
		if fw := s.Find(".tgme_widget_message_forwarded_from_name").First(); fw.Length() > 0 {
			from := map[string]string{"name": cleanText(fw.Text())}
			if href, ok := fw.Attr("href"); ok {
				from["url"] = href
			}
			setExtra(d, "forwarded_from", from)
		}
		if author := strings.TrimSpace(s.Find(".tgme_widget_message_from_author").First().Text()); author != "" {
			setExtra(d, "signed_by", cleanText(author))
		}
		p.posts = append(p.posts, found{doc: d, ref: ch + "/" + idStr, pos: position{T: d.Published, N: idStr}})
	})
	sort.Slice(p.ids, func(i, j int) bool { return p.ids[i] < p.ids[j] })
	return p
}

// refresh re-reads messages through the page that ends at them (?before=id+1);
// one page answers for every tracked message in its id range. A message missing
// from a page that covers its id was deleted.
func (t *telegram) refresh(ctx context.Context, ts []*tracked) []outcome {
	out := make([]outcome, len(ts))
	order := make([]int, len(ts))
	for i := range order {
		order[i] = i
	}
	type ref struct {
		ch string
		id int64
	}
	refs := make([]ref, len(ts))
	for i, tr := range ts {
		ch, idStr, _ := strings.Cut(tr.Ref, "/")
		id, _ := strconv.ParseInt(idStr, 10, 64)
		refs[i] = ref{ch, id}
	}
	sort.Slice(order, func(a, b int) bool {
		ra, rb := refs[order[a]], refs[order[b]]
		if ra.ch != rb.ch {
			return ra.ch < rb.ch
		}
		return ra.id > rb.id
	})
	type span struct {
		ch     string
		lo, hi int64
		docs   map[int64]*escucha.Document
		bad    map[int64]error
	}
	var cur *span
	for _, i := range order {
		r := refs[i]
		if r.ch == "" || r.id <= 0 {
			out[i].err = escucha.Errorf(escucha.EInvalid, "telegram ref %q", ts[i].Ref)
			continue
		}
		if cur == nil || cur.ch != r.ch || r.id < cur.lo || r.id > cur.hi {
			tp, err := t.fetch(ctx, r.ch, strconv.FormatInt(r.id+1, 10))
			if err != nil {
				out[i].err = err
				cur = nil
				continue
			}
			if len(tp.ids) == 0 {
				out[i].err = &SchemaError{Platform: "telegram", What: "t.me/s/" + r.ch + "?before=" + strconv.FormatInt(r.id+1, 10), Missing: []string{"messages"}}
				cur = nil
				continue
			}
			if tp.ids[0] > r.id {
				out[i].err = escucha.Errorf(escucha.EUnavailable, "t.me/s/%s?before=%d answered newer messages (from %d): paging not honoured", r.ch, r.id+1, tp.ids[0])
				cur = nil
				continue
			}
			cur = &span{ch: r.ch, lo: tp.ids[0], hi: r.id, docs: map[int64]*escucha.Document{}, bad: map[int64]error{}}
			for _, f := range tp.posts {
				id, _ := strconv.ParseInt(f.pos.N, 10, 64)
				cur.docs[id] = f.doc
			}
			if len(tp.problems) > 0 {
				// Messages that failed to parse must not look deleted.
				for _, id := range tp.ids {
					if cur.docs[id] == nil {
						cur.bad[id] = tp.problems[0]
					}
				}
			}
		}
		switch {
		case cur.docs[r.id] != nil:
			out[i].doc = cur.docs[r.id]
		case cur.bad[r.id] != nil:
			out[i].err = cur.bad[r.id]
		default:
			out[i].deleted = true
		}
	}
	return out
}
