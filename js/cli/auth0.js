'use strict';
/**
 * The command line's one door to Auth0: the official `auth0` Node SDK (package.json `dependencies`,
 * pinned exactly), behind the few calls the commands make, with this tool's messages.
 *
 * Through the SDK (`ManagementClient`, `TokenProvider` of auth0 7.x):
 * - the Management API token (client credentials; cached, renewed before it expires). It is registered
 *   with the output for redaction as soon as it is obtained, and its `scope` claim is read for `doctor`;
 * - every Management API call but one: connections list/get/update, users-exports jobs, a job and its
 *   errors, user search, users-by-email;
 * - waiting out 429 and 5xx replies: the SDK's retry (Retry-After in seconds or as a date, else
 *   X-RateLimit-Reset, else a doubling backoff; at most 60 s a wait), MAX_RETRIES times per call.
 * - timeouts (REQUEST_TIMEOUT_S a request; the SDK's own 10 s for the token request);
 * - reset-passwords' `POST /dbconnections/change_password`: the SDK's AuthenticationClient
 *   (changePasswordSender below).
 *
 * Kept by hand here, each for a reason measured against the fake tenants (the test named):
 * - the users-imports submission (createUsersImport): its body is built by multipart.js (the SDK's
 *   Blob copies were the bulk tail's memory growth, bench-tail), sent once through the same fetch, and
 *   a 429 is left to `tail`, which waits for Auth0's 2 import slots itself;
 * - announcing each wait ("rate limited (...); waiting 1.0 s"): the SDK waits silently, and a command
 *   that stops for up to a minute without a word looks hung (cli-deploy.test.js and
 *   cli-tail-status.test.js assert the line). The fetch handed to the SDK only looks at the replies.
 * - the token request answered 429 or 5xx is tried again (twice, after 1 then 2 s): the SDK's
 *   TokenProvider sends it once, and one 500 from /oauth/token would end the command.
 * - a GET, or the token request, whose connection was refused or reset is sent again (twice, each
 *   announced: "no reply from ...; trying again in 0.2 s (1 of 2)"): the SDK retries replies only (its
 *   requestWithRetries), and `tail` polls jobs for hours. A POST or PATCH without a reply is not
 *   repeated: it may have been done. A timeout is not repeated either (see worthRepeating). (Tests:
 *   cli-try-doctor.test.js "a 500 from the token endpoint and a reset connection ...", cli-network.test.js.)
 * - every request, the SDK's included, goes through net.js: HTTPS_PROXY / NO_PROXY and --debug.
 * - errors: the SDK's errors become UpstreamError with the setup step to fix (credentials, grant,
 *   audience, scope, unreachable host), never the SDK's own message, which embeds the whole reply
 *   (cli-deploy, cli-try-doctor and cli-exit-codes tests assert the messages and fixes).
 * - `publicJson`: doctor's discovery and JWKS reads are public documents, not Management API calls;
 *   the SDK has no call for them.
 * - `retryAfterMs`: what a 429 asks, read where the SDK does not wait: the announcement above, the
 *   import submission (`tail`) and reset-passwords' paced sending.
 */

const { AsyncLocalStorage } = require('node:async_hooks');
const { ManagementClient, ManagementError, ManagementTimeoutError, TokenProvider } = require('auth0');
const { CliError, UpstreamError, UsageError } = require('./errors');
const { currentEngine } = require('./dist');
const { multipart } = require('./multipart');
const net = require('./net');

const REQUEST_TIMEOUT_S = 30;
/** Retries per call (429s and 5xx alike): the SDK's one budget. */
const MAX_RETRIES = 8;
const NETWORK_RETRIES = 2;
/** Retries of a token request answered 429 or 5xx (the SDK's TokenProvider makes none). */
const TOKEN_RETRIES = 2;
const MAX_WAIT_MS = 60000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The SDK call in progress, for the fetch hook: how many retries it has, how many were used. */
const inCall = new AsyncLocalStorage();

/**
 * `host`, `host:port`, `https://host/` -> `host[:port]` (lower case), or null. Requests are always
 * HTTPS. The engine decides, with the rules of the scripts' `Domain` setting (src/config.rs).
 */
