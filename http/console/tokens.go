package console

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/security/authz"
)

// TokenService is the Docker registry token service, when it is on.
type TokenService interface {
	Plans() []string
}

// tokensPage shows the token service's plans and this instance's issued
// and rejected counts: the registry_token_* counters of /metrics.
type tokensPage struct {
	Plans    []string
	Issued   []labelCount // by plan
	Rejected []labelCount // by reason
}

type labelCount struct {
	Label string
	Count float64
}

func (tokensPage) title() string   { return "Token service" }
func (tokensPage) current() string { return "tokens" }

// showTokens is the platform admin's: the counts are the whole process's,
// every tenant's.
func (c *Console) showTokens(w http.ResponseWriter, r *http.Request, v *visit) {
	az := c.authz.Config()
	if !az.IsPlatformAdmin(&authz.Caller{Roles: v.principal.Roles}) {
		c.renderFailure(w, r, v, fmt.Errorf("%w: role %q required", handlers.ErrForbidden, az.PlatformAdminRole))
		return
	}
	page := tokensPage{Plans: slices.Sorted(slices.Values(c.deps.TokenService.Plans()))}
	families, err := c.deps.Gatherer.Gather()
	if err != nil {
		c.renderFailure(w, r, v, fmt.Errorf("token service: gather metrics: %w", err))
		return
	}
	for _, f := range families {
		var into *[]labelCount
		switch f.GetName() {
		case "registry_token_issued_total":
			into = &page.Issued
		case "registry_token_rejected_total":
			into = &page.Rejected
		default:
			continue
		}
		for _, m := range f.GetMetric() {
			label := ""
			if ls := m.GetLabel(); len(ls) > 0 {
				label = ls[0].GetValue()
			}
			*into = append(*into, labelCount{Label: label, Count: m.GetCounter().GetValue()})
		}
	}
	c.render(w, r, v, http.StatusOK, "tokens.html", page)
}
