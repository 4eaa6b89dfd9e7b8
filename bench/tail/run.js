#!/usr/bin/env node
'use strict';
/**
 * `make bench-tail`: the bulk tail at 100k and 1M old users (issue 14). For each size, a fake tenant
 * pair in a child process (bench/tail/tenants.js: a synthetic streamed export, import jobs that finish
 * in a few ms) and the real `tail --yes` in a process of its own, measured from outside
 * (bench/tail/measure.js):
 * - a whole run: peak RSS, wall time, the CLI's CPU seconds, time to its first import job;
 * - resume: a second pair, the tail SIGKILLed once half its import files are submitted, then run again:
 *   time to its first new job and to the end, and whether every user arrived exactly once.
 *
 * Imports are Auth0-bound (2 jobs at a time, minutes each on a real tenant), so the pipeline's own speed
 * is users per CPU second of the CLI: it sleeps while it waits on a job. Budgets: peak RSS at most
 * 256 MB at 1M users, and flat (at most +25%) from 100k to 1M. A run that crashes, times out or
 * passes the memory ceiling is reported as such, never waited on.
 *
 *   node bench/tail/run.js                       100k and 1M (about 10 minutes on 2 cores)
 *   node bench/tail/run.js --users 20000,50000   other sizes (a quick check of the harness)
 *   node bench/tail/run.js --json | --markdown   machine-readable | the BENCHMARKS.md section
 *   node bench/tail/run.js --record              rewrites that section of BENCHMARKS.md in place
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { fork, execFileSync } = require('node:child_process');
const { ensureTestCa, DEFAULT_CA_DIR } = require('../../js/fakes/ca');
const { SEED } = require('../../js/fakes/seed');
const { NEW_CONNECTION } = require('../../js/fakes/world');
const { BLOCKED_EVERY } = require('../../js/fakes/fake-tenant/synthetic');
const { runCli, firstAt } = require('./measure');
const { render, record } = require('./report');

const USAGE = 'usage: node bench/tail/run.js [--users N,N] [--timeout-s S] [--ceiling-mb MB] [--json | --markdown | --record]';
const opts = { users: [100000, 1000000], timeoutS: 900, ceilingMb: 3072, json: false, markdown: false, record: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--users') opts.users = String(argv[++i]).split(',').map(Number);
  else if (a === '--timeout-s') opts.timeoutS = Number(argv[++i]);
  else if (a === '--ceiling-mb') opts.ceilingMb = Number(argv[++i]);
  else if (a === '--json' || a === '--markdown' || a === '--record') opts[a.slice(2)] = true;
  else {
    process.stderr.write(`${a === '--help' ? '' : `unknown option ${a}\n`}${USAGE}\n`);
    process.exit(a === '--help' ? 0 : 2);
  }
}
if (!opts.users.every((n) => Number.isInteger(n) && n > 0)) {
  process.stderr.write(`--users takes sizes such as 100000,1000000\n${USAGE}\n`);
  process.exit(2);
}

const log = (text) => process.stderr.write(`bench-tail: ${text}\n`);
const SUBMITTED = /file (\d+)\/(\d+): job \S+ submitted/;
const POLL = ['--poll-interval', '50'];

/** Forks the tenant pair for `users` old users; resolves {old, new, stats(), close()}. */
function startTenants(users) {
  const child = fork(path.join(__dirname, 'tenants.js'), [String(users), '10'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the fake tenants exited (${code})`)));
    child.once('message', (m) => {
      resolve({
        old: m.old,
        new: m.new,
        stats: () =>
          new Promise((done) => {
            child.once('message', done);
            child.send({ type: 'stats' });
          }),
        close: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            child.once('exit', done);
            child.disconnect();
          }),
      });
    });
  });
}

function cliEnv(pair, dir) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALM_')));
  return {
    ...base,
    NODE_EXTRA_CA_CERTS: path.join(DEFAULT_CA_DIR, 'ca.pem'),
    ALM_DOMAIN: pair.old,
    ALM_CLIENT_ID: SEED.clients.migrationApp.client_id,
    ALM_CLIENT_SECRET: SEED.clients.migrationApp.client_secret,
    ALM_CONNECTION: SEED.connections.legacy,
    ALM_NEW_DOMAIN: pair.new,
    ALM_NEW_CLIENT_ID: SEED.clients.cli.client_id,
    ALM_NEW_CLIENT_SECRET: SEED.clients.cli.client_secret,
    ALM_NEW_CONNECTION: NEW_CONNECTION,
    ALM_TAIL_STATE: path.join(dir, 'tail.json'),
  };
}

/** What a finished run says about itself: exit, why it stopped, its error message. */
function outcome(r) {
  if (r.stoppedBy === 'timeout') return `killed after ${opts.timeoutS} s (timeout)`;
  if (r.stoppedBy === 'ceiling') return `killed at the ${opts.ceilingMb} MB RSS ceiling`;
  if (r.stoppedBy === 'test') return 'SIGKILLed midway (as planned)';
  const err = r.json && r.json.error ? `: ${r.json.error.message}` : '';
  return `exit ${r.code === null ? r.signal : r.code}${err}`;
}

/** One size: a whole run, then a killed run resumed, each on a fresh tenant pair. */
async function size(users) {
  const seeded = 7; // the seed's active legacy-db users (js/fakes/seed.js) come along
  const expected = users - Math.floor(users / BLOCKED_EVERY) + seeded;
  const out = { users, expected };
  const timeoutMs = opts.timeoutS * 1000;
  const ceilingMb = opts.ceilingMb;

  let dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-bench-tail-'));
  let pair = await startTenants(users);
  try {
    log(`${users} users: whole run`);
    const r = await runCli(['tail', '--yes', '--json', ...POLL], { env: cliEnv(pair, dir), timeoutMs, ceilingMb });
    const s = await pair.stats();
    const firstJob = firstAt(r.lines, SUBMITTED);
    const timings = r.json && r.json.timings; // if tail reports its own split, it is preferred
    out.run = {
      ok: r.code === 0,
      outcome: outcome(r),
      peakMb: r.peakMb,
      wallS: r.ms / 1000,
      cpuS: r.cpuS,
      firstJobS: firstJob === null ? null : firstJob / 1000,
      pipelineS: timings && typeof timings.pipelineMs === 'number' ? timings.pipelineMs / 1000 : null,
      jobWaitS: timings && typeof timings.jobWaitMs === 'number' ? timings.jobWaitMs / 1000 : firstJob === null ? null : (r.ms - firstJob) / 1000,
      jobs: s.new.importJobs,
      imported: s.new.imported,
      fakesRssMb: s.rssMb,
    };
    log(`${users} users: ${out.run.outcome}, peak ${r.peakMb.toFixed(0)} MB, ${(r.ms / 1000).toFixed(1)} s`);
  } finally {
    await pair.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-bench-tail-'));
  pair = await startTenants(users);
  try {
    log(`${users} users: SIGKILL midway, then resume`);
    let killedAt = null;
    const first = await runCli(['tail', '--yes', '--json', ...POLL], {
      env: cliEnv(pair, dir),
      timeoutMs,
      ceilingMb,
      onLine: (text, t, child) => {
        const m = SUBMITTED.exec(text);
        if (m && killedAt === null && Number(m[1]) >= Math.ceil(Number(m[2]) / 2)) {
          killedAt = { file: Number(m[1]), of: Number(m[2]), s: t / 1000 };
          child.kill();
        }
      },
    });
    if (killedAt === null) {
      out.resume = { ok: false, outcome: `never reached half of its files: ${outcome(first)}` };
      return out;
    }
    const again = await runCli(['tail', '--yes', '--json', ...POLL], { env: cliEnv(pair, dir), timeoutMs, ceilingMb });
    const s = await pair.stats();
    const firstNew = firstAt(again.lines, SUBMITTED);
    out.resume = {
      ok: again.code === 0 && s.new.imported === expected,
      outcome: outcome(again),
      killedAt,
      firstJobS: firstNew === null ? null : firstNew / 1000,
      wallS: again.ms / 1000,
      peakMb: again.peakMb,
      imported: s.new.imported,
      duplicates: s.new.duplicates,
    };
    log(`${users} users: resumed, ${out.resume.outcome}, ${(again.ms / 1000).toFixed(1)} s`);
  } finally {
    await pair.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** The commit measured, and whether the working tree differs from it (read-only git). */
function commitOf() {
  try {
    const git = (...a) => execFileSync('git', a, { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8' }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' (working tree modified)' : ''}`;
  } catch {
    return 'unknown';
  }
}

async function main() {
  ensureTestCa(DEFAULT_CA_DIR);
  const started = new Date();
  const sizes = [];
  for (const n of opts.users) sizes.push(await size(n));
  const result = {
    at: started.toISOString(),
    tookS: (Date.now() - started.getTime()) / 1000,
    commit: commitOf(),
    machine: `${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB, Node ${process.version}`,
    load: os.loadavg(),
    sizes,
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else if (opts.markdown) process.stdout.write(render(result, 'markdown'));
  else process.stdout.write(render(result, 'text'));
  if (opts.record) log(`recorded in ${record(result)}`);
}

main().catch((err) => {
  process.stderr.write(`bench-tail: ${err.stack}\n`);
  process.exit(1);
});
