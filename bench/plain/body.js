// The plain-JavaScript baseline of the benchmark, its one source: bench/plain/generate.js makes
// target/bench-plain/login.js and get_user.js of it, each one self-contained, pasteable function
// (this text is its body). Lines between `//#if login` (or `//#if get_user`) and `//#endif` go to
// that script only; a `//#shim <file>` line becomes pkg-template/shim/<file> as the dist scripts
// carry it (the shim's transport and RS256 check), so plain and dist differ only in where the
// decisions are made: here in JavaScript, there in the wasm. `__IDENTIFIER__` is the script's
// identifier parameter and `__OP__` its operation (`login`, `get_user`).

// Auth0 passes `context` only when "script context" is on; the callback is always last.
if (typeof callback !== 'function') callback = context;
if (typeof callback !== 'function') throw new Error('plain-migrate: Auth0 gave no callback');

const crypto = require('crypto');
const VERSION = '0.1.0';
const DEADLINE_MS = 15000;
const MIN_SEND_MS = 100;
const MAX_BODY_BYTES = 1048576;
const API_TIMEOUT_MS = 5000;
const MAX_RETRIES = 2;
const MAX_WAIT_MS = 4000;
const DEFAULT_NAMESPACE = 'https://migrationapp/';
const BLOCKED = 'Your account is blocked. Please contact support.';
//#if login
const PASSWORD_TIMEOUT_MS = 8000;
const METADATA_TTL_S = 600;
const SKEW_S = 60;
const REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm';
const WRONG = 'Wrong email or password.';
//#endif

const started = Date.now();
// Requests that went out (cache hits not counted): the shim's transport counts them.
const count = { upstream: 0 };
let answered = false;

// An early end of the flow, carrying its outcome (not an Error: no stack trace to build).
function Stop(outcome) {
  this.outcome = outcome;
}
const fail = (message) => ({ kind: 'error', message: message });
const stop = (message) => new Stop(fail(message));

function answer(outcome) {
  if (answered) return;
  answered = true;
  const named = String((configuration && configuration.Log_Identifiers) || '').toLowerCase() === 'true';
  const id = String(__IDENTIFIER__);
  const who = named ? JSON.stringify(id) : crypto.createHash('sha256').update(id).digest('hex').slice(0, 12);
  console.log('plain-migrate ' + VERSION + ' __OP__ outcome=' + outcome.kind + ' ms=' + (Date.now() - started) + ' upstream=' + count.upstream + ' user=' + who);
  if (outcome.kind === 'profile') return callback(null, outcome.profile);
  //#if login
  if (outcome.kind === 'wrong_password') return callback(new WrongUsernameOrPasswordError(__IDENTIFIER__, outcome.message));
  //#endif
  //#if get_user
  if (outcome.kind === 'not_found') return callback(null);
  //#endif
  if (outcome.kind === 'unauthorized') return callback(new UnauthorizedError(outcome.message));
  return callback(new Error('plain-migrate: ' + outcome.message));
}

// ---- settings ------------------------------------------------------------------------------------
function readConfig() {
  const raw = {};
  for (const k of Object.keys(configuration || {})) {
    const v = configuration[k];
    if (typeof v === 'string') raw[k] = v;
    else if (v !== null && v !== undefined) throw stop('setting `' + k + '` must be text');
  }
  const bad = (key, problem) => stop('setting `' + key + '` ' + problem);
  const optional = (key) => (raw[key] === undefined || raw[key].trim() === '' ? null : raw[key].trim());
  const required = (key, what) => {
    const v = optional(key);
    if (v === null) throw bad(key, "is missing: add it under the connection's Settings with " + what);
    return v;
  };
  const flag = (key, dflt) => {
    const v = optional(key);
    if (v === null) return dflt;
    if (v.toLowerCase() === 'true') return true;
    if (v.toLowerCase() === 'false') return false;
    throw bad(key, 'must be `true` or `false` (or empty for ' + dflt + ')');
  };
  const domain = normaliseDomain(required('Domain', "the old tenant's domain, e.g. old-tenant.eu.auth0.com"), bad);
  const clientId = required('Client_ID', "the old tenant's Migration App client id");
  const clientSecret = required('Client_Secret', "the old tenant's Migration App client secret");
  let audience = optional('Audience');
  if (audience === null) audience = 'https://' + domain + '/api/v2/';
  else if (!audience.startsWith('https://')) {
    throw bad('Audience', "must be an https:// URL (the old tenant's Management API identifier), or left empty for https://{Domain}/api/v2/");
  }
  const namespace = optional('Claims_Namespace') || DEFAULT_NAMESPACE;
  const source = (optional('Profile_Source') || 'auto').toLowerCase();
  if (source !== 'auto' && source !== 'claims' && source !== 'management') {
    throw bad('Profile_Source', 'must be `auto`, `claims` or `management` (or empty for auto)');
  }
  const prefix = optional('User_ID_Prefix') || '';
  if (Buffer.byteLength(prefix) > 64 || /\s/.test(prefix)) {
    throw bad('User_ID_Prefix', 'must be at most 64 characters without spaces (or empty to keep ids unchanged)');
  }
  return {
    domain: domain,
    clientId: clientId,
    clientSecret: clientSecret,
    audience: audience,
    connection: optional('Connection'),
    namespace: namespace,
    source: source,
    prefix: prefix,
    skipMigrated: flag('Skip_Migrated_Users', true),
    logIdentifiers: flag('Log_Identifiers', false)
  };
}

