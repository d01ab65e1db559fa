package sampleweb

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/infosegura/escucha"
)

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// matches reports whether a post mentions q (a hashtag or words), ignoring case, accents
// and the #.
func matches(d *escucha.Document, q string) bool {
	q = strings.TrimPrefix(fold(q), "#")
	if q == "" {
		return true
	}
	t := strings.ReplaceAll(strings.ReplaceAll(fold(d.Title+" "+d.Text), "_", ""), " ", "")
	return strings.Contains(t, strings.ReplaceAll(strings.ReplaceAll(q, "_", ""), " ", ""))
}

func fold(s string) string {
	r := strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "ü", "u")
	return r.Replace(strings.ToLower(s))
}

func postID(d *escucha.Document) string {
	if i := strings.LastIndexByte(d.ID, ':'); i >= 0 {
		return slug(d.ID[i+1:])
	}
	return slug(d.ID)
}

// page returns up to limit posts of ps older than the cursor index.
func page(ps []*escucha.Document, cursor string, limit int) ([]*escucha.Document, string) {
	start, _ := strconv.Atoi(cursor)
	if limit <= 0 || limit > 40 {
		limit = 20
	}
	if start >= len(ps) {
		return nil, ""
	}
	end := min(start+limit, len(ps))
	next := ""
	if end < len(ps) {
		next = strconv.Itoa(end)
	}
	return ps[start:end], next
}

func (s *Site) filtered(platform, q string) []*escucha.Document {
	var out []*escucha.Document
	for _, d := range s.posts[platform] {
		if matches(d, q) {
			out = append(out, d)
		}
	}
	return out
}

func handle(d *escucha.Document) string {
	if d.Author.Handle != "" {
		return strings.TrimPrefix(d.Author.Handle, "@")
	}
	return slug(d.Author.Name)
}

func (s *Site) mastodonHandler() http.Handler {
	mux := http.NewServeMux()
	status := func(base string, d *escucha.Document) map[string]any {
		id := postID(d)
		acct := strings.SplitN(handle(d), "@", 2)[0]
		return map[string]any{
			"id": id, "created_at": d.Published.UTC().Format(time.RFC3339Nano),
			"language": "es", "visibility": "public", "in_reply_to_id": nil,
			"uri": base + "/users/" + acct + "/statuses/" + id, "url": base + "/@" + acct + "/" + id,
			"content":       "<p>" + html.EscapeString(strings.TrimSpace(d.Title+" "+d.Text)) + "</p>",
			"replies_count": d.Engagement.Replies, "reblogs_count": d.Engagement.Shares,
			"favourites_count": d.Engagement.Likes,
			"account": map[string]any{"id": slug(d.Author.ID + acct), "username": acct, "acct": acct,
				"display_name": d.Author.Name, "followers_count": d.Author.Followers,
				"url": base + "/@" + acct},
			"tags": []any{}, "media_attachments": []any{},
		}
	}
	mux.HandleFunc("GET /api/v1/statuses/{id}", func(w http.ResponseWriter, r *http.Request) {
		for _, d := range s.posts[escucha.PlatformMastodon] {
			if postID(d) == r.PathValue("id") {
				writeJSON(w, status("http://"+r.Host, d))
				return
			}
		}
		w.WriteHeader(http.StatusNotFound)
		writeJSON(w, map[string]string{"error": "Record not found"})
	})
	mux.HandleFunc("GET /api/v1/timelines/tag/{tag}", func(w http.ResponseWriter, r *http.Request) {
		ps := s.filtered(escucha.PlatformMastodon, r.PathValue("tag"))
		cursor := ""
		if maxID := r.URL.Query().Get("max_id"); maxID != "" {
			for i, d := range ps {
				if postID(d) == maxID {
					cursor = strconv.Itoa(i + 1)
				}
			}
			if cursor == "" {
				cursor = strconv.Itoa(len(ps))
			}
		}
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		pg, next := page(ps, cursor, limit)
		base := "http://" + r.Host
		out := make([]any, 0, len(pg))
		for _, d := range pg {
			out = append(out, status(base, d))
		}
		if next != "" && len(pg) > 0 {
			w.Header().Set("Link", fmt.Sprintf(`<%s%s?max_id=%s>; rel="next"`, base, r.URL.Path, postID(pg[len(pg)-1])))
		}
		writeJSON(w, out)
	})
	return mux
}

