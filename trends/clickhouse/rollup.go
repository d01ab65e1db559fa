package clickhouse

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/infosegura/escucha/trends/internal/core"
)

// Rollups of compacted months (docs/trends.md, "Rollups"; migration 0005).
//
// A compact month partition is one merged part holding one version per document
// (compact.go). rollupPart computes that part's per-day counts into roll_place
// and roll_cat, tagged with the part's name and a random run id, and records the
// finished run in roll_done. A query reads, for each month whose single part has
// a finished run, that run's rows; every other month is read from docs (plain
// scan when compact, FINAL when not). The plan is checked after the query started
// (Plan.Same), as for plain scans, so a month that changed meanwhile is never
// read from a stale rollup. Part names are never reused, so rows of a part that
// no longer exists are never read again; Compact deletes them.

// rollupPart computes the rollups of one compact part of partition id.
func (s *Store) rollupPart(ctx context.Context, id, part string) error {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Errorf("rollup run id: %w", err)
	}
	batch := hex.EncodeToString(b[:])
	src := " FROM docs WHERE _part = " + quote(part) + " AND toYYYYMM(published) = " + id + " AND deleted = 0"
	for _, st := range []string{
		"INSERT INTO roll_place SELECT " + quote(part) + ", '" + batch + "', toDateTime(toDate(published)), focus_country, " +
			"platform, focus_admin1_code, focus_admin1, focus_admin2_code, focus_admin2, toInt64(count())" + src +
			" GROUP BY toDate(published), focus_country, platform, focus_admin1_code, focus_admin1, focus_admin2_code, focus_admin2",
		"INSERT INTO roll_cat SELECT " + quote(part) + ", '" + batch + "', toDateTime(toDate(published)), focus_country, " +
			"platform, focus_admin1_code, category, toInt64(count()) FROM docs ARRAY JOIN categories AS category" +
			" WHERE _part = " + quote(part) + " AND toYYYYMM(published) = " + id + " AND deleted = 0" +
			" GROUP BY toDate(published), focus_country, platform, focus_admin1_code, category",
	} {
		if err := s.conn.Exec(ctx, st); err != nil {
			return unavailable("rollup partition "+id, err)
		}
	}
	b2, err := s.conn.PrepareBatch(ctx, "INSERT INTO roll_done")
	if err != nil {
		return unavailable("prepare roll_done", err)
	}
	if err := b2.Append(part, batch, time.Now().UTC()); err != nil {
		_ = b2.Abort()
		return unavailable("append roll_done", err)
	}
	if err := b2.Send(); err != nil {
		return unavailable("insert roll_done", err)
	}
	return nil
}

// runs returns, for the given parts, the finished rollup run of each (the
// smallest id when several finished).
func (s *Store) runs(ctx context.Context, parts []string) (map[string]string, error) {
	out := map[string]string{}
	if len(parts) == 0 {
		return out, nil
	}
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = quote(p)
	}
	rows, err := s.conn.Query(ctx, "SELECT part, min(batch) FROM roll_done WHERE part IN ("+strings.Join(q, ", ")+") GROUP BY part")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p, b string
		if err := rows.Scan(&p, &b); err != nil {
			return nil, err
		}
		out[p] = b
	}
	return out, rows.Err()
}

// rollupMissing computes the rollups of every compact partition that has none
// (a month compacted by Compact, or merged to one part by ClickHouse itself),
// then deletes the rows of parts that no longer exist. It returns how many
// partitions it rolled up.
func (s *Store) rollupMissing(ctx context.Context) (int, error) {
	st, err := s.parts(ctx)
	if err != nil {
		return 0, unavailable("read parts", err)
	}
	var parts []string
	for _, p := range st {
		if p != "" {
			parts = append(parts, p)
		}
	}
	sort.Strings(parts)
	done, err := s.runs(ctx, parts)
	if err != nil {
		return 0, unavailable("read roll_done", err)
	}
	n := 0
	for id, p := range st {
		if p == "" || done[p] != "" {
			continue
		}
		start := time.Now()
		if err := s.rollupPart(ctx, id, p); err != nil {
			return n, err
		}
		n++
		s.log.Info("trends: agregados diarios calculados", "store", "clickhouse", "partition", id, "part", p,
			"seconds", time.Since(start).Seconds())
	}
	s.dropStaleRollups(ctx, st)
	return n, nil
}

// dropStaleRollups deletes rollup rows of parts older than the month's current
// compact part. Only older parts are touched: a part with a finished run was,
// when it ran, its month's only part, so a later such part (larger block
// numbers) replaced it for good; a newer part being rolled up by another process
// right now is left alone. Best effort: stale rows are never read anyway.
func (s *Store) dropStaleRollups(ctx context.Context, st partsState) {
	for id, p := range st {
		max, level, ok := partOrder(p)
		if !ok {
			continue
		}
		pmax, plevel := "toUInt64(splitByChar('_', part)[3])", "toUInt32(splitByChar('_', part)[4])"
		cond := fmt.Sprintf("toYYYYMM(published) = %s AND part != %s AND (%s < %d OR (%s = %d AND %s < %d))",
			id, quote(p), pmax, max, pmax, max, plevel, level)
		for _, t := range []string{"roll_place", "roll_cat"} {
			var stale uint64
			if err := s.conn.QueryRow(ctx, "SELECT count() FROM "+t+" WHERE "+cond).Scan(&stale); err != nil || stale == 0 {
				continue
			}
			if err := s.conn.Exec(ctx, "ALTER TABLE "+t+" DELETE WHERE "+cond); err != nil {
				s.log.Warn("trends: no se pudieron borrar agregados obsoletos", "store", "clickhouse", "table", t, "err", err)
			}
		}
	}
}

// partOrder reads the max block number and level of a part name
// (partition_min_max_level[_mutation]).
func partOrder(name string) (max uint64, level uint32, ok bool) {
	f := strings.Split(name, "_")
	if len(f) < 4 {
		return 0, 0, false
	}
	if _, err := fmt.Sscan(f[2], &max); err != nil {
		return 0, 0, false
	}
	if _, err := fmt.Sscan(f[3], &level); err != nil {
		return 0, 0, false
	}
	return max, level, true
}

// Rollups implements core.RollupSource: the rollup runs of the compact months,
// and a plan over docs for the other months.
func (s *Store) Rollups(ctx context.Context) (*core.RollupRead, error) {
	zone, err := s.serverZone(ctx)
	if err != nil {
		return nil, err
	}
	pl, err := s.Plan(ctx)
	if err != nil {
		return nil, err
	}
	p := pl.(*plan)
	var parts []string
	for _, id := range p.clean {
		parts = append(parts, p.state[id])
	}
	done, err := s.runs(ctx, parts)
	if err != nil {
		return nil, err
	}
	rest := &plan{s: s, state: p.state, dirty: p.dirty}
	var names, batches []string
	for _, id := range p.clean {
		if b := done[p.state[id]]; b != "" {
			names = append(names, quote(p.state[id]))
			batches = append(batches, quote(b))
		} else {
			rest.clean = append(rest.clean, id)
		}
	}
	if len(names) == 0 {
		return nil, nil
	}
	// A run id belongs to one part, so the batch list alone is exact; the part
	// list lets ClickHouse use the sorting key.
	return &core.RollupRead{
		Zone: zone,
		Cond: "part IN (" + strings.Join(names, ", ") + ") AND batch IN (" + strings.Join(batches, ", ") + ")",
		Rest: rest.From,
		Same: p.Same,
	}, nil
}
