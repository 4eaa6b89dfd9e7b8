'use strict';
/**
 * `tail` and `status` safety (issue 15): a mistyped old connection is an error with a did-you-mean,
 * never "100% migrated"; a user the old tenant marked migrated but who is missing from the new tenant
 * is imported and listed (only --skip-users leaves users out); every imported user lands once in the
 * record file; one run at a time (lock file, stale locks taken over); an interrupted `tail --json`
 * still prints one JSON object. Plus brief unit tests of suggest.js and lock.js.
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const h = require('../support/fake-tenant/cli-harness');
const { suggest, didYouMean } = require('../../js/cli/suggest');
const lock = require('../../js/cli/lock');

const U = h.SEED.users;
const LEGACY_ACTIVE = Object.values(U).filter((u) => u.connection === 'legacy-db' && u !== U.blocked);
const FAST = ['--poll-interval', '20'];

let pair;
let tmp;
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-safety-'));
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
after(() => h.assertNoSecrets(h.allOutput()));

const STATE = () => path.join(tmp, 'tail.json');
const RECORD = () => path.join(tmp, 'alm-imported.ndjson');
const env = (extraOld = {}, extraNew = {}) => ({
  ...h.oldEnv(pair.old, extraOld),
  ...h.newEnv(pair.new, extraNew),
  ALM_TAIL_STATE: STATE(),
  ALM_STATUS_STATE: path.join(tmp, 'status.json'),
});
const imports = () => pair.new.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/jobs/users-imports' && r.status === 202).length;
const newUser = (id) => pair.new.users.find((u) => u.user_id === id);
const readRecord = () =>
  fs
    .readFileSync(RECORD(), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const esc = (s) => s.replace(/[|.]/g, (c) => `\\${c}`);

/** Marks an old user as the scripts do after a successful password check. */
function markMigrated(user) {
  const stored = pair.old.findUser(user.user_id);
  stored.app_metadata = { ...(stored.app_metadata || {}), migration_complete: true };
}

const until = (check, what) => h.until(check, what, 1000);

const submittedJob = () => h.submittedJob(STATE());

describe('a mistyped old connection', () => {
  for (const cmd of ['status', 'tail']) {
    it(`${cmd}: wrong case -> exit 3, lists legacy-db, did you mean; nothing imported or counted`, async () => {
      const r = await h.runCli([cmd, ...FAST], { env: env({ ALM_CONNECTION: 'Legacy-DB' }) });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /no user of the export is in the connection "Legacy-DB" \(did you mean "legacy-db"\?\)/);
      assert.match(r.stderr, /connections seen in the export: .*legacy-db \(\d+ users\)/);
      assert.match(r.stderr, /fix: correct --connection \/ ALM_CONNECTION/);
      assert.doesNotMatch(r.stdout + r.stderr, /100\.0%|imported: 0/);
      assert.equal(imports(), 0);
      assert.ok(!fs.existsSync(`${STATE()}.lock`), 'no lock left behind');
      // The corrected command goes ahead (the typo left no state in its way).
      const fixed = await h.runCli([cmd, ...FAST, ...(cmd === 'tail' ? ['--yes'] : [])], { env: env() });
      assert.equal(fixed.code, 0, fixed.stderr);
    });

    it(`${cmd}: a name that matches nothing -> exit 3 listing the connections, one JSON object`, async () => {
      const r = await h.runCli([cmd, ...FAST, '--json'], { env: env({ ALM_CONNECTION: 'nope' }) });
      assert.equal(r.code, 3, r.stderr);
      assert.equal(r.json.ok, false);
      assert.equal(r.json.exitCode, 3);
      assert.match(r.json.error.message, /"nope"; connections seen in the export: .*legacy-db/);
      assert.doesNotMatch(r.json.error.message, /did you mean/);
      assert.match(r.json.error.hint, /--connection \/ ALM_CONNECTION/);
      assert.equal(imports(), 0);
    });
  }
});

