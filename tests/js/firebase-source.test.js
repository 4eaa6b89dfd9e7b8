'use strict';
/**
 * The firebase source end to end: the built dist/firebase/login.js and dist/firebase/get_user.js,
 * in the sandbox emulation, against our fake of Google's services (js/fakes/firebase.js) on
 * loopback HTTPS. The scripts call Google's fixed addresses; the container's `fetch` sends those to
 * the fake (js/fakes/firebase.js says why this is honest: no setting for tests exists in the
 * scripts). One test per row of the firebase outcome table in docs/firebase-source.md: the right
 * password, wrong credentials (with and without email-enumeration protection), a disabled user,
 * throttling, a wrong API key or project, outages, hostile ID tokens; get_user found, not found,
 * disabled, the service account's assertion and its cached token, a refused key, a revoked token;
 * the emulator setting refused off loopback; the module each script carries; and a scan of
 * everything printed for passwords and the private key. The real emulator's cases are in
 * tests/js/firebase-emulator.test.js.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { createContainer, formatReport } = require('../../js/sandbox');
const { almDecode91 } = require('../../pkg-template/shim/decode91');
const { WASM_SCRIPT_CEILING_BYTES } = require('../../js/build/checks');
const { startFirebase, SAMPLE_USERS } = require('../../js/fakes/firebase');

const DIST = path.join(__dirname, '..', '..', 'dist');
const LOGIN = fs.readFileSync(path.join(DIST, 'firebase', 'login.js'), 'utf8');
const GET_USER = fs.readFileSync(path.join(DIST, 'firebase', 'get_user.js'), 'utf8');
const MANIFEST = JSON.parse(fs.readFileSync(path.join(DIST, 'manifest.json'), 'utf8'));

const [JANE, DISABLED, PLAIN] = SAMPLE_USERS;
const printed = [];

let fb;
test.before(async () => {
  fb = await startFirebase();
});
test.after(() => fb.close());
test.afterEach(() => fb.reset());

const settings = (extra = {}) => ({
  Project_ID: fb.projectId,
  API_Key: fb.apiKey,
  Service_Account_Email: fb.serviceAccount.email,
  // As pasted from the JSON key file: its line breaks written as \n.
  Service_Account_Private_Key: fb.serviceAccount.privateKey.replace(/\n/g, '\\n'),
  ...extra,
});

/** A container showing the scripts Auth0's documented globals and a fetch that reaches the fake for Google's addresses. */
const containerFor = (configuration) => createContainer({ configuration, documentedOnly: true, extraGlobals: { fetch: fb.fetchVia(), AbortController } });

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

/** The endpoints the fake saw since `mark`. */
const since = (mark) => fb.requests.slice(mark).map((q) => q.endpoint);

const JANE_PROFILE = {
  user_id: JANE.localId,
  email: JANE.email,
  email_verified: true,
  name: 'Jane Doe',
  picture: JANE.photoUrl,
  user_metadata: {},
  app_metadata: { role: 'editor', plan: { tier: 2 }, phone_number: JANE.phoneNumber },
};

