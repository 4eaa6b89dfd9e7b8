'use strict';
/**
 * HTTP plumbing for the fake tenant: body parsing, JSON replies, the fault registry and the optional
 * rate limiter. Kept apart from the Auth0 logic so the route modules only compute `{status, body}`.
 */

const { STATUS_CODES } = require('node:http');

const MAX_BODY = 64 * 1024;

/**
 * Reads a request body, capped (64 KB by default; the users-imports route allows more) so a runaway
 * client cannot hang the fake.
 */
function readBody(req, limit = MAX_BODY) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error('body too large'), { code: 'E_TOO_LARGE' }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Parses an /oauth/token body: JSON or form-encoded, as Auth0 accepts both. Returns a plain object of
 * strings, or null when the body cannot be parsed as the declared type.
 */
function parseParams(contentType, buf) {
  const type = String(contentType || '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  const text = buf.toString('utf8');
  if (type === 'application/json') {
    try {
      const obj = JSON.parse(text || '{}');
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return null;
      return obj;
    } catch {
      return null;
    }
  }
  if (type === 'application/x-www-form-urlencoded' || type === '') {
    return Object.fromEntries(new URLSearchParams(text));
  }
  return null;
}

/** Serialises a JSON reply with the headers Auth0 sends on token responses. */
function sendJson(res, status, body, headers = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    pragma: 'no-cache',
    ...headers,
  });
  res.end(text);
}

/** Auth0's two error shapes: the Authentication API's OAuth one and the Management API's one. */
function errorBody(family, status, code, message) {
  if (family === 'management') {
    const body = { statusCode: status, error: STATUS_CODES[status] || 'Error', message: message || STATUS_CODES[status] };
    if (code) body.errorCode = code;
    return body;
  }
  return { error: code || 'server_error', error_description: message || STATUS_CODES[status] || 'Error' };
}

const FAULT_KINDS = new Set(['latency', 'hang', 'status', 'rate_limit', 'reset', 'truncated', 'malformed', 'id_token']);
const ROUTES = new Set([
  'token',
  'discovery',
  'jwks',
  'users-by-email',
  'user',
  'users-search',
  'connections',
  'connection',
  'connection-update',
  'connection-create',
  'connection-delete',
  'users-exports',
  'users-imports',
  'job',
  'job-errors',
  'export-file',
  'change-password',
  'logs',
  '*',
]);
const ID_TOKEN_VARIANTS = new Set(['unknown_kid', 'wrong_key', 'wrong_iss', 'wrong_aud', 'expired', 'alg_none', 'hs256', 'other_user', 'alg_swap']);

/**
 * Fault registry. One fault per route name ('*' = every route without its own). `times: N` makes a
 * fault fire N times, then clear itself.
 */
class Faults {
  constructor() {
    this.map = new Map();
  }

  set(route, fault) {
    if (!ROUTES.has(route)) throw new Error(`faults.set: unknown route '${route}' (one of ${[...ROUTES].join(', ')})`);
    if (!fault || !FAULT_KINDS.has(fault.kind)) throw new Error(`faults.set: unknown fault kind '${fault && fault.kind}'`);
    if (fault.kind === 'id_token' && !ID_TOKEN_VARIANTS.has(fault.variant)) {
      throw new Error(`faults.set: unknown id_token variant '${fault.variant}'`);
    }
    if (fault.times !== undefined && !(Number.isInteger(fault.times) && fault.times > 0)) {
      throw new Error('faults.set: times must be a positive integer');
    }
    this.map.set(route, { ...fault, remaining: fault.times });
  }

  clear(route) {
    if (route === undefined) this.map.clear();
    else this.map.delete(route);
  }

  /** The fault that applies to `route` now, without using it up. */
  peek(route) {
    if (this.map.has(route)) return { key: route, fault: this.map.get(route) };
    if (this.map.has('*')) return { key: '*', fault: this.map.get('*') };
    return null;
  }

  /** Counts one use of the fault registered under `key`. */
  consume(key) {
    const f = this.map.get(key);
    if (f && f.remaining !== undefined && --f.remaining <= 0) this.map.delete(key);
  }

  list() {
    return Object.fromEntries([...this.map].map(([k, v]) => [k, { ...v }]));
  }
}

/**
 * Fixed-window limiter: `perMinute` requests per window per API family; the window opens at the first
 * request (not at a wall-clock minute), which keeps tests deterministic.
 */
class RateLimiter {
  constructor(perMinute, nowSec) {
    this.perMinute = perMinute;
    this.nowSec = nowSec;
    this.windows = new Map();
  }

  /** Returns {allowed, headers}. */
  take(family) {
    const now = this.nowSec();
    let w = this.windows.get(family);
    if (!w || now >= w.reset) {
      w = { reset: Math.ceil(now) + 60, used: 0 };
      this.windows.set(family, w);
    }
    const allowed = w.used < this.perMinute;
    if (allowed) w.used++;
    const headers = {
      'x-ratelimit-limit': String(this.perMinute),
      'x-ratelimit-remaining': String(Math.max(0, this.perMinute - w.used)),
      'x-ratelimit-reset': String(w.reset),
    };
    if (!allowed) headers['retry-after'] = String(Math.max(1, Math.ceil(w.reset - now)));
    return { allowed, headers };
  }
}

module.exports = { readBody, parseParams, sendJson, errorBody, Faults, RateLimiter };
