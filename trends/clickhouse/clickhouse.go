package clickhouse

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"regexp"
	"sync"
	"time"

	ch "github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends/internal/core"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is the ClickHouse trends store.
type Store struct {
	*core.Engine
	conn driver.Conn // native protocol, for batch inserts
	db   *sql.DB     // database/sql, for the shared query layer
	cfg  core.Config
	log  *slog.Logger
	// columns of docs, read at Open (compact.go).
	columns map[string]bool

	// Background compaction (compact.go), started from Write.
	compactMu   sync.Mutex
	compacting  bool
	closed      bool
	lastCompact time.Time
	compactWG   sync.WaitGroup

	zoneOnce    sync.Once // server time zone, for rekey
	zone        *time.Location
	zoneErr     error
	compactCtx  context.Context
	compactStop context.CancelFunc
}

var _ escucha.Sink = (*Store)(nil)

type dialect struct{}

func (dialect) Docs() string    { return "docs FINAL" } // compacted partitions: Store.Plan
func (dialect) Alerts() string  { return "alerts FINAL" }
func (dialect) Authors() string { return "authors" }
func (dialect) Bucket(iv escucha.Interval, col string) string {
	switch iv {
	case escucha.IntervalWeek:
		return "toMonday(" + col + ")"
	case escucha.IntervalMonth:
		return "toStartOfMonth(" + col + ")"
	}
	return "toDate(" + col + ")"
}
func (dialect) TimeArg() string { return "toDateTime(?)" }
func (dialect) HasAny(col string, n int) string {
	return "hasAny(" + col + ", [" + placeholders(n) + "])"
}
func (dialect) Has(col, lit string) string { return "has(" + col + ", '" + lit + "')" }
func (dialect) Explode(col string) string  { return "arrayJoin(" + col + ")" }
func (dialect) SingleScan() bool           { return true }
func (dialect) Prepend(lit, col string) string {
	return "arrayPushFront(" + col + ", " + lit + ")"
}
func (dialect) CountIf(cond string) string { return "toInt64(countIf(" + cond + "))" }
func (dialect) Int(expr string) string     { return "toInt64(" + expr + ")" }

func nonNil(xs []string) []string {
	if xs == nil {
		return []string{}
	}
	return xs
}

func placeholders(n int) string {
	s := ""
	for i := 0; i < n; i++ {
		if i > 0 {
			s += ", "
		}
		s += "?"
	}
	return s
}

