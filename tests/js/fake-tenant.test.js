'use strict';
/**
 * Tests of the fake OLD Auth0 tenant itself (js/fakes/fake-tenant.js), so the migration scripts'
 * tests can trust it. Run:
 *   node js/fakes/ca.js && NODE_EXTRA_CA_CERTS=target/test-ca/ca.pem node --test tests/js/fake-tenant.test.js
 *
 * Tokens are verified here with node:crypto directly from the published JWKS, independently of the
 * fake's own JWT code.
 */

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { ensureTestCa } = require('../../js/fakes/ca');
const { startFakeTenant, SEED } = require('../../js/fakes/fake-tenant');
const { seed } = require('../../js/fakes/seed');

const APP = SEED.clients.migrationApp;
const U = SEED.users;
const REALM = SEED.grants.realm;

async function call(tenant, pathname, { method = 'GET', json, form, headers = {}, signal } = {}) {
  const init = { method, headers: { ...headers }, signal };
  if (json !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
    init.body = new URLSearchParams(form).toString();
  }
  const res = await fetch(`${tenant.url}${pathname}`, init);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, headers: res.headers, body };
}

const token = (tenant, params, opts = {}) => call(tenant, '/oauth/token', { method: 'POST', json: params, ...opts });
const realmLogin = (tenant, user, extra = {}) =>
  token(tenant, {
    grant_type: REALM,
    realm: user.connection,
    username: user.email,
    password: user.password,
    client_id: APP.client_id,
    client_secret: APP.client_secret,
    scope: 'openid profile email',
    ...extra,
  });
const ccToken = async (tenant, client = APP) => {
  const r = await token(tenant, { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, audience: tenant.audience });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.access_token;
};
const mgmt = (tenant, pathname, bearer) => call(tenant, pathname, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

/** Independent RS256 verification against a JWKS; throws an Error whose message names the failed check. */
function verifyJwt(jwt, jwks, { issuer, audience, now = Date.now() / 1000 }) {
  const [h, p, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const payload = JSON.parse(Buffer.from(p, 'base64url'));
  if (header.alg !== 'RS256') throw new Error('alg');
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error('kid');
  const key = crypto.createPublicKey({ key: { kty: jwk.kty, n: jwk.n, e: jwk.e }, format: 'jwk' });
  if (!crypto.verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))) throw new Error('signature');
  if (payload.iss !== issuer) throw new Error('iss');
  const auds = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!auds.includes(audience)) throw new Error('aud');
  if (!(payload.exp > now)) throw new Error('exp');
  return { header, payload };
}

