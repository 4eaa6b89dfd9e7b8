'use strict';
/**
 * A faithful, offline fake of an Auth0 tenant: the OLD tenant for the migration scripts' tests, and the
 * NEW tenant for the operator's command line (connections read and PATCHed, bulk export/import jobs:
 * see fake-tenant/connections.js and fake-tenant/jobs.js; the password-reset email request:
 * fake-tenant/dbconnections.js; the log events `logs` reads: fake-tenant/logs.js).
 *
 * It serves, over HTTPS on 127.0.0.1 (certificate from js/fakes/ca.js, trusted by the test process
 * through NODE_EXTRA_CA_CERTS), the endpoints the scripts call: /oauth/token (password, password-realm,
 * client_credentials), OIDC discovery and JWKS, and the Management API user reads. Replies copy Auth0's
 * statuses and JSON bodies; where Auth0's exact wording could not be confirmed the choice is noted in
 * the module that makes it. Tests can inject faults (latency, hangs, 5xx, 429, resets, truncated or
 * malformed bodies, tampered ID tokens) and inspect a request log that never holds secrets.
 *
 * Usage:
 *   const { startFakeTenant } = require('./fake-tenant');
 *   const tenant = await startFakeTenant();          // seed(), claims producer on, brute force 10
 *   ... fetch(`${tenant.url}/oauth/token`, ...) ...
 *   await tenant.close();
 *
 * Standalone: `node js/fakes/fake-tenant.js [--port N]` prints the domain, the CA path and the
 * seed client id (its secret is in js/fakes/seed.js).
 */

const https = require('node:https');
const { pipeline } = require('node:stream/promises');
const path = require('node:path');
const { ensureTestCa, DEFAULT_CA_DIR } = require('./ca');
const { seed: defaultSeed, SEED } = require('./seed');
const { poolKey, rogueKey, ecKey, prefetchKeys, signJwt } = require('./fake-tenant/jwt');
const { readBody, parseParams, sendJson, errorBody, Faults, RateLimiter } = require('./fake-tenant/http');
const { handleToken } = require('./fake-tenant/token');
const { handleManagement, publicUser } = require('./fake-tenant/management');
const { handleConnections, normaliseConnection, ENCRYPTED_PREFIX } = require('./fake-tenant/connections');
const { Jobs } = require('./fake-tenant/jobs');
const { handleChangePassword } = require('./fake-tenant/dbconnections');
const { LogStore, handleLogs } = require('./fake-tenant/logs');
const { ScriptRunner } = require('./fake-tenant/scripts');
const crypto = require('node:crypto');
const { oldTenantRoute } = require('./routes');

/** Largest body the users-imports route reads (the 512000-byte file limit is checked after parsing). */
const IMPORT_BODY_LIMIT = 2 * 1024 * 1024;
const JSON_BODY_LIMIT = 1024 * 1024;

const SECRETISH = /pass|secret|token|assertion|code|authorization/i;