describe('users marked migrated by the old tenant', () => {
  it('one absent from the new tenant is imported by tail and listed; status counts it remaining', async () => {
    markMigrated(U.minimal); // absent from the new tenant
    markMigrated(U.full); // and this one is really there
    pair.new.addUser({ user_id: U.full.user_id, connection: h.NEW_CONNECTION, email: U.full.email, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    const st = await h.runCli(['status', ...FAST, '--json'], { env: env() });
    assert.equal(st.code, 0, st.stderr);
    assert.equal(st.json.counts.migrated, 1);
    assert.equal(st.json.counts.remaining, 6);
    assert.equal(st.json.counts.markedAbsent, 1);
    assert.deepEqual(st.json.markedAbsent, [U.minimal.user_id]);
    assert.match(st.stderr, /1 of the remaining are marked migrated by the old tenant but are not in the new tenant/);

    const text = await h.runCli(['tail', '--yes', ...FAST], { env: env() });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`1 user\\(s\\) marked migrated by the old tenant are not in the new tenant: imported \\(${esc(U.minimal.user_id)}\\)`));
    assert.ok(newUser(U.minimal.user_id), 'the marked user is in the new tenant now');
    for (const u of LEGACY_ACTIVE) assert.ok(newUser(u.user_id), u.email);
  });

  it('--json lists them; --skip-users (ids and emails, any case) is the only way to leave users out', async () => {
    markMigrated(U.minimal);
    const dry = await h.runCli(['tail', ...FAST, '--dry-run', '--json'], { env: env() });
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual(dry.json.markedAbsent, [U.minimal.user_id]);
    assert.ok(dry.json.wouldImport.some((u) => u.user_id === U.minimal.user_id));

    const list = path.join(tmp, 'skip.txt');
    fs.writeFileSync(list, `# deleted in the new tenant on purpose\n\n${U.minimal.user_id}\n${U.mixedCase.email.toUpperCase()}   # by email\nnobody@example.com\n`);
    const r = await h.runCli(['tail', '--yes', ...FAST, '--skip-users', list, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.counts.skippedListed, 2);
    assert.deepEqual([...r.json.skippedListed].sort(), [U.minimal.user_id, U.mixedCase.user_id].sort());
    assert.deepEqual(r.json.unmatchedSkips, ['nobody@example.com']);
    assert.match(r.stderr, /warning: 1 entry of --skip-users match no user of the old connection: nobody@example\.com/);
    assert.match(r.stderr, /2 user\(s\) skipped by your --skip-users list/);
    assert.equal(newUser(U.minimal.user_id), undefined);
    assert.equal(newUser(U.mixedCase.user_id), undefined);
    assert.equal(r.json.counts.imported, LEGACY_ACTIVE.length - 2);

    // Without the list, the next run imports them.
    const again = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.counts.imported, 2);
    assert.ok(newUser(U.minimal.user_id));
  });

  it('a bad --skip-users file is a usage error', async () => {
    const list = path.join(tmp, 'skip.txt');
    fs.writeFileSync(list, 'auth0|abc def\n');
    const r = await h.runCli(['tail', '--yes', ...FAST, '--skip-users', list], { env: env() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /line 1 is not one user id or email/);
    const missing = await h.runCli(['tail', '--yes', ...FAST, '--skip-users', path.join(tmp, 'none.txt')], { env: env() });
    assert.equal(missing.code, 2);
    assert.equal(imports(), 0);
  });
});

describe('the record of imported users', () => {
  it('holds exactly the users the import created (ids, emails), 0600, no secret; the output names it and the next step', async () => {
    const r = await h.runCli(['tail', '--yes', ...FAST, '--chunk-bytes', '2000', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.record, RECORD());
    assert.equal(r.json.recordedUsers, LEGACY_ACTIVE.length);
    const lines = readRecord();
    const ids = lines.map((l) => l.user_id);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    assert.deepEqual([...ids].sort(), pair.new.users.map((u) => u.user_id).sort(), "exactly the new tenant's users");
    for (const l of lines) {
      assert.equal(l.email, newUser(l.user_id).email);
      assert.match(l.job, /^job_/);
      assert.ok(!Number.isNaN(Date.parse(l.at)));
      assert.deepEqual(Object.keys(l).sort(), ['at', 'email', 'job', 'user_id']);
    }
    assert.deepEqual(r.json.imported.map((u) => u.user_id).sort(), [...ids].sort());
    if (process.platform !== 'win32') assert.equal(fs.statSync(RECORD()).mode & 0o777, 0o600);
    h.assertNoSecrets(fs.readFileSync(RECORD(), 'utf8'));
    h.assertNoSecrets(fs.readFileSync(STATE(), 'utf8'));

    // A job recorded again after a crash (appended, state not saved yet) adds no line.
    const s = JSON.parse(fs.readFileSync(STATE(), 'utf8'));
    const [jobId, job] = Object.entries(s.jobs)[0];
    job.recorded = false;
    job.members = lines.filter((l) => l.job === jobId).map((l) => ({ user_id: l.user_id, email: l.email }));
    fs.writeFileSync(STATE(), JSON.stringify(s));
    const text = await h.runCli(['tail', '--yes', ...FAST], { env: env() });
    assert.equal(text.code, 0, text.stderr);
    assert.equal(readRecord().length, lines.length);
    assert.match(text.stdout, new RegExp(`record of imported users: ${esc(RECORD())}`));
    assert.match(text.stdout, new RegExp(`auth0-lazy-migrate reset-passwords --record ${esc(RECORD())}`));
  });

  it('a line cut short by a crash is replaced, earlier lines are kept', async () => {
    fs.writeFileSync(RECORD(), `${JSON.stringify({ user_id: 'auth0|earlier', email: 'earlier@example.com', job: 'job_old', at: '2026-01-01T00:00:00.000Z' })}\n{"user_id":"auth0|5f7c8ec7c33c6c00`);
    const r = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(fs.readFileSync(RECORD(), 'utf8').endsWith('\n'));
    const ids = readRecord().map((l) => l.user_id); // every line parses
    assert.deepEqual(ids.sort(), ['auth0|earlier', ...LEGACY_ACTIVE.map((u) => u.user_id)].sort());
  });

  it('--record FILE / ALM_TAIL_RECORD choose the file', async () => {
    const file = path.join(tmp, 'sub', 'mine.ndjson');
    const r = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: { ...env(), ALM_TAIL_RECORD: file } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.record, file);
    assert.equal(fs.readFileSync(file, 'utf8').trim().split('\n').length, LEGACY_ACTIVE.length);
    assert.ok(!fs.existsSync(RECORD()));
  });
});

describe('an interrupted tail --json', () => {
  it('prints one JSON object (interrupted, exit 130); the rerun records the job and imports nobody twice', async () => {
    pair.new.jobs.hold('users_import');
    let child;
    const first = h.runCli(['tail', '--yes', ...FAST, '--chunk-bytes', '2000', '--concurrency', '1', '--json'], {
      env: env(),
      onSpawn: (c) => {
        child = c;
      },
    });
    await until(submittedJob, 'a submitted job');
    child.kill('SIGINT');
    const r1 = await first;
    assert.equal(r1.code, 130, r1.stderr);
    assert.deepEqual(r1.json, { command: 'tail', ok: false, exitCode: 130, interrupted: true, state: STATE(), record: RECORD() });
    assert.ok(!fs.existsSync(`${STATE()}.lock`), 'the lock is released');
    const s = JSON.parse(fs.readFileSync(STATE(), 'utf8'));
    const pending = Object.values(s.jobs).find((j) => j.status === 'submitted');
    assert.ok(pending.members.length > 0 && pending.members.every((m) => m.user_id && m.email), 'its users are kept until recorded');

    pair.new.jobs.release();
    const r2 = await h.runCli(['tail', '--yes', ...FAST, '--chunk-bytes', '2000', '--json'], { env: env() });
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(r2.json.counts.resumedJobs, 1);
    const jobs = pair.new.jobs.list().filter((x) => x.type === 'users_import');
    assert.equal(
      jobs.reduce((n, j) => n + j.summary.inserted, 0),
      LEGACY_ACTIVE.length,
      'each user imported once'
    );
    assert.equal(
      jobs.reduce((n, j) => n + j.summary.failed, 0),
      0
    );
    const ids = readRecord().map((l) => l.user_id);
    assert.deepEqual([...ids].sort(), LEGACY_ACTIVE.map((u) => u.user_id).sort(), 'the resumed job is recorded too, once');
    assert.equal(r2.json.recordedUsers, LEGACY_ACTIVE.length);
  });
});

describe('one run at a time', () => {
  it('a second tail refuses (exit 3, names the pid) while the first holds the lock', async () => {
    pair.old.jobs.hold('users_export'); // the first run waits on its export, holding the lock
    let child;
    const first = h.runCli(['tail', '--yes', ...FAST, '--json'], {
      env: env(),
      onSpawn: (c) => {
        child = c;
      },
    });
    await until(() => fs.existsSync(`${STATE()}.lock`), 'the lock file');
    const second = await h.runCli(['tail', '--yes', ...FAST], { env: env() });
    assert.equal(second.code, 3, second.stderr);
    assert.match(second.stderr, new RegExp(`is held by \`tail\` pid ${child.pid}, started \\d{4}-`));
    assert.match(second.stderr, /fix: wait for that run to finish; if that process is gone, remove .*\.lock/);
    const status = await h.runCli(['status', ...FAST, '--state', STATE()], { env: env() });
    assert.equal(status.code, 3, 'status takes the lock on its state file too');
    assert.match(status.stderr, new RegExp(`is held by \`tail\` pid ${child.pid}`));
    pair.old.jobs.release();
    const r1 = await first;
    assert.equal(r1.code, 0, r1.stderr);
    assert.equal(r1.json.counts.imported, LEGACY_ACTIVE.length);
    assert.ok(!fs.existsSync(`${STATE()}.lock`));
    assert.equal(readRecord().length, LEGACY_ACTIVE.length);
  });

  it('a stale lock (its process is gone) is taken over, and said so', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(`${STATE()}.lock`, JSON.stringify({ pid: dead, startedAt: '2026-01-01T00:00:00.000Z', host: os.hostname(), command: 'tail' }));
    const r = await h.runCli(['tail', '--yes', ...FAST], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`warning: taking over the stale lock .*pid ${dead}.*no longer exists`));
    assert.ok(!fs.existsSync(`${STATE()}.lock`));
    for (const u of LEGACY_ACTIVE) assert.ok(newUser(u.user_id));
  });
});

