package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/infosegura/escucha"
)

// The side-by-side benchmark against the search a user would pick instead:
// PostgreSQL full-text search (spanish configuration, GIN index), on the same
// generated documents (~2.4 KB of title and text each) and the same queries, top
// 20 with highlighted snippets plus two facets (category, department).
//
//	scripts/postgres.sh start /tmp/pgsearch   # prints POSTGRES_DSN=...
//	ESCUCHA_POSTGRES=postgres://... ESCUCHA_BENCH_DOCS=200000 \
//	  go test ./index -run '^$' -bench BenchmarkVsPostgres -benchtime 1x -timeout 0
//
// Environment (read here only: this is a benchmark, not the package):
//   - ESCUCHA_POSTGRES: DSN of a PostgreSQL server; the benchmark is skipped without it.
//   - ESCUCHA_BENCH_DOCS: corpus size, default 200000.
//   - ESCUCHA_BENCH_BATCH: documents per Index.Write, default 5000.
//   - ESCUCHA_BENCH_RUNS: timed runs per query and engine, default 100.
//   - ESCUCHA_BENCH_PGLOAD: "copy-then-index" (default: COPY into a bare table, then
//     CREATE INDEX; the fastest bulk load) or "copy-indexed" (COPY into a table that
//     already has its indexes, like a live feed).
//   - ESCUCHA_BENCH_KEEP: keep the Bleve index directory (printed) after the run.
//   - ESCUCHA_BENCH_REUSE=DIR: skip loading; query the kept Bleve index in DIR and
//     the docs table already in PostgreSQL (to compare query changes quickly).
//   - ESCUCHA_BENCH_MODES: which index loads to time, default "bulk,durable"; the
//     queries run on the last one built.
//   - ESCUCHA_BENCH_NOCLUSTER=1: ClusterWindow -1 (no case clustering at index time).
//   - ESCUCHA_BENCH_GCPERCENT: Config.GCPercent of the bulk load, default 400 (as
//     reindex should run); -1 leaves the collector as GOGC set it.

// bigFiller are more sentences of our own, with slots, so the generated text has a
// vocabulary closer to news than the ten sentences of benchFiller repeated.
var bigFiller = []string{
	"El vocero de la Policía Nacional Civil confirmó que el caso fue trasladado a la unidad de delitos contra la vida el %s.",
	"Según el reporte preliminar, el hecho ocurrió alrededor de las %d horas cuando el sector estaba concurrido.",
	"La Procuraduría de los Derechos Humanos dio acompañamiento a la familia durante las diligencias del %s.",
	"En lo que va del año, el departamento acumula %d denuncias por hechos similares según cifras oficiales.",
	"Un diputado de la comisión de seguridad citó al ministro de Gobernación para explicar la estrategia.",
	"Los agentes recolectaron indicios balísticos y entrevistaron a comerciantes de la cuadra.",
	"Las clases se suspendieron en %d escuelas de la zona por temor a represalias.",
	"La víctima había presentado una denuncia por amenazas ante el juzgado de paz %d meses antes.",
	"Una patrulla del ejército apoya desde el %s los operativos de registro en la colonia.",
	"La morgue recibió el cadáver a las %d horas y los familiares llegaron a identificarlo por la tarde.",
	"El Observatorio de la Violencia señaló que la mayoría de los casos quedan sin sentencia.",
	"Pobladores bloquearon la carretera durante %d horas para exigir más presencia policial.",
	"Colectivos feministas convocaron a una vigilia frente a la catedral el próximo %s.",
	"El juez ligó a proceso a los capturados y les dictó prisión preventiva mientras dura la investigación.",
	"Transportistas de %d rutas paralizaron el servicio en protesta por los ataques contra pilotos.",
	"La directora del refugio para mujeres sobrevivientes pidió más presupuesto para atender a las familias.",
	"Un informe de la fiscalía registra %d expedientes abiertos por desaparición de adolescentes este año.",
	"Los investigadores no descartan que el ataque esté vinculado con disputas territoriales entre pandillas.",
	"El municipio instaló %d cámaras nuevas en los puntos con más asaltos reportados.",
	"La comunidad organizó brigadas de búsqueda con apoyo de los bomberos voluntarios desde el %s.",
	"Los abogados de la defensa solicitaron medidas sustitutivas que el tribunal rechazó.",
	"La oficina de atención a la víctima brindó asistencia psicológica a los hijos menores de edad.",
	"En redes sociales circularon videos del hecho que la policía pidió no compartir.",
	"El Instituto de la Defensa Pública Penal asignó un defensor a cada uno de los %d sindicados.",
	"Comerciantes del mercado aseguraron que pagan cuotas desde hace %d años a distintos grupos.",
	"Un testigo declaró que los atacantes se conducían en un vehículo sin placas de color oscuro.",
	"Las autoridades migratorias revisan si la víctima había sido trasladada desde otro país.",
	"El alcalde anunció un toque de queda para menores de edad a partir de las %d horas.",
	"La familia pidió que el caso no quede en la impunidad como tantos otros en la región.",
	"Según el Ministerio de Salud, el hospital regional atendió a %d heridos durante el fin de semana.",
}

