'use strict';
/**
 * `tail` against Auth0's time limits, end to end with the fake tenants, whose job clock is moved
 * forward instead of waiting (fake-tenant/jobs.js advanceClock): a job is forgotten 24 h after its
 * creation (GET /jobs/{id} is 404) and an import still running 2 h after its creation is failed. So:
 * an interrupted run's old-tenant export is reused while Auth0 still knows it and made again after;
 * an import job Auth0 forgot is settled from the new tenant's users (none lost, none imported twice);
 * an import that outran 2 h lists its users as JOB_FAILED (exit 1) and the next run imports them; and
 * every per-user error of GET /jobs/{id}/errors reaches the failures file, however many there are.
 * And the import submission itself: refused, it leaves no trace; unanswered, its intent is kept.
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');

const U = h.SEED.users;
const LEGACY_ACTIVE = Object.values(U).filter((u) => u.connection === 'legacy-db' && u !== U.blocked);
const FAST = ['--poll-interval', '20'];
const HOUR = 3600 * 1000;

let pair;
let tmp;
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-limits-'));
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
after(() => h.assertNoSecrets(h.allOutput()));

const STATE = () => path.join(tmp, 'tail.json');
const RECORD = () => path.join(tmp, 'alm-imported.ndjson');
const FAILURES = () => path.join(tmp, 'tail.failures.ndjson');
const env = () => ({ ...h.oldEnv(pair.old), ...h.newEnv(pair.new), ALM_TAIL_STATE: STATE() });
const tail = (extra = [], opts = {}) => h.runCli(['tail', '--yes', ...FAST, ...extra], { env: env(), ...opts });
const oldExports = () => pair.old.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/jobs/users-exports').length;
const importJobs = () => pair.new.jobs.list().filter((j) => j.type === 'users_import');
const readLines = (file) =>
  fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

const until = (check, what) => h.until(check, what, 1500);

const submittedJob = () => h.submittedJob(STATE());

/**
 * A run stopped (SIGINT) while its import job is held pending at the new tenant: the state records
 * the job and the old export it planned from. The job stays held.
 */
async function interruptedRun() {
  pair.new.jobs.hold('users_import');
  let child;
  const run = tail([], { onSpawn: (c) => (child = c) });
  await until(() => child && submittedJob(), 'a submitted job in the state');
  child.kill('SIGINT');
  const r = await run;
  assert.equal(r.code, 130, r.stderr);
  assert.equal(importJobs().length, 1);
}

/** Every legacy user is in the new tenant, created by exactly one import, and once in the record. */
function assertEachImportedOnce() {
  for (const u of LEGACY_ACTIVE) {
    assert.ok(
      pair.new.users.some((n) => n.user_id === u.user_id),
      `${u.user_id} in the new tenant`
    );
    assert.equal(pair.new.jobs.creations.get(u.user_id), 1, `${u.user_id} created once`);
  }
  const ids = readLines(RECORD()).map((e) => e.user_id);
  assert.deepEqual([...ids].sort(), LEGACY_ACTIVE.map((u) => u.user_id).sort(), 'each user once in the record');
}

describe("the old tenant's export of an interrupted run", () => {
  it('is reused by the next run while Auth0 still knows it (23 h later): no new export job', async () => {
    await interruptedRun();
    assert.equal(oldExports(), 1);
    pair.new.jobs.release();
    pair.old.jobs.advanceClock(23 * HOUR);
    const r = await tail();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /old tenant: reusing the interrupted run's export \(job job_\w+/);
    assert.equal(oldExports(), 1, 'the old tenant saw no new users-exports job');
    assertEachImportedOnce();
  });

  it('is made again when older than 24 h (Auth0 no longer knows its job): a new export job', async () => {
    await interruptedRun();
    pair.new.jobs.release();
    pair.old.jobs.advanceClock(25 * HOUR);
    const r = await tail();
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /old tenant: the interrupted run's export \(job job_\w+, [^)]+\) is older than 24 h: exporting again/);
    assert.doesNotMatch(r.stderr, /reusing/);
    assert.equal(oldExports(), 2, 'the old tenant saw a new users-exports job');
    assertEachImportedOnce();
  });
});

