// What the build fills in: the version, the instance's cache key, wasm-bindgen's glue and the
// module itself. A template the build completes, not a module: it is never required.

var ALM_VERSION = '__ALM_VERSION__';
var ALM_CACHE_KEY = 'auth0-lazy-migrate/wasm/__ALM_WASM_SHA256__';
// Whether this script carries a signer (`almSign`): without one, the minifier drops the loop's
// sign branch, which the source's module never asks for.
var ALM_SIGNS = __ALM_SIGNS__;

// wasm-bindgen's generated glue (target no-modules), kept verbatim and run once per container.
// Its TextEncoder and TextDecoder come from Node's `util` module: Auth0 documents the built-in
// modules, not those globals. `document` is declared and never set: the glue's lookup of a
// browser page's script address is then known dead, and the minifier drops it (103 bytes).
function almGlue() {
  var document;
  var { TextEncoder, TextDecoder } = require('util');
__ALM_GLUE__
  return wasm_bindgen;
}

// The migration module: Rust compiled to WebAssembly, brotli-compressed, in text91.
var ALM_WASM_PACKED_BYTES = __ALM_WASM_PACKED_BYTES__;
var ALM_WASM_TEXT91 = '__ALM_WASM_TEXT91__';
