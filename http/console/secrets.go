package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// scope is one kind of credential secret and the queries and commands
// that serve it: those of the REST API's routes for the same scope.
type scope struct {
	Path    string // in the console's URLs, as in the REST API's
	Title   string
	NameAs  string // what a secret's name is called
	WithURL bool

	list   func(handlers.Auth) any // the console's list: metadata, no value
	get    func(handlers.Auth, string) any
	create func(handlers.Auth, string, form) any
	update func(handlers.Auth, string, form) any
	delete func(handlers.Auth, string) any
}

// form are a create's or update's fields; a nil field is left unchanged
// by an update (an empty input).
type form struct{ username, password, url *string }

func (f form) value(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

var scopes = []scope{
	{
		Path: "image-pull", Title: "Image-pull secrets", NameAs: "Name", WithURL: true,
		list: func(a handlers.Auth) any { return &handlers.DescribeImagePullSecrets{Auth: a} },
		get:  func(a handlers.Auth, n string) any { return &handlers.GetImagePullSecret{Auth: a, Name: n} },
		create: func(a handlers.Auth, n string, f form) any {
			return &handlers.CreateImagePullSecret{Auth: a, Name: n, Username: f.value(f.username), Password: f.value(f.password), URL: f.value(f.url)}
		},
		update: func(a handlers.Auth, n string, f form) any {
			return &handlers.UpdateImagePullSecret{Auth: a, Name: n, Username: f.username, Password: f.password, URL: f.url}
		},
		delete: func(a handlers.Auth, n string) any { return &handlers.DeleteImagePullSecret{Auth: a, Name: n} },
	},
	{
		Path: "package-registry", Title: "Package-registry secrets", NameAs: "Name", WithURL: true,
		list: func(a handlers.Auth) any { return &handlers.DescribePackageRegistrySecrets{Auth: a} },
		get:  func(a handlers.Auth, n string) any { return &handlers.GetPackageRegistrySecret{Auth: a, Name: n} },
		create: func(a handlers.Auth, n string, f form) any {
			return &handlers.CreatePackageRegistrySecret{Auth: a, Name: n, Username: f.value(f.username), Password: f.value(f.password), URL: f.value(f.url)}
		},
		update: func(a handlers.Auth, n string, f form) any {
			return &handlers.UpdatePackageRegistrySecret{Auth: a, Name: n, Username: f.username, Password: f.password, URL: f.url}
		},
		delete: func(a handlers.Auth, n string) any { return &handlers.DeletePackageRegistrySecret{Auth: a, Name: n} },
	},
	{
		Path: "fabric", Title: "Fabric secrets", NameAs: "Controller id",
		list: func(a handlers.Auth) any { return &handlers.DescribeFabricSecrets{Auth: a} },
		get:  func(a handlers.Auth, n string) any { return &handlers.GetFabricSecret{Auth: a, ControllerID: n} },
		create: func(a handlers.Auth, n string, f form) any {
			return &handlers.CreateFabricSecret{Auth: a, ControllerID: n, Username: f.value(f.username), Password: f.value(f.password)}
		},
		update: func(a handlers.Auth, n string, f form) any {
			return &handlers.UpdateFabricSecret{Auth: a, ControllerID: n, Username: f.username, Password: f.password}
		},
		delete: func(a handlers.Auth, n string) any { return &handlers.DeleteFabricSecret{Auth: a, ControllerID: n} },
	},
}

func scopeOf(r *http.Request) (scope, bool) {
	for _, s := range scopes {
		if s.Path == r.PathValue("scope") {
			return s, true
		}
	}
	return scope{}, false
}

// secretsPage is the list of a scope's secrets, with one revealed.
type secretsPage struct {
	Scope    scope
	Secrets  []handlers.SecretSummary
	Revealed *handlers.RegistryCredential
}

func (p secretsPage) title() string   { return p.Scope.Title }
func (p secretsPage) current() string { return p.Scope.Path }

func callerAuth(p auth.Principal) handlers.Auth { return handlers.Auth{Caller: p.Caller()} }

// scoped runs h for the request's scope; an unknown scope is 404.
func (c *Console) scoped(w http.ResponseWriter, r *http.Request, v *visit, h func(scope)) {
	s, ok := scopeOf(r)
	if !ok {
		c.renderError(w, r, v, http.StatusNotFound, "No such page.")
		return
	}
	h(s)
}

func (c *Console) listSecrets(w http.ResponseWriter, r *http.Request, v *visit) {
	c.scoped(w, r, v, func(s scope) { c.showSecrets(w, r, v, s, nil) })
}

// showSecrets renders the scope's list (the describe query: each secret's
// version and times, no value; audited as REST's list is), with revealed
// shown when set.
func (c *Console) showSecrets(w http.ResponseWriter, r *http.Request, v *visit, s scope, revealed *handlers.RegistryCredential) {
	data, err := c.ask(r.Context(), c.deps.Queries, v, "list "+s.Path, s.list(callerAuth(v.principal)))
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	var secrets []handlers.SecretSummary
	if err := json.Unmarshal(data, &secrets); err != nil {
		c.renderFailure(w, r, v, fmt.Errorf("list %s: decode reply: %w", s.Path, err))
		return
	}
	c.render(w, r, v, http.StatusOK, "secrets.html", secretsPage{Scope: s, Secrets: secrets, Revealed: revealed})
}

// nameOf is the form's secret name; empty is refused by the handlers.
func nameOf(r *http.Request) string { return strings.TrimSpace(r.PostForm.Get("name")) }

// field is a form field, nil when absent or left empty.
func field(r *http.Request, name string) *string {
	if v := r.PostForm.Get(name); v != "" {
		return &v
	}
	return nil
}

func formOf(r *http.Request, s scope) form {
	f := form{username: field(r, "username"), password: field(r, "password")}
	if s.WithURL {
		f.url = field(r, "url")
	}
	return f
}

func (c *Console) createSecret(w http.ResponseWriter, r *http.Request, v *visit) {
	c.scoped(w, r, v, func(s scope) {
		c.change(w, r, v, s, "created", s.create(callerAuth(v.principal), nameOf(r), formOf(r, s)))
	})
}

func (c *Console) updateSecret(w http.ResponseWriter, r *http.Request, v *visit) {
	c.scoped(w, r, v, func(s scope) {
		c.change(w, r, v, s, "updated", s.update(callerAuth(v.principal), nameOf(r), formOf(r, s)))
	})
}

func (c *Console) deleteSecret(w http.ResponseWriter, r *http.Request, v *visit) {
	c.scoped(w, r, v, func(s scope) {
		c.change(w, r, v, s, "deleted", s.delete(callerAuth(v.principal), nameOf(r)))
	})
}

// change sends cmd on the bus, then redirects to the list with a message
// (post-redirect-get): reloading the page repeats nothing.
func (c *Console) change(w http.ResponseWriter, r *http.Request, v *visit, s scope, done string, cmd any) {
	data, err := c.ask(r.Context(), c.deps.Bus, v, done+" "+s.Path, cmd)
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	msg := fmt.Sprintf("%s %s.", strings.ToUpper(done[:1])+done[1:], nameOf(r))
	var written handlers.SecretWritten
	if len(data) > 0 && json.Unmarshal(data, &written) == nil && written.Version > 0 {
		msg = fmt.Sprintf("%s %s: version %d.", strings.ToUpper(done[:1])+done[1:], written.Name, written.Version)
	}
	c.sessions.setFlash(v.sessionID, msg)
	http.Redirect(w, r, "/console/secrets/"+s.Path, http.StatusSeeOther)
}

// revealSecret reads the secret with the REST GET's query, so its audit
// record is the same, and shows it on this answer only (never stored,
// never in a URL; the answer is no-store).
func (c *Console) revealSecret(w http.ResponseWriter, r *http.Request, v *visit) {
	c.scoped(w, r, v, func(s scope) {
		data, err := c.ask(r.Context(), c.deps.Queries, v, "reveal "+s.Path, s.get(callerAuth(v.principal), nameOf(r)))
		if err != nil {
			c.renderFailure(w, r, v, err)
			return
		}
		var cred handlers.RegistryCredential
		if err := json.Unmarshal(data, &cred); err != nil {
			c.renderFailure(w, r, v, fmt.Errorf("reveal %s: decode reply: %w", s.Path, err))
			return
		}
		c.showSecrets(w, r, v, s, &cred)
	})
}
