package index

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/mapping"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/infosegura/escucha"
)

var (
	metricIndexed = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "escucha_index_documents_total",
		Help: "Documents received by the indexer, by outcome (indexed, deleted, stale, rejected).",
	}, []string{"outcome"})
	metricBatchSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "escucha_index_batch_seconds",
		Help:    "Time to make one batch durable.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
	})
	metricSearchSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "escucha_index_search_seconds",
		Help:    "Time to answer one search.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	})
)

// testFormat, when formatTitleText (tests), makes Open write new months in
// format 4, as it does in an index that has format 4 months.
var testFormat int

var monthDir = regexp.MustCompile(`^\d{4}-\d{2}$`)

// Index is escucha's search index: one Bleve index per month behind an alias. It
// implements escucha.Sink (the indexer) and escucha.Searcher. Safe for concurrent
// use; writes are serialised.
type Index struct {
	cfg     Config
	log     *slog.Logger
	mapping mapping.IndexMapping

	mu     sync.RWMutex // guards shards, legacy, builders and closed
	shards map[string]bleve.Index
	legacy map[string]bool // months created before the sort keys (format 1)
	// builders make the documents of the shards whose mapping a builder can
	// serve (formats 2 to 4); the others (format 1) go through the mapping walk.
	builders map[string]*builder
	builder  *builder // ix.mapping's, for new shards
	// body: every month is format 5 (text queries read body). An index with a
	// month of an older format creates its new months in format 4 too, until
	// reindex, so that one query fits all of them.
	body   bool
	closed bool

	wmu  sync.Mutex // serialises Write, Drop and the clusterer
	clus *clusterer

	// With UnsafeBatch, batches applied but not yet on disk, and the first error
	// persisting one: Close waits for them (scorch's Close drops them).
	unpersisted sync.WaitGroup
	persistMu   sync.Mutex
	persistErr  error

	gcBefore int // the GC target before Open set Config.GCPercent

	// With UnsafeBatch, the last Write's batches are mapped, analysed and built
	// in the background while the caller prepares the next (writeBehind).
	// pending is what they hold, for lookup (guarded by wmu); flight is closed
	// when they are in the index (nil: none); bulkErr, the first error of one,
	// fails every later Write and Close.
	pending  map[string]existing
	flightMu sync.Mutex
	flight   chan struct{}
	bulkErr  error
}

var (
	_ escucha.Sink     = (*Index)(nil)
	_ escucha.Searcher = (*Index)(nil)
)

// Open opens (or creates) the index in cfg.Dir.
func Open(cfg Config, logger *slog.Logger) (*Index, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("open index %s: %w", cfg.Dir, err)
	}
	ix := &Index{cfg: cfg, log: logger, shards: map[string]bleve.Index{},
		legacy: map[string]bool{}, builders: map[string]*builder{}, body: true}
	entries, err := os.ReadDir(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("open index %s: %w", cfg.Dir, err)
	}
	for _, e := range entries {
		if !e.IsDir() || (!monthDir.MatchString(e.Name()) && e.Name() != tombstones) {
			continue
		}
		idx, err := bleve.OpenUsing(filepath.Join(cfg.Dir, e.Name()), ix.runtimeConfig())
		if err != nil {
			ix.closeShards()
			return nil, fmt.Errorf("open shard %s: %w", e.Name(), err)
		}
		idx.SetName(e.Name())
		ix.shards[e.Name()] = idx
		if idx.Mapping().FieldMappingForPath(fSortID).Type == "" {
			ix.legacy[e.Name()] = true
		}
		if b, err := newBuilder(idx.Mapping()); err == nil {
			ix.builders[e.Name()] = b
		}
		ix.body = ix.body && hasBody(idx.Mapping())
	}
	if testFormat == formatTitleText {
		ix.body = false
	}
	format := formatBody
	if !ix.body {
		format = formatTitleText
		logger.Warn("index has months without the body field (format 4 or older): new months are written in format 4 and text queries are slower; rebuild with reindex")
	}
	ix.mapping = mappingOf(format)
	if ix.builder, err = newBuilder(ix.mapping); err != nil {
		ix.closeShards()
		return nil, fmt.Errorf("open index %s: %w", cfg.Dir, err)
	}
	if len(ix.legacy) > 0 {
		logger.Warn("index has months in the old format: searches sort by _id, slower; rebuild with reindex",
			"months", len(ix.legacy))
	}
	ix.clus = newClusterer(cfg, len(ix.shards) == 0, ix.loadCandidates)
	if cfg.GCPercent > 0 {
		ix.gcBefore = debug.SetGCPercent(cfg.GCPercent)
	}
	logger.Info("index open", "dir", cfg.Dir, "months", len(ix.shards), "gc_percent", cfg.GCPercent)
	return ix, nil
}

