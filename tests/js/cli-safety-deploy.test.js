'use strict';
/**
 * What `deploy` checks before it writes, what it keeps, and what it records (issue 15), end to end
 * against the fake tenants:
 * - the settings are proved with the real scripts (a wrong secret, an unreachable domain: exit 3,
 *   nothing changed), and the built files against dist/manifest.json (a hand-edited copy: exit 3);
 * - unknown settings keys and values of the wrong shape are exit 2 with a fix, in every command alike;
 * - every write is preceded by a backup (0600, no secret, no settings values), which `--restore` puts
 *   back, hand-written scripts included;
 * - a salted hash of the settings written lets doctor tell whether the deployed settings are yours.
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');

const C = h.SEED.clients;
const DIST = path.join(h.ROOT, 'dist');
const read = (f) => fs.readFileSync(path.join(DIST, f), 'utf8');
const HAND_WRITTEN = 'function login(email, password, callback) {\n  // written by hand, kept nowhere else\n  callback(null, { user_id: "hand-1" });\n}\n';

let pair;
let backups;
let tmp;
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-safety-'));
  backups = path.join(tmp, 'backups');
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
after(() => h.assertNoSecrets(h.allOutput()));

const env = (extraOld = {}, extraNew = {}) => ({ ...h.oldEnv(pair.old, extraOld), ...h.newEnv(pair.new, { ALM_BACKUP_DIR: backups, ...extraNew }) });
const newOnly = (extra = {}) => h.newEnv(pair.new, { ALM_BACKUP_DIR: backups, ...extra });
const stored = () => pair.new.connection(h.NEW_CONNECTION);
const backupFiles = () =>
  fs.existsSync(backups)
    ? fs
        .readdirSync(backups)
        .sort()
        .map((f) => path.join(backups, f))
    : [];

describe('deploy proves the settings before it writes', () => {
  it('a wrong old-tenant client secret: exit 3 naming the probe and the refusal, the connection unchanged', async () => {
    const before = structuredClone(stored().options);
    for (const args of [['deploy'], ['deploy', '--dry-run']]) {
      const r = await h.runCli(args, { env: env({ ALM_CLIENT_SECRET: 'not-the-migration-SECRET' }) });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /the get_user probe refused the settings[\s\S]*answered error instead of not_found: [^\n]*refused the Migration App's credentials/);
      assert.match(r.stderr, /nothing was changed\n\s+fix: check Domain[^\n]*ALM_CLIENT_SECRET/);
      assert.equal(r.stderr.includes('not-the-migration-SECRET'), false);
    }
    assert.deepEqual(stored().options, before);
    assert.equal(pair.new.connectionPatches, 0);
    assert.deepEqual(backupFiles(), [], 'nothing written, so nothing backed up');
  });

  it('a Domain where nothing answers: exit 3, nothing changed', async () => {
    const port = await h.closedPort();
    const r = await h.runCli(['deploy', '--yes', '--json'], { env: env({ ALM_DOMAIN: `127.0.0.1:${port}` }) });
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.json.ok, false);
    assert.match(r.json.error.message, /get_user probe refused the settings[\s\S]*no answer from the old tenant/);
    assert.equal(pair.new.connectionPatches, 0);
  });

  it('a Connection the old tenant does not have: the login probe refuses (exit 3)', async () => {
    const r = await h.runCli(['deploy', '--yes'], { env: env({ ALM_CONNECTION: 'legacy-dbb' }) });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /the login probe refused the settings[\s\S]*instead of wrong_password[\s\S]*`legacy-dbb`/);
    assert.equal(pair.new.connectionPatches, 0);
  });

  it('the help says the probe leaves a failed login in the old tenant', async () => {
    const r = await h.runCli(['deploy', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /one failed login for a made-up user/);
    assert.match(r.stdout, /--restore FILE/);
    assert.match(r.stdout, /--backup-dir DIR\s.*\[ALM_BACKUP_DIR\]/);
  });
});

describe('dist/ is checked against dist/manifest.json', () => {
  it('a hand-edited script, or a missing manifest, is refused with exit 3 and the rebuild', async () => {
    const copy = path.join(tmp, 'dist');
    fs.cpSync(DIST, copy, { recursive: true });
    const file = path.join(copy, 'login.js');
    const text = fs.readFileSync(file, 'utf8');
    let i = text.indexOf('*/') + 40;
    while (!/[a-z]/.test(text[i])) i++;
    fs.writeFileSync(file, text.slice(0, i) + (text[i] === 'a' ? 'b' : 'a') + text.slice(i + 1));
    const r = await h.runCli(['deploy', '--yes', '--dist', copy], { env: env() });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /login\.js was changed after the build: sha256 [0-9a-f]{16}, [^\n]*manifest\.json says [0-9a-f]{16}\n\s+fix: rebuild with `make dist`/);
    assert.equal(pair.new.connectionPatches, 0);
    const tried = await h.runCli(['try', 'login', '--user', 'nobody@example.com', '--dist', copy], { env: env(), input: 'a-password\n' });
    assert.equal(tried.code, 3, tried.stderr);
    assert.match(tried.stderr, /login\.js was changed after the build/);

    fs.rmSync(path.join(copy, 'manifest.json'));
    const none = await h.runCli(['deploy', '--yes', '--dist', copy], { env: env() });
    assert.equal(none.code, 3);
    assert.match(none.stderr, /manifest\.json is missing[\s\S]*fix: rebuild with `make dist`/);
    assert.equal(pair.new.connectionPatches, 0);
  });
});

