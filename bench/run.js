#!/usr/bin/env node
'use strict';
/**
 * `make bench`: the built scripts (dist/, Rust compiled to wasm) against a plain-JavaScript baseline
 * (generated from bench/plain/body.js into target/bench-plain/ at the start of the run), both in the
 * sandbox emulation (js/sandbox/) against the fake old tenant, in one run, printed as one table with
 * ratios and the budgets of issues 5 and 10.
 *
 *   node bench/run.js              the full run (a few minutes on 2 cores)
 *   node bench/run.js --quick      a short smoke run (small counts; used by bench/run.test.js)
 *   node bench/run.js --json       machine-readable results on stdout
 *   node bench/run.js --markdown   this table as BENCHMARKS.md has it, on stdout
 *   node bench/run.js --record     rewrites BENCHMARKS.md with it, keeping `make bench-tail`'s section
 *
 * Progress goes to stderr. The fake old tenant runs in a child process (bench/lib/fake-child.js), so the
 * CPU time this process measures is the scripts and the sandbox only; cold starts and memory run in
 * fresh child processes of their own. The process re-executes itself with NODE_EXTRA_CA_CERTS pointing
 * at the fake's CA (Node reads it only at start) and with --expose-gc.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const { spawnSync, execFile } = require('node:child_process');
const { ensureTestCa, DEFAULT_CA_DIR } = require('../js/fakes/ca');

const USAGE = 'usage: node bench/run.js [--quick] [--json | --markdown | --record]';
const argv = process.argv.slice(2);
const opts = { quick: false, json: false, markdown: false, record: false };
for (const a of argv) {
  if (a === '--quick') opts.quick = true;
  else if (a === '--json') opts.json = true;
  else if (a === '--markdown') opts.markdown = true;
  else if (a === '--record') opts.record = true;
  else if (a === '--help' || a === '-h') {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } else {
    process.stderr.write(`unknown option ${a}\n${USAGE}\n`);
    process.exit(2);
  }
}
if (opts.json + opts.markdown + opts.record > 1) {
  process.stderr.write(`--json, --markdown and --record exclude each other\n${USAGE}\n`);
  process.exit(2);
}

// ---- re-exec with the fake's CA trusted and the GC exposed ------------------------------------------------
const ca = ensureTestCa(DEFAULT_CA_DIR);
function caTrusted() {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return false;
  try {
    return fs.readFileSync(file, 'utf8').includes(ca.caPem.trim());
  } catch {
    return false;
  }
}
if (!caTrusted() || typeof global.gc !== 'function') {
  if (process.env.ALM_BENCH_REEXEC) {
    process.stderr.write('bench: re-executed but still without the CA or --expose-gc; giving up\n');
    process.exit(1);
  }
  const env = { ...process.env, ALM_BENCH_REEXEC: '1' };
  if (!caTrusted()) env.NODE_EXTRA_CA_CERTS = ca.caPath;
  const r = spawnSync(process.execPath, ['--expose-gc', __filename, ...argv], { stdio: 'inherit', env });
  process.exit(r.status === null ? 1 : r.status);
}

const { createContainer } = require('../js/sandbox');
const { startFakeChild } = require('./lib/fake');
const { installReplay } = require('./lib/replay');
const wasmSize = require('./lib/wasm-size');
const report = require('./lib/report');
const perSource = require('./lib/sources');
const tailReport = require('./tail/report');
const { writePlain } = require('./plain/generate');
const { ROOT, SEED, VARIANTS, TENANT_SPEC, scriptPaths, loadScripts, settingsFor, pool, median, percentile, mean, embeddedWasm } = require('./lib/common');

const U = SEED.users;
const V = Object.keys(VARIANTS); // ['dist', 'plain']
const { SCRIPT_LIMIT_BYTES: SCRIPT_LIMIT } = require('../js/auth0-limits');

/** How much of everything: the full run, or a smoke run that only checks the harness works. */
const PLAN = opts.quick
  ? {
      coldRuns: 2,
      warmup: 20,
      warmCalls: 40,
      warmChunks: 2,
      liveCalls: 20,
      loadCalls: 200,
      loadConcurrency: 50,
      loadRounds: ['dist', 'plain'],
      economyCalls: 10,
      tokenCalls: 100,
      burst: 50,
      metadataLogins: 60,
      memoryCalls: 2000,
      memoryConcurrency: 50,
      memorySettleMs: 8500,
    }
  : {
      coldRuns: 7,
      warmup: 200,
      warmCalls: 1000,
      warmChunks: 4,
      liveCalls: 300,
      loadCalls: 5000,
      loadConcurrency: 50,
      loadRounds: ['dist', 'plain', 'plain', 'dist'],
      economyCalls: 100,
      tokenCalls: 1000,
      burst: 50,
      metadataLogins: 100,
      memoryCalls: 100000,
      memoryConcurrency: 50,
      memorySettleMs: 8500,
    };

