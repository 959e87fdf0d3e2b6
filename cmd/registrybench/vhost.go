package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/handlers"
	"github.com/hypo-registry/registry/handlers/vhost"
	"github.com/hypo-registry/registry/http/respond"
	eventlog "github.com/hypo-registry/registry/internal/adapters/eventlog/bolt"
	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/internal/bus"
	"github.com/hypo-registry/registry/internal/security/oidcdev"
)

// Sizes of the virtual-host measurements.
const (
	vhostServersPerHost = 10
	// vhostBeatServers is how many servers of one host the heartbeat
	// measurement cycles through, like vhost.BenchmarkHeartbeat.
	vhostBeatServers = 1000
	vhostBeatHost    = "hb.bench.example"
	// vhostFillConc is how many commands populating keeps in flight: the
	// event log's largest commit group.
	vhostFillConc = eventlog.DefaultMaxBatchSize
)

// vhostResult is seed 004's registry: heartbeats beside bare bbolt Batch
// writes of the same records, then the server list and the memory at size.
type vhostResult struct {
	Concurrency    int     `json:"concurrency"`
	Heartbeat      load    `json:"heartbeatPut"`
	BareBatch      load    `json:"bareBoltBatchPut"`
	Ratio          float64 `json:"heartbeatToBareThroughputRatio"`
	HeartbeatCPUus float64 `json:"heartbeatCPUMicrosPerRequest"`
	BareCPUus      float64 `json:"bareCPUMicrosPerRequest"`
	// Writes is the event log's writer during the heartbeat halves.
	Writes         eventLogWrites `json:"eventLogWritesDuringHeartbeat"`
	Hosts          int            `json:"hosts"`
	ServersPerHost int            `json:"serversPerHost"`
	Populate       vhostFill      `json:"populate"`
	ListServers    load           `json:"listServersGet"`
	Memory         vhostMem       `json:"memory"`
	Disk           vhostBytes     `json:"diskBytes"`
}

// eventLogWrites is what the event log's writer did over a measurement.
type eventLogWrites struct {
	Transactions          int64   `json:"transactions"`
	CommitsPerTransaction float64 `json:"commitsPerTransaction"`
	TransactionMicros     float64 `json:"transactionMicros"`
}

func eventLogWritesOf(before, after eventlog.Stats) eventLogWrites {
	n := after.Batches - before.Batches
	if n == 0 {
		return eventLogWrites{}
	}
	return eventLogWrites{
		Transactions:          n,
		CommitsPerTransaction: float64(after.Requests-before.Requests) / float64(n),
		TransactionMicros:     float64((after.Commit - before.Commit).Microseconds()) / float64(n),
	}
}

// vhostFill is how long populating took.
type vhostFill struct {
	Concurrency    int     `json:"concurrency"`
	Creates        int     `json:"hostCreates"`
	Heartbeats     int     `json:"heartbeats"`
	Seconds        float64 `json:"seconds"`
	CommandsPerSec float64 `json:"commandsPerSecond"`
}

// vhostMem is /proc/self/status of the bench process, registryd included.
type vhostMem struct {
	BeforeRegistry procMem `json:"beforeRegistry"`
	AtSize         procMem `json:"atSize"`
	// GoHeapInuseAtSize is the Go heap in use after a GC at size: what RSS
	// holds besides the bbolt maps and freed pages not yet returned.
	GoHeapInuseAtSize uint64 `json:"goHeapInuseBytesAtSize"`
}

type procMem struct {
	VmRSS   int64 `json:"vmRSSKiB"`
	VmHWM   int64 `json:"vmHWMKiB"`
	RssAnon int64 `json:"rssAnonKiB"`
	RssFile int64 `json:"rssFileKiB"`
}

type vhostBytes struct {
	EventLog    int64 `json:"eventLog"`
	Projections int64 `json:"projections"`
}

