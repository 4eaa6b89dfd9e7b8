'use strict';
/**
 * The wasm's text encoding inside the pasteable scripts: 13 bits to two characters from 91 (91 x 91
 * = 8281 >= 8192), 6.5 bits per character against base64's 6, so the embedded module is 2.6 KB
 * smaller than in base64 (measured on the 25 KB compressed wasm).
 *
 * The alphabet is printable ASCII without the four characters a script string cannot carry as
 * they are: `'` (the literal's quote), `\` (escapes), and `@` and `#` (the Auth0 Deploy CLI
 * rewrites @@KEY@@ and ##KEY##). The decoder is `almDecode91` in pkg-template/shim/decode91.js; the
 * build checks the two agree on every payload it emits.
 */

/** The 91 character codes, in order. */
const ALPHABET = [];
for (let c = 32; c < 127; c++) if (c !== 39 && c !== 92 && c !== 64 && c !== 35) ALPHABET.push(c);
if (ALPHABET.length !== 91) throw new Error('the text91 alphabet must have 91 characters');

/** Encodes bytes; the decoder needs the byte length to drop the last block's padding bits. */
function encode(bytes) {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc |= b << bits;
    bits += 8;
    if (bits >= 13) {
      const v = acc & 8191;
      out += String.fromCharCode(ALPHABET[v % 91], ALPHABET[Math.floor(v / 91)]);
      acc >>>= 13;
      bits -= 13;
    }
  }
  if (bits > 0) out += String.fromCharCode(ALPHABET[acc % 91], ALPHABET[Math.floor(acc / 91)]);
  return out;
}

module.exports = { ALPHABET, encode };
