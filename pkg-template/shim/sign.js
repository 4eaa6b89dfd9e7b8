// The request signature a step asks for (the rest source signs each request to the user store).

// HMAC-SHA256 of the text the flow composed, keyed with the shared secret, in lower-case hex:
// Node's crypto does the hashing, so the wasm carries no SHA-256 (src/rest/sign.rs has the
// measured difference). `null` when the host cannot: the flow ends with an Error.
function almSign(s) {
  try {
    return require('crypto').createHmac('sha256', s.key).update(s.message).digest('hex');
  } catch (e) {
    return null;
  }
}

module.exports = { almSign: almSign };