func (s *Site) blueskyHandler() http.Handler {
	mux := http.NewServeMux()
	did := func(d *escucha.Document) string { return "did:plc:" + slug(handle(d)) }
	post := func(d *escucha.Document) map[string]any {
		return map[string]any{
			"uri": "at://" + did(d) + "/app.bsky.feed.post/" + postID(d), "cid": "bafy" + postID(d),
			"author": map[string]any{"did": did(d), "handle": handle(d), "displayName": d.Author.Name},
			"record": map[string]any{"$type": "app.bsky.feed.post", "text": strings.TrimSpace(d.Title + " " + d.Text),
				"createdAt": d.Published.UTC().Format(time.RFC3339Nano), "langs": []string{"es"}},
			"replyCount": d.Engagement.Replies, "repostCount": d.Engagement.Shares,
			"likeCount": d.Engagement.Likes, "quoteCount": 0,
			"indexedAt": d.Published.UTC().Format(time.RFC3339Nano),
		}
	}
	mux.HandleFunc("GET /xrpc/app.bsky.feed.getPosts", func(w http.ResponseWriter, r *http.Request) {
		want := map[string]bool{}
		for _, u := range r.URL.Query()["uris"] {
			want[u] = true
		}
		posts := []any{}
		for _, d := range s.posts[escucha.PlatformBluesky] {
			if p := post(d); want[p["uri"].(string)] {
				posts = append(posts, p)
			}
		}
		writeJSON(w, map[string]any{"posts": posts})
	})
	mux.HandleFunc("GET /xrpc/app.bsky.feed.searchPosts", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		ps := s.filtered(escucha.PlatformBluesky, q.Get("q"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		pg, next := page(ps, q.Get("cursor"), limit)
		posts := make([]any, 0, len(pg))
		for _, d := range pg {
			posts = append(posts, post(d))
		}
		resp := map[string]any{"posts": posts, "hitsTotal": len(ps)}
		if next != "" {
			resp["cursor"] = next
		}
		writeJSON(w, resp)
	})
	mux.HandleFunc("GET /xrpc/app.bsky.actor.getProfiles", func(w http.ResponseWriter, r *http.Request) {
		want := map[string]bool{}
		for _, a := range r.URL.Query()["actors"] {
			want[a] = true
		}
		seen := map[string]bool{}
		profiles := []any{}
		for _, d := range s.posts[escucha.PlatformBluesky] {
			if id := did(d); (want[id] || want[handle(d)]) && !seen[id] {
				seen[id] = true
				profiles = append(profiles, map[string]any{"did": id, "handle": handle(d),
					"displayName": d.Author.Name, "followersCount": d.Author.Followers})
			}
		}
		writeJSON(w, map[string]any{"profiles": profiles})
	})
	return mux
}

func (s *Site) redditHandler() http.Handler {
	mux := http.NewServeMux()
	listing := func(w http.ResponseWriter, r *http.Request, ps []*escucha.Document) {
		q := r.URL.Query()
		limit, _ := strconv.Atoi(q.Get("limit"))
		pg, next := page(ps, strings.TrimPrefix(q.Get("after"), "t3_cursor"), limit)
		children := make([]any, 0, len(pg))
		for _, d := range pg {
			id := postID(d)
			children = append(children, map[string]any{"kind": "t3", "data": map[string]any{
				"id": id, "name": "t3_" + id, "title": d.Title, "selftext": d.Text,
				"author": handle(d), "subreddit": "guatemala", "subreddit_subscribers": d.Author.Followers,
				"score": d.Engagement.Likes, "ups": d.Engagement.Likes, "num_comments": d.Engagement.Replies,
				"created_utc": float64(d.Published.Unix()), "permalink": "/r/guatemala/comments/" + id + "/",
				"url": "http://" + r.Host + "/r/guatemala/comments/" + id + "/", "is_self": true,
			}})
		}
		var after any
		if next != "" {
			after = "t3_cursor" + next
		}
		writeJSON(w, map[string]any{"kind": "Listing", "data": map[string]any{"after": after, "before": nil, "children": children}})
	}
	mux.HandleFunc("GET /api/info", func(w http.ResponseWriter, r *http.Request) {
		want := map[string]bool{}
		for _, id := range strings.Split(r.URL.Query().Get("id"), ",") {
			want[strings.TrimPrefix(id, "t3_")] = true
		}
		var ps []*escucha.Document
		for _, d := range s.posts[escucha.PlatformReddit] {
			if want[postID(d)] {
				ps = append(ps, d)
			}
		}
		listing(w, r, ps)
	})
	mux.HandleFunc("GET /r/{sub}/new.json", func(w http.ResponseWriter, r *http.Request) {
		listing(w, r, s.posts[escucha.PlatformReddit])
	})
	mux.HandleFunc("GET /search.json", func(w http.ResponseWriter, r *http.Request) {
		listing(w, r, s.filtered(escucha.PlatformReddit, r.URL.Query().Get("q")))
	})
	mux.HandleFunc("GET /r/{sub}/search.json", func(w http.ResponseWriter, r *http.Request) {
		listing(w, r, s.filtered(escucha.PlatformReddit, r.URL.Query().Get("q")))
	})
	mux.HandleFunc("GET /r/{sub}/about.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"kind": "t5", "data": map[string]any{"display_name": r.PathValue("sub"), "subscribers": 41230}})
	})
	return mux
}
