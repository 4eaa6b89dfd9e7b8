'use strict';
/**
 * The shim's modules (pkg-template/shim/), required as they are pasted: the build's rule on their
 * shape (js/build/shim.js), and the jobs that can be tried without a tenant.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { SHIM_DIR, MODULES, SOURCE_MODULES, TEMPLATE, moduleBody, shimText } = require('../../js/build/shim');

// Once each: several sources may carry the same module (sign.js).
const ALL_MODULES = [...new Set([...MODULES, ...Object.values(SOURCE_MODULES).flat()])];

test('every module exports each function it declares, and nothing else is at its top level', () => {
  for (const file of ALL_MODULES) {
    const text = fs.readFileSync(path.join(SHIM_DIR, file), 'utf8');
    const names = [...text.matchAll(/^(?:async )?function (\w+)\(/gm)].map((m) => m[1]);
    assert.ok(names.length > 0, file);
    assert.deepEqual(Object.keys(require(path.join(SHIM_DIR, file))), names, file);
    assert.doesNotThrow(() => moduleBody(file, text), file);
  }
  assert.deepEqual(fs.readdirSync(SHIM_DIR).sort(), [...ALL_MODULES, TEMPLATE].sort(), 'every file is pasted, in a known order');
});

test('the build refuses a module whose exports line is missing, different, or not last', () => {
  const ok = 'function a() {\n  return 1;\n}\n\nasync function b() {}\n\nmodule.exports = { a: a, b: b };\n';
  assert.equal(moduleBody('x.js', ok), 'function a() {\n  return 1;\n}\n\nasync function b() {}');
  for (const [why, text] of [
    ['missing', 'function a() {}\n'],
    ['a function left out', 'function a() {}\nfunction b() {}\nmodule.exports = { a: a };\n'],
    ['another order', 'function a() {}\nfunction b() {}\nmodule.exports = { b: b, a: a };\n'],
    ['shorthand', 'function a() {}\nmodule.exports = { a };\n'],
    ['not last', 'function a() {}\nmodule.exports = { a: a };\nvar x = 1;\n'],
    ['a second one', 'function a() {}\nmodule.exports.b = 1;\nmodule.exports = { a: a };\n'],
    ['a top-level statement', 'var x = 1;\nfunction a() {}\nmodule.exports = { a: a };\n'],
  ]) {
    assert.throws(() => moduleBody('x.js', text), /pkg-template\/shim\/x\.js/, why);
  }
});

test('the pasted shim is every module in order, indented, without an exports line', () => {
  const text = shimText();
  assert.ok(!text.includes('module.exports'));
  assert.ok(!text.includes('configuration.') && !text.includes('Log_Identifiers'), 'the shim reads no setting');
  let at = -1;
  for (const file of MODULES) {
    const first = /^(?:async )?function (\w+)\(/m.exec(fs.readFileSync(path.join(SHIM_DIR, file), 'utf8'))[0];
    const next = text.indexOf(`\n  ${first}`);
    assert.ok(next > at, `${file} in its place`);
    at = next;
  }
  assert.ok(text.includes('\n__ALM_GLUE__\n'), 'the glue placeholder is left for the build, unindented');
  assert.ok(!text.includes('function almSign('), "the auth0 source's scripts do not sign");
  assert.ok(shimText('rest').includes('\n  function almSign('), "the rest source's do");
});

test('a reply is read up to the limit the request names, and a cut character is left out', async () => {
  const { almReadText } = require('../../pkg-template/shim/transport');
  const never = new Promise(() => {});
  assert.equal(await almReadText(new Response('abcdefghij'), 4, never), 'abcd');
  assert.equal(await almReadText(new Response('abc'), 4, never), 'abc');
  assert.equal(await almReadText(new Response('ab\u00e9'), 3, never), 'ab', 'a split two-byte character at the limit');
  await assert.rejects(almReadText(new Response(Buffer.from([0x61, 0xff, 0x62])), 10, never), (e) => e.code === 'ERR_ENCODING_INVALID_ENCODED_DATA');
});

test('the log line names the user only when the flow said so', () => {
  const { almLog } = require('../../pkg-template/shim/log');
  const lines = [];
  const log = console.log;
  globalThis.ALM_VERSION = '9.9.9';
  console.log = (l) => lines.push(l);
  try {
    almLog('login', 'Ann@Example.com', 'profile', Date.now(), 1, false);
    almLog('login', 'Ann@Example.com', 'profile', Date.now(), 1, true);
  } finally {
    console.log = log;
    delete globalThis.ALM_VERSION;
  }
  assert.match(lines[0], /^auth0-lazy-migrate 9\.9\.9 login outcome=profile ms=\d+ upstream=1 user=[0-9a-f]{12}$/);
  assert.ok(lines[1].endsWith(' user="Ann@Example.com"'));
});

test("the rest source's signature is HMAC-SHA256 in hex (RFC 4231, test case 2), and null when the host cannot", () => {
  const { almSign } = require('../../pkg-template/shim/sign');
  assert.equal(almSign({ key: 'Jefe', message: 'what do ya want for nothing?' }), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  assert.equal(almSign({ key: null, message: 'x' }), null);
});
