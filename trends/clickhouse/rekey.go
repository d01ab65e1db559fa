package clickhouse

import (
	"context"
	"strings"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends/internal/core"
)

// The docs table is ordered by (publication day, id), so ReplacingMergeTree only
// replaces a version stored under the same day. When a newer version of a document
// moves to another day, the rows under the days it left must stop counting: rekey
// records every day an id was stored under (doc_keys) and returns, for the batch,
// deleted tombstones at the new version under each of those other days.

// quote is a ClickHouse string literal.
func quote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// serverZone is the time zone ClickHouse's toDate uses (the server's).
func (s *Store) serverZone(ctx context.Context) (*time.Location, error) {
	s.zoneOnce.Do(func() {
		var name string
		if err := s.conn.QueryRow(ctx, "SELECT timezone()").Scan(&name); err != nil {
			s.zoneErr = unavailable("server time zone", err)
			return
		}
		s.zone, s.zoneErr = time.LoadLocation(name)
		if s.zoneErr != nil {
			s.zone, s.zoneErr = time.UTC, nil
			s.log.Warn("clickhouse time zone unknown here; comparing days in UTC", "zone", name)
		}
	})
	return s.zone, s.zoneErr
}

// rekey writes the batch's (id, published) pairs to doc_keys and returns tombstone rows
// for the days each re-versioned document left.
func (s *Store) rekey(ctx context.Context, rows []core.Row) ([]core.Row, error) {
	var ids []string
	for _, r := range rows {
		if r.Version > 1 {
			ids = append(ids, quote(r.ID))
		}
	}
	seen := map[string][]time.Time{}
	if len(ids) > 0 {
		// A literal IN list uses the primary key of doc_keys; the ids are quoted.
		q := "SELECT id, published FROM doc_keys WHERE id IN (" + strings.Join(ids, ",") + ")"
		res, err := s.conn.Query(ctx, q)
		if err != nil {
			return nil, unavailable("read doc_keys", err)
		}
		for res.Next() {
			var id string
			var p time.Time
			if err := res.Scan(&id, &p); err != nil {
				res.Close()
				return nil, unavailable("scan doc_keys", err)
			}
			seen[id] = append(seen[id], p)
		}
		res.Close()
		if err := res.Err(); err != nil {
			return nil, unavailable("read doc_keys", err)
		}
	}
	kb, err := s.conn.PrepareBatch(ctx, "INSERT INTO doc_keys")
	if err != nil {
		return nil, unavailable("prepare doc_keys batch", err)
	}
	for _, r := range rows {
		if err := kb.Append(r.ID, r.Published, uint64(r.Version)); err != nil {
			_ = kb.Abort()
			return nil, escucha.Errorf(escucha.EInternal, "append key %s: %w", r.ID, err)
		}
	}
	if err := kb.Send(); err != nil {
		return nil, unavailable("insert doc_keys", err)
	}
	if len(seen) == 0 {
		return nil, nil
	}
	zone, err := s.serverZone(ctx)
	if err != nil {
		return nil, err
	}
	day := func(t time.Time) string { return t.In(zone).Format(time.DateOnly) }
	var tombs []core.Row
	for _, r := range rows {
		done := map[string]bool{day(r.Published): true}
		for _, p := range seen[r.ID] {
			if d := day(p); !done[d] {
				done[d] = true
				tombs = append(tombs, core.Row{ID: r.ID, Version: r.Version, Deleted: 1, Published: p, Fetched: r.Fetched})
			}
		}
	}
	return tombs, nil
}
