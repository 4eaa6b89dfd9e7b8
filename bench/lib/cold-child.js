'use strict';
/**
 * One cold start, in a fresh process (V8 caches compiled wasm per process, and Node its modules, so
 * every measurement needs its own). Prints one JSON line.
 *
 *   node cold-child.js split <script>
 *       new WebAssembly.Module and new WebAssembly.Instance of the embedded wasm (with stand-in
 *       imports: instantiation does not call them), each timed on its own; run with
 *       --no-wasm-lazy-compilation to see the whole compile cost. (It also times the decode and the
 *       decompress, but warm: finding the literal has run both once already.)
 *   node cold-child.js first '<json>'
 *       the first call of a new container, end to end: {script, kind: login | get_user, settings: {} or the
 *       connection settings, args, modules: 'fresh' | 'loaded', warmUrl?}. Before the clock starts, the
 *       sandbox itself is loaded and has run one unrelated script (Auth0's own harness is running when a
 *       script's first call comes). With modules 'loaded', what a warm Auth0 worker has already loaded is
 *       loaded too: zlib (with one unrelated brotli round trip, so its native internals are in), crypto
 *       (one hash, one RSA key import) and fetch (one request to warmUrl, another origin than the script's,
 *       so no connection or TLS session can be reused). Then a 50 ms pause (background compiles and GC of
 *       the warm-up finish, as in a worker idling between calls) and, timed with process.hrtime: read the script
 *       text, a new container (empty `global`), the sandbox's check and compile of the text, the call, to
 *       the moment the script calls back. Nothing of the script (its text, its wasm) was seen before by
 *       the process, in either mode.
 */
const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

/** Node's internal modules loaded so far (process.moduleLoadList), by name. */
const loadedModules = () => new Set(process.moduleLoadList);

/**
 * Where a dist script's first call goes, seen from outside the script: the first require of zlib and of
 * crypto (through the sandbox's require, which is Node's), the first brotliDecompressSync, new
 * WebAssembly.Module and new WebAssembly.Instance, each as [start, end] process.hrtime stamps.
 */
function timeline() {
  const Module = require('node:module');
  const marks = {};
  const now = () => process.hrtime.bigint();
  const span = (key, fn) => {
    if (marks[key]) return fn();
    const a = now();
    const out = fn();
    marks[key] = [a, now()];
    return out;
  };
  const wrapZlib = (zlib) => {
    if (zlib.brotliDecompressSync.timed) return;
    const brotli = zlib.brotliDecompressSync;
    zlib.brotliDecompressSync = function timedBrotli(...args) {
      return span('decompress', () => brotli.apply(this, args));
    };
    zlib.brotliDecompressSync.timed = true;
  };
  const require0 = Module.prototype.require;
  Module.prototype.require = function timedRequire(id) {
    const name = String(id).replace(/^node:/, '');
    if (name !== 'zlib' && name !== 'crypto') return require0.call(this, id);
    const m = span(`require ${name}`, () => require0.call(this, id));
    if (name === 'zlib') wrapZlib(m);
    return m;
  };
  const { Module: WasmModule, Instance } = WebAssembly;
  WebAssembly.Module = class extends WasmModule {
    constructor(...args) {
      const a = now();
      super(...args);
      if (!marks.compile) marks.compile = [a, now()];
    }
  };
  WebAssembly.Instance = class extends Instance {
    constructor(...args) {
      const a = now();
      super(...args);
      if (!marks.instantiate) marks.instantiate = [a, now()];
    }
  };
  return marks;
}

