package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/infosegura/escucha"
	"github.com/infosegura/escucha/index"
)

func init() {
	register("search", "busca en el índice: consulta, filtros, facetas, histograma, exportación",
		func(env *Env) command { return &searchCmd{env: env} })
}

// searchCmd runs one search and prints it (JSON or a listing in Spanish), or
// exports every match.
type searchCmd struct {
	env    *Env
	dir    string
	asJSON bool
	export string
	req    escucha.SearchRequest
	ix     *index.Index
}

// listFlag is a comma-separated, repeatable flag.
type listFlag struct{ v *[]string }

func (l listFlag) String() string {
	if l.v == nil {
		return ""
	}
	return strings.Join(*l.v, ",")
}

func (l listFlag) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l.v = append(*l.v, p)
		}
	}
	return nil
}

// dateFlag reads YYYY-MM-DD (in Central American time) or RFC 3339; endOfDay
// makes a plain date inclusive (the next midnight).
type dateFlag struct {
	t        *time.Time
	endOfDay bool
}

func (d dateFlag) String() string {
	if d.t == nil || d.t.IsZero() {
		return ""
	}
	return d.t.Format(time.RFC3339)
}

func (d dateFlag) Set(s string) error {
	t, err := parseDate(s, d.endOfDay)
	if err != nil {
		return err
	}
	*d.t = t
	return nil
}

func parseDate(s string, endOfDay bool) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, index.DefaultLocation); err == nil {
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("fecha %q: use AAAA-MM-DD o RFC 3339", s)
	}
	return t, nil
}

func (c *searchCmd) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	fs.SetOutput(c.env.Stderr)
	r := &c.req
	var bbox, near, facets string
	fs.StringVar(&c.dir, "dir", "escucha-data/index", "directorio del índice")
	fs.BoolVar(&c.asJSON, "json", false, "imprime un objeto JSON en vez del listado")
	fs.StringVar(&c.export, "export", "", "exporta TODAS las coincidencias: csv o ndjson")
	fs.Var(dateFlag{t: &r.From}, "from", "publicado desde (AAAA-MM-DD, incluido)")
	fs.Var(dateFlag{t: &r.To, endOfDay: true}, "to", "publicado hasta (AAAA-MM-DD, incluido)")
	fs.Var(listFlag{&r.Categories}, "category", "categorías (ids, separadas por comas)")
	fs.Var(listFlag{&r.Framing}, "framing", "encuadres")
	fs.Var(listFlag{&r.Campaigns}, "campaign", "campañas")
	fs.Var(listFlag{&r.Countries}, "country", "países (GT, SV, HN…)")
	fs.Var(listFlag{&r.Admin1}, "admin1", "departamentos")
	fs.Var(listFlag{&r.Admin2}, "admin2", "municipios")
	fs.Var(listFlag{&r.Sources}, "source", "medios o cuentas")
	fs.Var(listFlag{&r.Platforms}, "platform", "plataformas (news, mastodon, bluesky, …)")
	fs.Var(listFlag{&r.Kinds}, "kind", "tipos (article, post, comment)")
	fs.Var(listFlag{&r.Langs}, "lang", "idiomas")
	fs.Var(listFlag{&r.Clusters}, "case", "casos (cluster_id)")
	fs.StringVar(&bbox, "bbox", "", "recuadro norte,oeste,sur,este en grados")
	fs.StringVar(&near, "near", "", "cerca de lat,lon,km")
	fs.StringVar(&r.Sort, "sort", "", "orden: relevance o date (por defecto relevance con consulta, date sin ella)")
	fs.IntVar(&r.Size, "size", 20, "resultados por página")
	fs.StringVar(&r.After, "after", "", "cursor de la página siguiente (campo next)")
	fs.BoolVar(&r.Collapse, "collapse", false, "agrupa las copias sindicadas (publicado por N medios)")
	fs.BoolVar(&r.AnyWord, "any", false, "basta una de las palabras (por defecto, todas)")
	fs.StringVar(&facets, "facets", "", "facetas separadas por comas (por defecto category,admin1,admin2,source,platform,framing; none: ninguna)")
	fs.IntVar(&r.FacetSize, "facet-size", 10, "valores por faceta")
	fs.BoolVar(&r.ByCase, "by-case", false, "cuenta también por caso (cluster_id)")
	fs.Func("histogram", "atención en el tiempo: day, week o month", func(v string) error { r.Histogram = escucha.Interval(v); return nil })
	fs.IntVar(&r.Terms, "terms", 0, "términos significativos del resultado")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r.Query = strings.Join(fs.Args(), " ")
	switch facets {
	case "":
	case "none":
		r.Facets = []string{}
	default:
		_ = listFlag{&r.Facets}.Set(facets)
	}
	var err error
	if bbox != "" {
		v, perr := floats(bbox, 4)
		if perr != nil {
			return fmt.Errorf("search: --bbox: %w", perr)
		}
		r.BBox = &escucha.GeoBBox{North: v[0], West: v[1], South: v[2], East: v[3]}
	}
	if near != "" {
		v, perr := floats(near, 3)
		if perr != nil {
			return fmt.Errorf("search: --near: %w", perr)
		}
		r.Near = &escucha.GeoNear{Lat: v[0], Lon: v[1], Km: v[2]}
	}
	if c.export != "" && c.export != escucha.ExportCSV && c.export != escucha.ExportNDJSON {
		return fmt.Errorf("search: --export %q: use csv o ndjson", c.export)
	}
	probe := *r
	if err = probe.Validate(); err != nil {
		return fmt.Errorf("search: %w", err)
	}
	return nil
}

