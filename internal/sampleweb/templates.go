package sampleweb

import (
	"bytes"
	"encoding/xml"
	"html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/infosegura/escucha"
)

func xmlEscape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

var funcs = template.FuncMap{
	"path":    func(o *Outlet, d *escucha.Document) string { return o.path(d) },
	"rfc3339": func(t time.Time) string { return t.Format(time.RFC3339) },
	"fecha": func(t time.Time) string {
		meses := []string{"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
			"agosto", "septiembre", "octubre", "noviembre", "diciembre"}
		return t.Format("2") + " de " + meses[t.Month()-1] + " de " + t.Format("2006")
	},
	"jsonld": jsonLD,
	"lead": func(s string) string {
		if i := strings.IndexAny(s, ".\n"); i > 0 {
			return s[:i+1]
		}
		return s
	},
}

var textFuncs = texttemplate.FuncMap{
	"path":    funcs["path"],
	"rfc3339": funcs["rfc3339"],
	"x":       xmlEscape,
	"rfc1123": func(t time.Time) string { return t.Format(time.RFC1123Z) },
	"lead":    funcs["lead"],
}

var rssTmpl = texttemplate.Must(texttemplate.New("rss").Funcs(textFuncs).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{{x .Name}}</title>
<link>{{x .Home}}</link>
<description>Noticias de {{x .Name}}</description>
<language>es</language>
{{range .Docs}}<item>
<title>{{x .Title}}</title>
<link>{{x $.Home}}{{path $ .}}</link>
<guid isPermaLink="true">{{x $.Home}}{{path $ .}}</guid>
<pubDate>{{rfc1123 .Published}}</pubDate>
<description>{{x (lead .Text)}}</description>
</item>
{{end}}</channel>
</rss>
`))

var sitemapTmpl = texttemplate.Must(texttemplate.New("sitemap").Funcs(textFuncs).Parse(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{{range .Docs}}<url>
<loc>{{x $.Home}}{{path $ .}}</loc>
<news:news>
<news:publication><news:name>{{x $.Name}}</news:name><news:language>es</news:language></news:publication>
<news:publication_date>{{rfc3339 .Published}}</news:publication_date>
<news:title>{{x .Title}}</news:title>
</news:news>
</url>
{{end}}</urlset>
`))

const chrome = `{{define "head"}}<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{{end}}
{{define "nav"}}<header class="site"><a href="/" class="logo">{{.Name}}</a>
<nav><ul><li><a href="/">Portada</a></li><li><a href="/sucesos/">Sucesos</a></li><li><a href="/deportes/">Deportes</a></li><li><a href="/economia/">Economía</a></li><li><a href="/admin/">Suscriptores</a></li></ul></nav></header>
<div id="cookie-banner" class="cookies">Usamos cookies para mejorar su experiencia. <button>Aceptar</button></div>
<div class="ad">Publicidad</div>
{{end}}
{{define "foot"}}<footer><p>© {{.Name}}. Todos los derechos reservados.</p><ul><li><a href="/">Contacto</a></li><li><a href="/">Aviso legal</a></li></ul></footer></body></html>{{end}}`

var homeTmpl = template.Must(template.Must(template.New("home").Funcs(funcs).Parse(chrome)).Parse(`{{template "head" .}}<title>{{.Name}} — Portada</title></head><body>
{{template "nav" .}}
<main><h1>Últimas noticias</h1>
{{range .Docs}}<div class="teaser"><h2><a href="/{{path $ .}}">{{.Title}}</a></h2><p>{{lead .Text}}</p></div>
{{end}}</main>
{{template "foot" .}}`))

var articleTmpl = template.Must(template.Must(template.New("article").Funcs(funcs).Parse(chrome)).Parse(`{{template "head" .O}}<title>{{.D.Title}} | {{.O.Name}}</title>
<link rel="canonical" href="{{.O.Home}}{{path .O .D}}">
<meta property="og:title" content="{{.D.Title}}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{{.O.Name}}">
<meta property="article:published_time" content="{{rfc3339 .D.Published}}">
<script type="application/ld+json">{{jsonld .O .D}}</script>
</head><body>
{{template "nav" .O}}
<main><article>
<h1>{{.D.Title}}</h1>
<p class="byline">Por Redacción {{.O.Name}} · <time datetime="{{rfc3339 .D.Published}}">{{fecha .D.Published}}</time></p>
{{range .P}}<p>{{.}}</p>
{{end}}</article>
<aside class="related"><h3>Noticias relacionadas</h3><ul>
<li><a href="/">Resultados de la jornada deportiva del fin de semana</a></li>
<li><a href="/">Tipo de cambio se mantiene estable</a></li></ul></aside>
<section id="comments" class="comments"><h3>Comentarios</h3>
<div class="comment"><p>Qué tristeza, ojalá se haga justicia pronto.</p></div></section>
</main>
{{template "foot" .O}}`))
