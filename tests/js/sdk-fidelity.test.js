'use strict';
/**
 * Fidelity check of the fake old tenant: the official Auth0 Node SDK (npm `auth0`, pinned exactly in
 * package.json) must work against it unmodified. The SDK was written against the real Auth0, so where
 * it and the fake disagree, the fake is wrong and gets fixed (js/fakes/fake-tenant*).
 *
 * Two entry points of the one pinned package are used:
 * - `auth0/legacy`: the SDK's AuthenticationClient (since v7 the main entry point ships only the
 *   Management API client; the legacy entry keeps the v4 Authentication API client). Its password
 *   grants validate the ID token themselves: signature against `https://{domain}/.well-known/jwks.json`,
 *   `iss` = `https://{domain}/`, `aud` = the client id, `exp`/`iat`.
 * - `auth0`: the ManagementClient, which fetches its own client-credentials token
 *   (audience `https://{domain}/api/v2/`) and reads users.
 * `domain` is the fake's `127.0.0.1:PORT`; the SDK always speaks HTTPS, and the fake's CA is trusted
 * through NODE_EXTRA_CA_CERTS (set by the Makefile). Each part runs only on the Node versions its
 * package's `engines` field declares; elsewhere each of its tests is skipped with the reason (counted
 * in the runner's `skipped` total), never silently.
 */
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { startFakeTenant, SEED } = require('../../js/fakes/fake-tenant');

const APP = SEED.clients.migrationApp;
const U = SEED.users;
const SCOPE = 'openid profile email';
const MODULES = path.join(__dirname, '..', '..', 'node_modules');

/** `engines.node` of an installed package (read from disk: package exports hide package.json). */
function enginesOf(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(MODULES, dir, 'package.json'), 'utf8'));
  return { label: `${pkg.name}@${pkg.version} (${dir})`, range: pkg.engines && pkg.engines.node };
}

/**
 * Whether `version` (e.g. v18.20.8) satisfies an engines range made of `^X.Y.Z` / `>=X.Y.Z`
 * alternatives joined by `||` - the only forms the SDK uses. Anything else throws, so a new pin
 * with a new kind of range is noticed instead of silently run or skipped.
 */
function satisfies(version, range) {
  if (!range) return true;
  const v = version.replace(/^v/, '').split('.').map(Number);
  const cmp = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  return range.split('||').some((alt) => {
    const m = /^\s*(\^|>=)\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?\s*$/.exec(alt);
    if (!m) throw new Error(`unsupported engines range "${alt.trim()}" in "${range}"`);
    const low = [Number(m[2]), Number(m[3] || 0), Number(m[4] || 0)];
    return cmp(v, low) >= 0 && (m[1] === '>=' || v[0] === low[0]);
  });
}

/** `false` (run) on a supported Node, else the skip reason naming the package and its range. */
function skipUnlessSupported(dir) {
  const { label, range } = enginesOf(dir);
  return satisfies(process.version, range) ? false : `${label} supports Node ${range}; this is Node ${process.version}`;
}

let tenant;
before(async () => {
  tenant = await startFakeTenant();
});
after(async () => {
  await tenant.close();
});

const tokenRequests = () => tenant.requests.filter((q) => q.path === '/oauth/token');