var benchWeekdays = []string{"lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"}

// genLongDoc is the i-th of n documents of the side-by-side corpus: genDoc's
// document with text grown to ~2.4 KB, published in order over 2024 (as a live feed
// or a reindex from the archive delivers them) with up to two days of jitter.
func genLongDoc(i, n int) *escucha.Document { return genLongDocOver(i, n, 365) }

// genLongDocOver is genLongDoc with the n documents spread over days days instead
// of a year: 250 000 over 91 days have the months and the density (documents per
// day, per place) of 1M over a year, in a quarter of the time.
func genLongDocOver(i, n, days int) *escucha.Document {
	d := genDoc(i)
	r := rand.New(rand.NewPCG(uint64(i), 7))
	var b strings.Builder
	b.WriteString(d.Text)
	want := 2000 + r.IntN(800) - len(d.Title)
	for b.Len() < want {
		s := bigFiller[r.IntN(len(bigFiller))]
		switch {
		case strings.Contains(s, "%d"):
			s = fmt.Sprintf(s, 2+r.IntN(40))
		case strings.Contains(s, "%s"):
			s = fmt.Sprintf(s, benchWeekdays[r.IntN(len(benchWeekdays))])
		}
		b.WriteByte(' ')
		b.WriteString(s)
		if r.IntN(3) == 0 {
			b.WriteByte(' ')
			b.WriteString(benchFiller[r.IntN(len(benchFiller))])
		}
	}
	d.Text = b.String()
	year := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	step := time.Duration(days) * 24 * time.Hour / time.Duration(n)
	d.Published = year.Add(time.Duration(i)*step + time.Duration(r.IntN(48*60))*time.Minute)
	return d
}

// vsQuery is one query of the mix in both languages.
type vsQuery struct {
	name string
	req  escucha.SearchRequest
	// PostgreSQL: websearch_to_tsquery text, department, [from, to), date order.
	pg     string
	admin1 string
}

func vsMix() []vsQuery {
	may, jul := time.Date(2024, 5, 1, 0, 0, 0, 0, DefaultLocation), time.Date(2024, 7, 1, 0, 0, 0, 0, DefaultLocation)
	mid := time.Date(2024, 5, 10, 0, 0, 0, 0, DefaultLocation)
	return []vsQuery{
		{name: "match", req: escucha.SearchRequest{Query: "extorsion"}, pg: "extorsion"},
		{name: "match2", req: escucha.SearchRequest{Query: "femicidio Villa Nueva"}, pg: "femicidio Villa Nueva"},
		{name: "phrase", req: escucha.SearchRequest{Query: `"Alerta Isabel-Claudina"`}, pg: `"Alerta Isabel-Claudina"`},
		{name: "or", req: escucha.SearchRequest{Query: "trata desaparecida", AnyWord: true}, pg: "trata or desaparecida"},
		{name: "not", req: escucha.SearchRequest{Query: "mujer -femicidio"}, pg: "mujer -femicidio"},
		{name: "text+dept+dates", req: escucha.SearchRequest{Query: "mujer", Admin1: []string{"Guatemala"}, From: may, To: jul},
			pg: "mujer", admin1: "Guatemala"},
		{name: "text+dept+partial-month", req: escucha.SearchRequest{Query: "mujer", Admin1: []string{"Cortes"}, From: mid, To: jul},
			pg: "mujer", admin1: "Cortés"},
		{name: "by-date", req: escucha.SearchRequest{Query: "extorsion", Sort: escucha.SortDate}, pg: "extorsion"},
	}
}

