'use strict';
/**
 * The oidc source end to end: the built dist/oidc/login.js and dist/oidc/get_user.js, in the
 * sandbox emulation, against our fake OpenID provider (js/fakes/oidc-provider.js) on loopback
 * HTTPS. One test per row of the oidc outcome table in the README: the right password (RS256 and
 * ES256), a wrong one, each OAuth refusal, outages, hostile ID tokens and userinfo, the claim
 * mapping and the prefix; get_user through SCIM, Keycloak and Okta (found, not found, blocked,
 * filter injection, oversized and malformed replies); the presets; `Lookup` none; the module
 * each script carries; and a scan of everything printed for the passwords and secrets.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { createContainer, formatReport } = require('../../js/sandbox');
const { startOidcProvider, SAMPLE_USERS } = require('../../js/fakes/oidc-provider');
const { RUNTIME_EXTRAS } = require('../../js/fakes/dist-harness');
const { almDecode91 } = require('../../pkg-template/shim/decode91');
const { WASM_SCRIPT_CEILING_BYTES } = require('../../js/build/checks');

const DIST = path.join(__dirname, '..', '..', 'dist');
const LOGIN = fs.readFileSync(path.join(DIST, 'oidc', 'login.js'), 'utf8');
const GET_USER = fs.readFileSync(path.join(DIST, 'oidc', 'get_user.js'), 'utf8');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(DIST, 'manifest.json'), 'utf8'));

const [JANE, DISABLED, QUIRKY] = SAMPLE_USERS;
const printed = [];

let idp;
test.before(async () => {
  idp = await startOidcProvider({ clientSecret: crypto.randomBytes(30).toString('base64url') });
});
test.after(() => idp.close());
test.afterEach(() => idp.reset());

const settings = (extra = {}) => ({ Issuer: idp.issuer, Client_ID: idp.clientId, Client_Secret: idp.clientSecret, Lookup: 'none', ...extra });
const LOOKUPS = {
  scim: () => ({ Lookup: 'scim', SCIM_Base_URL: `${idp.origin}/scim/v2` }),
  keycloak: () => ({ Lookup: 'keycloak', Base_URL: idp.origin, Realm: idp.realm }),
  okta: () => ({ Lookup: 'okta', Org_URL: idp.origin, Okta_API_Token: idp.oktaToken }),
};

/** A container showing the scripts only Auth0's documented globals and the runtime's fetch, as the other suites do. */
const containerFor = (configuration) => createContainer({ configuration, documentedOnly: true, extraGlobals: RUNTIME_EXTRAS });

/** Runs a script and keeps what a person could see of it for the scan. */
async function run(configuration, script, kind, args, container = containerFor(configuration)) {
  const r = await container.invoke(script, { kind, args, timeoutMs: 19000 });
  printed.push(formatReport(r), ...r.logs.map(String), r.error ? r.error.message : '');
  assert.deepEqual(r.violations, [], r.violations.join('; '));
  assert.equal(r.callbackCalls, 1);
  return r;
}
const login = (id, pw, extra) => run(settings(extra), LOGIN, 'login', [id, pw]);
const getUser = (id, extra) => run(settings(extra), GET_USER, 'get_user', [id]);

function assertError(r, pattern) {
  assert.equal(r.outcome, 'error', `expected an Error, got ${r.outcome} ${r.error && r.error.message}`);
  assert.equal(r.stored, null);
  assert.match(r.error.message, pattern);
}

/** The endpoints the provider saw since `mark`. */
const since = (mark) => idp.requests.slice(mark).map((q) => q.endpoint);

const JANE_PROFILE = {
  user_id: JANE.sub,
  email: JANE.email,
  email_verified: true,
  username: 'jane',
  name: 'Jane Doe',
  given_name: 'Jane',
  family_name: 'Doe',
  user_metadata: {},
  app_metadata: {},
};

