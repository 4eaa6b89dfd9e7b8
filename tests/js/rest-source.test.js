'use strict';
/**
 * The rest source end to end: the built dist/rest/login.js and dist/rest/get_user.js, in the
 * sandbox emulation, against the contract's reference store (js/fakes/rest-store.js) on loopback
 * HTTPS. One test per row of docs/rest-contract.md's outcome table, the request authentication
 * (a wrong secret, a replayed request), the profile schema, the failures that must stay Errors,
 * and a scan of everything printed for the passwords and the shared secret.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { createContainer, formatReport } = require('../../js/sandbox');
const { startRestStore, SAMPLE_USERS } = require('../../js/fakes/rest-store');
const { RUNTIME_EXTRAS } = require('../../js/fakes/dist-harness');
const { almDecode91 } = require('../../pkg-template/shim/decode91');
const { WASM_SCRIPT_CEILING_BYTES } = require('../../js/build/checks');

const DIST = path.join(__dirname, '..', '..', 'dist');
const LOGIN = fs.readFileSync(path.join(DIST, 'rest', 'login.js'), 'utf8');
const GET_USER = fs.readFileSync(path.join(DIST, 'rest', 'get_user.js'), 'utf8');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(DIST, 'manifest.json'), 'utf8'));

// A fresh secret per run: the scan at the end looks for it everywhere.
const SECRET = crypto.randomBytes(30).toString('base64url');
const [ADA, BLOCKED, LOCKED, RESET] = SAMPLE_USERS;
const printed = [];

let store;
test.before(async () => {
  store = await startRestStore({ secret: SECRET, users: SAMPLE_USERS.map((u) => ({ ...u })) });
});
test.after(() => store.close());
test.afterEach(() => {
  store.faults.clear();
  store.clockOffsetS = 0;
});

const container = (extra = {}) => createContainer({ configuration: { Base_URL: store.url, Shared_Secret: SECRET, ...extra }, documentedOnly: true, extraGlobals: RUNTIME_EXTRAS });

/** Runs a script and keeps what a person could see of it for the scan. */
async function run(c, script, kind, args) {
  const r = await c.invoke(script, { kind, args, timeoutMs: 19000 });
  printed.push(formatReport(r), ...r.logs.map(String), r.error ? r.error.message : '');
  assert.deepEqual(r.violations, [], r.violations.join('; '));
  assert.equal(r.callbackCalls, 1);
  return r;
}
const login = (id, pw, extra) => run(container(extra), LOGIN, 'login', [id, pw]);
const getUser = (id, extra) => run(container(extra), GET_USER, 'get_user', [id]);

function assertError(r, pattern) {
  assert.equal(r.outcome, 'error', `expected an Error, got ${r.outcome} ${r.error && r.error.message}`);
  assert.equal(r.stored, null);
  assert.match(r.error.message, pattern);
}

/** The requests the store received since `mark`, by endpoint. */
const since = (mark) => store.requests.slice(mark).map((q) => q.endpoint);

