'use strict';
/**
 * Where the wasm's bytes go: the section sizes of the shipped module (decoded from the dist script
 * itself), and the top contributors by function/data segment from the named release build, through
 * twiggy when it is installed in the project's tool cache, else through a small parser of the
 * module's `name` section here.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount', 'tag'];

function leb(bytes, pos) {
  let result = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(b & 0x80)) return [result, pos];
  }
}

function readName(bytes, pos) {
  const [len, p] = leb(bytes, pos);
  return [Buffer.from(bytes.subarray(p, p + len)).toString('utf8'), p + len];
}

/** Top-level sections: [{id, kind, name, bytes (header included), start, end (payload)}]. */
function sections(bytes) {
  if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  const out = [];
  let pos = 8;
  while (pos < bytes.length) {
    const headerStart = pos;
    const id = bytes[pos++];
    const [size, p] = leb(bytes, pos);
    let name = SECTION_NAMES[id] || `unknown(${id})`;
    if (id === 0) name = `custom "${readName(bytes, p)[0]}"`;
    out.push({ id, kind: SECTION_NAMES[id] || 'unknown', name, bytes: p + size - headerStart, start: p, end: p + size });
    pos = p + size;
  }
  return out;
}

/** The shipped module's sections, largest first, with counts of functions and data segments. */
function sectionTable(bytes) {
  const list = sections(bytes);
  const code = list.find((s) => s.id === 10);
  const data = list.find((s) => s.id === 11);
  return {
    totalBytes: bytes.length,
    functions: code ? leb(bytes, code.start)[0] : 0,
    dataSegments: data ? leb(bytes, data.start)[0] : 0,
    sections: list.map(({ name, bytes: b }) => ({ name, bytes: b })).sort((a, b) => b.bytes - a.bytes),
  };
}

// ---- names (fallback when twiggy is missing) --------------------------------------------------------------

const LEGACY_ESCAPES = {
  $LT$: '<',
  $GT$: '>',
  $RF$: '&',
  $BP$: '*',
  $C$: ',',
  $SP$: '@',
  $u20$: ' ',
  $u27$: "'",
  $u5b$: '[',
  $u5d$: ']',
  $u7b$: '{',
  $u7d$: '}',
  $u7e$: '~',
  $u3b$: ';',
  $u2b$: '+',
  $u22$: '"',
};

/** Rust's legacy symbol mangling (`_ZN...E`) back to a path, without the trailing hash. */
function demangle(name) {
  if (!name.startsWith('_ZN')) return name;
  const parts = [];
  let pos = 3;
  while (pos < name.length && name[pos] !== 'E') {
    const m = /^\d+/.exec(name.slice(pos));
    if (!m) return name;
    const len = Number(m[0]);
    pos += m[0].length;
    parts.push(name.slice(pos, pos + len));
    pos += len;
  }
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts
    .map((p) =>
      p
        .replace(/^_\$/, '$')
        .replace(/\$[A-Za-z0-9]+\$/g, (e) => LEGACY_ESCAPES[e] || e)
        .replace(/\.\./g, '::')
    )
    .join('::');
}

/** Every function body and data segment of a module with a `name` section: [{name, bytes}]. */
function namedItems(bytes) {
  const list = sections(bytes);
  let imported = 0;
  const imp = list.find((s) => s.id === 2);
  if (imp) {
    let [n, p] = leb(bytes, imp.start);
    for (; n > 0; n--) {
      [, p] = readName(bytes, p);
      [, p] = readName(bytes, p);
      const kind = bytes[p++];
      if (kind === 0) {
        imported++;
        [, p] = leb(bytes, p);
      } else if (kind === 1) {
        p += 1;
        const [flags, q] = leb(bytes, p);
        [, p] = leb(bytes, q);
        if (flags & 1) [, p] = leb(bytes, p);
      } else if (kind === 2) {
        const [flags, q] = leb(bytes, p);
        [, p] = leb(bytes, q);
        if (flags & 1) [, p] = leb(bytes, p);
      } else if (kind === 3) {
        p += 2;
      } else {
        p += 1;
        [, p] = leb(bytes, p);
      }
    }
  }
  const names = new Map();
  const nameSec = list.find((s) => s.id === 0 && s.name === 'custom "name"');
  if (nameSec) {
    let p = readName(bytes, nameSec.start)[1];
    while (p < nameSec.end) {
      const sub = bytes[p++];
      const [size, q] = leb(bytes, p);
      if (sub === 1) {
        let [n, r] = leb(bytes, q);
        for (; n > 0; n--) {
          let idx;
          let nm;
          [idx, r] = leb(bytes, r);
          [nm, r] = readName(bytes, r);
          names.set(idx, demangle(nm));
        }
      }
      p = q + size;
    }
  }
  const items = [];
  const code = list.find((s) => s.id === 10);
  if (code) {
    let [n, p] = leb(bytes, code.start);
    for (let i = 0; i < n; i++) {
      const [size, q] = leb(bytes, p);
      items.push({ name: names.get(imported + i) || `code[${i}]`, bytes: q + size - p });
      p = q + size;
    }
  }
  const data = list.find((s) => s.id === 11);
  if (data) {
    let [n, p] = leb(bytes, data.start);
    for (let i = 0; i < n; i++) {
      const start = p;
      let flags;
      [flags, p] = leb(bytes, p);
      if (flags === 2) [, p] = leb(bytes, p);
      if (flags !== 1) while (bytes[p++] !== 0x0b); // the offset expression
      const [size, q] = leb(bytes, p);
      items.push({ name: `data segment ${i}`, bytes: q + size - start });
      p = q + size;
    }
  }
  return items;
}

