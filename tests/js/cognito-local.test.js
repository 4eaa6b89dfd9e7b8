'use strict';
/**
 * The built dist/cognito/*.js against the cognito-local emulator (npm `cognito-local` 5.3.0, pinned
 * in tests/emulators/cognito/package-lock.json and installed outside the clone by
 * `scripts/emulator.sh cognito`: tests/support/emulators.js), started for this file on a free
 * loopback port in a temporary working directory of its own, with the machine's Node (see below). The pool, its app client and its users are
 * made through the emulator's own API; the scripts reach it through `Endpoint`
 * (`http://127.0.0.1:PORT`, allowed for loopback only).
 *
 * Where the emulator differs from real Cognito (observed with 5.3.0), the test says so and
 * tests/js/cognito-source.test.js covers the real behaviour against our fake:
 * - a wrong password is `InvalidPasswordException` (real: `NotAuthorizedException`); the scripts
 *   read both as a wrong password;
 * - a disabled user still authenticates (real: `NotAuthorizedException` "User is disabled.");
 * - its ID tokens carry `email`, `email_verified` and the `custom:` attributes only (real Cognito
 *   puts the standard attributes there too), and `email_verified` is true whenever the attribute
 *   is set, even to "false";
 * - its issuer is `http://{HOST}:{PORT}/{poolId}`, which the `Endpoint` setting follows.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { createContainer, formatReport } = require('../../js/sandbox');
const { RUNTIME_EXTRAS } = require('../../js/fakes/dist-harness');
const { install, emulatorNode, freePort } = require('../support/emulators');

const ROOT = path.join(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const LOGIN = fs.readFileSync(path.join(DIST, 'cognito', 'login.js'), 'utf8');
const GET_USER = fs.readFileSync(path.join(DIST, 'cognito', 'get_user.js'), 'utf8');
const INSTALL = install('cognito', 'cognito-local (about 20 s, 110 MB)');
/**
 * The emulator runs on the machine's Node (20 or later) whatever Node runs the test: cognito-local
 * 5.3.0 `require`s an ES module (`@scure/base`, through otplib) and fails to start on Node 18. The
 * scripts under test still run on the test's Node.
 */

const PASSWORD = 'Emulated-horse-1!';
const printed = [];

let emulator;
let dir;
let origin;
let pool;
let client;