// benchVirtualHosts runs a registry of its own in dir: heartbeat PUTs at
// conc beside bare Batch writes, then hosts × vhostServersPerHost servers
// populated through the bus, the server list of random hosts, and RSS.
func benchVirtualHosts(ctx context.Context, dir string, logger *slog.Logger, conc int, dur time.Duration, hosts int) (*vhostResult, error) {
	if hosts < 1 {
		return nil, fmt.Errorf("-vhost-hosts %d: want at least 1", hosts)
	}
	res := &vhostResult{Concurrency: conc, Hosts: hosts, ServersPerHost: vhostServersPerHost}
	debug.FreeOSMemory()
	var err error
	if res.Memory.BeforeRegistry, err = readProcMem(); err != nil {
		return nil, err
	}
	reg, err := startRegistry(ctx, filepath.Join(dir, "registry"), logger)
	if err != nil {
		return nil, err
	}
	defer reg.stop()
	token, err := reg.issuer.Mint(oidcdev.Claims{Subject: "bench", Groups: []string{benchTenant}, Roles: []string{"developer"}, TTL: time.Hour})
	if err != nil {
		return nil, err
	}
	c := newVHClient(reg.svc.BaseURL()+"/registry/v1/virtualHost", token, conc)
	defer c.close()
	// A secure host, so every heartbeat passes the owner check.
	secure := `{"virtualHost":{"name":"` + vhostBeatHost + `","owner":["user:bench"],"securityData":{"SelfSignedSSL":{}}}}`
	if _, err := c.do(http.MethodPost, "", []byte(secure)); err != nil {
		return nil, fmt.Errorf("create %s: %w", vhostBeatHost, err)
	}
	var n atomic.Uint64
	beat := func() error {
		i := n.Add(1)
		_, err := c.do(http.MethodPut, "/"+vhostBeatHost+"/server/s"+strconv.FormatUint(i%vhostBeatServers, 10), serverBody(i))
		return err
	}
	bare, stopBare, err := bareBatch(filepath.Join(dir, "bare.db"), token, conc)
	if err != nil {
		return nil, fmt.Errorf("bare batch: %w", err)
	}
	defer stopBare()
	sides := [2]side{
		{run: func(ctx context.Context, d time.Duration) (load, error) { return runLoad(ctx, conc, d, beat) }, profile: vhostProfilePath, name: "heartbeat"},
		{run: func(ctx context.Context, d time.Duration) (load, error) { return runLoad(ctx, conc, d, bare) }, profile: vhostProfilePath, name: "bare"},
	}
	if err := warm(ctx, sides[:]...); err != nil {
		return nil, err
	}
	writes0 := reg.svc.Events().Stats()
	loads, cpu, err := alternate(ctx, dur, sides)
	res.Writes = eventLogWritesOf(writes0, reg.svc.Events().Stats())
	if err != nil {
		return nil, fmt.Errorf("heartbeat beside bare batch: %w", err)
	}
	stopBare()
	res.Heartbeat, res.BareBatch = loads[0], loads[1]
	res.HeartbeatCPUus, res.BareCPUus = cpu[0], cpu[1]
	res.Ratio = res.Heartbeat.RPS / res.BareBatch.RPS

	if res.Populate, err = populateHosts(ctx, reg, hosts); err != nil {
		return nil, err
	}
	list := func() error {
		b, err := c.do(http.MethodGet, "/"+benchHostName(rand.IntN(hosts))+"/server", nil)
		if err == nil && bytes.Count(b, []byte(`"serverId"`)) != vhostServersPerHost {
			err = fmt.Errorf("list: want %d live servers: %s", vhostServersPerHost, b)
		}
		return err
	}
	if res.ListServers, err = warmAndRun(ctx, conc, dur, list); err != nil {
		return nil, fmt.Errorf("list servers: %w", err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	res.Memory.GoHeapInuseAtSize = ms.HeapInuse
	if res.Memory.AtSize, err = readProcMem(); err != nil {
		return nil, err
	}
	for p, dst := range map[string]*int64{datadir.EventsDB: &res.Disk.EventLog, datadir.ProjectionsDB: &res.Disk.Projections} {
		if fi, err := os.Stat(datadir.Path(reg.dir, p)); err == nil {
			*dst = fi.Size()
		}
	}
	return res, nil
}

// populateHosts creates hosts insecure hosts (a keystore each would time
// RSA key generation, not the registry), then heartbeats
// vhostServersPerHost servers into each, and waits for the projection.
// Every one is a command on registryd's bus, as the REST adapter sends it
// for a caller with the bench token's claims, with its event committed and
// projected: only HTTP, the token check and the per-request wait for the
// projection are left out. Tried on 1,000 hosts, that was about three times
// as fast as the same commands over REST at the same concurrency.
func populateHosts(ctx context.Context, reg *registry, hosts int) (vhostFill, error) {
	fill := vhostFill{Concurrency: vhostFillConc, Creates: hosts, Heartbeats: hosts * vhostServersPerHost}
	caller := vhost.Auth{Auth: handlers.Auth{Caller: handlers.Caller{Subject: "bench", Tenant: benchTenant, Roles: []string{"developer"}}}}
	b := reg.svc.Bus()
	send := func(cmd any) error {
		r, err := b.Send(ctx, cmd, bus.Envelope{Tenant: benchTenant})
		if err == nil {
			err = r.Error.Err()
		}
		return err
	}
	t0 := time.Now()
	err := parallel(ctx, vhostFillConc, hosts, func(i int) error {
		return send(&vhost.CreateVirtualHost{Auth: caller, Name: benchHostName(i)})
	})
	if err == nil {
		err = reg.svc.WaitProjections(ctx)
	}
	if err == nil {
		err = parallel(ctx, vhostFillConc, fill.Heartbeats, func(i int) error {
			h, s := i/vhostServersPerHost, i%vhostServersPerHost
			return send(&vhost.HeartbeatServer{Auth: caller, Name: benchHostName(h), ServerID: "s" + strconv.Itoa(s), Host: serverAddr(uint64(i)), Port: 8080})
		})
	}
	if err == nil {
		err = reg.svc.WaitProjections(ctx)
	}
	if err != nil {
		return fill, fmt.Errorf("populate: %w", err)
	}
	fill.Seconds = time.Since(t0).Seconds()
	fill.CommandsPerSec = float64(fill.Creates+fill.Heartbeats) / fill.Seconds
	return fill, nil
}

func benchHostName(i int) string { return fmt.Sprintf("h%05d.bench.example", i) }

// serverAddr is heartbeat i's server address.
func serverAddr(i uint64) string { return fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255) }

// serverBody is heartbeat i's body; the bare side stores the same record.
func serverBody(i uint64) []byte {
	return []byte(`{"server":{"host":"` + serverAddr(i) + `","port":8080}}`)
}

// parallel calls op(0…n-1) from conc workers and returns the first error.
func parallel(ctx context.Context, conc, n int, op func(int) error) error {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := op(i); err != nil {
					once.Do(func() { firstErr = fmt.Errorf("item %d: %w", i, err); cancel() })
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

// bareBatch is the heartbeat's ceiling: a bare net/http handler for the
// same PUTs that decodes the body and puts the record a heartbeat stores
// under the same key with one bolt.DB.Batch per request, MaxBatchSize set
// to the concurrency (so a full round of closed-loop clients commits at
// once instead of waiting for MaxBatchDelay), with bbolt's default fsync on
// commit: durable before the answer. No token check, no owner check, no
// bus, no event, no audit. The same vhClient sends the same requests.
func bareBatch(path, token string, conc int) (op func() error, stop func(), err error) {
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		return nil, nil, err
	}
	db.MaxBatchSize = conc
	bucket := []byte("servers")
	if err := db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists(bucket); return err }); err != nil {
		db.Close()
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /{vh}/server/{id}", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Server struct {
				Host string `json:"host"`
				Port int    `json:"port"`
			} `json:"server"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		// What the projection stores of a heartbeat (vhost's serverRecord).
		rec, err := json.Marshal(struct {
			Host string `json:"host"`
			Port int    `json:"port,omitempty"`
			HB   int64  `json:"hb"`
		}{body.Server.Host, body.Server.Port, time.Now().UnixMilli()})
		if err == nil {
			key := []byte(r.PathValue("vh") + "/" + r.PathValue("id"))
			err = db.Batch(func(tx *bolt.Tx) error { return tx.Bucket(bucket).Put(key, rec) })
		}
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Security-Policy", respond.ContentSecurityPolicy)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(rec)
	})
	base, stopServer, err := serveBare(mux)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	c := newVHClient(strings.TrimSuffix(base, "/"), token, conc)
	var n atomic.Uint64
	op = func() error {
		i := n.Add(1)
		_, err := c.do(http.MethodPut, "/"+vhostBeatHost+"/server/s"+strconv.FormatUint(i%vhostBeatServers, 10), serverBody(i))
		return err
	}
	var once sync.Once
	return op, func() {
		once.Do(func() {
			c.close()
			stopServer()
			db.Close()
		})
	}, nil
}

// vhClient calls /registry/v1/virtualHost with a bearer token.
type vhClient struct {
	base, token string
	tr          *http.Transport
	client      *http.Client
}

func newVHClient(base, token string, conc int) *vhClient {
	tr := &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc, IdleConnTimeout: time.Minute}
	return &vhClient{base: base, token: token, tr: tr, client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (c *vhClient) close() { c.tr.CloseIdleConnections() }

// do sends method base+path and returns the body of a 200.
func (c *vhClient) do(method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, b)
	}
	return b, err
}

// readProcMem reads the process's memory lines of /proc/self/status.
func readProcMem() (procMem, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return procMem{}, fmt.Errorf("RSS: %w", err)
	}
	var m procMem
	fields := map[string]*int64{"VmRSS:": &m.VmRSS, "VmHWM:": &m.VmHWM, "RssAnon:": &m.RssAnon, "RssFile:": &m.RssFile}
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 3 && fields[f[0]] != nil {
			*fields[f[0]], _ = strconv.ParseInt(f[1], 10, 64)
		}
	}
	if m.VmRSS == 0 {
		return m, fmt.Errorf("RSS: no VmRSS in /proc/self/status")
	}
	return m, nil
}

// vhostNotes explain the virtualHosts figures.
var vhostNotes = []string{
	"virtualHosts: a registryd of its own (embedded bbolt event log and projections), started after the registry above is stopped",
	"virtualHosts.heartbeatPut = PUT /registry/v1/virtualHost/hb.bench.example/server/{id} over HTTP at the bench concurrency, ids cycling over 1000 servers of one secure host (owner check on every call): bearer JWT verified, HeartbeatServer on the bus, the heartbeat event committed to the event log (group commit), the reply sent once the event is durable (reads on the instance show it from vhost.Beats until the projection applies it)",
	"virtualHosts.bareBoltBatchPut = the same PUTs from the same client to a bare net/http handler that decodes the body and puts the same server record JSON ({host, port, hb}, the projection's value) under the same key with one bolt.DB.Batch per request, MaxBatchSize = the concurrency, bbolt's default fsync on commit (durable before the 200): no token check, no bus, no event, no audit",
	"virtualHosts.populate: hosts insecure virtual hosts created (a keystore each would time RSA key generation), then serversPerHost heartbeats into each, sent as CreateVirtualHost and HeartbeatServer commands on registryd's bus with the bench caller's claims, populate.concurrency in flight: the real handlers, events committed to the event log and applied by the projection, without HTTP and the token check; seconds is the wall time of both phases and the wait for the projection",
	"virtualHosts.{heartbeatCPUMicrosPerRequest,bareCPUMicrosPerRequest} = the benchmark process's CPU time (the load generator included) over each side's halves, measured in alternation (A B B A) after a warm-up of each, ÷ its requests (-vhost-cpuprofile profiles the first half of each side)",
	"virtualHosts.eventLogWritesDuringHeartbeat: the event log's writer over the heartbeat halves (the bare halves do not write it): transactions (each synced: bbolt's two fdatasyncs), commits per transaction (the heartbeats that shared one), mean transaction time",
	"virtualHosts.listServersGet = GET /registry/v1/virtualHost/{random populated host}/server with a bearer token, every answer checked to list serversPerHost live servers; answered from the projection with no command and no event; the projection also holds the heartbeat measurement's host and its 1000 servers",
	"virtualHosts.memory = /proc/self/status of the bench process, which runs registryd in-process: the figures include the bench client and whatever the earlier measurements left in the Go runtime; beforeRegistry is read after debug.FreeOSMemory, atSize after the list measurement; rssFileKiB is mostly the bbolt files' memory maps; goHeapInuseBytesAtSize is the Go heap in use after a GC",
	"virtualHosts.diskBytes: sizes of the event log and projections files at size (bbolt files grow in steps and never shrink)",
}
