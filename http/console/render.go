package console

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"sync"

	rest "github.com/hypo-registry/registry/http"
	"github.com/hypo-registry/registry/internal/bus"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// staticFiles serves the embedded stylesheet and script under
// /console/static/. They hold no tenant data, but the console's headers
// (no-store) still apply: simplicity over a cache here.
func staticFiles() http.Handler {
	sub, _ := fs.Sub(staticFS, "static") // the embed above guarantees it
	return http.StripPrefix("/console/static/", http.FileServerFS(sub))
}

var (
	pagesOnce sync.Once
	pages     map[string]*template.Template
)

// page templates, each the layout with its own "content".
func templates() map[string]*template.Template {
	pagesOnce.Do(func() {
		layout := template.Must(template.ParseFS(templateFS, "templates/layout.html"))
		names, _ := fs.Glob(templateFS, "templates/*.html")
		pages = map[string]*template.Template{}
		for _, n := range names {
			if n == "templates/layout.html" {
				continue
			}
			t := template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
			pages[n[len("templates/"):]] = t
		}
	})
	return pages
}

// view is what every page renders from.
type view struct {
	Title   string
	Subject string
	Tenant  string
	CSRF    string
	Flash   string
	Scopes  []scope
	Current string // the scope shown, for the navigation
	Data    any
}

// render writes page with data for v's caller (nil: signed out). The page
// is rendered to memory first, so a template error is a clean 500.
func (c *Console) render(w http.ResponseWriter, r *http.Request, v *visit, status int, page string, data any) {
	vw := view{Scopes: scopes, Data: data}
	if v != nil {
		vw.Subject, vw.Tenant, vw.CSRF = v.session.subject, v.session.tenant, v.session.csrf
		if status < 300 {
			vw.Flash = c.sessions.takeFlash(v.sessionID)
		}
	}
	if t, ok := data.(titled); ok {
		vw.Title, vw.Current = t.title(), t.current()
	}
	var buf bytes.Buffer
	if err := templates()[page].ExecuteTemplate(&buf, "layout", vw); err != nil {
		c.deps.Logger.Error("console: render", "page", page, "error", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type titled interface {
	title() string
	current() string
}

type errorPage struct {
	Status  int
	Message string
}

func (e errorPage) title() string   { return http.StatusText(e.Status) }
func (e errorPage) current() string { return "" }

// renderError answers with an error page.
func (c *Console) renderError(w http.ResponseWriter, r *http.Request, v *visit, status int, msg string) {
	c.render(w, r, v, status, "error.html", errorPage{Status: status, Message: msg})
}

// renderFailure answers a failed query or command with the status REST
// would give it and the message REST would show (rest.StatusOf,
// bus.PublicMessage): an internal error's text stays in the log.
func (c *Console) renderFailure(w http.ResponseWriter, r *http.Request, v *visit, err error) {
	status := statusOf(err)
	if status >= 500 {
		c.deps.Logger.Error("console request failed", "path", r.URL.Path, "error", err)
	}
	c.renderError(w, r, v, status, bus.PublicMessage(err))
}

// statusOf is the REST API's status for err.
func statusOf(err error) int { return rest.StatusOf(err) }
