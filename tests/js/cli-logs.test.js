'use strict';
/**
 * `logs` end to end against a fake new tenant whose log holds the events the scripts' calls produced
 * (tenant.addLog; the fake serves GET /api/v2/logs with Auth0's checkpoint and search rules,
 * js/fakes/fake-tenant/logs.js). Covers paging by checkpoint with a small `take` (no event repeated or
 * skipped), the connection filter, the outcome counts, --since / --type / --user, --follow picking up
 * new events, Ctrl-C (exit 130, checkpoint saved) and a SIGKILL each resumed by the next run with the
 * union of printed events equal to all events, a missing read:logs scope (exit 3, the scope named) and
 * a 429 waited out.
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');

const CONN = h.NEW_CONNECTION;
let pair;
let tmp;
let cp;
let seq = 0;

/** The CLI's app on the new tenant gets read:logs (the seed grants it only what the other commands need). */
function grantLogs(tenant, on = true) {
  const app = tenant.clients.find((c) => c.client_id === h.SEED.clients.cli.client_id);
  app.management_api_scopes = app.management_api_scopes.filter((s) => s !== 'read:logs');
  if (on) app.management_api_scopes.push('read:logs');
}

beforeEach(async () => {
  pair = await h.startPair();
  grantLogs(pair.new);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-logs-'));
  cp = path.join(tmp, 'checkpoint.json');
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
after(() => h.assertNoSecrets(h.allOutput()));

/** Adds one event; each gets a unique user_name, which identifies it in the printed lines. */
function add(fields = {}) {
  seq += 1;
  return pair.new.addLog({ type: 's', connection: CONN, user_name: `user${String(seq).padStart(5, '0')}@example.com`, user_id: `auth0|u${seq}`, ...fields });
}
const logs = (args, opts = {}) => h.runCli(['logs', '--checkpoint', cp, ...args], { env: h.newEnv(pair.new), ...opts });
/** The user names of the event lines a run printed, in order. */
const printed = (stdout) => [...stdout.matchAll(/^\S+\s+\S+\s+\S+\s+(user\d{5}@example\.com)/gm)].map((m) => m[1]);
const logRequests = () => pair.new.requests.filter((r) => r.path === '/api/v2/logs');

/** Resolves when `child`'s stdout so far satisfies `pred` (fails the test after ~20 s of waiting). */
function watch(child) {
  let text = '';
  const waiters = [];
  child.stdout.on('data', (c) => {
    text += c;
    for (const w of [...waiters]) if (w.pred(text)) w.resolve(text);
  });
  return (pred) =>
    new Promise((resolve, reject) => {
      if (pred(text)) return resolve(text);
      const t = setTimeout(() => reject(new Error(`timed out waiting; stdout so far:\n${text}`)), 20000);
      waiters.push({
        pred,
        resolve: (v) => {
          clearTimeout(t);
          resolve(v);
        },
      });
    });
}

const until = (pred, what) => h.until(pred, what, 1000);

describe('logs', () => {
  it('pages through the log by checkpoint, `take` at a time: every event of the connection once, in log_id order, counted by outcome', async () => {
    const mine = [];
    for (let i = 0; i < 230; i++) {
      if (i % 5 === 4) add({ connection: 'other-db' }); // another connection: never shown
      mine.push(add({ type: ['s', 'fp', 'f'][i % 3], description: i % 3 === 2 ? 'password check: the old tenant failed (HTTP 503)' : '' }));
    }
    const r = await logs(['--take', '7', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.json.events.map((e) => e.log_id),
      mine.map((e) => e.log_id)
    );
    assert.deepEqual(r.json.counts, { ...r.json.counts, success: 77, wrong_password: 77, old_tenant_down: 76 });
    assert.equal(r.json.events[2].outcome, 'old_tenant_down');
    // Every checkpoint request asked for 7, and each started after the previous page's last event.
    const reads = logRequests().filter((q) => q.query.from !== undefined);
    // The first run starts at the oldest event (found by a date search), then 275 events after it:
    // 39 full pages, one of 2, one empty page that ends the run.
    assert.equal(reads.length, Math.ceil(275 / 7) + 1);
    assert.ok(reads.every((q) => q.query.take === '7'));
    assert.equal(new Set(reads.map((q) => q.query.from)).size, reads.length, 'no page asked twice');

    // A second run starts after the last event read: nothing again, then only what is new.
    const again = await logs([]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(printed(again.stdout), []);
    assert.match(again.stdout, /^this run: 0 event\(s\)$/m);
    assert.match(again.stdout, /every run on this checkpoint .*: 230 event\(s\): success 77, wrong_password 77, old_tenant_down 76/);
    const late = add({ type: 'fp' });
    const third = await logs([]);
    assert.deepEqual(printed(third.stdout), [late.user_name]);
  });

  it('classifies the events the scripts cause: Auth0 event types and the scripts own failure messages', async () => {
    const cases = [
      [{ type: 's' }, 'success'],
      [{ type: 'fp', description: 'Wrong email or password.' }, 'wrong_password'],
      [{ type: 'fu', description: 'Wrong email or password.' }, 'not_found'],
      [{ type: 'f', description: 'Your account is blocked. Please contact support.' }, 'blocked'],
      [{ type: 'f', description: 'Your account has been temporarily locked after too many failed login attempts. Try again later or reset your password.' }, 'blocked'],
      [{ type: 'f', description: 'This password was found in a data breach and can no longer be used. Please reset your password.' }, 'blocked'],
      [{ type: 'f', description: 'password check: no answer from the old tenant (timeout)' }, 'old_tenant_down'],
      [{ type: 'f', description: 'user lookup: the old tenant is rate limiting (HTTP 429); this is not a wrong password, retry later' }, 'old_tenant_down'],
      [{ type: 'f', description: "setup: the old tenant refused the Migration App's credentials; check the `Client_ID` and `Client_Secret` settings" }, 'setup'],
      [{ type: 'f', description: "login: the ID token's signature is not valid; refusing to migrate" }, 'error'],
      [{ type: 'ss' }, 'signup'],
      [{ type: 'fs', description: 'The user already exists.' }, 'signup_failed'],
      [{ type: 'scpr' }, 'password_reset'],
      [{ type: 'fcpr' }, 'password_reset_failed'],
      [{ type: 'w' }, 'other'],
    ];
    const added = cases.map(([f]) => add(f));
    const r = await logs([]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => /user\d{5}@/.test(l));
    assert.equal(lines.length, cases.length);
    cases.forEach(([f, cls], i) => {
      assert.match(lines[i], new RegExp(`^${added[i].date.replace(/\./g, '\\.')}\\s+${f.type}\\s+${cls}\\s+${added[i].user_name}`), lines[i]);
    });
    assert.match(
      r.stdout,
      /^this run: 15 event\(s\): success 1, wrong_password 1, not_found 1, blocked 3, old_tenant_down 2, setup 1, error 1, signup 1, signup_failed 1, password_reset 1, password_reset_failed 1, other 1$/m
    );
    // Said plainly: the scripts' own console line is not in these logs.
    assert.match(r.stderr, /console output, which Auth0 shows only in its real-time logs .*never through the Management API/);
    const help = await h.runCli(['logs', '--help']);
    assert.match(help.stdout, /read:logs/);
    assert.match(help.stdout, /real-time logs/);
  });

  it('--since bounds a first run; --type and --user only show what they name', async () => {
    const day = 86400000;
    const old = add({ type: 'fp', date: new Date(Date.now() - 3 * day).toISOString() });
    const recent = [add({ type: 'fp' }), add({ type: 's' }), add({ type: 'f', description: 'password check: no answer from the old tenant (timeout)' })];
    const r = await logs(['--since', '2d']);
    assert.deepEqual(
      printed(r.stdout),
      recent.map((e) => e.user_name)
    );
    const all = await h.runCli(['logs', '--checkpoint', path.join(tmp, 'all.json'), '--since', '4d'], { env: h.newEnv(pair.new) });
    assert.deepEqual(
      printed(all.stdout),
      [old, ...recent].map((e) => e.user_name)
    );
    const typed = await h.runCli(['logs', '--checkpoint', path.join(tmp, 't.json'), '--type', 'fp,old_tenant_down'], { env: h.newEnv(pair.new) });
    assert.deepEqual(printed(typed.stdout), [recent[0].user_name, recent[2].user_name]);
    const one = await h.runCli(['logs', '--checkpoint', path.join(tmp, 'u.json'), '--user', recent[1].user_name.toUpperCase()], { env: h.newEnv(pair.new) });
    assert.deepEqual(printed(one.stdout), [recent[1].user_name]);
    const byId = await h.runCli(['logs', '--checkpoint', path.join(tmp, 'i.json'), '--user', recent[1].user_id.split('|')[1]], { env: h.newEnv(pair.new) });
    assert.deepEqual(printed(byId.stdout), [recent[1].user_name]);
    const bad = await logs(['--since', 'yesterday']);
    assert.equal(bad.code, 2);
  });

  it('--follow picks up events added while it runs; Ctrl-C exits 130 with the checkpoint saved, and the next run shows exactly the rest', async () => {
    const first = [add(), add({ type: 'fp' })];
    let child;
    let seen;
    const run = logs(['--follow', '--poll-interval', '30'], {
      onSpawn: (c) => {
        child = c;
        seen = watch(c);
      },
    });
    await until(() => seen, 'spawned');
    await seen((t) => first.every((e) => t.includes(e.user_name)));
    const during = [add({ type: 'f', description: 'password check: the old tenant failed (HTTP 502)' }), add()];
    await seen((t) => during.every((e) => t.includes(e.user_name)));
    child.kill('SIGINT');
    const r1 = await run;
    assert.equal(r1.code, 130, r1.stderr);
    assert.match(r1.stderr, /SIGINT: stopping/);
    assert.match(r1.stdout, /^this run: 4 event\(s\): success 2, wrong_password 1, old_tenant_down 1$/m);
    const after1 = [add({ type: 'fp' }), add()];
    const r2 = await logs([]);
    assert.equal(r2.code, 0, r2.stderr);
    const union = [...printed(r1.stdout), ...printed(r2.stdout)];
    assert.deepEqual(
      union,
      [...first, ...during, ...after1].map((e) => e.user_name)
    );
    assert.equal(fs.statSync(cp).mode & 0o077, 0, 'the checkpoint is private');
  });

  it('a SIGKILL in the middle of paging loses nothing: the next run resumes after the last event printed', async () => {
    const all = [];
    for (let i = 0; i < 60; i++) all.push(add({ type: i % 2 ? 's' : 'fp' }));
    // Slow pages, so the run is likely still paging when the hang below stops it (the test holds either way).
    pair.new.faults.set('logs', { kind: 'latency', ms: 40 });
    let child;
    let seen;
    const run = logs(['--follow', '--take', '5', '--poll-interval', '30'], {
      onSpawn: (c) => {
        child = c;
        seen = watch(c);
      },
    });
    await until(() => seen, 'spawned');
    await seen((t) => printed(t).length >= 5);
    // The next request hangs: the run is stopped mid-paging, between two batches, and killed there.
    pair.new.faults.set('logs', { kind: 'hang', times: 1 });
    await until(() => logRequests().some((q) => q.fault === 'hang'), 'a request hung');
    child.kill('SIGKILL');
    const r1 = await run;
    assert.equal(r1.signal, 'SIGKILL');
    const more = [add(), add({ type: 'fp' })];
    const r2 = await logs([]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stderr, /taking over the stale lock/);
    const union = [...printed(r1.stdout), ...printed(r2.stdout)];
    assert.deepEqual(
      union,
      [...all, ...more].map((e) => e.user_name)
    );
  });

  it('without read:logs: exit 3 naming the scope; a 429 is waited out and said', async () => {
    add();
    grantLogs(pair.new, false);
    const denied = await logs([]);
    assert.equal(denied.code, 3, denied.stderr);
    assert.match(denied.stderr, /GET \/api\/v2\/logs failed \(HTTP 403/);
    assert.match(denied.stderr, /fix: grant the app the scope read:logs/);

    grantLogs(pair.new);
    const e = add({ type: 'fp' });
    pair.new.faults.set('logs', { kind: 'rate_limit', retryAfter: 1, times: 1 });
    const r = await logs(['--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /rate limited \(HTTP 429.*\); waiting 1\.0 s/);
    assert.deepEqual(
      r.json.events.map((x) => x.user_name),
      [pair.new.logs[0].user_name, e.user_name]
    );
    assert.equal(r.json.events[1].outcome, 'wrong_password');
    assert.ok(!('ip' in r.json.events[0]), 'no IP address in the output');
  });

  it('refuses a checkpoint of another tenant or connection (exit 2)', async () => {
    add();
    const r = await logs([]);
    assert.equal(r.code, 0, r.stderr);
    const other = await h.runCli(['logs', '--checkpoint', cp], { env: h.newEnv(pair.new, { ALM_NEW_CONNECTION: 'other-db' }) });
    assert.equal(other.code, 2);
    assert.match(other.stderr, /is the checkpoint of .*Username-Password-Authentication, not .*other-db/);
  });
});
