'use strict';
/**
 * Assembles dist/ from the optimised wasm, wasm-bindgen's no-modules glue, the skeletons in
 * pkg-template/ and the shim (pkg-template/shim/, see ./shim.js): one self-contained, pasteable
 * file per script, plus manifest.json.
 *
 * Usage: node js/build/assemble.js --wasm FILE --glue FILE --engine-wasm FILE --engine-glue FILE
 *          --toolchain FILE --out DIR
 *
 * --wasm/--glue are the scripts' module; --engine-wasm/--engine-glue the same crate built with the
 * `engine` feature for dist/engine.js (it adds the exports only Node tools call).
 *
 * The output depends only on its inputs (no dates, no absolute paths, a fixed brotli setting),
 * so two builds of one commit are byte-identical.
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const { minify } = require('terser');
const { checkScript } = require('./checks');
const { header } = require('./header');
const text91 = require('./text91');
const { shimText } = require('./shim');
const { almDecode91 } = require('../../pkg-template/shim/decode91');

const ROOT = path.resolve(__dirname, '..', '..');
const TEMPLATES = path.join(ROOT, 'pkg-template');

/** The glue as wasm-bindgen 0.2.x writes it for --target no-modules; both anchors must hold. */
const GLUE_HEAD = 'let wasm_bindgen = (function(exports) {';
const GLUE_TAIL = '})({ __proto__: null });';

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ['wasm', 'glue', 'engine-wasm', 'engine-glue', 'toolchain', 'out']) if (!out[k]) throw new Error(`missing --${k}`);
  return out;
}

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

/**
 * The glue hands back its async loader (fetching a .wasm by URL, streaming compilation) along
 * with `initSync` and the exports. The scripts only ever call `initSync` with bytes they carry,
 * so the loader is not handed back; nothing then refers to it and the minifier drops it (about
 * 1.4 KB of minified script, measured).
 */
const GLUE_EXPORT = 'return Object.assign(__wbg_init, { initSync }, exports);';
const GLUE_EXPORT_SYNC = 'return Object.assign({ initSync }, exports);';

/**
 * Checks the glue's shape at its anchors (oxc's rule: each found exactly once), rewrites its
 * export line, and indents it.
 */
function prepareGlue(glue) {
  const count = (s) => glue.split(s).length - 1;
  if (!glue.startsWith(GLUE_HEAD) || count(GLUE_HEAD) !== 1 || count(GLUE_TAIL) !== 1 || count(GLUE_EXPORT) !== 1) {
    throw new Error('the wasm-bindgen glue does not have the expected no-modules shape; was the wasm-bindgen version changed?');
  }
  const synced = glue.replace(GLUE_EXPORT, GLUE_EXPORT_SYNC);
  return synced
    .trimEnd()
    .split('\n')
    .map((l) => (l ? `    ${l}` : l))
    .join('\n');
}

/**
 * Loads the module with its glue and asks it for its build info and its settings keys: a broken
 * wasm-opt shows here, and the headers name the keys the engine itself reads (no copy of the list).
 */
function selfCheck(glueText, wasm) {
  const glue = new Function(`${glueText}\nreturn wasm_bindgen;`)();
  glue.initSync({ module: new WebAssembly.Module(wasm) });
  const [version, commit] = glue.build_info().split(' ');
  const keys = glue.check_settings ? JSON.parse(glue.check_settings('{"settings":{}}')).keys : null;
  return { version, commit, settingsKeys: keys };
}

/** A module as it is embedded: its hash, sizes, glue and brotli payload (base64 and text91). */
function embed(glueText, wasm) {
  const compressed = zlib.brotliCompressSync(wasm, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 22,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: wasm.length
    }
  });
  const packed = text91.encode(compressed);
  checkDecoder(packed, compressed);
  return {
    record: { sha256: sha256(wasm), bytes: wasm.length, brotli_bytes: compressed.length },
    values: {
      WASM_SHA256: sha256(wasm),
      GLUE: prepareGlue(glueText),
      WASM_BASE64: compressed.toString('base64'),
      WASM_TEXT91: packed,
      WASM_PACKED_BYTES: String(compressed.length)
    }
  };
}

/** The shim's own decoder (the module the scripts carry) must give back exactly the compressed bytes. */
function checkDecoder(packed, compressed) {
  if (!almDecode91(packed, compressed.length).equals(compressed)) {
    throw new Error('the shim decoder and js/build/text91.js disagree on the wasm payload');
  }
}

function fill(template, values) {
  return template.replace(/__ALM_([A-Z0-9_]+)__/g, (whole, key) => {
    if (!(key in values)) return whole; // left for checkScript to report
    return values[key];
  });
}

