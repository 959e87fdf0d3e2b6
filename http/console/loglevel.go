package console

import (
	"net/http"

	"github.com/hypo-registry/registry/internal/security/auth"
)

// LogLevels reads and changes this instance's log level for the platform
// admin (rest.LogLevels: the rule of /registry-api/admin/logs).
type LogLevels interface {
	Get(p auth.Principal) (string, error)
	Set(p auth.Principal, level string) (string, error)
}

type logLevelPage struct {
	Level, Instance string
	Levels          []string
}

func (logLevelPage) title() string   { return "Log level" }
func (logLevelPage) current() string { return "logs" }

func (c *Console) showLogLevel(w http.ResponseWriter, r *http.Request, v *visit) {
	level, err := c.deps.LogLevels.Get(v.principal)
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	c.render(w, r, v, http.StatusOK, "loglevel.html", logLevelPage{Level: level, Instance: c.deps.Instance, Levels: []string{"DEBUG", "INFO", "WARN", "ERROR"}})
}

func (c *Console) setLogLevel(w http.ResponseWriter, r *http.Request, v *visit) {
	level, err := c.deps.LogLevels.Set(v.principal, r.PostForm.Get("level"))
	if err != nil {
		c.renderFailure(w, r, v, err)
		return
	}
	c.sessions.setFlash(v.sessionID, "Log level of this instance: "+level+".")
	http.Redirect(w, r, "/console/admin/logs", http.StatusSeeOther)
}
