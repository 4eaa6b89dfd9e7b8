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

const REBUILD = 'rebuild with `make dist` (or `auth0-lazy-migrate build`); never edit the built files';
const shown = (file) => path.relative(process.cwd(), file) || file;

/** manifest.json of a dist folder, read once per folder. Missing or unreadable -> UpstreamError. */
const manifests = new Map();
function manifestOf(dir) {
  if (manifests.has(dir)) return manifests.get(dir);
  const file = path.join(dir, 'manifest.json');
  let m;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UpstreamError(`${shown(file)} is ${err.code === 'ENOENT' ? 'missing' : `unreadable (${err.code || err.message})`}: the built files cannot be checked against it`, { hint: REBUILD });
  }
  if (!m || !Array.isArray(m.artifacts)) {
    throw new UpstreamError(`${shown(file)} lists no artifacts: the built files cannot be checked against it`, { hint: REBUILD });
  }
  manifests.set(dir, m);
  return m;
}

/**
 * Refuses a built file whose bytes are not the ones the build wrote (dist/manifest.json), and
 * returns their SHA-256 otherwise: a hand-edited script keeps its original header, so the header
 * alone would vouch for a change nobody reviewed, and deploy would install it as if it were the build.
 */
function verifyDist(dir, rel, bytes) {
  const m = manifestOf(dir);
  const entry = m.artifacts.find((a) => a && a.file === rel);
  const file = shown(path.join(dir, rel));
  if (!entry) throw new UpstreamError(`${file} is not listed in ${shown(path.join(dir, 'manifest.json'))}: the build did not write it`, { hint: REBUILD });
  const got = sha256(bytes);
  if (got !== entry.sha256) {
    throw new UpstreamError(`${file} was changed after the build: sha256 ${got.slice(0, 16)}, ${shown(path.join(dir, 'manifest.json'))} says ${String(entry.sha256).slice(0, 16)}`, { hint: REBUILD });
  }
  return got;
}

/**
 * Reads a built file: {file, text, sha256, bytes}, checked against dist/manifest.json. Missing ->
 * UpstreamError naming the build step; changed since the build -> UpstreamError (verifyDist).
 */
function readDist(dir, rel) {
  const file = path.join(dir, rel);
  let buf;
  try {
    buf = fs.readFileSync(file);
  } catch (err) {
    throw new UpstreamError(`${shown(file)} is missing (${err.code})`, {
      hint: 'build the scripts first: `auth0-lazy-migrate build` (or `make dist` in a clone)',
    });
  }
  const hash = verifyDist(dir, rel, buf);
  return { file, rel, text: buf.toString('utf8'), sha256: hash, bytes: buf.length };
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

/**
 * Whether `text` is a retired script of this project, from ANY build: its header's title line reads
 * "auth0-lazy-migrate <version> - retired ...". Recognised by the header, not by comparing with
 * dist/retired, so that a retired script stays recognised after dist/ is rebuilt or deleted (doctor
 * must never advise switching a finished migration back on).
 */
function isRetired(text) {
  return /auth0-lazy-migrate \S+ - retired\b/i.test(headerOf(text));
}

/** "0.1.0 <commit> (retired)" from a header, for messages; null if not ours. */
function describeScript(text) {
  const h = headerOf(text);
  if (!h.includes(MARK)) return null;
  const v = /auth0-lazy-migrate (\S+)/.exec(h);
  const c = /commit (\S+)/.exec(h);
  return `${v ? v[1] : '?'}${c ? ` ${c[1].slice(0, 12)}` : ''}${isRetired(text) ? ' (retired)' : ''}`;
}

/**
 * The source a script of ours migrates from, as its header's title names it ("... (source: rest)"),
 * or null (not ours, retired, or from a build before sources, which were all the auth0 source's).
 */
function sourceOfScript(text) {
  const h = headerOf(text);
  if (!h.includes(MARK) || isRetired(text)) return null;
  const m = /\(source: ([a-z0-9-]+)\)/.exec(h);
  return m ? m[1] : 'auth0';
}

/**
 * dist/engine.js: the same crate as the scripts, built for Node (checked against the manifest
 * first, once per folder: several modules of one run ask for it).
 */
const engines = new Map();
function loadEngine(dir) {
  if (!engines.has(dir)) {
    const file = path.join(dir, 'engine.js');
    if (!fs.existsSync(file)) {
      throw new UpstreamError(`${file} is missing`, { hint: 'build first: `auth0-lazy-migrate build` (or `make dist`)' });
    }
    verifyDist(dir, 'engine.js', fs.readFileSync(file));
    engines.set(dir, require(file));
  }
  engineOfRun = engines.get(dir);
  return engineOfRun;
}

/** The engine a command loaded from its dist (one run, one dist); else the one beside this tool. */
let engineOfRun = null;
function currentEngine() {
  return engineOfRun || loadEngine(DEFAULT_DIST);
}

module.exports = { ROOT, DEFAULT_DIST, MARK, sha256, distDir, readDist, headerOf, isOurs, isRetired, describeScript, sourceOfScript, loadEngine, currentEngine, verifyDist, manifestOf };
