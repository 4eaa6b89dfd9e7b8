'use strict';
/**
 * The firebase scripts against the real Firebase Auth emulator (npm firebase-tools, pinned in
 * tests/emulators/firebase/package-lock.json, installed outside the clone by
 * `scripts/emulator.sh firebase`): the built dist/firebase/*.js in the sandbox emulation with
 * `Emulator_Host`, against accounts made through the emulator's own REST API. What this proves that
 * our fake cannot: the emulator's real answers (its error codes, its unsigned ID tokens and their
 * claims, its account records, `Bearer owner` for the admin lookup) read as docs/firebase-source.md
 * says. What it cannot: throttling (the emulator never answers TOO_MANY_ATTEMPTS_TRY_LATER),
 * signatures, the service account and Google's token endpoint (the emulator needs none): those
 * are tests/js/firebase-source.test.js, against js/fakes/firebase.js.
 *
 * The emulator (tests/support/firebase-emulator.js) runs with the machine's `node` (firebase-tools
 * 15 needs Node 20 or later), whatever Node runs this test (Auth0's 18 and 22 too), on free loopback
 * ports, in a folder of its own, once for this file; readiness is polled. Not installed: under
 * CI=true it is installed (a failure fails the test), otherwise the tests are skipped with the fix.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { createContainer, formatReport } = require('../../js/sandbox');
const { RUNTIME_EXTRAS } = require('../../js/fakes/dist-harness');
const { SKIP, startEmulator, seedUsers } = require('../support/firebase-emulator');

const ROOT = path.join(__dirname, '..', '..');
const LOGIN = fs.readFileSync(path.join(ROOT, 'dist', 'firebase', 'login.js'), 'utf8');
const GET_USER = fs.readFileSync(path.join(ROOT, 'dist', 'firebase', 'get_user.js'), 'utf8');
const PROJECT = `demo-alm-${process.pid}`;

const USERS = {
  jane: { email: 'jane@example.com', password: 'emulator horse 1', displayName: 'Jane Doe', customAttributes: JSON.stringify({ role: 'editor' }) },
  disabled: { email: 'disabled@example.com', password: 'emulator horse 2', disabled: true },
};

let emulator;
let host;
const printed = [];

test.before(async () => {
  if (SKIP) return;
  emulator = await startEmulator(PROJECT);
  host = emulator.host;
  await seedUsers(emulator, PROJECT, Object.values(USERS));
});
test.after(() => emulator && emulator.stop());

const settings = (extra = {}) => ({ Project_ID: PROJECT, API_Key: 'emulator-key', Emulator_Host: host, ...extra });

async function run(script, kind, args, extra) {
  const c = createContainer({ configuration: settings(extra), documentedOnly: true, extraGlobals: RUNTIME_EXTRAS });
  const r = await c.invoke(script, { kind, args, timeoutMs: 19000 });
  printed.push(formatReport(r), ...r.logs.map(String), r.error ? r.error.message : '', JSON.stringify(r.profile || null));
  assert.deepEqual(r.violations, [], r.violations.join('; '));
  assert.equal(r.callbackCalls, 1);
  return r;
}
const login = (id, pw, extra) => run(LOGIN, 'login', [id, pw], extra);
const getUser = (id, extra) => run(GET_USER, 'get_user', [id], extra);

const janeProfile = () => ({ user_id: USERS.jane.localId, email: USERS.jane.email, email_verified: false, name: 'Jane Doe', user_metadata: {}, app_metadata: { role: 'editor' } });

test('login: the right password migrates the emulator account, its custom claims in app_metadata', { skip: SKIP }, async () => {
  const r = await login('Jane@Example.com', USERS.jane.password);
  assert.equal(r.outcome, 'success', r.error && r.error.message);
  assert.deepEqual(r.profile, janeProfile());
});

test('login: a wrong password (INVALID_PASSWORD) and an unknown email (EMAIL_NOT_FOUND) are wrong credentials', { skip: SKIP }, async () => {
  assert.equal((await login(USERS.jane.email, 'not the password')).outcome, 'wrong_password');
  assert.equal((await login('nobody@example.com', 'whatever')).outcome, 'wrong_password');
});

test('login: an account disabled with accounts:update (USER_DISABLED) is UnauthorizedError', { skip: SKIP }, async () => {
  const r = await login(USERS.disabled.email, USERS.disabled.password);
  assert.equal(r.outcome, 'unauthorized');
});

test('login: Emulator_Host as localhost:PORT reaches the same emulator', { skip: SKIP }, async () => {
  const r = await login(USERS.jane.email, USERS.jane.password, { Emulator_Host: host.replace('127.0.0.1', 'localhost') });
  assert.equal(r.outcome, 'success', r.error && r.error.message);
});

test("login: the emulator's tokens name their project; another Project_ID refuses them", { skip: SKIP }, async () => {
  const r = await login(USERS.jane.email, USERS.jane.password, { Project_ID: 'demo-another' });
  assert.equal(r.outcome, 'error');
  assert.match(r.error.message, /issuer/);
});

test('get_user: found (the same profile as login), not found, disabled (fail closed)', { skip: SKIP }, async () => {
  const found = await getUser('JANE@example.com');
  assert.equal(found.outcome, 'found', found.error && found.error.message);
  assert.deepEqual(found.profile, janeProfile());
  assert.equal((await getUser('nobody@example.com')).outcome, 'not_found');
  assert.equal((await getUser(USERS.disabled.email)).outcome, 'unauthorized');
});

test('throttling (TOO_MANY_ATTEMPTS_TRY_LATER)', { skip: 'the emulator never throttles; tests/js/firebase-source.test.js covers it against js/fakes/firebase.js' }, () => {});

test('nothing printed carries a password (the emulator puts the plain password in its passwordHash)', { skip: SKIP }, () => {
  const text = printed.join('\n');
  for (const u of Object.values(USERS)) assert.ok(!text.includes(u.password), 'a password was printed');
});
