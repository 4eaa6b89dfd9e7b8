'use strict';
/**
 * Memory growth of one variant over many calls, in a fresh process started with --expose-gc (the
 * parent's heap and RSS carry every other section's high-water marks). Prints one JSON line.
 *
 *   node --expose-gc memory-child.js <scripts-dir> <variant> <domain> <calls> <concurrency> <settle-ms>
 *
 * One warm container runs get_user for an unknown email (token cached: one lookup) and login with a
 * wrong password (one password check), alternately. The old tenant's replies are recorded from the fake
 * tenant once and then replayed in-process (bench/lib/replay.js): every call runs the whole script,
 * the wasm and the sandbox, and reads a fresh Response, but no socket is opened, so 100,000 calls fit
 * in the run. The container's log buffer is emptied every 1,000 calls, as Auth0 ships its logs away.
 *
 * Both scripts give every request an AbortSignal.timeout (5 s, 8 s for the password): at thousands of
 * calls a second the spent signals and their timers hold tens of MB until a GC and its finalizers
 * release them, and V8 gives pages back to the OS a few seconds later. So both snapshots are taken
 * after a GC, `settle-ms` of idling (longer than the longest timeout) and further full GCs.
 */
const { createContainer } = require('../../js/sandbox');
const { installReplay } = require('./replay');
const { loadScripts, settingsFor, pool, hookWasmLoading, SEED, WRONG_PASSWORD } = require('./common');

const MB = 1024 * 1024;

let wasm = null; // set in main: the instances the dist script makes

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** After full GCs, with a pause between them for finalizers (AbortSignal.timeout clears its timer from one). */
async function snapshot() {
  for (let i = 0; i < 3; i++) {
    global.gc();
    await sleep(100);
  }
  global.gc();
  const m = process.memoryUsage();
  const linear = wasm.instances.reduce((a, i) => a + (i.exports.memory ? i.exports.memory.buffer.byteLength : 0), 0);
  return { heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, wasmMemory: linear, wasmInstances: wasm.instances.length };
}

async function main() {
  if (typeof global.gc !== 'function') throw new Error('run with --expose-gc');
  const [dir, variant, domain, callsArg, concurrencyArg, settleArg] = process.argv.slice(2);
  const calls = Number(callsArg);
  const concurrency = Number(concurrencyArg);
  const settle = () => {
    global.gc(); // collects the spent timeout signals; their timers are cleared by finalizers meanwhile
    return sleep(Number(settleArg));
  };
  const scripts = loadScripts(dir)[variant];
  wasm = hookWasmLoading();
  const replay = installReplay();
  const c = createContainer({ configuration: settingsFor(domain), graceMs: 0 });
  const ops = [
    { kind: 'get_user', args: ['nobody.memory@example.com'], expect: 'not_found' },
    { kind: 'login', args: [SEED.users.minimal.email, WRONG_PASSWORD], expect: 'wrong_password' },
  ];
  let errors = 0;
  const call = async (i) => {
    const op = ops[i % 2];
    const r = await c.invoke(scripts[op.kind], { kind: op.kind, args: op.args, timeoutMs: 19000 });
    if (r.outcome !== op.expect) errors++;
    if (i % 1000 === 999) c.logs.length = 0;
  };
  replay.record();
  for (let i = 0; i < 4; i++) await call(i);
  replay.replay();
  errors = 0;
  // Long enough for the heap to reach its working size at this rate, so RSS before and after compare.
  const warm = Math.min(10000, Math.max(200, Math.floor(calls / 10)));
  await pool(warm, concurrency, call);
  c.logs.length = 0;
  await settle();
  const before = await snapshot();
  let peakRss = before.rss;
  const t0 = Date.now();
  await pool(calls, concurrency, async (i) => {
    await call(i);
    if (i % 1000 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
  });
  const seconds = (Date.now() - t0) / 1000;
  c.logs.length = 0;
  const heapBeforeSettle = process.memoryUsage().heapUsed;
  await settle();
  const after = await snapshot();
  const out = {
    variant,
    calls,
    concurrency,
    seconds,
    errors,
    replayMisses: replay.state.misses,
    heapBeforeMB: before.heapUsed / MB,
    heapAfterMB: after.heapUsed / MB,
    heapGrowthMB: (after.heapUsed - before.heapUsed) / MB,
    heapPendingMB: (heapBeforeSettle - after.heapUsed) / MB,
    rssBeforeMB: before.rss / MB,
    rssAfterMB: after.rss / MB,
    rssGrowthMB: (after.rss - before.rss) / MB,
    rssPeakMB: Math.max(peakRss, after.rss) / MB,
    externalGrowthMB: (after.external - before.external) / MB,
    wasmMemoryBeforeMB: before.wasmMemory / MB,
    wasmMemoryAfterMB: after.wasmMemory / MB,
    wasmMemoryGrowthMB: (after.wasmMemory - before.wasmMemory) / MB,
    wasmInstances: after.wasmInstances,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
