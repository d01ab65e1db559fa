package social

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/infosegura/escucha"
)

// position orders items of a newest-first listing: by a numeric id when the
// platform's ids grow with time (Mastodon statuses, Telegram messages), by time
// otherwise.
type position struct {
	T time.Time `json:"t,omitzero"`
	N string    `json:"n,omitempty"`
}

func (p position) zero() bool { return p.T.IsZero() && p.N == "" }

// older reports whether p is at or below the stop mark (already covered).
func (p position) older(stop position) bool {
	if p.N != "" && stop.N != "" {
		return numCmp(p.N, stop.N) <= 0
	}
	if p.T.IsZero() || stop.T.IsZero() {
		return false
	}
	return p.T.Before(stop.T)
}

func (p position) after(q position) bool {
	if q.zero() {
		return !p.zero()
	}
	if p.N != "" && q.N != "" {
		return numCmp(p.N, q.N) > 0
	}
	return p.T.After(q.T)
}

// numCmp compares decimal id strings without overflow.
func numCmp(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// cursor is how far a source has been read: everything from the backfill horizon
// up to Top is covered, except the Gaps (pages left unread when a round hit
// MaxPages), which later rounds fill.
type cursor struct {
	Top  position `json:"top,omitzero"`
	Gaps []gap    `json:"gaps,omitempty"`
}

type gap struct {
	Token string   `json:"token"`
	Stop  position `json:"stop"`
}

// tracked is what is remembered of an emitted post: enough to refresh it, to
// recognise unchanged figures, and to emit a deletion.
type tracked struct {
	ID        string    `json:"id"`
	Platform  string    `json:"platform"`
	Kind      string    `json:"kind,omitempty"`
	Ref       string    `json:"ref"`
	Source    string    `json:"source,omitempty"`
	URL       string    `json:"url,omitempty"`
	Published time.Time `json:"published,omitzero"`
	Version   int64     `json:"version"`
	Fig       [4]int64  `json:"fig"`
	Checks    int       `json:"checks,omitempty"`
	NextAt    time.Time `json:"next_at,omitzero"` // zero: no more refreshes
	Until     time.Time `json:"until"`
	Deleted   bool      `json:"deleted,omitempty"`

	Campaigns []escucha.CampaignMatch `json:"campaigns,omitempty"`
}

type stateData struct {
	Cursors map[string]*cursor  `json:"cursors"`
	Posts   map[string]*tracked `json:"posts"`
	Alias   map[string]string   `json:"alias,omitempty"` // cross-source key → doc id
}

// store persists cursors and tracked posts as one JSON file, replaced atomically.
type store struct {
	mu   sync.Mutex
	path string // "" = memory only
	d    stateData
}

const stateFile = "social-state.json"

func openStore(dir string) (*store, error) {
	s := &store{d: stateData{Cursors: map[string]*cursor{}, Posts: map[string]*tracked{}, Alias: map[string]string{}}}
	if dir == "" || dir == "none" {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	s.path = filepath.Join(dir, stateFile)
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	if err := json.Unmarshal(b, &s.d); err != nil {
		return nil, fmt.Errorf("decode state %s: %w", s.path, err)
	}
	if s.d.Cursors == nil {
		s.d.Cursors = map[string]*cursor{}
	}
	if s.d.Posts == nil {
		s.d.Posts = map[string]*tracked{}
	}
	if s.d.Alias == nil {
		s.d.Alias = map[string]string{}
	}
	return s, nil
}

// save writes the state to a temporary file and renames it over the old one.
func (s *store) save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.path == "" {
		return nil
	}
	b, err := json.Marshal(&s.d)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".social-state-*")
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("write state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("sync state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("replace state: %w", err)
	}
	return nil
}

func (s *store) cursor(key string) cursor {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.d.Cursors[key]; c != nil {
		cp := *c
		cp.Gaps = append([]gap(nil), c.Gaps...)
		return cp
	}
	return cursor{}
}

func (s *store) setCursor(key string, c cursor) {
	s.mu.Lock()
	s.d.Cursors[key] = &c
	s.mu.Unlock()
}

// tracks reports whether the post id is remembered.
func (s *store) tracks(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.d.Posts[id] != nil
}

// due returns up to n tracked posts of platform whose refresh time has come.
func (s *store) due(platform string, now time.Time, n int) []*tracked {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*tracked
	for _, t := range s.d.Posts {
		if t.Platform == platform && !t.Deleted && !t.NextAt.IsZero() && !t.NextAt.After(now) {
			cp := *t
			out = append(out, &cp)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].NextAt.Before(out[j].NextAt) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// nextDue is the earliest refresh time of any tracked post (zero if none).
func (s *store) nextDue() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var min time.Time
	for _, t := range s.d.Posts {
		if !t.Deleted && !t.NextAt.IsZero() && (min.IsZero() || t.NextAt.Before(min)) {
			min = t.NextAt
		}
	}
	return min
}

// prune forgets posts whose refresh window ended more than retention ago.
func (s *store) prune(now time.Time, retention time.Duration) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for id, t := range s.d.Posts {
		if now.Sub(t.Until) > retention {
			delete(s.d.Posts, id)
			n++
		}
	}
	if n > 0 {
		for k, id := range s.d.Alias {
			if s.d.Posts[id] == nil {
				delete(s.d.Alias, k)
			}
		}
	}
	return n
}

// schedule sets t.NextAt after a read at now: First after collection, then
// Interval·Factor^(checks-1) capped at Max, and none past t.Until.
func schedule(t *tracked, now time.Time, r RefreshConfig) {
	if r.Disabled {
		t.NextAt = time.Time{}
		return
	}
	iv := float64(r.First.D())
	if t.Checks > 0 {
		iv = float64(r.Interval.D()) * math.Pow(r.Factor, float64(t.Checks-1))
	}
	if iv > float64(r.Max.D()) || math.IsInf(iv, 0) {
		iv = float64(r.Max.D())
	}
	next := now.Add(time.Duration(iv))
	if next.After(t.Until) {
		t.NextAt = time.Time{}
		return
	}
	t.NextAt = next
}
