'use strict';
/**
 * End to end: the built dist scripts, exactly as an operator pastes them, run in the Auth0 sandbox
 * emulation (js/sandbox/) against the fake old tenant (js/fakes/fake-tenant.js) over HTTPS.
 * Run by `make test` after `make dist`, with NODE_EXTRA_CA_CERTS trusting the fake's CA.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createContainer } = require('../../js/sandbox');
const { startFakeTenant } = require('../../js/fakes/fake-tenant');
const { SEED, APP, MANIFEST, RUNTIME_EXTRAS, settingsFor, login, getUser } = require('../../js/fakes/dist-harness');

/** A container showing the scripts only Auth0's documented globals and the runtime's fetch. */
const documented = (o) => createContainer({ ...o, documentedOnly: true, extraGlobals: RUNTIME_EXTRAS });

let tenant;
test.before(async () => {
  tenant = await startFakeTenant();
});
test.after(async () => {
  await tenant.close();
});

const settings = (extra = {}) => settingsFor(tenant, extra);

function assertClean(report) {
  assert.deepEqual(report.violations, [], `sandbox violations: ${report.violations.join('; ')}`);
  assert.equal(report.callbackCalls, 1);
}

test('login migrates the user with the same id, profile and metadata as plain objects', async () => {
  const u = SEED.users.full;
  const r = await login(documented({ configuration: settings() }), u.email, u.password);
  assertClean(r);
  assert.equal(r.outcome, 'success');
  assert.equal(r.event, 's');
  assert.equal(r.stored.user_id, u.user_id, 'the id in the new tenant equals the old one');
  assert.equal(r.profile.email, u.email);
  assert.equal(r.profile.email_verified, true);
  assert.equal(Object.getPrototypeOf(r.profile.user_metadata), Object.prototype);
  assert.ok(Object.keys(r.profile.user_metadata).length > 0, 'user_metadata came through the claims');
  assert.equal(r.profile.app_metadata.migration_complete, undefined, "the old tenant's marker is not carried over");
});

test('a wrong password is WrongUsernameOrPasswordError (event fp), and nothing is migrated', async () => {
  const u = SEED.users.minimal;
  const r = await login(documented({ configuration: settings() }), u.email, 'not the password');
  assertClean(r);
  assert.equal(r.outcome, 'wrong_password');
  assert.equal(r.event, 'fp');
  assert.equal(r.stored, null);
});

test('the script-context signature (id, password, context, callback) works too', async () => {
  const u = SEED.users.minimal;
  const r = await login(documented({ configuration: settings() }), u.email, u.password, { withContext: true });
  assertClean(r);
  assert.equal(r.outcome, 'success');
  assert.equal(r.stored.user_id, u.user_id);
});

test('an empty Connection uses the tenant Default Directory (password grant)', async () => {
  const u = SEED.users.defaultDirectory;
  const before = tenant.requests.length;
  const r = await login(documented({ configuration: settings({ Connection: '' }) }), u.email, u.password);
  assertClean(r);
  assert.equal(r.outcome, 'success');
  assert.equal(r.stored.user_id, u.user_id);
  const sent = tenant.requests.slice(before).filter((q) => q.path === '/oauth/token');
  assert.deepEqual(
    sent.map((q) => q.grant_type),
    ['password']
  );
});

test('get_user finds the user and returns the same profile login returns; unknown users are not found', async () => {
  const fresh = await startFakeTenant({ caDir: undefined });
  try {
    const u = SEED.users.full;
    const conf = { ...settings(), Domain: fresh.domain };
    const found = await getUser(documented({ configuration: conf }), u.email.toUpperCase());
    assertClean(found);
    assert.equal(found.outcome, 'found');
    assert.equal(found.stored.user_id, u.user_id);
    const logged = await login(documented({ configuration: conf }), u.email, u.password);
    assert.equal(logged.outcome, 'success');
    assert.deepEqual(found.profile, logged.profile, 'login and get_user agree field by field');

    const missing = await getUser(documented({ configuration: conf }), 'nobody@example.com');
    assertClean(missing);
    assert.equal(missing.outcome, 'not_found');
    assert.equal(missing.profile, null);
  } finally {
    await fresh.close();
  }
});

test('a blocked user is refused with UnauthorizedError, never migrated', async () => {
  const u = SEED.users.blocked;
  const r = await login(documented({ configuration: settings() }), u.email, u.password);
  assertClean(r);
  assert.equal(r.outcome, 'unauthorized');
  assert.equal(r.stored, null);
});

test('an MFA user (mfa_required: the password was right) is migrated from the Management API', async () => {
  const u = SEED.users.mfa;
  const r = await login(documented({ configuration: settings() }), u.email, u.password);
  assertClean(r);
  assert.equal(r.outcome, 'success');
  assert.equal(r.stored.user_id, u.user_id);
});

test('an outage of the old tenant is an Error, never a wrong password', async () => {
  const u = SEED.users.minimal;
  tenant.faults.set('token', { kind: 'status', status: 503, times: 1 });
  try {
    const r = await login(documented({ configuration: settings() }), u.email, u.password);
    assertClean(r);
    assert.equal(r.outcome, 'error');
    assert.match(r.error.message, /HTTP 503/);
  } finally {
    tenant.faults.clear();
  }
});

test('a missing setting fails with an Error naming the key, before any request', async () => {
  const before = tenant.requests.length;
  const conf = settings();
  delete conf.Client_Secret;
  const r = await login(documented({ configuration: conf }), 'a@example.com', 'pw-not-used');
  assertClean(r);
  assert.equal(r.outcome, 'error');
  assert.match(r.error.message, /`Client_Secret`/);
  assert.equal(tenant.requests.length, before, 'no request reached the old tenant');
});

test('the compiled module is cached on the container global, keyed by the wasm hash', async () => {
  const container = documented({ configuration: settings() });
  const u = SEED.users.minimal;
  await login(container, u.email, 'wrong once');
  const keys = Object.keys(container.global).filter((k) => k.startsWith('auth0-lazy-migrate/wasm/'));
  assert.deepEqual(keys, [`auth0-lazy-migrate/wasm/${MANIFEST.wasm.sha256}`]);
  const engine = container.global[keys[0]];
  await getUser(container, u.email);
  assert.equal(container.global[keys[0]], engine, 'a warm call reuses the instance');
  assert.equal(Object.keys(container.fresh().global).length, 0);
});

test('one log line per call, with no password, secret or raw identifier in it', async () => {
  const u = SEED.users.full;
  const r = await login(documented({ configuration: settings() }), u.email, u.password);
  assert.equal(r.logs.length, 1);
  const line = r.logs[0].text;
  assert.match(line, /^auth0-lazy-migrate \S+ login outcome=profile ms=\d+ upstream=\d+ user=[0-9a-f]{12}$/);
  for (const secret of [u.password, APP.client_secret, u.email]) assert.ok(!line.includes(secret));
});
