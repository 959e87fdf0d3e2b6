package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/hypo-registry/registry/handlers/rolemap"
)

// roleMappingsPage is the tenant admin's role mappings (seed 002): one
// role per user of the tenant, read by authorization when roles come from
// the application.
type roleMappingsPage struct{ Mappings []rolemap.Mapping }

func (roleMappingsPage) title() string   { return "Role mappings" }
func (roleMappingsPage) current() string { return "roles" }

// listRoleMappings sends the REST route's command (admin only, refused by
// its handler otherwise).
func (c *Console) listRoleMappings(w http.ResponseWriter, r *http.Request, v *visit) {
	data, err := c.ask(r.Context(), c.deps.Bus, v, "list role mappings", &rolemap.ListRoleMappings{Auth: callerAuth(v.principal)})
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	var ms []rolemap.Mapping
	if err := json.Unmarshal(data, &ms); err != nil {
		c.renderFailure(w, r, v, fmt.Errorf("list role mappings: decode reply: %w", err))
		return
	}
	c.render(w, r, v, http.StatusOK, "rolemappings.html", roleMappingsPage{Mappings: ms})
}

// changeRoleMapping creates, updates or deletes a mapping (the form's
// action), then waits for the projections, as REST does, so the list
// redirected to shows it and authorization already applies it.
func (c *Console) changeRoleMapping(w http.ResponseWriter, r *http.Request, v *visit) {
	id, role := strings.TrimSpace(r.PostForm.Get("principalId")), strings.TrimSpace(r.PostForm.Get("role"))
	a := callerAuth(v.principal)
	var cmd any
	var done string
	switch r.PostForm.Get("action") {
	case "create":
		cmd, done = &rolemap.CreateRoleMapping{Auth: a, PrincipalID: id, Role: role}, "Mapped"
	case "update":
		cmd, done = &rolemap.UpdateRoleMapping{Auth: a, PrincipalID: id, Role: role}, "Updated"
	case "delete":
		cmd, done = &rolemap.DeleteRoleMapping{Auth: a, PrincipalID: id}, "Removed the mapping of"
	default:
		c.renderError(w, r, v, http.StatusBadRequest, "Unknown action: want create, update or delete.")
		return
	}
	if _, err := c.ask(r.Context(), c.deps.Bus, v, "change role mapping", cmd); err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	if c.deps.Sync != nil {
		if err := c.deps.Sync(r.Context()); err != nil {
			c.renderFailure(w, r, v, err)
			return
		}
	}
	c.sessions.setFlash(v.sessionID, done+" "+id+".")
	http.Redirect(w, r, "/console/admin/roles", http.StatusSeeOther)
}
