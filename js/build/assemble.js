'use strict';
/**
 * Assembles dist/ from the optimised wasm, wasm-bindgen's no-modules glue, the skeletons in
 * pkg-template/ and the shim (pkg-template/shim/, see ./shim.js): one self-contained, pasteable
 * file per script, plus manifest.json.
 *
 * Usage: node js/build/assemble.js --wasm-dir DIR --pkg-dir DIR --toolchain FILE --out DIR
 *
 * Each wasm module of js/sources.js MODULES is read from DIR/NAME.wasm (optimised) with its glue from
 * target/pkg-NAME/migrate.js (wasm-bindgen's): `auth0` for the auth0 source's scripts, `engine` (the
 * `engine` feature) for dist/engine.js (it adds the exports only Node tools call), and one module per
 * other source, or per script of a source (js/sources.js `modules`). Every script carries the same
 * shim, plus its source's own shim modules (./shim.js); only the module (and the header) differ.
 *
 * The output depends only on its inputs (no dates, no absolute paths, a fixed brotli setting),
 * so two builds of one commit are byte-identical.
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const zlib = require('node:zlib');
const { shrink } = require('./minify');
const { checkScript } = require('./checks');
const { header } = require('./header');
const text91 = require('./text91');
const { shimText } = require('./shim');
const { scriptEntries, MODULES, NAMES, manifestKey, engineCheck } = require('../sources');
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
  for (const k of ['wasm-dir', 'pkg-dir', 'toolchain', 'out']) if (!out[k]) throw new Error(`missing --${k}`);
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
 * What the pasted scripts' glue goes without (the engine keeps all of it), each cut where its exact
 * text is found once, else the build fails (a wasm-bindgen upgrade that changed it is looked at, not
 * shipped blindly):
 * - the `build_info` export: the build reads it (selfCheck, on the whole glue) and the engine
 *   exposes it, but the scripts never call it; unexported, the minifier drops its wrapper (about 170
 *   bytes of script, measured);
 * - the `TextEncoder.encodeInto` fallback for runtimes without it: Node has had it since v12, and
 *   Auth0 runs 18 and 22 (117 bytes, measured).
 */
const SCRIPT_GLUE_CUTS = [
  '    exports.build_info = build_info;\n',
  `    if (!('encodeInto' in cachedTextEncoder)) {
        cachedTextEncoder.encodeInto = function (arg, view) {
            const buf = cachedTextEncoder.encode(arg);
            view.set(buf);
            return {
                read: arg.length,
                written: buf.length
            };
        };
    }
`
];

/**
 * Checks the glue's shape at its anchors (oxc's rule: each found exactly once), rewrites its
 * export line, makes the scripts' cuts (`forScripts`), and indents it.
 */
function prepareGlue(glue, forScripts) {
  const count = (s) => glue.split(s).length - 1;
  if (!glue.startsWith(GLUE_HEAD) || count(GLUE_HEAD) !== 1 || count(GLUE_TAIL) !== 1 || count(GLUE_EXPORT) !== 1) {
    throw new Error('the wasm-bindgen glue does not have the expected no-modules shape; was the wasm-bindgen version changed?');
  }
  let synced = glue.replace(GLUE_EXPORT, GLUE_EXPORT_SYNC);
  if (forScripts) {
    for (const cut of SCRIPT_GLUE_CUTS) {
      if (count(cut) !== 1) throw new Error(`the wasm-bindgen glue no longer has, exactly once: ${cut.trim().split('\n')[0]}; was the wasm-bindgen version changed?`);
      synced = synced.replace(cut, '');
    }
  }
  return synced
    .trimEnd()
    .split('\n')
    .map((l) => (l ? `    ${l}` : l))
    .join('\n');
}

/**
 * Loads the module with its glue and asks it for its build info and its settings keys: a broken
 * wasm-opt shows here, and the headers name the keys the engine itself reads (no copy of the list).
 * Only the engine's build info names the commit (src/boundary.rs build_info says why).
 */
function selfCheck(glueText, wasm) {
  const glue = new Function(`${glueText}\nreturn wasm_bindgen;`)();
  glue.initSync({ module: new WebAssembly.Module(wasm) });
  const [version, commit] = glue.build_info().split(' ');
  const keys = (fn) => (glue[fn] ? JSON.parse(glue[fn]('{"settings":{}}')).keys : null);
  // Each source's settings keys, as its engine check lists them (only the engine has the checks).
  const sourceKeys = Object.fromEntries(NAMES.map((n) => [n, keys(engineCheck(n))]));
  return { version, commit, sourceKeys };
}

