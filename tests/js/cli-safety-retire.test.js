'use strict';
/**
 * `retire --deploy` is the one step that can leave users behind for good, and `doctor` after it must
 * never advise switching the migration back on. Against the fakes: retire refuses (exit 1, nothing
 * changed) while an old user is neither in the new tenant nor blocked, and names them; only
 * --accept-loss with the exact count goes past; off a terminal it prints the plan and needs --yes, on
 * one it asks for `yes` (the rest of plan and confirm: cli-plan.test.js); an old connection that
 * matches nobody is refused (exit 3); after a full `tail` it goes ahead. Then `doctor` with dist/
 * missing, or with a retired script of another build, reports the migration as over and never says
 * "run `auth0-lazy-migrate deploy`".
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');

const U = h.SEED.users;
const DIST = path.join(h.ROOT, 'dist');
const read = (f) => fs.readFileSync(path.join(DIST, f), 'utf8');
const LEGACY_ACTIVE = Object.values(U).filter((u) => u.connection === h.SEED.connections.legacy && u !== U.blocked);
const FAST = ['--poll-interval', '20'];
const DEPLOY_FIX = /fix: run `auth0-lazy-migrate deploy/;

let pair;
let tmp;
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-retire-'));
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
after(() => h.assertNoSecrets(h.allOutput()));

const env = (extraOld = {}, extraNew = {}) => ({
  ...h.oldEnv(pair.old, extraOld),
  ...h.newEnv(pair.new, extraNew),
  ALM_TAIL_STATE: path.join(tmp, 'tail.json'),
  ALM_BACKUP_DIR: path.join(tmp, 'backups'),
});
const stored = () => pair.new.connection(h.NEW_CONNECTION);
const exportJobs = () => pair.old.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/jobs/users-exports').length;

/** Puts old users into the new tenant as a login would have (same id). */
function migrated(users) {
  for (const u of users) {
    pair.new.addUser({ user_id: u.user_id, connection: h.NEW_CONNECTION, email: u.email.toLowerCase(), created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
  }
}

/** The live scripts deployed, as during the migration. */
async function deployed() {
  const r = await h.runCli(['deploy', '--yes'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(stored().options.customScripts.login, read('login.js'));
}

describe('retire --deploy: nobody is left behind', () => {
  it('refuses (exit 1) while one user is neither in the new tenant nor blocked, names them, changes nothing', async () => {
    await deployed();
    migrated(LEGACY_ACTIVE.filter((u) => u !== U.minimal));
    const before = structuredClone(stored().options);
    const patches = pair.new.connectionPatches;

    const text = await h.runCli(['retire', '--deploy', '--yes', ...FAST], { env: env() });
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /left behind: 1/);
    assert.match(text.stdout, new RegExp(`${U.minimal.user_id.replace('|', '\\|')}\\s+${U.minimal.email}`));
    assert.match(text.stdout, /fix: run `auth0-lazy-migrate tail`/);
    assert.match(text.stdout, /--accept-loss 1/);
    assert.match(text.stdout, /nothing was changed/);

    const json = await h.runCli(['retire', '--deploy', '--yes', '--json', ...FAST], { env: env() });
    assert.equal(json.code, 1, json.stderr);
    assert.equal(json.json.ok, false);
    assert.equal(json.json.leftBehindCount, 1);
    assert.deepEqual(json.json.leftBehind, [{ user_id: U.minimal.user_id, email: U.minimal.email }]);

    const dry = await h.runCli(['retire', '--deploy', '--dry-run', ...FAST], { env: env() });
    assert.equal(dry.code, 1, 'the dry run shows the same refusal');
    assert.match(dry.stdout, /left behind: 1/);

    assert.deepEqual(stored().options, before, "the connection's scripts and settings are unchanged");
    assert.equal(stored().options.customScripts.login, read('login.js'));
    assert.equal(pair.new.connectionPatches, patches);
  });

  it('--accept-loss with a wrong count is refused (exit 2, naming the real count); the exact count goes ahead', async () => {
    await deployed();
    migrated(LEGACY_ACTIVE.filter((u) => u !== U.minimal));
    const wrong = await h.runCli(['retire', '--deploy', '--yes', '--accept-loss', '2', ...FAST], { env: env() });
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /--accept-loss 2 does not match: 1 user\(s\) would be left behind/);
    assert.equal(stored().options.customScripts.login, read('login.js'));

    const r = await h.runCli(['retire', '--deploy', '--yes', '--accept-loss', '1', '--json', ...FAST], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.acceptedLoss, 1);
    assert.equal(r.json.leftBehindCount, 1);
    assert.match(r.stderr, /--accept-loss 1: 1 user\(s\) are left behind/);
    assert.equal(stored().options.customScripts.login, read('retired/login.js'));
    assert.equal(stored().options.customScripts.get_user, read('retired/get_user.js'));
  });

  it('after a full tail, retire --deploy --yes goes ahead with nobody left behind', async () => {
    await deployed();
    const tail = await h.runCli(['tail', '--yes', ...FAST], { env: env() });
    assert.equal(tail.code, 0, tail.stderr);
    const r = await h.runCli(['retire', '--deploy', '--yes', '--json', ...FAST], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.leftBehindCount, 0);
    assert.deepEqual(r.json.leftBehind, []);
    assert.deepEqual({ ...r.json.counts }, { old: 8, present: 7, blocked: 1, leftBehind: 0 });
    assert.equal(r.json.deployed, true);
    const o = stored().options;
    assert.equal(o.customScripts.login, read('retired/login.js'));
    assert.equal(o.customScripts.get_user, read('retired/get_user.js'));
    assert.deepEqual(o.configuration, {});
  });

  it('off a terminal without --yes: the check and the plan, then exit 1 with the way to review', async () => {
    await deployed();
    migrated(LEGACY_ACTIVE);
    const patches = pair.new.connectionPatches;
    const r = await h.runCli(['retire', '--deploy', ...FAST], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /left behind: 0/);
    assert.match(r.stderr, /not applied: this needs a confirmation and there is no terminal to ask on/);
    assert.match(r.stderr, /fix: add --yes, or review with --plan-out FILE and apply with --plan FILE/);
    assert.equal(exportJobs(), 1, 'the left-behind check is part of the plan');
    assert.equal(pair.new.connectionPatches, patches);
    assert.equal(stored().options.customScripts.login, read('login.js'));
    // The dry run needs no --yes and writes nothing.
    const dry = await h.runCli(['retire', '--deploy', '--dry-run', ...FAST], { env: env() });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /left behind: 0/);
    assert.match(dry.stderr + dry.stdout, /dry run: nothing was changed/);
    assert.equal(pair.new.connectionPatches, patches);
  });

  it('on a terminal it says what ends and asks for yes: anything else aborts (exit 1), yes goes ahead', { skip: !h.HAS_SCRIPT && 'needs script(1)' }, async () => {
    await deployed();
    migrated(LEGACY_ACTIVE);
    const patches = pair.new.connectionPatches;
    const no = await h.runOnTerminal(['retire', '--deploy', ...FAST], { env: env(), answer: h.NEW_CONNECTION });
    assert.ok(no.asked, no.text);
    assert.match(no.text, /This ends the migration on "Username-Password-Authentication": users not in the new tenant can no longer log in/);
    assert.equal(no.code, 1, no.text);
    assert.match(no.text, /not confirmed: nothing was changed/);
    assert.equal(pair.new.connectionPatches, patches);
    assert.equal(stored().options.customScripts.login, read('login.js'));
    const yes = await h.runOnTerminal(['retire', '--deploy', ...FAST], { env: env(), answer: 'yes' });
    assert.ok(yes.asked, yes.text);
    assert.equal(yes.code, 0, yes.text);
    assert.match(yes.text, /deployed the retired scripts/);
    assert.equal(stored().options.customScripts.login, read('retired/login.js'));
  });

  it('an old --connection that matches no user is refused (exit 3) and the real connections are named', async () => {
    await deployed();
    migrated(LEGACY_ACTIVE);
    const r = await h.runCli(['retire', '--deploy', '--yes', ...FAST], { env: env({ ALM_CONNECTION: 'legacy-bd' }) });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /no user of the export is in the connection "legacy-bd"/);
    assert.match(r.stderr, /connections seen in the export: .*legacy-db \(\d+ users\)/);
    assert.match(r.stderr, /fix: correct --connection \/ ALM_CONNECTION/);
    assert.doesNotMatch(r.stdout, /left behind: 0/);
    assert.equal(stored().options.customScripts.login, read('login.js'));
  });
});