const startedAt = Date.now();
function progress(text) {
  process.stderr.write(`[bench ${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${text}\n`);
}

function runChild(args) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`${path.basename(args.find((a) => a.endsWith('.js')) || 'child')} failed: ${stderr || err.message}`));
      try {
        resolve(JSON.parse(stdout.trim().split('\n').pop()));
      } catch {
        reject(new Error(`child printed no JSON: ${stdout.slice(0, 200)} ${stderr.slice(0, 500)}`));
      }
    });
  });
}

// ---- the scripts, frozen for the whole run ---------------------------------------------------------------
/**
 * Generates the plain scripts (bench/plain/generate.js, into target/bench-plain/) and copies them and
 * dist/'s to a temporary directory, so a concurrent `make dist` cannot mix builds.
 */
function snapshotScripts() {
  writePlain();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-bench-'));
  const src = scriptPaths();
  for (const v of V) {
    fs.mkdirSync(path.join(dir, v));
    for (const kind of ['login', 'get_user']) {
      if (!fs.existsSync(src[v][kind])) throw new Error(`${path.relative(ROOT, src[v][kind])} is missing (run make dist)`);
      fs.copyFileSync(src[v][kind], path.join(dir, v, `${kind}.js`));
    }
  }
  const manifest = path.join(ROOT, 'dist', 'manifest.json');
  if (fs.existsSync(manifest)) fs.copyFileSync(manifest, path.join(dir, 'dist', 'manifest.json'));
  perSource.snapshotSources(ROOT, dir); // every source's scripts (js/sources.js), for the per-source table
  return dir;
}

// ---- sizes ------------------------------------------------------------------------------------------------
function sizes(scripts, dir) {
  const manifestPath = path.join(dir, 'dist', 'manifest.json');
  const manifest = fs.existsSync(manifestPath) ? JSON.parse(fs.readFileSync(manifestPath, 'utf8')) : null;
  const out = { limitBytes: SCRIPT_LIMIT, scripts: {}, wasm: null, manifest: manifest && { commit: manifest.commit, wasm: manifest.wasm } };
  let embedded = null;
  for (const v of V) {
    out.scripts[v] = {};
    for (const kind of ['login', 'get_user']) {
      const bytes = Buffer.byteLength(scripts[v][kind], 'utf8');
      const found = v === 'dist' ? embeddedWasm(scripts[v][kind]) : null;
      if (v === 'dist' && !found) throw new Error(`dist/${kind}.js: no embedded wasm found (no quoted text that decodes to a brotli'd wasm module)`);
      if (v === 'dist' && kind === 'login') embedded = found;
      const literal = found ? Buffer.byteLength(found.literal, 'utf8') : 0;
      out.scripts[v][kind] = {
        bytes,
        shareOfLimit: bytes / SCRIPT_LIMIT,
        sha256: crypto.createHash('sha256').update(scripts[v][kind]).digest('hex'),
        wasmTextBytes: literal,
        restBytes: bytes - literal,
      };
    }
  }
  const raw = embedded.raw;
  out.wasm = {
    encoding: embedded.encoding,
    rawBytes: raw.length,
    brotliBytes: embedded.compressed.length,
    textBytes: Buffer.byteLength(embedded.literal, 'utf8'),
    sha256: crypto.createHash('sha256').update(raw).digest('hex'),
    manifest: manifest ? manifest.wasm : null,
  };
  return { sizes: out, wasmBytes: raw };
}

// ---- cold start -------------------------------------------------------------------------------------------
/**
 * The cases of the end-to-end cold start: each script's first call with no settings (an Error before any
 * request: the script's own start-up alone) and a first full call against the fake old tenant.
 */
