package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/trends"
)

func init() {
	register("trends", "consulta tendencias: attention, territory, priority, campaign, framing, alerts, sources",
		func(env *Env) command { return &trendsCmd{env: env} })
}

// trendsCmd asks the trends store one question and prints the answer as a Spanish
// table or, with --json, as JSON.
type trendsCmd struct {
	env      *Env
	store    string
	json     bool
	question string

	by, interval, level, id, kind, from, to, dayStr string
	limit, top                                      int
	handles                                         bool
	countries, admin1, admin2, categories           trendsList
	platforms, sources, campaigns, framing, kinds   trendsList

	s trends.Store
}

// trendsList is a repeatable, comma-separated flag.
type trendsList []string

func (l *trendsList) String() string { return strings.Join(*l, ",") }
func (l *trendsList) Set(v string) error {
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			*l = append(*l, x)
		}
	}
	return nil
}

var trendsQuestions = []string{"attention", "territory", "priority", "campaign", "framing", "alerts", "sources"}

func (c *trendsCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("trends", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(c.env.Stderr, "Uso: escucha trends [--store DSN] [--json] <pregunta> [opciones]")
		fmt.Fprintln(c.env.Stderr, "Preguntas: "+strings.Join(trendsQuestions, ", "))
		fs.PrintDefaults()
	}
	trendsStoreFlag(fs, c.env, &c.store)
	fs.BoolVar(&c.json, "json", false, "responder en JSON")
	fs.StringVar(&c.by, "by", "total", "attention: desglose (total, category, admin1, admin2, country, source, platform, campaign, framing)")
	fs.StringVar(&c.interval, "interval", "day", "intervalo: day, week o month")
	fs.StringVar(&c.from, "from", "", "desde (AAAA-MM-DD o RFC 3339), inclusive")
	fs.StringVar(&c.to, "to", "", "hasta (AAAA-MM-DD: ese día incluido; RFC 3339: exclusivo)")
	fs.StringVar(&c.level, "level", "admin1", "territory/priority: admin1 (departamento) o admin2 (municipio)")
	fs.StringVar(&c.id, "id", escucha.CampaignNadaJustifica, "campaign: id de la campaña")
	fs.StringVar(&c.kind, "alert-kind", "", "alerts: solo este tipo (category_place, campaign, search)")
	fs.StringVar(&c.dayStr, "day", "", "sources: día a revisar (AAAA-MM-DD; por defecto hoy)")
	fs.IntVar(&c.limit, "limit", 0, "attention: máximo de series; alerts: máximo de alertas")
	fs.IntVar(&c.top, "top", 0, "campaign/framing: cuántas publicaciones, autores o fuentes")
	fs.BoolVar(&c.handles, "handles", false, "campaign: mostrar cuentas en vez de seudónimos (rol autorizado)")
	fs.Var(&c.countries, "country", "país del lugar foco (repetible o separado por comas)")
	fs.Var(&c.admin1, "admin1", "código de departamento, p. ej. GT-01")
	fs.Var(&c.admin2, "admin2", "código de municipio (INE), p. ej. 0101")
	fs.Var(&c.categories, "category", "categoría")
	fs.Var(&c.platforms, "platform", "plataforma")
	fs.Var(&c.sources, "source", "fuente")
	fs.Var(&c.campaigns, "campaign", "campaña")
	fs.Var(&c.framing, "framing", "encuadre (justificacion, derechos)")
	fs.Var(&c.kinds, "kind", "tipo de documento (article, post, comment)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("trends: missing question (%s)", strings.Join(trendsQuestions, ", "))
	}
	c.question = fs.Arg(0)
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("trends: unexpected arguments %v", fs.Args())
	}
	known := false
	for _, q := range trendsQuestions {
		known = known || q == c.question
	}
	if !known {
		return fmt.Errorf("trends: unknown question %q (%s)", c.question, strings.Join(trendsQuestions, ", "))
	}
	if _, err := c.filter(); err != nil {
		return err
	}
	return nil
}

// trendsTime reads AAAA-MM-DD or RFC 3339; endOfDay moves a bare date to the next
// midnight (an inclusive --to).
func trendsTime(s string, endOfDay bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad time %q: want AAAA-MM-DD or RFC 3339", s)
	}
	return t.UTC(), nil
}

func (c *trendsCmd) filter() (escucha.Filter, error) {
	from, err := trendsTime(c.from, false)
	if err != nil {
		return escucha.Filter{}, fmt.Errorf("trends: --from: %w", err)
	}
	to, err := trendsTime(c.to, true)
	if err != nil {
		return escucha.Filter{}, fmt.Errorf("trends: --to: %w", err)
	}
	return escucha.Filter{From: from, To: to, Countries: c.countries, Admin1: c.admin1, Admin2: c.admin2,
		Categories: c.categories, Platforms: c.platforms, Sources: c.sources, Campaigns: c.campaigns,
		Framing: c.framing, Kinds: c.kinds}, nil
}