describe('ca.js', () => {
  it('creates a CA and a 127.0.0.1 server certificate once, then reuses them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-ca-'));
    try {
      const a = ensureTestCa(dir);
      const b = ensureTestCa(dir);
      assert.equal(a.caPath, path.join(dir, 'ca.pem'));
      assert.equal(a.caPem, b.caPem);
      assert.equal(a.certPem, b.certPem);
      const ca = new crypto.X509Certificate(a.caPem);
      const cert = new crypto.X509Certificate(a.certPem);
      assert.ok(ca.ca);
      assert.ok(cert.verify(ca.publicKey));
      assert.match(cert.subjectAltName, /IP Address:127\.0\.0\.1/);
      assert.match(cert.subjectAltName, /DNS:localhost/);
      assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp') || f === '.lock').length, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('discovery and JWKS', () => {
  let t;
  before(async () => {
    t = await startFakeTenant();
  });
  after(() => t.close());

  it('serves an Auth0-shaped openid-configuration', async () => {
    const r = await call(t, '/.well-known/openid-configuration');
    assert.equal(r.status, 200);
    assert.equal(r.body.issuer, `https://${t.domain}/`);
    assert.equal(r.body.jwks_uri, `https://${t.domain}/.well-known/jwks.json`);
    assert.equal(r.body.token_endpoint, `https://${t.domain}/oauth/token`);
    assert.ok(r.body.id_token_signing_alg_values_supported.includes('RS256'));
    assert.ok(r.body.id_token_signing_alg_values_supported.includes('HS256'));
  });

  it('publishes RS256 keys with kid and x5c; rotation keeps the old key until dropped', async () => {
    const first = (await call(t, '/.well-known/jwks.json')).body;
    assert.equal(first.keys.length, 1);
    const k = first.keys[0];
    for (const f of ['kty', 'use', 'n', 'e', 'kid', 'x5t', 'x5c', 'alg']) assert.ok(k[f], f);
    assert.equal(k.alg, 'RS256');
    const newKid = t.rotateKeys();
    assert.notEqual(newKid, k.kid);
    const both = (await call(t, '/.well-known/jwks.json')).body;
    assert.deepEqual(
      both.keys.map((x) => x.kid),
      [k.kid, newKid]
    );
    const login = await realmLogin(t, U.full);
    assert.equal(JSON.parse(Buffer.from(login.body.id_token.split('.')[0], 'base64url')).kid, newKid);
    t.dropOldKeys();
    assert.deepEqual(
      (await call(t, '/.well-known/jwks.json')).body.keys.map((x) => x.kid),
      [newKid]
    );
  });

  it('answers unknown paths with a JSON 404', async () => {
    const r = await call(t, '/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.error, 'not_found');
    const m = await call(t, '/api/v2/clients');
    assert.equal(m.status, 404);
    assert.equal(m.body.statusCode, 404);
  });
});

describe('password grants', () => {
  let t;
  before(async () => {
    t = await startFakeTenant();
  });
  after(() => t.close());

  it('password-realm: success with a verifiable RS256 ID token carrying profile, email and namespaced claims', async () => {
    const r = await realmLogin(t, U.full);
    assert.equal(r.status, 200);
    assert.deepEqual(Object.keys(r.body).sort(), ['access_token', 'expires_in', 'id_token', 'scope', 'token_type']);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.expires_in, 86400);
    assert.equal(r.body.scope, 'openid profile email');
    const jwks = (await call(t, '/.well-known/jwks.json')).body;
    const { header, payload } = verifyJwt(r.body.id_token, jwks, { issuer: t.issuer, audience: APP.client_id });
    assert.equal(header.kid, t.activeKid);
    assert.equal(payload.iss, `https://${t.domain}/`);
    assert.equal(payload.sub, U.full.user_id);
    assert.equal(payload.exp - payload.iat, 36000);
    assert.equal(payload.email, 'ada.lovelace@example.com');
    assert.equal(payload.email_verified, true);
    assert.equal(payload.name, 'Ada Lovelace');
    assert.equal(payload.nickname, 'ada');
    assert.equal(payload.given_name, 'Ada');
    assert.equal(payload.family_name, 'Lovelace');
    assert.ok(payload.picture.startsWith('https://'));
    assert.ok(!Number.isNaN(Date.parse(payload.updated_at)));
    assert.equal(payload.username, undefined, 'Auth0 does not put username in ID tokens');
    assert.deepEqual(payload['https://migrationapp/user_metadata'].plan, 'pro');
    assert.deepEqual(payload['https://migrationapp/app_metadata'].roles, ['admin', 'billing']);
    assert.equal(payload['https://migrationapp/app_metadata'].migration_complete, undefined);
    const stored = t.findUser(U.full.user_id);
    assert.equal(stored.app_metadata.migration_complete, true, 'claims producer marks the old user');
    assert.equal(stored.logins_count, 43);
  });

  it('accepts form-encoded bodies too', async () => {
    const r = await call(t, '/oauth/token', {
      method: 'POST',
      form: {
        grant_type: REALM,
        realm: 'legacy-db',
        username: U.minimal.email,
        password: U.minimal.password,
        client_id: APP.client_id,
        client_secret: APP.client_secret,
        scope: 'openid profile email',
      },
    });
    assert.equal(r.status, 200);
    const { payload } = verifyJwt(r.body.id_token, t.jwks(), { issuer: t.issuer, audience: APP.client_id });
    assert.equal(payload.email_verified, false);
    assert.deepEqual(payload['https://migrationapp/user_metadata'], {});
  });

  it('plain password grant uses the Default Directory', async () => {
    const ok = await token(t, {
      grant_type: 'password',
      username: U.defaultDirectory.email,
      password: U.defaultDirectory.password,
      client_id: APP.client_id,
      client_secret: APP.client_secret,
      scope: 'openid profile email',
    });
    assert.equal(ok.status, 200);
    const legacyUser = await token(t, { grant_type: 'password', username: U.full.email, password: U.full.password, client_id: APP.client_id, client_secret: APP.client_secret, scope: 'openid' });
    assert.equal(legacyUser.status, 403);
    assert.deepEqual(legacyUser.body, { error: 'invalid_grant', error_description: 'Wrong email or password.' });
  });

  it('matches the login email case-insensitively, and the username', async () => {
    const mixed = await realmLogin(t, U.mixedCase, { username: 'MIXED.case@example.com' });
    assert.equal(mixed.status, 200);
    const byUsername = await realmLogin(t, U.username, { username: 'dev+ops-1' });
    assert.equal(byUsername.status, 200);
    assert.equal(verifyJwt(byUsername.body.id_token, t.jwks(), { issuer: t.issuer, audience: APP.client_id }).payload.sub, U.username.user_id);
  });

  it('keeps the same email apart per connection', async () => {
    const a = await realmLogin(t, U.sameEmailDefault);
    const b = await realmLogin(t, U.sameEmailLegacy);
    const sub = (r) => verifyJwt(r.body.id_token, t.jwks(), { issuer: t.issuer, audience: APP.client_id }).payload.sub;
    assert.equal(sub(a), U.sameEmailDefault.user_id);
    assert.equal(sub(b), U.sameEmailLegacy.user_id);
    const crossed = await realmLogin(t, U.sameEmailLegacy, { password: U.sameEmailDefault.password });
    assert.equal(crossed.status, 403);
  });

  it('addUser stores email and username lower-cased', async () => {
    const u = t.addUser({
      user_id: 'auth0|65a1b2c3d4e5f60718293a4b',
      connection: 'legacy-db',
      password: 'correct horse battery staple 12',
      email: 'New.Person@Example.com',
      username: 'New_Person',
      email_verified: true,
      name: 'New Person',
      nickname: 'new',
      picture: 'https://example.com/p.png',
      created_at: '2024-01-01T00:00:00.000Z',
      updated_at: '2024-01-01T00:00:00.000Z',
    });
    assert.equal(u.email, 'new.person@example.com');
    assert.equal((await realmLogin(t, { ...U.full, email: 'NEW_person', password: u.password })).status, 200);
  });

  it('returns no ID token without the openid scope', async () => {
    const r = await realmLogin(t, U.minimal, { scope: undefined });
    assert.equal(r.status, 200);
    assert.equal(r.body.id_token, undefined);
  });

  const cases = [
    ['wrong password', () => realmLogin(t, U.minimal, { password: 'nope' }), 403, { error: 'invalid_grant', error_description: 'Wrong email or password.' }],
    ['unknown user', () => realmLogin(t, U.minimal, { username: 'ghost@example.com' }), 403, { error: 'invalid_grant', error_description: 'Wrong email or password.' }],
    ['wrong client secret', () => realmLogin(t, U.full, { client_secret: 'wrong' }), 401, { error: 'access_denied', error_description: 'Unauthorized' }],
    ['unknown client', () => realmLogin(t, U.full, { client_id: 'nobody' }), 401, { error: 'access_denied', error_description: 'Unauthorized' }],
    ['missing client_id', () => realmLogin(t, U.full, { client_id: undefined }), 400, { error: 'invalid_request', error_description: 'Missing required parameter: client_id' }],
    [
      'grant not allowed',
      () => realmLogin(t, U.full, { client_id: SEED.clients.ccOnly.client_id, client_secret: SEED.clients.ccOnly.client_secret }),
      403,
      { error: 'unauthorized_client', error_description: "Grant type 'http://auth0.com/oauth/grant-type/password-realm' not allowed for the client." },
    ],
    ['unknown realm', () => realmLogin(t, U.full, { realm: 'legacy-DB' }), 400, { error: 'invalid_request', error_description: 'Unknown realm: legacy-DB' }],
    ['connection not enabled', () => realmLogin(t, U.notEnabled), 400, { error: 'invalid_request', error_description: 'the connection was disabled' }],
    ['missing password', () => realmLogin(t, U.full, { password: '' }), 400, { error: 'invalid_request', error_description: 'Missing required parameter: password' }],
    ['blocked user', () => realmLogin(t, U.blocked), 401, { error: 'unauthorized', error_description: 'user is blocked' }],
  ];
  for (const [name, run, status, body] of cases) {
    it(`error: ${name}`, async () => {
      const r = await run();
      assert.equal(r.status, status);
      assert.deepEqual(r.body, body);
    });
  }

  it('error: breached password -> 401 password_leaked', async () => {
    const r = await realmLogin(t, U.leaked);
    assert.equal(r.status, 401);
    assert.equal(r.body.error, 'password_leaked');
    assert.match(r.body.error_description, /leaked/);
    assert.equal((await realmLogin(t, U.leaked, { password: 'x' })).status, 403, 'a wrong password is still just wrong');
  });

  it('error: MFA user -> 403 mfa_required with mfa_token (password was right)', async () => {
    const r = await realmLogin(t, U.mfa);
    assert.equal(r.status, 403);
    assert.equal(r.body.error, 'mfa_required');
    assert.equal(r.body.error_description, 'Multifactor authentication required');
    assert.equal(typeof r.body.mfa_token, 'string');
    assert.equal((await realmLogin(t, U.mfa, { password: 'x' })).body.error, 'invalid_grant');
  });

  it('error: no Default Directory configured -> 500 server_error', async () => {
    const s = seed();
    s.defaultDirectory = null;
    const t2 = await startFakeTenant({ seed: s });
    try {
      const r = await token(t2, { grant_type: 'password', username: U.defaultDirectory.email, password: U.defaultDirectory.password, client_id: APP.client_id, client_secret: APP.client_secret });
      assert.equal(r.status, 500);
      assert.equal(r.body.error, 'server_error');
    } finally {
      await t2.close();
    }
  });
});

