package projections_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/hypo-registry/registry/projections"
)

func TestVerifyAudit(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	fillLog(t, l, 1, 10)
	live := project(t, l)
	type finding struct {
		index uint64
		kind  string
	}
	tests := []struct {
		name   string
		tamper tamper
		want   []finding
	}{
		{"clean", nil, nil},
		{"edited data", editRecord(4, false), []finding{{4, projections.ProblemEdited}}},
		{"edited data and hash", editRecord(4, true), []finding{{4, projections.ProblemEdited}}},
		{"edited last record and hash", editRecord(10, true), []finding{{10, projections.ProblemEdited}}},
		{"dropped", deleteRecords(5), []finding{{5, projections.ProblemDropped}}},
		{"dropped first", deleteRecords(1), []finding{{1, projections.ProblemDropped}}},
		{"swapped", swapRecords(3, 4), []finding{{3, projections.ProblemReordered}, {4, projections.ProblemReordered}}},
		{"swapped and renumbered", swapRenumbered(3), []finding{{3, projections.ProblemReordered}, {4, projections.ProblemReordered}}},
		{"first two swapped and renumbered", swapRenumbered(1), []finding{{1, projections.ProblemReordered}, {2, projections.ProblemReordered}}},
		{"truncated, head kept", deleteRecords(9, 10), []finding{{9, projections.ProblemTruncated}}},
		{"head deleted", deleteHead, []finding{{11, projections.ProblemTruncated}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			db := copyDB(t, live)
			if tt.tamper != nil {
				if err := db.Update(func(tx *bbolt.Tx) error { tt.tamper(t, tx); return nil }); err != nil {
					t.Fatal(err)
				}
			}
			rep, err := projections.VerifyAudit(db)
			if err != nil {
				t.Fatal(err)
			}
			var got []finding
			for _, p := range rep.Problems {
				got = append(got, finding{p.Index, p.Kind})
			}
			if len(got) != len(tt.want) {
				t.Fatalf("problems = %+v, want %v", rep.Problems, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("problem %d = %+v, want %v", i, rep.Problems[i], tt.want[i])
				}
			}
		})
	}
}

func TestVerifyAuditAgainstPin(t *testing.T) {
	t.Parallel()
	l := newLog(t)
	fillLog(t, l, 1, 10)
	live := project(t, l)
	clean, err := projections.VerifyAudit(live)
	if err != nil || clean.Records != 10 || clean.Head != 10 {
		t.Fatalf("VerifyAudit = %+v, %v", clean, err)
	}
	// Drop record 10 and move the head back consistently: only a pin shows it.
	var h9 string
	shortened := copyDB(t, live)
	err = shortened.Update(func(tx *bbolt.Tx) error {
		deleteRecords(10)(t, tx)
		var r projections.Record
		if err := json.Unmarshal(tx.Bucket([]byte(projections.AuditBucket)).Get(key(9)), &r); err != nil {
			return err
		}
		h9 = r.Hash
		head, _ := json.Marshal(map[string]any{"index": 9, "hash": r.Hash})
		return tx.Bucket([]byte(projections.AuditHeadBucket)).Put([]byte("head"), head)
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		db       *bbolt.DB
		pin      string
		wantKind string
		wantErr  bool
	}{
		{"pinned head present", live, clean.HeadHash, "", false},
		{"pinned index and head present", live, projections.FormatPin(10, clean.HeadHash), "", false},
		{"older pin, log grew", live, projections.FormatPin(9, h9), "", false},
		{"consistent truncation, no pin", shortened, "", "", false},
		{"consistent truncation, pinned", shortened, projections.FormatPin(10, clean.HeadHash), projections.ProblemTruncated, false},
		{"hash-only pin missing", shortened, clean.HeadHash, projections.ProblemEdited, false},
		{"malformed pin", live, "10:xyz", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rep, err := projections.VerifyAuditAgainst(tt.db, tt.pin)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			switch {
			case tt.wantKind == "" && len(rep.Problems) != 0:
				t.Errorf("problems = %+v, want none", rep.Problems)
			case tt.wantKind != "" && (len(rep.Problems) != 1 || rep.Problems[0].Kind != tt.wantKind):
				t.Errorf("problems = %+v, want one %s", rep.Problems, tt.wantKind)
			}
		})
	}
}

func copyDB(t *testing.T, db *bbolt.DB) *bbolt.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := db.View(func(tx *bbolt.Tx) error { return tx.CopyFile(path, 0o600) }); err != nil {
		t.Fatal(err)
	}
	return openDB(t, path)
}
