'use strict';
/**
 * A fault-injecting HTTPS proxy in front of the fake old tenant, for the fault-load suite, the soak
 * and the hostile-input tests.
 *
 * Why not the fake's own `faults.set(route, ...)`: those are per route and global, so under
 * concurrency nobody can say which call a fault hit. Here a fault is planned for ONE call - keyed by
 * what identifies the call in its request (the username of a password grant, the email of
 * users-by-email, the searched username, the user id of users/{id}) - or, for the requests a
 * container shares (Management API token, discovery, JWKS), for one *lane*: a listener port of its
 * own that only one container's settings point at. So every fault lands on exactly the calls the
 * test planned it for, and the expected outcome of every single call is known.
 *
 * Lanes rewrite the discovery document's `jwks_uri` to themselves (the `issuer` stays the fake's:
 * the ID tokens carry it), so a container whose `Domain` is a lane sends every request through it;
 * its `Audience` setting must name the fake's Management API audience (as with a custom domain).
 *
 * Fault kinds (plan `{kind, times = 1, ...}`; `times: Infinity` for a fault that never clears):
 *   latency {ms}          forward after a delay
 *   hang                  never answer (the caller's timeout ends it)
 *   stall                 headers and half the body, then silence
 *   status {status, body?, headers?}   answer without forwarding (default body: Auth0's error shape)
 *   rate_limit {retryAfter = 1}        429 too_many_requests with Retry-After and X-RateLimit-*
 *   reset                 destroy the connection before any answer
 *   truncated             forward, then cut the reply mid-body (the declared length never arrives)
 *   malformed             200 with an HTML page
 *   malformed_json        200 with the first half of the real JSON reply
 *   oversize {bytes = 5 MiB}           200 with a body far beyond the shim's 1 MiB read limit
 *   invalid_utf8          forward, with a byte 0xFF put inside the first JSON string value
 *   id_token {variant}    forward a password grant's reply with its ID token replaced (see idToken())
 *   respond {status, headers?, body}   answer exactly these bytes (body: Buffer | string | (req) => ...)
 * Benign kinds (`latency`) forward the real reply; all others are faults the caller must survive.
 */
const https = require('node:https');
const { ensureTestCa, DEFAULT_CA_DIR } = require('./ca');
const { decodeJwt } = require('./fake-tenant/jwt');
const { oldTenantRoute } = require('./routes');

const FIVE_MIB = 5 * 1024 * 1024;

/** Which route a request is (js/fakes/routes.js), and (for per-call routes) the value that identifies its call. */
function classify(method, url, body) {
  const p = url.pathname;
  let params = {};
  if (p === '/oauth/token') {
    if (method !== 'POST') return { route: 'other' };
    try {
      params = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      params = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    }
  }
  const route = oldTenantRoute(p, params.grant_type);
  if (route === 'password') return { route, key: String(params.username || '').toLowerCase() };
  if (route === 'users-by-email') return { route, key: url.searchParams.get('email') || '' };
  if (route === 'users-search') {
    const q = url.searchParams.get('q') || '';
    const m = /^username:"((?:\\.|[^"\\])*)"$/.exec(q);
    return { route, key: m ? m[1].replace(/\\(.)/g, '$1') : `unparsed:${q}` };
  }
  if (route === 'user') {
    let id = p.slice('/api/v2/users/'.length);
    try {
      id = decodeURIComponent(id);
    } catch {
      /* keep it raw */
    }
    return { route, key: id };
  }
  return { route: route || 'other' };
}

/** Puts 0xFF inside the first JSON string value of `buf` (or at its start when there is none). */
function corruptUtf8(buf) {
  const text = buf.toString('latin1');
  const m = /:\s*"/.exec(text);
  const at = m ? m.index + m[0].length : 0;
  return Buffer.concat([buf.subarray(0, at), Buffer.from([0xff, 0xfe]), buf.subarray(at)]);
}

/**
 * Starts the proxy. `tenant` is a started fake tenant (its `domain`, `signWith` and `users` are used).
 * Returns { lane(name), planCall(route, key, fault), fired, tokens, counts, forwarded, seen, close() }.
 */
