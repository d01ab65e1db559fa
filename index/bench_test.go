package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/infosegura/escucha"
)

// A synthetic corpus of Central American security news and posts, built from
// Spanish templates (our own writing), for benchmarks only.

type benchPlace struct {
	country, admin1, admin2 string
	lat, lon                float64
}

var (
	benchPlaces = []benchPlace{
		{"GT", "Guatemala", "Villa Nueva", 14.52, -90.58}, {"GT", "Guatemala", "Mixco", 14.63, -90.6},
		{"GT", "Guatemala", "Guatemala", 14.62, -90.53}, {"GT", "Escuintla", "Escuintla", 14.3, -90.78},
		{"GT", "Quetzaltenango", "Quetzaltenango", 14.83, -91.51}, {"GT", "Petén", "Flores", 16.93, -89.89},
		{"GT", "Izabal", "Puerto Barrios", 15.72, -88.59}, {"GT", "Chimaltenango", "Chimaltenango", 14.66, -90.82},
		{"SV", "San Salvador", "Soyapango", 13.71, -89.14}, {"SV", "La Libertad", "Santa Tecla", 13.67, -89.28},
		{"HN", "Cortés", "San Pedro Sula", 15.5, -88.03}, {"HN", "Francisco Morazán", "Distrito Central", 14.08, -87.2},
		{"CR", "San José", "San José", 9.93, -84.08}, {"PA", "Panamá", "San Miguelito", 9.03, -79.5},
		{"DO", "Santo Domingo", "Santo Domingo Este", 18.48, -69.85}, {"BZ", "Belize", "Belize City", 17.5, -88.2},
	}
	benchSources  = []string{"diario-centro", "noticiero-sur", "radio-valle", "prensa-occidente", "diario-norte-hn", "tiempo-sps", "diario-sv", "prensa-sv", "nacion-cr", "listin-do"}
	benchVictims  = []string{"una mujer de 23 años", "un joven de 19 años", "una adolescente de 15 años", "un piloto de bus", "un comerciante", "una maestra", "un agente de la policía", "una madre de tres hijos", "un taxista", "una estudiante universitaria"}
	benchPlacesIn = []string{"la colonia El Mezquital", "la zona 18", "el mercado municipal", "una aldea cercana", "el barrio San Antonio", "la colonia Rivera Hernández", "un terreno baldío", "la parada de buses", "el centro histórico", "una finca cafetalera"}
	benchEvents   = []struct{ cat, title, lead string }{
		{"femicidio", "Localizan sin vida a %s en %s", "Vecinos alertaron a los bomberos al encontrar el cuerpo de %s con señales de violencia en %s. El Ministerio Público investiga el crimen como femicidio y busca a la expareja de la víctima."},
		{"homicidio", "Asesinan a balazos a %s en %s", "Hombres armados dispararon contra %s cuando se encontraba en %s. La Policía Nacional Civil acordonó el área y los técnicos recogieron casquillos de distintos calibres."},
		{"extorsion", "Atacan a %s por no pagar la extorsión en %s", "Según compañeros, %s había recibido llamadas intimidatorias exigiendo cuotas semanales en %s. Los transportistas denuncian que las pandillas cobran la extorsión desde hace meses."},
		{"desaparicion", "Activan alerta por %s desaparecida en %s", "Familiares de %s pidieron apoyo a la población para localizarla; fue vista por última vez en %s. La Alerta Isabel-Claudina permanece activa."},
		{"violencia_sexual", "Capturan a sospechoso de agresión sexual contra %s en %s", "La fiscalía de la mujer informó que %s denunció la agresión ocurrida en %s. El detenido será presentado ante un juez de turno."},
		{"robo", "Asaltan a %s en %s", "Dos sujetos en motocicleta despojaron de sus pertenencias a %s en %s y huyeron. Las cámaras de vigilancia captaron el momento del asalto."},
		{"trata_personas", "Rescatan a %s víctima de trata en %s", "En un operativo conjunto, las autoridades rescataron a %s que era explotada en %s. Dos personas fueron capturadas por el delito de trata de personas."},
		{"crimen_organizado", "Desarticulan banda que operaba en %s", "La estructura criminal, señalada de amenazar a %s, tenía su centro de operaciones en %s, según la investigación del Ministerio Público."},
	}
	benchFiller = []string{
		"Las autoridades indicaron que se revisarán los videos de las cámaras de seguridad de la zona.",
		"Organizaciones de mujeres exigieron al Estado garantizar la protección de las víctimas y sus familias.",
		"El alcalde municipal pidió reforzar el patrullaje en los sectores con más denuncias.",
		"De acuerdo con datos del observatorio, los casos han aumentado en comparación con el año anterior.",
		"Los vecinos manifestaron temor y señalaron que la iluminación pública es deficiente.",
		"La fiscalía no descartó ninguna línea de investigación y solicitó a testigos presentarse.",
		"Expertos en seguridad ciudadana advierten sobre la falta de prevención en los barrios.",
		"El cuerpo fue trasladado a la morgue del Instituto Nacional de Ciencias Forenses.",
		"Familiares exigieron justicia frente a la sede del juzgado durante la audiencia.",
		"La policía informó que no se han realizado capturas relacionadas con el hecho.",
	}
)

