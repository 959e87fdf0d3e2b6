package testkit

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/hashicorp/vault/api"
)

// vaultProc is one running `vault server -dev`.
type vaultProc struct {
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{} // closed when the process has exited
}

// startVaultProc starts a dev server listening on listen. HOME points into
// dir, so the dev server's token helper writes dir/.vault-token, not the
// user's; its output is appended to logPath. Pdeathsig makes it die with the
// test process even if no cleanup runs.
func startVaultProc(bin, dir, logPath, listen, rootToken string) (*vaultProc, error) {
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start vault: %w", err)
	}
	cmd := exec.Command(bin, "server", "-dev",
		"-dev-root-token-id="+rootToken, "-dev-listen-address="+listen)
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "TMPDIR=" + dir}
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start vault: %w", err)
	}
	p := &vaultProc{cmd: cmd, log: log, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// stop ends the server: SIGTERM to its process group (continued, should it
// be paused), SIGKILL if it has not exited within a few seconds.
func (p *vaultProc) stop() {
	if p == nil {
		return
	}
	pgid := -p.cmd.Process.Pid
	_ = syscall.Kill(pgid, syscall.SIGTERM)
	_ = syscall.Kill(pgid, syscall.SIGCONT)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(pgid, syscall.SIGKILL)
		<-p.done
	}
	p.log.Close()
}

// waitHealthy polls sys/health until the server is initialised, unsealed and
// active, the process exits or ctx ends.
func (p *vaultProc) waitHealthy(ctx context.Context, client *api.Client, logPath string) error {
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		reqCtx, cancel := context.WithTimeout(ctx, time.Second)
		h, err := client.Sys().HealthWithContext(reqCtx)
		cancel()
		if err == nil && h.Initialized && !h.Sealed && !h.Standby {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("vault exited during start-up; log %s:\n%s", logPath, logTail(logPath))
		case <-ctx.Done():
			return fmt.Errorf("vault not healthy: %w (last: %v); log %s:\n%s", ctx.Err(), err, logPath, logTail(logPath))
		case <-tick.C:
		}
	}
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port free right now.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// logTail is the end of the server log, for start-up failures.
func logTail(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	const max = 4 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		_, _ = f.Seek(-max, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// newAdminClient is a root-token client of addr, ignoring VAULT_*
// environment variables so a developer's shell cannot redirect the tests.
func newAdminClient(addr, token string) (*api.Client, error) {
	cfg := &api.Config{Address: addr, Timeout: 10 * time.Second, MaxRetries: 0}
	client, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("vault admin client: %w", err)
	}
	client.ClearNamespace()
	client.SetToken(token)
	return client, nil
}

// tempVaultDir holds a server's log and HOME.
func tempVaultDir() (dir, logPath string, err error) {
	dir, err = os.MkdirTemp("", "hypo-vault-*")
	if err != nil {
		return "", "", fmt.Errorf("vault dir: %w", err)
	}
	return dir, filepath.Join(dir, "vault.log"), nil
}
