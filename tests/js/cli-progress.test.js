'use strict';
/**
 * Live feedback while the command line waits on Auth0 jobs (issue #16, js/cli/progress.js):
 * - the status line's model with an injected clock and timer: never wider than 80 columns nor than a
 *   narrower terminal, for every phase, huge counts and long labels; its ETA; the heartbeat off a
 *   terminal (a line at least every 30 s of injected time, none in between); the redraw in place on a
 *   terminal, cleared for a note and drawn again below it;
 * - end to end against the fake tenants, stderr not a terminal: `status` and `tail` print heartbeat
 *   lines while an export job and an import job are held, also while a 429 is waited out (the test-only
 *   ALM_PROGRESS_INTERVAL_MS shortens the interval; lines are counted, never timed);
 * - on a pseudo-terminal (util-linux script(1)): no drawn status line is wider than the terminal, and
 *   a 429 announcement is a line of its own, not written into the status line.
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { Progress, HEARTBEAT_MS, REDRAW_MS, heartbeatMs, duration, render } = require('../../js/cli/progress');
const { Output } = require('../../js/cli/output');

// biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's erase-line sequence is what is looked for
const CLEAR = /\r\x1b\[2K/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: escape sequences are stripped to count visible columns
const ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** A clock and interval timer driven by the test: `advance(ms)` runs what falls due, in order. */
function fakeClock(start = 1_000_000) {
  let t = start;
  const timers = new Set();
  return {
    now: () => t,
    setInterval(fn, ms) {
      const handle = { fn, ms, next: t + ms };
      timers.add(handle);
      return handle;
    },
    clearInterval(handle) {
      timers.delete(handle);
    },
    advance(ms) {
      const end = t + ms;
      for (;;) {
        const due = [...timers].filter((x) => x.next <= end).sort((a, b) => a.next - b.next)[0];
        if (!due) break;
        t = due.next;
        due.next += due.ms;
        due.fn();
      }
      t = end;
    },
    /** Moves time on with the timers paused (a process stopped for a while): none fires for it. */
    jump(ms) {
      t += ms;
      for (const x of timers) x.next += ms;
    },
    get active() {
      return timers.size;
    },
  };
}

/** A stream that records each write with the clock's time; `isTTY`/`columns` as a terminal would say. */
function sink({ isTTY = false, columns, clock } = {}) {
  const s = {
    isTTY,
    columns,
    writes: [],
    write(text, cb) {
      s.writes.push({ at: clock ? clock.now() : 0, text });
      if (cb) cb();
      return true;
    },
    get text() {
      return s.writes.map((w) => w.text).join('');
    },
  };
  return s;
}

/** The segments a terminal draws in place: what follows each erase-line, up to the next \r or \n. */
function drawn(text) {
  return text
    .split(CLEAR)
    .slice(1)
    .map((seg) => /^[^\r\n]*/.exec(seg)[0])
    .filter((seg) => seg !== '');
}

const EXTREMES = [
  { name: 'export, two tenants', phase: 'export', jobs: [{ label: 'old tenant' }, { label: 'new tenant' }] },
  { name: 'export, long labels', phase: 'export', jobs: [{ label: `old tenant ${'x'.repeat(150)}` }, { label: `new tenant ${'é'.repeat(150)}` }] },
  { name: 'import, huge counts', phase: 'import', total: 987654321012345, jobsTotal: 123456789, jobs: [{ users: 987654321012 }, { users: 5 }] },
  { name: 'import, small', phase: 'import', total: 7, jobsTotal: 1, jobs: [{ users: 7 }] },
  { name: 'resume', phase: 'resume', total: 2000000, jobsTotal: 2, jobs: [{ users: 1000000 }, { users: 1000000 }] },
];

