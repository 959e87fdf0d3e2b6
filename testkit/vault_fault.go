package testkit

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hypo-registry/registry/internal/app"
)

// Pause stops the server's processes with SIGSTOP: connections are accepted
// by the kernel but nothing answers, as with a hung Vault. Resume continues
// them; Stop and cleanup continue them too.
func (v *Vault) Pause(t testing.TB) {
	t.Helper()
	v.signal(t, syscall.SIGSTOP)
}

// Resume continues a paused server with SIGCONT.
func (v *Vault) Resume(t testing.TB) {
	t.Helper()
	v.signal(t, syscall.SIGCONT)
}

// signal sends sig to the server's process group and waits until every
// thread of the server is stopped (SIGSTOP) or running again: a signal is
// delivered asynchronously, and a request sent right after kill(2) returns
// could still be answered.
func (v *Vault) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.proc == nil {
		t.Fatalf("vault at %s is not running", v.Addr)
	}
	pid := v.proc.cmd.Process.Pid
	if err := syscall.Kill(-pid, sig); err != nil {
		t.Fatalf("signal vault: %v", err)
	}
	want := sig == syscall.SIGSTOP
	deadline := time.Now().Add(10 * time.Second)
	for {
		stopped, err := allStopped(pid)
		if err != nil {
			t.Fatalf("signal vault: %v", err)
		}
		if stopped == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("vault threads stopped=%v 10s after %v, want %v", stopped, sig, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// allStopped reports whether every thread of pid is in the stopped state
// ("T" in /proc/PID/task/TID/stat).
func allStopped(pid int) (bool, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(tasks) == 0 {
		return false, fmt.Errorf("threads of %d: %v", pid, err)
	}
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			return false, err
		}
		// "TID (comm) STATE ...": comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(b, ')')
		if i < 0 || i+2 >= len(b) {
			return false, fmt.Errorf("unexpected %s: %q", task, b)
		}
		if b[i+2] != 'T' {
			return false, nil
		}
	}
	return true, nil
}

// Seal seals the server: it then answers every request 503, as a Vault
// restarted and not yet unsealed does. Unseal unseals it again.
func (v *Vault) Seal(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := v.Admin.Sys().SealWithContext(ctx); err != nil {
		t.Fatalf("seal vault: %v", err)
	}
}

// Unseal unseals the server with the dev server's unseal key, from its log,
// and waits until it serves again.
func (v *Vault) Unseal(t testing.TB) {
	t.Helper()
	key, err := v.unsealKey()
	if err != nil {
		t.Fatalf("unseal vault: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), startupTimeout)
	defer cancel()
	status, err := v.Admin.Sys().UnsealWithContext(ctx, key)
	if err != nil || status.Sealed {
		t.Fatalf("unseal vault: %v (status %+v)", err, status)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.proc.waitHealthy(ctx, v.Admin, v.logPath); err != nil {
		t.Fatalf("unseal vault: %v", err)
	}
	if err := v.waitKV(ctx); err != nil {
		t.Fatalf("unseal vault: %v", err)
	}
}

// unsealKey is the last "Unseal Key:" the dev server printed: each start
// prints its own.
func (v *Vault) unsealKey() (string, error) {
	f, err := os.Open(v.logPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	var key string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if k, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Unseal Key:"); ok {
			key = strings.TrimSpace(k)
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	if key == "" {
		return "", fmt.Errorf("no unseal key in %s", v.logPath)
	}
	return key, nil
}

// StartRegistryOnVaultAndKafka is StartRegistryOnVault with a broker of its
// own: the Kafka event log and southbound over a Vault the test may stop.
func StartRegistryOnVaultAndKafka(t testing.TB, v *Vault, configure ...func(*app.Config)) *Registry {
	t.Helper()
	return startRegistry(t, VaultKafka, v, configure...)
}
