'use strict';
/**
 * The new tenant's database connection: find it, plan a change of its options, show the plan, apply it.
 * Shared by `deploy` (the migration scripts and settings) and `retire --deploy` (the retired scripts).
 *
 * Auth0's PATCH /api/v2/connections/{id} replaces the whole `options` object, so the plan starts from
 * the options as read (GET) and changes only what it must. One exception: `options.configuration` comes
 * back encrypted, and sending a ciphertext back would store it as the new value, so the configuration
 * is always written whole from the values given here; keys it would drop are refused unless --force.
 */

const { UpstreamError } = require('./errors');
const { isOurs, describeScript, sha256 } = require('./dist');
const { SECRET_SETTING } = require('./options');
const { MASK } = require('./output');

/** GET /api/v2/connections?name=: the connection, with its options (or a clear error). */
async function findConnection(client, name) {
  const list = await client.get('connections', { name, strategy: 'auth0' });
  const conn = (Array.isArray(list) ? list : []).find((c) => c && c.name === name);
  if (!conn) {
    throw new UpstreamError(`new tenant: no database connection named "${name}"`, {
      hint: 'create it (Authentication > Database > Create DB Connection) or correct --new-connection',
    });
  }
  if (conn.options === undefined || conn.options === null) {
    throw new UpstreamError(`new tenant: the options of "${name}" are not readable`, {
      hint: 'grant the app read:connections_options (and update:connections_options); without them a PATCH would wipe the connection\'s options',
    });
  }
  return conn;
}

function scriptSummary(text) {
  if (typeof text !== 'string' || text === '') return '(none)';
  return `${Buffer.byteLength(text).toLocaleString('en')} bytes, sha256 ${sha256(text).slice(0, 12)}, ${describeScript(text) ? `auth0-lazy-migrate ${describeScript(text)}` : 'NOT written by auth0-lazy-migrate'}`;
}

/**
 * Plans the new options.
 * @param {object} current the connection's options as read
 * @param {{login: string, get_user: string}} scripts the texts to install
 * @param {object} configuration the settings to write (replaces the whole configuration)
 * @param {boolean} force overwrite scripts not written by us, drop unknown settings keys
 * @param {boolean} dropSettings the settings may be removed (the retired scripts read none)
 * @returns {{options, changes: object[], refusals: string[], warnings: string[], unchanged: boolean}}
 */
function planOptions(current, { scripts, configuration, force, dropSettings = false }) {
  const options = structuredClone(current);
  const changes = [];
  const refusals = [];
  const warnings = [];

  const curScripts = current.customScripts && typeof current.customScripts === 'object' ? current.customScripts : {};
  options.customScripts = { ...curScripts };
  for (const name of ['login', 'get_user']) {
    const old = curScripts[name];
    const next = scripts[name];
    if (old === next) continue;
    if (typeof old === 'string' && old.trim() !== '' && !isOurs(old)) {
      if (!force) refusals.push(`options.customScripts.${name} holds a script auth0-lazy-migrate did not write (${scriptSummary(old)}); rerun with --force to replace it`);
      else warnings.push(`replacing a ${name} script auth0-lazy-migrate did not write (--force)`);
    }
    options.customScripts[name] = next;
    changes.push({ path: `options.customScripts.${name}`, op: old ? 'replace' : 'add', from: scriptSummary(old), to: scriptSummary(next), fromSha256: old ? sha256(old) : null, toSha256: sha256(next) });
  }
  const others = Object.keys(curScripts).filter((k) => k !== 'login' && k !== 'get_user' && curScripts[k]);
  if (others.length) warnings.push(`the connection also has ${others.join(', ')} script(s); they are kept, but only login and get_user are used in import mode`);

  for (const [key, value] of [['enabledDatabaseCustomization', true], ['import_mode', true]]) {
    if (current[key] !== value) {
      options[key] = value;
      changes.push({ path: `options.${key}`, op: current[key] === undefined ? 'add' : 'replace', from: current[key] === undefined ? '(none)' : String(current[key]), to: String(value) });
    }
  }

  const curCfg = current.configuration && typeof current.configuration === 'object' ? current.configuration : {};
  const dropped = Object.keys(curCfg).filter((k) => !(k in configuration));
  if (dropped.length && !force && !dropSettings) {
    refusals.push(`options.configuration has key(s) ${dropped.join(', ')} that would be lost (Auth0 returns them encrypted, so they cannot be carried over); give them with --setting KEY=VALUE, or rerun with --force to drop them`);
  }
  options.configuration = { ...configuration };
  const shown = Object.fromEntries(Object.entries(configuration).map(([k, v]) => [k, SECRET_SETTING.test(k) ? MASK : v]));
  changes.push({
    path: 'options.configuration',
    op: Object.keys(configuration).length ? 'write' : (Object.keys(curCfg).length ? 'remove' : 'write'),
    from: Object.keys(curCfg).length ? `${Object.keys(curCfg).join(', ')} (stored encrypted: not comparable)` : '(none)',
    to: shown,
    dropped,
  });
  const unchanged = changes.every((c) => c.path === 'options.configuration');
  return { options, changes, refusals, warnings, unchanged };
}

/** Human lines for a plan. */
function describePlan(conn, domain, plan) {
  const lines = [`connection "${conn.name}" (${conn.id}) on ${domain}:`];
  for (const c of plan.changes) {
    if (c.path === 'options.configuration') {
      const keys = Object.keys(c.to);
      lines.push(`  ~ ${c.path}: written whole (was: ${c.from})`);
      for (const k of keys) lines.push(`      ${k} = ${c.to[k] === '' ? '(empty)' : c.to[k]}`);
      if (!keys.length) lines.push('      (no settings: the retired scripts read none)');
      for (const k of c.dropped) lines.push(`  - options.configuration.${k}: dropped`);
    } else {
      lines.push(`  ${c.op === 'add' ? '+' : '~'} ${c.path}: ${c.from} -> ${c.to}`);
    }
  }
  const kept = Object.keys(plan.options).filter((k) => !['customScripts', 'configuration', 'enabledDatabaseCustomization', 'import_mode'].includes(k));
  if (kept.length) lines.push(`  = kept as they are: ${kept.join(', ')}`);
  return lines;
}

/** PATCHes the options, then reads them back and checks the scripts arrived byte for byte. */
async function applyPlan(client, conn, plan, scripts) {
  await client.api('PATCH', `connections/${encodeURIComponent(conn.id)}`, { json: { options: plan.options } });
  const after = await client.get(`connections/${encodeURIComponent(conn.id)}`);
  const got = (after && after.options && after.options.customScripts) || {};
  for (const name of ['login', 'get_user']) {
    if (got[name] !== scripts[name]) {
      throw new UpstreamError(`new tenant: after the update, the ${name} script read back differs from the one sent`, {
        hint: 'run `auth0-lazy-migrate doctor` and compare; something else may be editing the connection',
      });
    }
  }
  return after;
}

module.exports = { findConnection, planOptions, describePlan, applyPlan, scriptSummary };
