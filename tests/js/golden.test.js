'use strict';
/**
 * Golden files of the emitted scripts (the wasm-bindgen reference-test model): each script in its
 * readable form (target/skeleton/, written by the build before minifying) with what changes on
 * every commit elided - the wasm payload, the commit, the hashes - is kept in tests/golden/ and
 * compared. A change to a skeleton, the shim, the header or the glue shows up
 * as a diff to review. After an intended change: `BLESS=1 make test-js`, then read the diff.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const GOLDEN = path.join(ROOT, 'tests', 'golden');
const FILES = [
  'login.js',
  'get_user.js',
  'metadata-action.js',
  'metadata-rule.js',
  'engine.js',
  'retired/login.js',
  'retired/get_user.js',
  'rest/login.js',
  'rest/get_user.js',
  'oidc/login.js',
  'oidc/get_user.js',
  'firebase/login.js',
  'firebase/get_user.js',
  'cognito/login.js',
  'cognito/get_user.js',
];

/** The script with its per-build parts replaced by fixed markers. */
function skeleton(text) {
  return text
    .replace(/((?:var|const) ALM_WASM_BASE64 = ')[A-Za-z0-9+/=]*(')/, '$1<wasm: brotli, base64>$2')
    .replace(/(var ALM_WASM_TEXT91 = ')[^']*(')/, '$1<wasm: brotli, text91>$2')
    .replace(/(var ALM_WASM_PACKED_BYTES = )\d+/, '$1<bytes>')
    .replace(/\bcommit (?:[0-9a-f]{40}(?:-dirty)?|unknown)(?=\s)/g, 'commit <commit>')
    .replace(/\b[0-9a-f]{64}\b/g, '<sha256>');
}

for (const file of FILES) {
  test(`${file} matches its golden skeleton`, () => {
    const readable = fs.readFileSync(path.join(ROOT, 'target', 'skeleton', file), 'utf8');
    const actual = skeleton(readable);
    const shipped = fs.readFileSync(path.join(ROOT, 'dist', file), 'utf8');
    assert.equal(shipped.slice(0, shipped.indexOf('*/')), readable.slice(0, readable.indexOf('*/')), 'dist keeps the header verbatim');
    const goldenPath = path.join(GOLDEN, `${file.replace('/', '-')}.golden`);
    if (process.env.BLESS === '1') {
      fs.writeFileSync(goldenPath, actual);
      return;
    }
    assert.ok(fs.existsSync(goldenPath), `no golden file for ${file}: run BLESS=1 make test-js and review it`);
    const expected = fs.readFileSync(goldenPath, 'utf8');
    assert.equal(actual, expected, `dist/${file} changed shape; if intended, BLESS=1 make test-js and review the diff`);
  });
}

test('the skeleton really elides the payload (the golden files stay small)', () => {
  const text = fs.readFileSync(path.join(ROOT, 'target', 'skeleton', 'login.js'), 'utf8');
  const s = skeleton(text);
  assert.ok(s.includes("var ALM_WASM_TEXT91 = '<wasm: brotli, text91>'"));
  const payload = text.match(/var ALM_WASM_TEXT91 = '([^']*)'/)[1];
  assert.ok(payload.length > 4000 && !s.includes(payload.slice(0, 200)), 'the wasm payload is gone');
  assert.ok(s.length < text.length - payload.length + 1000, 'nothing else of its size is left');
  assert.ok(!/[0-9a-f]{40}/.test(s.replace(/<sha256>/g, '')), 'no hashes left');
});