function normaliseDomain(value) {
  return currentEngine().normaliseDomain({ domain: String(value == null ? '' : value) }).domain || null;
}

/** How long a 429 asks us to wait, in ms (null when it does not say): the engine reads the headers (src/retry.rs). */
function retryAfterMs(headers, nowMs = Date.now()) {
  if (!headers || typeof headers.get !== 'function') return null;
  const r = currentEngine().retryAfterMs({ retry_after: headers.get('retry-after'), rate_limit_reset: headers.get('x-ratelimit-reset'), now_ms: nowMs });
  return r.wait_ms;
}

function parseBody(text) {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The engine's reading of a refused reply: `{refusal, scopes?}` (src/refusal.rs). */
function classifyRefusal(status, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body == null ? {} : body);
  return currentEngine().classifyApiRefusal({ status, body: text });
}

/** A short description of an error reply (OAuth or Management shape). */
function describe(status, body) {
  if (body && typeof body === 'object') {
    const code = body.error && body.error_description !== undefined ? body.error : body.errorCode || body.error;
    const msg = body.error_description !== undefined ? body.error_description : body.message;
    return `HTTP ${status}${code ? ` ${code}` : ''}${msg ? `: ${msg}` : ''}`;
  }
  const text = String(body || '')
    .replace(/\s+/g, ' ')
    .trim();
  return `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

/** Why a request got no reply: the proxy's failure, "timed out", a socket error code (ECONNREFUSED...), or the message. */
function noReplyReason(err) {
  for (let e = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (e instanceof net.ProxyError) return e.message;
    if (e === 'timeout' || e instanceof ManagementTimeoutError || e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
    // The SDK's TokenProvider reports its own timeout as a 408 without a body.
    if (e.statusCode === 408 && e.body === undefined) return 'timed out';
    if (e.code) return e.code;
  }
  return (err && err.message) || String(err);
}

/** The proxy's own failure in `err`'s cause chain (net.js), or null. */
function proxyErrorOf(err) {
  for (let e = err, depth = 0; e && depth < 5; e = e.cause, depth++) if (e instanceof net.ProxyError) return e;
  return null;
}

/**
 * Whether a request without a reply is worth sending again at once: a refused or reset connection is
 * (a restart, a load balancer); a timeout is not: a host that did not answer within undici's 10 s
 * connect timeout will not 0.2 s later, and three such tries were the half minute of silence before
 * the error (issue #16). Nor is a proxy that refused the tunnel (407, 403): asking again changes nothing.
 */
function worthRepeating(err) {
  const proxy = proxyErrorOf(err);
  if (proxy) return !/HTTP \d+/.test(proxy.reason);
  const why = noReplyReason(err);
  return why !== 'timed out' && !/TIMEOUT/.test(why);
}

/** Whether an SDK error carries an HTTP reply (else the request got none: network, timeout). */
function hasReply(err) {
  if (!(err instanceof ManagementError) || err instanceof ManagementTimeoutError || typeof err.statusCode !== 'number') return false;
  // The SDK's TokenProvider reports its own timeout as a 408 without a body.
  return !(err.statusCode === 408 && err.body === undefined);
}

/** The granted scopes of a Management API token, from its `scope` claim (the token is a JWT). */
function scopesOf(token) {
  try {
    const claims = JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString('utf8'));
    return String(claims.scope || '')
      .split(/\s+/)
      .filter(Boolean);
  } catch {
    return [];
  }
}

class Auth0Client {
  /**
   * @param {object} o
   * @param {string} o.domain the tenant's domain (host[:port])
   * @param {string} o.clientId
   * @param {string} o.clientSecret
   * @param {string} [o.audience] default https://{domain}/api/v2/
   * @param {string} o.label 'old tenant' | 'new tenant', for messages
   * @param {string} o.secretEnv the variable the secret came from, for messages
   * @param {import('./output').Output} o.out
   */
  constructor({ domain, clientId, clientSecret, audience, label, secretEnv, out }) {
    const d = normaliseDomain(domain);
    if (!d) {
      throw new UsageError(`${label}: "${domain}" is not a domain`, {
        hint: "give the tenant's canonical domain over HTTPS, e.g. tenant.eu.auth0.com or host:port (no http://, path or credentials)",
      });
    }
    this.domain = d;
    this.base = `https://${d}`;
    this.clientId = clientId;
    this.label = label;
    this.secretEnv = secretEnv;
    this.out = out;
    this.audience = audience || `https://${d}/api/v2/`;
    this.tokenValue = null;
    this.grantedScopes = null;
    out.addSecret(clientSecret);
    // Kept for the password-realm login of `doctor --live` / `try --remote` only; not enumerable, so
    // no dump of the client shows it.
    Object.defineProperty(this, 'clientSecret', { value: clientSecret, enumerable: false });
    const send = (url, init) => this.send(url, init);
    this.tokens = new TokenProvider({ domain: d, clientId, clientSecret, audience: this.audience, fetch: send });
    this.sdk = new ManagementClient({ domain: d, token: () => this.token(), fetch: send, maxRetries: MAX_RETRIES, timeoutInSeconds: REQUEST_TIMEOUT_S });
  }

  /** A Management API token (the SDK's client-credentials TokenProvider), registered for redaction. */
  async token() {
    let value;
    for (let tries = 0; ; tries++) {
      try {
        value = await this.tokens.getAccessToken();
        break;
      } catch (err) {
        // The TokenProvider sends the token request once; a 429 or 5xx there is tried again here.
        const status = hasReply(err) ? err.statusCode : 0;
        if ((status === 429 || status >= 500) && tries < TOKEN_RETRIES) {
          const wait = 1000 * 2 ** tries;
          this.out.info(`${this.label}: token request: ${describe(status, err.body)}; waiting ${(wait / 1000).toFixed(1)} s`);
          await sleep(wait);
          continue;
        }
        throw this.tokenError(err);
      }
    }
    if (typeof value !== 'string' || value === '') throw new UpstreamError(`${this.label}: the token request failed (no access_token in the reply)`);
    if (value !== this.tokenValue) {
      this.tokenValue = value;
      this.out.addSecret(value);
      this.grantedScopes = scopesOf(value);
    }
    return value;
  }

  tokenError(err) {
    if (err instanceof CliError) return err;
    if (!hasReply(err)) return this.unreachable(err);
    const status = err.statusCode;
    const body = err.body;
    const what = describe(status, body);
    const fail = (message, hint) => new UpstreamError(`${this.label}: ${message} (${what})`, { hint, status, body });
    // What the refusal means is the engine's reading (src/oauth.rs, shared with the scripts); the
    // wording of the fix for this tool's own app is ours.
    const text = typeof body === 'string' ? body : JSON.stringify(body || {});
    const { refusal } = currentEngine().classifyTokenRefusal({ status, body: text });
    if (refusal === 'credentials_refused') return fail(`client id ${this.clientId} or its secret was refused`, `check the client id and ${this.secretEnv}`);
    if (refusal === 'grant_not_allowed') {
      return fail('the app may not use the Client Credentials grant', 'Applications > (the app) > Advanced Settings > Grant Types: enable Client Credentials');
    }
    if (refusal === 'not_authorised_for_api') {
      return fail('the app is not authorised for the Management API', 'Applications > APIs > Auth0 Management API > Machine to Machine Applications: authorise the app');
    }
    if (refusal === 'unknown_audience') return fail(`no API with audience ${this.audience}`, "use the tenant's canonical domain (not a custom domain), or set the audience");
    return fail('the token request failed');
  }

  unreachable(err) {
    const proxy = proxyErrorOf(err);
    return new UpstreamError(`${this.label}: cannot reach ${this.base} (${noReplyReason(err)})`, {
      hint: proxy ? proxy.hint : 'check the domain and your network; behind a proxy, set HTTPS_PROXY (and NO_PROXY for hosts reached directly)',
      unreachable: true,
    });
  }

  /** An SDK error of the Management API call `what` ("GET /api/v2/...") as an UpstreamError. */
  apiError(what, err) {
    if (err instanceof CliError) return err;
    if (!hasReply(err)) return this.unreachable(err);
    return this.replyError(what, err.statusCode, err.body, err.rawResponse && err.rawResponse.headers);
  }

  /** A refused reply (`status`, parsed `body`, its headers) of the call `what` as an UpstreamError. */
  replyError(what, status, body, headers) {
    // What the refusal means is the engine's reading (src/refusal.rs); the fix's wording is ours.
    const r = classifyRefusal(status, body);
    const hint = r.refusal === 'insufficient_scope' ? `grant the app the scope ${r.scopes || 'it needs'} (Applications > APIs > Auth0 Management API > Machine to Machine Applications)` : undefined;
    const e = new UpstreamError(`${this.label}: ${what} failed (${describe(status, body)})`, { hint, status, body });
    e.refusal = r.refusal;
    if (status === 429) e.retryAfterMs = retryAfterMs(headers);
    return e;
  }

  /**
   * The fetch the SDK sends through (net.js: the proxy, --debug). It repeats a request that got no
   * reply when that is safe (a GET, the token request) and worth it (worthRepeating), saying so before
   * each wait, and announces each wait the SDK is about to make; it changes no reply.
   */
  async send(url, init = {}) {
    const method = String(init.method || 'GET').toUpperCase();
    const target = new URL(String(url));
    const isToken = target.pathname === '/oauth/token';
    const repeatable = method === 'GET' || isToken;
    for (let tries = 0; ; tries++) {
      let res;
      try {
        res = await net.fetch(url, init);
      } catch (err) {
        if (repeatable && tries < NETWORK_RETRIES && worthRepeating(err) && !(init.signal && init.signal.aborted)) {
          const wait = 200 * (tries + 1);
          this.out.info(`${this.label}: no reply from ${target.origin}${target.pathname} (${noReplyReason(err)}); trying again in ${(wait / 1000).toFixed(1)} s (${tries + 1} of ${NETWORK_RETRIES})`);
          await sleep(wait);
          continue;
        }
        throw err;
      }
      const call = inCall.getStore();
      if (call && !isToken) await this.announce(call, res);
      return res;
    }
  }

  /** Says what the SDK's retry is about to do with this reply (it waits, then sends it again). */
  async announce(call, res) {
    const status = res.status;
    if (status !== 429 && status !== 408 && status < 500) {
      call.used = 0;
      return;
    }
    call.used += 1;
    if (call.used > call.retries) return; // the SDK gives up: the error says the rest
    const body = parseBody(
      await res
        .clone()
        .text()
        .catch(() => '')
    );
    // The SDK's rule, for the message: the asked wait, else 1 s doubling (both give or take a jitter).
    const asked = retryAfterMs(res.headers);
    const wait = Math.min(asked > 0 ? asked : 1000 * 2 ** (call.used - 1), MAX_WAIT_MS);
    const why = status === 429 ? `rate limited (${describe(status, body)})` : describe(status, body);
    this.out.info(`${this.label}: ${why}; waiting ${(wait / 1000).toFixed(1)} s`);
  }

  /** Runs `fn(sdk, requestOptions)`; SDK errors become UpstreamError naming `what`. */
  async call(what, fn, { retries = MAX_RETRIES } = {}) {
    try {
      return await inCall.run({ retries, used: 0 }, () => fn(this.sdk, { maxRetries: retries, timeoutInSeconds: REQUEST_TIMEOUT_S }));
    } catch (err) {
      throw this.apiError(what, err);
    }
  }

  /** GET /api/v2/connections: the connections matching `query` ({name, strategy, fields}), every page. */
  listConnections(query) {
    return this.call('GET /api/v2/connections', async (sdk, opts) => {
      let page = await sdk.connections.list(query, opts);
      // The SDK reads the paginated shape ({connections, next}); Auth0's reference also shows a bare
      // array, which the SDK would read as empty. Both are taken.
      if (Array.isArray(page.response)) return page.response;
      const all = [...page.data];
      while (page.hasNextPage()) {
        page = await page.getNextPage();
        all.push(...page.data);
      }
      return all;
    });
  }

  getConnection(id) {
    return this.call(`GET /api/v2/connections/${id}`, (sdk, opts) => sdk.connections.get(id, {}, opts));
  }

  /** PATCH /api/v2/connections/{id} (body as given: Auth0 replaces `options` and `metadata` whole). */
  updateConnection(id, body) {
    return this.call(`PATCH /api/v2/connections/${id}`, (sdk, opts) => sdk.connections.update(id, body, opts));
  }

  /** POST /api/v2/connections (scope create:connections): the new connection as Auth0 answers it. */
  createConnection(body) {
    return this.call('POST /api/v2/connections', (sdk, opts) => sdk.connections.create(body, opts));
  }

  /** DELETE /api/v2/connections/{id} (scope delete:connections); Auth0 deletes its users with it. */
  deleteConnection(id) {
    return this.call(`DELETE /api/v2/connections/${id}`, (sdk, opts) => sdk.connections.delete(id, opts));
  }

  /**
   * One password-realm login of this app (POST /oauth/token, grant
   * http://auth0.com/oauth/grant-type/password-realm, scope openid profile email) through the same
   * fetch as every call (net.js). Sent once: a login is not repeated behind the operator's back.
   * Resolves `{status, body}` for any reply (the caller reads refusals); throws UpstreamError when
   * there is none. By hand, not through the SDK's AuthenticationClient: that one lives in
   * `auth0/legacy` with a fetch and retry of its own, and the reply must be read whatever it is.
   */
  async passwordRealmLogin({ realm, username, password }) {
    const body = new URLSearchParams({
      grant_type: 'http://auth0.com/oauth/grant-type/password-realm',
      realm,
      username,
      password,
      client_id: this.clientId,
      client_secret: this.clientSecret,
      scope: 'openid profile email',
    });
    let res;
    try {
      res = await net.fetch(`${this.base}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_S * 1000),
      });
    } catch (err) {
      throw this.unreachable(err);
    }
    return { status: res.status, body: parseBody(await res.text().catch(() => '')) };
  }

  /** A 5xx retried by the SDK may leave an extra export job behind: harmless, an export changes nothing. */
  createUsersExport(body) {
    return this.call('POST /api/v2/jobs/users-exports', (sdk, opts) => sdk.jobs.usersExports.create(body, opts));
  }

  /**
   * POST /api/v2/jobs/users-imports, sent once: a 429 comes back as an error with `retryAfterMs` for
   * the caller to wait out (`tail`: the tenant's 2 import slots may be taken for minutes). The body is
   * built here (multipart.js says why not through the SDK) and sent through the same fetch as every
   * SDK call (`send`: net.js, proxy, --debug); errors read as the SDK's do (apiError).
   * @param {{connectionId: string, file: {name: string, text: string}, externalId?: string}} o
   */
  async createUsersImport({ connectionId, file, externalId }) {
    const what = 'POST /api/v2/jobs/users-imports';
    const fields = { connection_id: connectionId, upsert: false, send_completion_email: false, ...(externalId ? { external_id: externalId } : {}) };
    const { body, contentType } = multipart(fields, file);
    let res;
    try {
      const headers = { authorization: `Bearer ${await this.token()}`, 'content-type': contentType, accept: 'application/json' };
      res = await this.send(`${this.base}/api/v2/jobs/users-imports`, { method: 'POST', headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_S * 1000) });
    } catch (err) {
      throw err instanceof CliError ? err : this.unreachable(err);
    }
    const reply = parseBody(await res.text().catch(() => ''));
    if (res.status >= 200 && res.status < 300 && reply && typeof reply === 'object') return reply;
    throw this.replyError(what, res.status, reply, res.headers);
  }

  getJob(id) {
    return this.call(`GET /api/v2/jobs/${id}`, (sdk, opts) => sdk.jobs.get(id, opts));
  }

  jobErrors(id) {
    return this.call(`GET /api/v2/jobs/${id}/errors`, (sdk, opts) => sdk.jobs.errors.get(id, opts));
  }

  /** GET /api/v2/users (search): the reply as sent (`{users, total, ...}` with include_totals). */
  searchUsers(query) {
    return this.call('GET /api/v2/users', async (sdk, opts) => (await sdk.users.list(query, opts)).response);
  }

  usersByEmail(email) {
    return this.call('GET /api/v2/users-by-email', (sdk, opts) => sdk.users.listUsersByEmail({ email }, opts));
  }

  /**
   * GET /api/v2/logs, one request (scope read:logs): `{from, take}` reads by checkpoint, else `{q, sort,
   * page, perPage}` searches. Returns `{logs, next}`: the events, and the `from`/`take` of the Link
   * header's rel="next" URL, which Auth0 asks clients to follow
   * (https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api). The SDK's
   * `logs.list` (auth0 7.x) has no `from`/`take`/`q` parameters, so they go in as extra query parameters;
   * the page/per_page it always adds are ignored by Auth0 in checkpoint mode. Both reply shapes (a bare
   * array, `{logs, total}`) are read.
   */
  listLogs({ from, take, q, sort, page = 0, perPage = 100 }) {
    const checkpoint = from !== undefined || take !== undefined;
    const extra = checkpoint ? { from, take } : { q, sort };
    return this.call('GET /api/v2/logs', async (sdk, opts) => {
      const res = await sdk.logs.list(checkpoint ? {} : { page, per_page: perPage, include_totals: false }, { ...opts, queryParams: extra });
      const body = res.response;
      const logs = Array.isArray(body) ? body : (body && Array.isArray(body.logs) && body.logs) || [];
      const headers = res.rawResponse && res.rawResponse.headers;
      const link = headers && typeof headers.get === 'function' ? headers.get('link') : null;
      const m = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link || '');
      let next = null;
      if (m) {
        try {
          const u = new URL(m[1]);
          next = { from: u.searchParams.get('from'), take: u.searchParams.get('take') };
        } catch {
          next = null;
        }
      }
      return { logs, next };
    });
  }

  /**
   * A public JSON document of the tenant (OIDC discovery, JWKS): no token, one request. Returns
   * {status, body}; throws UpstreamError (unreachable) when there is no reply.
   */
  async publicJson(url) {
    let res;
    try {
      res = await net.fetch(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_S * 1000) });
    } catch (err) {
      throw this.unreachable(err);
    }
    return { status: res.status, body: parseBody(await res.text().catch(() => '')) };
  }
}

/**
 * The Authentication API's `POST /dbconnections/change_password` (it sends the reset email), through
 * the SDK's AuthenticationClient (`auth0/legacy`: auth0 7.x ships its Authentication API client only
 * there), with its retry off: reset-passwords paces the requests and waits out each 429 itself, per
 * user, and must know of every reply. Returns `post(email) -> {status, headers, body}` for any HTTP
 * reply; throws UpstreamError (unreachable) when there is none.
 */
function changePasswordSender({ domain, clientId, connection, label, unreachableHint }) {
  const { AuthenticationClient } = require('auth0/legacy');
  const auth = new AuthenticationClient({ domain, clientId, timeoutDuration: REQUEST_TIMEOUT_S * 1000, retry: { enabled: false }, fetch: net.fetch });
  return async (email) => {
    try {
      const r = await auth.database.changePassword({ email, connection });
      return { status: r.status, headers: r.headers, body: r.data };
    } catch (err) {
      // AuthApiError and ResponseError carry the reply: status, raw body text, headers.
      if (err && typeof err.statusCode === 'number') return { status: err.statusCode, headers: err.headers, body: parseBody(String(err.body ?? '')) };
      const proxy = proxyErrorOf(err);
      throw new UpstreamError(`${label}: cannot reach https://${domain} (${noReplyReason(err)})`, { hint: proxy ? proxy.hint : unreachableHint, unreachable: true });
    }
  };
}

/** The old tenant's Management API client, as the scripts' settings name it (the Migration App). */
function oldTenantClient(settings, out) {
  return new Auth0Client({
    domain: settings.Domain,
    clientId: settings.Client_ID,
    clientSecret: settings.Client_Secret,
    audience: settings.Audience,
    label: 'old tenant',
    secretEnv: 'ALM_CLIENT_SECRET',
    out,
  });
}

/** The new tenant's Management API client: this tool's own app there (options.newTenant). */
function newTenantClient(target, out) {
  return new Auth0Client({ domain: target.domain, clientId: target.clientId, clientSecret: target.clientSecret, label: 'new tenant', secretEnv: 'ALM_NEW_CLIENT_SECRET', out });
}

module.exports = { Auth0Client, oldTenantClient, newTenantClient, changePasswordSender, retryAfterMs, classifyRefusal, describe, sleep };