describe('an import job Auth0 no longer knows (404 after 24 h)', () => {
  it('that imported its users: they are recorded as imported, none sent again, none created twice', async () => {
    await interruptedRun();
    pair.new.jobs.release(); // the job runs and creates the users, then is forgotten
    await until(() => importJobs()[0].status === 'completed', 'the job to complete');
    pair.new.jobs.advanceClock(25 * HOUR);
    const r = await tail(['--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /job job_\w+ of an earlier run is no longer known to Auth0 \(jobs expire after 24 h\)/);
    assert.equal(importJobs().length, 1, 'no import job was submitted again');
    assert.equal(r.json.counts.toImport, 0);
    assertEachImportedOnce();
  });

  it('that imported its users, one of whom has logged in since: that one is left out of the record (no reset email needed)', async () => {
    await interruptedRun();
    pair.new.jobs.release();
    await until(() => importJobs()[0].status === 'completed', 'the job to complete');
    pair.new.jobs.advanceClock(25 * HOUR);
    const [loggedIn, ...rest] = LEGACY_ACTIVE;
    pair.new.users.find((n) => n.user_id === loggedIn.user_id).logins_count = 1; // reset, then logged in
    const r = await tail(['--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /1 user\(s\) of job\(s\) an earlier run could not confirm have logged in to the new tenant since: not in the record/);
    const ids = readLines(RECORD()).map((e) => e.user_id);
    assert.deepEqual([...ids].sort(), rest.map((u) => u.user_id).sort());
    assert.equal(importJobs().length, 1, 'no import job was submitted again');
  });

  it('that imported nobody (it failed): its users are imported by the next run, each once', async () => {
    await interruptedRun();
    pair.new.jobs.failNext('users_import', 1);
    pair.new.jobs.release();
    await until(() => importJobs()[0].status === 'failed', 'the job to fail');
    pair.new.jobs.advanceClock(25 * HOUR);
    const r = await tail(['--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no longer known to Auth0/);
    assert.equal(r.json.counts.toImport, LEGACY_ACTIVE.length);
    assert.equal(importJobs().length, 2);
    assertEachImportedOnce();
  });
});

describe('an import job still running 2 h after its creation', () => {
  it('is failed as Auth0 does: its users listed JOB_FAILED, exit 1; the next run imports them', async () => {
    pair.new.jobs.hold('users_import');
    let child;
    const run = tail([], { onSpawn: (c) => (child = c) });
    await until(() => child && submittedJob(), 'a submitted job in the state');
    pair.new.jobs.advanceClock(2 * HOUR + 1000); // the run's next poll finds the job failed
    const r = await run;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`failed: ${LEGACY_ACTIVE.length} in import jobs`));
    assert.match(r.stdout, new RegExp(`^ {2}JOB_FAILED: ${LEGACY_ACTIVE.length} \\(e\\.g\\. auth0\\|`, 'm'));
    const failed = readLines(FAILURES());
    assert.deepEqual(failed.map((f) => f.user_id).sort(), LEGACY_ACTIVE.map((u) => u.user_id).sort());
    for (const f of failed) assert.equal(f.code, 'JOB_FAILED');
    assert.equal(pair.new.jobs.creations.size, 0, 'the failed job created nobody');

    pair.new.jobs.release(); // the failed job stays failed
    const next = await tail();
    assert.equal(next.code, 0, next.stderr);
    assert.ok(!fs.existsSync(FAILURES()), 'no failure left');
    assertEachImportedOnce();
  });
});

describe('an import job of an earlier run that Auth0 failed at 2 h (found by the next run)', () => {
  it('created nobody: the same run imports its users, each once, and leaves no failure behind', async () => {
    await interruptedRun();
    pair.new.jobs.advanceClock(2 * HOUR + 1000); // still pending past 2 h: Auth0 fails it
    pair.new.jobs.timeOutDue(); // before anyone polls it
    pair.new.jobs.release(); // the failed job stays failed; new jobs run
    const r = await tail(['--json']);
    assert.equal(importJobs()[0].status, 'failed');
    assert.equal(importJobs().length, 2, "one new job, for the failed one's users");
    assert.equal(r.json.counts.toImport, LEGACY_ACTIVE.length, r.stderr);
    assertEachImportedOnce();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.counts.resumedJobs, 1);
    assert.equal(r.json.counts.importedByResumedJobs, 0, 'the failed job created nobody');
    assert.ok(!fs.existsSync(FAILURES()), 'its users were imported after all: no failure is left');
  });
});

describe('per-user errors of GET /jobs/{id}/errors', () => {
  it('are all listed: the text names the first 10, the failures file every one', async () => {
    // 15 old users whose username is taken in the new tenant by someone else: Auth0 refuses each
    // (DUPLICATED_USER) and the plan, which matches ids and emails, cannot see it coming.
    const clashing = [];
    for (let i = 1; i <= 15; i++) {
      const id = `auth0|clash${String(i).padStart(2, '0')}`;
      clashing.push(id);
      pair.old.addUser({ user_id: id, connection: 'legacy-db', email: `clash${i}@example.com`, username: `clash${i}`, password: `Pw-clash-${i}-x9`, created_at: '2026-01-01T00:00:00.000Z' });
      pair.new.addUser({ user_id: `auth0|other${i}`, connection: h.NEW_CONNECTION, email: `other${i}@example.com`, username: `clash${i}`, created_at: '2026-01-01T00:00:00.000Z' });
    }
    const r = await tail();
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      pair.new.requests.some((q) => /^\/api\/v2\/jobs\/[^/]+\/errors$/.test(q.path)),
      'the errors were read'
    );
    assert.match(r.stdout, /failed: 15 in import jobs/);
    assert.match(r.stdout, /^ {2}DUPLICATED_USER: 15 /m);
    const line = r.stdout.split('\n').find((l) => l.startsWith('  failed users: '));
    assert.ok(line, r.stdout);
    const shown = line.match(/auth0\|clash\d+/g);
    assert.equal(shown.length, 10);
    assert.match(line, /\.\.\. \(5 more\)$/);
    assert.match(r.stdout, new RegExp(`every failed user: ${FAILURES().replace(/[.|]/g, '\\$&')}`));
    const failed = readLines(FAILURES());
    assert.deepEqual(failed.map((f) => f.user_id).sort(), clashing, 'every failed user, none dropped, none twice');
    for (const f of failed) {
      assert.equal(f.code, 'DUPLICATED_USER');
      assert.match(f.job, /^job_/);
    }
    for (const u of LEGACY_ACTIVE) assert.ok(pair.new.users.some((n) => n.user_id === u.user_id));
  });
});

describe('the import submission (POST /jobs/users-imports, sent by hand: js/cli/multipart.js)', () => {
  const intents = () => Object.keys(JSON.parse(fs.readFileSync(STATE(), 'utf8')).intents || {});

  it('refused (403, a scope missing): exit 3 naming the call and the scope to grant; no intent left; the next run imports everyone once', async () => {
    const body = { statusCode: 403, error: 'Forbidden', message: 'Insufficient scope, expected any of: create:users', errorCode: 'insufficient_scope' };
    pair.new.faults.set('users-imports', { kind: 'status', status: 403, body, times: 1 });
    const r = await tail();
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /new tenant: POST \/api\/v2\/jobs\/users-imports failed \(HTTP 403 insufficient_scope: Insufficient scope/);
    assert.match(r.stderr, /grant the app the scope create:users/);
    assert.equal(importJobs().length, 0);
    assert.deepEqual(intents(), [], 'a refusal with a reply means no job: its intent is dropped');

    const next = await tail();
    assert.equal(next.code, 0, next.stderr);
    assertEachImportedOnce();
  });

  it('unanswered (connection reset): exit 3 "cannot reach"; the intent stays; the next run settles it and imports everyone once', async () => {
    pair.new.faults.set('users-imports', { kind: 'reset', times: 1 });
    const r = await tail();
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /new tenant: cannot reach https:\/\/[^ ]+ \(/);
    assert.equal(importJobs().length, 0);
    assert.equal(intents().length, 1, 'without a reply the job may exist: the intent is kept for the next run');

    const next = await tail();
    assert.equal(next.code, 0, next.stderr);
    assertEachImportedOnce();
  });
});