// pgSQL is the one statement that answers q: the top 20 (by ts_rank, or by date)
// with title and body snippets, and the top ten of two facets over all matches.
func pgSQL(q vsQuery) (string, []any) {
	args := []any{q.pg}
	where := "d.tsv @@ q.q"
	if q.admin1 != "" {
		args = append(args, q.admin1)
		where += fmt.Sprintf(" AND d.admin1 = $%d", len(args))
	}
	if !q.req.From.IsZero() {
		args = append(args, q.req.From)
		where += fmt.Sprintf(" AND d.published >= $%d", len(args))
	}
	if !q.req.To.IsZero() {
		args = append(args, q.req.To)
		where += fmt.Sprintf(" AND d.published < $%d", len(args))
	}
	rank, order := "ts_rank(d.tsv, q.q)", "rank DESC, id"
	if q.req.Sort == escucha.SortDate {
		rank, order = "0::real", "published DESC, id DESC"
	}
	return `WITH q AS (SELECT websearch_to_tsquery('spanish', $1) AS q),
m AS MATERIALIZED (
	SELECT d.id, d.published, d.category, d.admin1, ` + rank + ` AS rank
	FROM docs d, q WHERE ` + where + `
),
top AS (SELECT id, published, rank FROM m ORDER BY ` + order + ` LIMIT 20)
(SELECT 0 AS part, t.id, t.published, t.rank,
	ts_headline('spanish', coalesce(d.title, ''), q.q) AS title_hl,
	ts_headline('spanish', d.body, q.q, 'MaxFragments=3') AS body_hl,
	NULL::text AS key, NULL::bigint AS n
	FROM top t JOIN docs d ON d.id = t.id, q ORDER BY ` + order + `)
UNION ALL
(SELECT 1, NULL, NULL, NULL, NULL, NULL, category, count(*) FROM m GROUP BY category ORDER BY count(*) DESC LIMIT 10)
UNION ALL
(SELECT 2, NULL, NULL, NULL, NULL, NULL, admin1, count(*) FROM m GROUP BY admin1 ORDER BY count(*) DESC LIMIT 10)`, args
}

const pgSchema = `DROP TABLE IF EXISTS docs;
CREATE TABLE docs (
	id text PRIMARY KEY,
	published timestamptz NOT NULL,
	title text,
	body text NOT NULL,
	source text, platform text, kind text, lang text,
	category text, country text, admin1 text, admin2 text,
	engagement bigint,
	tsv tsvector GENERATED ALWAYS AS (
		setweight(to_tsvector('spanish', coalesce(title, '')), 'A') ||
		setweight(to_tsvector('spanish', body), 'B')) STORED
)`

var pgIndexes = []string{
	`CREATE INDEX docs_tsv ON docs USING gin (tsv)`,
	`CREATE INDEX docs_published ON docs (published)`,
	`CREATE INDEX docs_admin1_published ON docs (admin1, published)`,
	`CREATE INDEX docs_category ON docs (category)`,
}

// docRows feeds COPY from the generator, one document at a time.
type docRows struct {
	i, n int
	row  []any
}

func (r *docRows) Next() bool {
	if r.i >= r.n {
		return false
	}
	d := genLongDoc(r.i, r.n)
	r.i++
	p, _ := d.Focus()
	var title any
	if d.Title != "" {
		title = d.Title
	}
	r.row = []any{d.ID, d.Published, title, d.Text, d.Source, d.Platform, d.Kind, d.Lang,
		d.CategoryIDs()[0], p.Country, p.Admin1, p.Admin2, d.Engagement.Total()}
	return true
}
func (r *docRows) Values() ([]any, error) { return r.row, nil }
func (r *docRows) Err() error             { return nil }