test.describe('login', () => {
  test('right password: the profile, the id unchanged, one request', async () => {
    const mark = store.requests.length;
    const r = await login('Ada@Example.com', ADA.password);
    assert.equal(r.outcome, 'success');
    assert.deepEqual(r.profile, { user_id: 'u-100', email: 'ada@example.com', email_verified: true, username: 'ada', name: 'Ada L', user_metadata: { plan: 'pro' }, app_metadata: {} });
    assert.equal(r.stored.user_id, 'auth0|u-100');
    assert.deepEqual(since(mark), ['verify-password']);
    const q = store.requests[mark];
    assert.match(q.headers['x-alm-signature'], /^v1=[0-9a-f]{64}$/);
    assert.match(q.headers['x-alm-timestamp'], /^\d+$/);
    assert.deepEqual(JSON.parse(q.body), { identifier: 'Ada@Example.com', password: ADA.password });
  });

  test('wrong password and unknown user: WrongUsernameOrPasswordError', async () => {
    for (const [id, pw] of [
      [ADA.email, 'not the password'],
      ['nobody@example.com', 'whatever-pw'],
    ]) {
      const r = await login(id, pw);
      assert.equal(r.outcome, 'wrong_password', id);
      assert.equal(r.event, 'fp');
    }
  });

  test('blocked, locked and must-reset: UnauthorizedError with a message for the user', async () => {
    for (const [u, pattern] of [
      [BLOCKED, /blocked/],
      [LOCKED, /temporarily locked/],
      [RESET, /reset your password/],
    ]) {
      const r = await login(u.email, u.password);
      assert.equal(r.outcome, 'unauthorized', u.email);
      assert.match(r.error.message, pattern);
      assert.equal(r.stored, null);
    }
  });

  test('the password check is never repeated: a 503 is one request and an Error', async () => {
    store.faults.set('verify-password', { kind: 'status', status: 503, times: 3 });
    const mark = store.requests.length;
    assertError(await login(ADA.email, ADA.password), /HTTP 503/);
    assert.deepEqual(since(mark), ['verify-password']);
  });

  test('429 is an Error, never a wrong password', async () => {
    store.faults.set('verify-password', { kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    assertError(await login(ADA.email, ADA.password), /rate limited \(HTTP 429\)/);
  });

  test('a store that does not answer in time: an Error (timeout)', async () => {
    store.faults.set('verify-password', { kind: 'hang' });
    assertError(await login(ADA.email, ADA.password), /no answer \(timeout\)/);
  });
});

test.describe('request authentication', () => {
  test('a wrong secret: the store refuses the signature; the Error names the setting', async () => {
    const r = await login(ADA.email, ADA.password, { Shared_Secret: crypto.randomBytes(30).toString('base64url') });
    assertError(r, /`Shared_Secret`/);
    assert.equal(store.requests.at(-1).status, 401);
  });

  test('an old timestamp is refused by the store (its replay window)', async () => {
    store.clockOffsetS = 301;
    assertError(await login(ADA.email, ADA.password), /replay window/);
  });

  test('a captured request replayed: accepted inside the window, refused after it or on another path', async () => {
    const mark = store.requests.length;
    await getUser(ADA.email);
    const q = store.requests[mark];
    const replay = (url) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-alm-timestamp': q.headers['x-alm-timestamp'], 'x-alm-signature': q.headers['x-alm-signature'] }, body: q.body });
    assert.equal((await replay(`${store.url}/find-user`)).status, 200, 'the window is what bounds a replay');
    store.clockOffsetS = 301;
    const late = await replay(`${store.url}/find-user`);
    assert.deepEqual([late.status, await late.json()], [401, { error: 'stale_timestamp' }]);
    store.clockOffsetS = 0;
    const moved = await replay(`${store.url}/verify-password`);
    assert.deepEqual([moved.status, await moved.json()], [401, { error: 'bad_signature' }], 'the path is signed');
  });

  test('settings are checked before any request, naming the key', async () => {
    const mark = store.requests.length;
    assertError(await login(ADA.email, ADA.password, { Base_URL: store.url.replace('https:', 'http:') }), /setting `Base_URL` uses http:\/\//);
    assertError(await login(ADA.email, ADA.password, { Shared_Secret: 'short' }), /setting `Shared_Secret` must be from 32/);
    assertError(await getUser(ADA.email, { Find_Path: 'find' }), /setting `Find_Path`/);
    assert.equal(store.requests.length, mark);
  });
});

test.describe('the profile schema and malformed replies', () => {
  const cases = [
    ['a profile without user_id', { kind: 'profile', body: { email: ADA.email } }, /the profile has no `user_id`/],
    ['a user_id that is a number', { kind: 'profile', body: { user_id: 7, email: ADA.email } }, /`user_id` must be a non-empty string/],
    ['email_verified as text', { kind: 'profile', body: { user_id: 'u-100', email: ADA.email, email_verified: 'yes' } }, /`email_verified` must be true or false/],
    ['user_metadata as an array', { kind: 'profile', body: { user_id: 'u-100', email: ADA.email, user_metadata: [] } }, /`user_metadata` must be an object/],
    ['a profile for someone else', { kind: 'profile', body: { user_id: 'u-9', email: 'eve@example.com' } }, /different user/],
    ['an oversized reply', { kind: 'profile', body: { user_id: 'u-100', email: ADA.email, name: 'x'.repeat(70_000) } }, /over 65536 bytes/],
    ['malformed JSON', { kind: 'text', text: '{"user_id": "u-100",' }, /malformed reply/],
    ['an unknown error code', { kind: 'status', status: 401, body: { error: 'nope' } }, /unexpected reply \(HTTP 401, error `nope`\)/],
    ['a 500', { kind: 'status', status: 500, body: {} }, /failed \(HTTP 500\)/],
  ];
  for (const [what, fault, pattern] of cases) {
    test(`login: ${what} is an Error`, async () => {
      store.faults.set('verify-password', fault);
      assertError(await login(ADA.email, ADA.password), pattern);
    });
  }
});

test.describe('get_user', () => {
  test('found: the same profile login returns', async () => {
    const found = await getUser('ada@example.com');
    assert.equal(found.outcome, 'found');
    const logged = await login(ADA.email, ADA.password);
    assert.deepEqual(found.profile, logged.profile);
  });

  test('not found: callback(null)', async () => {
    assert.equal((await getUser('nobody@example.com')).outcome, 'not_found');
  });

  test('blocked: UnauthorizedError (fail closed), and so is a profile marked blocked', async () => {
    const r = await getUser(BLOCKED.email);
    assert.equal(r.outcome, 'unauthorized');
    store.faults.set('find-user', { kind: 'profile', body: { user_id: 'u-100', email: ADA.email, blocked: true } });
    assert.equal((await getUser(ADA.email)).outcome, 'unauthorized');
  });

  test('a lookup is retried on 5xx and 429, each attempt signed anew', async () => {
    store.faults.set('find-user', { kind: 'status', status: 503, times: 1 });
    let mark = store.requests.length;
    assert.equal((await getUser(ADA.email)).outcome, 'found');
    assert.deepEqual(since(mark), ['find-user', 'find-user']);
    store.faults.set('find-user', { kind: 'status', status: 429, headers: { 'retry-after': '0' }, times: 3 });
    mark = store.requests.length;
    assertError(await getUser(ADA.email), /HTTP 429/);
    assert.deepEqual(since(mark), ['find-user', 'find-user', 'find-user'], 'two retries, then the Error');
  });
});

test('each script carries its own source only', () => {
  // The payload is the script's one long text91 literal; its length in bytes is in the manifest.
  const wasmOf = (text, record) => {
    const packed = text.match(/'([^'\\\n]{4000,})'/)[1];
    const wasm = zlib.brotliDecompressSync(almDecode91(packed, record.brotli_bytes));
    assert.equal(crypto.createHash('sha256').update(wasm).digest('hex'), record.sha256);
    return wasm.toString('latin1');
  };
  const rest = wasmOf(LOGIN, MANIFEST.rest_wasm);
  assert.ok(rest.includes('user store'), 'the rest flow is in the rest module');
  for (const auth0Only of ['/oauth/token', 'users-by-email', 'Management API']) assert.ok(!rest.includes(auth0Only), auth0Only);
  const auth0 = wasmOf(fs.readFileSync(path.join(DIST, 'login.js'), 'utf8'), MANIFEST.wasm);
  assert.ok(auth0.includes('/oauth/token'));
  for (const restOnly of ['user store', 'Shared_Secret', 'verify-password']) assert.ok(!auth0.includes(restOnly), restOnly);
  for (const file of ['rest/login.js', 'rest/get_user.js']) {
    const entry = MANIFEST.artifacts.find((a) => a.file === file);
    assert.ok(entry && entry.bytes <= WASM_SCRIPT_CEILING_BYTES, `${file}: ${entry && entry.bytes} bytes`);
    assert.match(fs.readFileSync(path.join(DIST, file), 'utf8'), /\(source: rest\)[\s\S]*Reads: .*Base_URL, Shared_Secret/);
  }
});

test('no password and no secret in anything printed', () => {
  const needles = [SECRET, ...SAMPLE_USERS.map((u) => u.password)];
  const text = printed.join('\n');
  assert.ok(printed.length > 20);
  for (const n of needles) assert.ok(!text.includes(n), `${n.slice(0, 3)}... found in the output`);
});