describe('AuthenticationClient (auth0/legacy)', () => {
  const skip = skipUnlessSupported('auth0-legacy');
  let auth;
  let sdk;
  before(() => {
    if (skip) return;
    sdk = require('auth0/legacy');
    auth = new sdk.AuthenticationClient({ domain: tenant.domain, clientId: APP.client_id, clientSecret: APP.client_secret });
  });

  it('password-realm grant: the SDK validates the ID token against the fake JWKS, issuer and audience', { skip }, async () => {
    const from = tenant.requests.length;
    const { data } = await auth.oauth.passwordGrant({ username: U.full.email, password: U.full.password, realm: U.full.connection, scope: SCOPE });
    const claims = JSON.parse(Buffer.from(data.id_token.split('.')[1], 'base64url').toString('utf8'));
    assert.equal(claims.sub, U.full.user_id);
    assert.equal(claims.iss, `https://${tenant.domain}/`);
    assert.equal(claims.aud, APP.client_id);
    const sent = tenant.requests.slice(from);
    assert.equal(sent.find((q) => q.path === '/oauth/token').grant_type, SEED.grants.realm);
    assert.ok(
      sent.some((q) => q.path === '/.well-known/jwks.json' && q.status === 200),
      'the SDK fetched the JWKS to check the signature'
    );
  });

  it('plain password grant (no realm) logs a Default Directory user in', { skip }, async () => {
    const u = U.defaultDirectory;
    const from = tokenRequests().length;
    const { data } = await auth.oauth.passwordGrant({ username: u.email, password: u.password, scope: SCOPE });
    assert.ok(data.id_token && data.access_token);
    assert.equal(tokenRequests()[from].grant_type, 'password');
  });

  for (const [variant, why] of [
    ['wrong_key', /signature/i],
    ['wrong_iss', /\(iss\)/],
    ['wrong_aud', /\(aud\)/],
  ]) {
    it(`rejects an ID token the fake tampered with (${variant})`, { skip }, async () => {
      tenant.faults.set('token', { kind: 'id_token', variant, times: 1 });
      try {
        await assert.rejects(auth.oauth.passwordGrant({ username: U.minimal.email, password: U.minimal.password, realm: U.minimal.connection, scope: SCOPE }), (err) => why.test(err.message));
      } finally {
        tenant.faults.clear();
      }
    });
  }

  it('client credentials grant gives a Management API token', { skip }, async () => {
    const { data } = await auth.oauth.clientCredentialsGrant({ audience: tenant.audience });
    assert.equal(data.token_type, 'Bearer');
    assert.match(data.scope, /\bread:users\b/);
    assert.ok(data.expires_in > 0);
  });

  it('a wrong password is an AuthApiError exposing invalid_grant and HTTP 403', { skip }, async () => {
    await assert.rejects(
      auth.oauth.passwordGrant({ username: U.minimal.email, password: 'not the password', realm: U.minimal.connection, scope: SCOPE }),
      (err) => err instanceof sdk.AuthApiError && err.error === 'invalid_grant' && err.statusCode === 403
    );
  });
});

describe('ManagementClient (auth0)', () => {
  const skip = skipUnlessSupported('auth0');
  let mgmt;
  before(() => {
    if (skip) return;
    const { ManagementClient } = require('auth0');
    mgmt = new ManagementClient({ domain: tenant.domain, clientId: APP.client_id, clientSecret: APP.client_secret });
  });

  it('users-by-email, with the token it fetched by client credentials', { skip }, async () => {
    const from = tokenRequests().length;
    const found = await mgmt.users.listUsersByEmail({ email: U.full.email });
    assert.deepEqual(
      found.map((u) => u.user_id),
      [U.full.user_id]
    );
    assert.equal(found[0].identities[0].connection, U.full.connection);
    assert.ok(
      tokenRequests()
        .slice(from)
        .some((q) => q.grant_type === 'client_credentials' && q.status === 200)
    );
  });

  it('get user by id, and a missing id is a 404 the SDK reads', { skip }, async () => {
    const user = await mgmt.users.get(U.full.user_id);
    assert.equal(user.email, U.full.email);
    assert.equal(user.user_metadata.plan, 'pro');
    await assert.rejects(mgmt.users.get('auth0|000000000000000000000000'), (err) => err.statusCode === 404);
  });

  it("a 429 is retried after the fake's Retry-After", { skip }, async () => {
    tenant.faults.set('users-by-email', { kind: 'rate_limit', retryAfter: 1, times: 1 });
    try {
      const found = await mgmt.users.listUsersByEmail({ email: U.minimal.email });
      assert.deepEqual(
        found.map((u) => u.user_id),
        [U.minimal.user_id]
      );
    } finally {
      tenant.faults.clear();
    }
  });
});
