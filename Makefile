# Sluice: the two commands are `make run` (the hook server on :8080) and
# `make test` (everything CI runs). See README.md.

GO       ?= go
ADDR     ?= :8080
EXAMPLE  ?= manifests/examples/call-record-aggregator.yaml
# Packages that define the -update flag of their golden tests.
GOLDEN_PKGS := ./children ./hooks ./hooks/diff ./graph/draw ./cmd/kubectl-sluice ./cmd/kubectl-sluice/internal/report

.PHONY: build run render test check unit e2e golden bench load fuzz

# The hook binary and the kubectl plugin (copy bin/kubectl-sluice onto the PATH).
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X main.version=$$(git describe --tags --always --dirty 2>/dev/null)" -o bin/sluice .
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-X main.version=$$(git describe --tags --always --dirty 2>/dev/null)" -o bin/kubectl-sluice ./cmd/kubectl-sluice

run:
	$(GO) run . serve --addr $(ADDR)

render:
	$(GO) run . render $(EXAMPLE)

# Everything CI runs: the static checks, the unit tests, the end-to-end tests.
test: check unit e2e

# The unit tests under the race detector; -short skips only
# TestLargestApplicationFitsTheLimits, a size measurement that takes minutes
# under the race detector, so it runs after without it.
# Then every benchmark once, as a smoke pass (never a timed assertion;
# -short skips the largest request's).
unit:
	$(GO) test -race -short -count=1 ./...
	$(GO) test -count=1 -run '^TestLargestApplicationFitsTheLimits$$' ./hooks
	$(GO) test -count=1 -short -run '^$$' -bench . -benchtime=1x ./...

# The end-to-end tests on a real API server (test/e2e/README.md). With
# SLUICE_E2E_SKIP_REASON set they are skipped, and this says so loudly.
e2e:
	cd test/e2e && $(GO) test -count=1 -timeout 30m ./...
	@if [ -n "$$SLUICE_E2E_SKIP_REASON" ]; then \
		echo "********************************************************************"; \
		echo "* END-TO-END TESTS SKIPPED: $$SLUICE_E2E_SKIP_REASON"; \
		echo "********************************************************************"; \
	fi

# Static checks of both modules: gofmt, go vet, staticcheck, and go.mod and
# go.sum as `go mod tidy` would write them.
STATICCHECK ?= $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	cd test/e2e && $(GO) vet ./...
	$(STATICCHECK) ./...
	cd test/e2e && $(STATICCHECK) ./...
	$(GO) mod tidy -diff
	cd test/e2e && $(GO) mod tidy -diff

golden:
	$(GO) test $(GOLDEN_PKGS) -run Golden -update

# The speed figures of BENCHMARKS.md: BenchmarkSync answers each request
# (10 and 100 streamlets, the reference application, the largest) beside its
# two floors on the same bytes; compare ratios (benchstat reads the output).
# BENCH=Largest for the peak heap of one and of two of the largest at once.
BENCH ?= Sync$$|SyncFrozen|Resolve
COUNT ?= 5
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -count $(COUNT) ./hooks ./graph

# The load script (test/load): latency, throughput and peak RSS of `sluice
# serve` (DURATION, CLIENTS, EXAMPLE, LARGEST=0: see test/load/run.sh).
load:
	test/load/run.sh

# Each fuzz target for FUZZTIME; minimizing new inputs is capped, as it
# dominates the time otherwise.
FUZZTIME ?= 30s
fuzz:
	for f in FuzzSync FuzzReadBody; do \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10x ./hooks || exit 1; \
	done
	for f in FuzzDecode FuzzSkip; do \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10x ./children/tree || exit 1; \
	done
	$(GO) test -run '^$$' -fuzz '^FuzzAppendPruned$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 10x ./children
	for f in FuzzParse FuzzFromJSON FuzzScalar FuzzParseDuration FuzzParseMemorySize; do \
		$(GO) test -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10x ./graph || exit 1; \
	done
