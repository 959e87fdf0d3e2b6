package console

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync"
	"time"
)

// session is a signed-in browser: the access token the issuer gave it
// (a credential, kept in memory only and never sent to the browser), its
// expiry, and the synchronizer token of its forms.
type session struct {
	token   string
	expires time.Time
	csrf    string
	subject string
	tenant  string
	flash   string // one message for the next page (post-redirect-get)
}

// pending is a sign-in under way: the state sent to the issuer and the
// PKCE verifier, bound to the browser by the pre-session cookie.
type pending struct {
	state, verifier string
	expires         time.Time
}

// errFull is a store at its bound with nothing expired to drop.
var errFull = errors.New("console: too many sessions")

// sessions keeps sessions and sign-ins in memory, each bounded in number
// and dropped when it expires: a restart signs everyone out.
type sessions struct {
	mu      sync.Mutex
	max     int
	now     func() time.Time
	live    map[string]*session
	pending map[string]pending
}

func newSessions(max int, now func() time.Time) *sessions {
	return &sessions{max: max, now: now, live: map[string]*session{}, pending: map[string]pending{}}
}

// randomID is 256 random bits, URL-safe.
func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// begin records a sign-in and returns the id its cookie carries.
func (s *sessions) begin(p pending) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) >= s.max {
		s.sweepLocked()
		if len(s.pending) >= s.max {
			return "", errFull
		}
	}
	id := randomID()
	s.pending[id] = p
	return id, nil
}

// finish takes the sign-in of id once: a second callback with it fails.
func (s *sessions) finish(id string) (pending, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[id]
	delete(s.pending, id)
	if !ok || !s.now().Before(p.expires) {
		return pending{}, false
	}
	return p, true
}

// start stores a new session and returns its id.
func (s *sessions) start(sess *session) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.live) >= s.max {
		s.sweepLocked()
		if len(s.live) >= s.max {
			return "", errFull
		}
	}
	id := randomID()
	sess.csrf = randomID()
	s.live[id] = sess
	return id, nil
}

// get returns a copy of the live session of id.
func (s *sessions) get(id string) (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.live[id]
	if !ok {
		return session{}, false
	}
	if !s.now().Before(sess.expires) {
		delete(s.live, id)
		return session{}, false
	}
	return *sess, true
}

// takeFlash returns the session's message for this page, once.
func (s *sessions) takeFlash(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.live[id]
	if !ok {
		return ""
	}
	msg := sess.flash
	sess.flash = ""
	return msg
}

// setFlash leaves msg for the session's next page.
func (s *sessions) setFlash(id, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sess, ok := s.live[id]; ok {
		sess.flash = msg
	}
}

// end removes the session of id.
func (s *sessions) end(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.live, id)
}

func (s *sessions) sweepLocked() {
	now := s.now()
	for id, sess := range s.live {
		if !now.Before(sess.expires) {
			delete(s.live, id)
		}
	}
	for id, p := range s.pending {
		if !now.Before(p.expires) {
			delete(s.pending, id)
		}
	}
}
