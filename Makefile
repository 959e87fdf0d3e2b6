# registry — the two commands are `make run` and `make test`.
GO       ?= go
DATA_DIR ?= .data
BIN      := bin
BENCH_OUT ?= bench/results.json

.PHONY: all build run run-kafka run-stack test vet fmt bench clean

all: build

build:
	$(GO) build -o $(BIN)/ ./cmd/registryd ./cmd/registryctl

## run: start registryd on the embedded default (no Kafka, Vault or Keycloak) with the dev issuer
run: build
	./$(BIN)/registryd --dev --data-dir $(DATA_DIR)

## run-kafka: a persistent local Kafka-protocol broker (franz-go kfake) on :9092 for demos
run-kafka:
	$(GO) run ./cmd/devkafka -data-dir $(DATA_DIR)/kafka

## run-stack: Kafka + Vault + Keycloak + registryd in Docker (needs a Docker engine)
run-stack:
	docker compose up --build

## test: every test, integration tests against real services included
test: vet
	$(GO) test -race -count=1 ./...

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## bench: throughput and latency figures, written as JSON to $(BENCH_OUT)
bench: build
	$(GO) run ./cmd/registrybench -out $(BENCH_OUT)

clean:
	rm -rf $(BIN) $(DATA_DIR)
