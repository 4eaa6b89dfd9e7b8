'use strict';
/** Shared by bench/run.js and its child processes: the scripts under test, settings, statistics. */
const fs = require('node:fs');
const path = require('node:path');
const { SEED } = require('../../js/fakes/seed');

const ROOT = path.resolve(__dirname, '..', '..');
const APP = SEED.clients.migrationApp;

/** The two columns of every table: the built scripts, and the hand-written JavaScript baseline. */
const VARIANTS = {
  dist: { label: 'dist (Rust/wasm)' },
  plain: { label: 'plain JS' },
};

/**
 * Where each variant's scripts are. `dir`: a snapshot made by bench/run.js at its start (so that a
 * `make dist` running meanwhile cannot mix two builds in one table), laid out as dir/dist/*.js and
 * dir/plain/*.js; without it, the repository's dist/ and the plain scripts as bench/plain/generate.js
 * writes them (target/bench-plain/).
 */
function scriptPaths(dir) {
  const base = (v) => (dir ? path.join(dir, v) : v === 'dist' ? path.join(ROOT, 'dist') : path.join(ROOT, 'target', 'bench-plain'));
  const out = {};
  for (const v of Object.keys(VARIANTS)) out[v] = { login: path.join(base(v), 'login.js'), get_user: path.join(base(v), 'get_user.js') };
  return out;
}

function loadScripts(dir) {
  const out = {};
  for (const [v, files] of Object.entries(scriptPaths(dir))) {
    out[v] = { login: fs.readFileSync(files.login, 'utf8'), get_user: fs.readFileSync(files.get_user, 'utf8') };
  }
  return out;
}

/** The new tenant's connection settings for a fake old tenant at `domain`. */
function settingsFor(domain, extra = {}) {
  return { Domain: domain, Client_ID: APP.client_id, Client_Secret: APP.client_secret, Connection: SEED.connections.legacy, ...extra };
}

/** The fake tenants every run uses: one with the old tenant's claims-producing Action, one without. */
const TENANT_SPEC = {
  claims: { bruteForceLimit: 1e9 },
  bare: { claimsProducer: false, bruteForceLimit: 1e9 },
};

/** A password no seed user has, and that cannot collide with text in a log line (the sandbox flags that). */
const WRONG_PASSWORD = 'Zq7-not-the-password-0';

/** Runs fn(i) for i in [0, n) with at most `concurrency` running at once. */
async function pool(n, concurrency, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker));
}

function sortedCopy(values) {
  return Float64Array.from(values).sort();
}

function median(values) {
  if (values.length === 0) return null;
  const s = sortedCopy(values);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Nearest-rank percentile (q in 0..1). */
function percentile(values, q) {
  if (values.length === 0) return null;
  const s = sortedCopy(values);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

function mean(values) {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

// text91 (two characters carry 13 bits): the shim's own decoder, which the dist scripts carry.
const { almDecode91 } = require('../../pkg-template/shim/decode91');

function decodeText91(text) {
  return almDecode91(text, Math.floor(((text.length >> 1) * 13) / 8));
}

/** The decoders a dist script's wasm literal may use, tried in order; each returns the compressed bytes or null. */
const DECODERS = {
  base64: (t) => (/^[A-Za-z0-9+/]+={0,2}$/.test(t) ? Buffer.from(t, 'base64') : null),
  text91: (t) => decodeText91(t),
};

function brotliWasm(compressed) {
  const zlib = require('node:zlib');
  for (const bytes of [compressed, compressed.subarray(0, compressed.length - 1)]) {
    try {
      const raw = zlib.brotliDecompressSync(bytes);
      if (raw.length > 8 && raw.readUInt32LE(0) === 0x6d736100) return { compressed: bytes, raw };
    } catch {
      /* not this one */
    }
  }
  return null;
}

/**
 * The embedded wasm of a dist script, whatever the build did to its text (minified, renamed, base64 or
 * the 91-character text encoding): every quoted piece of 1,000+ characters without a backslash is tried,
 * longest first, with each decoder, and accepted when it brotli-decompresses to a wasm module.
 * Returns { encoding, literal, decode(literal) -> compressed bytes, compressed, raw } or null.
 */
function embeddedWasm(scriptText) {
  const pieces = [];
  for (const q of ["'", '"', '`']) {
    for (const piece of scriptText.split(q)) if (piece.length >= 1000 && !/[\\\n]/.test(piece)) pieces.push(piece);
  }
  pieces.sort((a, b) => b.length - a.length);
  for (const literal of pieces) {
    for (const [encoding, decode] of Object.entries(DECODERS)) {
      const compressed = decode(literal);
      const found = compressed && brotliWasm(compressed);
      if (found) {
        const length = found.compressed.length;
        return { encoding, literal, decode: (t) => decode(t).subarray(0, length), compressed: found.compressed, raw: found.raw };
      }
    }
  }
  return null;
}

/**
 * Wraps zlib.brotliDecompressSync and the WebAssembly.Module / Instance constructors (which the dist
 * scripts call) to time their first call and keep the instances made: { times, instances }.
 */
function hookWasmLoading() {
  const zlib = require('node:zlib');
  const { performance } = require('node:perf_hooks');
  const times = { decompressMs: null, compileMs: null, instantiateMs: null };
  const instances = [];
  const brotli = zlib.brotliDecompressSync;
  zlib.brotliDecompressSync = function timedBrotli(...args) {
    const t0 = performance.now();
    const out = brotli.apply(this, args);
    if (times.decompressMs === null) times.decompressMs = performance.now() - t0;
    return out;
  };
  const { Module, Instance } = WebAssembly;
  WebAssembly.Module = class extends Module {
    constructor(...args) {
      const t0 = performance.now();
      super(...args);
      if (times.compileMs === null) times.compileMs = performance.now() - t0;
    }
  };
  WebAssembly.Instance = class extends Instance {
    constructor(...args) {
      const t0 = performance.now();
      super(...args);
      if (times.instantiateMs === null) times.instantiateMs = performance.now() - t0;
      instances.push(this);
    }
  };
  return { times, instances };
}

module.exports = { hookWasmLoading, ROOT, APP, SEED, VARIANTS, TENANT_SPEC, WRONG_PASSWORD, scriptPaths, loadScripts, settingsFor, pool, median, percentile, mean, embeddedWasm };