test.describe('login', () => {
  test('right password: sign-in, the key set, the signature, the account; the profile', async () => {
    const mark = fb.requests.length;
    const r = await login('Jane@Example.com', JANE.password);
    assert.equal(r.outcome, 'success', r.error && r.error.message);
    assert.deepEqual(r.profile, JANE_PROFILE);
    assert.deepEqual(since(mark), ['sign-in', 'jwks', 'account']);
    const signIn = fb.requests[mark];
    assert.equal(signIn.url, `/v1/accounts:signInWithPassword?key=${fb.apiKey}`);
    assert.deepEqual(JSON.parse(signIn.body), { email: 'Jane@Example.com', password: JANE.password, returnSecureToken: true });
  });

  test('User_ID_Prefix goes before the uid; an account without extras maps to the bare profile', async () => {
    const r = await login(PLAIN.email, PLAIN.password, { User_ID_Prefix: 'fb-' });
    assert.equal(r.outcome, 'success', r.error && r.error.message);
    assert.deepEqual(r.profile, { user_id: `fb-${PLAIN.localId}`, email: PLAIN.email, user_metadata: {}, app_metadata: {} });
  });

  test('wrong password and unknown email: WrongUsernameOrPasswordError, one sign-in each', async () => {
    for (const protection of [true, false]) {
      fb.enumerationProtection = protection;
      for (const [id, pw] of [
        [JANE.email, 'not the password'],
        ['nobody@example.com', 'whatever-pw'],
      ]) {
        const mark = fb.requests.length;
        const r = await login(id, pw);
        assert.equal(r.outcome, 'wrong_password', `${id} (enumeration protection ${protection})`);
        assert.deepEqual(since(mark), ['sign-in']);
      }
    }
    fb.enumerationProtection = true;
  });

  test('a disabled account: UnauthorizedError, nothing migrated', async () => {
    const r = await login(DISABLED.email, DISABLED.password);
    assert.equal(r.outcome, 'unauthorized');
    assert.equal(r.stored, null);
  });

  test('too many attempts (TOO_MANY_ATTEMPTS_TRY_LATER): UnauthorizedError "temporarily locked", even with the right password', async () => {
    for (let i = 0; i < fb.lockAfter; i++) assert.equal((await login(PLAIN.email, `wrong-${i}`)).outcome, 'wrong_password');
    const r = await login(PLAIN.email, PLAIN.password);
    assert.equal(r.outcome, 'unauthorized');
    assert.match(r.error.message, /temporarily locked/);
  });

  test('a wrong Web API key or project: an Error naming the setting', async () => {
    assertError(await login(JANE.email, JANE.password, { API_Key: 'AIzaWrongKey' }), /`API_Key`/);
    fb.faults.set('sign-in', { kind: 'status', status: 400, body: { error: { code: 400, message: 'CONFIGURATION_NOT_FOUND' } } });
    assertError(await login(JANE.email, JANE.password), /`Project_ID`/);
    fb.faults.set('sign-in', { kind: 'status', status: 400, body: { error: { code: 400, message: 'OPERATION_NOT_ALLOWED : Password sign-in is disabled for this project.' } } });
    assertError(await login(JANE.email, JANE.password), /Email\/Password/);
  });

  test('429, 5xx, no answer, not JSON: an Error, the sign-in never repeated, never a wrong password', async () => {
    for (const fault of [
      { kind: 'status', status: 429, body: { error: { code: 429, message: 'QUOTA_EXCEEDED' } } },
      { kind: 'status', status: 503, body: {} },
      { kind: 'hang' },
      { kind: 'text', status: 200, text: '<html>hello</html>' },
    ]) {
      fb.faults.set('sign-in', { ...fault, times: 3 });
      const mark = fb.requests.length;
      const r = await login(JANE.email, JANE.password);
      assert.equal(r.outcome, 'error', JSON.stringify(fault));
      assert.deepEqual(since(mark), ['sign-in'], `${fault.kind}: sent once`);
      fb.faults.clear();
    }
  });

  const hostile = [
    ['another project (issuer and audience)', (c) => Object.assign(c, { iss: 'https://securetoken.google.com/other-project', aud: 'other-project' }), /issuer/],
    ['a wrong audience', (c) => (c.aud = 'other-project'), /`aud`/],
    ['an expired token', (c) => (c.exp = Math.floor(Date.now() / 1000) - 120), /expired/],
    ['a token for another uid', (c) => (c.sub = 'fb-uid-9999'), /another user/],
    ['a token for another email', (c) => (c.email = 'eve@example.com'), /`email`/],
    ['HS256', (_c, h) => (h.alg = 'HS256'), /only RS256 and ES256/],
  ];
  for (const [what, patch, pattern] of hostile) {
    test(`${what}: refused as an Error`, async () => {
      fb.idTokenPatch = patch;
      assertError(await login(JANE.email, JANE.password), pattern);
    });
  }

  test('a forged token (a key Google does not publish under its kid): refused', async () => {
    fb.signWith = 'other';
    assertError(await login(JANE.email, JANE.password), /signature is not valid/);
  });

  test("an unsigned token (alg none, the emulator's kind) without Emulator_Host: refused", async () => {
    fb.signWith = 'none';
    assertError(await login(JANE.email, JANE.password), /only RS256 and ES256/);
  });

  test('an unknown kid: the key set fetched once more, then refused', async () => {
    fb.idTokenPatch = (_c, h) => (h.kid = 'rotated-away');
    const mark = fb.requests.length;
    assertError(await login(JANE.email, JANE.password), /does not publish/);
    assert.deepEqual(since(mark), ['sign-in', 'jwks', 'jwks']);
  });

  test('an oversized or malformed account reply: an Error, nothing migrated', async () => {
    fb.faults.set('account', { kind: 'text', status: 200, text: JSON.stringify({ users: [{ localId: JANE.localId, pad: 'x'.repeat(300_000) }] }) });
    assertError(await login(JANE.email, JANE.password), /not an account list/);
    fb.faults.set('account', { kind: 'status', status: 200, body: { users: [{ localId: JANE.localId, email: JANE.email, customAttributes: '["admin"]' }] } });
    assertError(await login(JANE.email, JANE.password), /customAttributes/);
  });
});

