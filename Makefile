# auth0-lazy-migrate: the two commands a user needs.
#   make dist   - set up what is missing, build, and write the pasteable scripts to dist/
#   make test   - style gates (rustfmt, clippy, rustdoc, Biome), then every test: Rust natively,
#                 Rust as wasm under Node, Node end-to-end on dist/
# Set-up is idempotent: a second run installs nothing.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := dist
.DELETE_ON_ERROR:

# Exact tool versions. wasm-bindgen's comes from Cargo.lock, so the CLI always equals the library.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"$$/\1/p;}' Cargo.lock)
WASM_PACK_VERSION := 0.15.1
TOOLS_DIR ?= $(HOME)/.cache/auth0-lazy-migrate/tools
export ALM_TOOLS_DIR := $(TOOLS_DIR)
WASM_BINDGEN_BIN := $(TOOLS_DIR)/wasm-bindgen-cli-$(WASM_BINDGEN_VERSION)/bin
WASM_PACK := $(TOOLS_DIR)/wasm-pack-$(WASM_PACK_VERSION)/bin/wasm-pack
WASM_OPT := $(CURDIR)/node_modules/.bin/wasm-opt
# wasm-pack looks wasm-bindgen up on PATH: the pinned one comes first, always.
export PATH := $(WASM_BINDGEN_BIN):$(PATH)

# The commit baked into the wasm and the headers; "-dirty" marks a build from uncommitted changes.
ALM_GIT_COMMIT ?= $(shell c=$$(git rev-parse HEAD 2>/dev/null) && { git diff --quiet HEAD 2>/dev/null && echo $$c || echo $$c-dirty; } || echo unknown)
export ALM_GIT_COMMIT
CARGO_HOME ?= $(HOME)/.cargo
# Reproducible wasm: no machine paths in panic locations, whatever the clone's folder.
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS := --remap-path-prefix=$(CURDIR)=/alm --remap-path-prefix=$(CARGO_HOME)=/cargo

