package core

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"sort"
	"time"

	"github.com/infosegura/escucha"
)

// Campaign implements escucha.Trends.
func (e *Engine) Campaign(ctx context.Context, q escucha.CampaignQuery) (*escucha.CampaignReach, error) {
	if q.ID == "" {
		return nil, escucha.Errorf(escucha.EInvalid, "campaign id missing")
	}
	if safeID(q.ID) != q.ID {
		return nil, escucha.Errorf(escucha.EInvalid, "bad campaign id %q", q.ID)
	}
	if q.Interval == "" {
		q.Interval = escucha.IntervalDay
	}
	if !q.Interval.Valid() {
		return nil, escucha.Errorf(escucha.EInvalid, "unknown interval %q", q.Interval)
	}
	if q.Top <= 0 {
		q.Top = 10
	}
	base := q.Filter
	base.Campaigns = nil
	f := base
	f.Campaigns = []string{q.ID}
	w := e.where(f)
	bucket := e.D.Bucket(q.Interval, "published")
	rep := &escucha.CampaignReach{ID: q.ID, OverTime: []escucha.CampaignPoint{},
		ByPlatform: []escucha.KeyCount{}, ByCountry: []escucha.KeyCount{},
		TopPosts: []escucha.TopPost{}, TopAmplifiers: []escucha.CampaignAuthor{}}

	// Totals; reach counts each author once, at their highest follower count.
	err := e.docsQuery(ctx, "campaign_totals", w, nil, func(from string) string {
		return "SELECT count(*), " + e.D.Int("sum(engagement)") + " " + from
	}, func(r *sql.Rows) error { return r.Scan(&rep.Mentions, &rep.Engagement) })
	if err != nil {
		return nil, err
	}
	if rep.Mentions == 0 {
		rep.Engagement = 0
	}
	err = e.docsQuery(ctx, "campaign_reach", w.and("author_hash <> ''"), nil, func(from string) string {
		return "SELECT count(*), " + e.D.Int("sum(f)") + " FROM (SELECT author_hash, max(followers) AS f " + from +
			" GROUP BY author_hash) sub"
	}, func(r *sql.Rows) error {
		var reach sql.NullInt64
		err := r.Scan(&rep.UniqueAuthors, &reach)
		rep.PotentialReach = reach.Int64
		return err
	})
	if err != nil {
		return nil, err
	}

	// Share of voice: the campaign within the conversation on violence against women.
	vw := e.where(base)
	vw.add("("+e.D.HasAny("categories", len(VAWCategories))+" OR "+e.D.Has("campaigns", safeID(q.ID))+")",
		anys(VAWCategories)...)
	vaw := map[time.Time]int64{}
	err = e.docsQuery(ctx, "campaign_vaw", vw, nil, func(from string) string {
		return "SELECT t, count(*) FROM (SELECT " + bucket + " AS t " + from + ") sub GROUP BY t"
	}, func(r *sql.Rows) error {
		var t time.Time
		var n int64
		if err := r.Scan(&t, &n); err != nil {
			return err
		}
		vaw[utcDay(t)] = n
		rep.VAWConversation += n
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.ShareOfVoice = ratio(rep.Mentions, rep.VAWConversation)

	points := map[time.Time]*escucha.CampaignPoint{}
	point := func(t time.Time) *escucha.CampaignPoint {
		t = utcDay(t)
		if points[t] == nil {
			points[t] = &escucha.CampaignPoint{T: t}
		}
		return points[t]
	}
	err = e.docsQuery(ctx, "campaign_time", w, nil, func(from string) string {
		return "SELECT t, count(*), " + e.D.Int("sum(engagement)") + " FROM (SELECT " + bucket + " AS t, engagement " +
			from + ") sub GROUP BY t"
	}, func(r *sql.Rows) error {
		var t time.Time
		var n, eng int64
		if err := r.Scan(&t, &n, &eng); err != nil {
			return err
		}
		p := point(t)
		p.Mentions, p.Engagement = n, eng
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = e.docsQuery(ctx, "campaign_time_reach", w.and("author_hash <> ''"), nil, func(from string) string {
		return "SELECT t, count(*), " + e.D.Int("sum(f)") + " FROM (SELECT " + bucket + " AS t, author_hash, max(followers) AS f " +
			from + " GROUP BY t, author_hash) sub GROUP BY t"
	}, func(r *sql.Rows) error {
		var t time.Time
		var n, reach int64
		if err := r.Scan(&t, &n, &reach); err != nil {
			return err
		}
		p := point(t)
		p.UniqueAuthors, p.PotentialReach = n, reach
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Every bucket of the period gets a point, zero where nothing was said (as in
	// attention), so a series never skips quiet days.
	for _, t := range periodBuckets(q.Interval, q.Filter, maps.Keys(points)) {
		point(t)
	}
	for _, p := range points {
		p.ShareOfVoice = ratio(p.Mentions, vaw[p.T])
		rep.OverTime = append(rep.OverTime, *p)
	}
	sort.Slice(rep.OverTime, func(i, j int) bool { return rep.OverTime[i].T.Before(rep.OverTime[j].T) })

	for _, by := range []struct {
		col string
		dst *[]escucha.KeyCount
	}{{"platform", &rep.ByPlatform}, {"source_country", &rep.ByCountry}} {
		err = e.docsQuery(ctx, "campaign_by_"+by.col, w, nil, func(from string) string {
			return "SELECT " + by.col + ", count(*) AS n, " + e.D.Int("sum(engagement)") + " " + from +
				" GROUP BY " + by.col + " ORDER BY n DESC, " + by.col
		}, func(r *sql.Rows) error {
			var k escucha.KeyCount
			if err := r.Scan(&k.Key, &k.Mentions, &k.Engagement); err != nil {
				return err
			}
			*by.dst = append(*by.dst, k)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}

	var hashes []string
	err = e.docsQuery(ctx, "campaign_top_posts", w, nil, func(from string) string {
		return "SELECT id, url, title, source, platform, published, engagement, author_hash " + from +
			" ORDER BY engagement DESC, id LIMIT " + fmt.Sprint(q.Top)
	}, func(r *sql.Rows) error {
		var p escucha.TopPost
		if err := r.Scan(&p.ID, &p.URL, &p.Title, &p.Source, &p.Platform, &p.Published, &p.Engagement, &p.Author); err != nil {
			return err
		}
		p.Published = p.Published.UTC()
		hashes = append(hashes, p.Author)
		rep.TopPosts = append(rep.TopPosts, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = e.docsQuery(ctx, "campaign_top_authors", w.and("author_hash <> ''"), nil, func(from string) string {
		return "SELECT author_hash, min(platform), count(*) AS posts, " + e.D.Int("sum(engagement)") + " AS eng, max(followers) " +
			from + " GROUP BY author_hash ORDER BY eng DESC, posts DESC, author_hash LIMIT " + fmt.Sprint(q.Top)
	}, func(r *sql.Rows) error {
		var a escucha.CampaignAuthor
		if err := r.Scan(&a.Author, &a.Platform, &a.Posts, &a.Engagement, &a.Followers); err != nil {
			return err
		}
		hashes = append(hashes, a.Author)
		rep.TopAmplifiers = append(rep.TopAmplifiers, a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	handles := map[string]string{}
	if q.ShowHandles && len(hashes) > 0 {
		if handles, err = e.handles(ctx, hashes); err != nil {
			return nil, err
		}
	}
	name := func(h string) string {
		if v, ok := handles[h]; ok && v != "" {
			return v
		}
		return escucha.AuthorLabel(h)
	}
	for i := range rep.TopPosts {
		rep.TopPosts[i].Author = name(rep.TopPosts[i].Author)
	}
	for i := range rep.TopAmplifiers {
		rep.TopAmplifiers[i].Author = name(rep.TopAmplifiers[i].Author)
	}
	return rep, nil
}

// handles looks up the handles of pseudonyms, for roles allowed to see them.
func (e *Engine) handles(ctx context.Context, hashes []string) (map[string]string, error) {
	out := map[string]string{}
	err := e.query(ctx, "author_handles",
		"SELECT author_hash, max(handle) FROM "+e.D.Authors()+" WHERE author_hash IN ("+placeholders(len(hashes))+
			") GROUP BY author_hash", anys(hashes),
		func(r *sql.Rows) error {
			var h, handle string
			if err := r.Scan(&h, &handle); err != nil {
				return err
			}
			out[h] = handle
			return nil
		})
	return out, err
}

// safeID keeps only characters that are safe inside a SQL string literal; campaign
// ids are configured slugs ("nada_justifica").
func safeID(id string) string {
	b := make([]byte, 0, len(id))
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c == '_' || c == '-' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			b = append(b, c)
		}
	}
	return string(b)
}
