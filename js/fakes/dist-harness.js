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

const container = (tenant, extra) => createContainer({ configuration: settingsFor(tenant, extra) });
const login = (c, user, password, opts = {}) => c.invoke(LOGIN, { kind: 'login', args: [user, password], timeoutMs: 19000, ...opts });
const getUser = (c, user, opts = {}) => c.invoke(GET_USER, { kind: 'get_user', args: [user], timeoutMs: 19000, ...opts });

/** The requests the tenant received since `mark` (a length of `tenant.requests`), by label. */
function requestsSince(tenant, mark) {
  return tenant.requests.slice(mark).map((r) => requestLabel(r) || r.path);
}

module.exports = { LOGIN, GET_USER, MANIFEST, APP, SEED, settingsFor, container, login, getUser, requestsSince };
