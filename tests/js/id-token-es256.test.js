'use strict';
/**
 * ID tokens signed with ES256 (issue 12): the dist login script, in the sandbox emulation, against
 * a fake old tenant that signs its ID tokens with a P-256 key published beside its RSA keys.
 * A right password migrates the user; a token signed by another P-256 key, and a token whose
 * header names the other algorithm than the key its kid points to, are refused as Errors - never
 * a migrated user, never a wrong password. RS256 tenants are unchanged (dist.test.js and the rest).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { startFakeTenant } = require('../../js/fakes/fake-tenant');
const { SEED, container, login, requestsSince } = require('../../js/fakes/dist-harness');

let es256;
let rs256;
test.before(async () => {
  [es256, rs256] = await Promise.all([startFakeTenant({ idTokenAlg: 'ES256' }), startFakeTenant()]);
});
test.after(async () => {
  await Promise.all([es256.close(), rs256.close()]);
});

function clean(r) {
  assert.deepEqual(r.violations, [], r.violations.join('; '));
  assert.equal(r.callbackCalls, 1);
  return r;
}

function refused(r, pattern) {
  clean(r);
  assert.equal(r.outcome, 'error', `expected an Error, got ${r.outcome} ${r.error && r.error.message}`);
  assert.equal(r.stored, null);
  assert.match(r.error.message, pattern);
}

/** The kinds of key a tenant's JWKS holds, and its P-256 key. */
function published(tenant) {
  const jwks = tenant.jwks().keys;
  return { kinds: jwks.map((k) => k.kty).sort(), ec: jwks.find((k) => k.kty === 'EC') };
}

test('an ES256 tenant publishes a P-256 key beside its RSA key', () => {
  const { kinds, ec } = published(es256);
  assert.deepEqual(kinds, ['EC', 'RSA']);
  assert.deepEqual([ec.crv, ec.alg, ec.use], ['P-256', 'ES256', 'sig']);
  assert.equal(Buffer.from(ec.x, 'base64url').length, 32);
  assert.deepEqual(published(rs256).kinds, ['RSA']);
});

test('ES256: the right password migrates the user, with the keys fetched once and then cached', async () => {
  const u = SEED.users.full;
  const c = container(es256);
  let mark = es256.requests.length;
  const r = clean(await login(c, u.email, u.password));
  assert.equal(r.outcome, 'success', r.error && r.error.message);
  assert.equal(r.stored.user_id, u.user_id);
  assert.equal(r.profile.email, u.email);
  assert.deepEqual(requestsSince(es256, mark), ['password', 'discovery', 'jwks']);
  mark = es256.requests.length;
  assert.equal(clean(await login(c, u.email, u.password)).outcome, 'success');
  assert.deepEqual(requestsSince(es256, mark), ['password'], 'warm: keys and the imported key object from the cache');
  const keys = c.global['auth0-lazy-migrate/keys'];
  assert.deepEqual(
    Object.keys(keys).map((k) => JSON.parse(k).kty),
    ['EC'],
    'one key object, kept under its JWK'
  );
});

test('ES256: a wrong password is still a wrong password', async () => {
  const r = clean(await login(container(es256), SEED.users.minimal.email, 'not the password'));
  assert.equal(r.outcome, 'wrong_password');
});

test('ES256: a token signed by another P-256 key under the published kid is refused', async () => {
  const u = SEED.users.minimal;
  es256.faults.set('token', { kind: 'id_token', variant: 'wrong_key', times: 1 });
  refused(await login(container(es256), u.email, u.password), /signature is not valid/);
});

test('a token naming ES256 on the kid of an RSA key is refused: the RSA key is never used for it', async () => {
  const u = SEED.users.minimal;
  rs256.faults.set('token', { kind: 'id_token', variant: 'alg_swap', times: 1 });
  const mark = rs256.requests.length;
  refused(await login(container(rs256), u.email, u.password), /key the old tenant does not publish/);
  assert.deepEqual(requestsSince(rs256, mark), ['password', 'discovery', 'jwks', 'jwks'], 'the keys once more, then refused');
});

test('a token naming RS256 on the kid of the P-256 key is refused too', async () => {
  const u = SEED.users.minimal;
  es256.faults.set('token', { kind: 'id_token', variant: 'alg_swap', times: 1 });
  refused(await login(container(es256), u.email, u.password), /key the old tenant does not publish/);
});