OUT ?= dist
# The wasm modules (js/sources.js MODULES, read through js/build/modules.js): each is the crate built
# with its own cargo flags by wasm-pack into target/pkg-NAME, then optimised to target/wasm/NAME.wasm.
# `auth0` carries the auth0 source's scripts (dist/*.js); `engine` is dist/engine.js (the bulk tail's
# mapping and the settings checks, which the pasted scripts never call); every other source's scripts
# carry their own module (`rest`, `oidc-login`, ...), so each script holds its own source's code only.
MODULES := $(shell node js/build/modules.js names)
ifeq ($(strip $(MODULES)),)
$(error js/build/modules.js listed no wasm modules (is node on PATH?))
endif
RUST_SOURCES := $(shell find src -name '*.rs') Cargo.toml Cargo.lock build.rs rust-toolchain.toml
TEMPLATES := $(wildcard pkg-template/*.js) $(wildcard pkg-template/shim/*.js) $(wildcard js/build/*.js) js/auth0-limits.js js/sources.js
STAMP := target/.stamps

.PHONY: dist test setup test-rust test-wasm test-js wasm clean

dist: $(OUT)/manifest.json

setup: $(STAMP)/rust-target $(STAMP)/tools $(STAMP)/node

$(STAMP)/rust-target: rust-toolchain.toml
	@mkdir -p $(@D)
	rustup target add wasm32-unknown-unknown >/dev/null
	@touch $@

$(STAMP)/tools: Cargo.lock Makefile scripts/ensure-tool.sh
	@mkdir -p $(@D)
	scripts/ensure-tool.sh wasm-bindgen-cli $(WASM_BINDGEN_VERSION) wasm-bindgen
	scripts/ensure-tool.sh wasm-pack $(WASM_PACK_VERSION) wasm-pack
	@touch $@

$(STAMP)/node: package.json package-lock.json
	@mkdir -p $(@D)
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The commit is baked into the wasm and the headers: a stamp that changes with it (and only then)
# makes a new commit rebuild, so a script never names a commit it was not built from.
COMMIT_STAMP := $(STAMP)/commit
$(shell mkdir -p $(STAMP) && { [ "$$(cat $(COMMIT_STAMP) 2>/dev/null)" = "$(ALM_GIT_COMMIT)" ] || echo "$(ALM_GIT_COMMIT)" > $(COMMIT_STAMP); })

# wasm-pack builds the cdylib and runs wasm-bindgen (its own wasm-opt is off in Cargo.toml). The
# auth0 module keeps cargo's default target folder; each other module has its own, so the builds do
# not invalidate each other. $(call module-rules,NAME) writes one module's two rules.
module-target = $(if $(filter auth0,$(1)),$(CURDIR)/target,$(CURDIR)/target/$(1)-build)
define module-rules
target/pkg-$(1)/migrate_bg.wasm target/pkg-$(1)/migrate.js &: $$(RUST_SOURCES) $$(COMMIT_STAMP) $$(STAMP)/rust-target $$(STAMP)/tools js/sources.js
	CARGO_TARGET_DIR=$(call module-target,$(1)) $$(WASM_PACK) --quiet build --release --target no-modules \
	  --no-typescript --no-pack --out-dir $$(CURDIR)/target/pkg-$(1) --out-name migrate -- $$(shell node js/build/modules.js cargo $(1))
	@touch target/pkg-$(1)/migrate_bg.wasm target/pkg-$(1)/migrate.js

target/wasm/$(1).wasm: target/pkg-$(1)/migrate_bg.wasm $$(STAMP)/node
	@mkdir -p $$(@D)
	$$(WASM_OPT) $$(WASM_OPT_FLAGS) $$< -o $$@
endef

# wasm-opt from the npm binaryen pinned in package-lock (Debian's binaryen 108 breaks the output).
WASM_OPT_FLAGS := -Oz --converge --zero-filled-memory --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue
$(foreach m,$(MODULES),$(eval $(call module-rules,$(m))))
MODULE_FILES := $(foreach m,$(MODULES),target/wasm/$(m).wasm target/pkg-$(m)/migrate.js)

wasm: $(foreach m,$(MODULES),target/wasm/$(m).wasm)

target/toolchain.json: $(STAMP)/tools $(STAMP)/node rust-toolchain.toml
	node js/build/toolchain.js "$(WASM_PACK)" "$(WASM_BINDGEN_BIN)/wasm-bindgen" "$(WASM_OPT)" > $@

$(OUT)/manifest.json: $(MODULE_FILES) $(TEMPLATES) target/toolchain.json package.json
	node js/build/assemble.js --wasm-dir target/wasm --pkg-dir target --toolchain target/toolchain.json --out $(OUT)

# Style gates first: they are quick and name the exact line.
test: lint test-rust test-wasm test-js

lint: lint-rust lint-js
.PHONY: lint

test-rust:
	cargo test --quiet

# The exported boundary (tests/wasm_boundary.rs, wasm-bindgen tests) compiled to wasm32 and run under
# Node. The library's plain #[test] unit tests are not run there (the runner runs only
# #[wasm_bindgen_test] ones); they run natively in test-rust.
test-wasm: setup
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  cargo test --target wasm32-unknown-unknown

# The end-to-end suite runs on the machine's Node 20 (which builds), then on Auth0's runtimes 22 and
# 18, each pinned in scripts/node-versions and installed once by scripts/node-runtime.sh. Files are
# listed explicitly: Node 22's `node --test DIR` takes DIR for a module, not a folder. The slow
# rebuild (reproducible.test.js) checks the build, not the runtime, so it runs on Node 20 only.
JS_TESTS := $(sort $(wildcard tests/js/*.test.js))
# The benchmark's own tests (its plain-JS baseline behaves as dist does; a quick run has every
# section) check the measuring, not the runtime: Node 20 only, like the rebuild check.
BENCH_TESTS := $(sort $(wildcard bench/*.test.js))
JS_RUNTIME_TESTS := $(filter-out tests/js/reproducible.test.js,$(JS_TESTS))
# $(call node-tests,NODE-COMMAND,FILES): one announced run; the CA is the fake tenant's (js/fakes/ca.js).
node-tests = bin=$(1); echo "== end-to-end on node $$($$bin --version) =="; \
  NODE_EXTRA_CA_CERTS=$(CURDIR)/target/test-ca/ca.pem $$bin --test $(2)

test-js: dist test-ca
	$(call node-tests,node,$(JS_TESTS) $(BENCH_TESTS))
	$(call node-tests,$$(scripts/node-runtime.sh 22),$(JS_RUNTIME_TESTS))
	$(call node-tests,$$(scripts/node-runtime.sh 18),$(JS_RUNTIME_TESTS))

test-js-node20: dist test-ca
	$(call node-tests,node,$(JS_TESTS) $(BENCH_TESTS))

test-js-node22: dist test-ca
	$(call node-tests,$$(scripts/node-runtime.sh 22),$(JS_RUNTIME_TESTS))

test-js-node18: dist test-ca
	$(call node-tests,$$(scripts/node-runtime.sh 18),$(JS_RUNTIME_TESTS))

test-ca: $(STAMP)/node
	node js/fakes/ca.js target/test-ca >/dev/null

# A newcomer's tour: the built scripts migrate a sample population from the fake old tenant (js/demo.js).
demo: dist
	node js/demo.js

# The size and speed table, dist (Rust/wasm) against a plain-JavaScript baseline in the same run
# (bench/run.js; `node bench/run.js --record` refreshes its part of BENCHMARKS.md).
bench: dist
	node bench/run.js

# The bulk tail at 100k and 1M old users against fake tenants serving a synthetic streamed export
# (bench/tail/run.js): the CLI's peak RSS, wall time, users/s through the pipeline apart from the
# import jobs' wait, and the time to resume after a SIGKILL midway; budgets PASS/MISS. About 10
# minutes on 2 cores; `node bench/tail/run.js --record` rewrites its section of BENCHMARKS.md.
bench-tail: dist test-ca
	node bench/tail/run.js

# 10,000 calls at concurrency 100 with faults on every route; prints a summary, fails on any violation.
soak: dist
	node tests/soak/run.js

.PHONY: test-js-node20 test-js-node22 test-js-node18 test-ca demo bench bench-tail soak

clean:
	rm -rf $(OUT) $(foreach m,$(MODULES),target/pkg-$(m)) target/wasm target/.stamps

# Rust style gates: formatting (rustfmt.toml), clippy natively (tests included) and for wasm32 with
# each module of js/sources.js MODULES (src/wasm.rs and the engine exports compile only there), and the docs, private
# items included, with warnings denied (broken intra-doc links, unescaped `<tags>`).
.PHONY: lint-rust
lint-rust: $(STAMP)/rust-target
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	$(foreach m,$(MODULES),cargo clippy --quiet --target wasm32-unknown-unknown --lib $(shell node js/build/modules.js cargo $(m)) -- -D warnings;)
	RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps --document-private-items
	RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps --document-private-items --target wasm32-unknown-unknown --features engine

# JavaScript format and lint (Biome, pinned in package.json; rules and file set in biome.json): fails
# on any formatting difference or lint warning, changes nothing. `npx biome check --write` applies the format.
lint-js: $(STAMP)/node
	node_modules/.bin/biome ci --colors=off --error-on-warnings .

.PHONY: lint-js
