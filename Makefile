# The two commands a fresh machine needs: `make run` and `make test`.
GO      ?= go
PKGS    ?= ./...

.PHONY: run test lint eval bench build

## run: the service on its embedded defaults (in-process Redis, console SMS, demo clinic)
run:
	$(GO) run ./cmd/gateway

## test: every test; integration tests use REDIS_URL (see .ci/run)
test:
	$(GO) vet $(PKGS)
	$(GO) test -p 2 -count=1 -timeout 14m $(PKGS)

## lint: vet and formatting
lint:
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## eval: intent accuracy on the dev corpus, no language hint
eval:
	$(GO) run ./cmd/intent-eval corpus/dev

## bench: benchmarks (numbers go to docs/BENCHMARKS.md)
bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

build:
	$(GO) build -o bin/ ./cmd/...