var pgColumns = []string{"id", "published", "title", "body", "source", "platform", "kind", "lang",
	"category", "country", "admin1", "admin2", "engagement"}

func cmpDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func envInt(tb testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		tb.Fatalf("%s=%q: want a positive integer", name, v)
	}
	return n
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

// BenchmarkVsPostgres loads the same corpus into PostgreSQL and into the index
// (one writer each), then times each query of the mix on both, alternating
// engines run by run so a loaded machine hurts both alike. Run with -benchtime 1x.
func BenchmarkVsPostgres(b *testing.B) {
	dsn := os.Getenv("ESCUCHA_POSTGRES")
	if dsn == "" {
		b.Skip("ESCUCHA_POSTGRES is unset: start a server with scripts/postgres.sh start DIR and " +
			"export ESCUCHA_POSTGRES=<the printed POSTGRES_DSN> to compare with PostgreSQL full-text search")
	}
	n := envInt(b, "ESCUCHA_BENCH_DOCS", 200_000)
	batch := envInt(b, "ESCUCHA_BENCH_BATCH", 5000)
	runs := envInt(b, "ESCUCHA_BENCH_RUNS", 100)
	pgLoad := os.Getenv("ESCUCHA_BENCH_PGLOAD")
	if pgLoad == "" {
		pgLoad = "copy-then-index"
	}
	if pgLoad != "copy-then-index" && pgLoad != "copy-indexed" {
		b.Fatalf("ESCUCHA_BENCH_PGLOAD=%q: want copy-then-index or copy-indexed", pgLoad)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatalf("connect to postgres: %v", err)
	}
	defer conn.Close(ctx)
	var pgVersion string
	if err := conn.QueryRow(ctx, "SHOW server_version").Scan(&pgVersion); err != nil {
		b.Fatal(err)
	}
	reuse := os.Getenv("ESCUCHA_BENCH_REUSE")
	dir := reuse
	if dir == "" {
		if dir, err = os.MkdirTemp("", "escucha-vs-pg-"); err != nil {
			b.Fatal(err)
		}
		if os.Getenv("ESCUCHA_BENCH_KEEP") == "" {
			defer os.RemoveAll(dir)
		}
	}
	b.Logf("docs=%d batch=%d runs=%d pgload=%s postgres=%s GOMAXPROCS=%d dir=%s load=%s",
		n, batch, runs, pgLoad, pgVersion, runtime.GOMAXPROCS(0), dir, loadAvg())

	var bytes int64
	for i := 0; i < min(n, 2000); i++ {
		d := genLongDoc(i, n)
		bytes += int64(len(d.Title) + len(d.Text))
	}
	b.Logf("mean title+text: %d bytes", bytes/int64(min(n, 2000)))

	var pgRate float64
	var ix *Index
	if reuse != "" {
		var rows int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM docs").Scan(&rows); err != nil || rows != n {
			b.Fatalf("reuse: docs table has %d rows (%v), want %d", rows, err, n)
		}
		last := "index-durable"
		if _, err := os.Stat(filepath.Join(dir, last)); err != nil {
			last = "index-bulk"
		}
		if ix, err = Open(Config{Dir: filepath.Join(dir, last)}, testLogger(b)); err != nil {
			b.Fatal(err)
		}
		if c, err := ix.DocCount(); err != nil || c != uint64(n) {
			b.Fatalf("reuse: index holds %d documents (%v), want %d", c, err, n)
		}
	}
	b.Run("index/postgres", func(b *testing.B) {
		if reuse != "" {
			b.Skip("reusing the loaded table")
		}
		for range b.N {
			if _, err := conn.Exec(ctx, pgSchema); err != nil {
				b.Fatal(err)
			}
			if pgLoad == "copy-indexed" {
				for _, s := range pgIndexes {
					if _, err := conn.Exec(ctx, s); err != nil {
						b.Fatal(err)
					}
				}
			}
			cpu0, err := pgBackendCPU(ctx, conn)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			copied, err := conn.CopyFrom(ctx, pgx.Identifier{"docs"}, pgColumns, &docRows{n: n})
			if err != nil {
				b.Fatalf("copy: %v", err)
			}
			copyTook := time.Since(start)
			if pgLoad == "copy-then-index" {
				for _, s := range pgIndexes {
					if _, err := conn.Exec(ctx, s); err != nil {
						b.Fatal(err)
					}
				}
			}
			took := time.Since(start)
			cpu1, err := pgBackendCPU(ctx, conn)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(copied)/(cpu1-cpu0).Seconds(), "backend-docs/cpu-s")
			t0 := time.Now()
			if _, err := conn.Exec(ctx, "VACUUM ANALYZE docs"); err != nil {
				b.Fatal(err)
			}
			var size string
			if err := conn.QueryRow(ctx, "SELECT pg_size_pretty(pg_total_relation_size('docs'))").Scan(&size); err != nil {
				b.Fatal(err)
			}
			pgRate = float64(copied) / took.Seconds()
			b.ReportMetric(pgRate, "docs/s")
			b.Logf("postgres %s: %d rows, COPY %s, total %s (%.0f docs/s); VACUUM ANALYZE %s (not counted); %s on disk; load %s",
				pgLoad, copied, copyTook.Round(time.Millisecond), took.Round(time.Millisecond), pgRate,
				time.Since(t0).Round(time.Millisecond), size, loadAvg())
		}
	})

	// Two ways the index is loaded: "bulk" is a rebuild (Config.UnsafeBatch: Write
	// returns before the batch is on disk, Close waits for all of it, like COPY's
	// single commit at the end); "durable" is the live indexer (every Write on disk
	// before it returns, so offsets can be committed). The queries run on the
	// last one built (durable by default).
	modes := strings.Split(cmpDefault(os.Getenv("ESCUCHA_BENCH_MODES"), "bulk,durable"), ",")
	for _, mode := range modes {
		if mode != "bulk" && mode != "durable" {
			b.Fatalf("ESCUCHA_BENCH_MODES: unknown mode %q", mode)
		}
		b.Run("index/bleve-"+mode, func(b *testing.B) {
			if reuse != "" {
				b.Skip("reusing the kept index")
			}
			for range b.N {
				if ix != nil {
					ix.Close()
					ix = nil
				}
				shards := filepath.Join(dir, "index-"+mode)
				os.RemoveAll(shards)
				cfg := Config{Dir: shards, UnsafeBatch: mode == "bulk"}
				if mode == "bulk" {
					cfg.GCPercent = benchGCPercent(b)
				}
				clustering := "on"
				if os.Getenv("ESCUCHA_BENCH_NOCLUSTER") == "1" {
					cfg.ClusterWindow, clustering = -1, "off"
				}
				cpu0 := cpuTime()
				start := time.Now()
				w, err := Open(cfg, testLogger(b))
				if err != nil {
					b.Fatal(err)
				}
				docs := make([]*escucha.Document, 0, batch)
				for i := 0; i < n; i++ {
					docs = append(docs, genLongDoc(i, n))
					if len(docs) == batch || i == n-1 {
						if err := w.Write(ctx, docs); err != nil {
							b.Fatal(err)
						}
						docs = docs[:0]
					}
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
				took := time.Since(start)
				rate := float64(n) / took.Seconds()
				b.ReportMetric(rate, "docs/s")
				b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "docs/cpu-s")
				if pgRate > 0 {
					b.ReportMetric(rate/pgRate, "vs-pg")
				}
				b.Logf("bleve %s: %d docs in %s (%.0f docs/s, batch %d, clustering %s, GC percent %d); %s on disk; load %s",
					mode, n, took.Round(time.Millisecond), rate, batch, clustering, cfg.GCPercent, duSize(shards), loadAvg())
				built, err := Open(Config{Dir: shards}, testLogger(b))
				if err != nil {
					b.Fatal(err)
				}
				if c, err := built.DocCount(); err != nil || c != uint64(n) {
					b.Fatalf("bleve %s: %d documents on disk after Close (%v), want %d", mode, c, err, n)
				}
				if mode == modes[len(modes)-1] {
					ix = built
				} else {
					built.Close()
					if os.Getenv("ESCUCHA_BENCH_KEEP") == "" {
						os.RemoveAll(shards)
					}
				}
			}
		})
	}
	if ix == nil {
		b.Log("no index built (index/bleve-* filtered out): no queries")
		return
	}
	defer ix.Close()

	facets := []string{escucha.FacetCategory, escucha.FacetAdmin1}
	for _, q := range vsMix() {
		b.Run("query/"+q.name, func(b *testing.B) {
			sql, args := pgSQL(q)
			req := q.req
			req.Facets, req.Size = facets, 20
			var pgLat, bleveLat []time.Duration
			var pgTotal int64
			var bleveTotal uint64
			for range b.N {
				for r := 0; r < runs+2; r++ { // two untimed warm-up runs each
					t0 := time.Now()
					res, err := ix.Search(ctx, req)
					if err != nil {
						b.Fatal(err)
					}
					if r >= 2 {
						bleveLat = append(bleveLat, time.Since(t0))
					}
					if len(res.Hits) == 0 || len(res.Hits[0].Highlights) == 0 && req.Sort != escucha.SortDate {
						b.Fatalf("bleve %s: %d hits, no highlights", q.name, len(res.Hits))
					}
					bleveTotal = res.Total

					t0 = time.Now()
					hits, total, err := pgRun(ctx, conn, sql, args)
					if err != nil {
						b.Fatalf("postgres %s: %v", q.name, err)
					}
					if r >= 2 {
						pgLat = append(pgLat, time.Since(t0))
					}
					if hits == 0 {
						b.Fatalf("postgres %s matched nothing", q.name)
					}
					pgTotal = total
				}
			}
			bp50, bp99 := pct(bleveLat, 0.5), pct(bleveLat, 0.99)
			pp50, pp99 := pct(pgLat, 0.5), pct(pgLat, 0.99)
			b.ReportMetric(float64(bleveTotal), "bleve-matches")
			b.ReportMetric(float64(pgTotal), "pg-matches")
			b.ReportMetric(bp50, "bleve-p50-ms")
			b.ReportMetric(bp99, "bleve-p99-ms")
			b.ReportMetric(pp50, "pg-p50-ms")
			b.ReportMetric(pp99, "pg-p99-ms")
			b.ReportMetric(bp99/pp99, "p99-ratio")
			b.Logf("%s: load %s", q.name, loadAvg())
		})
	}
}

