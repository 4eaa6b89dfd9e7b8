'use strict';
/**
 * Shared by the end-to-end suites and the benchmark: the built dist scripts, and helpers to run them in the sandbox
 * emulation against a fake old tenant with the Migration App's settings.
 */
const fs = require('node:fs');
const path = require('node:path');
const { createContainer } = require('../sandbox');
const { SEED } = require('./seed');
const { requestLabel } = require('./fake-tenant');

const DIST = path.join(__dirname, '..', '..', 'dist');
const LOGIN = fs.readFileSync(path.join(DIST, 'login.js'), 'utf8');
const GET_USER = fs.readFileSync(path.join(DIST, 'get_user.js'), 'utf8');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(DIST, 'manifest.json'), 'utf8'));
const APP = SEED.clients.migrationApp;

/** The new tenant's connection settings pointing at `tenant`, with `extra` on top. */
function settingsFor(tenant, extra = {}) {
  return {
    Domain: tenant.domain,
    Client_ID: APP.client_id,
    Client_Secret: APP.client_secret,
    Connection: SEED.connections.legacy,
    ...extra,
  };
}

/**
 * What Auth0's Node 18 and 22 runtimes have beyond the globals it documents, and the scripts use
 * when present: fetch (and AbortController, to abandon it). Looked up at each call, so a test that
 * replaces the global fetch is seen.
 */
const RUNTIME_EXTRAS = Object.freeze({ fetch: (...a) => globalThis.fetch(...a), AbortController });

/**
 * A container for the built scripts: they see only what Auth0 documents plus RUNTIME_EXTRAS (the
 * sandbox's `documentedOnly`), so every end-to-end test that uses it also proves the scripts lean
 * on nothing else (tests/js/minimal-context.test.js runs them without fetch too).
 */
const container = (tenant, extra) => createContainer({ configuration: settingsFor(tenant, extra), documentedOnly: true, extraGlobals: RUNTIME_EXTRAS });
const login = (c, user, password, opts = {}) => c.invoke(LOGIN, { kind: 'login', args: [user, password], timeoutMs: 19000, ...opts });
const getUser = (c, user, opts = {}) => c.invoke(GET_USER, { kind: 'get_user', args: [user], timeoutMs: 19000, ...opts });

/** The requests the tenant received since `mark` (a length of `tenant.requests`), by label. */
function requestsSince(tenant, mark) {
  return tenant.requests.slice(mark).map((r) => requestLabel(r) || r.path);
}

module.exports = { LOGIN, GET_USER, MANIFEST, APP, SEED, RUNTIME_EXTRAS, settingsFor, container, login, getUser, requestsSince };
