#!/usr/bin/env node
'use strict';
/**
 * `make soak`: the long run of the fault-load suite. 10,000 login and get_user calls through the
 * built dist scripts in the Auth0 sandbox emulation, at concurrency 100, against the fake old
 * tenant behind the fault proxy, with at least 10% of the calls faulted across every upstream route
 * and every fault kind (hangs past the deadline included). Every call is checked as in
 * tests/support/fault-load.js; the summary table goes to stdout and the process exits non-zero on
 * any violation.
 *
 *   node tests/soak/run.js [--calls N] [--concurrency N] [--seed N] [--slow N] [--big N]
 *
 * `--slow` is the budget of faults that wait out a request timeout (hang, stall), `--big` of 5 MiB
 * replies. All traffic stays on 127.0.0.1; the run is bounded (each call ends within the 15 s
 * deadline) and a watchdog stops it after 30 minutes whatever happens.
 */
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');
const CA_DIR = path.join(ROOT, 'target', 'test-ca');
const CA = path.join(CA_DIR, 'ca.pem');

// Node reads NODE_EXTRA_CA_CERTS once, at start: without the fake's CA trusted, run again with it.
if (path.resolve(process.env.NODE_EXTRA_CA_CERTS || '.') !== CA) {
  require('../../js/fakes/ca').ensureTestCa(CA_DIR);
  const r = spawnSync(process.execPath, [__filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: CA },
  });
  process.exit(r.status === null ? 1 : r.status);
}

const { runLoad, formatSummary } = require('../support/fault-load');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[`ALM_SOAK_${name.toUpperCase()}`];
  const n = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a number`);
  return n;
}

async function main() {
  const calls = option('calls', 10000);
  const concurrency = option('concurrency', 100);
  const seed = option('seed', 20260601);
  const watchdog = setTimeout(
    () => {
      process.stderr.write('soak: still running after 30 minutes; stopping\n');
      process.exit(2);
    },
    30 * 60 * 1000
  );
  watchdog.unref();
  const started = Date.now();
  let lastTenth = -1;
  process.stderr.write(`soak: ${calls} calls at concurrency ${concurrency}, seed ${seed}\n`);
  const result = await runLoad({
    calls,
    concurrency,
    seed,
    slow: option('slow', Math.round(calls / 125)),
    big: option('big', Math.round(calls / 500)),
    faultShare: 0.13,
    isolatedShare: 0.02,
    progress: (done, total) => {
      const tenth = Math.floor((10 * done) / total);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`soak: ${done}/${total} calls, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      }
    },
  });
  process.stdout.write(`\n${formatSummary(result.summary, result.violations)}\n`);
  if (result.violations.length) {
    process.stdout.write(`\n${result.violations.length} violations (the first 50):\n`);
    for (const v of result.violations.slice(0, 50)) process.stdout.write(`  - ${v}\n`);
    process.exitCode = 1;
  } else if (result.summary.faultedShare < 0.1) {
    process.stdout.write(`\nonly ${(100 * result.summary.faultedShare).toFixed(1)}% of the calls were faulted (at least 10% wanted)\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write('\nsoak: no violations\n');
  }
  clearTimeout(watchdog);
}

main().catch((err) => {
  process.stderr.write(`soak failed: ${err.stack}\n`);
  process.exit(1);
});
