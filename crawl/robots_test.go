package crawl

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"
)

func TestReserveSpacesRequests(t *testing.T) {
	f := &fetcher{delay: map[string]time.Duration{"a.example": 2 * time.Second}, slot: map[string]time.Time{}}
	now := time.Date(2024, 5, 12, 12, 0, 0, 0, time.UTC)
	for i, want := range []time.Duration{0, 2 * time.Second, 4 * time.Second} {
		if got := f.reserve("a.example", now); got != want {
			t.Fatalf("request %d waits %s, want %s", i, got, want)
		}
	}
	if got := f.reserve("a.example", now.Add(10*time.Second)); got != 0 {
		t.Fatalf("after a quiet spell the next request waits %s, want 0", got)
	}
	if got := f.reserve("b.example", now); got != 0 {
		t.Fatalf("a host without Crawl-delay waits %s", got)
	}
}

func TestLearnRobotsCrawlDelay(t *testing.T) {
	cfg := Config{UserAgent: DefaultUserAgent, MaxCrawlDelay: 10 * time.Second}
	for _, tc := range []struct {
		name, robots string
		status       int
		want         time.Duration
	}{
		{"for everyone", "User-agent: *\nCrawl-delay: 2\n", 200, 2 * time.Second},
		{"fractional", "User-agent: *\nCrawl-delay: 0.5\n", 200, 500 * time.Millisecond},
		{"our group wins", "User-agent: *\nCrawl-delay: 5\n\nUser-agent: escucha-news\nCrawl-delay: 1\n", 200, time.Second},
		{"capped", "User-agent: *\nCrawl-delay: 3600\n", 200, 10 * time.Second},
		{"none", "User-agent: *\nDisallow: /privado/\n", 200, 0},
		{"missing file", "", 404, 0},
		{"garbage", "\x00\xff<html>no robots here</html>", 200, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fetcher{cfg: cfg, logger: testLogger(t), delay: map[string]time.Duration{}}
			f.learnRobots("h.example", tc.status, []byte(tc.robots))
			if got := f.delay["h.example"]; got != tc.want {
				t.Fatalf("delay %s, want %s", got, tc.want)
			}
		})
	}
}

// TestCrawlHonoursCrawlDelay crawls a site whose robots.txt asks for 150 ms between
// requests, with two workers per host, and checks the spacing of article requests.
func TestCrawlHonoursCrawlDelay(t *testing.T) {
	const delay = 150 * time.Millisecond
	var mu sync.Mutex
	var at []time.Time
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nCrawl-delay: 0.15\n")
		case r.URL.Path == "/rss.xml":
			fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>D</title>`)
			for i := range 4 {
				fmt.Fprintf(w, `<item><title>Nota %d</title><link>%s/nota-%d.html</link></item>`, i, srv.URL, i)
			}
			fmt.Fprint(w, `</channel></rss>`)
		default:
			mu.Lock()
			at = append(at, time.Now())
			mu.Unlock()
			fmt.Fprintf(w, `<html lang="es"><body><article><h1>Nota %s</h1><p>Texto de la nota número %s sobre un hecho en la zona 1 de la capital, con detalles suficientes para ser un artículo.</p></article></body></html>`, r.URL.Path, r.URL.Path)
		}
	}))
	t.Cleanup(srv.Close)
	got, _ := crawlOnce(t, Config{
		Sources:            []Source{{Name: "D", Country: "GT", Home: srv.URL + "/", Feeds: []string{srv.URL + "/rss.xml"}}},
		AllowPrivate:       true,
		StateDir:           t.TempDir(),
		PerHostDelay:       time.Millisecond,
		PerHostConcurrency: 2,
		RequestTimeout:     2 * time.Second,
	})
	if len(got.docs) != 4 {
		t.Fatalf("emitted %d documents, want 4", len(got.docs))
	}
	sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	for i := 1; i < len(at); i++ {
		// Slots start exactly `delay` apart; allow for scheduling jitter on arrival.
		if gap := at[i].Sub(at[i-1]); gap < delay*2/3 {
			t.Fatalf("requests %d and %d only %s apart; robots.txt asks for %s", i-1, i, gap, delay)
		}
	}
}
