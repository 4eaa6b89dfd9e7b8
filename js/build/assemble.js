'use strict';
/**
 * Assembles dist/ from the optimised wasm, wasm-bindgen's no-modules glue, the skeletons in
 * pkg-template/ and the shim (pkg-template/shim/, see ./shim.js): one self-contained, pasteable
 * file per script, plus manifest.json.
 *
 * Usage: node js/build/assemble.js --wasm FILE --glue FILE --engine-wasm FILE --engine-glue FILE
 *          --rest-wasm FILE --rest-glue FILE --oidc-login-wasm FILE --oidc-login-glue FILE
 *          --oidc-get-user-wasm FILE --oidc-get-user-glue FILE --toolchain FILE --out DIR
 *
 * --wasm/--glue are the scripts' module; --engine-wasm/--engine-glue the same crate built with the
 * `engine` feature for dist/engine.js (it adds the exports only Node tools call);
 * --rest-wasm/--rest-glue the crate built with the rest source instead of the auth0 one
 * (`source-rest`), for dist/rest/login.js and dist/rest/get_user.js; --oidc-login-* and
 * --oidc-get-user-* the crate built with the oidc source (`source-oidc`), one module per script (each
 * without the other's flow, `script-login` / `script-get-user`), for dist/oidc/*.js. Every script carries the
 * same shim; only the module (and the header) differ.
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
const { scriptEntries } = require('../sources');
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
  for (const k of ['wasm', 'glue', 'engine-wasm', 'engine-glue', 'rest-wasm', 'rest-glue', 'oidc-login-wasm', 'oidc-login-glue', 'oidc-get-user-wasm', 'oidc-get-user-glue', 'toolchain', 'out'])
    if (!out[k]) throw new Error(`missing --${k}`);
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
  return { version, commit, settingsKeys: keys('check_settings'), restSettingsKeys: keys('check_rest_settings'), oidcSettingsKeys: keys('check_oidc_settings') };
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
    // The glue's console.warn calls only warn of loader call forms the shim never makes.
    compress: { passes: 2, pure_funcs: ['console.warn'] },
    mangle: true,
    format: { preamble: m[1], comments: false }
  });
  return `${out.code}\n`;
}

/**
 * Which module a source's script carries (a key of main's `bySource`): its source's, except that the
 * oidc source has one per script (both flows in one module made a 50,310-byte script, over the
 * ceiling in checks.js).
 */
function moduleOf(entry) {
  if (entry.source !== 'oidc') return entry.source;
  return entry.kind === 'login' ? 'oidc-login' : 'oidc-get-user';
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
  if (engineBuild.version !== build.version || !engineBuild.commit || !engineBuild.settingsKeys || !engineBuild.restSettingsKeys || !engineBuild.oidcSettingsKeys) {
    throw new Error('the engine build is not of the same version as the scripts, names no commit, or lacks check_settings / check_rest_settings / check_oidc_settings');
  }
  build.commit = engineBuild.commit;
  build.settingsKeys = engineBuild.settingsKeys;
  const restWasm = fs.readFileSync(a['rest-wasm']);
  const restGlue = fs.readFileSync(a['rest-glue'], 'utf8');
  const restBuild = selfCheck(restGlue, restWasm);
  if (restBuild.version !== build.version) {
    throw new Error('the rest build is not of the same version as the scripts');
  }
  /** One oidc script's module, checked like the others. */
  const oidcModuleOf = (which) => {
    const w = fs.readFileSync(a[`oidc-${which}-wasm`]);
    const g = fs.readFileSync(a[`oidc-${which}-glue`], 'utf8');
    const b = selfCheck(g, w);
    if (b.version !== build.version) {
      throw new Error(`the oidc ${which} build is not of the same version as the scripts`);
    }
    return embed(g, w, true);
  };
  const scriptsModule = embed(glue, wasm, true);
  const engineModule = embed(engineGlue, engineWasm);
  const restModule = embed(restGlue, restWasm, true);
  const embedded = { VERSION: build.version, ...scriptsModule.values };
  const restEmbedded = { VERSION: build.version, ...restModule.values };
  const runtime = fill(shimText('auth0'), embedded).trimEnd();
  const restRuntime = fill(shimText('rest'), restEmbedded).trimEnd();
  const oidcLoginModule = oidcModuleOf('login');
  const oidcGetUserModule = oidcModuleOf('get-user');
  const oidcOf = (module) => {
    const own = { VERSION: build.version, ...module.values };
    return { own, keys: engineBuild.oidcSettingsKeys, runtime: fill(shimText('oidc'), own).trimEnd() };
  };
  // Each source's module, settings keys and shim, by the script's `source` (auth0 when none).
  const bySource = {
    auth0: { own: embedded, keys: build.settingsKeys, runtime },
    rest: { own: restEmbedded, keys: engineBuild.restSettingsKeys, runtime: restRuntime },
    'oidc-login': oidcOf(oidcLoginModule),
    'oidc-get-user': oidcOf(oidcGetUserModule)
  };

  // Each source's Login and Get User scripts: the list is js/sources.js's, the one the command line,
  // the demo and the bench read too. The auth0 source's come first (the manifest's order since v0.1).
  const [auth0Login, auth0GetUser, ...otherSources] = scriptEntries().map((e) => ({
    file: e.file,
    template: e.template,
    expect: { functionName: e.functionName },
    wasm: true,
    minify: true,
    source: moduleOf(e)
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
    const src = bySource[s.source || 'auth0'];
    const own = s.engine ? { VERSION: build.version, ...engineModule.values } : src.own;
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
    const bytes = checkScript(s.file, final, { ...s.expect, carriesWasm: s.wasm && !s.expect.module });
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
    rest_wasm: restModule.record,
    oidc_login_wasm: oidcLoginModule.record,
    oidc_get_user_wasm: oidcGetUserModule.record,
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
