package trends_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends"
)

var secret = []byte("secreto-de-prueba-0123456789")

// testLogger sends logs to t.Log.
func testLogger(tb testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tbWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tbWriter struct{ tb testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// clickhouseDSN returns a DSN for a fresh database on the test server, or skips
// (fails under CI=true) when ESCUCHA_CLICKHOUSE is unset.
func clickhouseDSN(tb testing.TB) (string, bool) {
	tb.Helper()
	base := os.Getenv("ESCUCHA_CLICKHOUSE")
	if base == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("ESCUCHA_CLICKHOUSE is not set and CI=true: the ClickHouse integration test cannot run (start it with scripts/clickhouse.sh start DIR)")
		}
		return "", false
	}
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("ESCUCHA_CLICKHOUSE: %v", err)
	}
	db := strings.Trim(u.Path, "/")
	if db == "" {
		db = "escucha_test"
	}
	u.Path = fmt.Sprintf("/%s_%d", db, time.Now().UnixNano())
	return u.String(), true
}

type namedStore struct {
	name string
	s    trends.Store
}

// openStores opens a fresh DuckDB file and, when configured, a fresh ClickHouse
// database with the same config.
func openStores(tb testing.TB, cfg trends.Config) []namedStore {
	tb.Helper()
	ctx := context.Background()
	var out []namedStore
	d, err := trends.Open(ctx, "duckdb:"+filepath.Join(tb.TempDir(), "trends.duckdb"), cfg, testLogger(tb))
	if err != nil {
		tb.Fatalf("open duckdb: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	out = append(out, namedStore{"duckdb", d})
	if dsn, ok := clickhouseDSN(tb); ok {
		c, err := trends.Open(ctx, dsn, cfg, testLogger(tb))
		if err != nil {
			tb.Fatalf("open clickhouse %s: %v", dsn, err)
		}
		u, _ := url.Parse(dsn)
		tb.Cleanup(func() {
			_ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+strings.Trim(u.Path, "/"))
			c.Close()
		})
		out = append(out, namedStore{"clickhouse", c})
	} else {
		tb.Log("ESCUCHA_CLICKHOUSE not set: ClickHouse store skipped (it fails under CI=true)")
	}
	return out
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func at(s string) time.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func place(country, a1, a1code, a2, a2code string) []escucha.Place {
	return []escucha.Place{{Country: country, Admin1: a1, Admin1Code: a1code, Admin2: a2, Admin2Code: a2code,
		Role: escucha.RoleFocus, Score: 0.9, Surface: a2}}
}

func labels(ids ...string) []escucha.Label {
	var out []escucha.Label
	for _, id := range ids {
		out = append(out, escucha.Label{ID: id, Score: 0.8})
	}
	return out
}

func frames(ids ...string) []escucha.Frame {
	var out []escucha.Frame
	for _, id := range ids {
		out = append(out, escucha.Frame{ID: id})
	}
	return out
}

func campaign(id string) []escucha.CampaignMatch {
	return []escucha.CampaignMatch{{ID: id, Matched: []string{"#NadaJustifica"}}}
}

func write(tb testing.TB, s trends.Store, docs ...*escucha.Document) {
	tb.Helper()
	if err := s.Write(context.Background(), docs); err != nil {
		tb.Fatalf("write: %v", err)
	}
}