/** A module as it is embedded: its hash, sizes, glue and brotli payload (base64 and text91). */
function embed(glueText, wasm, forScripts) {
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
      GLUE: prepareGlue(glueText, forScripts),
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

async function main() {
  const a = args(process.argv.slice(2));
  const toolchain = JSON.parse(fs.readFileSync(a.toolchain, 'utf8'));
  const pkgVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version;
  /** One module of MODULES: its bytes and glue, checked by loading it (a broken wasm-opt shows here). */
  const load = (name) => {
    const wasm = fs.readFileSync(path.join(a['wasm-dir'], `${name}.wasm`));
    const glue = fs.readFileSync(path.join(a['pkg-dir'], `pkg-${name}`, 'migrate.js'), 'utf8');
    return { name, wasm, glue, build: selfCheck(glue, wasm) };
  };
  const modules = Object.fromEntries(Object.keys(MODULES).map((name) => [name, load(name)]));
  const engine = modules.engine;
  if (engine.build.version !== pkgVersion) {
    throw new Error(`Cargo.toml version ${engine.build.version} and package.json version ${pkgVersion} differ`);
  }
  const missingChecks = NAMES.filter((n) => !engine.build.sourceKeys[n]);
  if (!engine.build.commit || missingChecks.length) {
    throw new Error(`the engine build names no commit, or lacks ${missingChecks.map(engineCheck).join(' / ')}`);
  }
  for (const m of Object.values(modules)) {
    if (m.build.version !== pkgVersion) throw new Error(`the ${m.name} build is not of the same version as the engine (${m.build.version}, not ${pkgVersion})`);
  }
  // Only the engine's build info names the commit (src/boundary.rs build_info says why).
  const build = { version: pkgVersion, commit: engine.build.commit };
  const embeddedModules = Object.fromEntries(Object.values(modules).map((m) => [m.name, embed(m.glue, m.wasm, m.name !== 'engine')]));
  /** What a script of `source` carrying `module` is filled with: the module, its source's keys and shim. */
  const fillingOf = (source, module) => {
    const own = { VERSION: build.version, ...embeddedModules[module].values };
    return { own, keys: engine.build.sourceKeys[source], runtime: fill(shimText(source), own).trimEnd() };
  };

  // Each source's Login and Get User scripts: the list is js/sources.js's, the one the command line,
  // the demo and the bench read too. The auth0 source's come first (the manifest's order since v0.1).
  const [auth0Login, auth0GetUser, ...otherSources] = scriptEntries().map((e) => ({
    file: e.file,
    template: e.template,
    expect: { functionName: e.functionName },
    wasm: true,
    minify: true,
    filling: fillingOf(e.source, e.module)
  }));
  const scripts = [
    auth0Login,
    auth0GetUser,
    { file: 'metadata-action.js', expect: { actionExport: 'onExecutePostLogin' }, wasm: false },
    { file: 'metadata-rule.js', expect: { functionName: 'migrationMetadata' }, wasm: false },
    { file: 'engine.js', expect: { module: true }, wasm: true, engine: true },
    { file: 'retired/login.js', template: 'retired-login.js', expect: { functionName: 'login' }, wasm: false },
    { file: 'retired/get_user.js', template: 'retired-get_user.js', expect: { functionName: 'getByEmail' }, wasm: false },
    ...otherSources
  ];
  fs.mkdirSync(a.out, { recursive: true });
  const artifacts = [];
  for (const s of scripts) {
    const src = s.filling || auth0Login.filling;
    const own = s.engine ? { VERSION: build.version, ...embeddedModules.engine.values } : src.own;
    const keys = src.keys;
    const text = fill(fs.readFileSync(path.join(TEMPLATES, s.template || s.file), 'utf8'), {
      ...own,
      HEADER: header(s.file, { ...build, settingsKeys: keys, wasmSha256: s.wasm ? own.WASM_SHA256 : null }),
      // Indented to sit in the function body; the replacer form keeps `$` in the glue literal.
      RUNTIME: src.runtime.replace(/^ {2}/, '')
    });
    const skeleton = path.join(ROOT, 'target', 'skeleton', s.file);
    fs.mkdirSync(path.dirname(skeleton), { recursive: true });
    fs.writeFileSync(skeleton, text);
    const final = s.minify ? await shrink(text) : text;
    if (s.minify && !final.includes(own.WASM_TEXT91)) {
      throw new Error(`${s.file}: the minifier changed the embedded wasm payload (js/build/minify.js)`);
    }
    const bytes = checkScript(s.file, final, { ...s.expect, carriesWasm: s.wasm && !s.expect.module });
    fs.mkdirSync(path.dirname(path.join(a.out, s.file)), { recursive: true });
    fs.writeFileSync(path.join(a.out, s.file), final);
    artifacts.push({ file: s.file, bytes, sha256: sha256(final) });
  }
  const manifest = {
    name: 'auth0-lazy-migrate',
    version: build.version,
    commit: build.commit,
    ...Object.fromEntries(Object.keys(MODULES).map((m) => [manifestKey(m), embeddedModules[m].record])),
    artifacts,
    toolchain
  };
  fs.writeFileSync(path.join(a.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const x of artifacts) {
    // dist/engine.js is a Node module, never pasted: Auth0's script limit does not apply to it.
    const share = x.file === 'engine.js' ? 'a Node module (no Auth0 limit)' : `${(x.bytes / 1000).toFixed(1)}% of Auth0's 100 KB`;
    console.log(`${x.file.padEnd(20)} ${String(x.bytes).padStart(7)} bytes  ${share}`);
  }
}

main().catch((e) => {
  console.error(`build failed: ${e.message}`);
  process.exit(1);
});
