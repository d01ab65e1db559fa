package social

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/infosegura/escucha"
)

// youtube reads the YouTube Data API v3 with an API key: search.list for
// queries (by region and language) and channels, videos.list for statistics,
// channels.list for subscribers, commentThreads.list for comments.
type youtube struct {
	cfg  YouTubeConfig
	srcs []source
	f    *fetcher
	log  *slog.Logger
	now  func() time.Time

	mu        sync.Mutex
	channels  map[string]ytChannel // id → subscribers, handle
	commented map[string]bool      // videos whose comments were read by this process
}

type ytChannel struct {
	subs   int64
	hidden bool
	handle string
	at     time.Time
}

func newYouTube(cfg Config, log *slog.Logger) connector {
	y := &youtube{cfg: cfg.YouTube, log: log, now: time.Now, channels: map[string]ytChannel{}, commented: map[string]bool{},
		f: newFetcher(escucha.PlatformYouTube, cfg.Social, cfg.YouTube.Rate, log)}
	if y.cfg.APIKey == "" {
		if len(y.cfg.Queries)+len(y.cfg.Channels) > 0 {
			log.Warn("youtube: queries or channels configured but no api_key; YouTube is not read")
		}
		return y // nothing runs without a key
	}
	region := strings.ToUpper(y.cfg.Region)
	if region == "" {
		region = strings.ToUpper(cfg.firstOf(func(q Query) []string { return q.Countries }))
	}
	lang := y.cfg.Lang
	if lang == "" {
		lang = cfg.firstOf(func(q Query) []string { return q.Languages })
	}
	var terms []term
	for _, t := range cfg.hashtags(nil) {
		terms = append(terms, term{t.campaign, "#" + t.text})
	}
	terms = append(terms, cfg.phrases(y.cfg.Queries)...)
	for _, t := range terms {
		q := url.Values{"q": {t.text}}
		if region != "" {
			q.Set("regionCode", region)
		}
		if lang != "" {
			q.Set("relevanceLanguage", lang)
		}
		camps := match(t, t.text)
		y.srcs = append(y.srcs, source{
			key:  "youtube|" + y.cfg.BaseURL + "|q:" + t.text,
			name: "search «" + t.text + "»",
			fetch: func(ctx context.Context, r pageReq) (page, error) {
				return y.searchPage(ctx, q, r, camps)
			},
		})
	}
	for _, t := range cfg.termsFor(y.cfg.Channels, func(q Query) []string { return q.Accounts.YouTube }) {
		q := url.Values{"channelId": {t.text}}
		y.srcs = append(y.srcs, source{
			key:  "youtube|" + y.cfg.BaseURL + "|channel:" + t.text,
			name: "channel " + t.text,
			fetch: func(ctx context.Context, r pageReq) (page, error) {
				return y.searchPage(ctx, q, r, nil)
			},
		})
	}
	return y
}

func (y *youtube) platform() string  { return escucha.PlatformYouTube }
func (y *youtube) sources() []source { return y.srcs }

// get calls an API method with the key; quota errors become ErrRateLimited.
func (y *youtube) get(ctx context.Context, method string, q url.Values, out any) error {
	q.Set("key", y.cfg.APIKey)
	y.mu.Lock()
	base := y.cfg.BaseURL
	y.mu.Unlock()
	err := y.f.getJSON(ctx, base+"/"+method+"?"+q.Encode(), nil, out)
	var st *StatusError
	if errors.As(err, &st) && st.Status == 404 {
		// base_url given as a bare host: the API lives under /youtube/v3.
		if u, perr := url.Parse(base); perr == nil && (u.Path == "" || u.Path == "/") {
			alt := strings.TrimRight(base, "/") + "/youtube/v3"
			if err2 := y.f.getJSON(ctx, alt+"/"+method+"?"+q.Encode(), nil, out); err2 == nil {
				y.log.Info("youtube: base_url has no path; using /youtube/v3", "base_url", alt)
				y.mu.Lock()
				y.cfg.BaseURL = alt
				y.mu.Unlock()
				return nil
			}
		}
	}
	if r := ytReason(err); r == "quotaExceeded" || r == "rateLimitExceeded" || r == "userRateLimitExceeded" || r == "dailyLimitExceeded" {
		return fmt.Errorf("%w: %w", err, ErrRateLimited)
	}
	return err
}

