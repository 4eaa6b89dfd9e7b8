'use strict';
/**
 * The reference implementation of the rest source's contract (docs/rest-contract.md): a small
 * user store over HTTPS with in-memory users, the HMAC check and the replay window. The tests run
 * dist/rest/*.js against it on loopback; `node js/fakes/rest-store.js` starts one with sample users
 * and prints the settings to paste, for a demo. Not for production: users and passwords are kept in
 * memory, in clear.
 *
 * Contract numbers (header names, the 300 s window, the 64 KiB reply limit) are the Rust core's
 * (src/rest/settings.rs); they are repeated here because this server is what a store's authors read.
 *
 * Test hooks: `faults.set(endpoint, fault)` answers the next request(s) to an endpoint with a
 * fault instead (`{kind: 'status', status, body, headers}`, `{kind: 'text', status, text}`,
 * `{kind: 'hang'}`, `{kind: 'profile', body}`; `times`, default 1); `clockOffsetS` moves the
 * store's clock; `requests` records each request (endpoint, status, headers, body) as received.
 * Broken variants, for the conformance check (`doctor --source rest`): the options
 * `skipSignatureCheck` (any signature passes), `noReplayWindow` (any timestamp passes),
 * `wrongStatusForNotFound` (an unknown user is `400 {"error":"not_found"}`) and
 * `profileWithoutUserId` (the profile lacks `user_id`).
 *
 * The optional list call (`POST {base}/list-users`, docs/rest-contract.md "Listing users") pages
 * through the users in the order given, at most `pageSize` (default 100) per page whatever the
 * `limit` asked, its cursor the next user's position; blocked users carry `"blocked": true`.
 * `noListCall: true` is a store without it (404, like any path it does not serve). A fault on
 * `list-users` answers a page request instead (`{kind: 'profile', body}` for any 200 body).
 */
const crypto = require('node:crypto');
const { listenHttps } = require('./loopback-https');
const { ensureTestCa } = require('./ca');

const REPLAY_WINDOW_S = 300;
const MAX_BODY_BYTES = 65_536;
const LOCK_AFTER_FAILURES = 5;

/**
 * A user: `{user_id, email, username?, password, state?: 'active'|'blocked'|'locked'|'must_reset', profile?}`;
 * `profile` holds the other profile fields (name, user_metadata, ...).
 */
function publicProfile(u, { profileWithoutUserId = false } = {}) {
  const p = { user_id: u.user_id, email: u.email, ...u.profile };
  if (u.username) p.username = u.username;
  if (profileWithoutUserId) delete p.user_id;
  return p;
}

