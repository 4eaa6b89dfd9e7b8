'use strict';
/**
 * `reset-passwords` end to end: the record of imported users written by hand (with a repeated line, as
 * after a crash, and a user without an email), the CLI as a child process, the fake new tenant's
 * POST /dbconnections/change_password counting who was sent an email. Covers: exactly one email per
 * user, a second run sending none, an interrupted run resumed without duplicates, a 429 waited out, a
 * refused request listed and retried by the next run, an unreachable tenant, a refused setup, the
 * confirmation, --dry-run, the lock against a second run, bad values; and no secret in any output.
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');

const USERS = [
  { user_id: 'auth0|imported0000000000000001', email: 'ana.imported@example.com' },
  { user_id: 'auth0|imported0000000000000002', email: 'bo.imported@example.com' },
  { user_id: 'auth0|imported0000000000000003', email: 'cy.imported@example.com' },
  { user_id: 'auth0|imported0000000000000004', email: 'di.imported@example.com' },
];
const NO_EMAIL = { user_id: 'auth0|imported0000000000000005' };
const EMAILS = USERS.map((u) => u.email).sort();

let pair;
let tmp;
let record;
let sentLog;
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-reset-'));
  record = path.join(tmp, 'alm-imported.ndjson');
  sentLog = `${record}.sent.ndjson`;
  const line = (u, job) => JSON.stringify({ ...u, job, at: '2026-03-01T10:00:00.000Z' });
  fs.writeFileSync(
    record,
    `${[
      line(USERS[0], 'job_a'),
      line(USERS[1], 'job_a'),
      line(NO_EMAIL, 'job_a'),
      line(USERS[0], 'job_a'), // repeated after a crash
      line(USERS[2], 'job_b'),
      line(USERS[3], 'job_b'),
    ].join('\n')}\n`
  );
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
after(() => h.assertNoSecrets(h.allOutput()));

const env = (extra = {}) => h.newEnv(pair.new, extra);
const FAST = ['--rate', '1000'];
const resets = () => pair.new.passwordResets.map((r) => r.email).sort();
const sentLines = () =>
  fs.existsSync(sentLog)
    ? fs
        .readFileSync(sentLog, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

/** Waits until `test()` is true (polling), or fails the test. */
const until = (test, what) => h.until(test, what, 1500);