// genDoc is the i-th synthetic document (deterministic).
func genDoc(i int) *escucha.Document {
	r := rand.New(rand.NewPCG(uint64(i), 42))
	p := benchPlaces[r.IntN(len(benchPlaces))]
	ev := benchEvents[r.IntN(len(benchEvents))]
	v, in := benchVictims[r.IntN(len(benchVictims))], benchPlacesIn[r.IntN(len(benchPlacesIn))]
	title := fmt.Sprintf(ev.title, v, p.admin2)
	if strings.Count(ev.title, "%s") == 1 {
		title = fmt.Sprintf(ev.title, p.admin2)
	}
	var b strings.Builder
	b.WriteString(fmt.Sprintf(ev.lead, v, in+", "+p.admin2))
	for n := 4 + r.IntN(12); n > 0; n-- {
		b.WriteByte(' ')
		b.WriteString(benchFiller[r.IntN(len(benchFiller))])
	}
	d := &escucha.Document{
		ID: fmt.Sprintf("gen-%07d", i), Source: benchSources[r.IntN(len(benchSources))],
		Platform: escucha.PlatformNews, Kind: escucha.KindArticle, Lang: "es", Title: title, Text: b.String(),
		Published:  time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(365*24*60)) * time.Minute),
		Version:    1,
		Engagement: escucha.Engagement{Likes: int64(r.IntN(500)), Shares: int64(r.IntN(100))},
		Categories: []escucha.Label{{ID: ev.cat, Score: 0.9}},
		Places: []escucha.Place{{Country: p.country, Admin1: p.admin1, Admin2: p.admin2, Lat: p.lat, Lon: p.lon,
			Role: escucha.RoleFocus, Score: 0.9}},
	}
	if r.IntN(4) == 0 {
		d.Platform, d.Kind, d.Title = escucha.PlatformMastodon, escucha.KindPost, ""
		d.Source = fmt.Sprintf("mastodon/@cuenta%d", r.IntN(300))
	}
	return d
}

// BenchmarkIndexBatch measures indexing throughput: each op writes one durable
// batch of 1000 generated documents to a fresh index (clustering included).
func BenchmarkIndexBatch(b *testing.B) {
	b.Run("clustered", func(b *testing.B) { benchIndexBatch(b, Config{Dir: b.TempDir()}) })
	b.Run("no-clustering", func(b *testing.B) { benchIndexBatch(b, Config{Dir: b.TempDir(), ClusterWindow: -1}) })
}