func (c *trendsCmd) Run(ctx context.Context) error {
	f, err := c.filter()
	if err != nil {
		return err
	}
	s, err := openTrends(ctx, c.env, c.store, "")
	if err != nil {
		return err
	}
	c.s = s
	iv := escucha.Interval(c.interval)
	var out any
	var table func(io.Writer)
	switch c.question {
	case "attention":
		series, err := s.Attention(ctx, escucha.AttentionQuery{Filter: f, By: escucha.Dimension(c.by), Interval: iv, Limit: c.limit})
		if err != nil {
			return err
		}
		out = map[string]any{"series": series}
		table = func(w io.Writer) { attentionTable(w, series) }
	case "territory":
		rows, err := s.Territory(ctx, escucha.TerritoryQuery{Filter: f, Level: c.level})
		if err != nil {
			return err
		}
		out = map[string]any{"rows": rows}
		table = func(w io.Writer) { territoryTable(w, rows) }
	case "priority":
		rows, err := s.Priority(ctx, escucha.PriorityQuery{Filter: f, Level: c.level})
		if err != nil {
			return err
		}
		out = map[string]any{"rows": rows}
		table = func(w io.Writer) { priorityTable(w, rows) }
	case "campaign":
		rep, err := s.Campaign(ctx, escucha.CampaignQuery{Filter: f, ID: c.id, Interval: iv, Top: c.top, ShowHandles: c.handles})
		if err != nil {
			return err
		}
		out = rep
		table = func(w io.Writer) { campaignTable(w, rep) }
	case "framing":
		rep, err := s.Framing(ctx, escucha.FramingQuery{Filter: f, Interval: iv, Top: c.top})
		if err != nil {
			return err
		}
		out = rep
		table = func(w io.Writer) { framingTable(w, rep) }
	case "alerts":
		alerts, err := s.Alerts(ctx, escucha.AlertQuery{From: f.From, To: f.To, Kind: c.kind, Limit: c.limit})
		if err != nil {
			return err
		}
		out = map[string]any{"alerts": alerts}
		table = func(w io.Writer) { alertsTable(w, alerts) }
	case "sources":
		d, err := trendsTime(c.dayStr, false)
		if err != nil {
			return fmt.Errorf("trends: --day: %w", err)
		}
		rows, err := s.Sources(ctx, escucha.SourcesQuery{Day: d})
		if err != nil {
			return err
		}
		out = map[string]any{"rows": rows}
		table = func(w io.Writer) { sourcesTable(w, rows) }
	}
	if c.json {
		enc := json.NewEncoder(c.env.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 2, 4, 2, ' ', 0)
	table(tw)
	return tw.Flush()
}

func (c *trendsCmd) Close() error {
	if c.s == nil {
		return nil
	}
	err := c.s.Close()
	c.s = nil
	return err
}

// trendsClean makes crawled text safe for a terminal: no control characters, no tabs
// (they would break the table), bounded length.
func trendsClean(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u202e' || r == '\u202d' {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > max {
		s = string(r[:max-1]) + "…"
	}
	return s
}

func trendsPct(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) }

func trendsOpt(p *float64, format string) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf(format, *p)
}

func attentionTable(w io.Writer, series []escucha.Series) {
	if len(series) == 0 {
		fmt.Fprintln(w, "Sin documentos para ese filtro.")
		return
	}
	fmt.Fprintln(w, "Clave\tPeriodo\tDocumentos\tParticipación")
	for _, s := range series {
		for _, p := range s.Points {
			fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", trendsClean(s.Key, 40), p.T.Format("2006-01-02"), p.Count, trendsPct(p.Share))
		}
	}
}

func territoryTable(w io.Writer, rows []escucha.TerritoryRow) {
	fmt.Fprintln(w, "País\tCódigo\tTerritorio\tDocumentos\tPeriodo anterior\tCambio\tPoblación (cabecera)\tPor 100 mil")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%d\t%s\t%d\t%s\n", trendsClean(r.Country, 3), trendsClean(r.Code, 12), trendsClean(r.Name, 40),
			r.Count, r.PrevCount, trendsOpt(r.ChangePct, "%+.1f %%"), r.Population, trendsOpt(r.Per100k, "%.2f"))
	}
}