describe('reset-passwords', () => {
  it('off a terminal it says how far it got at least every heartbeat, and at the end', async () => {
    // The heartbeat shortened to 10 ms (the test-only knob of progress.js); at 600 a minute a send
    // comes every 100 ms, so each one is past the heartbeat and gets its line.
    const lines = (r) => r.stderr.split('\n').filter((l) => /^\d+\/4: last /.test(l));
    const quick = await h.runCli(['reset-passwords', '--record', record, '--rate', '600', '--yes'], { env: env({ ALM_PROGRESS_INTERVAL_MS: '10' }) });
    assert.equal(quick.code, 0, quick.stderr);
    assert.deepEqual(
      lines(quick).map((l) => l.split(':')[0]),
      ['1/4', '2/4', '3/4', '4/4']
    );
    // With the real 30 s heartbeat a short run prints only its last line.
    fs.rmSync(sentLog);
    pair.new.passwordResets.length = 0;
    const plain = await h.runCli(['reset-passwords', '--record', record, '--rate', '600', '--yes'], { env: env() });
    assert.equal(plain.code, 0, plain.stderr);
    assert.deepEqual(
      lines(plain).map((l) => l.split(':')[0]),
      ['4/4']
    );
  });

  it('sends every imported user with an email exactly one reset email; a second run sends none', async () => {
    const r = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(resets(), EMAILS, 'one email each, the repeated line ignored');
    for (const x of pair.new.passwordResets) {
      assert.equal(x.connection, h.NEW_CONNECTION);
      assert.equal(x.client_id, h.SEED.clients.cli.client_id, "the CLI's own new-tenant app by default");
    }
    assert.deepEqual({ ...r.json.counts }, { users: 5, duplicates: 1, alreadySent: 0, withoutEmail: 1, toSend: 4, sent: 4, failed: 0, remaining: 0 });
    assert.deepEqual(r.json.withoutEmail, [{ user_id: NO_EMAIL.user_id }]);
    assert.equal(r.json.sentLog, sentLog);
    assert.deepEqual(
      sentLines()
        .map((l) => l.user_id)
        .sort(),
      USERS.map((u) => u.user_id).sort()
    );
    assert.match(r.stderr, new RegExp(`without an email \\(nothing can be sent\\): 1[\\s\\S]*${NO_EMAIL.user_id.replace('|', '\\|')}`));

    const again = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already sent a reset email by an earlier run: 4/);
    assert.match(again.stdout, /nothing to send/);
    assert.equal(pair.new.passwordResets.length, 4, 'no email the second time');
  });

  it('--dry-run prints the plan and sends nothing (no --yes needed)', async () => {
    const r = await h.runCli(['reset-passwords', '--record', record, '--dry-run', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.dryRun, true);
    assert.equal(r.json.counts.toSend, 4);
    assert.equal(r.json.counts.withoutEmail, 1);
    assert.equal(r.json.counts.duplicates, 1);
    assert.equal(pair.new.passwordResets.length, 0);
    assert.equal(fs.existsSync(sentLog), false);
    const text = await h.runCli(['reset-passwords', '--record', record, '--dry-run'], { env: env() });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /to send now: 4, at most 20 per minute/);
    assert.match(text.stdout, /dry run: no email was sent/);
  });

  it('off a terminal without --yes: the plan, then exit 1 with the way forward, nothing sent', async () => {
    const r = await h.runCli(['reset-passwords', '--record', record, ...FAST], { env: env() });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /to send now: 4/);
    assert.match(r.stderr, /not applied: this needs a confirmation and there is no terminal to ask on; no email was sent/);
    assert.match(r.stderr, /fix: add --yes, or review with --plan-out FILE and apply with --plan FILE/);
    assert.equal(pair.new.passwordResets.length, 0);
    const j = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--json'], { env: env() });
    assert.equal(j.code, 1);
    assert.equal(j.json.exitCode, 1);
    assert.equal(j.json.confirmed, false);
    assert.equal(pair.new.passwordResets.length, 0);
  });

  it('a bad --rate, a missing record or one that is not NDJSON: exit 2 naming what is wrong', async () => {
    for (const rate of ['0', '1001', 'abc', '2.5', '-5']) {
      const r = await h.runCli(['reset-passwords', '--record', record, `--rate=${rate}`, '--yes'], { env: env() });
      assert.equal(r.code, 2, `--rate ${rate}`);
      assert.match(r.stderr, /--rate must be an integer from 1 to 1000/);
    }
    const missing = await h.runCli(['reset-passwords', '--record', path.join(tmp, 'nope.ndjson'), '--yes'], { env: env() });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.ndjson: ENOENT/);
    assert.match(missing.stderr, /fix: .*--record FILE/);
    const bad = path.join(tmp, 'bad.ndjson');
    fs.writeFileSync(bad, `${JSON.stringify(USERS[0])}\n${JSON.stringify(USERS[1])}\nnot json at all\n${JSON.stringify(USERS[2])}\n`);
    const r = await h.runCli(['reset-passwords', '--record', bad, '--yes'], { env: env() });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /bad\.ndjson:3 is not a record of an imported user/);
    assert.equal(pair.new.passwordResets.length, 0);
  });

  it('interrupted midway (Ctrl-C), then run again: the rest are sent, nobody twice', async () => {
    let child;
    const first = h.runCli(['reset-passwords', '--record', record, '--rate', '60', '--yes', '--json'], {
      env: env(),
      onSpawn: (c) => {
        child = c;
      },
    });
    await until(() => sentLines().length >= 1, 'the first line of the sent log');
    child.kill('SIGINT');
    const r1 = await first;
    assert.equal(r1.code, 130, r1.stderr);
    assert.equal(r1.json.interrupted, true, 'one JSON object saying so');
    assert.ok(r1.json.counts.sent >= 1 && r1.json.counts.sent < 4, `sent ${r1.json.counts.sent} before stopping`);
    assert.match(r1.stderr, /SIGINT: stopping after the current request/);
    assert.equal(fs.existsSync(`${sentLog}.lock`), false, 'the lock is released');
    const before = pair.new.passwordResets.length;
    assert.equal(sentLines().length, before, 'every accepted request is in the sent log');

    const r2 = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes', '--json'], { env: env() });
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(r2.json.counts.alreadySent, before);
    assert.equal(r2.json.counts.sent, 4 - before);
    assert.deepEqual(resets(), EMAILS, 'each user exactly once across both runs');
  });

  it('a 429 is waited out and the same user tried again: still exactly one email each', async () => {
    pair.new.faults.set('change-password', { kind: 'rate_limit', retryAfter: 0, times: 2 });
    const r = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.rateLimitedWaits, 2);
    assert.match(r.stderr, /new tenant: rate limited .*waiting 0\.0 s/);
    assert.equal(r.json.counts.sent, 4);
    assert.deepEqual(resets(), EMAILS);
  });

  it('a request Auth0 refuses is listed (exit 1), not in the sent log, and sent by the next run', async () => {
    pair.new.faults.set('change-password', { kind: 'status', status: 500, times: 1 });
    const r = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes', '--json'], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.json.counts.failed, 1);
    assert.equal(r.json.counts.sent, 3);
    assert.equal(r.json.failures[0].email, USERS[0].email);
    assert.match(r.json.failures[0].error, /HTTP 500/);
    assert.equal(sentLines().length, 3);
    const again = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes', '--json'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.json.counts.sent, 1);
    assert.deepEqual(resets(), EMAILS);
  });

  it('the tenant unreachable: exit 3, progress kept; the next run sends everyone once', async () => {
    pair.new.faults.set('change-password', { kind: 'reset', times: 1 });
    const r = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes', '--json'], { env: env() });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.json.error.message, /cannot reach/);
    assert.match(r.json.error.hint, /run the same command again/);
    const again = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(resets(), EMAILS);
  });

  it('an application the connection is not enabled for: exit 3 with the fix, nothing sent; no client secret needed', async () => {
    const e = env({ ALM_RESET_CLIENT_ID: 'no-such-app-client-id' });
    delete e.ALM_NEW_CLIENT_SECRET;
    const r = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes'], { env: e });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /refused the reset request .*Unknown client/);
    assert.match(r.stderr, /fix: enable the connection .*--reset-client-id/);
    assert.equal(pair.new.passwordResets.length, 0);
    assert.equal(sentLines().length, 0);
    // Without the secret, with the default app: works.
    const ok = h.newEnv(pair.new);
    delete ok.ALM_NEW_CLIENT_SECRET;
    const good = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes'], { env: ok });
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /sent: 4/);
    assert.deepEqual(resets(), EMAILS);
  });

  it('a second run at the same time is refused (exit 3) while the first holds the lock', async () => {
    let child;
    const first = h.runCli(['reset-passwords', '--record', record, '--rate', '60', '--yes'], {
      env: env(),
      onSpawn: (c) => {
        child = c;
      },
    });
    await until(() => sentLines().length >= 1, 'the first run to start sending');
    const second = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes', '--json'], { env: env() });
    assert.equal(second.code, 3, second.stderr);
    assert.match(second.json.error.message, /\.sent\.ndjson\.lock is held by `reset-passwords` pid/);
    child.kill('SIGINT');
    const r1 = await first;
    assert.equal(r1.code, 130, r1.stderr);
    const rest = await h.runCli(['reset-passwords', '--record', record, ...FAST, '--yes'], { env: env() });
    assert.equal(rest.code, 0, rest.stderr);
    assert.deepEqual(resets(), EMAILS, 'nobody twice');
  });
});