function coldCases(fake) {
  const claims = fake.tenants.claims.domain;
  const bare = fake.tenants.bare.domain;
  const login = [U.full.email, U.full.password];
  return [
    { key: 'login_no_settings', label: 'login, no settings (an Error before any request)', kind: 'login', settings: {}, args: login, expect: 'error', warmDomain: bare },
    { key: 'login_full', label: 'login, first full login (Action claims: password, discovery, JWKS)', kind: 'login', settings: settingsFor(claims), args: login, expect: 'success', warmDomain: bare },
    { key: 'get_user_no_settings', label: 'get_user, no settings (an Error before any request)', kind: 'get_user', settings: {}, args: [U.full.email], expect: 'error', warmDomain: claims },
    { key: 'get_user_full', label: 'get_user, first lookup (token, users-by-email)', kind: 'get_user', settings: settingsFor(bare), args: [U.full.email], expect: 'found', warmDomain: claims },
  ];
}

const MODULES = {
  fresh: 'a fresh process (Node has loaded nothing for the script)',
  loaded: 'a new container in a warm worker (zlib, crypto and fetch already loaded and used)',
};

const spread = (list) => ({ medianMs: median(list), minMs: Math.min(...list), maxMs: Math.max(...list), n: list.length });

async function coldStart(fake, paths) {
  const child = path.join(__dirname, 'lib', 'cold-child.js');
  const cases = coldCases(fake);
  const samples = { first: [], timeline: [], split: [], eager: [] };
  // V8 compiles wasm functions lazily, on their first call, where it can: new WebAssembly.Module then only
  // validates. A set of split children compiles everything up front, to show the whole cost.
  const v8Options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout || '';
  const eagerFlag = /--wasm-lazy-compilation\b/.test(v8Options) ? '--no-wasm-lazy-compilation' : null;
  const lazyByDefault = /--wasm-lazy-compilation[^\n]*\n\s*type: bool\s+default: --wasm-lazy-compilation/.test(v8Options);
  const first = (spec) => runChild([child, 'first', JSON.stringify(spec)]);
  for (let i = 0; i < PLAN.coldRuns; i++) {
    for (const modules of Object.keys(MODULES)) {
      for (const cs of cases) {
        // paired: dist and plain one after the other, the order alternating from run to run
        for (const v of (i + cases.indexOf(cs)) % 2 ? ['plain', 'dist'] : ['dist', 'plain']) {
          const warmUrl = `https://${cs.warmDomain}/.well-known/jwks.json`;
          const r = await first({ script: paths[v][cs.kind], kind: cs.kind, settings: cs.settings, args: cs.args, modules, warmUrl });
          if (r.outcome !== cs.expect || typeof r.totalMs !== 'number') {
            throw new Error(`cold ${v} ${cs.key} (${modules}) ended ${r.outcome}${r.error ? ` (${r.error})` : ''}${r.violations.length ? `: ${r.violations.join('; ')}` : ''}, expected ${cs.expect}`);
          }
          samples.first.push({ run: i, modules, case: cs.key, variant: v, ...r });
        }
      }
      // Where dist's first call goes (the no-settings login: the script's own start-up alone).
      const t = await first({ script: paths.dist.login, kind: 'login', settings: {}, args: cases[0].args, modules, timeline: true });
      samples.timeline.push({ run: i, ...t });
    }
    samples.split.push(await runChild([child, 'split', paths.dist.login]));
    if (eagerFlag) samples.eager.push(await runChild([eagerFlag, child, 'split', paths.dist.login]));
    progress(`cold start ${i + 1}/${PLAN.coldRuns}`);
  }

  const out = { runs: PLAN.coldRuns, budgetsMs: { fresh: 10, loaded: 5 }, modules: MODULES, cases: {}, timeline: {}, samples };
  for (const modules of Object.keys(MODULES)) {
    out.cases[modules] = {};
    for (const cs of cases) {
      const mine = samples.first.filter((x) => x.modules === modules && x.case === cs.key);
      const by = (v) => mine.filter((x) => x.variant === v).sort((a, b) => a.run - b.run);
      const d = by('dist');
      const p = by('plain');
      const pairs = d.map((x, k) => x.totalMs - p[k].totalMs);
      out.cases[modules][cs.key] = {
        label: cs.label,
        dist: { ...spread(d.map((x) => x.totalMs)), compileMedianMs: median(d.map((x) => x.compileMs)), cpuMedianMs: median(d.map((x) => x.cpuMs)), modulesLoaded: d[0].nodeModulesLoaded },
        plain: { ...spread(p.map((x) => x.totalMs)), compileMedianMs: median(p.map((x) => x.compileMs)), cpuMedianMs: median(p.map((x) => x.cpuMs)), modulesLoaded: p[0].nodeModulesLoaded },
        diff: { pairs: pairs.length, ...spread(pairs) },
      };
    }
    // The timeline's spans, as medians: when each began (from the call's start) and how long it took.
    const tl = samples.timeline.filter((x) => x.modules === modules);
    const span = (k, f) => median(tl.filter((x) => x.timeline[k]).map((x) => x.timeline[k][f]));
    const keys = ['require zlib', 'decompress', 'compile', 'instantiate', 'require crypto'];
    const t = { runs: tl.length, callMs: median(tl.map((x) => x.callMs)), totalMs: median(tl.map((x) => x.totalMs)), textCompileMs: median(tl.map((x) => x.compileMs)) };
    for (const k of keys) t[k] = { fromCallMs: span(k, 'fromCallMs'), ms: span(k, 'ms') };
    // Before the decompress: reading the settings, require('zlib') and decoding the text (the rest).
    t.decodeMs = median(tl.map((x) => x.timeline.decompress.fromCallMs - x.timeline['require zlib'].fromCallMs - x.timeline['require zlib'].ms));
    t.beforeDecodeMs = span('require zlib', 'fromCallMs');
    // Between decompress and compile: the wasm-bindgen glue set up; after instantiate: the first step.
    t.glueMs = median(tl.map((x) => x.timeline.compile.fromCallMs - x.timeline.decompress.fromCallMs - x.timeline.decompress.ms));
    t.afterInstanceMs = median(tl.map((x) => x.callMs - x.timeline.instantiate.fromCallMs - x.timeline.instantiate.ms));
    out.timeline[modules] = t;
  }
  const med = (list, k) => median(list.filter((x) => typeof x[k] === 'number').map((x) => x[k]));
  out.split = {
    encoding: samples.split[0].encoding,
    compileMs: med(samples.split, 'compileMs'),
    instantiateMs: med(samples.split, 'instantiateMs'),
    eagerCompileMs: samples.eager.length ? med(samples.eager, 'compileMs') : null,
    lazyCompilation: lazyByDefault,
  };
  return out;
}