describe('claims producer', () => {
  it('is off with claimsProducer:false: no namespaced claims, old user untouched', async () => {
    const t = await startFakeTenant({ claimsProducer: false });
    try {
      const r = await realmLogin(t, U.full);
      const { payload } = verifyJwt(r.body.id_token, t.jwks(), { issuer: t.issuer, audience: APP.client_id });
      assert.equal(
        Object.keys(payload).some((k) => k.startsWith('https://')),
        false
      );
      assert.equal(t.findUser(U.full.user_id).app_metadata.migration_complete, undefined);
    } finally {
      await t.close();
    }
  });

  it('only acts for the Migration App; honours a custom namespace', async () => {
    const t = await startFakeTenant({ claimsProducer: { namespace: 'https://example.org/claims/', enabled: true } });
    try {
      const other = SEED.clients.noScope;
      const r = await realmLogin(t, U.full, { client_id: other.client_id, client_secret: other.client_secret });
      const p1 = verifyJwt(r.body.id_token, t.jwks(), { issuer: t.issuer, audience: other.client_id }).payload;
      assert.equal(p1['https://example.org/claims/user_metadata'], undefined);
      assert.equal(t.findUser(U.full.user_id).app_metadata.migration_complete, undefined);
      const mine = await realmLogin(t, U.full);
      const p2 = verifyJwt(mine.body.id_token, t.jwks(), { issuer: t.issuer, audience: APP.client_id }).payload;
      assert.equal(p2['https://example.org/claims/user_metadata'].plan, 'pro');
    } finally {
      await t.close();
    }
  });
});

