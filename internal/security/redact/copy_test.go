package redact_test

import (
	"encoding/json"
	"reflect"
	"testing"
)

var testClear = map[string]bool{"name": true, "meta": true}

func TestCopy(t *testing.T) {
	t.Parallel()
	h := newGoldenHasher(t)
	tests := []struct {
		name string
		in   any
		want any
	}{
		{"nil", nil, nil},
		{"bare string", "s3cr3t", hmacS3cr3t},
		{"number bool kept", []any{1.5, json.Number("12345678901234567890"), true, nil},
			[]any{1.5, json.Number("12345678901234567890"), true, nil}},
		{"already hashed kept", hmacAlice, hmacAlice},
		{"clear key kept", map[string]any{"name": "alice", "password": "hunter2"},
			map[string]any{"name": "alice", "password": hmacHunter2}},
		{"clear subtree kept whole", map[string]any{"meta": map[string]any{"owner": "alice", "list": []any{"s3cr3t"}}},
			map[string]any{"meta": map[string]any{"owner": "alice", "list": []any{"s3cr3t"}}}},
		{"nested hashed", map[string]any{"auth": map[string]any{"user": "alice", "tokens": []any{"s3cr3t", ""}}},
			map[string]any{"auth": map[string]any{"user": hmacAlice, "tokens": []any{hmacS3cr3t, hmacEmpty}}}},
		{"clear key matched at any depth", map[string]any{"x": []any{map[string]any{"name": "alice"}}},
			map[string]any{"x": []any{map[string]any{"name": "alice"}}}},
		{"non-JSON type converted then hashed", map[string]any{"list": []string{"hunter2"}},
			map[string]any{"list": []any{hmacHunter2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := h.Copy(tt.in, testClear); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Copy = %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestCopyDoesNotMutateInput(t *testing.T) {
	t.Parallel()
	h := newGoldenHasher(t)
	build := func() map[string]any {
		return map[string]any{
			"password": "hunter2",
			"meta":     map[string]any{"owner": "alice"},
			"list":     []any{"s3cr3t", map[string]any{"k": "v"}},
		}
	}
	in, pristine := build(), build()
	out := h.Copy(in, testClear).(map[string]any)
	if !reflect.DeepEqual(in, pristine) {
		t.Fatalf("input modified: %#v", in)
	}
	// The copy shares nothing: changing it leaves the input alone.
	out["meta"].(map[string]any)["owner"] = "mallory"
	out["list"].([]any)[1].(map[string]any)["k"] = "x"
	if !reflect.DeepEqual(in, pristine) {
		t.Fatalf("input changed through the copy: %#v", in)
	}
}

func TestCopyJSONGolden(t *testing.T) {
	t.Parallel()
	h := newGoldenHasher(t)
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"object", `{"password":"hunter2","name":"alice","n":12345678901234567890,"ok":true}`,
			`{"n":12345678901234567890,"name":"alice","ok":true,"password":"` + hmacHunter2 + `"}`, false},
		{"already hashed", `{"password":"` + hmacS3cr3t + `"}`, `{"password":"` + hmacS3cr3t + `"}`, false},
		{"array", ` [ "s3cr3t" , null ] `, `["` + hmacS3cr3t + `",null]`, false},
		{"invalid", `{"password":`, "", true},
		{"trailing data", `{} {}`, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := []byte(tt.in)
			got, err := h.CopyJSON(raw, testClear)
			if (err != nil) != tt.wantErr {
				t.Fatalf("CopyJSON err = %v, wantErr %v", err, tt.wantErr)
			}
			if string(got) != tt.want {
				t.Errorf("CopyJSON = %s\nwant %s", got, tt.want)
			}
			if string(raw) != tt.in {
				t.Errorf("input bytes modified: %s", raw)
			}
		})
	}
}