test.describe('get_user', () => {
  test('found: the assertion, the token, the lookup by email; the same profile as login', async () => {
    const mark = fb.requests.length;
    const r = await getUser('JANE@example.com');
    assert.equal(r.outcome, 'found', r.error && r.error.message);
    assert.deepEqual(r.profile, JANE_PROFILE);
    assert.deepEqual(since(mark), ['token', 'lookup']);
    const form = new URLSearchParams(fb.requests[mark].body);
    assert.equal(form.get('grant_type'), 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    const claims = JSON.parse(Buffer.from(form.get('assertion').split('.')[1], 'base64url').toString());
    assert.deepEqual(Object.keys(claims), ['iss', 'scope', 'aud', 'iat', 'exp']);
    assert.equal(claims.exp - claims.iat, 3600);
    assert.deepEqual(JSON.parse(fb.requests[mark + 1].body), { email: ['jane@example.com'] });
  });

  test('not found: callback(null); an identifier without @: not found without a request', async () => {
    assert.equal((await getUser('nobody@example.com')).outcome, 'not_found');
    const mark = fb.requests.length;
    assert.equal((await getUser('just-a-username')).outcome, 'not_found');
    assert.deepEqual(since(mark), []);
  });

  test('a disabled account: UnauthorizedError (no sign-up or reset around it)', async () => {
    assert.equal((await getUser(DISABLED.email)).outcome, 'unauthorized');
  });

  test('one token for many calls in a container, even cold and concurrent', async () => {
    const c = containerFor(settings());
    const mark = fb.requests.length;
    const rs = await Promise.all(Array.from({ length: 10 }, () => run(settings(), GET_USER, 'get_user', [JANE.email], c)));
    assert.ok(rs.every((r) => r.outcome === 'found'));
    await run(settings(), GET_USER, 'get_user', [PLAIN.email], c);
    assert.equal(since(mark).filter((e) => e === 'token').length, 1);
  });

  test('a revoked token: the API answers 401, a fresh token once, then the answer', async () => {
    const c = containerFor(settings());
    await run(settings(), GET_USER, 'get_user', [JANE.email], c);
    fb.revokeTokens();
    const mark = fb.requests.length;
    const r = await run(settings(), GET_USER, 'get_user', [JANE.email], c);
    assert.equal(r.outcome, 'found', r.error && r.error.message);
    assert.deepEqual(since(mark), ['lookup', 'token', 'lookup']);
  });

  test("another key than the service account's: an Error naming Service_Account_Private_Key, never the key", async () => {
    const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const r = await getUser(JANE.email, { Service_Account_Private_Key: other });
    assertError(r, /`Service_Account_Private_Key`/);
    assert.ok(!r.error.message.includes(other.split('\n')[1]));
  });

  test('a key Node cannot sign with: an Error naming the setting', async () => {
    const body = crypto.randomBytes(300).toString('base64');
    assertError(
      await getUser(JANE.email, { Service_Account_Private_Key: `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----` }),
      /host could not sign with `Service_Account_Private_Key`/
    );
  });

  test('a project the service account may not read (403): an Error naming the role', async () => {
    fb.faults.set('lookup', { kind: 'status', status: 403, body: { error: { code: 403, message: 'Caller does not have required permission to use project.', status: 'PERMISSION_DENIED' } } });
    assertError(await getUser(JANE.email), /Firebase Authentication Viewer/);
  });

  test('5xx and no answer: retried twice, then an Error, never "not found"', async () => {
    for (const fault of [
      { kind: 'status', status: 503, body: {} },
      { kind: 'text', status: 500, text: 'oops' },
    ]) {
      fb.faults.set('lookup', { ...fault, times: 3 });
      const mark = fb.requests.length;
      assertError(await getUser(JANE.email), /Firebase failed \(HTTP 50\d\)/);
      assert.equal(since(mark).filter((e) => e === 'lookup').length, 3);
      fb.faults.clear();
    }
    fb.faults.set('lookup', { kind: 'status', status: 503, body: {} });
    assert.equal((await getUser(JANE.email)).outcome, 'found', 'one outage, then the answer');
  });

  test('an account list that is not one, or two accounts with the email: an Error', async () => {
    fb.faults.set('lookup', { kind: 'text', status: 200, text: '{"users": 5}' });
    assertError(await getUser(JANE.email), /not an account list/);
    fb.faults.set('lookup', {
      kind: 'status',
      status: 200,
      body: {
        users: [
          { localId: 'a', email: JANE.email },
          { localId: 'b', email: JANE.email },
        ],
      },
    });
    assertError(await getUser(JANE.email), /two accounts/);
  });
});

test.describe('settings and build', () => {
  test('Emulator_Host off loopback: an Error naming the setting, before any request, in both scripts', async () => {
    for (const host of ['10.1.2.3:9099', 'emulator.example.com:9099']) {
      const mark = fb.requests.length;
      assertError(await login(JANE.email, JANE.password, { Emulator_Host: host }), /setting `Emulator_Host`.*unsigned/);
      assertError(await getUser(JANE.email, { Emulator_Host: host }), /setting `Emulator_Host`/);
      assert.deepEqual(since(mark), []);
    }
  });

  test('a missing or malformed setting: an Error naming the key, never the private key', async () => {
    assertError(await login(JANE.email, JANE.password, { Project_ID: '' }), /setting `Project_ID` is missing/);
    const r = await getUser(JANE.email, { Service_Account_Private_Key: 'MIIEvQ-not-a-pem' });
    assertError(r, /setting `Service_Account_Private_Key`/);
    assert.ok(!r.error.message.includes('MIIEvQ'));
  });

  test('each script carries its own module, named in the manifest', () => {
    assert.ok(MANIFEST.firebase_login_wasm && MANIFEST.firebase_get_user_wasm);
    assert.notEqual(MANIFEST.firebase_login_wasm.sha256, MANIFEST.firebase_get_user_wasm.sha256);
    assert.match(LOGIN, new RegExp(`embedded wasm sha256 ${MANIFEST.firebase_login_wasm.sha256}`));
    assert.match(GET_USER, new RegExp(`embedded wasm sha256 ${MANIFEST.firebase_get_user_wasm.sha256}`));
    for (const s of [LOGIN, GET_USER]) assert.match(s, /Reads: connection settings .*Project_ID, API_Key; optional: Service_Account_Email/);
  });

  test("each script's module holds its own flow only, and other sources' scripts hold no firebase code", () => {
    const wasmOf = (text, record) => {
      const packed = text.match(/'([^'\\\n]{4000,})'/)[1];
      const wasm = zlib.brotliDecompressSync(almDecode91(packed, record.brotli_bytes));
      assert.equal(crypto.createHash('sha256').update(wasm).digest('hex'), record.sha256);
      return wasm.toString('latin1');
    };
    const login = wasmOf(LOGIN, MANIFEST.firebase_login_wasm);
    const getUser = wasmOf(GET_USER, MANIFEST.firebase_get_user_wasm);
    for (const own of ['Emulator_Host', 'identitytoolkit.googleapis.com']) assert.ok(login.includes(own) && getUser.includes(own), own);
    assert.ok(login.includes('signInWithPassword') && login.includes('securetoken.google.com') && !login.includes('oauth2.googleapis.com'));
    assert.ok(getUser.includes('oauth2.googleapis.com') && getUser.includes('jwt-bearer') && !getUser.includes('signInWithPassword'));
    for (const [file, record] of [
      ['login.js', MANIFEST.wasm],
      ['oidc/login.js', MANIFEST.oidc_login_wasm],
    ]) {
      const wasm = wasmOf(fs.readFileSync(path.join(DIST, file), 'utf8'), record);
      for (const firebaseOnly of ['Emulator_Host', 'identitytoolkit', 'securetoken']) assert.ok(!wasm.includes(firebaseOnly), `${file}: ${firebaseOnly}`);
    }
    for (const file of ['firebase/login.js', 'firebase/get_user.js']) {
      const entry = MANIFEST.artifacts.find((a) => a.file === file);
      assert.ok(entry && entry.bytes <= WASM_SCRIPT_CEILING_BYTES, `${file}: ${entry && entry.bytes} bytes`);
    }
  });

  test('nothing printed carries a password or the private key', () => {
    const text = printed.join('\n');
    const keyLines = fb.serviceAccount.privateKey.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const secret of [JANE.password, DISABLED.password, PLAIN.password, ...keyLines.slice(0, 3)]) assert.ok(!text.includes(secret), 'a secret was printed');
  });
});