// `tenant.eu.auth0.com`, `https://tenant.eu.auth0.com/` or `host:port` -> `host[:port]`, lower case.
function normaliseDomain(value, bad) {
  const why = (text) => bad('Domain', text + '; expected e.g. tenant.eu.auth0.com');
  let d = value.trim();
  if (d.slice(0, 8).toLowerCase() === 'https://') d = d.slice(8);
  else if (d.slice(0, 7).toLowerCase() === 'http://') throw why('uses http://, but requests are HTTPS only');
  else if (d.includes('://')) throw why('has a scheme other than https://');
  if (d.endsWith('/')) d = d.slice(0, -1);
  if (d === '') throw why('is empty');
  const odd = /[/?#@\s]/.exec(d);
  if (odd) throw why('must be a host name only, without `' + odd[0] + '` (no path, query or credentials)');
  const colon = d.lastIndexOf(':');
  let host = d;
  let port = null;
  if (colon >= 0 && !d.slice(0, colon).includes(':')) {
    host = d.slice(0, colon);
    port = d.slice(colon + 1);
  }
  if (host === '' || host[0] === '.' || host[0] === '-' || !/^[A-Za-z0-9.-]+$/.test(host)) throw why('is not a valid host name');
  if (port !== null && (!/^[0-9]{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)) {
    throw why('has a port that is not a number from 1 to 65535');
  }
  return d.toLowerCase();
}

// ---- HTTP: the decisions the Rust flow makes (src/flow.rs, src/http.rs, src/retry.rs), then the
// ---- shim's own transport (pkg-template/shim/transport.js, pasted below as dist/ carries it) -------
const isSuccess = (r) => !r.failure && r.status >= 200 && r.status < 300;

// The reply's JSON, parsed once (cached replies keep it), or undefined when it is not JSON.
function json(r) {
  if (!('parsed' in r)) {
    try {
      r.parsed = JSON.parse(r.body);
    } catch (e) {
      r.parsed = undefined;
    }
  }
  return r.parsed;
}

// Sends `req` after `delayMs`, as a flow step asks the shim to: a backoff must leave MIN_SEND_MS of
// the call's deadline (without one, any time left will do), and the timeout is cut to the rest; a
// request that does not fit is answered at once as one that met the deadline. A 2xx reply of a
// request with a cache hint is kept on `global` for its lifetime (not a reply that came from the
// cache or from another call's request: a hit never extends its own life).
async function request(req, delayMs) {
  const left = DEADLINE_MS - (Date.now() - started);
  if (!(delayMs > 0 ? delayMs + MIN_SEND_MS < left : left > 0)) return { failure: 'deadline' };
  const hint = req.cache;
  const reply = await almRequest(
    {
      method: req.method,
      url: req.url,
      headers: Object.entries(req.headers),
      body: req.body,
      timeout_ms: Math.min(req.timeout, left - delayMs),
      delay_ms: delayMs,
      max_body_bytes: MAX_BODY_BYTES,
      cache: hint ? { key: hint.key, refresh: hint.refresh } : null
    },
    count
  );
  if (hint && isSuccess(reply) && !reply.shared) {
    let ttl = hint.ttl;
    if (hint.ttlField) {
      const body = json(reply);
      const said = body !== null && typeof body === 'object' ? body[hint.ttlField] : undefined;
      ttl = Number.isInteger(said) && said >= 0 ? Math.min(ttl, Math.max(0, said - hint.early)) : 0;
    }
    if (ttl > 0) almRemember({ key: hint.key, until_ms: Date.now() + ttl * 1000 }, reply);
  }
  return reply;
}

//#shim transport.js

// Idempotent calls are tried again on no answer, 429 (not brute-force) and 5xx: after 200 ms, 600 ms,
// or what Retry-After / X-RateLimit-Reset ask when that is at most 4 s. `null`: do not retry.
function retryDelay(r, tries) {
  const transient = r.failure ? r.failure !== 'deadline' : r.status === 429 ? !r.body.includes('"too_many_attempts"') : r.status >= 500;
  if (!transient || tries >= MAX_RETRIES) return null;
  const hints = r.headers || {};
  let wait = null;
  if (hints['retry-after'] != null && /^\+?[0-9]+$/.test(hints['retry-after'].trim())) wait = Number(hints['retry-after'].trim()) * 1000;
  else if (hints['x-ratelimit-reset'] != null && /^\+?[0-9]+$/.test(hints['x-ratelimit-reset'].trim())) {
    wait = Math.max(0, Number(hints['x-ratelimit-reset'].trim()) * 1000 - Date.now());
  }
  if (wait === null) wait = 200 * 3 ** tries;
  return wait <= MAX_WAIT_MS ? wait : null;
}

function oauthError(r) {
  const body = json(r);
  const field = (k) => (body !== null && typeof body === 'object' && typeof body[k] === 'string' ? body[k] : '');
  return { error: field('error'), description: field('error_description') };
}

function excerpt(text, max) {
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max).join('') + '…' : text;
}

// No answer, a rate limit or an outage: an Error, never a wrong password. `null`: read the reply.
function transportFailure(r, what) {
  if (r.failure) return fail(what + ': no answer from the old tenant (' + r.failure + ')');
  if (r.status === 429) {
    if (oauthError(r).error === 'too_many_attempts') return null;
    return fail(what + ': the old tenant is rate limiting (HTTP 429); this is not a wrong password, retry later');
  }
  if (r.status >= 500) return fail(what + ': the old tenant failed (HTTP ' + r.status + ')');
  return null;
}

//#if login
// A reply of a cacheable GET (discovery, JWKS), retried when transient.
async function getMetadata(url, key, what, refresh) {
  let reply = null;
  for (let tries = 0, delay = 0; ; tries++) {
    reply = await request({ method: 'GET', url: url, headers: {}, timeout: API_TIMEOUT_MS, cache: { key: key, ttl: METADATA_TTL_S, refresh: refresh } }, delay);
    delay = retryDelay(reply, tries);
    if (delay === null) break;
  }
  if (!isSuccess(reply)) {
    throw new Stop(transportFailure(reply, what) || fail("login: the old tenant's " + what + ' answered HTTP ' + reply.status));
  }
  return reply;
}

// ---- the ID token --------------------------------------------------------------------------------
function base64url(text) {
  const t = text.replace(/=+$/, '');
  if (t.length % 4 === 1 || !/^[A-Za-z0-9_-]*$/.test(t)) return null;
  return Buffer.from(t, 'base64url');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function jsonSegment(segment, what) {
  const bytes = base64url(segment);
  if (bytes === null) throw 'the ID token ' + what + ' is not base64url';
  let v;
  try {
    v = JSON.parse(utf8.decode(bytes));
  } catch (e) {
    v = null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw 'the ID token ' + what + ' is not a JSON object';
  return v;
}

// Splits a compact JWT; only RS256 is accepted (no `none`, no HS256 keyed with a public value).
function parseJwt(token) {
  try {
    const parts = token.split('.');
    if (parts.length !== 3) throw 'the ID token is not a three-part JWT';
    const head = jsonSegment(parts[0], 'header');
    if (typeof head.alg !== 'string') throw 'the ID token header names no algorithm';
    if (head.alg !== 'RS256') throw 'the ID token is signed with ' + excerpt(head.alg, 20) + ', only RS256 is accepted';
    if (parts[2] === '' || base64url(parts[2]) === null) throw 'the ID token has no valid signature';
    return {
      kid: typeof head.kid === 'string' ? head.kid : null,
      claims: jsonSegment(parts[1], 'payload'),
      input: parts[0] + '.' + parts[1],
      signature: parts[2]
    };
  } catch (e) {
    if (typeof e === 'string') throw stop('password check: ' + e);
    throw e;
  }
}

// The RSA key that signed the token: by `kid`, or the only usable key when the token names none.
function selectKey(jwks, kid) {
  if (jwks === undefined) throw stop('login: the JWKS is not JSON');
  const keys = jwks !== null && typeof jwks === 'object' ? jwks.keys : undefined;
  if (!Array.isArray(keys)) throw stop('login: the JWKS has no `keys` array');
  const text = (k, f) => (k !== null && typeof k === 'object' && typeof k[f] === 'string' ? k[f] : null);
  const usable = keys.filter((k) => {
    if (text(k, 'kty') !== 'RSA') return false;
    if (text(k, 'use') !== null && text(k, 'use') !== 'sig') return false;
    if (text(k, 'alg') !== null && text(k, 'alg') !== 'RS256') return false;
    const n = text(k, 'n') === null ? null : base64url(k.n);
    const e = text(k, 'e') === null ? null : base64url(k.e);
    return n !== null && n.length >= 256 && e !== null && e.length > 0;
  });
  const chosen = kid !== null ? usable.find((k) => text(k, 'kid') === kid) : usable.length === 1 ? usable[0] : undefined;
  return chosen ? { kty: 'RSA', n: chosen.n, e: chosen.e } : null;
}

// The shim's own RS256 check (its key objects kept on `global` per modulus), as dist/ carries it.
function verifySignature(jwk, jwt) {
  return almVerify({ jwk: jwk, input: jwt.input, signature: jwt.signature });
}

//#shim verify.js

// OpenID Connect Core 3.1.3.7: issuer, audience (and azp with several), expiry, iat/nbf, 60 s skew.
function checkClaims(claims, issuer, clientId) {
  const nowS = Math.floor(Date.now() / 1000);
  const number = (v) => (typeof v === 'number' ? Math.trunc(v) : null);
  if (claims.iss !== issuer) return "the ID token's issuer (`iss`) is not the expected one";
  const aud = claims.aud;
  const audienceOk = typeof aud === 'string' ? aud === clientId : Array.isArray(aud) ? aud.includes(clientId) && (aud.length === 1 || claims.azp === clientId) : false;
  if (!audienceOk) return 'the ID token was not issued to this client (`aud`)';
  const exp = number(claims.exp);
  if (exp === null) return 'the ID token has no expiry';
  if (!(nowS < exp + SKEW_S)) return 'the ID token has expired (check the clocks)';
  for (const name of ['iat', 'nbf']) {
    const t = number(claims[name]);
    if (t !== null && t > nowS + SKEW_S) return "the ID token's `" + name + '` is in the future (check the clocks)';
  }
  return null;
}
//#endif

const has = (o, k) => Object.hasOwn(o, k);
const str = (v) => (typeof v === 'string' ? v : null);
const isEmail = (identifier) => identifier.includes('@');

function tokenUsername(claims, ns) {
  const v = has(claims, 'username') ? claims.username : claims[ns + 'username'];
  return str(v);
}

// ---- profiles ----------------------------------------------------------------------------------------
function plainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

// The same profile from ID-token claims and from a Management API record; the old id without `auth0|`.
function profileFrom(fields, oldId, username, userMetadata, appMetadata) {
  const userId = oldId.startsWith('auth0|') ? oldId.slice(6) : oldId;
  if (userId === '') throw 'the old tenant returned an empty user id';
  const p = { user_id: userId };
  if (typeof fields.email === 'string') p.email = fields.email;
  if (typeof fields.email_verified === 'boolean') p.email_verified = fields.email_verified;
  if (username !== null) p.username = username;
  for (const k of ['name', 'nickname', 'given_name', 'family_name', 'picture']) {
    if (typeof fields[k] === 'string') p[k] = fields[k];
  }
  p.user_metadata = Object.assign({}, plainObject(userMetadata));
  p.app_metadata = Object.assign({}, plainObject(appMetadata));
  delete p.app_metadata.migration_complete;
  return p;
}

function withPrefix(cfg, p) {
  if (cfg.prefix) p.user_id = cfg.prefix + p.user_id;
  return p;
}

// ---- the Management API ------------------------------------------------------------------------------
function encodeComponent(value) {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function tokenRequest(cfg, refresh) {
  return {
    method: 'POST',
    url: 'https://' + cfg.domain + '/oauth/token',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: cfg.clientId, client_secret: cfg.clientSecret, audience: cfg.audience }),
    timeout: API_TIMEOUT_MS,
    cache: { key: 'mgmt-token|' + cfg.domain + '|' + cfg.clientId + '|' + cfg.audience, ttl: 86400, ttlField: 'expires_in', early: 60, refresh: refresh }
  };
}

function readToken(r) {
  const t = transportFailure(r, 'Management API token');
  if (t) throw new Stop(t);
  if (r.status >= 200 && r.status < 300) {
    const body = json(r);
    const token = body !== null && typeof body === 'object' ? body.access_token : undefined;
    if (typeof token !== 'string' || token === '') throw stop("Management API token: the old tenant's reply has no access_token");
    return token;
  }
  const e = oauthError(r);
  if (e.error === 'unauthorized_client') {
    throw stop("setup: the old tenant's Migration App does not allow the Client Credentials grant; enable it in Applications > Migration App > Advanced Settings > Grant Types");
  }
  if (e.error === 'access_denied' && r.status === 403) {
    throw stop(
      "setup: the Migration App is not authorised for the old tenant's Management API; authorise it with the read:users scope (Applications > APIs > Auth0 Management API > Machine to Machine Applications), and check the `Audience` setting"
    );
  }
  if (e.error === 'access_denied' || e.error === 'invalid_client') {
    throw stop("setup: the old tenant refused the Migration App's credentials; check the `Client_ID` and `Client_Secret` settings");
  }
  throw stop('Management API token: unexpected reply (HTTP ' + r.status + ', error `' + excerpt(e.error, 60) + '`: ' + excerpt(e.description, 200) + ')');
}

// By id when known; by email through users-by-email; a username through the quoted, escaped v3 search.
function lookupRequest(cfg, identifier, userId, token) {
  let path;
  if (userId !== null) path = '/api/v2/users/' + encodeComponent(userId);
  else if (isEmail(identifier)) path = '/api/v2/users-by-email?email=' + encodeComponent(identifier);
  else {
    const q = 'username:"' + identifier.replace(/[\\"]/g, '\\$&') + '"';
    path = '/api/v2/users?q=' + encodeComponent(q) + '&search_engine=v3';
  }
  return { method: 'GET', url: 'https://' + cfg.domain + path, headers: { authorization: 'Bearer ' + token }, timeout: API_TIMEOUT_MS };
}

// Token (cached, shared) then lookup; one forced new token after a 401; transient failures retried.
async function lookupUser(cfg, identifier, purpose, userId) {
  let tries = 0;
  let refreshed = false;
  let delay = 0;
  for (;;) {
    const tokenReply = await request(tokenRequest(cfg, refreshed), delay);
    delay = retryDelay(tokenReply, tries);
    if (delay !== null) {
      tries++;
      continue;
    }
    delay = 0;
    const reply = await request(lookupRequest(cfg, identifier, userId, readToken(tokenReply)), 0);
    if (reply.status === 401 && !refreshed) {
      refreshed = true;
      continue;
    }
    delay = retryDelay(reply, tries);
    if (delay !== null) {
      tries++;
      continue;
    }
    delay = 0;
    const t = transportFailure(reply, 'user lookup');
    if (t) return t;
    if (isSuccess(reply)) return decide(cfg, identifier, purpose, json(reply));
    if (reply.status === 401 || reply.status === 403) {
      return fail("setup: the old tenant's Management API refused the lookup (HTTP " + reply.status + '); grant the Migration App the read:users scope');
    }
    return fail('user lookup: unexpected reply (HTTP ' + reply.status + ': ' + excerpt(reply.body, 200) + ')');
  }
}

// Which record is the user: same email/username, in the configured connection; then blocked, profile.
function decide(cfg, identifier, purpose, body) {
  let users;
  if (Array.isArray(body)) users = body;
  else if (purpose === 'login_profile' && body !== null && typeof body === 'object') users = [body];
  else return fail("user lookup: the old tenant's reply is not what the Management API sends");
  const field = isEmail(identifier) ? 'email' : 'username';
  const matches = users.filter((u) => {
    if (u === null || typeof u !== 'object' || Array.isArray(u)) return false;
    const value = str(u[field]);
    if (!value || value.toLowerCase() !== identifier) return false;
    if (!Array.isArray(u.identities)) return false;
    return u.identities.some((i) => i !== null && typeof i === 'object' && (cfg.connection !== null ? i.connection === cfg.connection : i.provider === 'auth0'));
  });
  if (matches.length === 0) {
    return purpose === 'get_user' ? { kind: 'not_found' } : fail('login: the password was accepted but the Management API does not find that user in the connection; refusing to migrate');
  }
  if (matches.length > 1) {
    return fail('user lookup: ' + matches.length + ' users in the old tenant match; set the `Connection` setting to the database connection being migrated');
  }
  const user = matches[0];
  // Auth0 sends `blocked` as a boolean; any other value fails closed.
  if (user.blocked !== undefined && user.blocked !== null && user.blocked !== false) return { kind: 'unauthorized', message: BLOCKED };
  const app = user.app_metadata;
  if (purpose === 'get_user' && cfg.skipMigrated && app !== null && typeof app === 'object' && !Array.isArray(app) && app.migration_complete === true) {
    return { kind: 'not_found' };
  }
  if (typeof user.user_id !== 'string') return fail('user lookup: a user record has no `user_id`');
  try {
    return { kind: 'profile', profile: withPrefix(cfg, profileFrom(user, user.user_id, str(user.username), user.user_metadata, user.app_metadata)) };
  } catch (e) {
    if (typeof e === 'string') return fail('user lookup: ' + e);
    throw e;
  }
}

//#if login
// ---- the login flow ------------------------------------------------------------------------------
function classifyPasswordFailure(r, cfg) {
  const t = transportFailure(r, 'password check');
  if (t) return t;
  const e = oauthError(r);
  const lower = e.description.toLowerCase();
  switch (e.error) {
    case 'invalid_grant':
    case 'invalid_user_password':
      return { kind: 'wrong_password', message: WRONG };
    case 'mfa_required':
      return null; // the password was right: read the profile from the Management API
    case 'unauthorized':
    case 'user_blocked':
      return { kind: 'unauthorized', message: BLOCKED };
    case 'too_many_attempts':
      return { kind: 'unauthorized', message: 'Your account has been temporarily locked after too many failed login attempts. Try again later or reset your password.' };
    case 'password_leaked':
      return { kind: 'unauthorized', message: 'This password was found in a data breach and can no longer be used. Please reset your password.' };
    case 'unauthorized_client':
      return fail("setup: the old tenant's Migration App does not allow the Password grant; enable Password in Applications > Migration App > Advanced Settings > Grant Types");
    default:
      break;
  }
  if (e.error === 'access_denied' && lower.includes('wrong') && lower.includes('password')) return { kind: 'wrong_password', message: WRONG };
  if (e.error === 'invalid_request' && lower.includes('realm')) {
    return fail(
      'setup: the old tenant does not know the connection `' + (cfg.connection || '') + "` or it is not enabled for the Migration App; check the `Connection` setting and the app's Connections tab"
    );
  }
  if ((e.error === 'access_denied' || e.error === 'invalid_client') && r.status === 401) {
    return fail("setup: the old tenant refused the Migration App's credentials; check the `Client_ID` and `Client_Secret` settings");
  }
  return fail('password check: unexpected reply from the old tenant (HTTP ' + r.status + ', error `' + excerpt(e.error, 60) + '`: ' + excerpt(e.description, 200) + ')');
}

async function loginFlow() {
  const cfg = readConfig();
  const identifier = String(userNameOrEmail == null ? '' : userNameOrEmail);
  if (identifier.trim() === '') return fail('no user identifier was given');
  if (password == null) return fail('internal: login without a password');
  const folded = identifier.toLowerCase();

  // 1. The password, against the old tenant. Never retried: it would count twice in brute-force protection.
  const body = { grant_type: 'password', username: identifier, password: String(password), client_id: cfg.clientId, client_secret: cfg.clientSecret, scope: 'openid profile email' };
  if (cfg.connection !== null) {
    body.grant_type = REALM_GRANT;
    body.realm = cfg.connection;
  }
  const reply = await request(
    { method: 'POST', url: 'https://' + cfg.domain + '/oauth/token', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), timeout: PASSWORD_TIMEOUT_MS },
    0
  );
  if (!isSuccess(reply)) {
    const verdict = classifyPasswordFailure(reply, cfg);
    return verdict || lookupUser(cfg, folded, 'login_after_mfa', null);
  }
  const tokens = json(reply);
  const idToken = tokens !== null && typeof tokens === 'object' ? str(tokens.id_token) : null;
  if (idToken === null) return fail("password check: the old tenant's reply has no id_token (is the `openid` scope allowed?)");
  const jwt = parseJwt(idToken);

  // 2. Who signs the old tenant's tokens (cached on `global`), and the key that signed this one.
  const disco = json(await getMetadata('https://' + cfg.domain + '/.well-known/openid-configuration', 'discovery|' + cfg.domain, 'discovery document', false));
  if (disco === undefined) return fail('login: the discovery document is not JSON');
  const https = (k) => {
    const v = disco !== null && typeof disco === 'object' ? str(disco[k]) : null;
    if (v === null || !v.startsWith('https://')) throw stop('login: the discovery document has no https `' + k + '`');
    return v;
  };
  const issuer = https('issuer');
  const jwksUri = https('jwks_uri');
  let jwk = selectKey(json(await getMetadata(jwksUri, 'jwks|' + jwksUri, 'signing keys (JWKS)', false)), jwt.kid);
  if (jwk === null) {
    // A rotated key: the cached set is stale. Fetch it anew, once.
    jwk = selectKey(json(await getMetadata(jwksUri, 'jwks|' + jwksUri, 'signing keys (JWKS)', true)), jwt.kid);
    if (jwk === null) return fail('login: the ID token is signed by a key the old tenant does not publish; refusing to migrate');
  }

  // 3. Signature, claims, and that the token is about the user who typed the identifier.
  if (!verifySignature(jwk, jwt)) return fail("login: the ID token's signature is not valid; refusing to migrate");
  const claims = jwt.claims;
  const wrongClaim = checkClaims(claims, issuer, cfg.clientId);
  if (wrongClaim) return fail('login: ' + wrongClaim + '; refusing to migrate');
  const ns = cfg.namespace;
  const tokenValue = isEmail(folded) ? str(claims.email) : tokenUsername(claims, ns);
  if ((isEmail(folded) || tokenValue !== null) && (tokenValue === null || tokenValue.toLowerCase() !== folded)) {
    return fail("login: the old tenant's ID token is for a different user than the one logging in; refusing to migrate");
  }
  const sub = str(claims.sub);
  if (!sub) return fail('login: the ID token has no `sub`');

  // 4. The profile: from the claims the old tenant's Action added, or from the Management API.
  const complete = (has(claims, ns + 'user_metadata') || has(claims, ns + 'app_metadata')) && (isEmail(folded) || tokenUsername(claims, ns) !== null);
  if (cfg.source === 'management' || (cfg.source === 'auto' && !complete)) return lookupUser(cfg, folded, 'login_profile', sub);
  if (!complete) {
    return fail('setup: `Profile_Source` is `claims` but the ID token has no metadata claims; deploy dist/metadata-action.js in the old tenant, check `Claims_Namespace`, or use `auto`');
  }
  const username = str(claims.username) !== null ? claims.username : str(claims[ns + 'username']);
  try {
    return { kind: 'profile', profile: withPrefix(cfg, profileFrom(claims, sub, username, claims[ns + 'user_metadata'], claims[ns + 'app_metadata'])) };
  } catch (e) {
    if (typeof e === 'string') return fail('login: ' + e);
    throw e;
  }
}
//#endif

//#if get_user
// ---- the get_user flow -------------------------------------------------------------------------------
async function getUserFlow() {
  const cfg = readConfig();
  const identifier = String(__IDENTIFIER__ == null ? '' : __IDENTIFIER__);
  if (identifier.trim() === '') return fail('no user identifier was given');
  return lookupUser(cfg, identifier.toLowerCase(), 'get_user', null);
}
//#endif

function ended(e) {
  if (e instanceof Stop) return answer(e.outcome);
  answer(fail('internal: ' + (e && e.message ? e.message : 'unexpected failure')));
}

//#if login
loginFlow().then(answer, ended);
//#endif
//#if get_user
getUserFlow().then(answer, ended);
//#endif
