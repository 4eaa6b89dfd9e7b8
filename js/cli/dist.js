'use strict';
/**
 * The built files the command line ships or deploys: where they are, their text and SHA-256, and how
 * to recognise a script this project wrote (its header comment names `auth0-lazy-migrate`).
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { UpstreamError } = require('./errors');

const ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_DIST = path.join(ROOT, 'dist');
const MARK = 'auth0-lazy-migrate';

const sha256 = (text) => crypto.createHash('sha256').update(text).digest('hex');

function distDir(ctx) {
  const d = ctx.values.dist || ctx.env.ALM_DIST;
  return d ? path.resolve(d) : DEFAULT_DIST;
}

/** Reads a built file: {file, text, sha256, bytes}. Missing -> UpstreamError naming the build step. */
function readDist(dir, rel) {
  const file = path.join(dir, rel);
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UpstreamError(`${path.relative(process.cwd(), file) || file} is missing (${err.code})`, {
      hint: 'build the scripts first: `auth0-lazy-migrate build` (or `make dist` in a clone)',
    });
  }
  return { file, rel, text, sha256: sha256(text), bytes: Buffer.byteLength(text) };
}

/** The leading block comment of a script, or '' (where the build writes its header). */
function headerOf(text) {
  const t = String(text || '').replace(/^\s+/, '');
  if (!t.startsWith('/*')) return '';
  const end = t.indexOf('*/');
  return end < 0 ? '' : t.slice(0, end + 2);
}

/** Whether `text` is a script this project wrote (any version, live or retired). */
function isOurs(text) {
  return headerOf(text).includes(MARK);
}

/** "0.1.0 <commit> (retired)" from a header, for messages; null if not ours. */
function describeScript(text) {
  const h = headerOf(text);
  if (!h.includes(MARK)) return null;
  const v = /auth0-lazy-migrate (\S+)/.exec(h);
  const c = /commit (\S+)/.exec(h);
  return `${v ? v[1] : '?'}${c ? ` ${c[1].slice(0, 12)}` : ''}${/retired/i.test(h) ? ' (retired)' : ''}`;
}

/** dist/engine.js: the same wasm as the scripts, for Node. */
function loadEngine(dir) {
  const file = path.join(dir, 'engine.js');
  if (!fs.existsSync(file)) {
    throw new UpstreamError(`${file} is missing`, { hint: 'build first: `auth0-lazy-migrate build` (or `make dist`)' });
  }
  return require(file);
}

module.exports = { ROOT, DEFAULT_DIST, MARK, sha256, distDir, readDist, headerOf, isOurs, describeScript, loadEngine };