func (ix *Index) runtimeConfig() map[string]interface{} {
	cfg := map[string]interface{}{"unsafe_batch": ix.cfg.UnsafeBatch}
	if testMergePlan != nil {
		cfg["scorchMergePlanOptions"] = testMergePlan
	}
	return cfg
}

// Close closes every shard.
func (ix *Index) Close() error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	bulkErr := ix.waitFlight()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil
	}
	ix.closed = true
	var errs []error
	if bulkErr != nil {
		errs = append(errs, fmt.Errorf("close: %w", bulkErr))
	}
	if err := ix.waitPersisted(context.Background()); err != nil {
		errs = append(errs, fmt.Errorf("close: %w", err))
	}
	ix.persistMu.Lock()
	if ix.persistErr != nil {
		errs = append(errs, fmt.Errorf("close: persist batch: %w", ix.persistErr))
	}
	ix.persistMu.Unlock()
	errs = append(errs, ix.closeShards())
	if ix.cfg.GCPercent > 0 {
		debug.SetGCPercent(ix.gcBefore)
	}
	return errors.Join(errs...)
}

// persistWait bounds how long Close waits for unsafe batches to reach the disk.
const persistWait = 10 * time.Minute

// waitPersisted waits until every tracked batch is on disk, at most persistWait.
func (ix *Index) waitPersisted(ctx context.Context) error {
	done := make(chan struct{})
	go func() { ix.unpersisted.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(persistWait):
		return fmt.Errorf("batches still not on disk after %s", persistWait)
	}
}

// trackPersist makes Close wait until b is on disk (UnsafeBatch only) and returns
// the function to call if applying b fails (then it never will be).
func (ix *Index) trackPersist(b *bleve.Batch) func() {
	if !ix.cfg.UnsafeBatch {
		return func() {}
	}
	ix.unpersisted.Add(1)
	var once sync.Once
	done := func() { once.Do(ix.unpersisted.Done) }
	b.SetPersistedCallback(func(err error) {
		if err != nil {
			ix.persistMu.Lock()
			if ix.persistErr == nil {
				ix.persistErr = err
			}
			ix.persistMu.Unlock()
		}
		done()
	})
	return done
}

