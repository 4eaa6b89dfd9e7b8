'use strict';
/**
 * The benchmark harness works: `node bench/run.js --quick --json` runs as a child process (it re-executes
 * itself with the fake tenant's CA and --expose-gc) and its JSON has every section, with numbers, and
 * counts equal to what was asked. No timing is asserted: the numbers are read, not tested.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFile } = require('node:child_process');
const report = require('./lib/report');

let results;
let stderr;
test.before(
  async () => {
    const out = await new Promise((resolve, reject) => {
      execFile(process.execPath, [path.join(__dirname, 'run.js'), '--quick', '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 300000 }, (err, so, se) =>
        err ? reject(new Error(`bench/run.js failed: ${se || err.message}`)) : resolve({ so, se })
      );
    });
    stderr = out.se;
    results = JSON.parse(out.so);
  },
  { timeout: 320000 }
);

const finite = (x, what) => assert.ok(typeof x === 'number' && Number.isFinite(x), `${what} is ${x}`);
const VARIANTS = ['dist', 'plain'];

test('meta: machine, versions and the plan of a quick run', () => {
  const m = results.meta;
  assert.equal(m.quick, true);
  finite(m.cores, 'cores');
  assert.match(m.node, /^v\d+/);
  assert.ok(m.cpuModel && m.date && m.gitCommit);
  finite(m.seconds, 'seconds');
  assert.match(stderr, /done in/);
});

test('sizes: both variants, both scripts, and the wasm inside the dist scripts', () => {
  const s = results.sizes;
  for (const v of VARIANTS) {
    for (const kind of ['login', 'get_user']) {
      const x = s.scripts[v][kind];
      finite(x.bytes, `${v} ${kind} bytes`);
      assert.ok(x.bytes > 1000 && x.bytes < s.limitBytes * 2);
      assert.equal(x.shareOfLimit, x.bytes / s.limitBytes);
      assert.equal(x.restBytes + x.wasmTextBytes, x.bytes);
    }
    assert.equal(s.scripts.plain.login.wasmTextBytes, 0, 'the baseline embeds no wasm');
  }
  assert.ok(s.wasm.rawBytes > s.wasm.brotliBytes && s.wasm.brotliBytes > 0);
  assert.ok(s.wasm.textBytes >= s.wasm.brotliBytes);
  if (s.wasm.manifest) assert.equal(s.wasm.manifest.sha256, s.wasm.sha256, 'the wasm decoded from login.js is the one the manifest names');
});

test('wasm breakdown: section sizes of the shipped module and top contributors', () => {
  const b = results.wasm_breakdown;
  assert.equal(b.shipped.totalBytes, results.sizes.wasm.rawBytes);
  assert.ok(b.shipped.sections.some((x) => x.name === 'code' && x.bytes > 0));
  assert.equal(b.shipped.sections.reduce((a, x) => a + x.bytes, 0) + 8, b.shipped.totalBytes, 'sections add up to the module');
  if (!b.named.error) {
    assert.ok(b.named.top.length > 0 && b.named.crates.length > 0);
    for (const t of b.named.top) finite(t.bytes, t.name);
  }
});

test('cold start, end to end: both starting points, four cases, dist and plain paired, from the runs asked for', () => {
  const c = results.cold_start;
  const runs = results.meta.plan.coldRuns;
  assert.equal(c.runs, runs);
  assert.deepEqual(Object.keys(c.modules), ['fresh', 'loaded']);
  assert.deepEqual(c.budgetsMs, { fresh: 10, loaded: 5 });
  const expect = { login_no_settings: 'error', login_full: 'success', get_user_no_settings: 'error', get_user_full: 'found' };
  for (const modules of ['fresh', 'loaded']) {
    assert.deepEqual(Object.keys(c.cases[modules]), Object.keys(expect));
    for (const [key, outcome] of Object.entries(expect)) {
      const x = c.cases[modules][key];
      for (const v of VARIANTS) {
        assert.equal(x[v].n, runs, `${modules} ${key} ${v}: one sample per run`);
        for (const k of ['medianMs', 'minMs', 'maxMs', 'compileMedianMs', 'cpuMedianMs']) finite(x[v][k], `${modules} ${key} ${v} ${k}`);
        assert.ok(x[v].minMs > 0 && x[v].minMs <= x[v].medianMs && x[v].medianMs <= x[v].maxMs, `${modules} ${key} ${v}: min <= median <= max`);
        assert.ok(x[v].compileMedianMs < x[v].maxMs, `${modules} ${key} ${v}: the compile is part of the whole`);
        const samples = c.samples.first.filter((s) => s.modules === modules && s.case === key && s.variant === v);
        assert.equal(samples.length, runs);
        assert.ok(
          samples.every((s) => s.outcome === outcome && s.violations.length === 0),
          `${modules} ${key} ${v}: ${outcome}`
        );
      }
      assert.equal(x.diff.pairs, runs, 'one pair per run');
      finite(x.diff.medianMs, `${modules} ${key} dist − plain`);
      if (key.endsWith('no_settings'))
        assert.ok(
          c.samples.first.some((s) => s.case === key && /Domain/.test(s.error || '')),
          'the Error names the missing setting'
        );
    }
    // fresh: the script's first call loads Node modules; loaded: the warm worker has them already
    const nb = c.cases[modules].login_no_settings;
    if (modules === 'fresh') assert.ok(nb.dist.modulesLoaded.includes('zlib') && nb.plain.modulesLoaded.includes('crypto'));
    else assert.ok(!nb.dist.modulesLoaded.includes('zlib') && !nb.plain.modulesLoaded.includes('crypto'));
    const t = c.timeline[modules];
    assert.equal(t.runs, runs);
    for (const k of ['callMs', 'decodeMs', 'glueMs', 'afterInstanceMs', 'beforeDecodeMs']) finite(t[k], `timeline ${modules} ${k}`);
    for (const k of ['require zlib', 'decompress', 'compile', 'instantiate', 'require crypto']) {
      finite(t[k].ms, `timeline ${modules} ${k}`);
      assert.ok(t[k].fromCallMs >= 0 && t[k].fromCallMs < t.callMs, `${modules} ${k} happens inside the call`);
    }
  }
  assert.equal(c.samples.split.length, runs);
  assert.ok(c.split.compileMs > 0);
});

test('warm CPU: three cases, both variants, replayed and live, every call as expected', () => {
  const w = results.warm_cpu;
  const plan = results.meta.plan;
  assert.deepEqual(Object.keys(w).sort(), ['get_user', 'login_claims', 'login_management']);
  for (const [key, c] of Object.entries(w)) {
    assert.equal(c.calls, Math.ceil(plan.warmCalls / plan.warmChunks) * plan.warmChunks, key);
    assert.equal(c.liveCalls, Math.ceil(plan.liveCalls / 2) * 2, key);
    assert.equal(c.errors, 0, `${key}: unexpected outcomes`);
    assert.equal(c.replayMisses, 0, `${key}: requests the replay did not know`);
    finite(c.floorMs, `${key} floor`);
    for (const v of VARIANTS) for (const k of ['medianMs', 'p99Ms', 'netMs', 'liveMedianMs', 'liveP99Ms']) finite(c[v][k], `${key} ${v} ${k}`);
  }
});

test('load: the logins asked for, all successful', () => {
  const l = results.load;
  const plan = results.meta.plan;
  assert.equal(l.concurrency, plan.loadConcurrency);
  for (const v of VARIANTS) {
    const rounds = plan.loadRounds.filter((x) => x === v).length;
    assert.equal(l[v].calls, plan.loadCalls * rounds);
    assert.equal(l[v].rounds.length, rounds);
    assert.equal(l[v].errors, 0);
    for (const k of ['throughput', 'p50Ms', 'p99Ms', 'cpuPerLoginMs']) finite(l[v][k], `load ${v} ${k}`);
    assert.ok(l[v].p99Ms >= l[v].p50Ms);
  }
});

test('upstream economy: request counts from the fake for the calls asked for', () => {
  const plan = results.meta.plan;
  for (const v of VARIANTS) {
    const u = results.upstream[v];
    for (const k of ['loginClaims', 'loginManagement', 'getUser']) {
      assert.equal(u[k].calls, plan.economyCalls, `${v} ${k}`);
      assert.equal(u[k].requests, u[k].counts.total);
      finite(u[k].perCall, `${v} ${k} perCall`);
    }
    assert.equal(u.loginClaims.counts.password, plan.economyCalls, 'one password check per login');
    assert.equal(u.tokenSequential.calls, plan.tokenCalls);
    assert.equal(u.tokenSequential.lookups, plan.tokenCalls, 'one lookup per get_user');
    assert.equal(u.tokenBurst.lookups, plan.tokenCalls);
    assert.equal(u.tokenBurst.burst, plan.burst);
    assert.ok(Number.isInteger(u.tokenSequential.tokenRequests) && u.tokenSequential.tokenRequests >= 1);
    assert.ok(Number.isInteger(u.tokenBurst.tokenRequests) && u.tokenBurst.tokenRequests >= 1);
    assert.equal(u.metadata.logins, plan.metadataLogins);
    assert.equal(u.metadata.password, plan.metadataLogins);
    assert.ok(u.metadata.jwks >= 1 && u.metadata.discovery >= 1);
  }
});

test('memory: the calls asked for in each variant, growth figures after GC', () => {
  const m = results.memory;
  assert.equal(m.calls, results.meta.plan.memoryCalls);
  for (const v of VARIANTS) {
    assert.equal(m[v].calls, m.calls);
    assert.equal(m[v].errors, 0);
    assert.equal(m[v].replayMisses, 0);
    for (const k of ['heapGrowthMB', 'rssGrowthMB', 'rssPeakMB', 'seconds']) finite(m[v][k], `memory ${v} ${k}`);
  }
});

test('the table: every section, both columns, budgets with a verdict; text and markdown render', () => {
  const sections = new Set(results.rows.map((r) => r.section.split(/[:(]/)[0].trim()));
  for (const s of ['Size', 'Cold start', 'Warm CPU per call', 'Load', 'Upstream economy', 'Memory over 2,000 calls']) {
    assert.ok(
      [...sections].some((x) => x.startsWith(s.split(' over')[0])),
      `section ${s} missing from ${[...sections].join(' | ')}`
    );
  }
  for (const r of results.rows) {
    assert.ok(r.dist && typeof r.dist.text === 'string' && r.plain && typeof r.plain.text === 'string', r.metric);
  }
  // the cold start's headline: each case in both starting points, with its paired difference against its budget
  for (const [modules, budget] of [
    ['fresh process', '≤ +10 ms over plain'],
    ['warm worker', '≤ +5 ms over plain'],
  ]) {
    const mine = results.rows.filter((r) => r.section.startsWith('Cold start, end to end') && r.section.includes(modules));
    assert.equal(mine.filter((r) => r.budget).length, 4, `${modules}: four budgeted rows`);
    for (const r of mine.filter((x) => x.budget)) {
      assert.equal(r.budget.target, budget);
      assert.match(r.metric, /dist − plain, paired/);
    }
  }
  assert.ok(results.rows.some((r) => r.section.startsWith("Cold start, where dist's first call goes")));
  assert.ok(!results.rows.some((r) => r.budget && /decode \+ decompress/.test(r.metric)), 'the parts-sum is a detail, not a budget');
  assert.ok(
    results.rows.some((r) => r.metric === '  dist − plain' && r.budget && r.budget.target === '≤ +0.2 ms over plain'),
    'warm CPU within 0.2 ms of plain'
  );
  assert.ok(results.budgets.length >= 12);
  for (const b of results.budgets) assert.equal(typeof b.pass, 'boolean', b.metric);
  const text = report.text(results);
  assert.match(text, /dist \(Rust\/wasm\)\s+plain JS\s+dist\/plain/);
  const md = report.markdown(results);
  assert.match(md, /^# Benchmarks/);
  assert.match(md, /\| \| dist \(Rust\/wasm\) \| plain JS \| dist\/plain \| budget \(dist\) \| status \|/);
  assert.match(md, new RegExp(`Node ${results.meta.node.replace(/\./g, '\\.')}`));
});

test("per source: every built source sized; each source the bench times (its demo's fake) cold and warm beside auth0; the others '-'", () => {
  const perSource = require('./lib/sources');
  const { NAMES } = require('../js/sources');
  const s = results.sources;
  assert.deepEqual(Object.keys(s.sizes), NAMES);
  for (const name of NAMES) {
    for (const kind of ['login', 'get_user']) {
      finite(s.sizes[name][kind].bytes, `${name} ${kind} bytes`);
      assert.equal(s.sizes[name][kind].shareOfLimit, s.sizes[name][kind].bytes / results.sizes.limitBytes);
    }
  }
  assert.equal(s.sizes.auth0.login.bytes, results.sizes.scripts.dist.login.bytes, 'the auth0 source is the dist column');
  assert.deepEqual(perSource.MEASURED_NAMES, ['rest', 'oidc', 'cognito'], 'every source but firebase (see js/demo-firebase.js) is timed');
  for (const name of perSource.MEASURED_NAMES) {
    for (const modules of ['fresh', 'loaded']) {
      for (const key of ['login', 'get_user']) {
        const c = s[name].cold[modules][key];
        assert.equal(c.n, results.meta.plan.coldRuns, `${name} cold ${modules} ${key}: one sample per run`);
        finite(c.medianMs, `${name} cold ${modules} ${key}`);
      }
    }
    for (const key of ['login', 'get_user']) {
      const w = s[name].warm[key];
      assert.equal(w.calls, results.meta.plan.warmCalls, `${name} warm ${key}`);
      assert.equal(w.errors, 0, `${name} warm ${key}: every call as expected`);
      assert.equal(w.replayMisses, 0, `${name} warm ${key}: requests the replay did not know`);
      finite(w.medianMs, `${name} warm ${key}`);
    }
  }
  // The table's timing rows have a figure in every timed source's column, '-' in the others'.
  const { head, rows } = perSource.tableRows(results);
  assert.deepEqual(head.slice(1), NAMES);
  const timed = rows.filter((r) => /^(cold|warm) /.test(r[0]));
  assert.equal(timed.length, 6, 'cold login and get_user in both starting points, warm login and get_user');
  for (const r of timed) {
    for (const [i, n] of NAMES.entries()) {
      assert.match(r[i + 1], n === 'auth0' || perSource.MEASURED_NAMES.includes(n) ? /^\d+\.\d+ ms$/ : /^-$/, `${r[0]} ${n}: ${r.join(' | ')}`);
    }
  }
  const lines = perSource.textLines(results).join('\n');
  assert.match(lines, /^Per source/);
  assert.match(lines, /login\.js bytes \(share of 100 KB\)/);
  assert.match(lines, /warm get_user CPU per call \(median\)/);
  assert.match(perSource.markdown(results), /^## Per source/);
});