describe('the status line (progress.js, injected clock)', () => {
  it('is never wider than 80 columns nor than the terminal, in every phase and state, however big the counts', () => {
    for (const columns of [undefined, 0, 300, 80, 60, 40, 12]) {
      const limit = Math.min(80, columns || 80);
      for (const x of EXTREMES) {
        const clock = fakeClock();
        const stderr = sink({ isTTY: true, columns, clock });
        const out = new Output({ stdout: sink(), stderr, env: {} });
        const p = new Progress(out, { phase: x.phase, total: x.total, jobsTotal: x.jobsTotal, clock });
        x.jobs.forEach((j, i) => {
          p.track(`job${i}`, j);
        });
        clock.advance(REDRAW_MS * 3);
        p.update('job0', { status: 'processing', percentage_done: 37.5, time_left_seconds: 987654321 });
        clock.jump(3600 * 1000 * 50);
        clock.advance(REDRAW_MS);
        p.update('job1', { status: 'completed' });
        p.update('job0', { status: 'failed' });
        clock.advance(REDRAW_MS);
        p.stop();
        const segments = drawn(stderr.text);
        assert.ok(segments.length >= 5, `${x.name}: drawn in place`);
        for (const seg of segments) {
          assert.ok(seg.length <= limit, `${x.name}, ${columns} columns: ${seg.length} > ${limit}: ${seg}`);
          assert.match(seg, /^[\x20-\x7e]*$/, 'printable ASCII only: a character is a column');
        }
        assert.ok(
          segments.some((seg) => seg.startsWith(x.phase)),
          `${x.name}: names the phase`
        );
      }
    }
  });

  it('says the phase, each job status, counts, elapsed time and ETA, shorter when narrow', () => {
    const clock = fakeClock();
    const stderr = sink({ isTTY: true, columns: 80, clock });
    const out = new Output({ stdout: sink(), stderr, env: {} });
    const p = new Progress(out, { phase: 'export', clock });
    p.track('old tenant');
    p.track('new tenant');
    clock.advance(65000);
    p.update('old tenant', { status: 'processing', percentage_done: 40, time_left_seconds: 90 });
    p.update('new tenant', { status: 'completed' });
    assert.equal(p.line(), 'export: old tenant processing 40%, new tenant completed; 1m05s elapsed, ETA 1m30s');
    clock.advance(30000); // no poll meanwhile: the time left counts down
    assert.equal(p.line(), 'export: old tenant processing 40%, new tenant completed; 1m35s elapsed, ETA 1m00s');
    assert.equal(p.line(79), 'export: old tenant processing 40%, new tenant completed | 1m35s, ETA 1m00s');
    assert.equal(p.line(60), 'export: old processing 40%, new completed | 1m35s, ETA 1m00s');
    assert.equal(p.line(50), 'export old run 40%, new done 1m35s ETA 1m00s');
    assert.equal(p.line(20), 'export old run 40...');
    p.stop();
  });

  it('estimates: from time_left_seconds, from percentage_done, from the users done; unknown without any', () => {
    const clock = fakeClock();
    const out = new Output({ stdout: sink(), stderr: sink(), env: {} });
    const exp = new Progress(out, { phase: 'export', clock });
    exp.track('old tenant');
    clock.advance(60000);
    assert.match(exp.line(), /ETA unknown$/, 'Auth0 said nothing of the time left');
    exp.update('old tenant', { status: 'processing', percentage_done: 25 });
    assert.match(exp.line(), /1m00s elapsed, ETA 3m00s$/, '25% in 60 s: 180 s more');
    exp.stop();

    const imp = new Progress(out, { phase: 'import', total: 1000, jobsTotal: 4, clock });
    imp.track('a', { users: 250 });
    clock.advance(100000);
    assert.match(imp.line(), /^import: 0\/1000 users, jobs 0 done 1 running of 4; 1m40s elapsed, ETA unknown$/);
    imp.update('a', { status: 'completed' });
    assert.match(imp.line(), /^import: 250\/1000 users, jobs 1 done 0 running of 4; 1m40s elapsed, ETA 5m00s$/);
    imp.track('b', { users: 250 });
    imp.update('b', { status: 'processing', percentage_done: 100 });
    assert.match(imp.line(), /ETA 1m40s$/, "a running job's percentage counts its users as partly done: 500 of 1000 in 100 s");
    imp.stop();

    assert.deepEqual([0, 45000, 125000, 3 * 3600e3 + 7 * 60e3, 100 * 3600e3].map(duration), ['0s', '45s', '2m05s', '3h07m', '4d04h']);
  });

  it('off a terminal: a heartbeat line every 30 s of waiting, none in between; a change of status is a line and restarts the count', () => {
    const clock = fakeClock();
    const stderr = sink({ clock });
    const out = new Output({ stdout: sink(), stderr, env: {} });
    const p = new Progress(out, { phase: 'export', clock });
    const start = clock.now();
    p.track('old tenant');
    clock.advance(10 * HEARTBEAT_MS);
    assert.deepEqual(
      stderr.writes.map((w) => w.at - start),
      Array.from({ length: 10 }, (_, k) => (k + 1) * HEARTBEAT_MS),
      'exactly one line per 30 s'
    );
    assert.match(stderr.writes[9].text, /^export: old tenant pending; 5m00s elapsed, ETA unknown\n$/);
    assert.doesNotMatch(stderr.text, CLEAR, 'nothing is drawn in place');

    stderr.writes.length = 0;
    clock.advance(HEARTBEAT_MS / 2);
    p.update('old tenant', { status: 'processing' });
    p.update('old tenant', { status: 'processing' }); // no change: no line
    clock.advance(HEARTBEAT_MS * 2);
    assert.deepEqual(
      stderr.writes.map((w) => w.at - start),
      [10.5, 11.5, 12.5].map((k) => k * HEARTBEAT_MS)
    );
    assert.match(stderr.writes[0].text, /^export: old tenant processing; 5m15s elapsed/);
    p.stop();
    assert.equal(clock.active, 0, 'stop() leaves no timer');
    clock.advance(HEARTBEAT_MS * 3);
    assert.equal(stderr.writes.length, 3, 'nothing after stop()');
  });

  it('with --json on a terminal it prints plain lines too (stdout stays one JSON object)', () => {
    const clock = fakeClock();
    const stderr = sink({ isTTY: true, columns: 80, clock });
    const stdout = sink();
    const p = new Progress(new Output({ json: true, stdout, stderr, env: {} }), { phase: 'import', total: 3, jobsTotal: 1, clock });
    p.track('a', { users: 3 });
    clock.advance(HEARTBEAT_MS);
    p.stop();
    assert.equal(stderr.text, 'import: 0/3 users, jobs 0 done 1 running of 1; 30s elapsed, ETA unknown\n');
    assert.equal(stdout.text, '');
  });

  it('on a terminal: redrawn in place every second; a note clears it and it is drawn again below; stop() takes it away', () => {
    const clock = fakeClock();
    const stderr = sink({ isTTY: true, columns: 80, clock });
    const out = new Output({ stdout: sink(), stderr, env: {} });
    const p = new Progress(out, { phase: 'export', clock });
    p.track('old tenant');
    clock.advance(3 * REDRAW_MS);
    assert.deepEqual(
      drawn(stderr.text),
      [0, 1, 2, 3].map((s) => `export: old tenant pending; ${s}s elapsed, ETA unknown`)
    );
    assert.ok(
      stderr.writes.every((w) => w.text.startsWith('\r\x1b[2K') && !w.text.includes('\n')),
      'each draw erases the line first and ends none'
    );
    stderr.writes.length = 0;
    out.info('old tenant: rate limited (HTTP 429); waiting 1.0 s');
    assert.equal(stderr.text, '\r\x1b[2Kold tenant: rate limited (HTTP 429); waiting 1.0 s\n\r\x1b[2Kexport: old tenant pending; 3s elapsed, ETA unknown');
    p.stop();
    assert.ok(stderr.text.endsWith('\r\x1b[2K'), 'the line is erased');
    const before = stderr.text;
    out.info('next');
    clock.advance(5 * REDRAW_MS);
    assert.equal(stderr.text, `${before}next\n`, 'not drawn again');
    assert.equal(clock.active, 0);
  });

  it('heartbeat interval: 30 s; ALM_PROGRESS_INTERVAL_MS (tests only) may shorten it, never lengthen it', () => {
    assert.equal(heartbeatMs({}), HEARTBEAT_MS);
    assert.equal(heartbeatMs({ ALM_PROGRESS_INTERVAL_MS: '50' }), 50);
    assert.equal(heartbeatMs({ ALM_PROGRESS_INTERVAL_MS: '60000' }), HEARTBEAT_MS);
    assert.equal(heartbeatMs({ ALM_PROGRESS_INTERVAL_MS: 'soon' }), HEARTBEAT_MS);
    assert.equal(heartbeatMs({ ALM_PROGRESS_INTERVAL_MS: '1' }), HEARTBEAT_MS);
    assert.ok(render({ phase: 'export', total: null, items: new Map(), done: 0, startedAt: 0 }, 0, 80).length <= 80);
  });
});

