'use strict';
/**
 * The scripts' settings, as the scripts themselves judge them, and the record of what was deployed.
 *
 * - The key list and the rules come from dist/engine.js `checkSettings` (the Rust code the scripts
 *   run): the command line keeps no copy, so a key added to the scripts is known here with no edit,
 *   and a value the scripts would refuse is refused before it reaches any tenant.
 * - Auth0 returns a connection's settings encrypted, so nobody can compare them with the operator's
 *   later. `deploy` therefore records a salted hash of what it wrote in the connection's metadata
 *   (`alm_settings`), and `doctor` recomputes it from the operator's settings: equal means the
 *   deployed settings are exactly these, without the values ever leaving this machine in clear.
 */

const crypto = require('node:crypto');
const { UsageError } = require('./errors');
const { suggest, didYouMean } = require('./suggest');

/** The metadata key of the record. Auth0: string values of at most 255 characters, at most 10 keys. */
const RECORD_KEY = 'alm_settings';
const METADATA_MAX_KEYS = 10;

/**
 * `[{name, required}]`: every key the scripts read, from the engine. `check` is the engine export of
 * the source (js/sources.js: checkSettings for auth0, checkRestSettings for rest).
 */
function engineKeys(engine, check = 'checkSettings') {
  const r = engine[check]({ settings: {} });
  return Array.isArray(r && r.keys) ? r.keys : [];
}

/**
 * Refuses (UsageError, exit 2) settings the scripts would ignore or refuse. `where(key)` names the
 * flag or variable that sets a key, for the fix line.
 */
function checkSettings(engine, settings, { where = () => null, check = 'checkSettings' } = {}) {
  const r = engine[check]({ settings });
  const names = (r.keys || []).map((k) => k.name);
  const unknown = r.unknown || [];
  if (unknown.length) {
    const k = unknown[0];
    const meant = suggest(k, names);
    const flag = meant && where(meant);
    throw new UsageError(`unknown setting "${k}"${didYouMean(k, names)}${unknown.length > 1 ? ` (also unknown: ${unknown.slice(1).join(', ')})` : ''}: the scripts would ignore it`, {
      hint: `${meant ? `set ${meant} with ${flag || `--setting ${meant}=...`}; ` : ''}the scripts read only ${names.join(', ')} (names are case-sensitive)`,
    });
  }
  if (r.error) {
    const key = (/`([A-Za-z0-9_]+)`/.exec(r.error) || [])[1];
    const flag = key && where(key);
    throw new UsageError(`the settings would not work: ${r.error}`, {
      hint: flag ? `correct ${flag}` : 'correct that setting (see the settings options of --help)',
    });
  }
  return r;
}

/** JSON with the object keys sorted: one text per configuration, whatever order it was built in. */
function canonical(configuration) {
  const c = configuration && typeof configuration === 'object' ? configuration : {};
  return JSON.stringify(
    Object.fromEntries(
      Object.keys(c)
        .sort()
        .map((k) => [k, c[k]])
    )
  );
}

/** `v1:<16 hex salt>:<sha256 hex of salt + canonical JSON>`; a fresh salt unless one is given. */
function settingsRecord(configuration, salt = crypto.randomBytes(8).toString('hex')) {
  const digest = crypto
    .createHash('sha256')
    .update(salt + canonical(configuration))
    .digest('hex');
  return `v1:${salt}:${digest}`;
}

/** 'match' | 'differ' | 'none' (no record) | 'unreadable' (not a v1 record). */
function compareRecord(record, configuration) {
  if (record === undefined || record === null || record === '') return 'none';
  const m = /^v1:([0-9a-f]{16}):([0-9a-f]{64})$/.exec(String(record));
  if (!m) return 'unreadable';
  const again = settingsRecord(configuration, m[1]);
  return crypto.timingSafeEqual(Buffer.from(again), Buffer.from(String(record))) ? 'match' : 'differ';
}

/**
 * The connection's metadata to send with a PATCH: the existing entries (a PATCH replaces the whole
 * object) plus the record. `{metadata, warning}`; metadata null when the record does not fit.
 */
function metadataWithRecord(current, configuration) {
  const base = current && typeof current === 'object' && !Array.isArray(current) ? { ...current } : {};
  if (!(RECORD_KEY in base) && Object.keys(base).length >= METADATA_MAX_KEYS) {
    return {
      metadata: null,
      warning: `the connection's metadata already has ${METADATA_MAX_KEYS} keys (Auth0's limit): no record of the deployed settings was written, so doctor cannot compare them`,
    };
  }
  base[RECORD_KEY] = settingsRecord(configuration);
  return { metadata: base, warning: null };
}

module.exports = { RECORD_KEY, engineKeys, checkSettings, canonical, settingsRecord, compareRecord, metadataWithRecord };