// ---- warm CPU ---------------------------------------------------------------------------------------------
/** A script that does nothing but log one line and call back with `profile`: the sandbox's own cost. */
function floorScript(op, profile) {
  const head = op === 'login' ? 'function login(userNameOrEmail, password, context, callback) {' : 'function getByEmail(email, context, callback) {';
  return (
    `${head}\n  if (typeof callback !== 'function') callback = context;\n` +
    `  console.log('floor ${op} outcome=profile ms=0 upstream=1 user=0123456789ab');\n` +
    `  callback(null, ${JSON.stringify(profile)});\n}\n`
  );
}

async function cpuSamples(c, script, op, args, n, expect, tally) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const a = process.cpuUsage();
    const r = await c.invoke(script, { kind: op, args, timeoutMs: 19000 });
    const d = process.cpuUsage(a);
    out.push((d.user + d.system) / 1000);
    if (r.outcome !== expect) tally.errors++;
    if (c.logs.length > 1000) c.logs.length = 0;
  }
  return out;
}

const WARM_CASES = [
  { key: 'login_claims', label: 'login, Action claims (1 request)', op: 'login', tenant: 'claims', args: [U.full.email, U.full.password], expect: 'success' },
  { key: 'login_management', label: 'login, Management API (2 requests)', op: 'login', tenant: 'bare', args: [U.full.email, U.full.password], expect: 'success' },
  { key: 'get_user', label: 'get_user, found (1 request)', op: 'get_user', tenant: 'bare', args: [U.full.email], expect: 'found' },
];

