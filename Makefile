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
PKG := target/pkg
WASM := target/wasm/migrate.wasm
# dist/engine.js carries a second build of the same crate with the `engine` feature (the bulk
# tail's mapping and the settings check, which the pasted scripts never call), in its own cargo
# target folder so the two builds do not invalidate each other.
ENGINE_PKG := target/pkg-engine
ENGINE_WASM := target/wasm/engine.wasm
# dist/rest/*.js carry a third build: the rest source (src/rest.rs, docs/rest-contract.md) instead of
# the auth0 one (`--no-default-features --features source-rest`), in its own cargo target folder too.
REST_PKG := target/pkg-rest
REST_WASM := target/wasm/rest.wasm
# dist/oidc/*.js carry the oidc source (src/oidc.rs, docs/oidc-source.md), `--features source-oidc`, one
# build per script: each leaves the other script's flow out (`script-login`, `script-get-user`), as
# the two together are over the scripts' size ceiling. Each in its own cargo target folder.
OIDC_LOGIN_PKG := target/pkg-oidc-login
OIDC_LOGIN_WASM := target/wasm/oidc-login.wasm
OIDC_GET_USER_PKG := target/pkg-oidc-get-user
OIDC_GET_USER_WASM := target/wasm/oidc-get-user.wasm
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

# wasm-pack builds the cdylib and runs wasm-bindgen (its own wasm-opt is off in Cargo.toml).
$(PKG)/migrate_bg.wasm $(PKG)/migrate.js &: $(RUST_SOURCES) $(COMMIT_STAMP) $(STAMP)/rust-target $(STAMP)/tools
	$(WASM_PACK) --quiet build --release --target no-modules --no-typescript --no-pack \
	  --out-dir $(CURDIR)/$(PKG) --out-name migrate
	@touch $(PKG)/migrate_bg.wasm $(PKG)/migrate.js

$(ENGINE_PKG)/migrate_bg.wasm $(ENGINE_PKG)/migrate.js &: $(RUST_SOURCES) $(COMMIT_STAMP) $(STAMP)/rust-target $(STAMP)/tools
	CARGO_TARGET_DIR=$(CURDIR)/target/engine-build $(WASM_PACK) --quiet build --release --target no-modules \
	  --no-typescript --no-pack --out-dir $(CURDIR)/$(ENGINE_PKG) --out-name migrate -- --features engine
	@touch $(ENGINE_PKG)/migrate_bg.wasm $(ENGINE_PKG)/migrate.js

$(REST_PKG)/migrate_bg.wasm $(REST_PKG)/migrate.js &: $(RUST_SOURCES) $(COMMIT_STAMP) $(STAMP)/rust-target $(STAMP)/tools
	CARGO_TARGET_DIR=$(CURDIR)/target/rest-build $(WASM_PACK) --quiet build --release --target no-modules \
	  --no-typescript --no-pack --out-dir $(CURDIR)/$(REST_PKG) --out-name migrate -- --no-default-features --features source-rest
	@touch $(REST_PKG)/migrate_bg.wasm $(REST_PKG)/migrate.js

$(OIDC_LOGIN_PKG)/migrate_bg.wasm $(OIDC_LOGIN_PKG)/migrate.js &: $(RUST_SOURCES) $(COMMIT_STAMP) $(STAMP)/rust-target $(STAMP)/tools
	CARGO_TARGET_DIR=$(CURDIR)/target/oidc-login-build $(WASM_PACK) --quiet build --release --target no-modules \
	  --no-typescript --no-pack --out-dir $(CURDIR)/$(OIDC_LOGIN_PKG) --out-name migrate -- --no-default-features --features source-oidc,script-login
	@touch $(OIDC_LOGIN_PKG)/migrate_bg.wasm $(OIDC_LOGIN_PKG)/migrate.js

$(OIDC_GET_USER_PKG)/migrate_bg.wasm $(OIDC_GET_USER_PKG)/migrate.js &: $(RUST_SOURCES) $(COMMIT_STAMP) $(STAMP)/rust-target $(STAMP)/tools
	CARGO_TARGET_DIR=$(CURDIR)/target/oidc-get-user-build $(WASM_PACK) --quiet build --release --target no-modules \
	  --no-typescript --no-pack --out-dir $(CURDIR)/$(OIDC_GET_USER_PKG) --out-name migrate -- --no-default-features --features source-oidc,script-get-user
	@touch $(OIDC_GET_USER_PKG)/migrate_bg.wasm $(OIDC_GET_USER_PKG)/migrate.js