/** Routes by method and path; the name is also the fault-injection key. */
function route(method, pathname) {
  if (pathname === '/oauth/token') return method === 'POST' ? { name: 'token', family: 'auth' } : null;
  if (pathname === '/.well-known/openid-configuration') return method === 'GET' ? { name: 'discovery', family: 'auth' } : null;
  if (pathname === '/.well-known/jwks.json') return method === 'GET' ? { name: 'jwks', family: 'auth' } : null;
  if (pathname === '/dbconnections/change_password') return method === 'POST' ? { name: 'change-password', family: 'auth', body: 'json' } : null;
  const decode = (s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return null;
    }
  };
  // The NEW tenant's side: connections and bulk jobs (the operator's command line).
  if (pathname === '/api/v2/connections') {
    if (method === 'GET') return { name: 'connections', family: 'management' };
    return method === 'POST' ? { name: 'connection-create', family: 'management', body: 'json' } : null;
  }
  let m = /^\/api\/v2\/connections\/([^/]+)$/.exec(pathname);
  if (m) {
    const connectionId = decode(m[1]);
    if (connectionId === null) return null;
    if (method === 'GET') return { name: 'connection', family: 'management', connectionId };
    if (method === 'PATCH') return { name: 'connection-update', family: 'management', connectionId, body: 'json' };
    if (method === 'DELETE') return { name: 'connection-delete', family: 'management', connectionId };
    return null;
  }
  if (pathname === '/api/v2/jobs/users-exports') return method === 'POST' ? { name: 'users-exports', family: 'management', body: 'json' } : null;
  if (pathname === '/api/v2/jobs/users-imports') return method === 'POST' ? { name: 'users-imports', family: 'management', body: 'raw' } : null;
  if (pathname === '/api/v2/logs') return method === 'GET' ? { name: 'logs', family: 'management' } : null;
  m = /^\/api\/v2\/jobs\/([^/]+)(\/errors)?$/.exec(pathname);
  if (m && method === 'GET') return { name: m[2] ? 'job-errors' : 'job', family: 'management', jobId: decode(m[1]) };
  m = /^\/exports\/([^/]+)\/([0-9a-f]+)\.json\.gz$/.exec(pathname);
  if (m && method === 'GET') return { name: 'export-file', family: 'storage', token: m[2] };
  if (method !== 'GET') return null;
  if (pathname === '/api/v2/users-by-email') return { name: 'users-by-email', family: 'management' };
  if (pathname === '/api/v2/users') return { name: 'users-search', family: 'management' };
  m = /^\/api\/v2\/users\/([^/]+)$/.exec(pathname);
  if (m) {
    const userId = decode(m[1]);
    if (userId === null) return null;
    return { name: 'user', family: 'management', userId };
  }
  return null;
}

function normaliseUser(u) {
  const out = structuredClone(u);
  if (typeof out.email === 'string') out.email = out.email.toLowerCase();
  if (typeof out.username === 'string') out.username = out.username.toLowerCase();
  return out;
}

function discoveryDoc(st) {
  const b = st.issuer;
  return {
    issuer: b,
    authorization_endpoint: `${b}authorize`,
    token_endpoint: `${b}oauth/token`,
    device_authorization_endpoint: `${b}oauth/device/code`,
    userinfo_endpoint: `${b}userinfo`,
    mfa_challenge_endpoint: `${b}mfa/challenge`,
    jwks_uri: `${b}.well-known/jwks.json`,
    registration_endpoint: `${b}oidc/register`,
    revocation_endpoint: `${b}oauth/revoke`,
    scopes_supported: ['openid', 'profile', 'offline_access', 'name', 'given_name', 'family_name', 'nickname', 'email', 'email_verified', 'picture', 'created_at', 'identities', 'phone', 'address'],
    response_types_supported: ['code', 'token', 'id_token', 'code token', 'code id_token', 'token id_token', 'code token id_token'],
    code_challenge_methods_supported: ['S256', 'plain'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['HS256', 'RS256', 'PS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    claims_supported: [
      'aud',
      'auth_time',
      'created_at',
      'email',
      'email_verified',
      'exp',
      'family_name',
      'given_name',
      'iat',
      'identities',
      'iss',
      'name',
      'nickname',
      'phone_number',
      'picture',
      'sub',
    ],
    request_uri_parameter_supported: false,
    request_parameter_supported: false,
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'PS256'],
    end_session_endpoint: `${b}oidc/logout`,
  };
}

/**
 * Starts a fake old tenant.
 * @param {object} [options]
 * @param {object} [options.seed] population (default: seed() from ./seed)
 * @param {string} [options.caDir] certificate directory (default `<repo>/target/test-ca`)
 * @param {string} [options.host] listen address (default 127.0.0.1)
 * @param {number} [options.port] listen port (default 0 = any free port)
 * @param {{namespace:string, enabled?:boolean, clientIds?:string[]}|false} [options.claimsProducer]
 *        default {namespace:'https://migrationapp/', enabled:true} (Migration App only)
 * @param {number} [options.bruteForceLimit] consecutive failures per user+IP before 429 (default 10)
 * @param {{perMinute:number}|null} [options.rateLimit] per API family (token / management), default none
 * @param {number} [options.clockSkewSeconds] the tenant's clock minus the real clock (default 0)
 * @param {number} [options.idTokenLifetime] seconds (default 36000, Auth0's default)
 * @param {number} [options.accessTokenLifetime] client-credentials token seconds (default 86400)
 * @param {'exact'|'insensitive'} [options.usersByEmailMatch] default 'exact' (Auth0: case-sensitive)
 * @param {boolean} [options.idTokenUsername] put `username` in ID tokens (Auth0 does not; default false)
 * @param {'RS256'|'ES256'} [options.idTokenAlg] how ID tokens are signed (default RS256, Auth0's). With
 *        ES256 a P-256 key is published in the JWKS beside the RSA keys, which still sign access tokens.
 * @param {{timeoutMs?:number, wasm?:boolean}} [options.scriptRuntime] how custom-database Login scripts
 *        run (fake-tenant/scripts.js): the time limit (default Auth0's 20 s) and whether WebAssembly
 *        compiles in their context (default true)
 * @param {{users:number, connection:string}} [options.synthetic] N generated users in that connection,
 *        exported as a stream, imports indexed (fake-tenant/synthetic.js; the large-tenant benchmark)
 * @returns {Promise<object>} the tenant handle (see README section of the report / fields below)
 */