// --- End to end against the fake tenants ---------------------------------------------------------

let pair;
let tmp;
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-progress-'));
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
const onTerminal = [];
after(() => h.assertNoSecrets(`${h.allOutput()}\n${onTerminal.join('\n')}`));

const FAST = ['--poll-interval', '20'];
const env = (extra = {}) => ({
  ...h.oldEnv(pair.old),
  ...h.newEnv(pair.new),
  ALM_TAIL_STATE: path.join(tmp, 'tail.json'),
  ALM_STATUS_STATE: path.join(tmp, 'status.json'),
  ALM_PROGRESS_INTERVAL_MS: '50',
  ...extra,
});

/**
 * Watches a child's stderr: `until(test)` resolves once `test(text)` holds for what it printed so far,
 * and rejects, with that text, if it ends first.
 */
function watchStderr(child) {
  let text = '';
  let ended = false;
  const waiters = [];
  child.stderr.on('data', (c) => {
    text += c;
    for (const w of waiters.splice(0)) {
      if (w.test(text)) w.resolve();
      else waiters.push(w);
    }
  });
  child.on('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w.reject(new Error(`the command ended before the expected output:\n${text}`));
  });
  return (test) =>
    new Promise((resolve, reject) => {
      if (test(text)) resolve();
      else if (ended) reject(new Error(`the command ended before the expected output:\n${text}`));
      else waiters.push({ test, resolve, reject });
    });
}
const count = (re) => (text) => (text.match(re) || []).length;

