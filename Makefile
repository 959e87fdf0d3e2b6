# registry — the two commands are `make run` and `make test`.
GO       ?= go
DATA_DIR ?= .data
BIN      := bin
BENCH_OUT ?= bench/results.json
# registryd --version and registry_build_info: the commit and version from
# git, so a build says what it is even where Go records no VCS information
# (-buildvcs=false, a copied tree).
COMMIT   ?= $(shell git rev-parse HEAD 2>/dev/null)
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS  := -X github.com/hypo-registry/registry/internal/buildinfo.commit=$(COMMIT) -X github.com/hypo-registry/registry/internal/buildinfo.version=$(VERSION)

.PHONY: all build run run-kafka run-stack test tools vault-bin vet fmt bench soak clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/ ./cmd/registryd ./cmd/registryctl

## run: start registryd on the embedded default (no Kafka, Vault or Keycloak) with the dev issuer
run: build
	./$(BIN)/registryd --dev --data-dir $(DATA_DIR)

## run-kafka: a persistent local Kafka-protocol broker (franz-go kfake) on :9092 for demos
run-kafka:
	$(GO) run ./cmd/devkafka -data-dir $(DATA_DIR)/kafka

## run-stack: Kafka + Vault + Keycloak + registryd in Docker (needs a Docker engine)
run-stack:
	COMMIT=$(COMMIT) VERSION=$(VERSION) docker compose up --build

## test: every test, integration tests against real services included
## (a real Vault server built from its Go module, cached outside the repo;
## a Kafka-protocol broker and an OIDC issuer started in-process; keytool,
## openssl, chromium and node from Debian packages and the browser tests'
## playwright-core from npm, installed when missing)
test: vet tools vault-bin
	$(GO) test -race -count=1 -timeout 20m ./...

## tools: the Debian packages the tests run (keytool, openssl, chromium,
## node), when missing, and e2e/browser's npm packages (npm ci) when stale
tools:
	@scripts/install-tools.sh

## vault-bin: build (once) the Vault server the tests run; cold ~20 min, then cached
vault-bin:
	@scripts/build-vault.sh >/dev/null

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: throughput and latency figures, written as JSON to $(BENCH_OUT)
bench: build
	$(GO) run ./cmd/registrybench -out $(BENCH_OUT)

## soak: issue 13's soak (not part of test): $(SOAK) of REST GETs at half the
## measured rate against a bounded audit log, JSON to $(SOAK_OUT)
SOAK     ?= 30m
SOAK_OUT ?= bench/soak.json
soak:
	$(GO) run ./cmd/registrybench -soak $(SOAK) -out $(SOAK_OUT)

clean:
	rm -rf $(BIN) $(DATA_DIR)
