'use strict';
/**
 * `deploy` and `retire --deploy` end to end against a fake new tenant: the dry run changes nothing and
 * masks the secret, the PATCH keeps the connection's other options (Auth0 replaces the whole object),
 * the settings are written in clear (never a ciphertext sent back), a second run is harmless, scripts
 * not written by this tool and settings keys it was not given are refused without --force, and the
 * failure paths exit 2 (settings that would not work, before any request) or 3 (credentials, scopes).
 * The checks before a write (the probe, dist/manifest.json, the backup, the settings record) are in
 * cli-safety-deploy.test.js.
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');

const C = h.SEED.clients;
const DIST = path.join(h.ROOT, 'dist');
const read = (f) => fs.readFileSync(path.join(DIST, f), 'utf8');

let pair;
beforeEach(async () => {
  pair = await h.startPair();
});
afterEach(() => pair.close());
after(() => h.assertNoSecrets(h.allOutput()));

const env = (extraOld = {}, extraNew = {}) => ({ ...h.oldEnv(pair.old, extraOld), ...h.newEnv(pair.new, extraNew) });
const stored = () => pair.new.connection(h.NEW_CONNECTION);

describe('deploy', () => {
  it('--dry-run prints the plan with the secret masked and changes nothing', async () => {
    const before = structuredClone(stored().options);
    const r = await h.runCli(['deploy', '--dry-run', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.dryRun, true);
    assert.deepEqual(
      r.json.changes.map((c) => c.path),
      ['options.customScripts.login', 'options.customScripts.get_user', 'options.enabledDatabaseCustomization', 'options.import_mode', 'options.configuration']
    );
    assert.equal(r.json.changes[4].to.Client_Secret, '********');
    assert.equal(r.json.changes[4].to.Client_ID, C.migrationApp.client_id);
    assert.match(r.stderr, /Client_Secret = \*{8}/);
    assert.match(r.stderr, /dry run: nothing was changed/);
    assert.deepEqual(
      r.json.probes.map((p) => [p.script, p.outcome]),
      [
        ['get_user', 'not_found'],
        ['login', 'wrong_password'],
      ],
      'the settings were proved, even in a dry run'
    );
    assert.equal(r.json.backup, undefined, 'a dry run writes no backup');
    assert.deepEqual(stored().options, before);
    assert.equal(pair.new.connectionPatches, 0);
  });

  it('merges into the options, writes the settings in clear, reads the scripts back; twice is harmless', async () => {
    const r = await h.runCli(['deploy', '--yes'], { env: env({}, {}) });
    assert.equal(r.code, 0, r.stderr);
    const o = stored().options;
    assert.equal(o.customScripts.login, read('login.js'));
    assert.equal(o.customScripts.get_user, read('get_user.js'));
    assert.equal(o.enabledDatabaseCustomization, true);
    assert.equal(o.import_mode, true);
    assert.deepEqual(o.configuration, { Domain: pair.old.domain, Client_ID: C.migrationApp.client_id, Client_Secret: C.migrationApp.client_secret, Connection: 'legacy-db' });
    assert.equal(o.brute_force_protection, true, 'other options are kept');
    assert.deepEqual(o.mfa, { active: true, return_enroll_settings: true });
    assert.equal(o.passwordPolicy, 'good');
    const again = await h.runCli(['deploy', '--yes', '--json'], { env: env() });
    assert.equal(again.code, 0);
    assert.match(again.stderr, /already in place; settings rewritten/);
    assert.deepEqual(
      again.json.changes.map((c) => c.path),
      ['options.configuration']
    );
    assert.equal(stored().options.configuration.Client_Secret, C.migrationApp.client_secret, 'never the encrypted value sent back');
    assert.equal(pair.new.connectionPatches, 2);
  });

  it('refuses to replace scripts it did not write, or drop settings, unless --force (exit 1)', async () => {
    stored().options.customScripts = { login: 'function login(u, p, cb) { cb(null, { user_id: "x" }); }' };
    stored().options.configuration = { Legacy_Key: 'keep me' };
    const r = await h.runCli(['deploy', '--yes', '--json'], { env: env() });
    assert.equal(r.code, 1);
    assert.equal(r.json.refusals.length, 2);
    assert.match(r.json.refusals[0], /did not write/);
    assert.match(r.json.refusals[1], /Legacy_Key[\s\S]*the scripts do not read them: rerun with --force/);
    assert.equal(pair.new.connectionPatches, 0);
    const keep = await h.runCli(['deploy', '--yes', '--force', '--setting', 'Legacy_Key=keep me'], { env: env() });
    assert.equal(keep.code, 2, 'a key the scripts do not read is never deployed');
    assert.match(keep.stderr, /unknown setting "Legacy_Key"/);
    const forced = await h.runCli(['deploy', '--yes', '--force', '--json'], { env: env() });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal('Legacy_Key' in stored().options.configuration, false);
    assert.equal(stored().options.customScripts.login, read('login.js'));
    const backup = JSON.parse(fs.readFileSync(forced.json.backup, 'utf8'));
    assert.deepEqual(backup.options.configuration, { Legacy_Key: null }, 'the key name is kept, not its value');
  });

  it('settings that would not work: exit 2 before any request', async () => {
    const mark = pair.new.requests.length;
    const r = await h.runCli(['deploy', '--yes', '--setting', 'Profile_Source=ldap'], { env: env() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Profile_Source/);
    assert.equal(pair.new.requests.length, mark);
  });

  it('bad credentials and missing scopes: exit 3 with the fix', async () => {
    const bad = await h.runCli(['deploy', '--yes'], { env: env({}, { ALM_NEW_CLIENT_SECRET: 'not-the-SECRET' }) });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /new tenant: client id cli-client-id or its secret was refused[\s\S]*fix: check the client id and ALM_NEW_CLIENT_SECRET/);
    const scope = await h.runCli(['deploy', '--yes'], { env: env({}, { ALM_NEW_CLIENT_ID: C.noScope.client_id, ALM_NEW_CLIENT_SECRET: C.noScope.client_secret }) });
    assert.equal(scope.code, 3);
    assert.match(scope.stderr, /Insufficient scope[\s\S]*fix: grant the app the scope read:connections/);
    const missing = await h.runCli(['deploy', '--yes'], { env: env({}, { ALM_NEW_CONNECTION: 'no-such-db' }) });
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /no database connection named "no-such-db"/);
  });

  it('a 429 on the update is waited out (Retry-After) and the deploy completes', async () => {
    pair.new.faults.set('connection-update', { kind: 'rate_limit', retryAfter: 1, times: 1 });
    const t0 = Date.now();
    const r = await h.runCli(['deploy', '--yes'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(Date.now() - t0 >= 900, 'waited about the second Retry-After asked for');
    assert.match(r.stderr, /rate limited[\s\S]*waiting 1\.0 s/);
    assert.equal(stored().options.customScripts.get_user, read('get_user.js'));
  });
});

describe('retire --deploy', () => {
  it('installs the retired scripts and removes the old tenant settings; doctor accepts it', async () => {
    assert.equal((await h.runCli(['deploy', '--yes'], { env: env() })).code, 0);
    // Everyone is in the new tenant already (retire refuses while anyone is left behind: see
    // cli-safety-retire.test.js); the blocked user need not be.
    for (const u of Object.values(h.SEED.users).filter((x) => x.connection === h.SEED.connections.legacy && x !== h.SEED.users.blocked)) {
      pair.new.addUser({ user_id: u.user_id, connection: h.NEW_CONNECTION, email: u.email.toLowerCase(), created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    }
    const dry = await h.runCli(['retire', '--deploy', '--dry-run', '--poll-interval', '20'], { env: env() });
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(stored().options.customScripts.login, read('login.js'));
    const r = await h.runCli(['retire', '--deploy', '--yes', '--json', '--poll-interval', '20'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.command, 'retire');
    const o = stored().options;
    assert.equal(o.customScripts.login, read('retired/login.js'));
    assert.equal(o.customScripts.get_user, read('retired/get_user.js'));
    assert.deepEqual(o.configuration, {});
    assert.equal(o.import_mode, true);
    const doc = await h.runCli(['doctor'], { env: h.newEnv(pair.new) });
    assert.equal(doc.code, 0, doc.stdout);
    assert.match(doc.stdout, /the retired script/);
  });
});
