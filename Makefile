# phala-cosmos. `make devnet` runs a local network; `make test` runs every test.
SHELL := /usr/bin/env bash
GO ?= go
BUILD_DIR := $(CURDIR)/build
TOOLS_DIR := $(BUILD_DIR)/tools
PHALAD := $(BUILD_DIR)/phalad

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT := $(shell git rev-parse HEAD 2>/dev/null)
SDK_VERSION := github.com/cosmos/cosmos-sdk/version
LDFLAGS := -X $(SDK_VERSION).Name=phala -X $(SDK_VERSION).AppName=phalad \
           -X $(SDK_VERSION).Version=$(VERSION) -X $(SDK_VERSION).Commit=$(COMMIT)

# Pinned code generators, installed into build/tools by `make proto-tools`.
BUF_VERSION := v1.75.0
GOGOPROTO_VERSION := v1.7.2
GRPC_GATEWAY_VERSION := v1.16.0

# Go test flags: 2 cores here, so at most 2 packages at a time.
TEST_FLAGS ?= -p 2
E2E_TIMEOUT ?= 20m
# Fuzz budgets are execution counts: Go 1.26's fuzz coordinator can fail a
# duration budget spuriously at its deadline (go.dev/issue/75804, fixed in 1.27).
FUZZ_TIME ?= 20000x

.PHONY: all build contracts devnet test test-unit test-race test-e2e fuzz fuzz-long proto-tools proto-gen \
        proto-check vet bench bench-chain bench-sync bench-contract clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(PHALAD) ./cmd/phalad
	$(GO) build -o $(BUILD_DIR)/phala-enclave ./cmd/phala-enclave
	$(GO) build -o $(BUILD_DIR)/phala-worker ./cmd/phala-worker

# Example contracts (contracts/, a module of its own with no dependencies).
CONTRACTS := hello template token auction riskcontrol
CONTRACTS_DIR := $(BUILD_DIR)/contracts

## contracts: build every example contract to build/contracts/NAME.wasm (reproducibly: -trimpath).
contracts:
	@mkdir -p $(CONTRACTS_DIR)
	@for c in $(CONTRACTS); do \
	  (cd contracts/$$c && GOOS=wasip1 GOARCH=wasm $(GO) build -trimpath -buildmode=c-shared -o $(CONTRACTS_DIR)/$$c.wasm .) || exit 1; \
	  echo "$(CONTRACTS_DIR)/$$c.wasm  $$(sha256sum $(CONTRACTS_DIR)/$$c.wasm | cut -c1-16)  $$(stat -c %s $(CONTRACTS_DIR)/$$c.wasm) bytes"; \
	done

## devnet: build phalad, then create or resume the local network (DEVNET_* variables, see scripts/devnet.sh).
devnet: build
	./scripts/devnet.sh

## test: everything CI runs: generated code up to date, vet, unit tests, race tests, fuzz smoke, end-to-end.
test: proto-check vet test-unit test-race fuzz test-e2e

test-unit:
	$(GO) test $(TEST_FLAGS) -short ./...
	cd contracts && $(GO) test $(TEST_FLAGS) ./...

# -race only on pure-logic packages (no full app inside), never on the whole app.
RACE_PKGS := ./enclave/attestation/... ./enclave/tee/sim/... ./enclave/lightclient/... ./x/staking-npos/types/... ./x/staking-npos/election/... ./x/registry/types/... ./x/confidential/types/... ./enclave/contractkey/... ./enclave/contractstate/... ./enclave/restore/...
test-race:
	$(GO) test $(TEST_FLAGS) -short -race $(RACE_PKGS)

test-e2e: build
	PHALAD=$(PHALAD) PHALA_ENCLAVE=$(BUILD_DIR)/phala-enclave PHALA_WORKER=$(BUILD_DIR)/phala-worker $(GO) test -count=1 -timeout $(E2E_TIMEOUT) -v ./tests/e2e/...

# Brief fuzzing of every decoder with a Fuzz target (longer: make fuzz-long).
FUZZ_TARGETS := $(shell grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u)
fuzz:
	@for dir in $(FUZZ_TARGETS); do \
	  for target in $$(grep -h -o '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go | sed 's/func //'); do \
	    echo "fuzz $$dir $$target ($(FUZZ_TIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZ_TIME) $$dir || exit 1; \
	  done; \
	done
fuzz-long:
	$(MAKE) fuzz FUZZ_TIME=5000000x

vet:
	@bad=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); if [[ -n "$$bad" ]]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...
	cd contracts && $(GO) vet ./... && GOOS=wasip1 GOARCH=wasm $(GO) vet ./...

proto-tools:
	@mkdir -p $(TOOLS_DIR)
	GOBIN=$(TOOLS_DIR) $(GO) install github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION)
	GOBIN=$(TOOLS_DIR) $(GO) install github.com/cosmos/gogoproto/protoc-gen-gocosmos@$(GOGOPROTO_VERSION)
	GOBIN=$(TOOLS_DIR) $(GO) install github.com/grpc-ecosystem/grpc-gateway/protoc-gen-grpc-gateway@$(GRPC_GATEWAY_VERSION)

## proto-gen: regenerate Go code from proto/ (commit the result).
proto-gen: proto-tools
	./scripts/protocgen.sh

## proto-check: fail if the committed generated code is stale.
proto-check: proto-tools
	./scripts/protocgen.sh --check

## bench: Go micro-benchmarks.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./x/... ./enclave/...

## bench-chain: bank-send throughput and inclusion latency on a fresh 4-validator devnet.
bench-chain: build
	PHALAD=$(PHALAD) ./scripts/bench-chain.sh

## bench-sync: enclave header sync through phala-worker on a fresh 4-validator devnet grown to 10,000 blocks.
bench-sync: build
	PHALAD=$(PHALAD) PHALA_ENCLAVE=$(BUILD_DIR)/phala-enclave PHALA_WORKER=$(BUILD_DIR)/phala-worker ./scripts/bench-sync.sh

## bench-contract: confidential-command latency (execute to decrypted result) and encrypted query throughput on a fresh devnet, against bank sends and status queries.
bench-contract: build contracts
	PHALAD=$(PHALAD) PHALA_ENCLAVE=$(BUILD_DIR)/phala-enclave PHALA_WORKER=$(BUILD_DIR)/phala-worker HELLO_WASM=$(CONTRACTS_DIR)/hello.wasm ./scripts/bench-contract.sh

clean:
	rm -rf $(BUILD_DIR)
