package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/hypo-registry/registry/handlers"
)

// kubeconfigsPage lists the caller's kubeconfigs (which services have one,
// never a kubeconfig itself), with a terminal token just issued.
type kubeconfigsPage struct {
	Entries []handlers.KubeconfigEntry
	Issued  *issuedToken
}

type issuedToken struct {
	ServiceID, ID string
	handlers.TerminalToken
}

func (kubeconfigsPage) title() string   { return "Kubeconfigs" }
func (kubeconfigsPage) current() string { return "kubeconfigs" }

func (c *Console) listKubeconfigs(w http.ResponseWriter, r *http.Request, v *visit) {
	c.showKubeconfigs(w, r, v, nil)
}

func (c *Console) showKubeconfigs(w http.ResponseWriter, r *http.Request, v *visit, issued *issuedToken) {
	data, err := c.ask(r.Context(), c.deps.Queries, v, "list kubeconfigs", &handlers.ListKubeconfigs{Auth: callerAuth(v.principal)})
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	var entries []handlers.KubeconfigEntry
	if err := json.Unmarshal(data, &entries); err != nil {
		c.renderFailure(w, r, v, fmt.Errorf("list kubeconfigs: decode reply: %w", err))
		return
	}
	c.render(w, r, v, http.StatusOK, "kubeconfigs.html", kubeconfigsPage{Entries: entries, Issued: issued})
}

// issueTerminalToken runs the REST route's query (write access, as there:
// a token grants access) and shows the token on this answer only.
func (c *Console) issueTerminalToken(w http.ResponseWriter, r *http.Request, v *visit) {
	serviceID, id := strings.TrimSpace(r.PostForm.Get("serviceId")), strings.TrimSpace(r.PostForm.Get("id"))
	q := &handlers.IssueTerminalToken{Auth: callerAuth(v.principal), ServiceID: serviceID, ID: id}
	data, err := c.ask(r.Context(), c.deps.Queries, v, "issue terminal token", q)
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	issued := &issuedToken{ServiceID: serviceID, ID: id}
	if err := json.Unmarshal(data, &issued.TerminalToken); err != nil {
		c.renderFailure(w, r, v, fmt.Errorf("issue terminal token: decode reply: %w", err))
		return
	}
	c.showKubeconfigs(w, r, v, issued)
}
