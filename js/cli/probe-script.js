'use strict';
/**
 * The Login script of `doctor --live`: the built dist/login.js, byte for byte, inside a wrapper that
 * asks Auth0's runtime what it is and returns the answers as a profile.
 *
 * Why a wrapper and not a script of our own: the question is whether THIS text (the shim, the
 * wasm-bindgen glue, the brotli-packed wasm) compiles, instantiates and answers inside Auth0. The
 * wrapper renames the real `login` and calls it with a deliberately empty configuration, so the real
 * Rust core answers with its settings error ("setting `Domain` is missing") without any network: that
 * answer can only come from the instantiated wasm. The build is not touched (js/build/ owns it).
 *
 * Why a profile: the only way out of a Login script to the caller of /oauth/token is the profile,
 * which Auth0 turns into the ID token's standard claims (custom claims would need an Action on the
 * tenant). So the facts travel compact: `nickname` = FACTS_PREFIX + base64url(JSON), `name` =
 * NAME_PREFIX + the real login's answer (cut to ANSWER_CHARS), both well under Auth0's 300-character
 * limits on those fields.
 */

const { createContainer } = require('../sandbox');
const { SCRIPT_LIMIT_BYTES } = require('../auth0-limits');

/** Every temporary connection's name starts with this (a leftover is found by it on the next run). */
const CONNECTION_PREFIX = 'alm-probe-';
/** The metadata key that marks a connection as ours to delete (a name alone could be someone's). */
const METADATA_KEY = 'alm_probe';
/** The probe connection's one setting: a fresh random marker, read back to prove `configuration` arrived. */
const MARKER_KEY = 'ALM_Probe_Marker';
const FACTS_PREFIX = 'alm-probe:';
const NAME_PREFIX = 'alm-probe: ';
const ANSWER_CHARS = 200;
const PROBE_USER_ID = 'alm-probe';
const PROBE_EMAIL = 'alm-probe@example.com';
/** The wrapper gives up on the real login after this long (Auth0 stops a script at about 20 s). */
const INNER_TIMEOUT_MS = 15000;