test.describe('login', () => {
  test('right password (RS256): discovery, the grant, the keys, userinfo; the profile', async () => {
    const mark = idp.requests.length;
    const r = await login('Jane@Example.com', JANE.password);
    assert.equal(r.outcome, 'success', r.error && r.error.message);
    assert.deepEqual(r.profile, JANE_PROFILE);
    assert.deepEqual(since(mark), ['discovery', 'token', 'jwks', 'userinfo']);
    const grant = new URLSearchParams(idp.requests[mark + 1].body);
    assert.deepEqual(Object.fromEntries(grant), { grant_type: 'password', username: 'Jane@Example.com', password: JANE.password, scope: 'openid profile email' });
    assert.match(idp.requests[mark + 1].headers.authorization, /^Basic /);
  });

  test('right password (ES256): the P-256 key by its kid', async () => {
    idp.signWith = 'ES256';
    const r = await login(JANE.email, JANE.password);
    assert.equal(r.outcome, 'success', r.error && r.error.message);
    assert.deepEqual(r.profile, JANE_PROFILE);
  });

  test('claims mapped into metadata, and the prefix', async () => {
    const r = await login(JANE.email, JANE.password, { User_ID_Prefix: 'kc-', User_Metadata_Claims: 'locale, plan', App_Metadata_Claims: 'groups,absent' });
    assert.equal(r.outcome, 'success', r.error && r.error.message);
    assert.equal(r.profile.user_id, `kc-${JANE.sub}`);
    assert.deepEqual([r.profile.user_metadata, r.profile.app_metadata], [{ locale: 'en-GB', plan: 'pro' }, { groups: ['staff'] }]);
  });

  test('a username logs in too (preferred_username)', async () => {
    const r = await login('JANE', JANE.password);
    assert.equal(r.outcome, 'success', r.error && r.error.message);
  });

  test('wrong password and unknown user: WrongUsernameOrPasswordError, one grant', async () => {
    for (const [id, pw] of [
      [JANE.email, 'not the password'],
      ['nobody@example.com', 'whatever-pw'],
    ]) {
      const mark = idp.requests.length;
      const r = await login(id, pw);
      assert.equal(r.outcome, 'wrong_password', id);
      assert.deepEqual(since(mark), ['discovery', 'token'], 'a fresh container: discovery, then one grant');
    }
  });

  test('a disabled account: UnauthorizedError', async () => {
    const r = await login(DISABLED.email, DISABLED.password);
    assert.equal(r.outcome, 'unauthorized');
  });

  for (const [error, pattern] of [
    ['invalid_client', /`Client_ID` and `Client_Secret`/],
    ['unauthorized_client', /Direct Access Grants/],
    ['unsupported_grant_type', /password grant/],
    ['invalid_scope', /`Scope` setting's scopes/],
  ]) {
    test(`${error}: an Error naming the setup step`, async () => {
      idp.faults.set('token', { kind: 'status', status: error === 'invalid_client' ? 401 : 400, body: { error } });
      assertError(await login(JANE.email, JANE.password), pattern);
    });
  }

  test('a wrong client secret, as the provider answers it', async () => {
    assertError(await login(JANE.email, JANE.password, { Client_Secret: 'not-the-secret' }), /Client_Secret/);
  });

  test('429 and 5xx on the grant: an Error, never retried, never a wrong password', async () => {
    for (const status of [429, 500, 503]) {
      idp.faults.set('token', { kind: 'status', status, body: {}, headers: { 'retry-after': '0' }, times: 3 });
      const mark = idp.requests.length;
      assertError(await login(JANE.email, JANE.password), new RegExp(`HTTP ${status}`));
      assert.deepEqual(
        since(mark).filter((e) => e === 'token'),
        ['token'],
        `${status}: one grant`
      );
      idp.faults.clear();
    }
  });

  test('a provider that does not answer the grant in time: an Error (timeout)', async () => {
    idp.faults.set('token', { kind: 'hang' });
    assertError(await login(JANE.email, JANE.password), /no answer from the provider \(timeout\)/);
  });

  const hostile = [
    ['a wrong issuer', (c) => (c.iss = 'https://evil.example.com'), /issuer/],
    ['a wrong audience', (c) => (c.aud = 'another-client'), /`aud`/],
    ['an expired token', (c) => (c.exp = Math.floor(Date.now() / 1000) - 120), /expired/],
    ['a token issued in the future', (c) => (c.iat = Math.floor(Date.now() / 1000) + 600), /in the future/],
    ['a token for another user', (c) => Object.assign(c, { email: 'eve@example.com', preferred_username: 'eve' }), /another user/],
    ['alg none', (_c, h) => (h.alg = 'none'), /only RS256 and ES256/],
    ['HS256', (_c, h) => (h.alg = 'HS256'), /only RS256 and ES256/],
  ];
  for (const [what, patch, pattern] of hostile) {
    test(`${what}: refused as an Error`, async () => {
      idp.idTokenPatch = patch;
      assertError(await login(JANE.email, JANE.password), pattern);
    });
  }

  test('a token signed with a key the provider does not publish: refused after one fresh key fetch', async () => {
    idp.signWith = 'other-RS256';
    assertError(await login(JANE.email, JANE.password), /signature is not valid/);
    idp.signWith = 'ES256-as-RS256';
    assertError(await login(JANE.email, JANE.password), /signature is not valid/);
  });

  test('ES256 named under the RSA key (the wrong algorithm for the key): refused', async () => {
    idp.signWith = 'ES256';
    idp.idTokenPatch = (_c, h) => (h.kid = 'rs-1');
    const mark = idp.requests.length;
    assertError(await login(JANE.email, JANE.password), /not published for its algorithm/);
    assert.equal(since(mark).filter((e) => e === 'jwks').length, 2, 'the keys, then one fresh fetch (a rotated key?), then the Error');
  });

  test('userinfo about another user (sub), or not JSON: refused', async () => {
    idp.userinfoPatch = (b) => (b.sub = 'someone-else');
    assertError(await login(JANE.email, JANE.password), /userinfo is about another user/);
    idp.userinfoPatch = null;
    idp.faults.set('userinfo', { kind: 'text', text: 'eyJhbGciOi.not.json' });
    assertError(await login(JANE.email, JANE.password), /not a JSON object/);
    idp.faults.set('userinfo', { kind: 'text', text: JSON.stringify({ sub: JANE.sub, pad: 'x'.repeat(300_000) }) });
    assertError(await login(JANE.email, JANE.password), /not a JSON object \(or too long\)/);
  });

  test('a discovery document naming another issuer, or without a token endpoint: setup Errors', async () => {
    idp.faults.set('discovery', { kind: 'json', body: (p) => ({ ...p.discovery(), issuer: 'https://evil.example.com' }) });
    assertError(await login(JANE.email, JANE.password), /another issuer than the `Issuer` setting/);
    idp.faults.set('discovery', { kind: 'json', body: (p) => ({ ...p.discovery(), token_endpoint: undefined }) });
    assertError(await login(JANE.email, JANE.password), /no https `token_endpoint`/);
  });

  test('settings are checked before any request, naming the key', async () => {
    const mark = idp.requests.length;
    assertError(await login(JANE.email, JANE.password, { Issuer: idp.issuer.replace('https:', 'http:') }), /setting `Issuer` must start with https:\/\//);
    assertError(await login(JANE.email, JANE.password, { Lookup: 'ldap' }), /setting `Lookup` must be scim, keycloak, okta or none/);
    assertError(await login(JANE.email, JANE.password, { Scope: 'profile' }), /setting `Scope` must be scopes with `openid`/);
    assertError(await getUser(JANE.email, { Lookup: 'okta', Org_URL: idp.origin }), /setting `Okta_API_Token` is missing/);
    assert.equal(idp.requests.length, mark);
  });
});

test.describe('get_user', () => {
  for (const kind of Object.keys(LOOKUPS)) {
    test(`${kind}: found, with the profile login returns`, async () => {
      const extra = { ...LOOKUPS[kind](), User_Metadata_Claims: 'locale', App_Metadata_Claims: 'plan' };
      const found = await getUser('jane@example.com', extra);
      assert.equal(found.outcome, 'found', found.error && found.error.message);
      const logged = await login(JANE.email, JANE.password, extra);
      const same = { ...logged.profile };
      // SCIM and Okta have no email_verified; Keycloak's admin API has it (emailVerified).
      if (kind !== 'keycloak') delete same.email_verified;
      assert.deepEqual(found.profile, same);
      assert.deepEqual([found.profile.user_metadata, found.profile.app_metadata], [{ locale: 'en-GB' }, { plan: 'pro' }]);
    });

    test(`${kind}: not found is callback(null); disabled is UnauthorizedError`, async () => {
      assert.equal((await getUser('nobody@example.com', LOOKUPS[kind]())).outcome, 'not_found');
      assert.equal((await getUser(DISABLED.email, LOOKUPS[kind]())).outcome, 'unauthorized');
    });

    test(`${kind}: an email with " and \\ is escaped and finds exactly that user`, async () => {
      const r = await getUser(QUIRKY.email, LOOKUPS[kind]());
      assert.equal(r.outcome, 'found', r.error && r.error.message);
      assert.equal(r.profile.user_id, QUIRKY.sub);
      // An attempt to widen the filter stays a value: no one has that email.
      const inject = await getUser('x@example.com" or userName pr or "', LOOKUPS[kind]());
      assert.equal(inject.outcome, 'not_found', inject.error && inject.error.message);
    });

    test(`${kind}: malformed, oversized and failing replies are Errors, never not-found`, async () => {
      const ep = kind;
      for (const [fault, pattern] of [
        [{ kind: 'text', text: '{"Resources": [' }, /not a user list/],
        [{ kind: 'text', text: JSON.stringify([{ pad: 'x'.repeat(300_000) }]) }, /not a user list \(or is too long\)/],
        [{ kind: 'status', status: 404, body: {} }, /HTTP 404/],
        [{ kind: 'status', status: 403, body: {} }, /setup/],
        [{ kind: 'status', status: 503, body: {}, times: 3 }, /HTTP 503/],
      ]) {
        idp.faults.set(ep, fault);
        assertError(await getUser(JANE.email, LOOKUPS[kind]()), pattern);
        idp.faults.clear();
      }
    });
  }

  test('scim: more than one match is an Error; a 503 is retried', async () => {
    idp.faults.set('scim', { kind: 'json', body: { totalResults: 2, Resources: [] } });
    assertError(await getUser(JANE.email, LOOKUPS.scim()), /2 users at the provider/);
    idp.faults.set('scim', { kind: 'status', status: 503, body: {} });
    const mark = idp.requests.length;
    assert.equal((await getUser(JANE.email, LOOKUPS.scim())).outcome, 'found');
    assert.deepEqual(
      since(mark).filter((e) => e === 'scim'),
      ['scim', 'scim']
    );
  });

  test('scim/keycloak: discovery and the client-credentials token are cached in the container', async () => {
    const configuration = settings(LOOKUPS.keycloak());
    const c = containerFor(configuration);
    await run(configuration, GET_USER, 'get_user', [JANE.email], c);
    const mark = idp.requests.length;
    assert.equal((await run(configuration, GET_USER, 'get_user', [JANE.email], c)).outcome, 'found');
    assert.deepEqual(since(mark), ['keycloak']);
  });

  test('okta: every status but ACTIVE is blocked; an unknown one is an Error', async () => {
    const u = idp.users[0];
    try {
      for (const s of ['STAGED', 'PROVISIONED', 'RECOVERY', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'SUSPENDED', 'DEPROVISIONED']) {
        u.oktaStatus = s;
        assert.equal((await getUser(JANE.email, LOOKUPS.okta())).outcome, 'unauthorized', s);
      }
      u.oktaStatus = 'SOMETHING_NEW';
      assertError(await getUser(JANE.email, LOOKUPS.okta()), /status/);
    } finally {
      delete u.oktaStatus;
    }
  });

  test('a lookup that never answers: tried three times within the call, then an Error, never not-found', async () => {
    idp.faults.set('okta', { kind: 'hang', times: 3 });
    const mark = idp.requests.length;
    assertError(await getUser(JANE.email, LOOKUPS.okta()), /user lookup: no answer from the provider \((timeout|deadline)\)/);
    assert.deepEqual(since(mark), ['okta', 'okta', 'okta']);
  });

  test('okta: a refused API token names the setting', async () => {
    assertError(await getUser(JANE.email, { ...LOOKUPS.okta(), Okta_API_Token: 'revoked' }), /`Okta_API_Token`/);
  });

  test('Lookup none: an Error, not "not found" (a sign-up must not pass for a provider user)', async () => {
    const mark = idp.requests.length;
    assertError(await getUser(JANE.email), /`Lookup` is `none`/);
    assert.equal(idp.requests.length, mark);
  });
});

test.describe('presets', () => {
  test('keycloak: Issuer and the admin API from Base_URL and Realm', async () => {
    const extra = { Issuer: '', Lookup: '', Preset: 'keycloak', Base_URL: `${idp.origin}/`, Realm: idp.realm };
    assert.equal((await login(JANE.email, JANE.password, extra)).outcome, 'success');
    const mark = idp.requests.length;
    assert.equal((await getUser(JANE.email, extra)).outcome, 'found');
    assert.ok(since(mark).includes('keycloak'));
  });

  test('okta: Issuer {Org_URL}/oauth2/{Authorization_Server}, the Users API with SSWS', async () => {
    const okta = await startOidcProvider({ issuerPath: '/oauth2/default' });
    try {
      const extra = {
        Issuer: '',
        Lookup: '',
        Client_ID: okta.clientId,
        Client_Secret: okta.clientSecret,
        Preset: 'okta',
        Org_URL: okta.origin,
        Authorization_Server: 'default',
        Okta_API_Token: okta.oktaToken,
      };
      assert.equal((await login(JANE.email, JANE.password, extra)).outcome, 'success');
      assert.equal((await getUser(JANE.email, extra)).outcome, 'found');
      assert.deepEqual([...new Set(okta.requests.map((q) => q.endpoint))].sort(), ['discovery', 'jwks', 'okta', 'token', 'userinfo']);
      printed.push(okta.clientSecret.slice(0, 0));
    } finally {
      await okta.close();
    }
  });
});

test('each script carries its own source only', () => {
  const wasmOf = (text, record) => {
    const packed = text.match(/'([^'\\\n]{4000,})'/)[1];
    const wasm = zlib.brotliDecompressSync(almDecode91(packed, record.brotli_bytes));
    assert.equal(crypto.createHash('sha256').update(wasm).digest('hex'), record.sha256);
    return wasm.toString('latin1');
  };
  // One module per oidc script, each without the other script's flow (the two together are over the ceiling).
  const oidcLogin = wasmOf(LOGIN, MANIFEST.oidc_login_wasm);
  const oidcGetUser = wasmOf(GET_USER, MANIFEST.oidc_get_user_wasm);
  for (const oidc of [oidcLogin, oidcGetUser]) {
    for (const own of ['/.well-known/openid-configuration', 'Okta_API_Token']) assert.ok(oidc.includes(own), own);
    for (const other of ['/oauth/token', 'users-by-email', 'Management API', 'Shared_Secret', 'verify-password']) assert.ok(!oidc.includes(other), other);
  }
  assert.ok(oidcLogin.includes('signature is not valid') && !oidcLogin.includes('scim-users') && !oidcLogin.includes('refusing to choose'));
  assert.ok(oidcGetUser.includes('scim-users') && oidcGetUser.includes('refusing to choose') && !oidcGetUser.includes('signature is not valid'));
  for (const [file, record] of [
    ['login.js', MANIFEST.wasm],
    ['rest/login.js', MANIFEST.rest_wasm],
  ]) {
    const wasm = wasmOf(fs.readFileSync(path.join(DIST, file), 'utf8'), record);
    for (const oidcOnly of ['Okta_API_Token', 'scim-users', 'SCIM_Base_URL']) assert.ok(!wasm.includes(oidcOnly), `${file}: ${oidcOnly}`);
  }
  for (const file of ['oidc/login.js', 'oidc/get_user.js']) {
    const entry = MANIFEST.artifacts.find((a) => a.file === file);
    assert.ok(entry && entry.bytes <= WASM_SCRIPT_CEILING_BYTES, `${file}: ${entry && entry.bytes} bytes`);
    assert.match(fs.readFileSync(path.join(DIST, file), 'utf8'), /\(source: oidc\)[\s\S]*Reads: .*Client_ID, Client_Secret; optional: Issuer, Preset, Lookup/);
  }
});

test('no password and no secret in anything printed', () => {
  const needles = [idp.clientSecret, idp.oktaToken, ...SAMPLE_USERS.map((u) => u.password)];
  const text = printed.join('\n');
  assert.ok(printed.length > 50);
  for (const n of needles) assert.ok(!text.includes(n), `${n.slice(0, 3)}... found in the output`);
});
