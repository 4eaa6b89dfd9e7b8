'use strict';
/**
 * The plain-JavaScript baseline (generated from bench/plain/body.js) behaves like the dist scripts, so the benchmark compares
 * like with like: for each case, the same outcome, error class and message, profile, stored user id and
 * the same requests to the old tenant in the same order. Each variant gets its own fake tenants (a
 * login through the claims producer changes the old user), and both run the same sequence.
 *
 * Run: node js/fakes/ca.js target/test-ca && NODE_EXTRA_CA_CERTS=$PWD/target/test-ca/ca.pem node --test bench/*.test.js
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { createContainer, compileScript } = require('../js/sandbox');
const { startFakeTenant } = require('../js/fakes/fake-tenant');
const { SEED, APP, requestsSince } = require('../js/fakes/dist-harness');
const { generate, shimModule, SCRIPTS: PLAIN } = require('./plain/generate');

const ROOT = path.join(__dirname, '..');
const SCRIPTS = {
  dist: {
    login: fs.readFileSync(path.join(ROOT, 'dist', 'login.js'), 'utf8'),
    get_user: fs.readFileSync(path.join(ROOT, 'dist', 'get_user.js'), 'utf8'),
  },
  plain: generate(), // from bench/plain/body.js and the shim, as bench/run.js writes them to target/bench-plain/
};
const VARIANTS = Object.keys(SCRIPTS);

/** Per variant: a tenant with the claims producer (the Action) and one without. */
const tenants = {};
test.before(async () => {
  for (const v of VARIANTS) {
    tenants[v] = {
      claims: await startFakeTenant(),
      bare: await startFakeTenant({ claimsProducer: false }),
    };
  }
});
test.after(async () => {
  for (const v of VARIANTS) {
    await tenants[v].claims.close();
    await tenants[v].bare.close();
  }
});

function settingsFor(tenant, extra = {}) {
  return { Domain: tenant.domain, Client_ID: APP.client_id, Client_Secret: APP.client_secret, Connection: SEED.connections.legacy, ...extra };
}

/** The parts of a sandbox report that must agree, with each script's own message prefix removed. */
function summary(report, tenant, mark) {
  const error = report.error && { ...report.error, message: report.error.message.replace(/^(auth0-lazy-migrate|plain-migrate): /, '') };
  return {
    outcome: report.outcome,
    violations: report.violations,
    callbackCalls: report.callbackCalls,
    error,
    profile: report.profile,
    stored: report.stored,
    requests: requestsSince(tenant, mark),
  };
}

/**
 * Runs `steps` for both variants and compares them step by step. A step is
 * { op: 'login'|'get_user', args, tenant: 'claims'|'bare', settings?, fresh?: boolean (default true), before?(tenant) }.
 */
async function compare(steps) {
  const results = {};
  for (const v of VARIANTS) {
    results[v] = [];
    let c = null;
    for (const s of steps) {
      const tenant = tenants[v][s.tenant];
      if (s.fresh !== false || !c) c = createContainer({ configuration: settingsFor(tenant, s.settings) });
      if (s.before) s.before(tenant);
      const mark = tenant.requests.length;
      const report = await c.invoke(SCRIPTS[v][s.op], { kind: s.op, args: s.args, timeoutMs: 19000 });
      results[v].push(summary(report, tenant, mark));
    }
  }
  steps.forEach((s, i) => {
    assert.deepEqual(results.plain[i], results.dist[i], `step ${i + 1} (${s.op} ${s.args[0]}): plain differs from dist`);
  });
  return results.dist;
}

const U = SEED.users;

test.describe('login: plain JS and dist agree', () => {
  test('success through the claims producer (email and username), then warm: one request', async () => {
    const r = await compare([
      { op: 'login', tenant: 'claims', args: [U.full.email, U.full.password] },
      { op: 'login', tenant: 'claims', args: [U.username.username, U.username.password], fresh: false },
      { op: 'login', tenant: 'claims', args: [U.mixedCase.email.toUpperCase(), U.mixedCase.password], fresh: false },
    ]);
    assert.equal(r[0].outcome, 'success');
    assert.deepEqual(r[0].requests, ['password', 'discovery', 'jwks']);
    assert.equal(r[0].stored.user_id, U.full.user_id);
    assert.deepEqual(r[1].requests, ['password']);
    assert.equal(r[1].profile.username, U.username.username);
    assert.equal(r[2].outcome, 'success');
  });

  test('success without the claims producer: the profile from the Management API', async () => {
    const r = await compare([
      { op: 'login', tenant: 'bare', args: [U.full.email, U.full.password] },
      { op: 'login', tenant: 'bare', args: [U.minimal.email, U.minimal.password], fresh: false },
    ]);
    assert.equal(r[0].outcome, 'success');
    assert.deepEqual(r[0].requests, ['password', 'discovery', 'jwks', 'token', 'user']);
    assert.deepEqual(r[1].requests, ['password', 'user']);
  });

  test('Profile_Source=management reads the Management API even with claims', async () => {
    const r = await compare([
      { op: 'login', tenant: 'claims', args: [U.defaultDirectory.email, U.defaultDirectory.password], settings: { Connection: '', Profile_Source: 'management', User_ID_Prefix: 'old-' } },
    ]);
    assert.equal(r[0].outcome, 'success');
    assert.equal(r[0].profile.user_id, `old-${U.defaultDirectory.user_id.slice(6)}`);
  });

  test('wrong password, blocked, leaked password, MFA, bad setting', async () => {
    const r = await compare([
      { op: 'login', tenant: 'claims', args: [U.minimal.email, 'not the password'] },
      { op: 'login', tenant: 'claims', args: [U.blocked.email, U.blocked.password] },
      { op: 'login', tenant: 'claims', args: [U.leaked.email, U.leaked.password] },
      { op: 'login', tenant: 'claims', args: [U.mfa.email, U.mfa.password] },
      { op: 'login', tenant: 'claims', args: [U.minimal.email, U.minimal.password], settings: { Domain: 'http://old.example.com' } },
    ]);
    assert.deepEqual(
      r.map((x) => x.outcome),
      ['wrong_password', 'unauthorized', 'unauthorized', 'success', 'error']
    );
    assert.deepEqual(r[3].requests, ['password', 'token', 'users-by-email']);
    assert.deepEqual(r[4].requests, []);
  });

  test('a transient outage of discovery is retried; a rotated key is fetched again', async () => {
    const r = await compare([
      { op: 'login', tenant: 'claims', args: [U.minimal.email, U.minimal.password], before: (t) => t.faults.set('discovery', { kind: 'status', status: 503, times: 1 }) },
      { op: 'login', tenant: 'claims', args: [U.minimal.email, U.minimal.password], fresh: false, before: (t) => t.rotateKeys() },
      { op: 'login', tenant: 'claims', args: [U.minimal.email, U.minimal.password], before: (t) => t.faults.set('token', { kind: 'id_token', variant: 'wrong_aud', times: 1 }) },
    ]);
    assert.deepEqual(r[0].requests, ['password', 'discovery', 'discovery', 'jwks']);
    assert.deepEqual(r[1].requests, ['password', 'jwks']);
    assert.equal(r[2].outcome, 'error');
  });
});

