// The embedded module's text encoding, decoded: two characters from printable ASCII less
// ' \ @ # (91) carry 13 bits, low bits first. js/build/text91.js encodes; the build checks the
// two agree on every payload, and the build's and the benchmark's readers use this decoder.

// `length` bytes from `text` (the length drops the last pair's padding bits). A character
// outside the alphabet decodes as garbage: the brotli and wasm checks after it catch that.
function almDecode91(text, length) {
  var index = new Int8Array(128).fill(-1);
  for (var c = 32, i = 0; c < 127; c++) if (c !== 39 && c !== 92 && c !== 64 && c !== 35) index[c] = i++;
  var out = require('buffer').Buffer.alloc(length);
  var acc = 0;
  var bits = 0;
  var o = 0;
  for (var k = 0; k + 1 < text.length && o < length; k += 2) {
    acc |= (index[text.charCodeAt(k)] + index[text.charCodeAt(k + 1)] * 91) << bits;
    bits += 13;
    while (bits >= 8 && o < length) {
      out[o++] = acc & 255;
      acc >>>= 8;
      bits -= 8;
    }
  }
  return out;
}

module.exports = { almDecode91: almDecode91 };