describe('doctor after retire never advises un-retiring', () => {
  it('with dist/ missing it reports the migration as over, not "run deploy"', async () => {
    await deployed();
    migrated(LEGACY_ACTIVE);
    assert.equal((await h.runCli(['retire', '--deploy', '--yes', ...FAST], { env: env() })).code, 0);
    const empty = path.join(tmp, 'no-dist');
    fs.mkdirSync(empty);
    const doc = await h.runCli(['doctor', '--dist', empty], { env: h.newEnv(pair.new) });
    assert.doesNotMatch(doc.stdout, DEPLOY_FIX);
    assert.match(doc.stdout, /\[ok\] {3}login script retired: the retired script of auth0-lazy-migrate .*\(retired\).*the migration is over/);
    assert.match(doc.stdout, /\[ok\] {3}get_user script retired: .*the migration is over/);
    assert.equal(doc.code, 0, doc.stdout);
  });

  it('with a retired script of another build it reports the migration as over and at most suggests retire --deploy', async () => {
    const other = (f) => read(f).replace(/^ \* commit \S+/m, ' * commit 0123456789abcdef0123456789abcdef01234567');
    assert.notEqual(other('retired/login.js'), read('retired/login.js'));
    Object.assign(stored().options, {
      customScripts: { login: other('retired/login.js'), get_user: other('retired/get_user.js') },
      enabledDatabaseCustomization: true,
      import_mode: true,
      configuration: {},
    });
    const doc = await h.runCli(['doctor', '--json'], { env: h.newEnv(pair.new) });
    assert.equal(doc.code, 0, doc.stderr);
    const checks = doc.json.checks;
    assert.ok(
      checks.every((c) => !/auth0-lazy-migrate deploy/.test(c.fix || '')),
      JSON.stringify(checks, null, 1)
    );
    const retired = checks.filter((c) => /script retired$/.test(c.name));
    assert.deepEqual(
      retired.map((c) => [c.name, c.status]),
      [
        ['login script retired', 'ok'],
        ['get_user script retired', 'ok'],
      ]
    );
    assert.match(retired[0].detail, /0123456789ab \(retired\).*the migration is over/);
    const stale = checks.filter((c) => c.status === 'warn' && /retired script is the current build/.test(c.name));
    assert.equal(stale.length, 2);
    assert.match(stale[0].fix, /retire --deploy/);
    assert.ok(
      checks.some((c) => c.name === 'settings keys' && c.status === 'ok'),
      'no settings are expected of a retired script'
    );

    // Half retired (the get_user script live): a failure, fixed by retiring both, never by deploy.
    stored().options.customScripts.get_user = read('get_user.js');
    const half = await h.runCli(['doctor'], { env: h.newEnv(pair.new) });
    assert.equal(half.code, 1);
    assert.match(half.stdout, /get_user script deployed and current: .*while the other script is retired\n\s+fix: run `auth0-lazy-migrate retire --deploy` to retire both scripts/);
    assert.doesNotMatch(half.stdout, DEPLOY_FIX);
  });
});