test.describe('get_user: plain JS and dist agree', () => {
  test('found (email, username), not found, blocked, ambiguous, already migrated', async () => {
    const r = await compare([
      { op: 'get_user', tenant: 'bare', args: [U.full.email] },
      { op: 'get_user', tenant: 'bare', args: [U.username.username.toUpperCase()], fresh: false },
      { op: 'get_user', tenant: 'bare', args: ['nobody@example.com'], fresh: false },
      { op: 'get_user', tenant: 'bare', args: [U.blocked.email], fresh: false },
      { op: 'get_user', tenant: 'bare', args: [U.sameEmailLegacy.email], settings: { Connection: '' } },
      { op: 'get_user', tenant: 'claims', args: [U.full.email] }, // migrated by the login tests above
    ]);
    assert.deepEqual(
      r.map((x) => x.outcome),
      ['found', 'found', 'not_found', 'unauthorized', 'error', 'not_found']
    );
    assert.deepEqual(r[0].requests, ['token', 'users-by-email']);
    assert.deepEqual(r[1].requests, ['users-search']);
    assert.equal(r[0].stored.user_id, U.full.user_id);
  });

  test('faults: a retried 503, a truncated, a reset and a malformed reply', async () => {
    const r = await compare([
      { op: 'get_user', tenant: 'bare', args: [U.full.email], before: (t) => t.faults.set('users-by-email', { kind: 'status', status: 503, times: 1 }) },
      { op: 'login', tenant: 'bare', args: [U.minimal.email, U.minimal.password], before: (t) => t.faults.set('token', { kind: 'truncated', times: 1 }) },
      { op: 'login', tenant: 'bare', args: [U.minimal.email, U.minimal.password], before: (t) => t.faults.set('token', { kind: 'reset', times: 1 }) },
      { op: 'get_user', tenant: 'bare', args: [U.full.email], before: (t) => t.faults.set('token', { kind: 'malformed', times: 1 }) },
    ]);
    assert.deepEqual(
      r.map((x) => x.outcome),
      ['found', 'error', 'error', 'error']
    );
    assert.deepEqual(r[0].requests, ['token', 'users-by-email', 'users-by-email']);
  });

  test('login and get_user return the same profile', async () => {
    const r = await compare([
      { op: 'get_user', tenant: 'bare', args: [U.mixedCase.email] },
      { op: 'login', tenant: 'bare', args: [U.mixedCase.email, U.mixedCase.password] },
    ]);
    assert.deepEqual(r[1].profile, r[0].profile);
  });
});

test('the plain scripts: one pasteable function each, carrying the shim of dist/ verbatim', () => {
  const names = { login: 'login', get_user: 'getByEmail' };
  for (const [op, text] of Object.entries(SCRIPTS.plain)) {
    assert.equal(compileScript(text, names[op]).name, names[op], `${op}: one function, as Auth0 compiles it`);
    assert.ok(text.startsWith(`/*\n${PLAIN[op].doc[0]}`), `${op}: its doc comment first`);
    assert.doesNotMatch(text, /module\.exports|\/\/#(if|endif|shim)|__IDENTIFIER__|__OP__/, `${op}: no marker or export left`);
    assert.doesNotMatch(text, /WebAssembly\.(Module|Instance|instantiate|compile)/, `${op}: no wasm in the baseline`);
    const indented = (file) =>
      shimModule(file)
        .split('\n')
        .map((l) => (l ? `  ${l}` : l))
        .join('\n');
    assert.ok(text.includes(indented('transport.js')), `${op}: the shim's transport.js, as dist/ carries it`);
    if (op === 'login') assert.ok(text.includes(indented('verify.js')), "login: the shim's verify.js");
  }
  const req = /require\((['"])([^'"]+)\1\)/g;
  const ids = new Set([...SCRIPTS.plain.login.matchAll(req), ...SCRIPTS.plain.get_user.matchAll(req)].map((m) => m[2]));
  // The shim's transport takes Buffer, TextDecoder and its https fallback from Node's modules, not globals.
  assert.deepEqual([...ids].sort(), ['buffer', 'crypto', 'https', 'stream', 'util'], 'Node built-ins only');
});