// ---- twiggy -----------------------------------------------------------------------------------------------

const TWIGGY = path.join(os.homedir(), '.cache', 'auth0-lazy-migrate', 'tools', 'twiggy-0.8.0', 'bin', 'twiggy');
const RELEASE_WASM = path.join(__dirname, '..', '..', 'target', 'wasm32-unknown-unknown', 'release', 'auth0_lazy_migrate.wasm');

/** Items that are not shipped: names, producers, wasm-bindgen's description section. */
const isUnshipped = (name) => /subsection|custom section|^"name"|producers|target_features|__wasm_bindgen_unstable/.test(name);

/** The crate an item belongs to (first `crate::` path in its name), for a per-crate total. */
function crateOf(name) {
  if (/^data segment/.test(name)) return 'data (strings, tables)';
  const m = /([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(name);
  if (m) return m[1];
  if (/^code\[\d+\]$/.test(name)) return '(unnamed code)';
  return '(wasm structure, exports, glue)';
}

/**
 * Top contributors of the named release build (before wasm-bindgen and wasm-opt): {tool, input,
 * inputBytes, top: [{name, bytes}], crates: [{crate, bytes}], note}, or {error}.
 */
function topContributors(n = 15) {
  if (!fs.existsSync(RELEASE_WASM)) return { error: `${path.relative(process.cwd(), RELEASE_WASM)} not found (run make dist)` };
  const inputBytes = fs.statSync(RELEASE_WASM).size;
  let items;
  let tool;
  if (fs.existsSync(TWIGGY)) {
    try {
      const out = execFileSync(TWIGGY, ['top', '-f', 'json', RELEASE_WASM], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      items = JSON.parse(out).map((r) => ({ name: r.name, bytes: r.shallow_size }));
      tool = 'twiggy 0.8.0 top';
    } catch (err) {
      items = null;
      tool = `twiggy failed (${err.message.split('\n')[0]}); own parser`;
    }
  }
  if (!items) {
    items = namedItems(fs.readFileSync(RELEASE_WASM));
    tool = tool || 'own name-section parser (twiggy not installed)';
  }
  const shipped = items.filter((i) => !isUnshipped(i.name));
  const crates = new Map();
  for (const i of shipped) crates.set(crateOf(i.name), (crates.get(crateOf(i.name)) || 0) + i.bytes);
  return {
    tool,
    input: path.relative(path.join(__dirname, '..', '..'), RELEASE_WASM),
    inputBytes,
    unshippedBytes: items.filter((i) => isUnshipped(i.name)).reduce((a, i) => a + i.bytes, 0),
    top: shipped
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, n)
      .map((i) => ({ name: i.name.replace(/::h[0-9a-f]{16}$/, ''), bytes: i.bytes })),
    crates: [...crates.entries()].map(([crate, bytes]) => ({ crate, bytes })).sort((a, b) => b.bytes - a.bytes),
    mtime: fs.statSync(RELEASE_WASM).mtime.toISOString(),
  };
}

module.exports = { sections, sectionTable, namedItems, demangle, topContributors, crateOf, TWIGGY, RELEASE_WASM };
