# The commands a newcomer needs; `make help` lists them.
GO ?= go

.PHONY: help run test check generate bench-handler playground topology

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

run: ## serve the API on :8080 with its own PostgreSQL and demo data
	$(GO) run .

test: ## run every test (TEST_DATABASE_URL, or an embedded PostgreSQL)
	$(GO) test -count=1 -timeout 15m ./...

check: ## what CI checks besides the tests: generated code current, gofmt, go vet
	$(GO) generate ./...
	@git diff --exit-code --stat -- . || (echo "go generate changed the tree: commit the regenerated files" && exit 1)
	@test -z "$$(git status --porcelain --untracked-files=all -- graph)" || (git status --short -- graph; echo "go generate left new files" && exit 1)
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); echo "gofmt would change these files" && exit 1)
	$(GO) vet ./...

generate: ## regenerate gqlgen's executor after a schema change
	$(GO) generate ./...

bench-handler: ## in-process benchmark of the nested page (set BENCH_DATABASE_URL for scale 1)
	$(GO) test -run '^$$' -bench NestedPage -benchmem -count 5 ./graph/

.PHONY: bench
bench: ## load benchmark over HTTP at scale 1, results in bench/results/ (BENCH_DATABASE_URL, BENCH_DURATION, ...: bench/README.md)
	$(GO) run ./bench/cmd/load -go '$(GO)'

topology: ## primary + streaming replica, two API replicas, HAProxy in front, until Ctrl-C (installs haproxy)
	GO='$(GO)' scripts/topology

playground: ## rebuild the playground's GraphiQL bundle from npm (commit the result)
	web/playground/build.sh
