package rest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// vhostError is seed 004's error body.
type vhostError struct {
	Error vhostErrorDetail `json:"error"`
}

type vhostErrorDetail struct {
	Description string `json:"description"`
}

// writeVHError answers err in seed 004's form, with the status StatusOf
// gives. Internal errors get a generic description: their text may carry
// backend detail.
func writeVHError(w http.ResponseWriter, err error) {
	status := StatusOf(err)
	desc := describe(err)
	if status == http.StatusInternalServerError {
		desc = "internal error"
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="registry"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(vhostError{Error: vhostErrorDetail{Description: desc}})
}

// describe is err's message on one line; errors.Join puts its parts on
// lines of their own.
func describe(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", ": ")
}

// writeText answers 200 with a text body.
func writeText(w http.ResponseWriter, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(body))
}

// writeVHData answers status with data, which may hold private material:
// never cached.
func writeVHData(w http.ResponseWriter, status int, data []byte) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
	_, _ = w.Write([]byte("\n"))
}

func writeVHJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeVHError(w, err)
		return
	}
	writeVHData(w, http.StatusOK, b)
}
