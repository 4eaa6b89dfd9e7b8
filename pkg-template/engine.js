__ALM_HEADER__
'use strict';
// The migration module for tools running on Node (the command line, tests): the same wasm the
// pasteable scripts embed, so bulk imports map users exactly as login and get_user do.

const ALM_WASM_SHA256 = '__ALM_WASM_SHA256__';
let almLoaded = null;

function almGlue() {
__ALM_GLUE__
  return wasm_bindgen;
}

function almEngine() {
  if (!almLoaded) {
    const bytes = require('zlib').brotliDecompressSync(Buffer.from(ALM_WASM_BASE64, 'base64'));
    const glue = almGlue();
    glue.initSync({ module: new WebAssembly.Module(bytes) });
    almLoaded = glue;
  }
  return almLoaded;
}

const call = (name) => (input) => JSON.parse(almEngine()[name](JSON.stringify(input)));

module.exports = {
  wasmSha256: ALM_WASM_SHA256,
  version: '__ALM_VERSION__',
  /** `{op, settings, now_ms, identifier, identifier_folded, password}` -> a step (see src/boundary.rs). */
  start: call('start'),
  /** `{settings, now_ms, state, reply | verified}` -> the next step. */
  resume: call('resume'),
  /** `{settings, user}` -> `{user}` to import, `{user, skip: 'blocked' | 'migrated'}` not to, or `{error}`. */
  importRecord: call('import_record'),
  buildInfo: () => almEngine().build_info()
};

const ALM_WASM_BASE64 = '__ALM_WASM_BASE64__';
