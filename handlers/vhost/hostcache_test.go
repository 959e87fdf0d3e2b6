package vhost

import "testing"

// TestHostCacheKeepsNoReadOlderThanAChange: a read from the database that
// began before the projection changed a host (any host) is not kept, so
// the cache never holds what the database no longer says; one that began
// after is.
func TestHostCacheKeepsNoReadOlderThanAChange(t *testing.T) {
	c := NewHostCache()
	_, before, ok := c.get("a")
	if ok {
		t.Fatal("an empty cache holds a")
	}
	c.changed("b")
	c.put(before, Host{Name: "a", ID: "old"})
	if h, _, ok := c.get("a"); ok {
		t.Fatalf("kept %+v, read before a change", h)
	}
	_, after, _ := c.get("a")
	c.put(after, Host{Name: "a", ID: "new", Owners: []string{"user:ann"}})
	h, _, ok := c.get("a")
	if !ok || h.ID != "new" {
		t.Fatalf("got %+v, %v; want the read after the change kept", h, ok)
	}
	h.Owners[0] = "user:mallory"
	if again, _, _ := c.get("a"); again.Owners[0] != "user:ann" {
		t.Fatalf("a caller's change to a cached host leaked: %+v", again)
	}
	c.changed("a")
	if h, _, ok := c.get("a"); ok {
		t.Fatalf("still holds %+v after its change", h)
	}
}