describe('brute-force protection', () => {
  it('blocks user+IP after bruteForceLimit failures, even for the right password, until reset', async () => {
    const t = await startFakeTenant({ bruteForceLimit: 3 });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await realmLogin(t, U.full, { password: 'bad' })).status, 403);
      const blocked = await realmLogin(t, U.full);
      assert.equal(blocked.status, 429);
      assert.equal(blocked.body.error, 'too_many_attempts');
      assert.equal((await realmLogin(t, U.minimal)).status, 200, 'other users are not affected');
      t.resetBruteForce(U.full.user_id);
      assert.equal((await realmLogin(t, U.full)).status, 200);
    } finally {
      await t.close();
    }
  });

  it('a success resets the count; auth0-forwarded-for counts per end-user IP only for trusting clients', async () => {
    const t = await startFakeTenant({ bruteForceLimit: 2 });
    try {
      await realmLogin(t, U.full, { password: 'bad' });
      assert.equal((await realmLogin(t, U.full)).status, 200);
      await realmLogin(t, U.full, { password: 'bad' });
      assert.equal((await realmLogin(t, U.full)).status, 200, 'count restarted after the success');

      const fwd = (ip) => ({ headers: { 'auth0-forwarded-for': ip } });
      const loginFrom = (ip, password) =>
        token(
          t,
          {
            grant_type: REALM,
            realm: 'legacy-db',
            username: U.minimal.email,
            password,
            client_id: APP.client_id,
            client_secret: APP.client_secret,
          },
          fwd(ip)
        );
      await loginFrom('203.0.113.1', 'bad');
      await loginFrom('203.0.113.2', 'bad');
      assert.equal((await loginFrom('203.0.113.3', U.minimal.password)).status, 429, 'untrusted header: all one IP');
      t.resetBruteForce();
      t.clients.find((c) => c.client_id === APP.client_id).token_endpoint_ip_header_trusted = true;
      await loginFrom('203.0.113.1', 'bad');
      await loginFrom('203.0.113.1', 'bad');
      assert.equal((await loginFrom('203.0.113.1', U.minimal.password)).status, 429);
      assert.equal((await loginFrom('203.0.113.9', U.minimal.password)).status, 200, 'another end-user IP is not blocked');
    } finally {
      await t.close();
    }
  });
});

describe('client credentials', () => {
  let t;
  before(async () => {
    t = await startFakeTenant();
  });
  after(() => t.close());

  it('issues an RS256 Management API token with the granted scopes', async () => {
    const r = await token(t, { grant_type: 'client_credentials', client_id: APP.client_id, client_secret: APP.client_secret, audience: `https://${t.domain}/api/v2/` });
    assert.equal(r.status, 200);
    assert.equal(r.body.token_type, 'Bearer');
    assert.equal(r.body.expires_in, 86400);
    assert.equal(r.body.scope, 'read:users');
    const { payload } = verifyJwt(r.body.access_token, t.jwks(), { issuer: t.issuer, audience: t.audience });
    assert.equal(payload.scope, 'read:users');
    assert.equal(payload.sub, `${APP.client_id}@clients`);
    assert.equal(payload.gty, 'client-credentials');
  });

  const cases = [
    ['no audience', { audience: undefined }, 403, 'access_denied', /No audience parameter/],
    ['audience without trailing slash', (tt) => ({ audience: `https://${tt.domain}/api/v2` }), 403, 'access_denied', /^Service not found: /],
    ['client without a client grant', { client_id: SEED.clients.noGrant.client_id, client_secret: SEED.clients.noGrant.client_secret }, 403, 'access_denied', /not authorized to access/],
    ['scope not granted', { scope: 'read:users update:users' }, 403, 'access_denied', /Client has not been granted scopes: update:users/],
    ['wrong secret', { client_secret: 'x' }, 401, 'access_denied', /^Unauthorized$/],
  ];
  for (const [name, extra, status, error, re] of cases) {
    it(`error: ${name}`, async () => {
      const more = typeof extra === 'function' ? extra(t) : extra;
      const r = await token(t, { grant_type: 'client_credentials', client_id: APP.client_id, client_secret: APP.client_secret, audience: t.audience, ...more });
      assert.equal(r.status, status);
      assert.equal(r.body.error, error);
      assert.match(r.body.error_description, re);
    });
  }
});