async function warmCpu(fake, scripts) {
  const replay = installReplay();
  const out = {};
  try {
    for (const cs of WARM_CASES) {
      const tally = { errors: 0 };
      const runners = {};
      let profile = null;
      replay.record();
      for (const v of V) {
        const c = createContainer({ configuration: settingsFor(fake.tenants[cs.tenant].domain), graceMs: 0 });
        for (let i = 0; i < 2; i++) {
          // cold, then warm: every request either makes is recorded
          const r = await c.invoke(scripts[v][cs.op], { kind: cs.op, args: cs.args, timeoutMs: 19000 });
          if (r.outcome !== cs.expect) throw new Error(`warm ${cs.key} ${v}: ${r.outcome} ${r.error ? r.error.message : ''}`);
          profile = profile || r.profile;
        }
        runners[v] = { c, script: scripts[v][cs.op] };
      }
      runners.floor = { c: createContainer({ configuration: settingsFor(fake.tenants[cs.tenant].domain), graceMs: 0 }), script: floorScript(cs.op, profile) };
      replay.replay();
      const names = Object.keys(runners);
      for (const n of names) await cpuSamples(runners[n].c, runners[n].script, cs.op, cs.args, PLAN.warmup, n === 'floor' ? (cs.op === 'login' ? 'success' : 'found') : cs.expect, tally);
      const samples = { dist: [], plain: [], floor: [] };
      const per = Math.ceil(PLAN.warmCalls / PLAN.warmChunks);
      for (let k = 0; k < PLAN.warmChunks; k++) {
        const order = k % 2 ? [...names].reverse() : names;
        for (const n of order)
          samples[n].push(...(await cpuSamples(runners[n].c, runners[n].script, cs.op, cs.args, per, n === 'floor' ? (cs.op === 'login' ? 'success' : 'found') : cs.expect, tally)));
      }
      replay.off();
      const live = { dist: [], plain: [] };
      const livePer = Math.ceil(PLAN.liveCalls / 2);
      for (let k = 0; k < 2; k++) {
        for (const v of k % 2 ? ['plain', 'dist'] : ['dist', 'plain']) {
          live[v].push(...(await cpuSamples(runners[v].c, runners[v].script, cs.op, cs.args, livePer, cs.expect, tally)));
        }
      }
      const floor = median(samples.floor);
      out[cs.key] = { label: cs.label, calls: per * PLAN.warmChunks, liveCalls: livePer * 2, errors: tally.errors, replayMisses: replay.state.misses, floorMs: floor };
      for (const v of V) {
        out[cs.key][v] = {
          medianMs: median(samples[v]),
          p99Ms: percentile(samples[v], 0.99),
          netMs: median(samples[v]) - floor,
          liveMedianMs: median(live[v]),
          liveP99Ms: percentile(live[v], 0.99),
        };
      }
      progress(`warm CPU ${cs.key}: dist ${out[cs.key].dist.medianMs.toFixed(3)} ms, plain ${out[cs.key].plain.medianMs.toFixed(3)} ms (median)`);
    }
  } finally {
    replay.uninstall();
  }
  return out;
}

// ---- load -------------------------------------------------------------------------------------------------
async function load(fake, scripts) {
  const users = [U.full, U.minimal, U.username, U.mixedCase];
  const containers = {};
  for (const v of V) {
    const c = createContainer({ configuration: settingsFor(fake.tenants.claims.domain), graceMs: 0 });
    await pool(100, PLAN.loadConcurrency, (i) => c.invoke(scripts[v].login, { kind: 'login', args: [users[i % 4].email, users[i % 4].password], timeoutMs: 19000 }));
    c.logs.length = 0;
    containers[v] = c;
  }
  const res = {};
  for (const v of V) res[v] = { rounds: [], latencies: [], errors: 0, calls: 0, cpuMs: 0, fakeCpuMs: 0 };
  for (const v of PLAN.loadRounds) {
    const c = containers[v];
    const r = res[v];
    const cpu0 = process.cpuUsage();
    const fake0 = await fake.cpu();
    const t0 = process.hrtime.bigint();
    await pool(PLAN.loadCalls, PLAN.loadConcurrency, async (i) => {
      const u = users[i % 4];
      const rep = await c.invoke(scripts[v].login, { kind: 'login', args: [u.email, u.password], timeoutMs: 19000 });
      r.latencies.push(rep.durationMs);
      r.calls++;
      if (rep.outcome !== 'success') r.errors++;
      if (c.logs.length > 1000) c.logs.length = 0;
    });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const fake1 = await fake.cpu();
    r.cpuMs += (cpu.user + cpu.system) / 1000;
    r.fakeCpuMs += (fake1.user - fake0.user + fake1.system - fake0.system) / 1000;
    r.rounds.push({ calls: PLAN.loadCalls, seconds, throughput: PLAN.loadCalls / seconds });
    progress(`load ${v}: ${PLAN.loadCalls} logins in ${seconds.toFixed(2)} s (${(PLAN.loadCalls / seconds).toFixed(0)}/s)`);
  }
  const out = { concurrency: PLAN.loadConcurrency, callsPerRound: PLAN.loadCalls, order: PLAN.loadRounds };
  for (const v of V) {
    const r = res[v];
    out[v] = {
      calls: r.calls,
      rounds: r.rounds,
      throughput: mean(r.rounds.map((x) => x.throughput)),
      p50Ms: median(r.latencies),
      p99Ms: percentile(r.latencies, 0.99),
      errors: r.errors,
      cpuPerLoginMs: r.cpuMs / r.calls,
      fakeCpuPerLoginMs: r.fakeCpuMs / r.calls,
    };
  }
  return out;
}

