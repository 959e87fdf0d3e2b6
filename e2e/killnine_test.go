package e2e_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/internal/adapters/secrets/bolt"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/ingress/kafka/hypowire"
	"github.com/hypo-registry/registry/internal/secretpath"
	"github.com/hypo-registry/registry/internal/security/seal"
	"github.com/hypo-registry/registry/testkit"
)

const (
	killStores = 300
	killBatch  = 15
	killTimes  = 10
)

// SONATA's kubeconfig store CloudEvents, and retrievals of the stored
// kubeconfigs (reads), stream in over Kafka while registryd is killed with
// SIGKILL, mid-stream, several times and restarted on the same data
// directory. Every store and every retrieval must be answered, and every
// kubeconfig stored once: version 1, whatever the instant of each kill.
func TestKillNineWhileKubeconfigsStreamIn(t *testing.T) {
	t.Parallel()
	bin := buildRegistryd(t)
	kafka := testkit.StartKafka(t)
	oidc := testkit.StartOIDC(t, testkit.Audience)
	topics := hypowire.DefaultTopics()
	sonata := testkit.NewPackageManager(t, kafka.Brokers, topics.KubeconfigStoreResult, topics.KubeconfigResponse)
	tenant := testkit.RandomTenant(t)
	token := oidc.Token(t, "sonata@"+tenant, []string{tenant}, "developer")
	reg := &registryd{t: t, bin: bin, dataDir: t.TempDir(), env: []string{
		"REGISTRY_KAFKA_BROKERS=" + strings.Join(kafka.Brokers, ","),
		"REGISTRY_OIDC_ISSUER=" + oidc.URL,
		"REGISTRY_OIDC_AUDIENCE=" + testkit.Audience,
		"REGISTRY_LOG_LEVEL=warn",
	}}
	reg.start()
	t.Cleanup(reg.stop)

	answered := func() map[string][]*kgo.Record {
		by := map[string][]*kgo.Record{}
		for _, r := range sonata.Records(topics.KubeconfigStoreResult) {
			id := testkit.Header(r, "ce_causationid")
			by[id] = append(by[id], r)
		}
		return by
	}
	waitAnswered := func(n int) {
		deadline := time.Now().Add(30 * time.Second)
		for len(answered()) < n {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d stores answered within 30s (log: %s)", len(answered()), n, reg.logTail())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	send := func(from, to int) {
		for i := from; i < to; i++ {
			body, _ := json.Marshal(map[string]string{"serviceId": killServiceID(i), "kubeConfig": killKubeconfig})
			sonata.Send(t, topics.KubeconfigStore, "", body, "Authorization", "Bearer "+token,
				"ce_specversion", "1.0", "ce_id", killEventID(i), "ce_source", "/sonata/cluster-registry",
				"ce_type", hypowire.EventKubeconfigStore, "content-type", "application/json")
		}
	}
	// Reads ride along: a retrieval of every kubeconfig whose store was
	// answered, each asked once.
	retrieved := map[int]bool{}
	retrieve := func() {
		done := answered()
		for i := range killStores {
			if !retrieved[i] && len(done[killEventID(i)]) > 0 {
				retrieved[i] = true
				sonata.Send(t, topics.KubeconfigRetrieve, "", []byte(killServiceID(i)), "Authorization", "Bearer "+token)
			}
		}
	}
	reads := func() map[string][]hypowire.VaultSecretResponseMessage {
		by := map[string][]hypowire.VaultSecretResponseMessage{}
		for _, r := range sonata.Records(topics.KubeconfigResponse) {
			var m hypowire.VaultSecretResponseMessage
			if err := json.Unmarshal(r.Value, &m); err != nil {
				t.Errorf("unreadable kubeconfig response: %v", err)
			}
			by[m.ServiceID] = append(by[m.ServiceID], m)
		}
		return by
	}
	sent, kills := 0, 0
	for sent < killStores {
		send(sent, sent+killBatch)
		sent += killBatch
		retrieve()
		if kills < killTimes && sent >= (kills+1)*killStores/(killTimes+1) && sent+killBatch <= killStores {
			// The registry is consuming; one more batch in flight, then
			// kill it some milliseconds in.
			waitAnswered(sent - killBatch)
			send(sent, sent+killBatch)
			sent += killBatch
			time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
			reg.kill()
			kills++
			t.Logf("kill -9 #%d with %d of %d sent stores answered", kills, len(answered()), sent)
			reg.start()
		}
	}
	waitAnswered(killStores)
	retrieve()
	deadline := time.Now().Add(30 * time.Second)
	for len(reads()) < killStores {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d retrievals answered within 30s (log: %s)", len(reads()), killStores, reg.logTail())
		}
		time.Sleep(10 * time.Millisecond)
	}
	reg.stop()
	wantKubeconfig := base64.StdEncoding.EncodeToString([]byte(killKubeconfig))
	for id, ms := range reads() {
		for _, m := range ms {
			if m.Status != hypowire.StatusSuccess || m.KubeConfigAsBase64 != wantKubeconfig {
				t.Errorf("retrieval of %s answered %s %q", id, m.Status, m.Message)
			}
		}
	}

	results, redelivered := answered(), 0
	for i := range killStores {
		recs := results[killEventID(i)]
		redelivered += len(recs) - 1
		for _, r := range recs {
			var res hypowire.KubeconfigStoreResult
			if err := json.Unmarshal(r.Value, &res); err != nil || res.Status != hypowire.StatusSuccess {
				t.Errorf("store %d answered %s (%v)", i, r.Value, err)
			}
			if testkit.Header(r, "ce_id") != testkit.Header(recs[0], "ce_id") || string(r.Value) != string(recs[0].Value) {
				t.Errorf("store %d answered differently when redelivered: %s vs %s", i, recs[0].Value, r.Value)
			}
		}
	}
	t.Logf("%d kills, %d results sent again for redelivered records", kills, redelivered)

	ring, err := seal.NewKeyring() // metadata is stored in clear
	if err != nil {
		t.Fatal(err)
	}
	store, err := bolt.Open(datadir.Path(reg.dataDir, datadir.SecretsDB), ring, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	caller := handlers.Caller{Subject: "sonata@" + tenant, Tenant: tenant}
	for i := range killStores {
		p, err := secretpath.New(secretpath.KubernetesConfig, tenant, killServiceID(i))
		if err != nil {
			t.Fatal(err)
		}
		meta, err := store.Metadata(context.Background(), caller, p)
		if err != nil {
			t.Errorf("store %d: %v", i, err)
			continue
		}
		if meta.CurrentVersion != 1 {
			t.Errorf("kubeconfig %s stored %d times, want once", killServiceID(i), meta.CurrentVersion)
		}
	}
}

func killServiceID(i int) string { return fmt.Sprintf("cluster-%03d", i) }
func killEventID(i int) string   { return fmt.Sprintf("store-%03d", i) }

const killKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: edge
  cluster:
    server: https://k8s.example.com:6443
contexts:
- name: admin@edge
  context:
    cluster: edge
    user: admin
current-context: admin@edge
users:
- name: admin
  user:
    token: kill-nine-token
`

// buildRegistryd builds the registryd binary into the test's directory.
func buildRegistryd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "registryd")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/hypo-registry/registry/cmd/registryd").CombinedOutput()
	if err != nil {
		t.Fatalf("go build registryd: %v\n%s", err, out)
	}
	return bin
}

// registryd is the registryd process, started again on the same data
// directory after every kill.
type registryd struct {
	t       *testing.T
	bin     string
	dataDir string
	env     []string
	cmd     *exec.Cmd
	log     string
	starts  int
	url     string // http://addr of the running process
	// sharedGroups keeps the consumer groups of env (several instances
	// share the southbound group); otherwise each start takes fresh ones.
	sharedGroups bool
}

func (r *registryd) start() {
	r.t.Helper()
	addr := freeAddr(r.t)
	r.log = filepath.Join(r.dataDir, "..", fmt.Sprintf("registryd-%d.log", time.Now().UnixNano()))
	logFile, err := os.Create(r.log)
	if err != nil {
		r.t.Fatal(err)
	}
	defer logFile.Close()
	r.starts++
	r.cmd = exec.Command(r.bin)
	env := append(r.env, "REGISTRY_HTTP_ADDR="+addr, "REGISTRY_DATA_DIR="+r.dataDir)
	if !r.sharedGroups {
		// A killed consumer keeps its partitions until its session times
		// out (10s); a fresh group for each start consumes at once, from
		// the start of the topics: every record sent so far is delivered
		// again, as after an offset reset.
		env = append(env, fmt.Sprintf("REGISTRY_KAFKA_SOUTHBOUND_GROUP=southbound-%d", r.starts),
			fmt.Sprintf("REGISTRY_KAFKA_CONSUMER_GROUP=projections-%d", r.starts))
	}
	r.cmd.Env = append(os.Environ(), env...)
	r.url = "http://" + addr
	r.cmd.Stdout, r.cmd.Stderr = logFile, logFile
	if err := r.cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !testkit.ReadyzOK("http://" + addr) {
		if time.Now().After(deadline) {
			r.t.Fatalf("registryd not ready within 20s: %s", r.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill sends SIGKILL and reaps the process.
func (r *registryd) kill() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		r.t.Fatal(err)
	}
	_ = r.cmd.Wait()
	r.cmd = nil
}

// stop shuts registryd down gracefully, if it runs.
func (r *registryd) stop() {
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = r.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = r.cmd.Process.Kill()
		<-done
	}
	r.cmd = nil
}

func (r *registryd) logTail() string {
	b, _ := os.ReadFile(r.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