describe('Management API', () => {
  let t;
  let bearer;
  before(async () => {
    t = await startFakeTenant();
    bearer = await ccToken(t);
  });
  after(() => t.close());

  it('401/400 bodies for missing, malformed, invalid, foreign and expired tokens', async () => {
    const url = `/api/v2/users-by-email?email=${encodeURIComponent(U.full.email)}`;
    const none = await mgmt(t, url);
    assert.equal(none.status, 401);
    assert.deepEqual(none.body, { statusCode: 401, error: 'Unauthorized', message: 'Missing authentication' });
    const basic = await call(t, url, { headers: { authorization: 'Basic abc' } });
    assert.equal(basic.status, 400);
    assert.equal(basic.body.message, 'Bad HTTP authentication header format');
    const garbage = await mgmt(t, url, 'not-a-jwt');
    assert.deepEqual(garbage.body, { statusCode: 401, error: 'Unauthorized', message: 'Invalid token', attributes: { error: 'Invalid token' } });
    const rogue = await mgmt(t, url, t.mgmtToken({ kind: 'rogue' }));
    assert.equal(rogue.body.message, 'Invalid token');
    const wrongAud = await mgmt(t, url, t.mgmtToken({ audience: 'https://other.example.com/api/v2/' }));
    assert.equal(wrongAud.status, 401);
    assert.match(wrongAud.body.message, /^Bad audience/);
    const expired = await mgmt(t, url, t.mgmtToken({ expiresIn: -10 }));
    assert.equal(expired.status, 401);
    assert.equal(expired.body.message, 'Expired token received for JSON Web Token validation');
  });

  it('403 insufficient_scope without read:users', async () => {
    const noScope = await ccToken(t, SEED.clients.noScope);
    const r = await mgmt(t, `/api/v2/users-by-email?email=${encodeURIComponent(U.full.email)}`, noScope);
    assert.equal(r.status, 403);
    assert.deepEqual(r.body, { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: read:users', errorCode: 'insufficient_scope' });
  });

  it('a token signed by a rotated-out key works until the key is dropped', async () => {
    const t2 = await startFakeTenant();
    try {
      const oldToken = await ccToken(t2);
      t2.rotateKeys();
      assert.equal((await mgmt(t2, `/api/v2/users/${encodeURIComponent(U.full.user_id)}`, oldToken)).status, 200);
      t2.dropOldKeys();
      assert.equal((await mgmt(t2, `/api/v2/users/${encodeURIComponent(U.full.user_id)}`, oldToken)).status, 401);
    } finally {
      await t2.close();
    }
  });

  it('users-by-email: Auth0 user objects, lower-cased storage, case-sensitive lookup', async () => {
    const r = await mgmt(t, `/api/v2/users-by-email?email=${encodeURIComponent('ada.lovelace@example.com')}`, bearer);
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 1);
    const u = r.body[0];
    assert.equal(u.user_id, U.full.user_id);
    assert.deepEqual(u.identities, [{ connection: 'legacy-db', provider: 'auth0', user_id: '5f7c8ec7c33c6c004bbafe82', isSocial: false }]);
    for (const f of [
      'email',
      'email_verified',
      'username',
      'name',
      'nickname',
      'given_name',
      'family_name',
      'picture',
      'user_metadata',
      'app_metadata',
      'created_at',
      'updated_at',
      'last_login',
      'logins_count',
    ]) {
      assert.ok(f in u, f);
    }
    assert.equal('blocked' in u, false);
    assert.equal('password' in u, false);

    const mixedStored = await mgmt(t, `/api/v2/users-by-email?email=${encodeURIComponent('mixed.case@example.com')}`, bearer);
    assert.equal(mixedStored.body.length, 1);
    const mixedAsTyped = await mgmt(t, `/api/v2/users-by-email?email=${encodeURIComponent(U.mixedCase.email)}`, bearer);
    assert.deepEqual(mixedAsTyped.body, [], 'Auth0 documents this lookup as case-sensitive');

    const both = await mgmt(t, `/api/v2/users-by-email?email=same.email%40example.com`, bearer);
    assert.deepEqual(both.body.map((x) => x.identities[0].connection).sort(), ['Username-Password-Authentication', 'legacy-db']);

    const blocked = await mgmt(t, `/api/v2/users-by-email?email=${encodeURIComponent(U.blocked.email)}`, bearer);
    assert.equal(blocked.body[0].blocked, true);
    const bare = await mgmt(t, `/api/v2/users-by-email?email=${encodeURIComponent(U.minimal.email)}`, bearer);
    assert.equal('user_metadata' in bare.body[0], false);
    assert.equal(bare.body[0].email_verified, false);

    const missing = await mgmt(t, '/api/v2/users-by-email', bearer);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errorCode, 'invalid_query_string');
    const fields = await mgmt(t, `/api/v2/users-by-email?email=ada.lovelace%40example.com&fields=user_id,email`, bearer);
    assert.deepEqual(Object.keys(fields.body[0]).sort(), ['email', 'user_id']);
  });

  it("users-by-email with usersByEmailMatch:'insensitive'", async () => {
    const t2 = await startFakeTenant({ usersByEmailMatch: 'insensitive' });
    try {
      const r = await mgmt(t2, `/api/v2/users-by-email?email=${encodeURIComponent(U.mixedCase.email)}`, await ccToken(t2));
      assert.equal(r.body.length, 1);
    } finally {
      await t2.close();
    }
  });

  it('users/{id}: url-encoded id, 404 body', async () => {
    const r = await mgmt(t, `/api/v2/users/${encodeURIComponent(U.username.user_id)}`, bearer);
    assert.equal(r.status, 200);
    assert.equal(r.body.username, 'dev+ops-1');
    const nf = await mgmt(t, `/api/v2/users/${encodeURIComponent('auth0|000000000000000000000000')}`, bearer);
    assert.equal(nf.status, 404);
    assert.deepEqual(nf.body, { statusCode: 404, error: 'Not Found', message: 'The user does not exist.', errorCode: 'inexistent_user' });
  });

  it('users search: fields, quoting, escaping, AND, whole-value matching, errors', async () => {
    const q = async (query, extra = '') => {
      const r = await mgmt(t, `/api/v2/users?q=${encodeURIComponent(query)}&search_engine=v3${extra}`, bearer);
      return r;
    };
    const ids = (r) => r.body.map((u) => u.user_id);
    assert.deepEqual(ids(await q('username:dev\\+ops\\-1')), [U.username.user_id]);
    assert.deepEqual(ids(await q('username:"dev+ops-1"')), [U.username.user_id]);
    assert.deepEqual(ids(await q('username:"DEV+OPS-1"')), [], 'username is case-sensitive in search');
    assert.deepEqual(ids(await q('email:"ADA.Lovelace@example.com"')), [U.full.user_id], 'email is case-insensitive in search');
    assert.deepEqual(ids(await q('email:"same.email@example.com" AND identities.connection:"legacy-db"')), [U.sameEmailLegacy.user_id]);
    assert.deepEqual(ids(await q(`user_id:"${U.full.user_id}"`)), [U.full.user_id]);
    assert.deepEqual(ids(await q('user_id:auth0')), [], 'fields match whole values');
    assert.deepEqual(ids(await q('username:"a\\"b"')), []);

    const bad = await q('username:"unterminated');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.statusCode, 400);
    assert.equal(bad.body.error, 'Bad Request');
    assert.equal((await q('username:')).status, 400);
    assert.equal((await q('username:a\\')).status, 400);
    const unsupported = await q('logins_count:[1 TO 5]');
    assert.equal(unsupported.status, 400);
    assert.equal(unsupported.body.errorCode, 'fake_tenant_unsupported_query');

    const totals = await q('identities.connection:"legacy-db"', '&include_totals=true&per_page=2');
    assert.equal(totals.body.users.length, 2);
    assert.ok(totals.body.total > 2);
    t.hiddenFromSearch.add(U.username.user_id);
    assert.deepEqual(ids(await q('username:"dev+ops-1"')), [], 'index lag simulation');
    t.hiddenFromSearch.clear();
  });
});