/** Constant-time comparison of two strings (false when the lengths differ). */
function same(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * Whether a request is authentic: `null` when it is, else the `error` code to refuse it with. The
 * signature first (nothing is said about the clock to someone who cannot sign), then the window.
 */
function authenticate({ secret, method, path, headers, body, nowS, skipSignatureCheck = false, noReplayWindow = false }) {
  const ts = headers['x-alm-timestamp'];
  const sig = headers['x-alm-signature'];
  if (!skipSignatureCheck) {
    if (typeof ts !== 'string' || !/^\d{1,12}$/.test(ts) || typeof sig !== 'string') return 'bad_signature';
    const want = crypto.createHmac('sha256', secret).update(`${method}\n${path}\n${ts}\n${body}`).digest('hex');
    if (!same(sig, `v1=${want}`)) return 'bad_signature';
  }
  if (!noReplayWindow && Math.abs(nowS - Number(ts)) > REPLAY_WINDOW_S) return 'stale_timestamp';
  return null;
}

/**
 * Starts a store. options: secret (required, the `Shared_Secret`), users (array), basePath
 * (default '/alm'), host (127.0.0.1), port (0: any free one).
 */
async function startRestStore(options) {
  if (!options || typeof options.secret !== 'string') throw new TypeError('startRestStore needs {secret}');
  const ca = ensureTestCa();
  const basePath = options.basePath === undefined ? '/alm' : options.basePath;
  const byKey = new Map();
  const failures = new Map();
  for (const u of options.users || []) {
    byKey.set(u.email.toLowerCase(), u);
    if (u.username) byKey.set(u.username.toLowerCase(), u);
  }
  const faults = new Map();
  const notFoundStatus = options.wrongStatusForNotFound ? 400 : 404;
  const store = {
    requests: [],
    clockOffsetS: 0,
    faults: {
      set: (endpoint, f) => faults.set(endpoint, { times: 1, ...f }),
      clear: () => faults.clear(),
    },
  };

  function takeFault(endpoint) {
    const f = faults.get(endpoint);
    if (!f) return null;
    f.times -= 1;
    if (f.times <= 0) faults.delete(endpoint);
    return f;
  }

  /** verify-password: `[status, body]`. Wrong passwords are counted; the fifth locks the user. */
  function verifyPassword(input) {
    const u = typeof input.identifier === 'string' ? byKey.get(input.identifier.toLowerCase()) : undefined;
    if (!u) return [notFoundStatus, { error: 'not_found' }];
    if (u.state === 'locked') return [423, { error: 'locked' }];
    if (typeof input.password !== 'string' || !same(input.password, u.password)) {
      const n = (failures.get(u.user_id) || 0) + 1;
      failures.set(u.user_id, n);
      if (n >= LOCK_AFTER_FAILURES) u.state = 'locked';
      return [401, { error: 'wrong_credentials' }];
    }
    failures.delete(u.user_id);
    if (u.state === 'blocked') return [403, { error: 'blocked' }];
    if (u.state === 'must_reset') return [403, { error: 'password_reset_required' }];
    return [200, publicProfile(u, options)];
  }

  /** find-user: `[status, body]`. */
  function findUser(input) {
    const u = typeof input.identifier === 'string' ? byKey.get(input.identifier.toLowerCase()) : undefined;
    if (!u) return [notFoundStatus, { error: 'not_found' }];
    if (u.state === 'blocked') return [403, { error: 'blocked' }];
    return [200, publicProfile(u, options)];
  }

  /**
   * list-users: `[status, body]`. The cursor is the next user's position as text, so a client that
   * sends back what it got walks the list once; anything else is `400 bad_cursor`.
   */
  function listUsers(input) {
    const { cursor, limit } = input || {};
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return [400, { error: 'bad_request' }];
    if (cursor !== null && (typeof cursor !== 'string' || !/^[1-9]\d{0,8}$/.test(cursor))) return [400, { error: 'bad_cursor' }];
    const all = options.users || [];
    const from = cursor === null ? 0 : Number(cursor);
    if (from > all.length) return [400, { error: 'bad_cursor' }];
    const page = all.slice(from, from + Math.min(limit, options.pageSize || 100));
    const next = from + page.length < all.length ? String(from + page.length) : null;
    const users = page.map((u) => ({ ...publicProfile(u, options), ...(u.state === 'blocked' ? { blocked: true } : {}) }));
    return [200, { users, next_cursor: next }];
  }

  async function handle(req, res) {
    const chunks = [];
    let size = 0;
    for await (const c of req) {
      size += c.length;
      if (size > MAX_BODY_BYTES) break;
      chunks.push(c);
    }
    const body = Buffer.concat(chunks).toString('utf8');
    const path = req.url;
    const paths = { [`${basePath}/verify-password`]: 'verify-password', [`${basePath}/find-user`]: 'find-user' };
    if (!options.noListCall) paths[`${basePath}/list-users`] = 'list-users';
    const endpoint = Object.hasOwn(paths, path) ? paths[path] : null;
    const entry = { endpoint, path, headers: { ...req.headers }, body, status: null };
    store.requests.push(entry);
    const answer = (status, reply, headers = {}) => {
      const text = typeof reply === 'string' ? reply : JSON.stringify(reply);
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    if (size > MAX_BODY_BYTES) return answer(413, { error: 'too_large' });
    if (!endpoint || req.method !== 'POST') return answer(404, { error: 'no_such_endpoint' });
    const nowS = Math.floor(Date.now() / 1000) + store.clockOffsetS;
    const refused = authenticate({
      secret: options.secret,
      method: req.method,
      path,
      headers: req.headers,
      body,
      nowS,
      skipSignatureCheck: options.skipSignatureCheck,
      noReplayWindow: options.noReplayWindow,
    });
    if (refused) return answer(401, { error: refused });
    const f = takeFault(endpoint);
    if (f) {
      entry.fault = f.kind;
      if (f.kind === 'hang') return; // never answered; the client's own timeout ends it
      if (f.kind === 'status') return answer(f.status, f.body || {}, f.headers);
      if (f.kind === 'text') return answer(f.status || 200, f.text);
      if (f.kind === 'profile') return answer(200, f.body);
    }
    let input;
    try {
      input = JSON.parse(body);
    } catch {
      return answer(400, { error: 'bad_request' });
    }
    const handlers = { 'verify-password': verifyPassword, 'find-user': findUser, 'list-users': listUsers };
    const [status, reply] = handlers[endpoint](input);
    return answer(status, reply);
  }

  const listening = await listenHttps(ca, handle, { host: options.host, port: options.port });
  store.url = `${listening.origin}${basePath}`;
  store.close = listening.close;
  return store;
}

/** A few sample users, one per outcome, for a demo and the tests. */
const SAMPLE_USERS = [
  { user_id: 'u-100', email: 'ada@example.com', username: 'ada', password: 'correct horse 1', profile: { name: 'Ada L', email_verified: true, user_metadata: { plan: 'pro' } } },
  { user_id: 'u-101', email: 'blocked@example.com', password: 'correct horse 2', state: 'blocked' },
  { user_id: 'u-102', email: 'locked@example.com', password: 'correct horse 3', state: 'locked' },
  { user_id: 'u-103', email: 'reset@example.com', password: 'correct horse 4', state: 'must_reset' },
];

module.exports = { startRestStore, authenticate, SAMPLE_USERS, REPLAY_WINDOW_S };

if (require.main === module) {
  const secret = process.env.ALM_REST_SECRET || crypto.randomBytes(24).toString('base64url');
  startRestStore({ secret, users: SAMPLE_USERS, port: Number(process.env.PORT) || 0 }).then((s) => {
    console.log(`Reference user store listening at ${s.url} (Ctrl-C to stop); trust target/test-ca/ca.pem.`);
    // A throw-away secret for a loopback demo protects nothing, so it is shown; one given in
    // ALM_REST_SECRET is the caller's, and is not.
    const shown = process.env.ALM_REST_SECRET ? '$ALM_REST_SECRET' : secret;
    console.log(`Settings for dist/rest/*.js: Base_URL=${s.url}  Shared_Secret=${shown}`);
    console.log(`Users: ${SAMPLE_USERS.map((u) => `${u.email} (${u.state || 'active'})`).join(', ')}`);
  });
}
