'use strict';
/**
 * The one fetch every HTTP request of the command line goes through: the SDK's (auth0.js hands it as
 * `fetch` to ManagementClient, TokenProvider and the legacy AuthenticationClient), the export
 * download (stream/download.js) and `publicJson`, and the built scripts run in the sandbox emulation
 * by `try`, `deploy` and `doctor` (they call the global `fetch`, which main.js points here with
 * `install`).
 *
 * Why one door:
 * - Corporate networks. Node's own fetch ignores HTTPS_PROXY. When one of HTTPS_PROXY, https_proxy,
 *   HTTP_PROXY, http_proxy is set, requests go through undici's EnvHttpProxyAgent (the package
 *   `undici`, pinned; NO_PROXY / no_proxy honoured) with undici's own fetch: npm undici's dispatcher
 *   handed to Node's bundled fetch breaks whenever the two undici versions differ, which they do across
 *   Node 18, 20 and 22. With no proxy variable, Node's fetch is used as before. Trust comes from Node's
 *   TLS defaults either way, so NODE_EXTRA_CA_CERTS keeps working through a proxy.
 * - A support ticket needs the requests: with --debug, one stderr line each, after its reply headers:
 *   method, URL, status, milliseconds and Auth0's request id (the `x-auth0-requestid` reply header, as
 *   captured from real tenants' replies, e.g. a /oauth/token 200 carrying `X-Auth0-RequestId:
 *   c629c3e05e0881e81315`, and an Auth0 error page whose "TRACKING ID" is that header's value). Never
 *   a header, a body, a query value named like a secret, nor a pre-signed link's path (its token).
 * - A proxy that refuses or cannot be reached is named in the error (ProxyError, in the `cause` chain
 *   of whatever the SDK throws), with the fix, instead of a bare ECONNREFUSED that points at Auth0.
 */

const { performance } = require('node:perf_hooks');
const { UsageError } = require('./errors');

const REQUEST_ID_HEADER = 'x-auth0-requestid';
/** Query parameter names whose values are never printed (a pre-signed link's signature, a code...). */
const SECRET_PARAM = /sig|token|secret|password|credential|key|code|auth|session/i;
/** The variables a proxy is read from, in the order that wins for an https:// request (undici's). */
const PROXY_VARS = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'];

/** Node's own fetch, kept before `install` replaces the global. */
const nodeFetch = globalThis.fetch;

const state = { out: null, debug: false, proxy: null, fetch: null, lastProxyError: null };

/** Thrown when the proxy itself failed (refused, unreachable, said no to the tunnel). */
class ProxyError extends Error {
  constructor(proxy, reason, cause) {
    super(`the proxy ${proxy.shown} (from ${proxy.from}) ${reason}`);
    this.name = 'ProxyError';
    this.proxy = proxy;
    this.reason = reason;
    this.cause = cause;
    this.hint = `check ${proxy.from} (and NO_PROXY for hosts reached directly), or unset it if this network needs no proxy`;
  }
}

const firstSet = (env, names) => names.find((n) => typeof env[n] === 'string' && env[n].trim() !== '');

/**
 * The proxy the environment names, or null: {url, shown (host:port, never credentials), from (the
 * variable), noProxy, secrets (the URL's password, to redact)}. A value that is no URL is a usage error
 * that names the variable, not the value (it may hold a password).
 */
function proxyFromEnv(env) {
  const from = firstSet(env, PROXY_VARS);
  if (!from) return null;
  const raw = env[from].trim();
  let url;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new UsageError(`${from} is not a proxy URL`, { hint: `set ${from} to the proxy's URL, e.g. http://proxy.example:3128 (or http://user:password@proxy.example:3128)` });
  }
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const noFrom = firstSet(env, ['no_proxy', 'NO_PROXY']);
  const secrets = [raw, url.password, decodeSafe(url.password)].filter(Boolean);
  return { url: url.href, shown: `${url.hostname}:${port}`, host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(port), from, noProxy: noFrom ? env[noFrom].trim() : '', secrets };
}

