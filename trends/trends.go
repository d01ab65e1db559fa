package trends

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends/clickhouse"
	"github.com/infosegura/escucha/trends/duckdb"
	"github.com/infosegura/escucha/trends/internal/core"
)

// Config configures a store (defaults filled by Open; see core.Config fields).
type Config = core.Config

// AlertConfig configures the early warning and source health.
type AlertConfig = core.AlertConfig

// DefaultWeights are the prioritisation weights used when none are configured.
func DefaultWeights() escucha.PriorityWeights { return core.DefaultWeights() }

// Store is a trends store: a sink for enriched documents (idempotent upsert by id,
// newest version wins, deleted documents stop counting) that answers escucha.Trends.
type Store interface {
	escucha.Sink
	escucha.Trends
	// DetectAlerts runs the early warning for the UTC day containing day, stores
	// and returns new alerts (and posts them to the webhook when configured).
	DetectAlerts(ctx context.Context, day time.Time) ([]escucha.Alert, error)
	// Exec runs a raw statement in the store's SQL (tests and benchmarks).
	Exec(ctx context.Context, query string, args ...any) error
}

var (
	_ Store = (*clickhouse.Store)(nil)
	_ Store = (*duckdb.Store)(nil)
)

// Open opens the store named by dsn and applies its migrations:
//
//	clickhouse://host:9000/database   ClickHouse (the database is created if missing)
//	duckdb:PATH                        an embedded DuckDB file (duckdb::memory: in memory)
func Open(ctx context.Context, dsn string, cfg Config, logger *slog.Logger) (Store, error) {
	switch {
	case strings.HasPrefix(dsn, "clickhouse://"):
		return clickhouse.Open(ctx, dsn, cfg, logger)
	case strings.HasPrefix(dsn, "duckdb:"):
		return duckdb.Open(ctx, strings.TrimPrefix(dsn, "duckdb:"), cfg, logger)
	}
	return nil, escucha.Errorf(escucha.EInvalid, "unknown trends store %q (clickhouse://host:port/db or duckdb:PATH)", dsn)
}

// Score is the robust spike score used by the early warning and source health:
// (x − median)/max(1.4826·MAD, √max(median,1)) over the baseline days.
func Score(x int64, baseline []int64) (score, median, mad float64) { return core.Score(x, baseline) }