describe('suggest.js', () => {
  it('case-insensitive match first, then the closest within a small distance', () => {
    assert.equal(suggest('Legacy-DB', ['Username-Password-Authentication', 'legacy-db']), 'legacy-db');
    assert.equal(suggest('legacy-bd', ['legacy-db', 'legacy']), 'legacy-db');
    assert.equal(suggest('Domian', ['Domain', 'Audience']), 'Domain');
    assert.equal(suggest('nope', ['legacy-db', 'Username-Password-Authentication']), null);
    assert.equal(suggest('', ['a']), null);
    assert.equal(didYouMean('Legacy-DB', ['legacy-db']), ' (did you mean "legacy-db"?)');
    assert.equal(didYouMean('zzz', ['legacy-db']), '');
  });
});

describe('lock.js', () => {
  it("refuses a second holder, releases only its own, takes over a dead pid, not another host's", () => {
    const file = path.join(tmp, 'x.json');
    const warnings = [];
    const out = { warn: (m) => warnings.push(m) };
    const a = lock.acquire(file, { command: 'test', out });
    assert.equal(a.path, `${file}.lock`);
    assert.equal(JSON.parse(fs.readFileSync(a.path, 'utf8')).pid, process.pid);
    assert.throws(
      () => lock.acquire(file, { command: 'test', out }),
      (err) => err.exitCode === 3 && err.message.includes(`pid ${process.pid}`) && /remove .*x\.json\.lock/.test(err.hint)
    );
    a.release();
    assert.ok(!fs.existsSync(a.path));

    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: dead, startedAt: 'then', host: os.hostname(), command: 'tail' }));
    const b = lock.acquire(file, { command: 'test', out });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], new RegExp(`stale lock .*pid ${dead}`));
    // Someone removed and re-took the lock meanwhile: release leaves theirs alone.
    fs.writeFileSync(b.path, JSON.stringify({ pid: 1, host: 'elsewhere' }));
    b.release();
    assert.ok(fs.existsSync(b.path));

    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: dead, startedAt: 'then', host: 'another-host', command: 'tail' }));
    assert.throws(() => lock.acquire(file, { out }), /on host another-host/);
  });
});
