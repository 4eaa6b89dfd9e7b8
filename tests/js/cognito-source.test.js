'use strict';
/**
 * The cognito source end to end: the built dist/cognito/login.js and dist/cognito/get_user.js, in
 * the sandbox emulation, against our fake user pool (js/fakes/cognito.js) on loopback HTTPS,
 * reached through the `Endpoint` setting. One test per row of the outcome table in
 * docs/cognito-source.md: the right password (with and without an app client secret), a wrong one,
 * an unknown user, each refusal Cognito gives (disabled, locked, reset required, unconfirmed, new
 * password required), an MFA challenge (migrated with get_user's profile), throttling and outages,
 * hostile ID tokens, GetUser about another user; get_user found, not found,
 * disabled (fail closed), unconfirmed by the setting, filter injection, a wrong IAM key; a setting
 * error before any request; the module each script carries; and a scan of everything printed for
 * the passwords and secrets.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { createContainer, formatReport } = require('../../js/sandbox');
const { startCognito, SAMPLE_USERS } = require('../../js/fakes/cognito');
const { RUNTIME_EXTRAS } = require('../../js/fakes/dist-harness');
const { almDecode91 } = require('../../pkg-template/shim/decode91');
const { WASM_SCRIPT_CEILING_BYTES } = require('../../js/build/checks');

const DIST = path.join(__dirname, '..', '..', 'dist');
const LOGIN = fs.readFileSync(path.join(DIST, 'cognito', 'login.js'), 'utf8');
const GET_USER = fs.readFileSync(path.join(DIST, 'cognito', 'get_user.js'), 'utf8');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(DIST, 'manifest.json'), 'utf8'));

const [JANE, DISABLED, LOCKED, RESET, UNCONFIRMED, FORCE, MFA, QUIRKY] = SAMPLE_USERS;
const printed = [];

let pool; // no app client secret
let secretPool; // an app client with a secret
test.before(async () => {
  pool = await startCognito();
  secretPool = await startCognito({ clientSecret: crypto.randomBytes(30).toString('base64url') });
});
test.after(async () => {
  await pool.close();
  await secretPool.close();
});
test.afterEach(() => {
  pool.reset();
  secretPool.reset();
});

const containerFor = (configuration) => createContainer({ configuration, documentedOnly: true, extraGlobals: RUNTIME_EXTRAS });

async function run(configuration, script, kind, args) {
  const r = await containerFor(configuration).invoke(script, { kind, args, timeoutMs: 19000 });
  printed.push(formatReport(r), ...r.logs.map(String), r.error ? r.error.message : '');
  assert.deepEqual(r.violations, [], r.violations.join('; '));
  assert.equal(r.callbackCalls, 1);
  return r;
}
const login = (id, pw, extra, p = pool) => run(p.settings(extra), LOGIN, 'login', [id, pw]);
const getUser = (id, extra, p = pool) => run(p.settings(extra), GET_USER, 'get_user', [id]);
const since = (p, mark) => p.requests.slice(mark).map((q) => q.endpoint);

function assertError(r, pattern) {
  assert.equal(r.outcome, 'error', `expected an Error, got ${r.outcome} ${r.error && r.error.message}`);
  assert.equal(r.stored, null);
  assert.match(r.error.message, pattern);
}

const JANE_PROFILE = {
  user_id: JANE.sub,
  email: 'jane@example.com',
  email_verified: true,
  name: 'Jane Doe',
  given_name: 'Jane',
  family_name: 'Doe',
  user_metadata: { plan: 'pro', phone_number: '+15550100' },
  app_metadata: {},
};
const MAPPED = { User_Metadata_Attributes: 'custom:plan' };

test.describe('login', () => {
  test('right password: InitiateAuth, the keys, then GetUser with the access token for the profile', async () => {
    const mark = pool.requests.length;
    const r = await login('Jane@Example.com', JANE.password, MAPPED);
    assert.equal(r.outcome, 'success', r.error && r.error.message);
    assert.deepEqual(r.profile, JANE_PROFILE);
    assert.deepEqual(since(pool, mark), ['initiate', 'jwks', 'getuser']);
    const q = JSON.parse(pool.requests[mark].body);
    assert.deepEqual(q, { AuthFlow: 'USER_PASSWORD_AUTH', ClientId: pool.clientId, AuthParameters: { USERNAME: 'Jane@Example.com', PASSWORD: JANE.password } });
    const g = pool.requests[mark + 2];
    assert.deepEqual(Object.keys(JSON.parse(g.body)), ['AccessToken']);
    assert.equal(g.headers.authorization, undefined, 'GetUser is authorised by the access token, not the IAM key');
  });

  test("the profile is GetUser's (the pool's attributes), not the ID token's claims", async () => {
    pool.idTokenPatch = (c) => {
      delete c.given_name;
      delete c.family_name;
      delete c['custom:plan'];
      c.name = 'Stale Name';
    };
    const r = await login(JANE.attributes.email, JANE.password, MAPPED);
    assert.equal(r.outcome, 'success', r.error && r.error.message);
    assert.deepEqual(r.profile, JANE_PROFILE);
  });

  test('GetUser: retried through outages and throttling, then an Error; never about another user', async () => {
    pool.faults.set('getuser', { kind: 'status', status: 400, body: { __type: 'TooManyRequestsException', message: 'Rate exceeded' }, times: 2 });
    assert.equal((await login(JANE.attributes.email, JANE.password)).outcome, 'success', 'two retries');
    pool.faults.set('getuser', { kind: 'status', status: 503, body: {}, times: 3 });
    assertError(await login(JANE.attributes.email, JANE.password), /GetUser.*HTTP 503/);
    pool.faults.set('getuser', { kind: 'text', text: '{"Username": 5}' });
    assertError(await login(JANE.attributes.email, JANE.password), /GetUser.*not a user/);
    // The token names Jane's email but another user's `sub`: GetUser (Jane) is not that user.
    pool.idTokenPatch = (c) => (c.sub = QUIRKY.sub);
    assertError(await login(JANE.attributes.email, JANE.password), /not the ID token's user/);
  });

  test('an MFA challenge: the password was right, so migrated with the profile get_user reads (ListUsers)', async () => {
    const mark = pool.requests.length;
    const r = await login(MFA.attributes.email, MFA.password, MAPPED);
    assert.equal(r.outcome, 'success', r.error && r.error.message);
    assert.deepEqual(since(pool, mark), ['initiate', 'list']);
    assert.match(pool.requests[mark + 1].headers.authorization, /^AWS4-HMAC-SHA256 /);
    const g = await getUser(MFA.attributes.email, MAPPED);
    assert.deepEqual(r.profile, g.profile, 'the same profile as get_user');
    assert.equal(r.profile.user_id, MFA.sub);
    assert.equal((await login(MFA.attributes.email, 'not the password')).outcome, 'wrong_password');
    assertError(await login(MFA.attributes.email, MFA.password, { Access_Key_ID: 'AKIAOTHERKEY' }), /Access_Key_ID/);
  });

  test('an app client with a secret: SECRET_HASH computed by the module, accepted by the pool', async () => {
    const r = await login(JANE.attributes.email, JANE.password, MAPPED, secretPool);
    assert.equal(r.outcome, 'success', r.error && r.error.message);
    assert.deepEqual(r.profile, JANE_PROFILE);
    assertError(await login(JANE.attributes.email, JANE.password, { Client_Secret: 'not-the-secret' }, secretPool), /SECRET_HASH/);
  });

  test('prefix and the username as user id', async () => {
    const r = await login(JANE.attributes.email, JANE.password, { User_ID_Prefix: 'cog-', User_ID_Attribute: 'username' });
    assert.equal(r.profile.user_id, `cog-${JANE.username}`);
  });

  test('wrong password and unknown user: WrongUsernameOrPasswordError, InitiateAuth sent once', async () => {
    for (const [id, pw] of [
      [JANE.attributes.email, 'not the password'],
      ['nobody@example.com', 'whatever-pw'],
    ]) {
      const mark = pool.requests.length;
      const r = await login(id, pw);
      assert.equal(r.outcome, 'wrong_password', id);
      assert.deepEqual(since(pool, mark), ['initiate']);
    }
  });

  for (const [who, user, pattern] of [
    ['a disabled user', DISABLED, /blocked/],
    ['a locked user (password attempts exceeded)', LOCKED, /temporarily locked/],
    ['a user who must reset (PasswordResetRequiredException)', RESET, /reset your password/],
    ['an unconfirmed user (refused by default)', UNCONFIRMED, /never confirmed/],
    ['NEW_PASSWORD_REQUIRED', FORCE, /reset your password/],
  ]) {
    test(`${who}: UnauthorizedError, nothing migrated`, async () => {
      const r = await login(user.attributes.email, user.password);
      assert.equal(r.outcome, 'unauthorized', r.error && r.error.message);
      assert.match(r.error.message, pattern);
      assert.equal(r.stored, null);
    });
  }

  test('an unconfirmed user with Unconfirmed_Users=migrate: asked to reset, even with the wrong password', async () => {
    for (const pw of [UNCONFIRMED.password, 'wrong']) {
      const r = await login(UNCONFIRMED.attributes.email, pw, { Unconfirmed_Users: 'migrate' });
      assert.equal(r.outcome, 'unauthorized');
      assert.match(r.error.message, /reset your password/);
    }
  });

  test('throttling, 5xx, timeouts: an Error, never retried, never a wrong password', async () => {
    for (const fault of [
      { kind: 'status', status: 400, body: { __type: 'TooManyRequestsException', message: 'Rate exceeded' } },
      { kind: 'status', status: 500, body: { __type: 'InternalErrorException' } },
      { kind: 'status', status: 503, body: {} },
      { kind: 'text', status: 200, text: '<html>' },
      { kind: 'hang' },
    ]) {
      pool.faults.set('initiate', fault);
      const mark = pool.requests.length;
      const r = await login(JANE.attributes.email, JANE.password);
      assert.equal(r.outcome, 'error', JSON.stringify(fault));
      assert.deepEqual(since(pool, mark), ['initiate'], 'one password check');
      pool.faults.clear();
    }
  });

  test('a wrong pool or app client: an Error naming the settings', async () => {
    assertError(await login(JANE.attributes.email, JANE.password, { Client_ID: 'otherclient' }), /`Client_ID`/);
  });

  const hostile = [
    ['a wrong issuer', (c) => (c.iss = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other'), /issuer/],
    ['a wrong audience', (c) => (c.aud = 'another-client'), /`aud`/],
    ['an access token', (c) => (c.token_use = 'access'), /token_use/],
    ['an expired token', (c) => (c.exp = Math.floor(Date.now() / 1000) - 120), /expired/],
    ['a token for another user', (c) => Object.assign(c, { email: 'eve@example.com', 'cognito:username': 'eve' }), /another user/],
    ['alg none', (_c, h) => (h.alg = 'none'), /only RS256 and ES256/],
    ['HS256', (_c, h) => (h.alg = 'HS256'), /only RS256 and ES256/],
  ];
  for (const [what, patch, pattern] of hostile) {
    test(`${what}: refused as an Error`, async () => {
      pool.idTokenPatch = patch;
      assertError(await login(JANE.attributes.email, JANE.password), pattern);
    });
  }

  test('a token signed with a key the pool does not publish: refused', async () => {
    pool.signWith = 'other';
    assertError(await login(JANE.attributes.email, JANE.password), /signature is not valid/);
    pool.signWith = 'pool';
    pool.idTokenPatch = (_c, h) => (h.kid = 'unpublished');
    const mark = pool.requests.length;
    assertError(await login(JANE.attributes.email, JANE.password), /not published/);
    assert.deepEqual(since(pool, mark), ['initiate', 'jwks', 'jwks'], 'one fresh key fetch for an unknown kid');
  });

  test('JWKS down or malformed: an Error', async () => {
    pool.faults.set('jwks', { kind: 'status', status: 503, body: {}, times: 3 });
    assertError(await login(JANE.attributes.email, JANE.password), /HTTP 503/);
    pool.faults.set('jwks', { kind: 'text', text: '{"keys": 5}' });
    assertError(await login(JANE.attributes.email, JANE.password), /keys/);
  });
});

test.describe('get_user', () => {
  test('found: ListUsers signed (SigV4 checked by the pool), the same profile as login', async () => {
    const mark = pool.requests.length;
    const r = await getUser('jane@example.com', MAPPED);
    assert.equal(r.outcome, 'found', r.error && r.error.message);
    assert.deepEqual(r.profile, JANE_PROFILE);
    assert.deepEqual(since(pool, mark), ['list']);
    assert.match(pool.requests[mark].headers.authorization, /^AWS4-HMAC-SHA256 Credential=AKIAFAKECOGNITO00001\/\d{8}\/eu-west-1\/cognito-idp\/aws4_request/);
  });

  test('not found: callback(null)', async () => {
    assert.equal((await getUser('nobody@example.com')).outcome, 'not_found');
  });

  test('a disabled user: UnauthorizedError (fail closed)', async () => {
    const r = await getUser(DISABLED.attributes.email);
    assert.equal(r.outcome, 'unauthorized');
  });

  test('an unconfirmed user: refused by default, offered unverified with Unconfirmed_Users=migrate', async () => {
    assert.equal((await getUser(UNCONFIRMED.attributes.email)).outcome, 'unauthorized');
    const r = await getUser(UNCONFIRMED.attributes.email, { Unconfirmed_Users: 'migrate' });
    assert.equal(r.outcome, 'found');
    assert.equal(r.profile.email_verified, false);
  });

  test('quotes and backslashes cannot change the filter', async () => {
    const r = await getUser(QUIRKY.attributes.email);
    assert.equal(r.outcome, 'found', r.error && r.error.message);
    assert.equal((await getUser('x" or email ^= "')).outcome, 'not_found');
  });

  test('a wrong IAM key: an Error naming the setting, never "not found"', async () => {
    assertError(await getUser('jane@example.com', { Secret_Access_Key: 'not-the-secret' }), /Secret_Access_Key/);
    assertError(await getUser('jane@example.com', { Access_Key_ID: 'AKIAOTHERKEY' }), /Access_Key_ID/);
  });

  test('outages are retried twice, then an Error; malformed and oversized replies are Errors', async () => {
    pool.faults.set('list', { kind: 'status', status: 503, body: {}, times: 2 });
    assert.equal((await getUser('jane@example.com')).outcome, 'found', 'two retries');
    pool.faults.set('list', { kind: 'status', status: 400, body: { __type: 'TooManyRequestsException', message: 'Rate exceeded' }, times: 2 });
    assert.equal((await getUser('jane@example.com')).outcome, 'found', 'throttling (HTTP 400) is retried too');
    pool.faults.set('list', { kind: 'status', status: 400, body: { __type: 'TooManyRequestsException', message: 'Rate exceeded' }, times: 3 });
    assertError(await getUser('jane@example.com'), /throttling/);
    pool.faults.set('list', { kind: 'status', status: 500, body: {}, times: 3 });
    assertError(await getUser('jane@example.com'), /HTTP 500/);
    pool.faults.set('list', { kind: 'text', text: '{"Users": 1}' });
    assertError(await getUser('jane@example.com'), /not a user list/);
    pool.faults.set('list', { kind: 'text', text: JSON.stringify({ Users: [], pad: 'x'.repeat(300_000) }) });
    assertError(await getUser('jane@example.com'), /not a user list/);
  });
});

test('a malformed setting: an Error naming the key, before any request', async () => {
  const mark = pool.requests.length;
  assertError(await login(JANE.attributes.email, JANE.password, { Endpoint: 'http://cognito.example.com' }), /setting `Endpoint`/);
  assertError(await getUser('jane@example.com', { Region: 'nowhere' }), /setting `Region`/);
  assert.equal(pool.requests.length, mark);
});

test('each script carries its own source only, under the ceiling', () => {
  const wasmOf = (text, record) => {
    const packed = text.match(/'([^'\\\n]{4000,})'/)[1];
    const wasm = zlib.brotliDecompressSync(almDecode91(packed, record.brotli_bytes));
    assert.equal(crypto.createHash('sha256').update(wasm).digest('hex'), record.sha256);
    return wasm.toString('latin1');
  };
  const cognitoLogin = wasmOf(LOGIN, MANIFEST.cognito_login_wasm);
  const cognitoGetUser = wasmOf(GET_USER, MANIFEST.cognito_get_user_wasm);
  // Login signs ListUsers too (after an MFA challenge); get_user never verifies a token.
  assert.ok(cognitoLogin.includes('signature is not valid') && cognitoLogin.includes('aws4_request'));
  assert.ok(cognitoGetUser.includes('aws4_request') && !cognitoGetUser.includes('signature is not valid'));
  for (const wasm of [cognitoLogin, cognitoGetUser]) {
    for (const other of ['/oauth/token', 'Okta_API_Token', 'Shared_Secret']) assert.ok(!wasm.includes(other), other);
  }
  for (const file of ['cognito/login.js', 'cognito/get_user.js']) {
    const entry = MANIFEST.artifacts.find((a) => a.file === file);
    assert.ok(entry && entry.bytes <= WASM_SCRIPT_CEILING_BYTES, `${file}: ${entry && entry.bytes} bytes`);
    assert.match(fs.readFileSync(path.join(DIST, file), 'utf8'), /\(source: cognito\)[\s\S]*Reads: .*Region, User_Pool_ID, Client_ID/);
  }
});

test('no password and no secret in anything printed', () => {
  const needles = [pool.secretAccessKey, secretPool.secretAccessKey, secretPool.clientSecret, ...SAMPLE_USERS.map((u) => u.password)];
  const text = printed.join('\n');
  assert.ok(printed.length > 40);
  for (const n of needles) assert.ok(!text.includes(n), `${n.slice(0, 3)}... found in the output`);
});