describe('settings are judged by the scripts, the same way in every command', () => {
  it('unknown keys exit 2 with a did-you-mean, before any request', async () => {
    const mark = pair.new.requests.length;
    const typo = await h.runCli(['deploy', '--yes', '--setting', 'Log_Identifier=true'], { env: env() });
    assert.equal(typo.code, 2, typo.stderr);
    assert.match(typo.stderr, /unknown setting "Log_Identifier" \(did you mean "Log_Identifiers"\?\)[\s\S]*fix: /);
    const cased = await h.runCli(['deploy', '--yes', '--setting', 'domain=x'], { env: env() });
    assert.equal(cased.code, 2, cased.stderr);
    assert.match(cased.stderr, /unknown setting "domain" \(did you mean "Domain"\?\)[\s\S]*fix: set Domain with --domain/);
    assert.equal(pair.new.requests.length, mark);
    assert.equal(pair.new.connectionPatches, 0);
  });

  it('a Domain with http:// is exit 2 with the fix in deploy, doctor, status, tail and try alike', async () => {
    const bad = ['--domain', 'http://old-tenant.eu.auth0.com'];
    const runs = {
      deploy: ['deploy', ...bad],
      doctor: ['doctor', ...bad],
      status: ['status', ...bad, '--state', path.join(tmp, 'status.json')],
      tail: ['tail', ...bad, '--state', path.join(tmp, 'tail.json')],
      try: ['try', 'login', '--user', 'nobody@example.com', ...bad],
    };
    for (const [name, args] of Object.entries(runs)) {
      const r = await h.runCli(args, { env: env(), input: 'a-password\n' });
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /setting `Domain` uses http:\/\/[^\n]*\n\s+fix: correct --domain or ALM_DOMAIN/, name);
    }
    const source = await h.runCli(['deploy', '--yes', '--setting', 'Profile_Source=ldap'], { env: env() });
    assert.equal(source.code, 2);
    assert.match(source.stderr, /`Profile_Source` must be[\s\S]*fix: correct --setting Profile_Source=/);
  });
});