func benchIndexBatch(b *testing.B, cfg Config) {
	const batch = 1000
	ix, err := Open(cfg, testLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	docs := make([]*escucha.Document, batch)
	var bytes int64
	cpu0 := cpuTime()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		b.StopTimer()
		for i := range docs {
			docs[i] = genDoc(n*batch + i)
			bytes += int64(len(docs[i].Title) + len(docs[i].Text))
		}
		b.StartTimer()
		if err := ix.Write(context.Background(), docs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "docs/s")
	// CPU seconds are what a shared sandbox cannot distort: docs per CPU-second.
	b.ReportMetric(float64(b.N*batch)/(cpuTime()-cpu0).Seconds(), "docs/cpu-s")
	b.ReportMetric(float64(bytes)/float64(b.N*batch), "bytes/doc")
}

// benchIndex returns an index of n generated documents, built once and kept in
// the temp dir between runs (ESCUCHA_BENCH_DIR overrides where).
func benchIndex(b *testing.B, n int) *Index {
	dir := os.Getenv("ESCUCHA_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), fmt.Sprintf("escucha-bench-index-%d-v2", n))
	}
	done := filepath.Join(dir, ".complete")
	if _, err := os.Stat(done); err != nil {
		os.RemoveAll(dir)
		ix, err := Open(Config{Dir: dir}, testLogger(b))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		const batch = 2000
		docs := make([]*escucha.Document, 0, batch)
		for i := 0; i < n; i++ {
			docs = append(docs, genDoc(i))
			if len(docs) == batch || i == n-1 {
				if err := ix.Write(context.Background(), docs); err != nil {
					b.Fatal(err)
				}
				docs = docs[:0]
			}
		}
		b.Logf("built %d documents in %s (%.0f docs/s)", n, time.Since(start), float64(n)/time.Since(start).Seconds())
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(done, nil, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	ix, err := Open(Config{Dir: dir}, testLogger(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ix.Close() })
	return ix
}

// BenchmarkQueryMix measures latency (p50/p99) of a mixed query set, top 20 with
// the category and department facets, on 100k generated documents.
func BenchmarkQueryMix(b *testing.B) {
	ix := benchIndex(b, 100_000)
	may, jun := time.Date(2024, 5, 1, 0, 0, 0, 0, DefaultLocation), time.Date(2024, 7, 1, 0, 0, 0, 0, DefaultLocation)
	mid := time.Date(2024, 5, 10, 0, 0, 0, 0, DefaultLocation)
	facets := []string{escucha.FacetCategory, escucha.FacetAdmin1}
	mix := []struct {
		name string
		req  escucha.SearchRequest
	}{
		{"match", escucha.SearchRequest{Query: "extorsion"}},
		{"match2", escucha.SearchRequest{Query: "femicidio Villa Nueva"}},
		{"phrase", escucha.SearchRequest{Query: `"Alerta Isabel-Claudina"`}},
		{"or", escucha.SearchRequest{Query: "trata desaparecida", AnyWord: true}},
		{"not", escucha.SearchRequest{Query: "mujer -femicidio"}},
		{"text+dept+dates", escucha.SearchRequest{Query: "mujer", Admin1: []string{"Guatemala"}, From: may, To: jun}},
		{"text+dept+partial-month", escucha.SearchRequest{Query: "mujer", Admin1: []string{"Cortes"}, From: mid, To: jun}},
		{"by-date", escucha.SearchRequest{Query: "extorsion", Sort: escucha.SortDate}},
	}
	for _, m := range mix {
		b.Run(m.name, func(b *testing.B) {
			req := m.req
			req.Facets, req.Size = facets, 20
			var total uint64
			lat := make([]time.Duration, 0, b.N)
			cpu0 := cpuTime()
			for n := 0; n < b.N; n++ {
				t0 := time.Now()
				res, err := ix.Search(context.Background(), req)
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
				total = res.Total
				if res.Total == 0 {
					b.Fatalf("%s matched nothing", m.name)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
			slices.Sort(lat)
			q := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(float64(total), "matches")
			b.ReportMetric(q(0.5), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkBulkWrite loads ESCUCHA_BENCH_DOCS (default 20000) of the side-by-side
// corpus's long documents (genLongDoc) into a fresh index in bulk mode
// (UnsafeBatch and GCPercent as reindex uses them, batches of ESCUCHA_BENCH_BATCH,
// default 5000, Close included): the indexing half of BenchmarkVsPostgres
// without PostgreSQL, for profiling (-cpuprofile, -memprofile). Documents are
// generated before the timer starts. ESCUCHA_BENCH_PARTS=1 writes one Bleve
// batch per month and Write (no concurrent segment building), to compare.
// ESCUCHA_BENCH_DAYS (default 365) spreads the documents over fewer days: 250 000
// over 91 days load like the first quarter of 1M over a year (same documents per
// month and per day).
func BenchmarkBulkWrite(b *testing.B) {
	n := envInt(b, "ESCUCHA_BENCH_DOCS", 20_000)
	batch := envInt(b, "ESCUCHA_BENCH_BATCH", 5000)
	days := envInt(b, "ESCUCHA_BENCH_DAYS", 365)
	docs := make([]*escucha.Document, n)
	for i := range docs {
		docs[i] = genLongDocOver(i, n, days)
	}
	if k := os.Getenv("ESCUCHA_BENCH_PARTS"); k != "" {
		maxParts = envInt(b, "ESCUCHA_BENCH_PARTS", 0)
		defer func() { maxParts = 0 }()
	}
	for b.Loop() {
		dir := b.TempDir()
		cpu0, start := cpuTime(), time.Now()
		ix, err := Open(Config{Dir: dir, UnsafeBatch: true, GCPercent: benchGCPercent(b)}, testLogger(b))
		if err != nil {
			b.Fatal(err)
		}
		var writes []string
		for i := 0; i < n; i += batch {
			t0, c0 := time.Now(), cpuTime()
			if err := ix.Write(context.Background(), docs[i:min(n, i+batch)]); err != nil {
				b.Fatal(err)
			}
			writes = append(writes, fmt.Sprintf("%s/%.1fcpu", time.Since(t0).Round(time.Millisecond),
				(cpuTime()-c0).Seconds()))
		}
		t0 := time.Now()
		if err := ix.Close(); err != nil {
			b.Fatal(err)
		}
		closing := time.Since(t0)
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "docs/s")
		b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "docs/cpu-s")
		zaps, _ := filepath.Glob(filepath.Join(dir, "*", "store", "*.zap"))
		b.Logf("%d docs, writes %v, close %s, %s on disk in %d segments, load %s", n, writes,
			closing.Round(time.Millisecond), duSize(dir), len(zaps), loadAvg())
	}
}

// bulkGCPercent is Config.GCPercent of a bulk load (what reindex should use).
const bulkGCPercent = 400

// benchGCPercent is ESCUCHA_BENCH_GCPERCENT, default bulkGCPercent; "-1"
// leaves the collector as GOGC set it.
func benchGCPercent(tb testing.TB) int {
	v := os.Getenv("ESCUCHA_BENCH_GCPERCENT")
	if v == "" {
		return bulkGCPercent
	}
	if v == "-1" {
		return 0
	}
	return envInt(tb, "ESCUCHA_BENCH_GCPERCENT", bulkGCPercent)
}
