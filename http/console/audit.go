package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/auditread"
	rest "github.com/hypo-registry/registry/http"
)

// auditPage is a page of the live audit log with its filters, and the
// chain's verification when the caller may see it (the platform admin).
type auditPage struct {
	Filter   auditFilter
	Page     auditread.AuditPage
	NextURL  string
	Chain    *auditread.Chain
	ChainMsg string
}

type auditFilter struct{ Type, Subject, Since, Until string }

func (auditPage) title() string   { return "Audit trail" }
func (auditPage) current() string { return "audit" }

// auditValues turns the page's form into the REST API's audit parameters:
// empty fields are left out, a browser's datetime-local value is read as
// UTC.
func auditValues(in url.Values) url.Values {
	out := url.Values{}
	for name, vs := range in {
		for _, v := range vs {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			if (name == "since" || name == "until") && len(v) == len("2006-01-02T15:04") {
				v += ":00Z"
			}
			out.Add(name, v)
		}
	}
	return out
}

// audit reads a page with the REST API's query (ReadAudit: a tenant admin
// its tenant's records, the platform admin all) and its filter rules
// (rest.AuditQuery).
func (c *Console) audit(w http.ResponseWriter, r *http.Request, v *visit) {
	params := auditValues(r.URL.Query())
	q, err := rest.AuditQuery(params)
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	q.Auth = callerAuth(v.principal)
	data, err := c.ask(r.Context(), c.deps.Queries, v, "read audit", &q)
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	page := auditPage{Filter: auditFilter{Type: params.Get("type"), Subject: params.Get("subject"), Since: r.URL.Query().Get("since"), Until: r.URL.Query().Get("until")}}
	if err := json.Unmarshal(data, &page.Page); err != nil {
		c.renderFailure(w, r, v, fmt.Errorf("read audit: decode reply: %w", err))
		return
	}
	if page.Page.More && page.Page.Next != "" {
		next := auditValues(r.URL.Query())
		next.Set("cursor", page.Page.Next)
		page.NextURL = "/console/audit?" + next.Encode()
	}
	chain, err := c.ask(r.Context(), c.deps.Queries, v, "verify audit", &auditread.VerifyAudit{Auth: callerAuth(v.principal)})
	switch {
	case errors.Is(err, handlers.ErrForbidden):
		page.ChainMsg = "The chain's verification is the platform admin's: it covers every tenant's records."
	case err != nil:
		page.ChainMsg = "The chain could not be verified: " + err.Error()
	default:
		page.Chain = &auditread.Chain{}
		if err := json.Unmarshal(chain, page.Chain); err != nil {
			c.renderFailure(w, r, v, fmt.Errorf("verify audit: decode reply: %w", err))
			return
		}
	}
	c.render(w, r, v, http.StatusOK, "audit.html", page)
}