// pgRun runs one statement and returns the hits and the matches (the sum of the
// category facet, every document having one category).
func pgRun(ctx context.Context, conn *pgx.Conn, sql string, args []any) (int, int64, error) {
	rows, err := conn.Query(ctx, sql, args...)
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	var hits int
	var total int64
	for rows.Next() {
		var part int
		var id, titleHL, bodyHL, key *string
		var published *time.Time
		var rank *float32
		var cnt *int64
		if err := rows.Scan(&part, &id, &published, &rank, &titleHL, &bodyHL, &key, &cnt); err != nil {
			return 0, 0, err
		}
		switch part {
		case 0:
			hits++
		case 1:
			total += *cnt
		}
	}
	return hits, total, rows.Err()
}

// pgBackendCPU is the user+system CPU time of this connection's server process
// (parallel workers, used by CREATE INDEX on btrees, are not included).
func pgBackendCPU(ctx context.Context, conn *pgx.Conn) (time.Duration, error) {
	var pid int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		return 0, err
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("backend cpu (server on another machine?): %w", err)
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100, nil // USER_HZ is 100 on Linux
}

func pct(lat []time.Duration, p float64) float64 {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
}

func duSize(dir string) string {
	var total int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			total += fi.Size()
		}
		return nil
	})
	return fmt.Sprintf("%d MB", total>>20)
}

// BenchmarkGenLongDoc is the generator's own cost, included in the index's
// docs/cpu-s above (PostgreSQL's backend CPU excludes it: the client generates).
func BenchmarkGenLongDoc(b *testing.B) {
	n := 0
	for b.Loop() {
		genLongDoc(n, 200_000)
		n++
	}
}