async function first(o) {
  const { createContainer } = require('../../js/sandbox');
  // The harness, warm: one unrelated script through a container of its own (loads nothing of zlib or crypto).
  const harness = createContainer({ configuration: {}, graceMs: 0 });
  const warmText =
    'function login(u, p, context, callback) {\n  if (typeof callback !== "function") callback = context;\n  console.log("harness warm-up");\n  callback(null, { user_id: "warm-up" });\n}\n';
  for (let i = 0; i < 2; i++) await harness.invoke(warmText, { kind: 'login', args: ['warm-up@example.com', 'warm-up-password'] });
  if (o.modules === 'loaded') {
    const zlib = require('node:zlib');
    const crypto = require('node:crypto');
    zlib.brotliDecompressSync(zlib.brotliCompressSync(crypto.randomBytes(4096)));
    crypto.createHash('sha256').update('warm-up').digest('hex');
    const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
    crypto.createPublicKey({ key: publicKey.export({ format: 'jwk' }), format: 'jwk' });
    if (o.warmUrl) await (await fetch(o.warmUrl)).text();
  } else if (o.modules !== 'fresh') throw new Error(`modules must be fresh or loaded, not ${o.modules}`);
  // A pause, as a worker idles between calls: V8's background compiles and GC of the warm-up finish first.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const marks = o.timeline ? timeline() : null;
  const before = loadedModules();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const text = fs.readFileSync(o.script, 'utf8');
  const c = createContainer({ configuration: o.settings, graceMs: 0 });
  const entry = c._compile(text); // what Auth0 does with the pasted text before the first call
  const t1 = process.hrtime.bigint();
  // The moment the script calls back, caught by wrapping the callback the sandbox hands it.
  let tCallback = null;
  const run = entry.run;
  const wrapped = function (...a) {
    const cb = a[a.length - 1];
    a[a.length - 1] = function (...r) {
      if (tCallback === null) tCallback = process.hrtime.bigint();
      return cb.apply(this, r);
    };
    return run.apply(this, a);
  };
  Object.defineProperty(wrapped, 'length', { value: run.length });
  entry.run = wrapped;
  const r = await c.invoke(text, { kind: o.kind, args: o.args, timeoutMs: 19000 });
  const cpu = process.cpuUsage(cpu0);
  const newModules = [...loadedModules()].filter((m) => !before.has(m));
  const msOf = (a, b) => Number(b - a) / 1e6;
  const spans = {};
  if (marks) for (const [k, [a, b]] of Object.entries(marks)) spans[k] = { fromCallMs: msOf(t1, a), ms: msOf(a, b) };
  process.stdout.write(
    `${JSON.stringify({
      modules: o.modules,
      totalMs: tCallback === null ? null : msOf(t0, tCallback),
      compileMs: msOf(t0, t1),
      callMs: tCallback === null ? null : msOf(t1, tCallback),
      cpuMs: (cpu.user + cpu.system) / 1000,
      outcome: r.outcome,
      error: r.error ? r.error.message : null,
      violations: r.violations,
      timeline: marks ? spans : undefined,
      nodeModulesLoaded: newModules.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length)),
    })}\n`
  );
}

async function main() {
  const [mode, script] = process.argv.slice(2);
  if (mode === 'first') return first(JSON.parse(script));
  const text = fs.readFileSync(script, 'utf8');
  if (mode === 'split') {
    const { embeddedWasm } = require('./common');
    const zlib = require('node:zlib');
    const found = embeddedWasm(text);
    if (!found) throw new Error(`no embedded wasm found in ${script}`);
    const literal = found.literal;
    const t0 = performance.now();
    const compressed = found.decode(literal);
    const t1 = performance.now();
    const bytes = zlib.brotliDecompressSync(compressed);
    const t2 = performance.now();
    const module = new WebAssembly.Module(bytes);
    const t3 = performance.now();
    const imports = {};
    for (const i of WebAssembly.Module.imports(module)) {
      imports[i.module] = imports[i.module] || {};
      if (i.kind === 'function') imports[i.module][i.name] = () => {};
      else if (i.kind === 'memory') imports[i.module][i.name] = new WebAssembly.Memory({ initial: 17 });
      else if (i.kind === 'table') imports[i.module][i.name] = new WebAssembly.Table({ initial: 0, element: 'anyfunc' });
      else imports[i.module][i.name] = 0;
    }
    const t4 = performance.now();
    new WebAssembly.Instance(module, imports); // eslint-disable-line no-new
    const t5 = performance.now();
    process.stdout.write(`${JSON.stringify({ encoding: found.encoding, decodeMs: t1 - t0, decompressMs: t2 - t1, compileMs: t3 - t2, instantiateMs: t5 - t4, wasmBytes: bytes.length })}\n`);
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