# wasm-opt from the npm binaryen pinned in package-lock (Debian's binaryen 108 breaks the output).
WASM_OPT_FLAGS := -Oz --converge --zero-filled-memory --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue
$(WASM): $(PKG)/migrate_bg.wasm $(STAMP)/node
	@mkdir -p $(@D)
	$(WASM_OPT) $(WASM_OPT_FLAGS) $< -o $@

$(ENGINE_WASM): $(ENGINE_PKG)/migrate_bg.wasm $(STAMP)/node
	@mkdir -p $(@D)
	$(WASM_OPT) $(WASM_OPT_FLAGS) $< -o $@

$(REST_WASM): $(REST_PKG)/migrate_bg.wasm $(STAMP)/node
	@mkdir -p $(@D)
	$(WASM_OPT) $(WASM_OPT_FLAGS) $< -o $@

$(OIDC_LOGIN_WASM): $(OIDC_LOGIN_PKG)/migrate_bg.wasm $(STAMP)/node
	@mkdir -p $(@D)
	$(WASM_OPT) $(WASM_OPT_FLAGS) $< -o $@

$(OIDC_GET_USER_WASM): $(OIDC_GET_USER_PKG)/migrate_bg.wasm $(STAMP)/node
	@mkdir -p $(@D)
	$(WASM_OPT) $(WASM_OPT_FLAGS) $< -o $@

wasm: $(WASM) $(ENGINE_WASM) $(REST_WASM) $(OIDC_LOGIN_WASM) $(OIDC_GET_USER_WASM)

target/toolchain.json: $(STAMP)/tools $(STAMP)/node rust-toolchain.toml
	node js/build/toolchain.js "$(WASM_PACK)" "$(WASM_BINDGEN_BIN)/wasm-bindgen" "$(WASM_OPT)" > $@

$(OUT)/manifest.json: $(WASM) $(PKG)/migrate.js $(ENGINE_WASM) $(ENGINE_PKG)/migrate.js $(REST_WASM) $(REST_PKG)/migrate.js $(OIDC_LOGIN_WASM) $(OIDC_LOGIN_PKG)/migrate.js $(OIDC_GET_USER_WASM) $(OIDC_GET_USER_PKG)/migrate.js $(TEMPLATES) target/toolchain.json package.json
	node js/build/assemble.js --wasm $(WASM) --glue $(PKG)/migrate.js \
	  --engine-wasm $(ENGINE_WASM) --engine-glue $(ENGINE_PKG)/migrate.js \
	  --rest-wasm $(REST_WASM) --rest-glue $(REST_PKG)/migrate.js \
	  --oidc-login-wasm $(OIDC_LOGIN_WASM) --oidc-login-glue $(OIDC_LOGIN_PKG)/migrate.js \
	  --oidc-get-user-wasm $(OIDC_GET_USER_WASM) --oidc-get-user-glue $(OIDC_GET_USER_PKG)/migrate.js \
	  --toolchain target/toolchain.json --out $(OUT)

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
	rm -rf $(OUT) target/pkg target/pkg-engine target/pkg-rest target/pkg-oidc-login target/pkg-oidc-get-user target/wasm target/.stamps

# Rust style gates: formatting (rustfmt.toml), clippy natively (tests included) and for wasm32 with
# each feature set (auth0, engine, rest, oidc) (src/wasm.rs and the engine exports compile only there), and the docs, private
# items included, with warnings denied (broken intra-doc links, unescaped `<tags>`).
.PHONY: lint-rust
lint-rust: $(STAMP)/rust-target
	cargo fmt --check
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown --lib -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown --lib --features engine -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown --lib --no-default-features --features source-rest -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown --lib --no-default-features --features source-oidc -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown --lib --no-default-features --features source-oidc,script-login -- -D warnings
	cargo clippy --quiet --target wasm32-unknown-unknown --lib --no-default-features --features source-oidc,script-get-user -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps --document-private-items
	RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps --document-private-items --target wasm32-unknown-unknown --features engine

# JavaScript format and lint (Biome, pinned in package.json; rules and file set in biome.json): fails
# on any formatting difference or lint warning, changes nothing. `npx biome check --write` applies the format.
lint-js: $(STAMP)/node
	node_modules/.bin/biome ci --colors=off --error-on-warnings .

.PHONY: lint-js