/** `text` (dist/login.js) with its `function login(` renamed `function almProbeRealLogin(`. */
function renameLogin(text) {
  const m = /^(?:\s+|\/\*[\s\S]*?\*\/|\/\/[^\n]*\n)*function\s+login\s*\(/.exec(text);
  if (!m) throw new Error('dist/login.js does not start with `function login(` after its header comment');
  return `${text.slice(0, m.index + m[0].length).replace(/function\s+login\s*\($/, 'function almProbeRealLogin(')}${text.slice(m.index + m[0].length)}`;
}

/**
 * The probe's Login script around `loginText`. The wrapper is ES5 on purpose, readable (it is what an
 * operator sees in the dashboard if a run is interrupted before its cleanup), and calls back once.
 */
function probeScript(loginText) {
  const inner = renameLogin(loginText);
  const text = `function login(userNameOrEmail, password, callback) {
  // auth0-lazy-migrate doctor --live: a TEMPORARY probe of this tenant's runtime; the connection is
  // deleted when the probe ends. It runs the built login.js below with an empty configuration.
  var almStarted = Date.now();
  var almDone = arguments[arguments.length - 1];
  var facts = { v: 1 };
  var answered = false;
  function has(fn) {
    try {
      return fn() ? 1 : 0;
    } catch (e) {
      return 0;
    }
  }
  function short(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n) : s;
  }
  function b64url(s) {
    s = s.replace(/[^\\x20-\\x7e]/g, function (c) {
      return '\\\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4);
    });
    var t = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    var o = '';
    for (var i = 0; i < s.length; i += 3) {
      var n = (s.charCodeAt(i) << 16) | ((s.charCodeAt(i + 1) || 0) << 8) | (s.charCodeAt(i + 2) || 0);
      o += t[(n >> 18) & 63] + t[(n >> 12) & 63] + (i + 1 < s.length ? t[(n >> 6) & 63] : '') + (i + 2 < s.length ? t[n & 63] : '');
    }
    return o;
  }
  try {
    facts.n = typeof process === 'object' && process && process.version ? process.version : require('process').version;
  } catch (e) {
    facts.n = null;
  }
  facts.f = has(function () { return typeof fetch === 'function'; });
  facts.z = has(function () { return typeof require('zlib').brotliDecompressSync === 'function'; });
  facts.c = has(function () { return typeof require('crypto').createHash === 'function'; });
  facts.b = has(function () { return typeof Buffer === 'function'; });
  facts.g = has(function () { return typeof global === 'object' && global !== null; }) ? global.almProbeRuns || 0 : -1;
  if (facts.g >= 0) global.almProbeRuns = facts.g + 1;
  facts.cf = typeof configuration === 'object' && configuration !== null && typeof configuration.${MARKER_KEY} === 'string' ? short(configuration.${MARKER_KEY}, 64) : null;
  facts.w = has(function () { return typeof WebAssembly === 'object' && typeof WebAssembly.Module === 'function'; });
  try {
    new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    facts.wc = 1;
  } catch (e) {
    facts.wc = short((e && e.message) || e, 80);
  }
  function answer(kind, message) {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    facts.ms = Date.now() - almStarted;
    facts.a = kind;
    almDone(null, {
      user_id: '${PROBE_USER_ID}',
      email: '${PROBE_EMAIL}',
      email_verified: false,
      nickname: '${FACTS_PREFIX}' + b64url(JSON.stringify(facts)),
      name: '${NAME_PREFIX}' + short(message, ${ANSWER_CHARS})
    });
  }
  var timer = setTimeout(function () {
    answer('timeout', 'the built login.js did not answer within ${INNER_TIMEOUT_MS / 1000} s');
  }, ${INNER_TIMEOUT_MS});
  try {
    var real = (function (configuration) {
${inner}
      return almProbeRealLogin;
    })(Object.freeze({}));
    real('${PROBE_EMAIL}', 'alm-probe-not-a-password', function (err, profile) {
      if (err) answer(err.name === 'WrongUsernameOrPasswordError' ? 'wrong_password' : 'error', (err && err.message) || String(err));
      else answer(profile ? 'success' : 'none', profile ? 'a profile' : 'no profile');
    });
  } catch (e) {
    answer('threw', (e && e.message) || String(e));
  }
}
`;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > SCRIPT_LIMIT_BYTES) throw new Error(`the probe script is ${bytes} bytes, over Auth0's ${SCRIPT_LIMIT_BYTES}`);
  return text;
}

/**
 * What the real core answers to the empty configuration, here, in the sandbox emulation: the answer
 * the same text must give inside Auth0 (cut as the probe cuts it).
 */
async function expectedAnswer(loginText) {
  const r = await createContainer({ configuration: {} }).invoke(loginText, { kind: 'login', args: [PROBE_EMAIL, 'alm-probe-not-a-password'] });
  return { kind: r.outcome, message: String(r.error ? r.error.message : r.outcome).slice(0, ANSWER_CHARS) };
}

/**
 * The claims of an ID token, read without checking its signature. Why that is enough here: the token
 * comes straight from the tenant's /oauth/token over TLS, to this tool's own client secret, and it
 * authorises nothing: we only read back what our own probe script put into it. A signature check
 * would prove what TLS already does.
 */
function claimsOf(idToken) {
  try {
    const payload = String(idToken).split('.')[1];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

/** The probe's facts from ID-token claims, or null when they are not the probe's. */
function factsOf(claims) {
  if (!claims || typeof claims.nickname !== 'string' || !claims.nickname.startsWith(FACTS_PREFIX)) return null;
  try {
    const facts = JSON.parse(Buffer.from(claims.nickname.slice(FACTS_PREFIX.length), 'base64url').toString('utf8'));
    const message = typeof claims.name === 'string' && claims.name.startsWith(NAME_PREFIX) ? claims.name.slice(NAME_PREFIX.length) : '';
    return { ...facts, m: message };
  } catch {
    return null;
  }
}

module.exports = { CONNECTION_PREFIX, METADATA_KEY, MARKER_KEY, PROBE_USER_ID, probeScript, renameLogin, expectedAnswer, claimsOf, factsOf };