describe('rate limit option', () => {
  it('answers 429 too_many_requests with X-RateLimit-* and Retry-After once the window is used up', async () => {
    const t = await startFakeTenant({ rateLimit: { perMinute: 2 } });
    try {
      const first = await realmLogin(t, U.minimal);
      assert.equal(first.headers.get('x-ratelimit-remaining'), '1');
      await realmLogin(t, U.minimal);
      const r = await realmLogin(t, U.minimal);
      assert.equal(r.status, 429);
      assert.deepEqual(r.body, { error: 'too_many_requests', error_description: 'Global limit has been reached' });
      assert.equal(r.headers.get('x-ratelimit-limit'), '2');
      assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
      const reset = Number(r.headers.get('x-ratelimit-reset'));
      assert.ok(reset > Date.now() / 1000 && reset <= Date.now() / 1000 + 61);
      assert.ok(Number(r.headers.get('retry-after')) >= 1);
      // The Management API has its own window and the Management error shape.
      const bearer = t.mgmtToken();
      await mgmt(t, '/api/v2/users-by-email?email=x%40y.z', bearer);
      await mgmt(t, '/api/v2/users-by-email?email=x%40y.z', bearer);
      const m = await mgmt(t, '/api/v2/users-by-email?email=x%40y.z', bearer);
      assert.equal(m.status, 429);
      assert.equal(m.body.statusCode, 429);
      assert.equal(m.body.errorCode, 'too_many_requests');
    } finally {
      await t.close();
    }
  });
});