// ytReason is the first errors[].reason of a Google API error body.
func ytReason(err error) string {
	var st *StatusError
	if !errors.As(err, &st) {
		return ""
	}
	var e struct {
		Error struct {
			Errors []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(st.raw, &e) != nil || len(e.Error.Errors) == 0 {
		return ""
	}
	return e.Error.Errors[0].Reason
}

func (y *youtube) searchPage(ctx context.Context, base url.Values, r pageReq, camps []escucha.CampaignMatch) (page, error) {
	q := url.Values{"part": {"snippet"}, "type": {"video"}, "order": {"date"}, "maxResults": {"50"}}
	for k, v := range base {
		q[k] = v
	}
	if r.Token != "" {
		q.Set("pageToken", r.Token)
	}
	if !r.Since.T.IsZero() {
		q.Set("publishedAfter", r.Since.T.UTC().Format(time.RFC3339))
	}
	var sr struct {
		NextPageToken string `json:"nextPageToken"`
		Items         *[]struct {
			ID struct {
				Kind    string `json:"kind"`
				VideoID string `json:"videoId"`
			} `json:"id"`
		} `json:"items"`
	}
	if err := y.get(ctx, "search", q, &sr); err != nil {
		return page{}, err
	}
	if sr.Items == nil {
		return page{}, &SchemaError{Platform: "youtube", What: "search.list response", Missing: []string{"items"}}
	}
	var ids []string
	var p page
	for _, it := range *sr.Items {
		if it.ID.VideoID == "" {
			if it.ID.Kind == "" || it.ID.Kind == "youtube#video" {
				p.problems = append(p.problems, &SchemaError{Platform: "youtube", What: "search result", Missing: []string{"id.videoId"}})
			}
			continue
		}
		ids = append(ids, it.ID.VideoID)
	}
	videos, problems, err := y.videos(ctx, ids)
	if err != nil {
		return page{}, err
	}
	p.problems = append(p.problems, problems...)
	for _, id := range ids {
		d := videos[id]
		if d == nil {
			continue // gone between search and videos.list, or undecodable (in problems)
		}
		d.Campaigns = camps
		p.items = append(p.items, found{doc: d, ref: "v:" + id, pos: position{T: d.Published}})
		cs, err := y.comments(ctx, id, d)
		if err != nil {
			p.problems = append(p.problems, err)
		}
		p.items = append(p.items, cs...)
	}
	p.next = sr.NextPageToken
	return p, nil
}

type ytVideo struct {
	ID      *string `json:"id"`
	Snippet *struct {
		PublishedAt          *string `json:"publishedAt"`
		ChannelID            *string `json:"channelId"`
		Title                *string `json:"title"`
		Description          string  `json:"description"`
		ChannelTitle         string  `json:"channelTitle"`
		DefaultLanguage      string  `json:"defaultLanguage"`
		DefaultAudioLanguage string  `json:"defaultAudioLanguage"`
	} `json:"snippet"`
	Statistics *struct {
		ViewCount    *string `json:"viewCount"`
		LikeCount    *string `json:"likeCount"`
		CommentCount *string `json:"commentCount"`
	} `json:"statistics"`
}

// decodeYTVideo turns a videos.list item (part=snippet,statistics) into a
// document. likeCount and commentCount may be absent (hidden likes, comments off).
func decodeYTVideo(raw json.RawMessage) (*escucha.Document, error) {
	var v ytVideo
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, &SchemaError{Platform: "youtube", What: "video", Missing: []string{"valid video resource (" + err.Error() + ")"}}
	}
	var miss missing
	need := miss.need
	need(v.ID != nil && *v.ID != "", "id")
	need(v.Snippet != nil && v.Snippet.PublishedAt != nil, "snippet.publishedAt")
	need(v.Snippet != nil && v.Snippet.ChannelID != nil, "snippet.channelId")
	need(v.Snippet != nil && v.Snippet.Title != nil, "snippet.title")
	need(v.Statistics != nil && v.Statistics.ViewCount != nil, "statistics.viewCount")
	what := "video"
	if v.ID != nil {
		what += " " + trunc(*v.ID, 20)
	}
	if len(miss) > 0 {
		return nil, &SchemaError{Platform: "youtube", What: what, Missing: miss}
	}
	pub, err := time.Parse(time.RFC3339Nano, *v.Snippet.PublishedAt)
	if err != nil {
		return nil, &SchemaError{Platform: "youtube", What: what, Missing: []string{"snippet.publishedAt as RFC 3339"}}
	}
	var e escucha.Engagement
	var ok bool
	if e.Views, ok = parseCount(*v.Statistics.ViewCount); !ok {
		return nil, &SchemaError{Platform: "youtube", What: what, Missing: []string{"statistics.viewCount as a number"}}
	}
	if s := v.Statistics.LikeCount; s != nil {
		e.Likes, _ = parseCount(*s)
	}
	if s := v.Statistics.CommentCount; s != nil {
		e.Replies, _ = parseCount(*s)
	}
	ch := *v.Snippet.ChannelID
	d := &escucha.Document{
		ID:         escucha.IDForPost(escucha.PlatformYouTube, *v.ID),
		Platform:   escucha.PlatformYouTube,
		Kind:       escucha.KindPost,
		Title:      cleanText(*v.Snippet.Title),
		Text:       cleanText(v.Snippet.Description),
		Published:  pub.UTC(),
		URL:        "https://www.youtube.com/watch?v=" + url.QueryEscape(*v.ID),
		Source:     "youtube.com/channel/" + ch,
		Author:     escucha.Author{ID: ch, Name: cleanText(v.Snippet.ChannelTitle)},
		Engagement: e,
		Lang:       langCode(firstNonEmpty(v.Snippet.DefaultAudioLanguage, v.Snippet.DefaultLanguage)),
	}
	return d, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// videos reads statistics for ids (50 a call) and the channels' subscribers.
func (y *youtube) videos(ctx context.Context, ids []string) (map[string]*escucha.Document, []error, error) {
	out := map[string]*escucha.Document{}
	var problems []error
	for i := 0; i < len(ids); i += 50 {
		batch := ids[i:min(i+50, len(ids))]
		var vr struct {
			Items *[]json.RawMessage `json:"items"`
		}
		if err := y.get(ctx, "videos", url.Values{"part": {"snippet,statistics"}, "id": {strings.Join(batch, ",")}}, &vr); err != nil {
			return nil, nil, err
		}
		if vr.Items == nil {
			return nil, nil, &SchemaError{Platform: "youtube", What: "videos.list response", Missing: []string{"items"}}
		}
		for _, raw := range *vr.Items {
			d, err := decodeYTVideo(raw)
			if err != nil {
				problems = append(problems, err)
				continue
			}
			out[strings.TrimPrefix(d.ID, "youtube:")] = d
		}
	}
	if err := y.fillChannels(ctx, out); err != nil {
		problems = append(problems, err)
	}
	return out, problems, nil
}

// fillChannels sets author followers (subscribers) and handles from
// channels.list, cached a day.
func (y *youtube) fillChannels(ctx context.Context, docs map[string]*escucha.Document) error {
	now := y.now()
	var want []string
	seen := map[string]bool{}
	y.mu.Lock()
	for _, d := range docs {
		if c, ok := y.channels[d.Author.ID]; (!ok || now.Sub(c.at) > subscribersTTL) && !seen[d.Author.ID] {
			seen[d.Author.ID] = true
			want = append(want, d.Author.ID)
		}
	}
	y.mu.Unlock()
	var errs []error
	for i := 0; i < len(want); i += 50 {
		batch := want[i:min(i+50, len(want))]
		var cr struct {
			Items *[]struct {
				ID      string `json:"id"`
				Snippet struct {
					CustomURL string `json:"customUrl"`
				} `json:"snippet"`
				Statistics *struct {
					SubscriberCount       *string `json:"subscriberCount"`
					HiddenSubscriberCount bool    `json:"hiddenSubscriberCount"`
				} `json:"statistics"`
			} `json:"items"`
		}
		if err := y.get(ctx, "channels", url.Values{"part": {"snippet,statistics"}, "id": {strings.Join(batch, ",")}}, &cr); err != nil {
			errs = append(errs, fmt.Errorf("channels.list: %w", err))
			continue
		}
		if cr.Items == nil {
			errs = append(errs, &SchemaError{Platform: "youtube", What: "channels.list response", Missing: []string{"items"}})
			continue
		}
		y.mu.Lock()
		for _, it := range *cr.Items {
			c := ytChannel{handle: it.Snippet.CustomURL, at: now}
			switch {
			case it.Statistics != nil && it.Statistics.HiddenSubscriberCount:
				c.hidden = true
			case it.Statistics != nil && it.Statistics.SubscriberCount != nil:
				c.subs, _ = parseCount(*it.Statistics.SubscriberCount)
			default:
				errs = append(errs, &SchemaError{Platform: "youtube", What: "channel " + trunc(it.ID, 30), Missing: []string{"statistics.subscriberCount"}})
				continue
			}
			y.channels[it.ID] = c
		}
		y.mu.Unlock()
	}
	y.mu.Lock()
	for _, d := range docs {
		if c, ok := y.channels[d.Author.ID]; ok {
			d.Author.Followers = c.subs
			d.Author.Handle = c.handle
		}
	}
	y.mu.Unlock()
	return errors.Join(errs...)
}

type ytThread struct {
	ID      *string `json:"id"`
	Snippet *struct {
		VideoID         string `json:"videoId"`
		TotalReplyCount *int64 `json:"totalReplyCount"`
		TopLevelComment *struct {
			ID      string `json:"id"`
			Snippet *struct {
				AuthorDisplayName string `json:"authorDisplayName"`
				AuthorChannelID   struct {
					Value string `json:"value"`
				} `json:"authorChannelId"`
				TextOriginal *string `json:"textOriginal"`
				TextDisplay  *string `json:"textDisplay"`
				LikeCount    *int64  `json:"likeCount"`
				PublishedAt  *string `json:"publishedAt"`
			} `json:"snippet"`
		} `json:"topLevelComment"`
	} `json:"snippet"`
}

// decodeYTThread turns a commentThread into a comment document.
func decodeYTThread(raw json.RawMessage, video *escucha.Document) (*escucha.Document, error) {
	var t ytThread
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, &SchemaError{Platform: "youtube", What: "commentThread", Missing: []string{"valid commentThread (" + err.Error() + ")"}}
	}
	var miss missing
	need := miss.need
	need(t.ID != nil && *t.ID != "", "id")
	need(t.Snippet != nil && t.Snippet.TotalReplyCount != nil, "snippet.totalReplyCount")
	ok := t.Snippet != nil && t.Snippet.TopLevelComment != nil && t.Snippet.TopLevelComment.Snippet != nil
	need(ok, "snippet.topLevelComment.snippet")
	if ok {
		s := t.Snippet.TopLevelComment.Snippet
		need(s.TextOriginal != nil || s.TextDisplay != nil, "topLevelComment.snippet.textOriginal")
		need(s.LikeCount != nil, "topLevelComment.snippet.likeCount")
		need(s.PublishedAt != nil, "topLevelComment.snippet.publishedAt")
	}
	if len(miss) > 0 {
		return nil, &SchemaError{Platform: "youtube", What: "commentThread", Missing: miss}
	}
	s := t.Snippet.TopLevelComment.Snippet
	pub, err := time.Parse(time.RFC3339Nano, *s.PublishedAt)
	if err != nil {
		return nil, &SchemaError{Platform: "youtube", What: "commentThread " + trunc(*t.ID, 40), Missing: []string{"publishedAt as RFC 3339"}}
	}
	text := ""
	if s.TextOriginal != nil {
		text = cleanText(*s.TextOriginal)
	} else {
		text = htmlText(*s.TextDisplay)
	}
	vid := t.Snippet.VideoID
	d := &escucha.Document{
		ID:         escucha.IDForPost(escucha.PlatformYouTube, *t.ID),
		Platform:   escucha.PlatformYouTube,
		Kind:       escucha.KindComment,
		Text:       text,
		Published:  pub.UTC(),
		URL:        "https://www.youtube.com/watch?v=" + url.QueryEscape(vid) + "&lc=" + url.QueryEscape(*t.ID),
		Author:     escucha.Author{ID: s.AuthorChannelID.Value, Name: cleanText(s.AuthorDisplayName), Handle: cleanText(s.AuthorDisplayName)},
		Engagement: escucha.Engagement{Likes: *s.LikeCount, Replies: *t.Snippet.TotalReplyCount},
	}
	if video != nil {
		d.Source = video.Source
		d.Campaigns = video.Campaigns
	}
	if vid != "" {
		setExtra(d, "in_reply_to", escucha.IDForPost(escucha.PlatformYouTube, vid))
	}
	return d, nil
}

// comments reads up to CommentPages pages of the video's comment threads, once
// per video per process. Comments turned off is not a problem.
func (y *youtube) comments(ctx context.Context, videoID string, video *escucha.Document) ([]found, error) {
	y.mu.Lock()
	done := y.commented[videoID]
	y.commented[videoID] = true
	y.mu.Unlock()
	if done || *y.cfg.CommentPages <= 0 || video.Engagement.Replies == 0 {
		return nil, nil
	}
	var out []found
	token := ""
	for range *y.cfg.CommentPages {
		q := url.Values{"part": {"snippet"}, "videoId": {videoID}, "maxResults": {"100"}, "order": {"time"}, "textFormat": {"plainText"}}
		if token != "" {
			q.Set("pageToken", token)
		}
		var cr struct {
			NextPageToken string             `json:"nextPageToken"`
			Items         *[]json.RawMessage `json:"items"`
		}
		err := y.get(ctx, "commentThreads", q, &cr)
		if r := ytReason(err); r == "commentsDisabled" || r == "videoNotFound" {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("comments of %s: %w", videoID, err)
		}
		if cr.Items == nil {
			return out, &SchemaError{Platform: "youtube", What: "commentThreads.list response", Missing: []string{"items"}}
		}
		var errs []error
		for _, raw := range *cr.Items {
			d, err := decodeYTThread(raw, video)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, found{doc: d, ref: "c:" + strings.TrimPrefix(d.ID, "youtube:")})
		}
		if len(errs) > 0 {
			return out, errors.Join(errs...)
		}
		if token = cr.NextPageToken; token == "" {
			break
		}
	}
	return out, nil
}

