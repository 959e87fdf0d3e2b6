package rest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/auditread"
	"github.com/hypo-registry/registry/internal/security/auth"
)

// auditRoutes serve the live audit log: GET /registry-api/admin/audit
// (pages of records; a tenant admin its tenant's, the platform admin all)
// and GET /registry-api/admin/audit/verify (the chain; platform admin).
// Both are queries, audited like every read.
func (s *Server) auditRoutes(api *mux.Router) {
	api.HandleFunc("/admin/audit", s.authed(s.readAudit)).Methods(http.MethodGet)
	api.HandleFunc("/admin/audit/verify", s.authed(s.verifyAudit)).Methods(http.MethodGet)
}

func (s *Server) readAudit(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	q, err := AuditQuery(r.URL.Query())
	if err != nil {
		writeProblem(w, r, err)
		return
	}
	q.Auth = handlers.Auth{Caller: p.Caller()}
	s.query(w, r, p, "ReadAudit", &q)
}

func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	if len(r.URL.Query()) > 0 {
		writeProblem(w, r, fmt.Errorf("%w: audit/verify takes no query parameters", handlers.ErrInvalid))
		return
	}
	s.query(w, r, p, "VerifyAudit", &auditread.VerifyAudit{Auth: handlers.Auth{Caller: p.Caller()}})
}

// AuditQuery reads the filters of GET /admin/audit (and of the console's
// audit page). type may repeat or hold a comma list; every other parameter
// is given at most once, and an unknown one is refused rather than ignored
// (a misspelt filter would otherwise widen the answer silently).
func AuditQuery(v url.Values) (auditread.ReadAudit, error) {
	var q auditread.ReadAudit
	for name, vs := range v {
		if name != "type" && len(vs) > 1 {
			return q, fmt.Errorf("%w: query parameter %q given %d times", handlers.ErrInvalid, name, len(vs))
		}
		var err error
		switch name {
		case "type":
			for _, s := range vs {
				for t := range strings.SplitSeq(s, ",") {
					if t = strings.TrimSpace(t); t == "" {
						return q, fmt.Errorf("%w: type: an empty event type", handlers.ErrInvalid)
					}
					q.Types = append(q.Types, t)
				}
			}
		case "subject":
			q.Subject = vs[0]
		case "since":
			q.Since, err = auditTime(name, vs[0])
		case "until":
			q.Until, err = auditTime(name, vs[0])
		case "cursor":
			q.Cursor = vs[0]
		case "limit":
			if q.Limit, err = strconv.Atoi(vs[0]); err != nil || q.Limit < 1 || q.Limit > auditread.MaxLimit {
				err = fmt.Errorf("%w: limit %q: want a number from 1 to %d", handlers.ErrInvalid, vs[0], auditread.MaxLimit)
			}
		default:
			err = fmt.Errorf("%w: unknown query parameter %q (type, subject, since, until, cursor, limit)", handlers.ErrInvalid, name)
		}
		if err != nil {
			return q, err
		}
	}
	return q, nil
}

func auditTime(name, s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("%w: %s %q: want an RFC 3339 time, e.g. 2026-03-01T12:00:00Z", handlers.ErrInvalid, name, s)
	}
	return t, nil
}