func priorityTable(w io.Writer, rows []escucha.PriorityRow) {
	fmt.Fprintln(w, "Puesto\tCódigo\tTerritorio\tÍndice\tVolumen\tCrecimiento\tGravedad\tDocumentos")
	for _, r := range rows {
		fmt.Fprintf(w, "%d\t%s\t%s\t%.1f\t%.2f\t%.2f\t%.2f\t%d\n", r.Rank, trendsClean(r.Code, 12), trendsClean(r.Name, 40),
			r.Index, r.Volume, r.Growth, r.Severity, r.Count)
	}
}

func campaignTable(w io.Writer, r *escucha.CampaignReach) {
	fmt.Fprintf(w, "Campaña\t%s\n", trendsClean(r.ID, 40))
	fmt.Fprintf(w, "Menciones\t%d\nAutores únicos\t%d\nInteracciones\t%d\nAlcance potencial\t%d\n",
		r.Mentions, r.UniqueAuthors, r.Engagement, r.PotentialReach)
	fmt.Fprintf(w, "Conversación sobre violencia contra las mujeres\t%d\nCuota de voz\t%s\n\n", r.VAWConversation, trendsPct(r.ShareOfVoice))
	fmt.Fprintln(w, "Periodo\tMenciones\tAutores\tInteracciones\tAlcance\tCuota de voz")
	for _, p := range r.OverTime {
		fmt.Fprintf(w, "%s\t%d\t%d\t%d\t%d\t%s\n", p.T.Format("2006-01-02"), p.Mentions, p.UniqueAuthors, p.Engagement, p.PotentialReach, trendsPct(p.ShareOfVoice))
	}
	fmt.Fprintln(w, "\nPlataforma\tMenciones\tInteracciones")
	for _, k := range r.ByPlatform {
		fmt.Fprintf(w, "%s\t%d\t%d\n", trendsClean(k.Key, 20), k.Mentions, k.Engagement)
	}
	fmt.Fprintln(w, "\nPaís de la fuente\tMenciones\tInteracciones")
	for _, k := range r.ByCountry {
		fmt.Fprintf(w, "%s\t%d\t%d\n", trendsClean(k.Key, 20), k.Mentions, k.Engagement)
	}
	fmt.Fprintln(w, "\nPublicación\tFuente\tAutor\tInteracciones")
	for _, p := range r.TopPosts {
		title := p.Title
		if title == "" {
			title = p.URL
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\n", trendsClean(title, 60), trendsClean(p.Source, 30), trendsClean(p.Author, 30), p.Engagement)
	}
	fmt.Fprintln(w, "\nAmplificador\tPlataforma\tPublicaciones\tInteracciones\tSeguidores")
	for _, a := range r.TopAmplifiers {
		fmt.Fprintf(w, "%s\t%s\t%d\t%d\t%d\n", trendsClean(a.Author, 30), trendsClean(a.Platform, 12), a.Posts, a.Engagement, a.Followers)
	}
}

func framingTable(w io.Writer, r *escucha.FramingReport) {
	fmt.Fprintln(w, "Periodo\tCobertura VCM\tJustificación\tDerechos")
	for _, s := range r.OverTime {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", s.T.Format("2006-01-02"), s.Total, trendsPct(s.JustificacionShare), trendsPct(s.DerechosShare))
	}
	fmt.Fprintln(w, "\nFuente\tCobertura VCM\tJustificación\tDerechos")
	for _, s := range r.BySource {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\n", trendsClean(s.Source, 40), s.Total, trendsPct(s.JustificacionShare), trendsPct(s.DerechosShare))
	}
}

func alertsTable(w io.Writer, alerts []escucha.Alert) {
	if len(alerts) == 0 {
		fmt.Fprintln(w, "Sin alertas.")
		return
	}
	fmt.Fprintln(w, "Día\tTipo\tAlerta\tDocumentos\tLínea base (mediana)\tPuntaje")
	for _, a := range alerts {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%.1f\t%.1f\n", a.Day.Format("2006-01-02"), trendsClean(a.Kind, 20), trendsClean(a.Label, 50),
			a.Count, a.Baseline, a.Score)
	}
}

var trendsSourceStatus = map[string]string{escucha.SourceOK: "normal", escucha.SourceQuiet: "silenciosa",
	escucha.SourceHigh: "alta", escucha.SourceNew: "nueva"}

func sourcesTable(w io.Writer, rows []escucha.SourceHealth) {
	fmt.Fprintln(w, "Fuente\tPlataforma\tEstado\tHoy\tLínea base (mediana)\tÚltimo documento")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%.1f\t%s\n", trendsClean(r.Source, 40), trendsClean(r.Platform, 12), trendsSourceStatus[r.Status],
			r.Count, r.Baseline, r.LastSeen.Format("2006-01-02 15:04"))
	}
}