describe('heartbeat off a terminal, end to end', () => {
  it('status: while an export job is held, a line at each interval says both jobs, elapsed and ETA', async () => {
    pair.old.jobs.hold('users_export');
    const heartbeats = /^export: (?=.*old tenant pending)(?=.*new tenant completed).*; \d+s elapsed, ETA unknown$/gm;
    let until;
    const run = h.runCli(['status', ...FAST], { env: env(), onSpawn: (child) => (until = watchStderr(child)) });
    await until((text) => count(heartbeats)(text) >= 3);
    pair.old.jobs.release();
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(count(heartbeats)(r.stderr) >= 3, r.stderr);
    assert.match(r.stderr, /^export: (?=.*old tenant completed)(?=.*new tenant completed)/m, 'the end of the wait is a line');
    assert.doesNotMatch(r.stderr, CLEAR, 'not a terminal: nothing drawn in place');
    assert.match(r.stdout, /migrated: 0 of 7/);
  });

  it('tail: heartbeats while its export is held, then while its import job is held (users, jobs, elapsed)', async () => {
    pair.old.jobs.hold('users_export');
    pair.new.jobs.hold('users_import');
    const exportBeats = /^export: (?=.*old tenant pending).*elapsed/gm;
    const importBeats = /^import: 0\/7 users, jobs 0 done 1 running of 1; \d+s elapsed, ETA unknown$/gm;
    let until;
    const run = h.runCli(['tail', ...FAST, '--yes', '--json'], { env: env(), onSpawn: (child) => (until = watchStderr(child)) });
    await until((text) => count(exportBeats)(text) >= 3);
    pair.old.jobs.release();
    await until((text) => count(importBeats)(text) >= 3);
    pair.new.jobs.release();
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.counts.imported, 7, 'stdout is still one JSON object');
    assert.match(r.stderr, /^file 1\/1: job job_\w+ submitted \(7 users, \d+ bytes\)$/m);
    assert.match(r.stderr, /^file 1\/1: job job_\w+ completed: 7 inserted, 0 failed$/m);
  });

  it("tail resumed after an interruption: heartbeats while the earlier run's job is held", async () => {
    pair.new.jobs.hold('users_import');
    let until;
    let child;
    const first = h.runCli(['tail', ...FAST, '--yes'], {
      env: env(),
      onSpawn: (c) => {
        child = c;
        until = watchStderr(c);
      },
    });
    await until((text) => /job job_\w+ submitted/.test(text));
    // Interrupted once Auth0 accepted the job: it keeps running there (held), the state file has it.
    child.kill('SIGINT');
    const stopped = await first;
    assert.equal(stopped.code, 130, stopped.stderr);
    const beats = /^resume: 0\/7 users, jobs 0 done 1 running of 1; \d+s elapsed, ETA unknown$/gm;
    const again = h.runCli(['tail', ...FAST, '--yes'], { env: env(), onSpawn: (child) => (until = watchStderr(child)) });
    await until((text) => count(beats)(text) >= 3);
    pair.new.jobs.release();
    const r = await again;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /resuming: waiting for 1 job\(s\) submitted by an earlier run/);
    assert.match(r.stdout, /imported: 0 \(and 7 by 1 job\(s\) of an earlier run/);
  });

  it("tail: heartbeats while someone else's import jobs fill the tenant's 2 slots, before its first job", async () => {
    const { multipart } = require('../../js/cli/multipart');
    const C = h.SEED.clients;
    const token = await (
      await fetch(`${pair.new.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: C.cli.client_id, client_secret: C.cli.client_secret, audience: pair.new.audience }),
      })
    ).json();
    pair.new.jobs.hold('users_import');
    for (let i = 0; i < 2; i++) {
      const f = multipart({ connection_id: h.NEW_CONNECTION_ID }, { name: 'other.json', text: '[]' });
      const res = await fetch(`${pair.new.url}/api/v2/jobs/users-imports`, { method: 'POST', headers: { authorization: `Bearer ${token.access_token}`, 'content-type': f.contentType }, body: f.body });
      assert.equal(res.status, 202);
    }
    const beats = /^import: 0\/7 users, jobs 0 done 0 running of 1; \d+s elapsed, ETA unknown$/gm;
    let until;
    const run = h.runCli(['tail', ...FAST, '--yes'], { env: env(), onSpawn: (child) => (until = watchStderr(child)) });
    await until((text) => /fill the tenant's 2 slots/.test(text) && count(beats)(text) >= 3);
    pair.new.jobs.release();
    const r = await run;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /imported: 7/);
  });

  it('the heartbeat goes on while a 429 is waited out, after the announcement', async () => {
    pair.new.faults.set('job', { kind: 'rate_limit', retryAfter: 1, times: 1 });
    const r = await h.runCli(['status', ...FAST], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stderr.split('\n');
    const at = lines.findIndex((l) => /^new tenant: rate limited .*waiting 1\.0 s$/.test(l));
    assert.ok(at >= 0, r.stderr);
    const waiting = lines.slice(at + 1).filter((l) => /^export: .*new tenant (pending|processing)/.test(l));
    assert.ok(waiting.length >= 2, `heartbeats during the wait:\n${r.stderr}`);
  });
});

const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

/** Runs the CLI on a pseudo-terminal (util-linux script(1)), `stty` first if given; calls `during(text)` as output comes. */
function runOnTerminal(args, { env: extra, stty = '', during }) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALM_') && k !== 'COLUMNS'));
  const quote = (a) => `'${String(a).replace(/'/g, "'\\''")}'`;
  const cmd = `${stty ? `stty ${stty}; ` : ''}${[process.execPath, h.CLI, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      env: { ...base, NODE_EXTRA_CA_CERTS: path.join(h.ROOT, 'target', 'test-ca', 'ca.pem'), ...extra },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let text = '';
    const onData = (c) => {
      text += c;
      if (during) during(text);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      onTerminal.push(text);
      resolve({ code, text });
    });
    child.stdin.on('error', () => {});
  });
}

describe('on a terminal (script(1))', { skip: !HAS_SCRIPT && 'needs script(1)' }, () => {
  for (const { columns, stty, limit } of [
    { columns: '80', stty: '', limit: 80 },
    { columns: '80', stty: 'cols 50', limit: 50 },
  ]) {
    it(`status with COLUMNS=${columns}${stty ? ` and stty ${stty}` : ''}: every drawn status line fits in ${limit} columns; a 429 note is a line of its own`, async () => {
      pair.old.jobs.hold('users_export');
      pair.old.faults.set('job', { kind: 'rate_limit', retryAfter: 1, times: 1 });
      let released = false;
      const r = await runOnTerminal(['status', ...FAST], {
        env: env({ COLUMNS: columns }),
        stty,
        during: (text) => {
          if (!released && /old tenant: rate limited/.test(text) && drawn(text).filter((seg) => seg.startsWith('export')).length >= 10) {
            released = true;
            pair.old.jobs.release();
          }
        },
      });
      assert.equal(r.code, 0, r.text);
      const segments = drawn(r.text.replace(/\r\n/g, '\n')).map((s) => s.replace(ESCAPES, ''));
      const status = segments.filter((s) => /^export/.test(s));
      assert.ok(status.length >= 10, `drawn in place:\n${r.text}`);
      for (const s of status) assert.ok(s.length <= limit, `${s.length} > ${limit}: ${s}`);
      // The note starts at column 0 after the erase, and ends its line: never appended to a status line.
      assert.match(r.text.replace(/\r\n/g, '\n'), new RegExp(`${CLEAR.source}old tenant: rate limited [^\\r\\n]*waiting 1\\.0 s\\n`));
      assert.match(r.text, /migrated: 0 of 7/);
    });
  }

  it('tail on a 40-column terminal: the import line (users, jobs, elapsed, ETA) fits, and is gone before the report', async () => {
    pair.new.jobs.hold('users_import');
    let released = false;
    const r = await runOnTerminal(['tail', ...FAST, '--yes'], {
      env: env({ COLUMNS: '80' }),
      stty: 'cols 40',
      during: (text) => {
        if (!released && drawn(text).filter((seg) => seg.startsWith('import')).length >= 10) {
          released = true;
          pair.new.jobs.release();
        }
      },
    });
    assert.equal(r.code, 0, r.text);
    const text = r.text.replace(/\r\n/g, '\n');
    const status = drawn(text)
      .map((s) => s.replace(ESCAPES, ''))
      .filter((s) => /^(export|import)/.test(s));
    assert.ok(
      status.some((s) => /^import 0\/7, jobs 0\+1\/1 \d+s ETA \?$/.test(s)),
      `the import line, in its compact form:\n${status.join('\n')}`
    );
    for (const s of status) assert.ok(s.length <= 40, `${s.length} > 40: ${s}`);
    assert.match(text, new RegExp(`${CLEAR.source}\\nimported: 7\\n`), 'the line is erased before the report');
  });
});