async function startFakeTenant(options = {}) {
  const ca = ensureTestCa(options.caDir || DEFAULT_CA_DIR);
  const population = options.seed || defaultSeed();
  const claimsProducer = options.claimsProducer === undefined ? { namespace: 'https://migrationapp/', enabled: true } : options.claimsProducer;
  // The signing key, the first rotation key and the unpublished "rogue" key, generated in parallel on
  // libuv's pool (pooled per process, so only the first tenant pays); the next rotation key warms up in
  // the background.
  await prefetchKeys(1, true);
  prefetchKeys(2).catch(() => {});

  const st = {
    domain: null,
    issuer: null,
    mgmtAudience: null,
    users: population.users.map(normaliseUser),
    clients: population.clients,
    connections: population.connections,
    defaultDirectory: population.defaultDirectory === undefined ? 'Username-Password-Authentication' : population.defaultDirectory,
    opts: {
      claimsProducer,
      bruteForceLimit: options.bruteForceLimit ?? 10,
      idTokenLifetime: options.idTokenLifetime ?? 36000,
      accessTokenLifetime: options.accessTokenLifetime ?? 86400,
      usersByEmailMatch: options.usersByEmailMatch || 'exact',
      idTokenUsername: !!options.idTokenUsername,
      idTokenAlg: options.idTokenAlg || 'RS256',
    },
    clockSkewSeconds: options.clockSkewSeconds || 0,
    nowSec: () => Date.now() / 1000 + st.clockSkewSeconds,
    bruteForce: new Map(),
    hiddenFromSearch: new Set(),
    keyIndexes: [0], // pooled key indexes published in the JWKS; the last one signs
    nextKeyIndex: 1,
    publishedKeys: () => [...st.keyIndexes.map(poolKey), ...(st.opts.idTokenAlg === 'ES256' ? [ecKey()] : [])],
    faults: new Faults(),
    requests: [],
    configKey: crypto.randomBytes(32),
    connectionPatches: 0,
    passwordResets: [],
    logs: null, // a LogStore (fake-tenant/logs.js), made below
  };
  for (const c of st.connections) normaliseConnection(c);
  st.logs = new LogStore(st);
  st.scripts = new ScriptRunner({ caPath: ca.caPath, ...(options.scriptRuntime || {}) });
  const limiter = options.rateLimit ? new RateLimiter(options.rateLimit.perMinute, () => st.nowSec()) : null;

  /**
   * Signs `payload` for tests and for the token route:
   *  'active' (current key), 'old' (oldest published key), 'rogue' (unpublished key, current kid),
   *  'unknown_kid' (current key, kid not in the JWKS), 'none' (alg none), 'hs256' (HMAC with
   *  opts.secret, default the Migration App's secret); for ES256: 'es256' (the published P-256 key),
   *  'es256_rogue' (an unpublished P-256 key under the published one's kid); and the algorithm
   *  swapped on a published kid: 'es256_on_rsa_kid' (ES256 named, the current RSA key's kid, signed
   *  by a P-256 key) and 'rs256_on_ec_kid' (RS256 named, the P-256 key's kid, signed by the RSA key).
   */
  st.signWith = (kind, payload, opts = {}) => {
    const active = poolKey(st.keyIndexes[st.keyIndexes.length - 1]);
    const header = (alg, kid) => ({ alg, typ: 'JWT', ...(kid ? { kid } : {}), ...(opts.header || {}) });
    switch (kind) {
      case 'active':
        return signJwt(header('RS256', active.kid), payload, { key: active });
      case 'old': {
        if (st.keyIndexes.length < 2) throw new Error("signWith('old'): no previous key is published");
        const old = poolKey(st.keyIndexes[0]);
        return signJwt(header('RS256', old.kid), payload, { key: old });
      }
      case 'rogue':
        return signJwt(header('RS256', active.kid), payload, { key: rogueKey() });
      case 'unknown_kid':
        return signJwt(header('RS256', 'unknown-kid-0000000000'), payload, { key: active });
      case 'none':
        return signJwt(header('none'), payload);
      case 'hs256':
        return signJwt(header('HS256'), payload, { secret: opts.secret || SEED.clients.migrationApp.client_secret });
      case 'es256':
        return signJwt(header('ES256', ecKey().kid), payload, { key: ecKey() });
      case 'es256_rogue':
        return signJwt(header('ES256', ecKey().kid), payload, { key: ecKey('rogue') });
      case 'es256_on_rsa_kid':
        return signJwt(header('ES256', active.kid), payload, { key: ecKey() });
      case 'rs256_on_ec_kid':
        return signJwt(header('RS256', ecKey().kid), payload, { key: active });
      default:
        throw new Error(`signWith: unknown kind '${kind}'`);
    }
  };

  const sockets = new Set();
  const timers = new Set();
  const delay = (ms) =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const jobs = new Jobs(st, { delay, origin: () => st.issuer, synthetic: options.synthetic });

  async function handle(req, res) {
    const url = new URL(req.url, 'https://fake.invalid');
    const query = {};
    for (const [k, v] of url.searchParams) query[k] = SECRETISH.test(k) ? '[redacted]' : v;
    const entry = { method: req.method, path: url.pathname, query, grant_type: undefined, realm: undefined, status: null, at: new Date().toISOString() };
    // Auth0 names every reply with a request id (20 hex digits) for support; `remotePort` tells a
    // test which connection (direct, or a proxy's tunnel) carried the request.
    entry.requestId = crypto.randomBytes(10).toString('hex');
    entry.remotePort = req.socket.remotePort;
    res.setHeader('x-auth0-requestid', entry.requestId);
    st.requests.push(entry);
    res.on('finish', () => {
      entry.status = res.statusCode;
    });

    const r = route(req.method, url.pathname);
    let params = {};
    let jsonBody;
    let rawBody;
    if (req.method === 'POST' || req.method === 'PATCH') {
      let buf;
      try {
        // Connection PATCHes carry two scripts of up to 100 KB each; imports a 500 KB file.
        buf = await readBody(req, r && r.body === 'raw' ? IMPORT_BODY_LIMIT : r && r.body === 'json' ? JSON_BODY_LIMIT : undefined);
      } catch {
        return;
      }
      if (r && r.name === 'token') {
        const parsed = parseParams(req.headers['content-type'], buf);
        if (!parsed) return sendJson(res, 400, errorBody('auth', 400, 'invalid_request', 'Invalid request body'));
        params = parsed;
        entry.grant_type = params.grant_type;
        entry.realm = params.realm;
        entry.client_id = params.client_id;
      } else if (r && r.body === 'json') {
        try {
          jsonBody = JSON.parse(buf.toString('utf8'));
        } catch {
          jsonBody = undefined;
        }
      } else if (r && r.body === 'raw') {
        rawBody = buf;
      }
    }
    if (!r) {
      const family = url.pathname.startsWith('/api/v2/') ? 'management' : 'auth';
      return sendJson(res, 404, family === 'management' ? errorBody('management', 404, null, 'Not Found') : { error: 'not_found', error_description: 'Not Found' });
    }

    const applied = st.faults.peek(r.name);
    const fault = applied && applied.fault;
    if (fault && fault.kind !== 'id_token') {
      entry.fault = fault.kind;
      st.faults.consume(applied.key);
      switch (fault.kind) {
        case 'latency':
          await delay(fault.ms || 0);
          break;
        case 'hang':
          return; // never answers; close() destroys the socket
        case 'reset':
          req.socket.destroy();
          return;
        case 'status': {
          const status = fault.status || 503;
          const body = fault.body !== undefined ? fault.body : errorBody(r.family, status, r.family === 'management' ? null : status >= 500 ? 'temporarily_unavailable' : 'invalid_request');
          if (typeof body === 'string') {
            res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...(fault.headers || {}) });
            return res.end(body);
          }
          return sendJson(res, status, body, fault.headers || {});
        }
        case 'rate_limit': {
          const retry = fault.retryAfter ?? 1;
          const headers = {
            'x-ratelimit-limit': '10',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Math.ceil(st.nowSec()) + retry),
            'retry-after': String(retry),
          };
          return sendJson(res, 429, errorBody(r.family, 429, 'too_many_requests', 'Global limit has been reached'), headers);
        }
        case 'malformed':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end('<html><head><title>502 Bad Gateway</title></head><body>upstream hiccup</body></html>');
        case 'truncated':
          break; // handled after the route has produced its body
        default:
          break;
      }
    }
    if (r.name === 'export-file') {
      const out = jobs.download(req.headers, r.token);
      if (out.gz) {
        res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': out.gz.length });
        return res.end(out.gz);
      }
      if (out.stream) {
        // A synthetic export (fake-tenant/synthetic.js), generated as it is sent: no length known.
        res.writeHead(200, { 'content-type': 'application/gzip' });
        return pipeline(out.stream, res).catch(() => res.destroy());
      }
      res.writeHead(out.status, { 'content-type': 'text/plain; charset=utf-8' });
      return res.end(out.text);
    }
    if (limiter && (r.name === 'token' || r.family === 'management')) {
      const lim = limiter.take(r.name === 'token' ? 'auth' : 'management');
      if (!lim.allowed) {
        return sendJson(res, 429, errorBody(r.family, 429, 'too_many_requests', 'Global limit has been reached'), lim.headers);
      }
      res.setHeader('x-ratelimit-limit', lim.headers['x-ratelimit-limit']);
      res.setHeader('x-ratelimit-remaining', lim.headers['x-ratelimit-remaining']);
      res.setHeader('x-ratelimit-reset', lim.headers['x-ratelimit-reset']);
    }

    let result;
    if (r.name === 'token') {
      result = await handleToken(st, params, {
        headers: req.headers,
        remoteIp: req.socket.remoteAddress,
        fault: fault && fault.kind === 'id_token' ? applied : null,
      });
      if (result.consumedFault) {
        entry.fault = 'id_token';
        st.faults.consume(applied.key);
      }
    } else if (r.name === 'discovery') {
      result = { status: 200, body: discoveryDoc(st) };
    } else if (r.name === 'jwks') {
      result = { status: 200, body: { keys: st.publishedKeys().map((k) => ({ ...k.jwk })) } };
    } else if (r.name === 'connections' || r.name.startsWith('connection-') || r.name === 'connection') {
      result = handleConnections(st, r.name, { headers: req.headers, query: url.searchParams, connectionId: r.connectionId, body: jsonBody });
    } else if (r.name === 'logs') {
      result = handleLogs(st, st.logs, { headers: req.headers, query: url.searchParams });
    } else if (r.name === 'change-password') {
      result = handleChangePassword(st, jsonBody);
    } else if (r.name === 'users-exports') {
      result = jobs.createExport(req.headers, jsonBody);
    } else if (r.name === 'users-imports') {
      result = jobs.createImport(req.headers, req.headers['content-type'], rawBody);
    } else if (r.name === 'job' || r.name === 'job-errors') {
      result = jobs.getJob(req.headers, r.jobId, r.name === 'job-errors');
    } else {
      result = handleManagement(st, r.name, { headers: req.headers, query: url.searchParams, userId: r.userId });
    }

    if (fault && fault.kind === 'truncated') {
      // The server did the work; the reply dies mid-body (declared length never arrives).
      const text = JSON.stringify(result.body);
      entry.status = result.status;
      res.writeHead(result.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      res.write(text.slice(0, Math.max(1, Math.floor(text.length / 2))), () => req.socket.destroy());
      return;
    }
    return sendJson(res, result.status, result.body, result.headers || {});
  }

  const server = https.createServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: `fake tenant bug: ${err.message}` });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {}); // a client that gives up mid-handshake is not our failure

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port || 0, options.host || '127.0.0.1', resolve);
  });
  const { port, address } = server.address();
  const host = address.includes(':') ? `[${address}]` : address;
  st.domain = `${host}:${port}`;
  st.issuer = `https://${st.domain}/`;
  st.mgmtAudience = `https://${st.domain}/api/v2/`;

  let closed = null;
  const tenant = {
    domain: st.domain,
    url: `https://${st.domain}`,
    issuer: st.issuer,
    audience: st.mgmtAudience,
    caPath: ca.caPath,
    users: st.users,
    clients: st.clients,
    connections: st.connections,
    requests: st.requests,
    /** User ids missing from search results (simulates the search index lagging behind). */
    hiddenFromSearch: st.hiddenFromSearch,
    faults: {
      set: (routeName, f) => st.faults.set(routeName, f),
      clear: (routeName) => st.faults.clear(routeName),
      list: () => st.faults.list(),
    },
    get clockSkewSeconds() {
      return st.clockSkewSeconds;
    },
    set clockSkewSeconds(v) {
      st.clockSkewSeconds = v;
    },
    /** Publishes a new signing key and signs with it; the previous keys stay in the JWKS. Returns its kid. */
    rotateKeys() {
      st.keyIndexes.push(st.nextKeyIndex++);
      return poolKey(st.keyIndexes[st.keyIndexes.length - 1]).kid;
    },
    /** Removes every key but the active one from the JWKS. */
    dropOldKeys() {
      st.keyIndexes.splice(0, st.keyIndexes.length - 1);
    },
    get activeKid() {
      return poolKey(st.keyIndexes[st.keyIndexes.length - 1]).kid;
    },
    jwks: () => ({ keys: st.publishedKeys().map((k) => ({ ...k.jwk })) }),
    signWith: (kind, payload, opts) => st.signWith(kind, payload, opts),
    /** A Management API token as the tenant would issue it (test helper; default Migration App grant). */
    mgmtToken({ clientId = SEED.clients.migrationApp.client_id, scope = 'read:users', expiresIn = 86400, kind = 'active', audience = st.mgmtAudience } = {}) {
      const now = Math.floor(st.nowSec());
      return st.signWith(kind, {
        iss: st.issuer,
        sub: `${clientId}@clients`,
        aud: audience,
        iat: now,
        exp: now + expiresIn,
        scope,
        gty: 'client-credentials',
        azp: clientId,
      });
    },
    /** Adds a user (seed-shaped, with `password`), lower-casing email/username as Auth0 stores them. */
    addUser(u) {
      const stored = normaliseUser(u);
      st.users.push(stored);
      return stored;
    },
    /** The stored user with this id or (lower-cased) email, first match. */
    findUser(idOrEmail) {
      const k = String(idOrEmail).toLowerCase();
      return st.users.find((u) => u.user_id === idOrEmail || u.email === k);
    },
    /** The Management API view of a stored user (what users-by-email would return for it). */
    publicUser: (u) => publicUser(u),
    /**
     * Steers the bulk jobs (users-exports / users-imports): `durationMs` each job takes (default 20);
     * `hold(type?)` keeps new jobs (of that type: 'users_import' | 'users_export', or all) pending until
     * `release()`; `failNext(type, n)` makes the
     * next n jobs of a type ('users_import' | 'users_export') end `failed` as a whole; `list()`,
     * `active()` (running import jobs).
     */
    jobs: {
      get durationMs() {
        return jobs.durationMs;
      },
      set durationMs(v) {
        jobs.durationMs = v;
      },
      hold(type) {
        jobs.held = type || true;
      },
      release() {
        jobs.release();
      },
      failNext(type, n = 1) {
        if (!(type in jobs.failNext)) throw new Error(`jobs.failNext: unknown job type '${type}'`);
        jobs.failNext[type] += n;
      },
      list: () => jobs.list(),
      active: () => jobs.activeImports(),
      /**
       * The host new export links name (default: the tenant's own). Auth0's links point at its file
       * store, another host than the API: 'localhost' (the same server, in the test certificate) lets
       * a test route the download alone, e.g. through a proxy the API calls bypass (NO_PROXY).
       */
      set linkHost(host) {
        jobs.origin = () => {
          if (!host) return st.issuer;
          const u = new URL(st.issuer);
          u.hostname = host;
          return u.href;
        };
      },
      /** The synthetic population's counters (exportsServed, importJobs, inserted, duplicates), or null. */
      get synthetic() {
        return jobs.synthetic ? { ...jobs.synthetic.stats, imported: jobs.synthetic.imported.size } : null;
      },
      get maxActiveImports() {
        return jobs.maxActiveImports;
      },
      /** Moves the jobs' clock forward (ms): jobs expire after 24 h, imports fail after 2 h. */
      advanceClock(ms) {
        jobs.clockOffsetMs += ms;
      },
      /** Fails every import job now past 2 h at once, as Auth0 does whether or not anyone polls it. */
      timeOutDue() {
        for (const job of jobs.byId.values()) jobs.timeOut(job);
      },
      /** user id -> how many times an import job created that user. */
      get creations() {
        return jobs.creations;
      },
    },
    /** The stored connection with this name (its `options` as stored: configuration values in clear). */
    connection(name) {
      return st.connections.find((c) => c.name === name);
    },
    /** Accepted POST /dbconnections/change_password requests: {email, connection, client_id, known}. */
    passwordResets: st.passwordResets,
    /** The tenant's log events, oldest log_id first (GET /api/v2/logs; fake-tenant/logs.js). */
    get logs() {
      return st.logs.events;
    },
    /** Records a log event (Auth0's shape, `type` required: s, fp, fu, f, ss, ...); returns it with its log_id. */
    addLog: (event) => st.logs.add(event),
    /**
     * How custom-database Login scripts run: `{timeoutMs, wasm}` (options.scriptRuntime); assigning
     * either starts fresh containers. `runs`: how many logins ran (or wait to run) a script.
     */
    scriptRuntime: {
      get timeoutMs() {
        return st.scripts.timeoutMs;
      },
      set timeoutMs(v) {
        st.scripts.timeoutMs = v;
        st.scripts.restart();
      },
      get wasm() {
        return st.scripts.wasm;
      },
      set wasm(v) {
        st.scripts.wasm = v;
        st.scripts.restart();
      },
      get runs() {
        return st.scripts.runs;
      },
      /** Logins wait before their script runs until release(); `waiting` counts them. */
      hold: () => st.scripts.hold(),
      release: () => st.scripts.release(),
      get waiting() {
        return st.scripts.waiting;
      },
    },
    /** How many PATCHes of a connection succeeded. */
    get connectionPatches() {
      return st.connectionPatches;
    },
    /** Prefix of the fake's encrypted `options.configuration` values as the API returns them. */
    encryptedPrefix: ENCRYPTED_PREFIX,
    /** Lifts brute-force blocks (all, or those of one user id), as the unblock email link does. */
    resetBruteForce(userId) {
      if (!userId) return st.bruteForce.clear();
      for (const k of [...st.bruteForce.keys()]) if (k.startsWith(`${userId}|`)) st.bruteForce.delete(k);
    },
    close() {
      if (!closed) {
        closed = new Promise((resolve) => {
          for (const t of timers) clearTimeout(t);
          timers.clear();
          st.scripts.close();
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
          if (server.closeAllConnections) server.closeAllConnections();
        });
      }
      return closed;
    },
  };
  return tenant;
}

/** What a logged request was, by its route's label (js/fakes/routes.js), or null. */
function requestLabel(r) {
  return oldTenantRoute(r.path, r.grant_type);
}

module.exports = { startFakeTenant, SEED, requestLabel };

if (require.main === module) {
  const args = process.argv.slice(2);
  const portArg = args.indexOf('--port');
  const port = portArg >= 0 ? Number(args[portArg + 1]) : 0;
  startFakeTenant({ port })
    .then((t) => {
      const seedFile = path.relative(process.cwd(), path.join(__dirname, 'seed.js'));
      process.stdout.write(
        [
          `Fake old Auth0 tenant listening (Ctrl-C to stop)`,
          `  domain:    ${t.domain}`,
          `  url:       ${t.url}`,
          `  CA:        ${t.caPath}   (export NODE_EXTRA_CA_CERTS=${t.caPath})`,
          `  client id: ${SEED.clients.migrationApp.client_id}   (secret and test passwords: ${seedFile})`,
          `  audience:  ${t.audience}`,
          '',
        ].join('\n')
      );
      const stop = () => t.close().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    })
    .catch((err) => {
      process.stderr.write(`${err.stack}\n`);
      process.exit(1);
    });
}
