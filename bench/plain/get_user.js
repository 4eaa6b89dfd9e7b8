/*
 * plain-migrate 0.1.0 - Get User script, plain JavaScript. BENCHMARK BASELINE ONLY (bench/), not a product.
 *
 * What a careful operator would paste by hand instead of dist/get_user.js: a Management API token
 * (cached on Auth0's `global` for its lifetime less a minute, one shared request for concurrent
 * invocations, a fresh one once after a 401), then users-by-email (emails) or the quoted, escaped v3
 * search (usernames), the exact match in the configured connection, and the same profile as login.
 * Same requests, outcomes, retries and messages as dist/get_user.js; no WebAssembly. The helpers are
 * the same text as in bench/plain/login.js (bench/plain.test.js checks that they stay so).
 */
function getByEmail(email, context, callback) {
  // Auth0 passes `context` only when "script context" is on; the callback is always last.
  if (typeof callback !== 'function') callback = context;
  if (typeof callback !== 'function') throw new Error('plain-migrate: Auth0 gave no callback');

  const crypto = require('crypto');
  const VERSION = '0.1.0';
  const DEADLINE_MS = 15000;
  const MAX_BODY_BYTES = 1048576;
  const API_TIMEOUT_MS = 5000;
  const MAX_RETRIES = 2;
  const MAX_WAIT_MS = 4000;
  const DEFAULT_NAMESPACE = 'https://migrationapp/';
  const BLOCKED = 'Your account is blocked. Please contact support.';

  const started = Date.now();
  let upstream = 0;
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
    const id = String(email);
    const who = named ? JSON.stringify(id) : crypto.createHash('sha256').update(id).digest('hex').slice(0, 12);
    console.log('plain-migrate ' + VERSION + ' get_user outcome=' + outcome.kind + ' ms=' + (Date.now() - started) + ' upstream=' + upstream + ' user=' + who);
    if (outcome.kind === 'profile') return callback(null, outcome.profile);
    if (outcome.kind === 'not_found') return callback(null);
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
    const why = (text) => bad('Domain', text + '; expected e.g. old-tenant.eu.auth0.com');
    let d = value.trim();
    if (d.slice(0, 8).toLowerCase() === 'https://') d = d.slice(8);
    else if (d.slice(0, 7).toLowerCase() === 'http://') throw why('uses http://, but requests to the old tenant are HTTPS only');
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

  // ---- HTTP: one request, the per-container cache, retries ---------------------------------------------
  function store() {
    if (!global['plain-migrate/cache']) global['plain-migrate/cache'] = { entries: {}, inflight: {} };
    return global['plain-migrate/cache'];
  }

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

  // Sends `req` after `delayMs`; a request with a cache hint is answered from `global` while a 2xx
  // reply is fresh, and concurrent invocations share one network call for the same key.
  async function request(req, delayMs) {
    let left = DEADLINE_MS - (Date.now() - started);
    if (delayMs > 0) {
      if (delayMs >= left - 100) return { failure: 'deadline' };
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      left = DEADLINE_MS - (Date.now() - started);
    }
    if (left <= 0) return { failure: 'deadline' };
    const hint = req.cache;
    if (!hint) {
      upstream++;
      return send(req, left);
    }
    const s = store();
    if (!hint.refresh) {
      const entry = s.entries[hint.key];
      if (entry && entry.expires > Date.now()) return entry.reply;
      // Joining another invocation's request: wait no longer than this call's own deadline allows.
      if (s.inflight[hint.key]) return within(s.inflight[hint.key], left);
    }
    upstream++;
    const pending = send(req, left).then((reply) => {
      if (isSuccess(reply)) {
        let ttl = hint.ttl;
        if (hint.ttlField) {
          const body = json(reply);
          const said = body !== null && typeof body === 'object' ? body[hint.ttlField] : undefined;
          ttl = typeof said === 'number' ? Math.min(ttl, said - hint.early) : 0;
        }
        if (ttl > 0) s.entries[hint.key] = { reply: reply, expires: Date.now() + ttl * 1000 };
      }
      if (s.inflight[hint.key] === pending) delete s.inflight[hint.key];
      return reply;
    });
    s.inflight[hint.key] = pending;
    return pending;
  }

  function within(promise, ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms, { failure: 'deadline' });
      promise.then((reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
    });
  }

  // A request's time limit on a timer of our own (cleared when done), which also bounds the body
  // read: fetch keeps an AbortSignal only weakly once the headers are in.
  function timeLimit(ms) {
    const controller = new AbortController();
    let fire;
    const expired = new Promise((resolve, reject) => {
      fire = reject;
    });
    expired.catch(() => {});
    const timer = setTimeout(() => {
      const e = new Error('the request timed out');
      e.name = 'TimeoutError';
      controller.abort(e);
      fire(e);
    }, ms);
    return { signal: controller.signal, expired: expired, clear: () => clearTimeout(timer) };
  }

  // One HTTPS request: `{status, body, retryAfter, rateLimitReset}`, or `{failure}` when no answer came.
  async function send(req, leftMs) {
    const limit = timeLimit(Math.max(1, Math.min(req.timeout, leftMs)));
    try {
      const res = await Promise.race([
        fetch(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          redirect: 'error',
          signal: limit.signal
        }),
        limit.expired
      ]);
      const reply = { status: res.status, retryAfter: res.headers.get('retry-after'), rateLimitReset: res.headers.get('x-ratelimit-reset') };
      reply.body = await readText(res, limit.expired);
      return reply;
    } catch (e) {
      if (e && e.code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return { failure: 'malformed reply: not UTF-8' };
      const name = e && e.name;
      return { failure: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network' };
    } finally {
      limit.clear();
    }
  }

  // At most MAX_BODY_BYTES of the body (the rest is discarded unread), strictly UTF-8: a body that is
  // not is no JSON, and decoding it with replacement characters would alter user data silently.
  async function readText(res, expired) {
    if (!res.body) return '';
    const reader = res.body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      let r;
      try {
        r = await Promise.race([reader.read(), expired]);
      } catch (e) {
        reader.cancel().catch(() => {});
        throw e;
      }
      if (r.done) break;
      const take = Math.min(r.value.length, MAX_BODY_BYTES - size);
      chunks.push(r.value.subarray(0, take));
      size += take;
      if (size >= MAX_BODY_BYTES) {
        reader.cancel().catch(() => {});
        break;
      }
    }
    // A cut at the limit may split a character: that tail is dropped. A byte-order mark stays (and fails JSON).
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks), { stream: size >= MAX_BODY_BYTES });
  }

  // Idempotent calls are tried again on no answer, 429 (not brute-force) and 5xx: after 200 ms, 600 ms,
  // or what Retry-After / X-RateLimit-Reset ask when that is at most 4 s. `null`: do not retry.
  function retryDelay(r, tries) {
    const transient = r.failure ? r.failure !== 'deadline' : r.status === 429 ? !r.body.includes('"too_many_attempts"') : r.status >= 500;
    if (!transient || tries >= MAX_RETRIES) return null;
    let wait = null;
    if (r.retryAfter != null && /^\+?[0-9]+$/.test(r.retryAfter.trim())) wait = Number(r.retryAfter.trim()) * 1000;
    else if (r.rateLimitReset != null && /^\+?[0-9]+$/.test(r.rateLimitReset.trim())) {
      wait = Math.max(0, Number(r.rateLimitReset.trim()) * 1000 - Date.now());
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

  const str = (v) => (typeof v === 'string' ? v : null);
  const isEmail = (identifier) => identifier.includes('@');

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

  // ---- the get_user flow ----------------------------------------------------------------------------
  async function run() {
    const cfg = readConfig();
    const identifier = String(email == null ? '' : email);
    if (identifier.trim() === '') return fail('no user identifier was given');
    return lookupUser(cfg, identifier.toLowerCase(), 'get_user', null);
  }

  run().then(answer, (e) => {
    if (e instanceof Stop) return answer(e.outcome);
    answer(fail('internal: ' + (e && e.message ? e.message : 'unexpected failure')));
  });
}
