package rest

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/hypo-registry/registry/http/respond"
	"github.com/hypo-registry/registry/internal/bus"
)

// vhostError is seed 004's error body.
type vhostError struct {
	Error vhostErrorDetail `json:"error"`
}

type vhostErrorDetail struct {
	Description string `json:"description"`
}

// vhostFormat is seed 004's error body; its 503s carry no Retry-After.
var vhostFormat = respond.Format{ContentType: "application/json", Challenge: `Bearer realm="registry"`}

// writeVHError answers err in seed 004's form, with the status StatusOf
// gives. Internal errors get a generic description: their text may carry
// backend detail.
func writeVHError(w http.ResponseWriter, err error) {
	status := StatusOf(err)
	desc := describe(err)
	if status >= http.StatusInternalServerError {
		// A fixed sentence, as on REST: the text names backends and paths.
		desc = bus.PublicMessage(err)
	}
	vhostFormat.Error(w, status, vhostError{Error: vhostErrorDetail{Description: desc}})
}

// writeVHErr is writeVHError as the responder's errorFormat.
func writeVHErr(w http.ResponseWriter, _ *http.Request, err error) { writeVHError(w, err) }

// describe is err's message on one line; errors.Join puts its parts on
// lines of their own.
func describe(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", ": ")
}

// writeText answers 200 with a text body.
func writeText(w http.ResponseWriter, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	respond.NoSniff(w.Header())
	_, _ = w.Write([]byte(body))
}

func writeVHJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeVHError(w, err)
		return
	}
	writeData(w, http.StatusOK, b)
}