describe('faults', () => {
  let t;
  before(async () => {
    t = await startFakeTenant();
  });
  after(() => t.close());

  it('latency delays the answer', async () => {
    t.faults.set('discovery', { kind: 'latency', ms: 60, times: 1 });
    const t0 = Date.now();
    const r = await call(t, '/.well-known/openid-configuration');
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 >= 55);
    assert.deepEqual(t.faults.list(), {}, 'times:1 clears itself');
  });

  it('hang never answers, and close() still ends it', async () => {
    const t2 = await startFakeTenant();
    t2.faults.set('token', { kind: 'hang' });
    const pending = realmLogin(t2, U.full, {}).catch((e) => e);
    await new Promise((r) => setTimeout(r, 30));
    await t2.close(); // resolves although a request hangs (the test's own timeout would catch a hang)
    assert.ok((await pending) instanceof Error);
    const timed = await startFakeTenant();
    try {
      timed.faults.set('jwks', { kind: 'hang' });
      await assert.rejects(call(timed, '/.well-known/jwks.json', { signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' });
    } finally {
      await timed.close();
    }
  });

  it('status: default Auth0-shaped bodies, or a given one', async () => {
    t.faults.set('token', { kind: 'status', status: 503, times: 1 });
    const a = await realmLogin(t, U.full);
    assert.equal(a.status, 503);
    assert.equal(a.body.error, 'temporarily_unavailable');
    t.faults.set('users-by-email', { kind: 'status', status: 500, times: 1 });
    const b = await mgmt(t, '/api/v2/users-by-email?email=a%40b.c', t.mgmtToken());
    assert.equal(b.status, 500);
    assert.equal(b.body.statusCode, 500);
    t.faults.set('user', { kind: 'status', status: 502, body: 'Bad Gateway', times: 1 });
    const c = await mgmt(t, `/api/v2/users/${encodeURIComponent(U.full.user_id)}`, t.mgmtToken());
    assert.equal(c.status, 502);
    assert.equal(c.body, 'Bad Gateway');
  });

  it('rate_limit: 429 with Retry-After and X-RateLimit-*', async () => {
    t.faults.set('users-search', { kind: 'rate_limit', retryAfter: 3, times: 1 });
    const r = await mgmt(t, '/api/v2/users?q=email%3Ax&search_engine=v3', t.mgmtToken());
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '3');
    assert.equal(r.headers.get('x-ratelimit-remaining'), '0');
    assert.ok(Number(r.headers.get('x-ratelimit-reset')) >= Math.floor(Date.now() / 1000) + 2);
    assert.equal(r.body.errorCode, 'too_many_requests');
  });

  it('reset destroys the connection', async () => {
    t.faults.set('jwks', { kind: 'reset', times: 1 });
    await assert.rejects(call(t, '/.well-known/jwks.json'), TypeError);
    assert.equal((await call(t, '/.well-known/jwks.json')).status, 200);
  });

  it('truncated sends a valid JSON start, then the connection ends', async () => {
    t.faults.set('discovery', { kind: 'truncated', times: 1 });
    const res = await fetch(`${t.url}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    await assert.rejects(res.text());
  });

  it('malformed answers 200 with a non-JSON body', async () => {
    t.faults.set('token', { kind: 'malformed', times: 1 });
    const res = await fetch(`${t.url}/oauth/token`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
    await assert.rejects(res.json(), SyntaxError);
  });

  it("times:N fires N times; '*' covers every route; clear() removes", async () => {
    t.faults.set('*', { kind: 'status', status: 503, times: 2 });
    assert.equal((await call(t, '/.well-known/jwks.json')).status, 503);
    assert.equal((await call(t, '/.well-known/openid-configuration')).status, 503);
    assert.equal((await call(t, '/.well-known/jwks.json')).status, 200);
    t.faults.set('jwks', { kind: 'status', status: 500 });
    t.faults.clear('jwks');
    assert.equal((await call(t, '/.well-known/jwks.json')).status, 200);
    t.faults.set('jwks', { kind: 'status', status: 500 });
    t.faults.clear();
    assert.equal((await call(t, '/.well-known/jwks.json')).status, 200);
    assert.throws(() => t.faults.set('nope', { kind: 'hang' }));
    assert.throws(() => t.faults.set('token', { kind: 'id_token', variant: 'nope' }));
  });

  const variants = [
    ['unknown_kid', 'kid'],
    ['wrong_key', 'signature'],
    ['wrong_iss', 'iss'],
    ['wrong_aud', 'aud'],
    ['expired', 'exp'],
    ['alg_none', 'alg'],
    ['hs256', 'alg'],
  ];
  for (const [variant, failure] of variants) {
    it(`id_token ${variant} fails the ${failure} check`, async () => {
      t.faults.set('token', { kind: 'id_token', variant, times: 1 });
      const r = await realmLogin(t, U.full);
      assert.equal(r.status, 200);
      assert.throws(() => verifyJwt(r.body.id_token, t.jwks(), { issuer: t.issuer, audience: APP.client_id }), { message: failure });
      const ok = await realmLogin(t, U.full);
      verifyJwt(ok.body.id_token, t.jwks(), { issuer: t.issuer, audience: APP.client_id });
    });
  }

  it('id_token other_user verifies but names someone else; the fault waits for a successful login', async () => {
    t.faults.set('token', { kind: 'id_token', variant: 'other_user', times: 1 });
    assert.equal((await realmLogin(t, U.full, { password: 'bad' })).status, 403);
    const r = await realmLogin(t, U.full);
    const { payload } = verifyJwt(r.body.id_token, t.jwks(), { issuer: t.issuer, audience: APP.client_id });
    assert.notEqual(payload.sub, U.full.user_id);
    assert.notEqual(payload.email, U.full.email);
  });

  it('hs256 variant is an HMAC over the client secret (the classic alg confusion)', async () => {
    t.faults.set('token', { kind: 'id_token', variant: 'hs256', times: 1 });
    const r = await realmLogin(t, U.full);
    const [h, p, s] = r.body.id_token.split('.');
    const mac = crypto.createHmac('sha256', APP.client_secret).update(`${h}.${p}`).digest('base64url');
    assert.equal(s, mac);
  });
});

describe('request log', () => {
  it('records every request without passwords, secrets or tokens', async () => {
    const t = await startFakeTenant();
    try {
      const bearer = await ccToken(t);
      await realmLogin(t, U.full);
      await realmLogin(t, U.minimal, { password: 'a wrong password' });
      await call(t, '/oauth/token', {
        method: 'POST',
        form: { grant_type: 'password', username: U.defaultDirectory.email, password: U.defaultDirectory.password, client_id: APP.client_id, client_secret: APP.client_secret },
      });
      await mgmt(t, `/api/v2/users-by-email?email=${encodeURIComponent(U.full.email)}`, bearer);
      await mgmt(t, `/api/v2/users?q=${encodeURIComponent('username:"dev+ops-1"')}&search_engine=v3&access_token=${bearer}`, bearer);
      t.faults.set('jwks', { kind: 'reset', times: 1 });
      await call(t, '/.well-known/jwks.json').catch(() => {});

      assert.equal(t.requests.length, 7);
      const login = t.requests[1];
      assert.equal(login.method, 'POST');
      assert.equal(login.path, '/oauth/token');
      assert.equal(login.grant_type, REALM);
      assert.equal(login.realm, 'legacy-db');
      assert.equal(login.status, 200);
      assert.ok(!Number.isNaN(Date.parse(login.at)));
      assert.equal(t.requests[2].status, 403);
      assert.equal(t.requests[4].query.email, U.full.email);
      assert.equal(t.requests[5].query.access_token, '[redacted]');
      assert.equal(t.requests[6].fault, 'reset');

      const text = JSON.stringify(t.requests);
      for (const secret of [APP.client_secret, U.full.password, U.minimal.password, 'a wrong password', U.defaultDirectory.password, bearer, 'eyJ']) {
        assert.equal(text.includes(secret), false, `log leaks ${secret.slice(0, 12)}`);
      }
    } finally {
      await t.close();
    }
  });
});

describe('clock', () => {
  it('clockSkewSeconds shifts the tenant clock in issued tokens', async () => {
    const t = await startFakeTenant({ clockSkewSeconds: -600, idTokenLifetime: 300 });
    try {
      const r = await realmLogin(t, U.full);
      const p = JSON.parse(Buffer.from(r.body.id_token.split('.')[1], 'base64url'));
      assert.ok(Math.abs(p.iat - (Date.now() / 1000 - 600)) < 5);
      assert.equal(p.exp - p.iat, 300);
      assert.ok(p.exp < Date.now() / 1000, 'already expired by the real clock');
    } finally {
      await t.close();
    }
  });
});