function decodeSafe(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * Reads the proxy settings of `env` and where debug lines go. Called once by main.js before a command
 * runs; throws UsageError for a proxy variable that is no URL.
 */
function configure({ env = process.env, out = null, debug = false } = {}) {
  const proxy = proxyFromEnv(env);
  state.out = out;
  state.debug = !!debug && !!out;
  state.proxy = proxy;
  state.fetch = null;
  if (proxy && out) for (const s of proxy.secrets) out.addSecret(s);
  if (state.debug) {
    say(proxy ? `proxy ${proxy.shown} (from ${proxy.from})${proxy.noProxy ? `; not for NO_PROXY ${proxy.noProxy}` : ''}` : 'no proxy (none of HTTPS_PROXY, HTTP_PROXY is set)');
  }
}

function say(text) {
  if (state.out) state.out.info(`debug: ${text}`);
}

/**
 * undici's fetch bound to an EnvHttpProxyAgent for the configured proxy (made at the first request).
 */
function proxiedFetch() {
  if (state.fetch) return state.fetch;
  const undici = require('undici');
  const p = state.proxy;
  // Its one-time "experimental" warning is dropped by warnings.js.
  require('./warnings').install();
  const dispatcher = new undici.EnvHttpProxyAgent({ httpProxy: p.url, httpsProxy: p.url, noProxy: p.noProxy });
  state.fetch = (url, init) => undici.fetch(url, { ...init, dispatcher });
  return state.fetch;
}

/** `url` for a debug line: the query values named like secrets masked; a pre-signed link's path hidden. */
function shownUrl(url, { presigned = false } = {}) {
  let u;
  try {
    u = new URL(String(url));
  } catch {
    return '(unparsable URL)';
  }
  if (presigned) return `${u.origin}/... (pre-signed link; path and query not shown)`;
  for (const k of [...u.searchParams.keys()]) if (SECRET_PARAM.test(k)) u.searchParams.set(k, '***');
  return `${u.origin}${u.pathname}${u.search}`;
}

/** The failure's code (ECONNREFUSED...), or its message, walking the `cause` chain. */
function failureCode(err) {
  for (let e = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
    if (e.code && typeof e.code === 'string') return e.code;
  }
  return (err && err.message) || String(err);
}

/** A ProxyError when `err` is the proxy's failure (its address refused, or it said no to CONNECT), else null. */
function proxyFailure(err) {
  const p = state.proxy;
  if (!p) return null;
  for (let e = err, depth = 0; e && depth < 5; e = e.cause, depth++) {
    const m = /^Proxy (?:Authentication Required \((\d+)\)|response \((\d+)\))/.exec(String(e.message || ''));
    if (m) {
      const status = m[1] || m[2];
      return new ProxyError(p, status === '407' ? 'asked for credentials (HTTP 407 Proxy Authentication Required)' : `refused the tunnel (HTTP ${status})`, err);
    }
    if (e.port === p.port && (e.address === p.host || e.hostname === p.host || e.host === p.host) && e.code) {
      return new ProxyError(p, `cannot be reached (${e.code})`, err);
    }
    if (e.code === 'ENOTFOUND' && e.hostname === p.host) return new ProxyError(p, 'cannot be reached (ENOTFOUND: no such host)', err);
  }
  return null;
}

/**
 * The fetch every request of the command line uses: (url, init) like the global fetch. `meta.presigned`
 * hides the path of a pre-signed link in debug lines. A failure of the proxy itself is rethrown as a
 * ProxyError (the original error its `cause`).
 */
async function netFetch(url, init = {}, meta = {}) {
  const isRequest = typeof url === 'object' && url !== null && typeof url.url === 'string' && !(url instanceof URL);
  const method = String((init && init.method) || (isRequest && url.method) || 'GET').toUpperCase();
  const target = isRequest ? url.url : url;
  const send = state.proxy ? proxiedFetch() : nodeFetch;
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let res;
  try {
    res = await send(url, init);
  } catch (err) {
    const proxyErr = proxyFailure(err);
    if (state.debug) say(`${method} ${shownUrl(target, meta)} -> no reply (${proxyErr ? proxyErr.message : failureCode(err)}), ${ms()} ms`);
    if (proxyErr) state.lastProxyError = proxyErr;
    throw proxyErr || err;
  }
  if (state.debug) {
    const id = res.headers.get(REQUEST_ID_HEADER);
    say(`${method} ${shownUrl(target, meta)} -> ${res.status}, ${ms()} ms, request id ${id || '(none)'}`);
  }
  return res;
}

/**
 * The latest ProxyError, or null: the built scripts read a failed request only as "network", so the
 * probes (proof.js) compare this before and after a run to name the proxy.
 */
function lastProxyError() {
  return state.lastProxyError;
}

/** Points the global `fetch` here, for code that calls it directly (the built scripts in the sandbox). */
function install() {
  globalThis.fetch = netFetch;
}

module.exports = { configure, install, fetch: netFetch, lastProxyError, ProxyError, proxyFromEnv, shownUrl, failureCode, REQUEST_ID_HEADER };