/**
 * The pasteable scripts go out minified (the wasm-bindgen glue and our shim are a third of the
 * script's text otherwise), with the header comment kept verbatim on top. Top-level names stay
 * (Auth0 calls `login` / `getByEmail`), free variables such as `configuration` and the error
 * classes are never renamed, and terser's output depends only on its input and options.
 * The readable form is kept in target/skeleton/ for the golden tests and for review.
 */
async function shrink(text) {
  const m = text.match(/^(\/\*[\s\S]*?\*\/)\n/);
  if (!m) throw new Error('a script must start with its header comment');
  const out = await minify(text.slice(m[0].length), {
    ecma: 2018,
    toplevel: false,
    compress: { passes: 2 },
    mangle: true,
    format: { preamble: m[1], comments: false }
  });
  return `${out.code}\n`;
}

async function main() {
  const a = args(process.argv.slice(2));
  const wasm = fs.readFileSync(a.wasm);
  const glue = fs.readFileSync(a.glue, 'utf8');
  const toolchain = JSON.parse(fs.readFileSync(a.toolchain, 'utf8'));
  const build = selfCheck(glue, wasm);
  const pkgVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  if (build.version !== pkgVersion) {
    throw new Error(`Cargo.toml version ${build.version} and package.json version ${pkgVersion} differ`);
  }
  const engineWasm = fs.readFileSync(a['engine-wasm']);
  const engineGlue = fs.readFileSync(a['engine-glue'], 'utf8');
  const engineBuild = selfCheck(engineGlue, engineWasm);
  if (engineBuild.version !== build.version || engineBuild.commit !== build.commit || !engineBuild.settingsKeys) {
    throw new Error('the engine build is not of the same version and commit as the scripts, or lacks check_settings');
  }
  build.settingsKeys = engineBuild.settingsKeys;
  const scriptsModule = embed(glue, wasm);
  const engineModule = embed(engineGlue, engineWasm);
  const embedded = { VERSION: build.version, ...scriptsModule.values };
  const runtime = fill(shimText(), embedded).trimEnd();

  const scripts = [
    { file: 'login.js', expect: { functionName: 'login' }, wasm: true, minify: true },
    { file: 'get_user.js', expect: { functionName: 'getByEmail' }, wasm: true, minify: true },
    { file: 'metadata-action.js', expect: { actionExport: 'onExecutePostLogin' }, wasm: false },
    { file: 'metadata-rule.js', expect: { functionName: 'migrationMetadata' }, wasm: false },
    { file: 'engine.js', expect: { module: true }, wasm: true, engine: true },
    { file: 'retired/login.js', template: 'retired-login.js', expect: { functionName: 'login' }, wasm: false },
    { file: 'retired/get_user.js', template: 'retired-get_user.js', expect: { functionName: 'getByEmail' }, wasm: false }
  ];
  fs.mkdirSync(a.out, { recursive: true });
  const artifacts = [];
  for (const s of scripts) {
    const own = s.engine ? { VERSION: build.version, ...engineModule.values } : embedded;
    const text = fill(fs.readFileSync(path.join(TEMPLATES, s.template || s.file), 'utf8'), {
      ...own,
      HEADER: header(s.file, { ...build, wasmSha256: s.wasm ? own.WASM_SHA256 : null }),
      // Indented to sit in the function body; the replacer form keeps `$` in the glue literal.
      RUNTIME: runtime.replace(/^ {2}/, '')
    });
    const skeleton = path.join(ROOT, 'target', 'skeleton', s.file);
    fs.mkdirSync(path.dirname(skeleton), { recursive: true });
    fs.writeFileSync(skeleton, text);
    const final = s.minify ? await shrink(text) : text;
    const bytes = checkScript(s.file, final, s.expect);
    fs.mkdirSync(path.dirname(path.join(a.out, s.file)), { recursive: true });
    fs.writeFileSync(path.join(a.out, s.file), final);
    artifacts.push({ file: s.file, bytes, sha256: sha256(final) });
  }
  const manifest = {
    name: 'auth0-lazy-migrate',
    version: build.version,
    commit: build.commit,
    wasm: scriptsModule.record,
    engine_wasm: engineModule.record,
    artifacts,
    toolchain
  };
  fs.writeFileSync(path.join(a.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const x of artifacts) {
    console.log(`${x.file.padEnd(20)} ${String(x.bytes).padStart(7)} bytes  ${(x.bytes / 1000).toFixed(1)}% of Auth0's 100 KB`);
  }
}

main().catch((e) => {
  console.error(`build failed: ${e.message}`);
  process.exit(1);
});
