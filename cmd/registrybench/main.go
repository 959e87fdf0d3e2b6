// Command registrybench measures the registry beside bare ceilings in the
// same run and writes the figures as JSON, with the benchmark contract's
// ratios (ratios.go) on top: REST image-pull GET against a bare net/http
// handler verifying the caller's JWT and returning the same bytes (and the
// data directory's growth per audited GET), audit replay and verify
// rates over the log that run produced, REST GET through registryd on a
// real Vault dev server against a bare Vault KV v2 read (with the token
// exchange cache's hit rate), and a command round trip over Kafka through
// kafkaingress and the bus against a bare relay on the same clients.
// Timing is measured here, never asserted in tests.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/hypo-registry/registry/internal/app"
)

type result struct {
	Date        time.Time `json:"date"`
	GoVersion   string    `json:"goVersion"`
	GOMAXPROCS  int       `json:"gomaxprocs"`
	Concurrency int       `json:"concurrency"`
	Duration    string    `json:"durationPerMeasurement"`

	// Ratios are the benchmark contract's figures over their ceilings
	// (the names in ratios.go); RatioDetails holds both sides' rates and
	// p50/p99 under the same names.
	Ratios                  map[string]float64     `json:"ratios"`
	RatioDetails            map[string]ratioDetail `json:"ratioDetails"`
	AuditReplayPerSecond    float64                `json:"auditReplayPerSecond"`
	AuditVerifyPerSecond    float64                `json:"auditVerifyPerSecond"`
	DiskBytesPerAuditedRead float64                `json:"diskBytesPerAuditedRead"`
	DiskAudit               diskAudit              `json:"diskAudit"`
	// AuditWrites is the audit writer's work during restImagePullGet.
	AuditWrites auditWrites `json:"auditWritesDuringRestGet"`
	// AuditWritesFew is the same during restGetAt8Clients' registry halves.
	AuditWritesFew auditWrites `json:"auditWritesDuringRestGetAt8Clients"`

	RESTGet  load    `json:"restImagePullGet"`
	BareHTTP load    `json:"bareNetHTTPVerifyRS256SameBytes"`
	Ratio    float64 `json:"restToBareThroughputRatio"`
	// RESTGetCPUus and BareHTTPCPUus are this process's CPU per request
	// on each side, load generator included.
	RESTGetCPUus  float64            `json:"restImagePullGetCPUMicrosPerRequest"`
	BareHTTPCPUus float64            `json:"bareNetHTTPCPUMicrosPerRequest"`
	Replay        rate               `json:"auditReplay"`
	Verify        rate               `json:"auditVerify"`
	PackageReg    *pkgRegLoads       `json:"packageRegistry,omitempty"`
	Vault         *vaultResult       `json:"vault,omitempty"`
	Kafka         *kafkaResult       `json:"kafka,omitempty"`
	Credentials   *credentialResult  `json:"kafkaCredentialRequests,omitempty"`
	VirtualHosts  *vhostResult       `json:"virtualHosts,omitempty"`
	Notes         []string           `json:"notes"`
	Extra         map[string]float64 `json:"extra,omitempty"`

	// RegistryToken is GET /token (seed 001) beside bare golang-jwt signing.
	RegistryToken *tokenResult `json:"registryToken,omitempty"`
	// Policy is the REST GET with the authorization policies loaded beside
	// the same GET without (policy.go).
	Policy *policyResult `json:"policy,omitempty"`
}

type rate struct {
	Count   uint64  `json:"count"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"perSecond"`
}