describe('backups and --restore', () => {
  it('every write is preceded by a 0600 backup with no settings value and no secret', async () => {
    assert.equal((await h.runCli(['deploy', '--yes'], { env: env() })).code, 0);
    const r = await h.runCli(['deploy', '--yes', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const files = backupFiles();
    assert.equal(files.length, 2, 'one backup per write');
    assert.equal(r.json.backup, files[1]);
    assert.ok(r.stderr.includes(`saved the connection as it was to ${files[1]}`), 'the path is printed');
    assert.match(path.basename(files[1]), /^con_NewTenantUsers01-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}Z(-\d+)?\.json$/);
    if (process.platform !== 'win32') assert.equal(fs.statSync(files[1]).mode & 0o777, 0o600);
    const text = fs.readFileSync(files[1], 'utf8');
    const doc = JSON.parse(text);
    assert.deepEqual(doc.options.configuration, { Domain: null, Client_ID: null, Client_Secret: null, Connection: null });
    assert.equal(doc.options.customScripts.login, read('login.js'));
    assert.equal(text.includes('fake-encrypted:'), false, 'not even the ciphertexts');
    for (const f of files) h.assertNoSecrets(fs.readFileSync(f, 'utf8'));
  });

  it('--force over a hand-written script keeps it in the backup, and --restore brings it back', async () => {
    stored().options.customScripts = { login: HAND_WRITTEN };
    stored().options.configuration = { Legacy_Key: 'only-in-the-old-setup' };
    const forced = await h.runCli(['deploy', '--yes', '--force', '--json'], { env: env() });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(stored().options.customScripts.login, read('login.js'));
    assert.match(forced.stderr, /saved the connection as it was to .*\.json/);
    const saved = JSON.parse(fs.readFileSync(forced.json.backup, 'utf8'));
    assert.equal(saved.options.customScripts.login, HAND_WRITTEN);
    assert.deepEqual(saved.options.configuration, { Legacy_Key: null });

    // The backup's settings values are gone: restoring without them needs --force, and says which.
    const refused = await h.runCli(['deploy', '--yes', '--restore', forced.json.backup], { env: newOnly() });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stdout, /refused: the backup had the setting\(s\) Legacy_Key[\s\S]*re-enter Legacy_Key by hand/);
    const dry = await h.runCli(['deploy', '--restore', forced.json.backup, '--force', '--dry-run'], { env: newOnly() });
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /~ options\.customScripts\.login: [^\n]*auth0-lazy-migrate[^\n]* -> [^\n]*NOT written by auth0-lazy-migrate/);
    assert.match(dry.stdout, /- options\.customScripts\.get_user/);
    assert.equal(pair.new.connectionPatches, 1, 'refused and dry runs change nothing');

    const restored = await h.runCli(['deploy', '--yes', '--restore', forced.json.backup, '--force', '--json'], { env: newOnly() });
    assert.equal(restored.code, 0, restored.stderr);
    const o = stored().options;
    assert.equal(o.customScripts.login, HAND_WRITTEN);
    assert.equal(o.customScripts.get_user, undefined);
    assert.equal(o.import_mode, undefined);
    assert.deepEqual(o.configuration, {});
    assert.notEqual(restored.json.backup, forced.json.backup, 'restore saves the state it replaces first');
    assert.equal(JSON.parse(fs.readFileSync(restored.json.backup, 'utf8')).options.customScripts.login, read('login.js'));
  });

  it('--restore takes the settings from the usual options, and refuses a backup of another connection or a file that is no backup', async () => {
    assert.equal((await h.runCli(['deploy', '--yes'], { env: env() })).code, 0);
    stored().options.customScripts.login = HAND_WRITTEN;
    const over = await h.runCli(['deploy', '--yes', '--force', '--json'], { env: env() });
    assert.equal(over.code, 0, over.stderr);
    const back = await h.runCli(['deploy', '--yes', '--restore', over.json.backup, '--json'], { env: env() });
    assert.equal(back.code, 0, back.stderr);
    assert.equal(stored().options.customScripts.login, HAND_WRITTEN);
    assert.deepEqual(stored().options.configuration, { Domain: pair.old.domain, Client_ID: C.migrationApp.client_id, Client_Secret: C.migrationApp.client_secret, Connection: 'legacy-db' });

    const other = JSON.parse(fs.readFileSync(over.json.backup, 'utf8'));
    other.connection.id = 'con_SomeOtherOne';
    const otherFile = path.join(tmp, 'other.json');
    fs.writeFileSync(otherFile, JSON.stringify(other));
    const wrong = await h.runCli(['deploy', '--yes', '--restore', otherFile], { env: env() });
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /is a backup of connection [^\n]*con_SomeOtherOne[\s\S]*fix: /);
    const junk = path.join(tmp, 'junk.json');
    fs.writeFileSync(junk, '{"hello": 1}');
    assert.equal((await h.runCli(['deploy', '--yes', '--restore', junk], { env: env() })).code, 2);
  });
});

describe('doctor compares the deployed settings with yours', () => {
  const check = (r) => r.json.checks.find((c) => c.name === 'deployed settings are yours');

  it('match after deploy, differ when any local setting differs, warn without a record', async () => {
    assert.equal((await h.runCli(['deploy', '--yes'], { env: env() })).code, 0);
    const record = stored().metadata.alm_settings;
    assert.match(record, /^v1:[0-9a-f]{16}:[0-9a-f]{64}$/);
    assert.equal(JSON.stringify(stored().metadata).includes(C.migrationApp.client_secret), false);

    const same = await h.runCli(['doctor', '--json'], { env: env() });
    assert.equal(same.code, 0, same.stdout);
    assert.equal(check(same).status, 'ok');

    const prefix = await h.runCli(['doctor', '--json', '--setting', 'User_ID_Prefix=old-'], { env: env() });
    assert.equal(prefix.code, 1);
    assert.equal(check(prefix).status, 'fail');
    assert.equal(check(prefix).detail, 'the deployed settings differ from yours');
    assert.match(check(prefix).fix, /run `auth0-lazy-migrate deploy`/);
    const secret = await h.runCli(['doctor', '--json'], { env: env({ ALM_CLIENT_SECRET: 'another-SECRET-value' }) });
    assert.equal(check(secret).status, 'fail', 'a different secret is a difference too');

    stored().metadata = { owner: 'someone else' };
    const none = await h.runCli(['doctor', '--json'], { env: env() });
    assert.equal(check(none).status, 'warn');
    assert.match(check(none).detail, /no record \(deployed by hand or by an older version\)/);
    const again = await h.runCli(['deploy', '--yes'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(Object.keys(stored().metadata).sort(), ['alm_settings', 'owner'], 'other metadata is sent back');
    assert.notEqual(stored().metadata.alm_settings, record, 'a fresh salt each time');

    const newSide = await h.runCli(['doctor', '--json'], { env: h.newEnv(pair.new) });
    assert.equal(check(newSide), undefined, 'without the settings given here there is nothing to compare');
  });
});
