'use strict';
/**
 * A small Auth0 client over the global fetch: client-credentials tokens and Management API calls.
 *
 * - 429 is retried after the time the reply asks for (Retry-After in seconds or as a date, else
 *   X-RateLimit-Reset in epoch seconds, else a growing backoff), for every method: a 429 means the
 *   request was not processed. 5xx replies and network failures are retried for reads only.
 * - Errors become UpstreamError (exit 3) with a message that names the setup step to fix, never a
 *   secret: the token and the client secret are registered with the output for redaction.
 * - The token is requested once per client and renewed once if the API says it expired.
 */

const { UpstreamError, UsageError } = require('./errors');

const REQUEST_TIMEOUT_MS = 30000;
const MAX_429_RETRIES = 8;
const MAX_5XX_RETRIES = 3;
const MAX_NETWORK_RETRIES = 2;
const MAX_WAIT_MS = 60000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `host`, `host:port`, `https://host/` -> `host[:port]` (lower case), or null. Requests are always
 * HTTPS. For the new tenant's domain, which no script reads; the old tenant's `Domain` is checked by
 * the engine itself (js/cli/settings.js), with the same rules: host characters, a port of 1-65535.
 */
function normaliseDomain(value) {
  let d = String(value || '').trim();
  d = d.replace(/^https:\/\//i, '').replace(/\/+$/, '');
  const m = /^([a-z0-9][a-z0-9.-]*)(?::(\d{1,5}))?$/i.exec(d);
  if (!m || (m[2] !== undefined && !(Number(m[2]) >= 1 && Number(m[2]) <= 65535))) return null;
  return d.toLowerCase();
}

/** How long a 429 asks us to wait, in ms (null when it does not say). */
function retryAfterMs(headers, nowMs = Date.now()) {
  const ra = headers.get('retry-after');
  if (ra !== null && ra !== '') {
    if (/^\d+(\.\d+)?$/.test(ra.trim())) return Number(ra) * 1000;
    const at = Date.parse(ra);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  const reset = headers.get('x-ratelimit-reset');
  if (reset !== null && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - nowMs);
  return null;
}

function parseBody(text) {
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
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
    this.clientSecret = clientSecret;
    this.audience = audience || `https://${d}/api/v2/`;
    this.label = label;
    this.secretEnv = secretEnv;
    this.out = out;
    this.tokenValue = null;
    this.grantedScopes = null;
    this.waits = []; // ms waited on 429s, for reports and tests
    out.addSecret(clientSecret);
  }

  /** One HTTP exchange with retries. Returns {status, headers, body}. Throws UpstreamError on network failure. */
  async exchange(url, init, { idempotent, max429 = MAX_429_RETRIES }) {
    let tries429 = 0;
    let tries5xx = 0;
    for (;;) {
      let res;
      try {
        res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs || REQUEST_TIMEOUT_MS) });
      } catch (err) {
        if (idempotent && tries5xx < MAX_NETWORK_RETRIES) {
          tries5xx += 1;
          await sleep(200 * tries5xx);
          continue;
        }
        const why = err && err.name === 'TimeoutError' ? 'timed out' : (err && err.cause && (err.cause.code || err.cause.message)) || (err && err.message);
        throw new UpstreamError(`${this.label}: cannot reach ${this.base} (${why})`, {
          hint: 'check the domain, your network and proxy settings',
          unreachable: true,
        });
      }
      const text = await res.text().catch(() => '');
      const body = parseBody(text);
      if (res.status === 429 && tries429 < max429) {
        tries429 += 1;
        let wait = retryAfterMs(res.headers);
        if (wait === null) wait = Math.min(1000 * 2 ** (tries429 - 1), 30000);
        wait = Math.min(wait, MAX_WAIT_MS);
        this.waits.push(wait);
        this.out.info(`${this.label}: rate limited (${describe(429, body)}); waiting ${(wait / 1000).toFixed(1)} s`);
        await sleep(wait);
        continue;
      }
      if (res.status >= 500 && idempotent && tries5xx < MAX_5XX_RETRIES) {
        tries5xx += 1;
        await sleep(250 * 2 ** tries5xx);
        continue;
      }
      return { status: res.status, headers: res.headers, body };
    }
  }

  /** A Management API token (client credentials), cached. */
  async token() {
    if (this.tokenValue) return this.tokenValue;
    const r = await this.exchange(
      `${this.base}/oauth/token`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: this.clientId, client_secret: this.clientSecret, audience: this.audience }),
      },
      { idempotent: true }
    );
    if (r.status !== 200 || !r.body || typeof r.body.access_token !== 'string') throw this.tokenError(r);
    this.tokenValue = r.body.access_token;
    this.out.addSecret(this.tokenValue);
    this.grantedScopes = String(r.body.scope || '')
      .split(/\s+/)
      .filter(Boolean);
    return this.tokenValue;
  }

  tokenError(r) {
    const b = r.body && typeof r.body === 'object' ? r.body : {};
    const what = describe(r.status, r.body);
    const err = (message, hint) => new UpstreamError(`${this.label}: ${message} (${what})`, { hint, status: r.status, body: r.body });
    if (b.error === 'access_denied' && /^Unauthorized$/i.test(b.error_description || '')) {
      return err(`client id ${this.clientId} or its secret was refused`, `check the client id and ${this.secretEnv}`);
    }
    if (b.error === 'invalid_client') return err(`client id ${this.clientId} or its secret was refused`, `check the client id and ${this.secretEnv}`);
    if (b.error === 'unauthorized_client') {
      return err('the app may not use the Client Credentials grant', 'Applications > (the app) > Advanced Settings > Grant Types: enable Client Credentials');
    }
    if (b.error === 'access_denied' && /not authorized to access|client-grant/i.test(b.error_description || '')) {
      return err('the app is not authorised for the Management API', 'Applications > APIs > Auth0 Management API > Machine to Machine Applications: authorise the app');
    }
    if (b.error === 'access_denied' && /Service not found/i.test(b.error_description || '')) {
      return err(`no API with audience ${this.audience}`, "use the tenant's canonical domain (not a custom domain), or set the audience");
    }
    return err('the token request failed');
  }

  /** Scopes the app lacks among `wanted` (after a token was obtained). */
  async missingScopes(wanted) {
    await this.token();
    return wanted.filter((s) => !this.grantedScopes.includes(s));
  }

  /**
   * A Management API call. `expect`: statuses that are not errors (default 2xx). Returns {status, body, headers}.
   */
  async api(method, path, { query, json, body, headers = {}, expect, timeoutMs, max429 } = {}) {
    const url = new URL(`/api/v2/${path.replace(/^\//, '')}`, this.base);
    for (const [k, v] of Object.entries(query || {})) {
      if (v === undefined) continue;
      for (const x of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(x));
    }
    let renewed = false;
    for (;;) {
      const token = await this.token();
      const init = { method, headers: { authorization: `Bearer ${token}`, ...headers }, timeoutMs };
      if (json !== undefined) {
        init.headers['content-type'] = 'application/json';
        init.body = JSON.stringify(json);
      } else if (body !== undefined) {
        init.body = body;
      }
      const r = await this.exchange(url, init, { idempotent: method === 'GET', max429 });
      if (r.status === 401 && !renewed && /expired/i.test(describe(r.status, r.body))) {
        renewed = true;
        this.tokenValue = null;
        continue;
      }
      const ok = expect ? expect.includes(r.status) : r.status >= 200 && r.status < 300;
      if (!ok) throw this.apiError(method, url.pathname, r);
      return r;
    }
  }

  apiError(method, pathname, r) {
    const what = describe(r.status, r.body);
    const b = r.body && typeof r.body === 'object' ? r.body : {};
    let hint;
    if (r.status === 403 && (b.errorCode === 'insufficient_scope' || /scope/i.test(b.message || ''))) {
      const m = /expected any of: ([\w:, ]+)/.exec(b.message || '');
      hint = `grant the app the scope ${m ? m[1].trim() : 'it needs'} (Applications > APIs > Auth0 Management API > Machine to Machine Applications)`;
    }
    const err = new UpstreamError(`${this.label}: ${method} ${pathname} failed (${what})`, { hint, status: r.status, body: r.body });
    if (r.status === 429) err.retryAfterMs = retryAfterMs(r.headers);
    return err;
  }

  get(path, query, opts = {}) {
    return this.api('GET', path, { ...opts, query }).then((r) => r.body);
  }
}

/** GET of a pre-signed download link: no Authorization header (the token must not leave the tenant). */
async function download(url, { label, timeoutMs = 120000 }) {
  let res;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new UpstreamError(`${label}: cannot download the export file (${(err.cause && err.cause.code) || err.message})`);
  }
  const buf = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) {
    throw new UpstreamError(`${label}: the export file could not be downloaded (HTTP ${res.status}: ${buf.toString('utf8').slice(0, 200)})`, {
      hint: 'the link is valid for 60 s after the job completes; run the command again',
    });
  }
  return buf;
}

module.exports = { Auth0Client, download, normaliseDomain, retryAfterMs, describe, sleep };
