package clickhouse

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends/internal/core"
)

// Reading the documents table without FINAL where that is exact (docs/trends.md,
// "Compacted partitions").
//
// A month partition is *compact* when it has exactly one active part and that
// part was written by a merge (level > 0): a ReplacingMergeTree merge keeps one
// row per sorting key, so the part holds one version per document and a plain
// scan of it counts each document once. An inserted part (level 0) may hold two
// versions of an id from one batch, and two parts may hold two versions of an
// id; both are read with FINAL. system.parts is the record of which partitions
// are compact: nothing else has to be kept in step with the table.

// loadColumns reads the column names of docs (after the migrations), which the
// read plan selects from its UNION ALL branches.
func (s *Store) loadColumns(ctx context.Context) error {
	rows, err := s.conn.Query(ctx, "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'docs'")
	if err != nil {
		return unavailable("read docs columns", err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return unavailable("read docs columns", err)
		}
		cols[c] = true
	}
	if err := rows.Err(); err != nil {
		return unavailable("read docs columns", err)
	}
	if !cols["published"] || !cols["deleted"] {
		return escucha.Errorf(escucha.EInternal, "docs table without published/deleted columns: %v", cols)
	}
	s.columns = cols
	return nil
}

var monthID = regexp.MustCompile(`^[0-9]{6}$`)

// partsState is one look at the active parts of docs: per partition id, the name
// of its single part when the partition is compact, "" when it is not.
type partsState map[string]string

