// Command registryd is the credential and service registry.
//
// Every setting is a flag with a REGISTRY_* environment variable as its
// default; the README lists them all.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/hypo-registry/registry/internal/app"
	"github.com/hypo-registry/registry/internal/buildinfo"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "health" {
		os.Exit(runHealth(os.Args[2:], os.LookupEnv, os.Stdout, os.Stderr))
	}
	level := new(slog.LevelVar)
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg, logLevel, err := parseConfig(os.Args[1:], os.LookupEnv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		printUsage(os.Stdout)
		os.Exit(0)
	case errors.Is(err, errVersion):
		fmt.Println(buildinfo.Read())
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "registryd:", err)
		fmt.Fprintln(os.Stderr, "Run registryd --help for usage.")
		os.Exit(2)
	}
	level.Set(logLevel)
	procs, _ := app.SyncProcs(os.LookupEnv)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := app.New(ctx, cfg, logger, level)
	if err != nil {
		logger.Error("registryd cannot start", "error", err)
		fmt.Fprintln(os.Stderr, "registryd:", err)
		os.Exit(1)
	}
	logger.Info("registryd listening", "addr", svc.Addr(), "issuer", svc.IssuerURL(), "dev", cfg.Dev, "gomaxprocs", procs)
	if cfg.Dev {
		printDevHelp(os.Stdout, svc, cfg)
	}
	if err := svc.Run(ctx); err != nil {
		logger.Error("registryd stopped", "error", err)
		os.Exit(1)
	}
	logger.Info("registryd stopped")
}