/** One call of the emulator's AWS JSON 1.1 API. */
async function aws(action, body) {
  const res = await fetch(`${origin}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${action}` },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${action}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

async function waitReady() {
  for (let i = 0; i < 200; i++) {
    if (emulator.exitCode !== null) throw new Error(`cognito-local exited (${emulator.exitCode})`);
    try {
      await aws('ListUserPools', { MaxResults: 1 });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('cognito-local did not answer');
}

test.before(async () => {
  if (INSTALL.skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-cognito-local-'));
  fs.mkdirSync(path.join(dir, '.cognito'));
  // A plain username pool (the emulator's default signs in by email; sources.md).
  fs.writeFileSync(path.join(dir, '.cognito', 'config.json'), JSON.stringify({ UserPoolDefaults: { UsernameAttributes: [] } }));
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  if (!INSTALL.dir) throw new Error(`CI=true: ${INSTALL.why}`);
  const start = path.join(INSTALL.dir, 'node_modules', 'cognito-local', 'lib', 'bin', 'start.js');
  emulator = spawn(emulatorNode(), [start], { cwd: dir, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: 'ignore' });
  await waitReady();
  pool = (await aws('CreateUserPool', { PoolName: 'alm-test' })).UserPool.Id;
  client = (await aws('CreateUserPoolClient', { UserPoolId: pool, ClientName: 'alm', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] })).UserPoolClient.ClientId;
  const user = async (name, email, permanent, extra = []) => {
    await aws('AdminCreateUser', {
      UserPoolId: pool,
      Username: name,
      TemporaryPassword: PASSWORD,
      MessageAction: 'SUPPRESS',
      UserAttributes: [{ Name: 'email', Value: email }, { Name: 'email_verified', Value: 'true' }, ...extra],
    });
    if (permanent) await aws('AdminSetUserPassword', { UserPoolId: pool, Username: name, Password: PASSWORD, Permanent: true });
  };
  await user('jane', 'jane@example.com', true, [{ Name: 'given_name', Value: 'Jane' }]);
  await user('fresh', 'fresh@example.com', false);
  await user('off', 'off@example.com', true);
  await aws('AdminDisableUser', { UserPoolId: pool, Username: 'off' });
});

test.after(() => {
  if (emulator) emulator.kill();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const settings = (extra = {}) => ({
  Region: 'us-east-1',
  User_Pool_ID: pool,
  Client_ID: client,
  Access_Key_ID: 'AKIALOCALEMULATOR',
  Secret_Access_Key: 'emulator-ignores-signatures',
  Endpoint: origin,
  ...extra,
});

async function run(script, kind, args, extra) {
  const container = createContainer({ configuration: settings(extra), documentedOnly: true, extraGlobals: RUNTIME_EXTRAS });
  const r = await container.invoke(script, { kind, args, timeoutMs: 19000 });
  printed.push(formatReport(r), ...r.logs.map(String), r.error ? r.error.message : '');
  assert.deepEqual(r.violations, [], r.violations.join('; '));
  assert.equal(r.callbackCalls, 1);
  return r;
}

test('the right password: the emulator ID token is verified against its JWKS and its issuer, then GetUser', { skip: INSTALL.skip }, async () => {
  const r = await run(LOGIN, 'login', ['jane', PASSWORD]);
  assert.equal(r.outcome, 'success', r.error && r.error.message);
  assert.equal(r.profile.email, 'jane@example.com');
  assert.equal(r.profile.email_verified, true);
  assert.match(r.profile.user_id, /^[0-9a-f-]{36}$/, 'the sub');
});

test('a wrong password (the emulator: InvalidPasswordException) and an unknown user: wrong password', { skip: INSTALL.skip }, async () => {
  assert.equal((await run(LOGIN, 'login', ['jane', 'Not-the-password-1!'])).outcome, 'wrong_password');
  assert.equal((await run(LOGIN, 'login', ['nobody', PASSWORD])).outcome, 'wrong_password');
});

test('a password never made permanent: NEW_PASSWORD_REQUIRED, UnauthorizedError asking for a reset', { skip: INSTALL.skip }, async () => {
  const r = await run(LOGIN, 'login', ['fresh', PASSWORD]);
  assert.equal(r.outcome, 'unauthorized', r.error && r.error.message);
  assert.match(r.error.message, /reset your password/);
});

test('get_user: ListUsers by email finds the user with the same id as login; nobody is not found', { skip: INSTALL.skip }, async () => {
  const found = await run(GET_USER, 'get_user', ['jane@example.com']);
  assert.equal(found.outcome, 'found', found.error && found.error.message);
  const login = await run(LOGIN, 'login', ['jane', PASSWORD]);
  // The emulator's ID token has no given_name; login's profile comes from GetUser, as get_user's
  // from ListUsers: the same attributes, so the same profile.
  assert.equal(found.profile.given_name, 'Jane');
  assert.deepEqual(login.profile, found.profile);
  assert.equal((await run(GET_USER, 'get_user', ['nobody@example.com'])).outcome, 'not_found');
});

test('a disabled user: get_user refuses (Enabled false); the emulator still lets them log in, real Cognito does not', { skip: INSTALL.skip }, async () => {
  assert.equal((await run(GET_USER, 'get_user', ['off@example.com'])).outcome, 'unauthorized');
  // Real Cognito answers NotAuthorizedException "User is disabled." (cognito-source.test.js).
  assert.equal((await run(LOGIN, 'login', ['off', PASSWORD])).outcome, 'success');
});

test('no password in anything printed', { skip: INSTALL.skip }, () => {
  assert.ok(printed.length > 10);
  assert.ok(!printed.join('\n').includes(PASSWORD));
});

test("the command line's listing (tail, status, retire): every user, mapped as get_user maps them, the disabled one blocked", { skip: INSTALL.skip }, async () => {
  const { loadEngine, DEFAULT_DIST } = require('../../js/cli/dist');
  const { listTo } = require('../../js/cli/stream/listing');
  const file = path.join(dir, 'listed.ndjson');
  const done = await listTo(loadEngine(DEFAULT_DIST), { source: 'cognito', settings: settings(), file, label: 'Cognito user pool' });
  assert.deepEqual(done, { pages: 1, users: 3 });
  const listed = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const by = Object.fromEntries(listed.map((r) => [r.user_id, r]));
  assert.deepEqual(Object.keys(by).sort(), ['fresh', 'jane', 'off']);
  assert.equal(by.off.import.skip, 'blocked');
  assert.equal(by.fresh.import.skip, undefined, 'FORCE_CHANGE_PASSWORD: imported, they set a password anyway');
  const found = await run(GET_USER, 'get_user', ['jane@example.com']);
  for (const [k, v] of Object.entries(found.profile)) assert.deepEqual(by.jane.import.user[k], v, k);
});

test('over 60 users: the emulator ignores Limit and PaginationToken, so the listing refuses its one long page (nothing listed)', { skip: INSTALL.skip }, async () => {
  // cognito-local 5.3.0's ListUsers answers every user at once (lib/targets/listUsers.js); real
  // Cognito pages by 60. Paging itself is proven against our fake (cli-sources-tail-cognito).
  for (let i = 0; i < 60; i++) {
    await aws('AdminCreateUser', { UserPoolId: pool, Username: `bulk${i}`, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: `bulk${i}@example.com` }] });
  }
  const { loadEngine, DEFAULT_DIST } = require('../../js/cli/dist');
  const { listTo } = require('../../js/cli/stream/listing');
  const file = path.join(dir, 'long.ndjson');
  await assert.rejects(listTo(loadEngine(DEFAULT_DIST), { source: 'cognito', settings: settings(), file, label: 'Cognito user pool' }), /63 users, more than the 60 asked for/);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.startsWith('long.ndjson')),
    [],
    'no half listing is left'
  );
});