// ---- upstream economy -------------------------------------------------------------------------------------
async function economy(fake, scripts) {
  const out = {};
  const invoke = (c, v, op, args) => c.invoke(scripts[v][op], { kind: op, args, timeoutMs: 19000 });
  const users = [U.full, U.minimal, U.username, U.mixedCase];
  for (const v of V) {
    const r = { calls: {} };
    const perCall = async (tenant, op, argsOf, n) => {
      const c = createContainer({ configuration: settingsFor(fake.tenants[tenant].domain), graceMs: 0 });
      await invoke(c, v, op, argsOf(0)); // warm: discovery, keys and token cached
      await fake.clear(tenant);
      for (let i = 0; i < n; i++) await invoke(c, v, op, argsOf(i));
      const counts = await fake.count(tenant);
      return { calls: n, requests: counts.total, perCall: counts.total / n, counts };
    };
    r.loginClaims = await perCall('claims', 'login', (i) => [users[i % 4].email, users[i % 4].password], PLAN.economyCalls);
    r.loginManagement = await perCall('bare', 'login', (i) => [users[i % 4].email, users[i % 4].password], PLAN.economyCalls);
    r.getUser = await perCall('bare', 'get_user', (i) => [`nobody${i}@example.com`], PLAN.economyCalls);

    // Management API tokens: N sequential get_user calls in one fresh container.
    let c = createContainer({ configuration: settingsFor(fake.tenants.bare.domain), graceMs: 0 });
    await fake.clear('bare');
    for (let i = 0; i < PLAN.tokenCalls; i++) {
      await invoke(c, v, 'get_user', [`seq${i}@example.com`]);
      if (c.logs.length > 1000) c.logs.length = 0;
    }
    let counts = await fake.count('bare');
    r.tokenSequential = { calls: PLAN.tokenCalls, tokenRequests: counts.token || 0, lookups: counts['users-by-email'] || 0 };

    // ...and when the first `burst` arrive at once on a cold container, then the rest at the same concurrency.
    c = createContainer({ configuration: settingsFor(fake.tenants.bare.domain), graceMs: 0 });
    await fake.clear('bare');
    await Promise.all(Array.from({ length: PLAN.burst }, (_, i) => invoke(c, v, 'get_user', [`burst${i}@example.com`])));
    const afterBurst = await fake.count('bare');
    await pool(PLAN.tokenCalls - PLAN.burst, PLAN.burst, async (i) => {
      await invoke(c, v, 'get_user', [`rest${i}@example.com`]);
      if (c.logs.length > 1000) c.logs.length = 0;
    });
    counts = await fake.count('bare');
    r.tokenBurst = { calls: PLAN.tokenCalls, burst: PLAN.burst, tokenRequestsInBurst: afterBurst.token || 0, tokenRequests: counts.token || 0, lookups: counts['users-by-email'] || 0 };

    // Discovery and JWKS per container: `burst` cold logins at once, then more one by one.
    c = createContainer({ configuration: settingsFor(fake.tenants.claims.domain), graceMs: 0 });
    await fake.clear('claims');
    await Promise.all(Array.from({ length: PLAN.burst }, (_, i) => invoke(c, v, 'login', [users[i % 4].email, users[i % 4].password])));
    for (let i = PLAN.burst; i < PLAN.metadataLogins; i++) await invoke(c, v, 'login', [users[i % 4].email, users[i % 4].password]);
    counts = await fake.count('claims');
    r.metadata = { logins: PLAN.metadataLogins, burst: PLAN.burst, discovery: counts.discovery || 0, jwks: counts.jwks || 0, password: counts.password || 0 };
    out[v] = r;
    progress(`upstream economy ${v}: ${r.loginClaims.perCall.toFixed(2)} req/login (claims), ${r.tokenBurst.tokenRequests} token request(s) per ${PLAN.tokenCalls} get_user`);
  }
  return out;
}

