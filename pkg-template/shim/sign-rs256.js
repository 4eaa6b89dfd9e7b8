// The signature a step asks for, in the firebase source's scripts: RS256 (RSASSA-PKCS1-v1_5 with
// SHA-256) over the service account's assertion, with its private key (PEM), in base64url. The
// rest source's scripts carry sign.js (HMAC) under the same name instead: each script has one
// kind of signature, the one its flows ask for.

// Node's crypto does the RSA arithmetic, so the wasm carries none (src/firebase/assertion.rs).
// `null` when the host cannot (a key Node cannot read): the flow ends with an Error naming the
// setting, never the key.
function almSign(s) {
  try {
    return require('crypto').createSign('sha256').update(s.message).sign(s.key, 'base64url');
  } catch (e) {
    return null;
  }
}

module.exports = { almSign: almSign };
