// The wasm instance: compiled and instantiated once per container, and dropped on a trap.

// The compiled and instantiated module, cached on Auth0's per-container `global` under the
// hash of the wasm it holds, so a new script version never reuses an old instance.
function almEngine() {
  var cached = global[ALM_CACHE_KEY];
  if (cached) return cached;
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.Module !== 'function') {
    throw new Error('no WebAssembly in this Auth0 runtime: the migration scripts cannot run here');
  }
  var bytes = require('zlib').brotliDecompressSync(almDecode91(ALM_WASM_TEXT91, ALM_WASM_PACKED_BYTES));
  var glue = almGlue();
  glue.initSync({ module: new WebAssembly.Module(bytes) });
  global[ALM_CACHE_KEY] = glue;
  return glue;
}

// Calls into the wasm instance the call started with, where its flow lives. A trap (a Rust
// panic) drops that instance, and with it every flow in it, so the next call starts clean; it
// surfaces as an Error, never as a wrong password. A call whose instance another call's trap
// dropped fails the same way at its next step.
function almCall(engine, fn, payload) {
  var why = 'dropped after a trap';
  try {
    if (global[ALM_CACHE_KEY] === engine) return JSON.parse(engine[fn](JSON.stringify(payload)));
  } catch (e) {
    delete global[ALM_CACHE_KEY];
    why = e && e.name ? e.name : 'error';
  }
  return { done: { kind: 'error', message: 'internal: the migration module failed (' + why + ')' } };
}

module.exports = { almEngine: almEngine, almCall: almCall };