func (s *Store) parts(ctx context.Context) (partsState, error) {
	rows, err := s.conn.Query(ctx, `SELECT partition_id, toUInt64(count()), any(name), min(level)
		FROM system.parts WHERE database = currentDatabase() AND table = 'docs' AND active GROUP BY partition_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	st := partsState{}
	for rows.Next() {
		var id, name string
		var n uint64
		var level uint32
		if err := rows.Scan(&id, &n, &name, &level); err != nil {
			return nil, err
		}
		if n == 1 && level > 0 && monthID.MatchString(id) {
			st[id] = name
		} else {
			st[id] = ""
		}
	}
	return st, rows.Err()
}

// plan implements core.Plan over a partsState.
type plan struct {
	s     *Store
	state partsState
	clean []string // compact partition ids, sorted
	dirty []string // the others, sorted
}

// Plan implements core.Versions.
func (s *Store) Plan(ctx context.Context) (core.Plan, error) {
	st, err := s.parts(ctx)
	if err != nil {
		return nil, err
	}
	p := &plan{s: s, state: st}
	for id, part := range st {
		if part != "" {
			p.clean = append(p.clean, id)
		} else {
			p.dirty = append(p.dirty, id)
		}
	}
	sort.Strings(p.clean)
	sort.Strings(p.dirty)
	return p, nil
}

func (p *plan) Compact() bool { return len(p.clean) > 0 }

// From reads compact partitions with a plain scan and the others with FINAL. The
// partition is named by the partition key expression, which ClickHouse uses to
// skip partitions (a condition on _partition_id does not: measured on 18.16).
// A partition created after the plan is in neither list; Same sees it and the
// query is repeated.
func (p *plan) From(cond string, words []string) (string, int) {
	var cols []string
	for _, w := range words {
		if p.s.columns[w] {
			cols = append(cols, w)
		}
	}
	if len(cols) == 0 {
		cols = []string{"deleted"}
	}
	// Only the columns the statement reads: 18.16 does not prune the columns of
	// a UNION ALL of SELECT * (measured 2.5–6× slower).
	sel := "SELECT " + strings.Join(cols, ", ")
	var branches []string
	if len(p.clean) > 0 {
		branches = append(branches, sel+" FROM docs WHERE toYYYYMM(published) IN ("+strings.Join(p.clean, ", ")+") AND ("+cond+")")
	}
	if len(p.dirty) > 0 {
		branches = append(branches, sel+" FROM docs FINAL WHERE toYYYYMM(published) IN ("+strings.Join(p.dirty, ", ")+") AND ("+cond+")")
	}
	if len(branches) == 0 {
		return "", 0 // no partition to read (a plan over the months rollups do not cover)
	}
	return "FROM (" + strings.Join(branches, " UNION ALL ") + ") cur", len(branches)
}

// Same implements core.Plan: every partition the plan read without FINAL still
// has the same single part, and no partition appeared. Part names are never
// reused (they carry the table's increasing block numbers and the merge level),
// so a part present both at Plan and at Same was the partition's only part in
// between, in particular in the snapshot the query took.
func (p *plan) Same(ctx context.Context) (bool, error) {
	now, err := p.s.parts(ctx)
	if err != nil {
		return false, err
	}
	for id := range now {
		if _, ok := p.state[id]; !ok {
			return false, nil
		}
	}
	for _, id := range p.clean {
		if now[id] != p.state[id] {
			return false, nil
		}
	}
	return true, nil
}

// Compact merges every month partition of docs that is not compact and has had
// no insert for Config.CompactQuiet into one part (OPTIMIZE … PARTITION … FINAL),
// so that queries read it without FINAL. It returns how many partitions it
// compacted. Write calls it in the background every Config.CompactEvery; it is
// exported for tests, benchmarks and maintenance jobs. An insert racing with it
// is harmless: the partition then has two parts and is read with FINAL until the
// next compaction.
func (s *Store) Compact(ctx context.Context) (int, error) {
	rows, err := s.conn.Query(ctx, `SELECT partition_id FROM system.parts
		WHERE database = currentDatabase() AND table = 'docs' AND active
		GROUP BY partition_id
		HAVING (count() > 1 OR min(level) = 0) AND max(modification_time) <= now() - ?
		ORDER BY partition_id`, int64(s.cfg.CompactQuiet/time.Second))
	if err != nil {
		return 0, unavailable("list partitions to compact", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, unavailable("list partitions to compact", err)
		}
		if monthID.MatchString(id) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, unavailable("list partitions to compact", err)
	}
	n := 0
	for _, id := range ids {
		start := time.Now()
		ok, err := s.compactPartition(ctx, id)
		if err != nil {
			return n, err
		}
		if !ok {
			// Left as it is: the partition is read with FINAL until the next run.
			s.log.Info("trends: partición no compactada (fusiones en curso); se reintentará", "store", "clickhouse", "partition", id)
			continue
		}
		n++
		core.Compactions.WithLabelValues("clickhouse").Inc()
		s.log.Info("trends: partición compactada", "store", "clickhouse", "partition", id, "seconds", time.Since(start).Seconds())
	}
	// Every compact month gets its rollups (rollup.go), including months
	// ClickHouse merged to one part by itself.
	if _, err := s.rollupMissing(ctx); err != nil {
		return n, err
	}
	return n, nil
}

// compactPartition runs OPTIMIZE … FINAL on one partition until system.parts
// shows it compact. OPTIMIZE does nothing, without an error, when a background
// merge holds some of the parts, so it is tried a few times.
func (s *Store) compactPartition(ctx context.Context, id string) (bool, error) {
	for try := 0; try < 5; try++ {
		if try > 0 {
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case <-time.After(time.Duration(try) * 300 * time.Millisecond):
			}
		}
		if err := s.conn.Exec(ctx, "OPTIMIZE TABLE docs PARTITION "+id+" FINAL"); err != nil {
			return false, unavailable(fmt.Sprintf("compact partition %s", id), err)
		}
		st, err := s.parts(ctx)
		if err != nil {
			return false, unavailable("read parts", err)
		}
		if st[id] != "" {
			return true, nil
		}
	}
	return false, nil
}

// maybeCompact starts a background Compact when the last one is older than
// Config.CompactEvery and none is running.
func (s *Store) maybeCompact() {
	if s.cfg.CompactEvery < 0 {
		return
	}
	s.compactMu.Lock()
	defer s.compactMu.Unlock()
	if s.compacting || s.closed || (!s.lastCompact.IsZero() && time.Since(s.lastCompact) < s.cfg.CompactEvery) {
		return
	}
	s.compacting, s.lastCompact = true, time.Now()
	s.compactWG.Add(1)
	go func() {
		defer s.compactWG.Done()
		if _, err := s.Compact(s.compactCtx); err != nil && s.compactCtx.Err() == nil {
			s.log.Warn("trends: compactación fallida; las particiones siguen leyéndose con FINAL", "store", "clickhouse", "err", err)
		}
		s.compactMu.Lock()
		s.compacting = false
		s.compactMu.Unlock()
	}()
}
