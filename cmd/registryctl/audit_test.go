package main

import (
	"encoding/binary"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/internal/app/datadir"
	"github.com/hypo-registry/registry/projections"
)

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	dir := auditDataDir(t, 4)
	out, _, err := runAudit("--data-dir", dir, "audit", "verify", "--legacy")
	if err != nil || !strings.Contains(out, "records: 4") || !strings.Contains(out, "ok: no problems") {
		t.Fatalf("verify = %v\n%s", err, out)
	}
	var pin string
	for _, line := range strings.Split(out, "\n") {
		if rest, ok := strings.CutPrefix(line, "pin:     --head "); ok {
			pin = rest
		}
	}
	if _, _, err := runAudit("--data-dir", dir, "audit", "verify", "--legacy", "--head", pin); err != nil {
		t.Errorf("verify --head %s: %v", pin, err)
	}

	// Delete record 2: verify names it and fails.
	db, err := bbolt.Open(datadir.Path(dir, datadir.ProjectionsDB), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(projections.AuditBucket)).Delete(binary.BigEndian.AppendUint64(nil, 2))
	})
	if err != nil {
		t.Fatal(err)
	}
	// While the file is open read-write, as under a running registryd.
	if _, _, err := runAudit("--data-dir", dir, "audit", "verify", "--legacy"); err == nil || !strings.Contains(err.Error(), "is registryd running") {
		t.Errorf("verify of a locked db = %v, want the locked hint", err)
	}
	db.Close()
	out, _, err = runAudit("--data-dir", dir, "audit", "verify", "--legacy")
	if err == nil || !strings.Contains(out, "PROBLEM record 2: dropped") {
		t.Errorf("verify after deleting record 2 = %v\n%s", err, out)
	}
}

func TestAuditTail(t *testing.T) {
	t.Parallel()
	dir := auditDataDir(t, 6)
	tests := []struct {
		name      string
		args      []string
		wantIndex []uint64
		wantErr   bool
	}{
		{"all", nil, []uint64{1, 2, 3, 4, 5, 6}, false},
		{"tenant", []string{"--tenant", "acme"}, []uint64{2, 4, 6}, false},
		{"window and limit", []string{"--since", "2025-03-01T12:02:00Z", "--until", "2025-03-01T12:06:00Z", "--limit", "2"}, []uint64{4, 5}, false},
		{"type", []string{"--type", "nope", "--type", "io.hypo.registry.imagepull.secret.created", "--limit", "1"}, []uint64{6}, false},
		{"bad time", []string{"--since", "yesterday"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, _, err := runAudit(append([]string{"--data-dir", dir, "audit", "tail", "--legacy"}, tt.args...)...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("tail err = %v, wantErr %v", err, tt.wantErr)
			}
			var got []uint64
			dec := json.NewDecoder(strings.NewReader(out))
			for dec.More() {
				var r projections.Record
				if err := dec.Decode(&r); err != nil {
					t.Fatalf("line is not a record: %v", err)
				}
				got = append(got, r.Index)
			}
			if !reflect.DeepEqual(got, tt.wantIndex) {
				t.Errorf("indices = %v, want %v", got, tt.wantIndex)
			}
			if strings.Contains(out, cliSecret) {
				t.Error("tail printed the secret value")
			}
		})
	}
}

func TestAuditReplay(t *testing.T) {
	t.Parallel()
	dir := dataDirWith(t, 5, false)
	out, _, err := runAudit("--data-dir", dir, "audit", "replay")
	if err != nil || !strings.Contains(out, "owners: 5 events") {
		t.Fatalf("replay = %v\n%s", err, out)
	}
	replayed := datadir.Path(dir, "projections.replay.db")
	if got, want := dumpFile(t, replayed), dumpFile(t, datadir.Path(dir, datadir.ProjectionsDB)); !reflect.DeepEqual(got, want) {
		t.Error("replayed projections differ from the live ones")
	}
	if _, _, err := runAudit("--data-dir", dir, "audit", "replay"); err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("second replay without --force = %v, want a refusal", err)
	}
	if _, _, err := runAudit("--data-dir", dir, "audit", "replay", "--force"); err != nil {
		t.Errorf("replay --force: %v", err)
	}
	other := filepath.Join(t.TempDir(), "other.db")
	if _, _, err := runAudit("--data-dir", dir, "audit", "replay", "--out", other); err != nil {
		t.Errorf("replay --out: %v", err)
	}
}
