'use strict';
/** The text encoding of the embedded wasm: round trips, and carries no character a script cannot. */
const test = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { ALPHABET, encode } = require('../../js/build/text91');
// The decoder the scripts carry, as the build pastes it.
const { almDecode91: decode } = require('../../pkg-template/shim/decode91');

test('every length round-trips through the shim decoder', () => {
  for (let n = 0; n < 200; n++) {
    const bytes = crypto.randomBytes(n);
    assert.ok(decode(encode(bytes), n).equals(bytes), `length ${n}`);
  }
  const big = crypto.randomBytes(40000);
  assert.ok(decode(encode(big), big.length).equals(big));
});

test('the alphabet has 91 printable characters and none of quote, backslash, @ or #', () => {
  assert.equal(new Set(ALPHABET).size, 91);
  const text = encode(crypto.randomBytes(5000));
  assert.doesNotMatch(text, /['\\@#]/);
  assert.ok([...text].every((c) => c >= ' ' && c <= '~'));
});

test('it is denser than base64', () => {
  const bytes = crypto.randomBytes(25000);
  assert.ok(encode(bytes).length < bytes.toString('base64').length * 0.93);
});

test('the minifier leaves a payload holding -->, <!-- or </script as the build wrote it', async () => {
  // Random text91 holds `-->` in about one script in twenty-five; terser's default escapes it.
  const { shrink } = require('../../js/build/minify');
  const payload = 'a-->b<!--c</script>d'.repeat(3);
  const out = await shrink(`/* header */\nfunction login() {\n  var p = '${payload}';\n  return p;\n}\n`);
  assert.ok(out.startsWith('/* header */\n'));
  assert.ok(out.includes(payload), out);
});