// refresh re-reads videos with videos.list and comments with
// commentThreads.list?id= (50 a call); what is missing from the answer was deleted.
func (y *youtube) refresh(ctx context.Context, ts []*tracked) []outcome {
	out := make([]outcome, len(ts))
	var vids, threads []int
	for i, t := range ts {
		switch {
		case strings.HasPrefix(t.Ref, "v:"):
			vids = append(vids, i)
		case strings.HasPrefix(t.Ref, "c:"):
			threads = append(threads, i)
		default:
			out[i].err = escucha.Errorf(escucha.EInvalid, "youtube ref %q", t.Ref)
		}
	}
	for i := 0; i < len(vids); i += 50 {
		idx := vids[i:min(i+50, len(vids))]
		var ids []string
		for _, j := range idx {
			ids = append(ids, ts[j].Ref[2:])
		}
		docs, problems, err := y.videos(ctx, ids)
		settleBatch(out, ts, idx, byDocID(docs), badFromProblems(problems, ts, idx, docs), err)
	}
	for i := 0; i < len(threads); i += 50 {
		idx := threads[i:min(i+50, len(threads))]
		var ids []string
		for _, j := range idx {
			ids = append(ids, ts[j].Ref[2:])
		}
		var cr struct {
			Items *[]json.RawMessage `json:"items"`
		}
		err := y.get(ctx, "commentThreads", url.Values{"part": {"snippet"}, "id": {strings.Join(ids, ",")}, "textFormat": {"plainText"}}, &cr)
		if err == nil && cr.Items == nil {
			err = &SchemaError{Platform: "youtube", What: "commentThreads.list response", Missing: []string{"items"}}
		}
		docs := map[string]*escucha.Document{}
		var problems []error
		if err == nil {
			for _, raw := range *cr.Items {
				d, derr := decodeYTThread(raw, nil)
				if derr != nil {
					problems = append(problems, derr)
					continue
				}
				docs[d.ID] = d
			}
		}
		settleBatch(out, ts, idx, docs, badFromProblems(problems, ts, idx, docs), err)
	}
	return out
}

func byDocID(m map[string]*escucha.Document) map[string]*escucha.Document {
	out := make(map[string]*escucha.Document, len(m))
	for _, d := range m {
		out[d.ID] = d
	}
	return out
}

// badFromProblems: a resource that failed to decode cannot be told apart from the
// others in a Google answer, so every post of the batch without a document gets
// the first problem rather than being taken for deleted.
func badFromProblems(problems []error, ts []*tracked, idx []int, docs map[string]*escucha.Document) map[string]error {
	bad := map[string]error{}
	if len(problems) == 0 {
		return bad
	}
	have := byDocID(docs)
	for _, j := range idx {
		if have[ts[j].ID] == nil {
			bad[ts[j].ID] = problems[0]
		}
	}
	return bad
}
