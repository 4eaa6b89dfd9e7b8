'use strict';
/**
 * The pasteable scripts go out minified (the wasm-bindgen glue and our shim are a third of the
 * script's text otherwise), with the header comment kept verbatim on top. Top-level names stay
 * (Auth0 calls `login` / `getByEmail`), free variables such as `configuration` and the error
 * classes are never renamed, and terser's output depends only on its input and options.
 * The readable form is kept in target/skeleton/ for the golden tests and for review.
 *
 * `inline_script: false`: by default terser escapes `-->`, `<!--` and `</script` inside strings,
 * for scripts inlined in HTML. A script pasted into Auth0 never is, and the embedded wasm payload
 * (random text91) holds `-->` in about one script in twenty-five: escaped, the payload is no longer
 * the literal the build wrote, and the secret scan (js/build/checks.js) no longer recognises it.
 */
const { minify } = require('terser');

async function shrink(text) {
  const m = text.match(/^(\/\*[\s\S]*?\*\/)\n/);
  if (!m) throw new Error('a script must start with its header comment');
  const out = await minify(text.slice(m[0].length), {
    ecma: 2018,
    toplevel: false,
    // The glue's console.warn calls only warn of loader call forms the shim never makes.
    compress: { passes: 2, pure_funcs: ['console.warn'] },
    mangle: true,
    format: { preamble: m[1], comments: false, inline_script: false }
  });
  return `${out.code}\n`;
}

module.exports = { shrink };