func floats(s string, n int) ([]float64, error) {
	parts := strings.Split(s, ",")
	if len(parts) != n {
		return nil, fmt.Errorf("se esperan %d números separados por comas", n)
	}
	out := make([]float64, n)
	for i, p := range parts {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}

func (c *searchCmd) Run(ctx context.Context) error {
	ix, err := index.Open(index.Config{Dir: c.dir}, c.env.Logger)
	if err != nil {
		return err
	}
	c.ix = ix
	if c.export != "" {
		return ix.Export(ctx, c.req, c.export, c.env.Stdout)
	}
	res, err := ix.Search(ctx, c.req)
	if err != nil {
		return err
	}
	if c.asJSON {
		enc := json.NewEncoder(c.env.Stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(res)
	}
	return printListing(c.env.Stdout, &c.req, res)
}

var markTag = regexp.MustCompile(`</?mark>`)

// plain turns a highlight fragment (escaped HTML with <mark>) into terminal text
// with the matches between «».
func plain(s string) string {
	s = markTag.ReplaceAllStringFunc(s, func(t string) string {
		if t == "<mark>" {
			return "«"
		}
		return "»"
	})
	return sanitize(html.UnescapeString(s))
}

// sanitize drops control characters (crawled text could carry terminal escapes).
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}

func printListing(w io.Writer, req *escucha.SearchRequest, res *escucha.SearchResult) error {
	fmt.Fprintf(w, "%d documentos", res.Total)
	if res.Cases > 0 {
		fmt.Fprintf(w, " (%d casos)", res.Cases)
	}
	fmt.Fprintf(w, " — %s\n\n", res.Took.Round(time.Millisecond))
	for i, h := range res.Hits {
		title := sanitize(h.Title)
		if t := h.Highlights["title"]; len(t) > 0 {
			title = plain(t[0])
		}
		if title == "" {
			title = "(sin título)"
		}
		fmt.Fprintf(w, "%2d. %s\n", i+1, title)
		meta := []string{h.Published.In(index.DefaultLocation).Format("02/01/2006 15:04"), sanitize(h.Source), h.Platform}
		if h.Admin2 != "" || h.Admin1 != "" {
			meta = append(meta, sanitize(strings.Trim(h.Admin2+", "+h.Admin1, ", ")))
		}
		if len(h.Categories) > 0 {
			meta = append(meta, strings.Join(h.Categories, ", "))
		}
		if h.Outlets > 1 {
			meta = append(meta, fmt.Sprintf("publicado por %d medios", h.Outlets))
		}
		fmt.Fprintf(w, "    %s\n", strings.Join(meta, " · "))
		if t := h.Highlights["text"]; len(t) > 0 {
			fmt.Fprintf(w, "    …%s…\n", plain(t[0]))
		}
		if h.URL != "" {
			fmt.Fprintf(w, "    %s\n", sanitize(h.URL))
		}
		fmt.Fprintln(w)
	}
	names := map[string]string{escucha.FacetCategory: "Categorías", escucha.FacetAdmin1: "Departamentos",
		escucha.FacetAdmin2: "Municipios", escucha.FacetSource: "Medios", escucha.FacetPlatform: "Plataformas",
		escucha.FacetFraming: "Encuadres", escucha.FacetCampaign: "Campañas", escucha.FacetCountry: "Países",
		escucha.FacetKind: "Tipos", escucha.FacetLang: "Idiomas", escucha.FacetCluster: "Casos"}
	facets := req.Facets
	if facets == nil {
		facets = escucha.DefaultFacets
	}
	for _, f := range facets {
		fc, ok := res.Facets[f]
		if !ok || len(fc.Buckets) == 0 {
			continue
		}
		var parts []string
		for _, b := range fc.Buckets {
			parts = append(parts, fmt.Sprintf("%s (%d)", sanitize(b.Key), b.Count))
		}
		fmt.Fprintf(w, "%s: %s\n", names[f], strings.Join(parts, ", "))
	}
	if h := res.Histogram; h != nil {
		fmt.Fprintf(w, "\nAtención por %s (coincidencias / total con los mismos filtros):\n",
			map[string]string{"day": "día", "week": "semana", "month": "mes"}[string(h.Interval)])
		for _, b := range h.Buckets {
			fmt.Fprintf(w, "  %s  %5d / %-6d %5.1f%%\n", b.Key, b.Count, b.All, 100*b.Share)
		}
	}
	if len(res.Terms) > 0 {
		var parts []string
		for _, t := range res.Terms {
			parts = append(parts, sanitize(t.Term))
		}
		fmt.Fprintf(w, "\nTérminos destacados: %s\n", strings.Join(parts, ", "))
	}
	if res.Next != "" {
		fmt.Fprintf(w, "\nSiguiente página: --after %s\n", res.Next)
	}
	return nil
}

func (c *searchCmd) Close() error {
	if c.ix == nil {
		return nil
	}
	err := c.ix.Close()
	c.ix = nil
	return err
}