// ---- memory -----------------------------------------------------------------------------------------------
async function memory(fake, dir) {
  const child = path.join(__dirname, 'lib', 'memory-child.js');
  const results = await Promise.all(
    V.map((v) => runChild(['--expose-gc', child, dir, v, fake.tenants.bare.domain, String(PLAN.memoryCalls), String(PLAN.memoryConcurrency), String(PLAN.memorySettleMs)]))
  );
  const out = { calls: PLAN.memoryCalls, concurrency: PLAN.memoryConcurrency, settleMs: PLAN.memorySettleMs, mode: 'replayed upstream, fresh process per variant, both variants in parallel' };
  V.forEach((v, i) => {
    out[v] = results[i];
  });
  return out;
}

// ---- machine ----------------------------------------------------------------------------------------------
function machine() {
  let model = os.cpus()[0] ? os.cpus()[0].model : 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1].trim();
  } catch {
    /* not Linux */
  }
  const git = (args) => {
    const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const head = git(['rev-parse', 'HEAD']);
  const dirty = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    cores: os.cpus().length,
    cpuModel: model,
    memoryGB: os.totalmem() / 2 ** 30,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    date: new Date().toISOString(),
    gitCommit: head ? `${head}${dirty ? ' (working tree modified)' : ''}` : 'unknown',
    loadAverageAtStart: os.loadavg(),
  };
}

// ---- main -------------------------------------------------------------------------------------------------
async function main() {
  const meta = machine();
  const dir = snapshotScripts();
  process.once('SIGINT', () => {
    // the fake's child process exits when its IPC channel closes
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
  const paths = scriptPaths(dir);
  const scripts = loadScripts(dir);
  let fake = null;
  try {
    progress(`${opts.quick ? 'quick smoke run' : 'full run'}; fake old tenant starting in a child process`);
    const { sizes: sizeInfo, wasmBytes } = sizes(scripts, dir);
    const breakdown = { shipped: wasmSize.sectionTable(wasmBytes), named: wasmSize.topContributors(15) };
    fake = await startFakeChild(TENANT_SPEC);
    progress(
      `fake tenants ready (pid ${fake.pid}): ${Object.values(fake.tenants)
        .map((t) => t.domain)
        .join(', ')}`
    );
    const results = { meta: { ...meta, quick: opts.quick, plan: PLAN, distCommit: sizeInfo.manifest ? sizeInfo.manifest.commit : null } };
    results.sizes = sizeInfo;
    results.wasm_breakdown = breakdown;
    results.cold_start = await coldStart(fake, paths);
    results.warm_cpu = await warmCpu(fake, scripts);
    const sourceSizes = perSource.sizes(dir);
    // sizes, then the rest and oidc sources' cold and warm figures (null when not built)
    results.sources = {
      sizes: sourceSizes,
      ...(await perSource.measuredFigures(sourceSizes, { dir, plan: PLAN, runChild, warmUrl: `https://${fake.tenants.bare.domain}/.well-known/jwks.json`, progress })),
    };
    results.load = await load(fake, scripts);
    results.upstream = await economy(fake, scripts);
    progress(`memory: ${PLAN.memoryCalls} calls per variant (+${(2 * PLAN.memorySettleMs) / 1000} s settling)`);
    results.memory = await memory(fake, dir);
    results.meta.loadAverageAtEnd = os.loadavg();
    results.meta.seconds = (Date.now() - startedAt) / 1000;
    results.rows = report.rows(results);
    results.budgets = report.budgets(results);
    progress(`done in ${results.meta.seconds.toFixed(0)} s`);
    if (opts.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else if (opts.markdown) process.stdout.write(`${report.markdown(results)}\n${perSource.markdown(results)}`);
    else if (opts.record) progress(`recorded in ${tailReport.recordBeside(`${report.markdown(results)}\n${perSource.markdown(results)}`)}`);
    else process.stdout.write(`${report.text(results)}\n${perSource.textLines(results).join('\n')}\n`);
  } finally {
    if (fake) await fake.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack || err}\n`);
  process.exit(1);
});