var dbName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Open connects to dsn (clickhouse://host:9000/database), creates the database if
// needed and applies the migrations.
func Open(ctx context.Context, dsn string, cfg core.Config, logger *slog.Logger) (*Store, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts, err := ch.ParseDSN(dsn)
	if err != nil {
		return nil, escucha.Errorf(escucha.EInvalid, "clickhouse dsn: %w", err)
	}
	database := opts.Auth.Database
	if database == "" {
		database = "default"
	}
	if !dbName.MatchString(database) {
		return nil, escucha.Errorf(escucha.EInvalid, "clickhouse database name %q", database)
	}
	if opts.Settings == nil {
		opts.Settings = ch.Settings{}
	}
	// With FINAL, a filter moved to PREWHERE would run before versions are
	// collapsed and could let an old version through (docs/trends.md).
	opts.Settings["optimize_move_to_prewhere"] = 0
	if opts.DialTimeout == 0 {
		opts.DialTimeout = 5 * time.Second
	}
	boot := *opts
	boot.Auth.Database = "default"
	bc, err := ch.Open(&boot)
	if err != nil {
		return nil, unavailable("connect clickhouse", err)
	}
	err = bc.Exec(ctx, "CREATE DATABASE IF NOT EXISTS "+database)
	bc.Close()
	if err != nil {
		return nil, unavailable("create database "+database, err)
	}
	conn, err := ch.Open(opts)
	if err != nil {
		return nil, unavailable("connect clickhouse", err)
	}
	s := &Store{conn: conn, db: ch.OpenDB(opts), cfg: cfg, log: logger}
	s.compactCtx, s.compactStop = context.WithCancel(context.Background())
	s.Engine = &core.Engine{DB: s.db, D: dialect{}, Cfg: cfg, Log: logger, Store: "clickhouse", SaveAll: s.saveAlerts, Versions: s}
	s.Engine.Rollup = s
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.loadColumns(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if len(cfg.AuthorSecret) == 0 {
		secret, created, err := core.LoadSecret(ctx, core.SecretStore{
			Read: core.ReadSetting(s.db),
			Add: func(ctx context.Context, name, value string, created time.Time) error {
				b, err := s.conn.PrepareBatch(ctx, "INSERT INTO settings")
				if err != nil {
					return err
				}
				if err := b.Append(name, value, created); err != nil {
					return err
				}
				return b.Send()
			},
		})
		if err != nil {
			s.Close()
			return nil, unavailable("author secret", err)
		}
		if created {
			logger.Warn("trends: secreto de autores generado y guardado en la tabla settings; en producción defina uno propio", "store", "clickhouse")
		}
		s.setSecret(secret)
	}
	return s, nil
}

func (s *Store) setSecret(b []byte) {
	s.cfg.AuthorSecret = b
	s.Engine.Cfg.AuthorSecret = b
}

func (s *Store) migrate(ctx context.Context) error {
	if err := s.conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, applied DateTime)
		ENGINE = ReplacingMergeTree(applied) ORDER BY version`); err != nil {
		return unavailable("create schema_migrations", err)
	}
	applied, err := core.Migrate(ctx, mustSub(), core.Migrator{
		Applied: func(ctx context.Context) (map[int]bool, error) {
			rows, err := s.conn.Query(ctx, "SELECT DISTINCT version FROM schema_migrations")
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			done := map[int]bool{}
			for rows.Next() {
				var v uint32
				if err := rows.Scan(&v); err != nil {
					return nil, err
				}
				done[int(v)] = true
			}
			return done, rows.Err()
		},
		Exec: func(ctx context.Context, st string) error { return s.conn.Exec(ctx, st) },
		Record: func(ctx context.Context, m core.Migration) error {
			b, err := s.conn.PrepareBatch(ctx, "INSERT INTO schema_migrations")
			if err != nil {
				return err
			}
			if err := b.Append(uint32(m.Version), m.Name, time.Now().UTC()); err != nil {
				return err
			}
			return b.Send()
		},
	})
	if err != nil {
		return unavailable("migrate", err)
	}
	if len(applied) > 0 {
		s.log.Info("trends: migraciones aplicadas", "store", "clickhouse", "versions", applied)
	}
	return nil
}

func mustSub() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	return sub
}

// Write implements escucha.Sink: one batch insert of every document version (the
// table keeps the newest per id), plus the author handle rows. It returns only
// after ClickHouse acknowledged the batch. A batch with an invalid document is
// refused whole with a permanent (EInvalid) error, so the stream retries the
// documents one by one and dead-letters the bad one; every other error is retryable (kind unavailable or internal).
func (s *Store) Write(ctx context.Context, docs []*escucha.Document) error {
	start := time.Now()
	now := s.cfg.Now()
	if err := core.ValidateBatch(docs); err != nil {
		core.Rejected.WithLabelValues("clickhouse").Inc()
		return err
	}
	rows := make([]core.Row, 0, len(docs))
	var authors []core.AuthorRow
	for _, d := range docs {
		rows = append(rows, core.ToRow(s.cfg.AuthorSecret, d, now))
		if a, ok := core.ToAuthor(s.cfg.AuthorSecret, d, now); ok {
			authors = append(authors, a)
		}
	}
	tombs, err := s.rekey(ctx, rows)
	if err != nil {
		core.WriteErrors.WithLabelValues("clickhouse").Inc()
		return err
	}
	batch, err := s.conn.PrepareBatch(ctx, "INSERT INTO docs")
	if err != nil {
		core.WriteErrors.WithLabelValues("clickhouse").Inc()
		return unavailable("prepare docs batch", err)
	}
	n := 0
	for _, r := range append(rows, tombs...) {
		if err := batch.Append(r.ID, uint64(r.Version), r.Deleted, r.Published, r.Fetched, r.Source,
			r.SourceCountry, r.Platform, r.Kind, r.Lang, r.Country, r.Admin1, r.Admin1Code, r.Admin2,
			r.Admin2Code, nonNil(r.Categories), nonNil(r.Campaigns), nonNil(r.Framing), r.Engagement, r.Views, r.AuthorHash,
			r.Followers, r.ClusterID, r.URL, r.Title); err != nil {
			_ = batch.Abort()
			core.WriteErrors.WithLabelValues("clickhouse").Inc()
			return escucha.Errorf(escucha.EInternal, "append %s: %w", r.ID, err)
		}
		n++
	}
	if n == 0 {
		_ = batch.Abort()
		return nil
	}
	if err := batch.Send(); err != nil {
		core.WriteErrors.WithLabelValues("clickhouse").Inc()
		return unavailable("insert docs", err)
	}
	if len(authors) > 0 {
		ab, err := s.conn.PrepareBatch(ctx, "INSERT INTO authors")
		if err != nil {
			return unavailable("prepare authors batch", err)
		}
		for _, a := range authors {
			if err := ab.Append(a.Hash, a.Platform, a.Handle, a.Name, a.Updated); err != nil {
				_ = ab.Abort()
				return escucha.Errorf(escucha.EInternal, "append author: %w", err)
			}
		}
		if err := ab.Send(); err != nil {
			return unavailable("insert authors", err)
		}
	}
	core.Written.WithLabelValues("clickhouse").Add(float64(len(rows)))
	core.WriteSeconds.WithLabelValues("clickhouse").Observe(time.Since(start).Seconds())
	s.maybeCompact()
	return nil
}

func (s *Store) saveAlerts(ctx context.Context, alerts []escucha.Alert) error {
	b, err := s.conn.PrepareBatch(ctx, "INSERT INTO alerts")
	if err != nil {
		return unavailable("prepare alerts batch", err)
	}
	for _, a := range alerts {
		if err := b.Append(a.ID, a.Kind, a.Key, a.Label, a.Day, a.Count, a.Baseline, a.MAD, a.Score, a.Created); err != nil {
			_ = b.Abort()
			return escucha.Errorf(escucha.EInternal, "append alert: %w", err)
		}
	}
	if err := b.Send(); err != nil {
		return unavailable("insert alerts", err)
	}
	return nil
}

// Exec runs a statement (benchmarks generate rows in the database with it).
func (s *Store) Exec(ctx context.Context, query string, args ...any) error {
	return s.conn.Exec(ctx, query, args...)
}

// Close stops a running background compaction and releases the connections.
func (s *Store) Close() error {
	s.compactMu.Lock()
	s.closed = true
	s.compactMu.Unlock()
	s.compactStop()
	s.compactWG.Wait()
	return errors.Join(s.db.Close(), s.conn.Close())
}

// unavailable wraps an error: a server exception is internal (the server refused
// the statement), anything else means ClickHouse could not be reached. Both are
// retryable; neither is permanent.
func unavailable(what string, err error) error {
	var ex *ch.Exception
	if errors.As(err, &ex) {
		return escucha.Errorf(escucha.EInternal, "%s: clickhouse refused: %w", what, err)
	}
	return escucha.Errorf(escucha.EUnavailable, "%s: clickhouse unavailable: %w", what, err)
}
