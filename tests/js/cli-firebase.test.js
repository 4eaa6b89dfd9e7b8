'use strict';
/**
 * `--source firebase` on the command line, the CLI as a child process:
 * - the settings come from the --firebase-* flags and their variables, the service account's
 *   private key only from ALM_FIREBASE_SERVICE_ACCOUNT_KEY (a --setting is refused, naming it);
 *   the engine's check refuses what the scripts would (exit 2), an emulator host off loopback first;
 * - export refuses the source, exit 2 (status, tail and retire: cli-sources-tail-firebase.test.js);
 * - try login / get_user and doctor with dist/firebase/*.js against the real Firebase Auth
 *   emulator (tests/support/firebase-emulator.js; skipped with the fix when it is not installed,
 *   outside CI). The signed path (service account, Google's keys) cannot be reached from a child
 *   process, whose fetch goes to Google's real addresses: tests/js/firebase-source.test.js runs it
 *   against our fake in the sandbox;
 * - nothing printed holds a password or the private key.
 */
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { SKIP, startEmulator, seedUsers } = require('../support/firebase-emulator');

const PROJECT = `demo-alm-cli-${process.pid}`;
const KEY = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
const JANE = { email: 'jane@example.com', password: `emulator ${crypto.randomBytes(6).toString('hex')}`, displayName: 'Jane Doe' };
const DISABLED = { email: 'disabled@example.com', password: `emulator ${crypto.randomBytes(6).toString('hex')}`, disabled: true };

const production = [
  '--source',
  'firebase',
  '--firebase-project-id',
  'my-app-1234',
  '--firebase-api-key',
  'AIzaSyExampleKey',
  '--firebase-service-account',
  'migrate@my-app-1234.iam.gserviceaccount.com',
];

after(() => {
  h.assertNoSecrets(h.allOutput(), [
    JANE.password,
    DISABLED.password,
    ...KEY.split('\n')
      .filter((l) => l && !l.startsWith('-----'))
      .slice(0, 3),
  ]);
});

describe('--source firebase: settings', () => {
  it('the private key as a --setting is refused, naming its variable', async () => {
    const r = await h.runCli(['try', 'get_user', ...production, '--setting', `Service_Account_Private_Key=${KEY}`, '--user', JANE.email]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /ALM_FIREBASE_SERVICE_ACCOUNT_KEY/);
  });

  it("without the private key, or with an emulator host off loopback: exit 2 from the engine's check, naming the key", async () => {
    const missing = await h.runCli(['try', 'get_user', ...production, '--user', JANE.email]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /Service_Account_Private_Key/);
    const far = await h.runCli([
      'try',
      'get_user',
      '--source',
      'firebase',
      '--firebase-project-id',
      'demo-x',
      '--firebase-api-key',
      'k',
      '--firebase-emulator-host',
      '10.0.0.7:9099',
      '--user',
      JANE.email,
    ]);
    assert.equal(far.code, 2, far.stderr);
    assert.match(far.stderr, /Emulator_Host/);
    assert.match(far.stderr, /unsigned/);
  });

  it('export judges the firebase settings by their own rules: one missing is exit 2 naming it, nothing written (status, tail and retire: tests/js/cli-sources-tail-firebase.test.js)', async () => {
    const out = path.join(os.tmpdir(), `alm-never-written-${process.pid}`);
    const r = await h.runCli(['export', '--source', 'firebase', '--out', out, '--new-connection', 'db']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Project_ID/);
    assert.equal(fs.existsSync(out), false);
  });
});

describe('--source firebase against the Firebase Auth emulator', { skip: SKIP }, () => {
  let emulator;
  before(async () => {
    emulator = await startEmulator(PROJECT);
    await seedUsers(emulator, PROJECT, [JANE, DISABLED]);
  });
  after(() => emulator && emulator.stop());
  const args = () => ['--source', 'firebase', '--firebase-project-id', PROJECT, '--firebase-api-key', 'emulator-key', '--firebase-emulator-host', emulator.host];

  it('try: the right password migrates, a wrong one is wrong_password, get_user finds her, nobody, or a blocked user', async () => {
    const ok = await h.runCli(['try', 'login', ...args(), '--user', JANE.email, '--json'], { input: `${JANE.password}\n` });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.json.script, 'firebase/login.js');
    assert.equal(ok.json.outcome, 'success');
    assert.equal(ok.json.newTenantUserId, `auth0|${JANE.localId}`);
    const wrong = await h.runCli(['try', 'login', ...args(), '--user', JANE.email, '--expect', 'wrong_password'], { input: 'not-janes-password\n' });
    assert.equal(wrong.code, 0, wrong.stderr);
    const found = await h.runCli(['try', 'get_user', ...args(), '--user', JANE.email, '--json']);
    assert.equal(found.json.outcome, 'found', found.stderr);
    assert.equal(found.json.script, 'firebase/get_user.js');
    const nobody = await h.runCli(['try', 'get_user', ...args(), '--user', 'nobody@example.com', '--expect', 'not_found']);
    assert.equal(nobody.code, 0, nobody.stderr);
    const blocked = await h.runCli(['try', 'get_user', ...args(), '--user', DISABLED.email, '--expect', 'unauthorized']);
    assert.equal(blocked.code, 0, blocked.stderr);
  });

  it('ALM_* variables set the same settings as the flags', async () => {
    const env = { ALM_SOURCE: 'firebase', ALM_FIREBASE_PROJECT_ID: PROJECT, ALM_FIREBASE_API_KEY: 'emulator-key', ALM_FIREBASE_EMULATOR_HOST: emulator.host };
    const found = await h.runCli(['try', 'get_user', '--user', JANE.email, '--json'], { env });
    assert.equal(found.json.outcome, 'found', found.stderr);
  });

  it('doctor: the lookup and login credentials are accepted; with --user, the test user migrates', async () => {
    const r = await h.runCli(['doctor', ...args(), '--user', JANE.email], { input: `${JANE.password}\n` });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /lookup credentials accepted/);
    assert.match(r.stdout, /login credentials accepted/);
    assert.match(r.stdout, /users listed for tail, status and retire[^\n]*first page lists \d+ user/);
  });
});
