'use strict';
/**
 * One cold start, in a fresh process (V8 caches compiled wasm per process, so every measurement needs
 * its own). Prints one JSON line.
 *
 *   node cold-child.js split <script>
 *       the embedded wasm's text literal decoded (base64 or the 91-character encoding, whichever the
 *       build used), brotliDecompressSync, new WebAssembly.Module, new WebAssembly.Instance (with
 *       stand-in imports: instantiation does not call them), each timed on its own
 *   node cold-child.js e2e <script> <kind> <domain> <identifier> <password>
 *       a fresh container: the sandbox's compile of the script text, then the first call end to end
 *       (to its callback) against the fake old tenant, nothing added. zlib.brotliDecompressSync and
 *       WebAssembly.Module / Instance are wrapped to time them where the script really calls them
 *       ("in situ"), which still works if the build changes how it embeds the wasm.
 */
const fs = require('node:fs');
const zlib = require('node:zlib');
const { performance } = require('node:perf_hooks');

async function main() {
  const [mode, script, kind, domain, identifier, password] = process.argv.slice(2);
  const text = fs.readFileSync(script, 'utf8');
  if (mode === 'split') {
    const { embeddedWasm } = require('./common');
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
  if (mode === 'e2e') {
    const { createContainer } = require('../../js/sandbox');
    const { settingsFor, hookWasmLoading } = require('./common');
    const inSitu = hookWasmLoading().times;
    const c = createContainer({ configuration: settingsFor(domain), graceMs: 0 });
    let scriptCompileMs = null;
    if (typeof c._compile === 'function') {
      const t0 = performance.now();
      c._compile(text); // what Auth0 does with the pasted text before the first call (validated and compiled once)
      scriptCompileMs = performance.now() - t0;
    }
    const args = kind === 'login' ? [identifier, password] : [identifier];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = await c.invoke(text, { kind, args, timeoutMs: 19000 });
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(`${JSON.stringify({ scriptCompileMs, callMs: r.durationMs, wallMs: wall, cpuMs: (cpu.user + cpu.system) / 1000, inSitu, outcome: r.outcome, violations: r.violations })}\n`);
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
