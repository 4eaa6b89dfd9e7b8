'use strict';
/**
 * Downloads an export file to disk as it arrives: the response body is piped to a temporary file,
 * fsync'd and renamed, so the file is whole or absent and never in memory.
 *
 * Why to disk: a large export is read twice (the join, then the import files) and a resumed `tail`
 * reuses it (tail.js reusableExport); holding it in memory is what made tail and status grow by
 * about 350 MB per 100k users. The link is pre-signed: no Authorization header (the token must not leave the tenant),
 * and --debug shows its host only (net.js `presigned`). An idle timer, not a total one, bounds the
 * wait: a gigabyte takes minutes, but a transfer that stalls for IDLE_MS is given up.
 */

const fs = require('node:fs');
const { Readable, Transform } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const net = require('../net');
const { UpstreamError } = require('../errors');

const IDLE_MS = 120000;

/**
 * The error of a download that got no (whole) reply. A proxy that failed (net.js ProxyError, in the
 * cause chain) is named with its fix, as for the Management API calls (auth0.js `unreachable`): a
 * bare ECONNREFUSED would point at Auth0's file store, not at HTTPS_PROXY.
 */
function noReply(label, what, err, idleMs, hint) {
  let proxy = null;
  for (let e = err, depth = 0; e && depth < 5 && !proxy; e = e.cause, depth++) if (e instanceof net.ProxyError) proxy = e;
  const why = proxy ? proxy.message : idleMs !== null ? `no data for ${idleMs / 1000} s` : net.failureCode(err);
  const fix = proxy ? proxy.hint : hint;
  return new UpstreamError(`${label}: ${what} (${why})`, fix ? { hint: fix } : undefined);
}

async function downloadTo(url, file, { label, idleMs = IDLE_MS }) {
  const ctl = new AbortController();
  let timer = setTimeout(() => ctl.abort(), idleMs);
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctl.abort(), idleMs);
  };
  const tmp = `${file}.${process.pid}.part`;
  try {
    let res;
    try {
      res = await net.fetch(url, { signal: ctl.signal }, { presigned: true });
    } catch (err) {
      throw noReply(label, 'cannot download the export file', err, ctl.signal.aborted ? idleMs : null);
    }
    if (res.status !== 200) {
      const text = await res.text().catch(() => '');
      throw new UpstreamError(`${label}: the export file could not be downloaded (HTTP ${res.status}: ${text.slice(0, 200)})`, {
        hint: 'the link is valid for 60 s after the job completes; run the command again',
      });
    }
    const idle = new Transform({
      transform(chunk, _enc, cb) {
        touch();
        cb(null, chunk);
      },
    });
    try {
      await pipeline(Readable.from(res.body), idle, fs.createWriteStream(tmp, { mode: 0o600 }));
    } catch (err) {
      throw noReply(label, 'the export download broke off', err, ctl.signal.aborted ? idleMs : null, 'run the command again');
    }
    const fd = fs.openSync(tmp, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    return fs.statSync(file).size;
  } finally {
    clearTimeout(timer);
    fs.rmSync(tmp, { force: true });
  }
}

module.exports = { downloadTo, IDLE_MS };
