package app_test

import (
	"os"
	"testing"

	"github.com/hypo-registry/registry/testkit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testkit.StopSharedVault()
	os.Exit(code)
}