async function startFaultProxy(tenant, options = {}) {
  const ca = ensureTestCa(options.caDir || DEFAULT_CA_DIR);
  const [fakeHost, fakePort] = [tenant.domain.slice(0, tenant.domain.lastIndexOf(':')), Number(tenant.domain.slice(tenant.domain.lastIndexOf(':') + 1))];
  const agent = new https.Agent({ keepAlive: true, maxSockets: 256, ca: ca.caPem });
  const perCall = new Map(); // `${route}|${key}` -> plan
  const fired = []; // { lane, route, kind, variant, key }
  const tokens = new Set(); // every access_token / id_token / mfa_token that went through
  const counts = {}; // lane -> route -> requests seen (faulted or not)
  const forwarded = {}; // lane -> route -> requests passed on to the fake
  const seen = []; // { lane, route, key } of every request, in order
  const sockets = new Set();
  const timers = new Set();
  const servers = [];
  const lanes = new Map();
  let closed = false;

  const delay = (ms) =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  const bump = (table, lane, route) => {
    table[lane] = table[lane] || {};
    table[lane][route] = (table[lane][route] || 0) + 1;
  };

  /** Sends the request on to the fake; resolves {status, headers, body: Buffer}. */
  function forward(req, body, laneName, route) {
    bump(forwarded, laneName, route);
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: tenant.domain };
      delete headers.connection;
      const out = https.request({ host: fakeHost, port: fakePort, method: req.method, path: req.url, headers, agent }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      out.on('error', reject);
      out.end(body);
    });
  }

  function collectTokens(body) {
    try {
      const v = JSON.parse(body.toString('utf8'));
      for (const k of ['access_token', 'id_token', 'mfa_token']) if (v && typeof v[k] === 'string') tokens.add(v[k]);
    } catch {
      /* not JSON: nothing minted */
    }
  }

  /** A password grant's ID token, replaced by a hostile one. */
  function idToken(token, variant) {
    const d = decodeJwt(token);
    if (!d) return token;
    const p = { ...d.payload };
    const now = Math.floor(Date.now() / 1000);
    let kind = 'active';
    switch (variant) {
      case 'unknown_kid':
        kind = 'unknown_kid';
        break;
      case 'wrong_key':
        kind = 'rogue';
        break;
      case 'alg_none':
        kind = 'none';
        break;
      case 'hs256':
        kind = 'hs256';
        break; // keyed with the Migration App's secret: the classic confusion
      case 'wrong_iss':
        p.iss = 'https://wrong-issuer.example.com/';
        break;
      case 'wrong_aud':
        p.aud = 'some-other-client-id';
        break;
      case 'expired':
        p.iat = now - 7200;
        p.exp = now - 3600;
        break;
      case 'not_yet_valid':
        p.nbf = now + 3600;
        break;
      case 'issued_in_future':
        p.iat = now + 3600;
        break;
      case 'no_expiry':
        delete p.exp;
        break;
      case 'other_user': {
        // A consistent token for someone else (as an old tenant that matched the wrong account would
        // sign): every identity claim is the other user's.
        const other = tenant.users.find((u) => u.user_id !== p.sub && u.email && u.email !== p.email && u.username);
        const ns = Object.keys(p).find((k) => k.endsWith('user_metadata'));
        const prefix = ns ? ns.slice(0, -'user_metadata'.length) : null;
        Object.assign(p, { sub: other.user_id, email: other.email, email_verified: !!other.email_verified, name: other.name, nickname: other.nickname });
        if (prefix) {
          p[`${prefix}username`] = other.username;
          p[`${prefix}user_metadata`] = other.user_metadata || {};
          p[`${prefix}app_metadata`] = other.app_metadata || {};
        }
        break;
      }
      case 'bad_signature': {
        const parts = token.split('.');
        const sig = Buffer.from(parts[2], 'base64url');
        sig[sig.length >> 1] ^= 0x01;
        return `${parts[0]}.${parts[1]}.${sig.toString('base64url')}`;
      }
      default:
        throw new Error(`fault-proxy: unknown id_token variant ${variant}`);
    }
    return tenant.signWith(kind, p);
  }

  function send(res, status, headers, body) {
    const buf = Buffer.isBuffer(body) ? body : Buffer.from(String(body));
    const h = { ...headers };
    for (const k of Object.keys(h)) if (/^(content-length|transfer-encoding|connection|keep-alive)$/i.test(k)) delete h[k];
    res.writeHead(status, { ...h, 'content-length': buf.length });
    res.end(buf);
  }

  async function handle(laneName, req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, 'https://proxy.invalid');
    const { route, key } = classify(req.method, url, body);
    bump(counts, laneName, route);
    if (seen.length < 200_000) seen.push({ lane: laneName, route, key });
    const lane = lanes.get(laneName);
    let plan = key !== undefined ? perCall.get(`${route}|${key}`) : undefined;
    if (!plan && lane) plan = lane.shared.get(route);
    let fault = null;
    if (plan && plan.fired < plan.times) {
      plan.fired += 1;
      fault = plan;
      fired.push({ lane: laneName, route, kind: plan.kind, variant: plan.variant, status: plan.status, key });
    }
    const kind = fault && fault.kind;

    // Faults that answer without asking the fake.
    if (kind === 'hang') return; // the socket stays open until the client gives up or close()
    if (kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (kind === 'latency') await delay(fault.ms || 0);
    if (kind === 'status') {
      const status = fault.status || 503;
      const b =
        fault.body !== undefined
          ? fault.body
          : route.startsWith('user') || route === 'users-by-email'
            ? { statusCode: status, error: 'Service Unavailable', message: 'upstream failure' }
            : { error: 'temporarily_unavailable', error_description: 'The service is unavailable' };
      const text = typeof b === 'string' ? b : JSON.stringify(b);
      return send(res, status, { 'content-type': typeof b === 'string' ? 'text/html' : 'application/json', ...(fault.headers || {}) }, text);
    }
    if (kind === 'rate_limit') {
      const retry = fault.retryAfter ?? 1;
      return send(
        res,
        429,
        {
          'content-type': 'application/json',
          'retry-after': String(retry),
          'x-ratelimit-limit': '10',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.ceil(Date.now() / 1000) + retry),
        },
        JSON.stringify({ error: 'too_many_requests', error_description: 'Global limit has been reached' })
      );
    }
    if (kind === 'malformed') {
      return send(res, 200, { 'content-type': 'text/html' }, '<html><head><title>502 Bad Gateway</title></head><body>upstream hiccup</body></html>');
    }
    if (kind === 'oversize') {
      const size = fault.bytes || FIVE_MIB;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': size });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      chunk[0] = 0x5b; // '[' then blanks: valid JSON that never closes
      let sent = 0;
      const pump = () => {
        while (sent < size && !res.destroyed) {
          const n = Math.min(chunk.length, size - sent);
          const part = sent === 0 ? chunk.subarray(0, n) : Buffer.alloc(n, 0x20);
          sent += n;
          if (!res.write(part)) return res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      res.on('close', () => {
        fault.bytesSent = (fault.bytesSent || 0) + sent;
      });
      return pump();
    }
    if (kind === 'respond') {
      const b = typeof fault.body === 'function' ? fault.body({ route, key, url, body }) : fault.body;
      return send(res, fault.status || 200, fault.headers || { 'content-type': 'application/json' }, b === undefined ? '' : b);
    }

    // Everything else asks the fake first.
    let reply;
    try {
      reply = await forward(req, body, laneName, route);
    } catch (err) {
      return send(res, 502, { 'content-type': 'text/plain' }, `fault-proxy: the fake did not answer (${err.code || err.message})`);
    }
    let out = reply.body;
    if (route === 'discovery' && reply.status === 200) {
      try {
        const doc = JSON.parse(out.toString('utf8'));
        doc.jwks_uri = `https://127.0.0.1:${lane.port}/.well-known/jwks.json`;
        out = Buffer.from(JSON.stringify(doc));
      } catch {
        /* leave it */
      }
    }
    if (kind === 'id_token' && reply.status === 200) {
      const v = JSON.parse(out.toString('utf8'));
      if (typeof v.id_token === 'string') {
        if (fault.variant === 'no_id_token') delete v.id_token;
        else v.id_token = idToken(v.id_token, fault.variant);
      } else {
        fault.fired -= 1; // nothing to tamper with: the fault did not happen
        fired.pop();
      }
      out = Buffer.from(JSON.stringify(v));
    }
    collectTokens(out);
    if (kind === 'invalid_utf8') out = corruptUtf8(out);
    if (kind === 'malformed_json') out = out.subarray(0, Math.max(1, out.length >> 1));
    if (kind === 'truncated' || kind === 'stall') {
      const h = { ...reply.headers };
      delete h['transfer-encoding'];
      delete h.connection;
      res.writeHead(reply.status, { ...h, 'content-length': out.length });
      res.write(out.subarray(0, Math.max(1, out.length >> 1)), () => {
        if (kind === 'truncated') req.socket.destroy();
      });
      return; // stall: the rest never comes
    }
    return send(res, reply.status, reply.headers, out);
  }

  /** A listener of its own; `shared` plans apply to every request on it. */
  async function lane(name) {
    if (lanes.has(name)) return lanes.get(name);
    const server = https.createServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => {
      handle(name, req, res).catch((err) => {
        if (!res.headersSent && !res.destroyed) send(res, 500, { 'content-type': 'text/plain' }, `fault-proxy bug: ${err.message}`);
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 30_000;
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.on('tlsClientError', () => {});
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    servers.push(server);
    const port = server.address().port;
    const l = {
      name,
      port,
      domain: `127.0.0.1:${port}`,
      shared: new Map(),
      /** Plans a fault for every request of `route` on this lane (token, discovery, jwks, ...). */
      planShared(route, fault) {
        l.shared.set(route, { times: 1, ...fault, fired: 0 });
      },
      clearShared() {
        l.shared.clear();
      },
    };
    lanes.set(name, l);
    return l;
  }

  return {
    lane,
    /** Plans a fault for the call whose `route` request carries `key` (lower-cased username, email, id). */
    planCall(route, key, fault) {
      const plan = { times: 1, ...fault, fired: 0 };
      perCall.set(`${route}|${key}`, plan);
      return plan;
    },
    fired,
    tokens,
    counts,
    seen,
    forwarded,
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      agent.destroy();
      return Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve()))));
    },
  };
}

module.exports = { startFaultProxy, classify };