func (ix *Index) closeShards() error {
	var errs []error
	for name, s := range ix.shards {
		if err := s.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close shard %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Months lists the months held, oldest first.
func (ix *Index) Months() []string {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	out := make([]string, 0, len(ix.shards))
	for m := range ix.shards {
		if m != tombstones {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

// DocCount is the number of documents in the index.
func (ix *Index) DocCount() (uint64, error) {
	ix.waitFlight()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	var n uint64
	for name, s := range ix.shards {
		if name == tombstones {
			continue
		}
		c, err := s.DocCount()
		if err != nil {
			return 0, fmt.Errorf("count shard %s: %w", name, err)
		}
		n += c
	}
	return n, nil
}

// Drop deletes every month that ends at or before cutoff (retention) and returns
// the months dropped.
func (ix *Index) Drop(ctx context.Context, cutoff time.Time) ([]string, error) {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	if err := ix.waitFlight(); err != nil {
		return nil, err
	}
	ix.pending = nil // all in the index now, and it may name a dropped month
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return nil, escucha.Errorf(EClosed, "index closed")
	}
	var dropped []string
	for name, s := range ix.shards {
		if err := ctx.Err(); err != nil {
			return dropped, err
		}
		_, end := ix.monthRange(name)
		if end.IsZero() || end.After(cutoff) {
			continue
		}
		if err := s.Close(); err != nil {
			return dropped, fmt.Errorf("drop month %s: %w", name, err)
		}
		delete(ix.shards, name)
		delete(ix.legacy, name)
		delete(ix.builders, name)
		if err := os.RemoveAll(filepath.Join(ix.cfg.Dir, name)); err != nil {
			return dropped, fmt.Errorf("drop month %s: %w", name, err)
		}
		dropped = append(dropped, name)
		ix.log.Info("month dropped", "month", name)
	}
	sort.Strings(dropped)
	return dropped, nil
}

// EClosed is the kind of error returned after Close.
const EClosed = escucha.EUnavailable

// monthRange is the [start, end) of a shard's month.
func (ix *Index) monthRange(name string) (time.Time, time.Time) {
	t, err := time.ParseInLocation("2006-01", name, ix.cfg.Location)
	if err != nil {
		return time.Time{}, time.Time{}
	}
	return t, t.AddDate(0, 1, 0)
}

// monthOf names the shard of a document.
func (ix *Index) monthOf(d *escucha.Document) string {
	t := when(d)
	if t.IsZero() {
		return "0000-00"
	}
	return t.In(ix.cfg.Location).Format("2006-01")
}

// shard returns the shard of a month, creating it. Caller holds wmu.
func (ix *Index) shard(name string) (bleve.Index, error) {
	ix.mu.RLock()
	s, ok := ix.shards[name]
	closed := ix.closed
	ix.mu.RUnlock()
	if closed {
		return nil, escucha.Errorf(EClosed, "index closed")
	}
	if ok {
		return s, nil
	}
	path := filepath.Join(ix.cfg.Dir, name)
	s, err := bleve.NewUsing(path, ix.mapping, bleve.Config.DefaultIndexType,
		bleve.Config.DefaultKVStore, ix.runtimeConfig())
	if err != nil {
		return nil, fmt.Errorf("create shard %s: %w", name, err)
	}
	s.SetName(name)
	ix.mu.Lock()
	ix.shards[name] = s
	ix.builders[name] = ix.builder
	ix.mu.Unlock()
	return s, nil
}

// tombstones is the shard that remembers deleted ids and their last version, so
// an older version delivered late does not bring a deleted document back.
const tombstones = "tombstones"

// view is a read-only alias over the shards that can hold documents in [from, to)
// (all when both are zero; nil when there is none), and whether every chosen month lies wholly inside the
// range (so the date filter can be left out), and whether a chosen month is legacy.
func (ix *Index) view(from, to time.Time) (bleve.IndexAlias, bool, bool, error) {
	ix.waitFlight() // a search sees every Write that returned
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.closed {
		return nil, false, false, escucha.Errorf(EClosed, "index closed")
	}
	var chosen []bleve.Index
	inside, legacy := true, false
	for name, s := range ix.shards {
		if name == tombstones {
			continue
		}
		start, end := ix.monthRange(name)
		if start.IsZero() { // undated documents: only without a date filter
			if from.IsZero() && to.IsZero() {
				chosen = append(chosen, s)
				legacy = legacy || ix.legacy[name]
			}
			continue
		}
		if (!to.IsZero() && !start.Before(to)) || (!from.IsZero() && !end.After(from)) {
			continue
		}
		if (!from.IsZero() && start.Before(from)) || (!to.IsZero() && end.After(to)) {
			inside = false
		}
		chosen = append(chosen, s)
		legacy = legacy || ix.legacy[name]
	}
	if len(chosen) == 0 {
		return nil, inside, legacy, nil
	}
	return bleve.NewIndexAlias(chosen...), inside, legacy, nil
}

// searchIn searches an alias from view; a nil alias (no month) matches nothing.
func searchIn(ctx context.Context, a bleve.IndexAlias, r *bleve.SearchRequest) (*bleve.SearchResult, error) {
	if a == nil {
		return &bleve.SearchResult{Facets: search.FacetResults{}}, nil
	}
	res, err := a.SearchInContext(ctx, r)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("search: %w", err)
	}
	return res, nil
}

// existing is what the index holds of a document id.
type existing struct {
	month   string
	doc     escucha.Document // ID, Version, Fetched, ClusterID only
	present bool
}

// lookup finds the current version of ids across all months.
func (ix *Index) lookup(ctx context.Context, ids []string) (map[string]existing, error) {
	out := make(map[string]existing, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	// What the batches still in flight hold is newer than what the index holds.
	defer func() {
		for _, id := range ids {
			if e, ok := ix.pending[id]; ok {
				out[id] = e
			}
		}
	}()
	ix.mu.RLock()
	all := make([]bleve.Index, 0, len(ix.shards))
	for _, s := range ix.shards {
		all = append(all, s)
	}
	ix.mu.RUnlock()
	if len(all) == 0 {
		return out, nil
	}
	alias := bleve.NewIndexAlias(all...)
	req := bleve.NewSearchRequestOptions(query.NewDocIDQuery(ids), len(ids)*2, 0, false)
	req.Fields = []string{fVersion, fFetched, escucha.FacetCluster}
	res, err := searchIn(ctx, alias, req)
	if err != nil {
		return nil, fmt.Errorf("look up %d ids: %w", len(ids), err)
	}
	for _, h := range res.Hits {
		e := existing{month: h.Index, present: true}
		e.doc.ID = h.ID
		if v, ok := h.Fields[fVersion].(float64); ok {
			e.doc.Version = int64(v)
		}
		e.doc.Fetched = fieldTime(h.Fields[fFetched])
		e.doc.ClusterID, _ = h.Fields[escucha.FacetCluster].(string)
		if old, dup := out[h.ID]; dup && !e.doc.Newer(&old.doc) {
			continue // a stale copy left in another month; the newest wins
		}
		out[h.ID] = e
	}
	return out, nil
}

func fieldTime(v any) time.Time {
	s, _ := v.(string)
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// Write upserts docs by id: a document replaces the stored one only if it is Newer
// (so re-delivery is a no-op and an older version never overwrites a newer one);
// Deleted documents are removed. Each new document is assigned its case
// (cluster_id). Write returns once every batch is on disk; with UnsafeBatch, as
// soon as its batches are handed to a background writer, which builds them while
// the caller prepares the next Write (a search, DocCount, Drop or the next
// Write's own batches wait for it; an error fails the next Write and Close).
func (ix *Index) Write(ctx context.Context, docs []*escucha.Document) error {
	ix.wmu.Lock()
	defer ix.wmu.Unlock()
	start := time.Now()

	latest := make(map[string]*escucha.Document, len(docs))
	order := make([]string, 0, len(docs))
	for _, d := range docs {
		if d == nil {
			continue
		}
		if err := d.Validate(); err != nil {
			metricIndexed.WithLabelValues("rejected").Inc()
			ix.log.Warn("document rejected", "err", err)
			continue
		}
		if prev, ok := latest[d.ID]; ok {
			if d.Newer(prev) {
				latest[d.ID] = d
			}
			continue
		}
		latest[d.ID] = d
		order = append(order, d.ID)
	}
	old, err := ix.lookup(ctx, order)
	if err != nil {
		return err
	}
	ops := map[string]*monthOps{}
	opsOf := func(month string) *monthOps {
		o := ops[month]
		if o == nil {
			o = &monthOps{}
			ops[month] = o
		}
		return o
	}
	var indexed, deleted, stale int
	written := make(map[string]existing, len(order))
	for _, id := range order {
		d := latest[id]
		prev := old[id]
		if prev.present && !d.Newer(&prev.doc) {
			stale++
			continue
		}
		month := ix.monthOf(d)
		if prev.present && ((d.Deleted && prev.month != tombstones) || (!d.Deleted && prev.month != month)) {
			o := opsOf(prev.month) // moved month, deleted, or a tombstone lifted
			o.deletes = append(o.deletes, id)
		}
		if d.Deleted {
			deleted++
			ix.clus.forget(id)
			tomb := map[string]any{fVersion: float64(d.Version)}
			if !d.Fetched.IsZero() {
				tomb[fFetched] = d.Fetched
			}
			o := opsOf(tombstones)
			o.ids, o.recs = append(o.ids, id), append(o.recs, tomb)
			written[id] = existing{month: tombstones, present: true,
				doc: escucha.Document{ID: id, Version: d.Version, Fetched: d.Fetched}}
			continue
		}
		doc := *d
		var sig []uint64
		switch {
		case doc.ClusterID != "":
		case prev.present && prev.month != tombstones && prev.doc.ClusterID != "":
			doc.ClusterID = prev.doc.ClusterID
		default:
			cid, s, err := ix.clus.assign(ctx, &doc)
			if err != nil {
				return err
			}
			doc.ClusterID, sig = cid, s
		}
		rec, err := record(&doc, ix.cfg.Location)
		if err != nil {
			metricIndexed.WithLabelValues("rejected").Inc()
			ix.log.Warn("document rejected", "id", id, "err", err)
			continue
		}
		o := opsOf(month)
		o.ids, o.recs = append(o.ids, id), append(o.recs, rec)
		written[id] = existing{month: month, present: true, doc: escucha.Document{ID: id,
			Version: doc.Version, Fetched: doc.Fetched, ClusterID: doc.ClusterID}}
		ix.clus.observe(&doc, sig)
		indexed++
	}
	parts, err := ix.partition(ops, indexed+deleted)
	if err != nil {
		return err
	}
	done := func(err error) error {
		if err != nil {
			return err
		}
		metricIndexed.WithLabelValues("indexed").Add(float64(indexed))
		metricIndexed.WithLabelValues("deleted").Add(float64(deleted))
		metricIndexed.WithLabelValues("stale").Add(float64(stale))
		metricBatchSeconds.Observe(time.Since(start).Seconds())
		ix.log.Debug("batch indexed", "indexed", indexed, "deleted", deleted, "stale", stale,
			"took", time.Since(start))
		return nil
	}
	// One Write's batches in flight at a time, in order: a later batch may
	// replace a document of an earlier one in the same month.
	if err := ix.waitFlight(); err != nil {
		return err
	}
	if !ix.cfg.UnsafeBatch {
		return done(ix.writeParts(ctx, parts))
	}
	ix.pending = written
	flight := make(chan struct{})
	ix.flightMu.Lock()
	ix.flight = flight
	ix.flightMu.Unlock()
	go func() {
		defer close(flight)
		if err := done(ix.writeParts(context.WithoutCancel(ctx), parts)); err != nil {
			ix.log.Error("bulk write failed", "err", err)
			ix.flightMu.Lock()
			if ix.bulkErr == nil {
				ix.bulkErr = err
			}
			ix.flightMu.Unlock()
		}
	}()
	return nil
}

// waitFlight waits for the batches of the last UnsafeBatch Write and returns the
// first error any of them had.
func (ix *Index) waitFlight() error {
	ix.flightMu.Lock()
	flight := ix.flight
	ix.flightMu.Unlock()
	if flight != nil {
		<-flight
	}
	ix.flightMu.Lock()
	defer ix.flightMu.Unlock()
	if ix.bulkErr != nil {
		return fmt.Errorf("an earlier bulk write: %w", ix.bulkErr)
	}
	return nil
}

// monthOps are one Write's changes to one month: ids to delete, records to index.
type monthOps struct {
	deletes []string
	ids     []string
	recs    []map[string]any
}

// minPart is the fewest documents worth a Bleve batch of their own.
const minPart = 500

// maxParts bounds the parts of a month per Write; 0 means GOMAXPROCS. Benchmarks
// set it to 1 to compare with one batch per month.
var maxParts = 0

// part is one Bleve batch of a Write: some of a month's documents.
type part struct {
	month   string
	shard   bleve.Index
	builder *builder // nil: the mapping walk
	o       monthOps
	b       *bleve.Batch
}

// partition splits ops into Bleve batches, creating the shards they need.
// Scorch builds a batch's segment in the goroutine that calls Batch (after
// analysing it on its worker pool), so one batch keeps one core busy; each
// month's documents are split into up to GOMAXPROCS parts (at least minPart
// documents each) that writeParts writes concurrently. Parts of one month hold
// distinct ids, so their order does not matter; scores do not depend on how a
// month is split into segments.
func (ix *Index) partition(ops map[string]*monthOps, n int) ([]*part, error) {
	k := maxParts
	if k <= 0 {
		k = runtime.GOMAXPROCS(0)
	}
	size := max(minPart, (n+k-1)/k)
	var parts []*part
	for month, o := range ops {
		s, err := ix.shard(month)
		if err != nil {
			return nil, err
		}
		ix.mu.RLock()
		bld := ix.builders[month]
		ix.mu.RUnlock()
		p := &part{month: month, shard: s, builder: bld, o: monthOps{deletes: o.deletes}}
		for i := 0; i < len(o.ids) || i == 0; i += size {
			if i > 0 {
				p = &part{month: month, shard: s, builder: bld}
			}
			j := min(len(o.ids), i+size)
			p.o.ids, p.o.recs = o.ids[i:j], o.recs[i:j]
			parts = append(parts, p)
		}
	}
	return parts, nil
}

// writeParts maps and writes the parts of partition concurrently. Every part is
// mapped before any is written, so a mapping error writes nothing.
func (ix *Index) writeParts(ctx context.Context, parts []*part) error {
	each := func(f func(*part) error) error {
		errs := make([]error, len(parts))
		var wg sync.WaitGroup
		for i, p := range parts {
			wg.Go(func() { errs[i] = f(p) })
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	err := each(func(p *part) error {
		p.b = p.shard.NewBatch()
		for _, id := range p.o.deletes {
			p.b.Delete(id)
		}
		for i, id := range p.o.ids {
			if p.builder == nil {
				if err := p.b.Index(id, p.o.recs[i]); err != nil {
					return fmt.Errorf("index %s: %w", id, err)
				}
				continue
			}
			doc, err := p.builder.document(id, p.o.recs[i])
			if err != nil {
				return fmt.Errorf("index %s: %w", id, err)
			}
			if err := p.b.IndexAdvanced(doc); err != nil {
				return fmt.Errorf("index %s: %w", id, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return each(func(p *part) error {
		failed := ix.trackPersist(p.b)
		if err := p.shard.Batch(p.b); err != nil {
			failed()
			return fmt.Errorf("write batch to %s: %w", p.month, err)
		}
		return nil
	})
}
