'use strict';
/**
 * `tail` and `status` end to end: the bulk end of the migration against a fake old tenant (its seed
 * users) and a fake new tenant (an empty connection), with the CLI as a child process. Covers the
 * mapping (same ids and profiles as the scripts), files under 500 KB, at most two jobs at a time,
 * running twice, an interrupted run resumed, a 429 during a job, a job that fails, a user migrated by
 * a login while the import ran, email conflicts, and the failure exits; then the progress report.
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');

const U = h.SEED.users;
const C = h.SEED.clients;
const LEGACY_ACTIVE = Object.values(U).filter((u) => u.connection === 'legacy-db' && u !== U.blocked);

let pair;
let tmp;
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-tail-'));
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
  ALM_STATUS_STATE: path.join(tmp, 'status.json'),
});
const FAST = ['--poll-interval', '20'];
const imports = () => pair.new.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/jobs/users-imports' && r.status === 202).length;
const newUser = (id) => pair.new.users.find((u) => u.user_id === id);

/** Waits until the state file records a submitted job. */
async function untilSubmitted(file) {
  for (let i = 0; i < 500; i++) {
    try {
      const s = JSON.parse(fs.readFileSync(file, 'utf8'));
      if (Object.values(s.jobs).some((j) => j.status === 'submitted')) return s;
    } catch {
      /* not written yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no job was submitted');
}

describe('tail', () => {
  it('imports every old user not in the new tenant, as the scripts map them; blocked ones and present ones are skipped', async () => {
    // One user migrated by a login already (same id as the scripts give it).
    pair.new.addUser({ user_id: U.full.user_id, connection: h.NEW_CONNECTION, email: U.full.email, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    const r = await h.runCli(['tail', '--yes', ...FAST, '--chunk-bytes', '2000', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      { ...r.json.counts },
      {
        old: 8,
        present: 1,
        blocked: 1,
        conflicts: 0,
        invalid: 0,
        markedAbsent: 0,
        skippedListed: 0,
        toImport: 6,
        imported: 6,
        updated: 0,
        failed: 0,
        migratedMeanwhile: 0,
        resumedJobs: 0,
        importedByResumedJobs: 0,
      }
    );
    assert.match(r.json.reminder, /Forgot password/);
    assert.ok(r.json.jobs.length >= 2, 'several files');
    for (const j of pair.new.jobs.list().filter((x) => x.type === 'users_import')) assert.ok(j.fileBytes <= 2000);
    assert.ok(pair.new.jobs.maxActiveImports <= 2);
    for (const u of LEGACY_ACTIVE) assert.ok(newUser(u.user_id), `${u.email} is in the new tenant with the same id`);
    assert.equal(newUser(U.blocked.user_id), undefined);
    const ada = pair.old.findUser(U.username.user_id);
    const imported = newUser(U.username.user_id);
    assert.equal(imported.email, ada.email);
    assert.equal(imported.username, ada.username);
    assert.deepEqual(imported.app_metadata, { roles: ['operator'] });
    assert.equal(imported.connection, h.NEW_CONNECTION);
    assert.equal(newUser('auth0|auth0|5f7c8ec7c33c6c004bbafe87'), undefined, 'ids are not double-prefixed');
    // A second run finds nothing to do.
    const mark = imports();
    const again = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.counts.present, 7);
    assert.equal(again.json.counts.imported, 0);
    assert.equal(imports(), mark, 'no job the second time');
  });

  it('splits a large population into files under 500 KB, two jobs at a time', async () => {
    const note = 'x'.repeat(300);
    for (let i = 0; i < 1500; i++) {
      pair.old.addUser({
        user_id: `auth0|bulk${String(i).padStart(20, '0')}`,
        connection: 'legacy-db',
        email: `bulk.${i}@example.com`,
        email_verified: true,
        name: `Bulk ${i}`,
        user_metadata: { note },
        created_at: '2022-01-01T00:00:00.000Z',
        updated_at: '2022-01-01T00:00:00.000Z',
      });
    }
    pair.new.jobs.durationMs = 60;
    const r = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.counts.imported, 1507);
    const files = pair.new.jobs.list().filter((x) => x.type === 'users_import');
    assert.ok(files.length >= 2);
    for (const f of files) assert.ok(f.fileBytes <= 480000, `file of ${f.fileBytes} bytes`);
    assert.equal(pair.new.jobs.maxActiveImports, 2);
  });

  it('--dry-run plans, lists who would be imported, imports nothing and writes no file', async () => {
    const r = await h.runCli(['tail', ...FAST, '--dry-run', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.counts.toImport, 7);
    assert.deepEqual(r.json.wouldImport.map((u) => u.user_id).sort(), LEGACY_ACTIVE.map((u) => u.user_id).sort());
    assert.equal(imports(), 0);
    assert.deepEqual(fs.readdirSync(tmp), [], 'no state file, no record, no lock left');
    const text = await h.runCli(['tail', ...FAST, '--dry-run'], { env: env() });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`would import: .*${U.full.user_id.replace('|', '\\|')}`));
    assert.deepEqual(fs.readdirSync(tmp), []);
  });

  it('an interrupted run is resumed: the recorded job is awaited, not submitted again', async () => {
    const state = path.join(tmp, 'tail.json');
    pair.new.jobs.hold('users_import');
    let child;
    const first = h.runCli(['tail', '--yes', ...FAST, '--chunk-bytes', '2000', '--concurrency', '1'], {
      env: env(),
      onSpawn: (c) => {
        child = c;
      },
    });
    await untilSubmitted(state);
    child.kill('SIGINT');
    const r1 = await first;
    assert.equal(r1.code, 130, r1.stderr);
    assert.match(r1.stderr, /picked up by the next run/);
    assert.equal(imports(), 1);
    pair.new.jobs.release();
    const r2 = await h.runCli(['tail', '--yes', ...FAST, '--chunk-bytes', '2000', '--json'], { env: env() });
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stderr, /resuming: waiting for 1 job/);
    assert.equal(r2.json.counts.resumedJobs, 1);
    assert.equal(r2.json.counts.failed, 0);
    assert.equal(r2.json.counts.importedByResumedJobs + r2.json.counts.imported, 7);
    assert.equal(r2.json.counts.present, r2.json.counts.importedByResumedJobs);
    for (const u of LEGACY_ACTIVE) assert.ok(newUser(u.user_id), u.email);
    const jobs = pair.new.jobs.list().filter((x) => x.type === 'users_import');
    assert.equal(imports(), jobs.length);
    assert.equal(
      jobs.reduce((n, j) => n + j.summary.inserted, 0),
      7,
      'each user imported once'
    );
    assert.equal(
      jobs.reduce((n, j) => n + j.summary.failed, 0),
      0,
      'no duplicate submission'
    );
  });

  it('a 429 while submitting and polling is waited out', async () => {
    pair.new.faults.set('users-imports', { kind: 'rate_limit', retryAfter: 1, times: 1 });
    pair.new.faults.set('job', { kind: 'rate_limit', retryAfter: 1, times: 1 });
    const r = await h.runCli(['tail', '--yes', ...FAST], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /new tenant: rate limited .*waiting 1\.0 s/);
    for (const u of LEGACY_ACTIVE) assert.ok(newUser(u.user_id));
  });

  it('while two import jobs of someone else fill the tenant (429), tail waits for a free slot', async () => {
    const { multipart } = require('../../js/cli/multipart');
    const tok = await (
      await fetch(`${pair.new.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: C.cli.client_id, client_secret: C.cli.client_secret, audience: pair.new.audience }),
      })
    ).json();
    pair.new.jobs.hold('users_import');
    for (let i = 0; i < 2; i++) {
      const f = multipart({ connection_id: h.NEW_CONNECTION_ID }, { name: 'other.json', text: '[]' });
      const res = await fetch(`${pair.new.url}/api/v2/jobs/users-imports`, { method: 'POST', headers: { authorization: `Bearer ${tok.access_token}`, 'content-type': f.contentType }, body: f.body });
      assert.equal(res.status, 202);
    }
    const run = h.runCli(['tail', '--yes', ...FAST], { env: env() });
    for (let i = 0; i < 200 && !pair.new.requests.some((r) => r.path === '/api/v2/jobs/users-imports' && r.status === 429); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    pair.new.jobs.release();
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /import jobs of someone else fill the tenant's 2 slots; waiting/);
    assert.equal(pair.new.jobs.maxActiveImports, 2);
    for (const u of LEGACY_ACTIVE) assert.ok(newUser(u.user_id));
  });

  it('a job that fails: exit 1 with its users listed; the next run imports them', async () => {
    pair.new.jobs.failNext('users_import');
    const r = await h.runCli(['tail', '--yes', ...FAST, '--chunk-bytes', '2000', '--concurrency', '1', '--json'], { env: env() });
    assert.equal(r.code, 1);
    assert.ok(r.json.counts.failed > 0);
    assert.ok(r.json.failures.every((f) => f.code === 'JOB_FAILED'));
    assert.match(r.stderr, /JOB_FAILED: \d+/);
    const again = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.counts.imported, r.json.counts.failed);
    for (const u of LEGACY_ACTIVE) assert.ok(newUser(u.user_id));
  });

  it('a user migrated by a login while the job ran is not a failure', async () => {
    const state = path.join(tmp, 'tail.json');
    pair.new.jobs.hold('users_import');
    const run = h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env() });
    await untilSubmitted(state);
    pair.new.addUser({ user_id: U.mixedCase.user_id, connection: h.NEW_CONNECTION, email: U.mixedCase.email, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    pair.new.jobs.release();
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.counts.migratedMeanwhile, 1);
    assert.equal(r.json.counts.failed, 0);
    assert.equal(r.json.counts.imported, 6);
  });

  it('an email already in the new tenant under another id is a conflict (exit 1), not imported', async () => {
    pair.new.addUser({ user_id: 'auth0|somebody-else', connection: h.NEW_CONNECTION, email: U.minimal.email, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    const r = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(r.code, 1);
    assert.equal(r.json.counts.conflicts, 1);
    assert.equal(r.json.conflicts[0].user_id, U.minimal.user_id);
    assert.equal(newUser(U.minimal.user_id), undefined);
  });

  it('bad credentials, a missing scope, a failed export: exit 3 with the fix', async () => {
    const bad = await h.runCli(['tail', '--yes', ...FAST], { env: env({ ALM_CLIENT_SECRET: 'wrong-SECRET-here' }) });
    assert.equal(bad.code, 3);
    assert.match(bad.stderr, /old tenant: client id migration-app-client-id or its secret was refused/);
    const scope = await h.runCli(['tail', '--yes', ...FAST], { env: env({}, { ALM_NEW_CLIENT_ID: C.noScope.client_id, ALM_NEW_CLIENT_SECRET: C.noScope.client_secret }) });
    assert.equal(scope.code, 3);
    assert.match(scope.stderr, /fix: grant the app the scope read:users/);
    pair.old.jobs.failNext('users_export');
    const exp = await h.runCli(['tail', '--yes', ...FAST], { env: env() });
    assert.equal(exp.code, 3);
    assert.match(exp.stderr, /old tenant: the export job job_\w+ ended failed/);
    assert.equal(imports(), 0);
    // Runs that stopped before any job leave a state another command may take over; one with jobs is kept.
    const done = await h.runCli(['tail', '--yes', ...FAST], { env: env() });
    assert.equal(done.code, 0, done.stderr);
    const other = await h.runCli(['tail', '--yes', ...FAST], { env: env({ ALM_CONNECTION: 'Username-Password-Authentication' }) });
    assert.equal(other.code, 2, 'the state file belongs to another migration');
  });
});

describe('status', () => {
  it("counts migrated users with the scripts' ids, keeps a history, and estimates the tail", async () => {
    const first = await h.runCli(['status', ...FAST, '--json'], { env: env() });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual({ ...first.json.counts }, { old: 8, blocked: 1, migrated: 0, remaining: 7, markedAbsent: 0, newTotal: 0, newOnly: 0, emailConflicts: 0 });
    assert.equal(first.json.rate, null);
    assert.match(first.stderr, /pace: not known yet/);

    // Two days later, three users have logged in (and one signed up fresh in the new tenant).
    const file = path.join(tmp, 'status.json');
    const s = JSON.parse(fs.readFileSync(file, 'utf8'));
    s.history[0].at = new Date(Date.now() - 2 * 86400000).toISOString();
    fs.writeFileSync(file, JSON.stringify(s));
    for (const u of [U.full, U.minimal, U.username])
      pair.new.addUser({ user_id: u.user_id, connection: h.NEW_CONNECTION, email: u.email, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    pair.new.addUser({ user_id: 'auth0|fresh-signup', connection: h.NEW_CONNECTION, email: 'fresh@example.com', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    const second = await h.runCli(['status', ...FAST, '--tail-below', '2', '--json'], { env: env() });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.json.counts.migrated, 3);
    assert.equal(second.json.counts.remaining, 4);
    assert.equal(second.json.counts.newOnly, 1);
    assert.ok(Math.abs(second.json.rate.perDay - 1.5) < 0.01, String(second.json.rate.perDay));
    assert.ok(Math.abs(second.json.estimate.days - 4 / 3) < 0.01, String(second.json.estimate.days));
    assert.match(second.stderr, /migrated: 3 of 7 \(42\.9%\); remaining: 4/);

    const tail = await h.runCli(['tail', '--yes', ...FAST], { env: env() });
    assert.equal(tail.code, 0, tail.stderr);
    const third = await h.runCli(['status', ...FAST], { env: env() });
    assert.match(third.stdout, /migrated: 7 of 7 \(100\.0%\); remaining: 0/);
    assert.match(third.stdout, /time for `auth0-lazy-migrate tail`/);
  });
});