func main() {
	out := flag.String("out", "bench/results.json", "where to write the JSON results")
	conc := flag.Int("c", 32, "concurrent clients")
	dur := flag.Duration("d", 5*time.Second, "duration of each throughput measurement")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the REST measurement here")
	flag.StringVar(&vaultProfilePath, "vault-cpuprofile", "", "write CPU profiles of this process during each Vault measurement to this path plus .restGet, .bare, .packageRegistryList, …")
	flag.StringVar(&vhostProfilePath, "vhost-cpuprofile", "", "write CPU profiles of the heartbeat measurement and its ceiling to this path plus .heartbeat and .bare")
	flag.StringVar(&tokenProfilePath, "token-cpuprofile", "", "write CPU profiles of the /token measurements and their ceilings to this path plus .endpoint-ES256, .bare-ES256, …")
	var o options
	flag.BoolVar(&o.skipVault, "skip-vault", false, "skip the Vault measurements (they start a Vault dev server)")
	flag.BoolVar(&o.skipKafka, "skip-kafka", false, "skip the Kafka measurements")
	flag.IntVar(&o.kafkaInFlight, "kafka-inflight", 32, "Kafka requests in flight")
	flag.BoolVar(&o.skipVHost, "skip-vhost", false, "skip the virtual-host measurements (they populate -vhost-hosts hosts)")
	flag.IntVar(&o.vhostHosts, "vhost-hosts", 10000, "virtual hosts populated for the server list and RSS figures, 10 servers each")
	flag.StringVar(&o.policy, "policy", "deploy/policies", "authorization policy (REGISTRY_AUTHZ_POLICY) of ratios.restGetWithPolicy; empty skips it")
	var so soakOptions
	flag.DurationVar(&so.duration, "soak", 0, "run the soak for this long instead of the measurements (e.g. 30m; see -soak-*)")
	flag.Float64Var(&so.rate, "soak-rate", 0, "soak GETs per second (0: half the REST GET rate measured first, closed loop, for -d)")
	flag.Float64Var(&so.writesPerSec, "soak-writes", 2, "soak secret updates (PATCH) per second")
	flag.DurationVar(&so.sampleEvery, "soak-sample", 5*time.Second, "how often the soak samples disk, RSS, heap and latency")
	flag.DurationVar(&so.exportEvery, "soak-export", 15*time.Second, "how often the soak exports the audit log (as `registryctl audit export`)")
	flag.DurationVar(&so.enforceEvery, "soak-enforce", 5*time.Second, "the registry's audit retention interval during the soak (registryd: 1m)")
	flag.Int64Var(&so.maxBytes, "soak-audit-max-bytes", 32<<20, "the soak registry's REGISTRY_AUDIT_MAX_BYTES")
	flag.Int64Var(&so.segmentBytes, "soak-audit-segment-bytes", 1<<20, "the soak registry's REGISTRY_AUDIT_SEGMENT_BYTES")
	flag.DurationVar(&so.retention, "soak-audit-retention", 10*time.Minute, "the soak registry's REGISTRY_AUDIT_RETENTION")
	flag.IntVar(&so.workers, "soak-workers", 256, "soak requests in flight at most")
	flag.Parse()
	profilePath = *cpuProfile
	// The registries measured here run as registryd does, with one P
	// for the writers' syncs (app.SyncProcs); the bare sides share the
	// process, so they have it too.
	app.SyncProcs(os.LookupEnv)
	if so.duration > 0 {
		if !flagSet("out") {
			*out = "bench/soak.json"
		}
		if err := runSoak(*out, *conc, *dur, so); err != nil {
			fmt.Fprintln(os.Stderr, "registrybench: soak:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*out, *conc, *dur, o); err != nil {
		fmt.Fprintln(os.Stderr, "registrybench:", err)
		os.Exit(1)
	}
}

var profilePath string

// flagSet says whether the flag name was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// options selects the optional measurements.
type options struct {
	skipVault, skipKafka bool
	kafkaInFlight        int
	skipVHost            bool
	vhostHosts           int
	policy               string // empty: no policy measurement
}

// startProfile is startNamedProfile for -cpuprofile's own path, also
// recording block and mutex profiles (path.block, path.mutex).
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	stop, err := startCPUTrace(path)
	if err != nil {
		return nil, err
	}
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(100000)
	return func() {
		stop()
		for _, name := range []string{"block", "mutex"} {
			if bf, err := os.Create(path + "." + name); err == nil {
				_ = pprof.Lookup(name).WriteTo(bf, 0)
				bf.Close()
			}
		}
	}, nil
}

// summary prints one measurement's line to stderr.
func summary(name string, l load) {
	fmt.Fprintf(os.Stderr, "%s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, %d errors\n", name, l.RPS, l.P50ms, l.P99ms, l.Errors)
}

func run(out string, conc int, dur time.Duration, o options) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "registrybench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))

	reg, err := startRegistry(ctx, filepath.Join(dir, "embedded"), logger)
	if err != nil {
		return err
	}
	defer reg.stop()
	url, token, body, err := reg.seedSecret()
	if err != nil {
		return err
	}
	restGet := bearerGet(url, token)
	res := result{Date: time.Now().UTC(), GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), Concurrency: conc, Duration: dur.String()}
	verifier := newJWTVerifier(reg.issuer, "registry-api")
	bareURL, stopBare, err := startBare(body, verifier)
	if err != nil {
		return err
	}
	defer stopBare()
	bareGet := bearerGet(bareURL, token)
	// Warm both paths up, then measure them alternately.
	restSide, bareSide := side{run: httpSide(restGet, conc)}, side{run: httpSide(bareGet, conc)}
	if err := warm(ctx, restSide, bareSide); err != nil {
		return err
	}
	// The data directory's growth over the measurement, with the
	// projections caught up on both sides, is the audited reads' disk cost
	// (the bare halves write nothing there).
	if err := reg.svc.WaitProjections(ctx); err != nil {
		return err
	}
	alloc0, apparent0, err := dirUsage(reg.dir)
	if err != nil {
		return err
	}
	_, by0, err := dirUsageBy(reg.dir)
	if err != nil {
		return err
	}
	stats0 := reg.svc.AuditLog().Stats()
	profiled, get := false, restSide.run
	restSide.run = func(ctx context.Context, d time.Duration) (load, error) {
		if !profiled { // -cpuprofile: the first half of the REST GET
			profiled = true
			stop, err := startProfile(profilePath)
			if err != nil {
				return load{}, err
			}
			defer stop()
		}
		return get(ctx, d)
	}
	loads, cpu, err := alternate(ctx, dur, [2]side{restSide, bareSide})
	if err != nil {
		return fmt.Errorf("REST GET beside bare net/http: %w", err)
	}
	res.RESTGet, res.BareHTTP = loads[0], loads[1]
	res.RESTGetCPUus, res.BareHTTPCPUus = cpu[0], cpu[1]
	res.AuditWrites = auditWritesOf(stats0, reg.svc.AuditLog().Stats())
	summary("REST GET", res.RESTGet)
	if err := reg.svc.WaitProjections(ctx); err != nil {
		return err
	}
	alloc1, apparent1, err := dirUsage(reg.dir)
	if err != nil {
		return err
	}
	_, by1, err := dirUsageBy(reg.dir)
	if err != nil {
		return err
	}
	res.DiskAudit = diskAudit{AuditedReads: res.RESTGet.Requests, AllocatedBytes: alloc1 - alloc0, ApparentBytes: apparent1 - apparent0, AllocatedBy: map[string]int64{}}
	for name, n := range by1 {
		res.DiskAudit.AllocatedBy[name] = n - by0[name]
	}
	for name, n := range by0 {
		if _, ok := by1[name]; !ok {
			res.DiskAudit.AllocatedBy[name] = -n
		}
	}
	res.DiskAudit.PerRead = float64(res.DiskAudit.AllocatedBytes) / float64(res.RESTGet.Requests)
	res.DiskBytesPerAuditedRead = res.DiskAudit.PerRead
	fmt.Fprintf(os.Stderr, "disk: %d bytes allocated (%d apparent) over %d audited GETs: %.0f bytes per read (by entry: %v)\n",
		res.DiskAudit.AllocatedBytes, res.DiskAudit.ApparentBytes, res.DiskAudit.AuditedReads, res.DiskAudit.PerRead, res.DiskAudit.AllocatedBy)
	// The same pair with a few clients, each waiting for its answer before
	// it asks again: there the audit log's batches hold every caller there
	// is, and a hold that waited for more made each read wait it (0.19 of
	// the ceiling with 8 clients before the quiet gap).
	stats1 := reg.svc.AuditLog().Stats()
	few, _, err := alternate(ctx, dur, [2]side{{run: httpSide(restGet, fewClients)}, {run: httpSide(bareGet, fewClients)}})
	if err != nil {
		return fmt.Errorf("REST GET beside bare net/http, %d clients: %w", fewClients, err)
	}
	res.AuditWritesFew = auditWritesOf(stats1, reg.svc.AuditLog().Stats())
	res.setRatio(ratioRESTGetFewClients, few[0], few[1])
	stopBare()
	summary("bare net/http", res.BareHTTP)
	fmt.Fprintf(os.Stderr, "CPU of this process per request: REST GET %.0f µs, bare %.0f µs\n", res.RESTGetCPUus, res.BareHTTPCPUus)
	res.Ratio = res.RESTGet.RPS / res.BareHTTP.RPS
	res.setRatio(ratioRESTGet, res.RESTGet, res.BareHTTP)
	// Package-registry GET and list, each beside bare net/http serving the
	// same bytes.
	getURL, listURL, getBody, listBody, err := seedPackageRegistry(reg.svc.BaseURL(), token)
	if err != nil {
		return err
	}
	bareGetURL, stopGet, err := startBare(getBody, verifier)
	if err != nil {
		return err
	}
	bareListURL, stopList, err := startBare(listBody, verifier)
	if err != nil {
		stopGet()
		return err
	}
	res.PackageReg, err = measurePackageRegistry(ctx, getURL, listURL, token, conc, dur, bearerGet(bareGetURL, token), bearerGet(bareListURL, token))
	stopGet()
	stopList()
	if err != nil {
		return err
	}
	summary("package-registry GET", res.PackageReg.Get)
	summary("package-registry list", res.PackageReg.List)
	reg.stop() // idle from here on; keep it off the cores the next measurements use
	if o.policy != "" {
		if res.Policy, err = benchPolicy(ctx, filepath.Join(dir, "policy"), o.policy, logger, conc, dur); err != nil {
			return fmt.Errorf("policy: %w", err)
		}
		summary("REST GET with the policy", res.Policy.WithPolicy)
		summary("REST GET without a policy", res.Policy.Without)
		res.setRatio(ratioRESTGetWithPolicy, res.Policy.WithPolicy, res.Policy.Without)
	}
	if res.Replay, res.Verify, err = auditRates(ctx, filepath.Join(dir, "auditrates")); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	res.AuditReplayPerSecond, res.AuditVerifyPerSecond = res.Replay.PerSec, res.Verify.PerSec
	fmt.Fprintf(os.Stderr, "audit replay: %.0f events/s (%d events); verify: %.0f records/s (%d records)\n", res.Replay.PerSec, res.Replay.Count, res.Verify.PerSec, res.Verify.Count)
	if !o.skipVHost {
		if res.VirtualHosts, err = benchVirtualHosts(ctx, filepath.Join(dir, "vhost"), logger, conc, dur, o.vhostHosts); err != nil {
			return fmt.Errorf("virtual hosts: %w", err)
		}
		vh := res.VirtualHosts
		summary("virtual-host heartbeat PUT", vh.Heartbeat)
		summary("bare net/http bbolt Batch write", vh.BareBatch)
		res.setRatio(ratioHeartbeat, vh.Heartbeat, vh.BareBatch)
		summary(fmt.Sprintf("virtual-host server list GET (%d hosts × %d servers)", vh.Hosts, vh.ServersPerHost), vh.ListServers)
		fmt.Fprintf(os.Stderr, "virtual hosts at size: RSS %d MiB (Go heap in use %d MiB), populated in %.1fs\n", vh.Memory.AtSize.VmRSS>>10, vh.Memory.GoHeapInuseAtSize>>20, vh.Populate.Seconds)
	}
	if !o.skipVault {
		if res.Vault, err = benchVault(ctx, filepath.Join(dir, "vault"), logger, conc, dur); err != nil {
			return fmt.Errorf("vault: %w", err)
		}
		summary("REST GET on Vault", res.Vault.RESTGet)
		summary("bare Vault KV v2 read", res.Vault.Bare)
		summary("package-registry GET on Vault", res.Vault.PackageReg.Get)
		summary("bare Vault KV v2 read (package-registry)", res.Vault.PackageReg.GetBare)
		summary("package-registry list on Vault", res.Vault.PackageReg.List)
		summary("bare Vault KV v2 LIST", res.Vault.PackageReg.ListBare)
		res.setRatio(ratioVaultGet, res.Vault.RESTGet, res.Vault.Bare)
		res.setRatio(ratioVaultList, res.Vault.PackageReg.List, res.Vault.PackageReg.ListBare)
		tc := res.Vault.TokenCache
		fmt.Fprintf(os.Stderr, "Vault token-exchange cache: %d hits, %d misses, hit rate %.4f\n", tc.Hits, tc.Misses, tc.HitRate)
	}
	if !o.skipKafka {
		if res.Kafka, err = benchKafka(ctx, filepath.Join(dir, "kafka"), logger, o.kafkaInFlight, dur); err != nil {
			return fmt.Errorf("kafka: %w", err)
		}
		summary("Kafka command round trip", res.Kafka.Command)
		summary("bare Sarama relay round trip", res.Kafka.Bare)
		if res.Credentials, err = benchCredentials(ctx, filepath.Join(dir, "credentials"), logger, o.kafkaInFlight, dur); err != nil {
			return fmt.Errorf("kafka credentials: %w", err)
		}
		summary("Kafka credential request round trip", res.Credentials.Southbound)
		summary("bare relay, one store read", res.Credentials.Bare)
		fmt.Fprintf(os.Stderr, "CPU of this process per request: credential request %.0f µs, bare relay %.0f µs\n", res.Credentials.SouthboundCPUus, res.Credentials.BareCPUus)
		res.setRatio(ratioKafkaCredential, res.Credentials.Southbound, res.Credentials.Bare)
	}
	if res.RegistryToken, err = benchRegistryToken(ctx, filepath.Join(dir, "token"), logger, conc, dur); err != nil {
		return fmt.Errorf("registry token: %w", err)
	}
	for _, r := range []tokenAlgResult{res.RegistryToken.RS256, res.RegistryToken.ES256} {
		fmt.Fprintf(os.Stderr, "registry token %s: endpoint %.0f tokens/s, bare verify+sign %.0f tokens/s, ratio %.3f\n", r.Algorithm, r.HTTP.RPS, r.Bare.RPS, r.Ratio)
	}
	res.setRatio(ratioTokenRS256, res.RegistryToken.RS256.HTTP, res.RegistryToken.RS256.Bare)
	res.setRatio(ratioTokenES256, res.RegistryToken.ES256.HTTP, res.RegistryToken.ES256.Bare)
	for _, name := range []string{ratioRESTGet, ratioRESTGetFewClients, ratioRESTGetWithPolicy, ratioVaultGet, ratioVaultList, ratioTokenRS256, ratioTokenES256, ratioHeartbeat, ratioKafkaCredential} {
		if d, ok := res.RatioDetails[name]; ok {
			fmt.Fprintf(os.Stderr, "ratios.%s = %.3f (%.0f/s p50 %.2f p99 %.2f ms over %.0f/s p50 %.2f p99 %.2f ms)\n",
				name, d.Ratio, d.RPS, d.P50ms, d.P99ms, d.CeilingRPS, d.CeilingP50ms, d.CeilingP99ms)
		}
	}
	res.Notes = []string{
		"client and server share the machine's cores; compare figures only within one run",
		"every REST GET is a query called directly (internal/query): the secret read, its lean audit record appended to the audit log (group commit, one fdatasync shared by concurrent requests) before the answer",
		"bareNetHTTPVerifyRS256SameBytes = net/http verifying the caller's RS256 JWT per request (signature, iss, aud, exp, with the issuer's public key in hand) and writing the same response bytes and headers",
		"{restImagePullGetCPUMicrosPerRequest,bareNetHTTPCPUMicrosPerRequest} = the benchmark process's CPU time (user+system, the load generator included) over each side's halves ÷ its requests: with both in one process, a side whose CPU is not all busy (waiting for the audit log's fdatasync) shows a ratio of rates below the ratio of its CPU figures",
		"packageRegistry: GET of a secret named by a URL and the list of 10 secrets (the store's list of keys, then each name as created from the owners projection: no secret is read), each beside the same bare verifying handler serving the same bytes",
		"ratios (issue 13's benchmark contract; kafkaCredential is issue 14's): restGet = restImagePullGet / bareNetHTTPVerifyRS256SameBytes; vaultGet = vault.restImagePullGet / vault.bareVaultKVv2Read; vaultList = vault.packageRegistry.list / listBare (a bare KV v2 LIST); tokenRS256, tokenES256 = registryToken.*.tokenEndpointGet / bareNetHTTPVerifyAndSign; heartbeat = virtualHosts.heartbeatPut / bareBoltBatchPut; kafkaCredential = kafkaCredentialRequests.credentialRequestRoundTrip / bareRelayOneStoreReadRoundTrip; restGetAt8Clients = the same pair as restGet with 8 clients instead of -c (not a target: it shows how a small edge's reads share the audit's syncs); ratioDetails holds both sides' rates with p50/p99 under the same names; a ratio whose measurement was skipped is absent",
		"restGet, restGetAt8Clients, tokenRS256, tokenES256, heartbeat and kafkaCredential measure their two sides in alternation, A B B A for half the duration each time (restGetWithPolicy likewise), so that a drift of the shared machine weighs on both sides alike; each side's rate is all its requests over all its time, its p50/p99 those of all its requests",
		"auditReplayPerSecond = auditReplay.perSecond: registryctl audit replay of 200000 command events (secrets created) into fresh read models; auditVerifyPerSecond = auditVerify.perSecond: registryctl audit verify of an audit log of 200000 records (nine reads to one write); both built in the run, one pass each, no per-request latency",
		"auditWritesDuringRestGet, auditWritesDuringRestGetAt8Clients: the audit writer's batches over that measurement's halves (the registry's; the bare halves write no audit): batches, records per batch (how many reads shared one fdatasync), mean write-and-sync and hold (gather) time per batch",
		"diskBytesPerAuditedRead = growth of the blocks allocated to the embedded registry's data directory (du: bbolt files are sparse) from just before to just after the restImagePullGet measurement, projections caught up at both ends, over its audited GETs (its p50/p99 are restImagePullGet's); diskAudit also gives the growth of the files' sizes, which bbolt extends in steps, and allocatedBytesAddedBy the growth of each entry of the data directory (audit = the audit log; events.db and projections.db do not grow with reads)",
	}
	if res.VirtualHosts != nil {
		res.Notes = append(res.Notes, vhostNotes...)
	}
	if res.RegistryToken != nil {
		res.Notes = append(res.Notes, tokenNotes...)
	}
	if res.Policy != nil {
		res.Notes = append(res.Notes, policyNotes...)
	}
	if res.Vault != nil {
		res.Notes = append(res.Notes,
			"vault.restImagePullGet = the same REST GET through registryd on a Vault dev server (KV v2, JWT auth, tenant policy), at the same concurrency; each GET exchanges the caller's JWT for a Vault token (cached) and reads the secret with one KV v2 data read",
			"vault.bareVaultKVv2Read = GET /v1/{mount}/data/image-pull/{tenant}/{name} straight from Vault with X-Vault-Token of a token from auth/jwt/login with the same JWT: one Vault read, Vault's own response bytes, no registry",
			"vault.packageRegistry: the same GET and list through registryd on Vault, beside a bare KV v2 read of that secret and a bare KV v2 LIST of the tenant's package-registry folder, with the exchanged token",
			"vault: each registry measurement and its bare one are measured in alternation (registry, bare, bare, registry, each for half of -d, after a one-second warm-up of each); the registry stays up, idle, while the bare side runs",
			"vault.cpu.{name}: CPU time per request during that measurement (warm-up excluded) of the benchmark process (the registry and the load generator; on the bare sides the load generator beside the idle registry) and of the Vault server (from /proc, 10 ms resolution); -vault-cpuprofile writes a CPU profile of the benchmark process for the first half of each",
			"vault.auditWrites.{restGet,packageRegistryGet,packageRegistryList}: the audit writer's batches during that measurement, warm-up excluded (records per batch: how many reads shared one fdatasync)",
			"vault.tokenExchangeCache counts every token lookup of the registry's Vault store over that registry's whole run (seed, warm-up, measurement); hitRate = hits/(hits+misses)",
		)
	}
	if res.Kafka != nil {
		res.Notes = append(res.Notes,
			"kafka: in-process kfake broker, 4 partitions; the load generator is franz-go (linger 0), requests keyed by id, the same for both sides; a round trip is produce request → reply record consumed, correlated by id; inFlight requests outstanding, closed loop",
			"kafka.commandRoundTrip = watermill-kafka subscriber (consumer group, kafkalog.SaramaConfig) → kafkaingress → a trivial command on the bus (embedded bbolt event log: reply sealed and committed) → reply published with the watermill-kafka publisher (kafkalog.SaramaConfig)",
			"kafka.bareSaramaRelayRoundTrip = the same watermill-kafka subscriber, router and publisher settings, the handler publishing the reply at once: no ingress, no bus, no event log",
			"kafkaCredentialRequests.credentialRequestRoundTrip = the seed's parsing request (Authorization header) produced to get-package-registry-incoming-channel → registryd (embedded store, Kafka event log, southbound: a Sarama consumer group handling up to southboundInFlightPerPartition records of a partition at once with offsets committed in order, JWT verified, payload schema-validated once, ResolveRepoCredentials as a query audited in the group-committed audit log) → reply consumed from response-package-registry-outgoing-channel",
			"kafkaCredentialRequests.bareRelayOneStoreReadRoundTrip = the same request records through the same watermill-kafka subscriber/publisher settings (one record per partition in flight); the handler reads the secret from a sealed bbolt store once and publishes the reply: no token check, no validation, no bus, no event. Both run on the same broker throughout and are measured in alternation (A B B A, half the duration each time) after a warm-up of each, the idle one polling",
			"kafkaCredentialRequests.{credentialRequestCPUMicrosPerRequest,bareCPUMicrosPerRequest} = the benchmark process's CPU time (the load generator and the in-process broker included, the same on both sides) over each side's halves ÷ its requests",
		)
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}
