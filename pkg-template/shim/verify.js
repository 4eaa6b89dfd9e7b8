// The signature check a step asks for.

// The check the flow asks for: the ID token's signature against the old tenant's key, by the
// algorithm the flow names in the key's `alg` (the token's, matched to the key's type in Rust;
// never read from the token here). Node's own crypto does the arithmetic, so the wasm carries
// none. An ES256 signature is the raw 64-byte r||s of JWS, not DER: `ieee-p1363` reads it, and
// one of any other length is simply not valid. The key object is kept per key (its JWK, as the
// flow writes it) for the container's life: importing the JWK on every login was a sixth of a
// warm login's CPU.
function almVerify(v) {
  try {
    var crypto = require('crypto');
    var keys = almStore('keys');
    var id = JSON.stringify(v.jwk);
    var key = keys[id] || (keys[id] = crypto.createPublicKey({ key: v.jwk, format: 'jwk' }));
    return crypto
      .createVerify('sha256')
      .update(v.input)
      .verify(v.jwk.alg === 'ES256' ? { key: key, dsaEncoding: 'ieee-p1363' } : key, v.signature, 'base64url');
  } catch (e) {
    return false;
  }
}

module.exports = { almVerify: almVerify };
