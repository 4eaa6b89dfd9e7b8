'use strict';
/**
 * Every user of a rest, oidc, cognito or firebase source, listed to a file where the old tenant's export goes, for
 * `tail`, `status` and `retire` (bulk.js exportAndPlan reads it like an export).
 *
 * Only the I/O is here. Which request comes next (URL, page size, cursor, Link header), how it is
 * authenticated, what a page means, when the list is complete and how each listed record maps to
 * the user Auth0 imports are the engine's (dist/engine.js listStep, src/listing.rs): the same
 * mapping as the source's scripts. This module sends what it is told through net.js (proxy,
 * --debug), reads each reply up to the size the engine names, computes the HMAC or RS256 signature
 * it asks for with Node's crypto, and writes each page's records as NDJSON lines `{user_id, email, import}`.
 *
 * All or nothing: the file is written under a temporary name and renamed only once the engine says
 * the last page is read; a listing that fails (a malformed, oversized or looping page, a refusal)
 * leaves no file, so nothing half-listed is planned or imported.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('../net');
const { sleep } = require('../auth0');
const { UpstreamError } = require('../errors');
const { fileLines } = require('./lines');

/** Thrown when the source, as set up, cannot list its users (the caller says so, exit 2). */
class CannotList extends Error {}

/** Sends one request the engine built; the reply as the engine reads it, the body cut at max_body_bytes. */
async function send(request) {
  if (request.delay_ms > 0) await sleep(request.delay_ms);
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), request.timeout_ms || 30000);
  try {
    const res = await net.fetch(request.url, { method: request.method, headers: Object.fromEntries(request.headers), body: request.body, signal: ctl.signal });
    const max = request.max_body_bytes;
    const chunks = [];
    let size = 0;
    for await (const c of res.body || []) {
      chunks.push(c);
      size += c.length;
      if (size >= max) break; // the engine refuses a reply this long: no need to read the rest
    }
    const headers = {};
    for (const h of ['retry-after', 'x-ratelimit-reset', 'link']) if (res.headers.get(h) !== null) headers[h] = res.headers.get(h);
    return { status: res.status, body: Buffer.concat(chunks).subarray(0, max).toString('utf8'), headers };
  } catch (err) {
    return { failure: ctl.signal.aborted ? 'timeout' : `network (${net.failureCode(err)})` };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The signature a step asks for: the rest contract's hex HMAC-SHA256 keyed with the setting
 * `key_setting`, or (`alg: RS256`, firebase's service-account assertion) the base64url RS256
 * signature with the PEM key the engine read from the settings; null when Node cannot (the engine
 * then names the setting, never the key).
 */
function sign(s, settings) {
  if (s.alg === 'RS256') {
    try {
      return crypto.createSign('sha256').update(s.message).sign(s.key, 'base64url');
    } catch {
      return null;
    }
  }
  return crypto
    .createHmac('sha256', String(settings[s.key_setting] || ''))
    .update(s.message)
    .digest('hex');
}

/**
 * Lists every user of `source` ('rest', 'oidc', 'cognito' or 'firebase') with `settings` into `file`. Returns {pages, users}.
 * `progress(users)` is told after each page. Throws CannotList (the engine's `refused`) or an
 * UpstreamError naming `label` (the engine's `error`).
 */
async function listTo(engine, { source, settings, file, label, progress = () => {} }) {
  const tmp = `${file}.${process.pid}.part`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  let closed = false;
  try {
    let state = null;
    let input = {};
    for (;;) {
      const a = engine.listStep({ source, settings, state, now_ms: Date.now(), ...input });
      input = {};
      if (a.refused) throw new CannotList(a.refused);
      if (a.error) throw new UpstreamError(`${label}: ${a.error}`, { hint: 'nothing was imported or changed; fix the source, then run the command again' });
      if (a.done) {
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        closed = true;
        fs.renameSync(tmp, file);
        return a.done;
      }
      state = a.state;
      if (a.sign) {
        input = { signed: sign(a.sign, settings) };
      } else if (a.send) {
        input = { reply: await send(a.send.request) };
      } else if (a.page) {
        const lines = a.page.records.map((r) => JSON.stringify({ user_id: r.id, email: r.email, import: r.import }));
        if (lines.length) fs.writeSync(fd, `${lines.join('\n')}\n`);
        progress(state.users);
      } else {
        throw new UpstreamError(`${label}: internal: the engine answered a listing step with nothing to do`);
      }
    }
  } finally {
    if (!closed) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
    }
  }
}

/**
 * The first page of a listing only (doctor's optional rule): {records, more} (more: the source names
 * a next page). Throws as listTo does.
 */
async function firstPage(engine, { source, settings, label }) {
  let state = null;
  let input = {};
  for (;;) {
    const a = engine.listStep({ source, settings, state, now_ms: Date.now(), ...input });
    input = {};
    if (a.refused) throw new CannotList(a.refused);
    if (a.error) throw new UpstreamError(`${label}: ${a.error}`);
    if (a.done) return { records: [], more: false };
    state = a.state;
    if (a.sign) input = { signed: sign(a.sign, settings) };
    else if (a.send) input = { reply: await send(a.send.request) };
    else if (a.page) return { records: a.page.records, more: !state.done };
  }
}

/** A listed file as bulk.js reads an export: `records()` streams it and counts what it saw in `stats`. */
function listHandle(file, createdAt) {
  const stats = { total: 0, kept: 0, byConnection: new Map() };
  return {
    file,
    jobId: null,
    connectionId: null,
    wholeTenant: false,
    createdAt,
    stats,
    get count() {
      return stats.kept;
    },
    async *records() {
      for await (const line of fileLines(file)) {
        if (!line) continue;
        stats.total += 1;
        stats.kept += 1;
        yield JSON.parse(line);
      }
    },
  };
}

module.exports = { listTo, firstPage, listHandle, send, CannotList };
