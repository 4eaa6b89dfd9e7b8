'use strict';
/**
 * The new tenant's database connection: find it, plan a change of its options, show the plan, apply it.
 * Shared by `deploy` (the migration scripts and settings), `deploy --restore` (a backup put back) and
 * `retire --deploy` (the retired scripts).
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
  const list = await client.listConnections({ name, strategy: 'auth0' });
  const conn = list.find((c) => c && c.name === name);
  if (!conn) {
    throw new UpstreamError(`new tenant: no database connection named "${name}"`, {
      hint: 'create it (Authentication > Database > Create DB Connection) or correct --new-connection',
    });
  }
  if (conn.options === undefined || conn.options === null) {
    throw new UpstreamError(`new tenant: the options of "${name}" are not readable`, {
      hint: "grant the app read:connections_options (and update:connections_options); without them a PATCH would wipe the connection's options",
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
 * @param {string[]} [knownKeys] the keys the scripts read (engine.checkSettings), for the refusal's wording
 * @returns {{options, changes: object[], refusals: string[], warnings: string[], unchanged: boolean}}
 */
function planOptions(current, { scripts, configuration, force, dropSettings = false, knownKeys = null }) {
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
    changes.push({
      path: `options.customScripts.${name}`,
      op: old ? 'replace' : 'add',
      from: scriptSummary(old),
      to: scriptSummary(next),
      fromSha256: old ? sha256(old) : null,
      toSha256: sha256(next),
    });
  }
  const others = Object.keys(curScripts).filter((k) => k !== 'login' && k !== 'get_user' && curScripts[k]);
  if (others.length) warnings.push(`the connection also has ${others.join(', ')} script(s); they are kept, but only login and get_user are used in import mode`);

  for (const [key, value] of [
    ['enabledDatabaseCustomization', true],
    ['import_mode', true],
  ]) {
    if (current[key] !== value) {
      options[key] = value;
      changes.push({ path: `options.${key}`, op: current[key] === undefined ? 'add' : 'replace', from: current[key] === undefined ? '(none)' : String(current[key]), to: String(value) });
    }
  }

  const curCfg = current.configuration && typeof current.configuration === 'object' ? current.configuration : {};
  const dropped = Object.keys(curCfg).filter((k) => !(k in configuration));
  if (dropped.length && !force && !dropSettings) {
    const unread = knownKeys ? dropped.filter((k) => !knownKeys.includes(k)) : [];
    refusals.push(
      `options.configuration has key(s) ${dropped.join(', ')} that would be lost (Auth0 returns them encrypted, so they cannot be carried over); ${unread.length === dropped.length ? 'the scripts do not read them: rerun with --force to drop them (the backup keeps their names)' : 'give them with their flags or --setting KEY=VALUE, or rerun with --force to drop them'}`
    );
  }
  options.configuration = { ...configuration };
  changes.push(configurationChange(curCfg, configuration, dropped));
  const unchanged = changes.every((c) => c.path === 'options.configuration');
  return { options, changes, refusals, warnings, unchanged };
}

/** The change entry of the configuration: written whole, secrets masked, old values not comparable. */
function configurationChange(curCfg, configuration, dropped) {
  const shown = Object.fromEntries(Object.entries(configuration).map(([k, v]) => [k, SECRET_SETTING.test(k) ? MASK : v]));
  return {
    path: 'options.configuration',
    op: Object.keys(configuration).length ? 'write' : Object.keys(curCfg).length ? 'remove' : 'write',
    from: Object.keys(curCfg).length ? `${Object.keys(curCfg).join(', ')} (stored encrypted: not comparable)` : '(none)',
    to: shown,
    dropped,
  };
}

const brief = (v) => {
  if (v === undefined) return '(none)';
  const t = JSON.stringify(v);
  return t.length > 60 ? `${t.slice(0, 57)}...` : t;
};

/**
 * Plans `deploy --restore`: the options of a backup (js/cli/backup.js) put back as they were, scripts
 * included, with `configuration` as the settings to write (a backup holds no values). The settings
 * keys of the backup that `configuration` lacks are refused unless --force (they would need
 * re-entering by hand). Same shape as planOptions.
 */
function planRestore(current, saved, { configuration, force }) {
  const options = structuredClone(saved);
  const changes = [];
  const refusals = [];
  const curScripts = current.customScripts && typeof current.customScripts === 'object' ? current.customScripts : {};
  const newScripts = saved.customScripts && typeof saved.customScripts === 'object' ? saved.customScripts : {};
  for (const name of [...new Set([...Object.keys(curScripts), ...Object.keys(newScripts)])]) {
    const old = curScripts[name];
    const next = newScripts[name];
    if (old === next) continue;
    changes.push({
      path: `options.customScripts.${name}`,
      op: next === undefined ? 'remove' : old === undefined ? 'add' : 'replace',
      from: scriptSummary(old),
      to: scriptSummary(next),
      fromSha256: old ? sha256(old) : null,
      toSha256: next ? sha256(next) : null,
    });
  }
  for (const key of [...new Set([...Object.keys(current), ...Object.keys(saved)])]) {
    if (key === 'customScripts' || key === 'configuration') continue;
    if (JSON.stringify(current[key]) === JSON.stringify(saved[key])) continue;
    changes.push({ path: `options.${key}`, op: saved[key] === undefined ? 'remove' : current[key] === undefined ? 'add' : 'replace', from: brief(current[key]), to: brief(saved[key]) });
  }
  const curCfg = current.configuration && typeof current.configuration === 'object' ? current.configuration : {};
  const savedKeys = saved.configuration && typeof saved.configuration === 'object' ? Object.keys(saved.configuration) : [];
  const missing = savedKeys.filter((k) => !(k in configuration));
  if (missing.length && !force) {
    refusals.push(
      `the backup had the setting(s) ${missing.join(', ')}, whose values it cannot hold (Auth0 returns them encrypted); give them with the usual settings options (--domain, --client-id, ALM_CLIENT_SECRET, ...), or rerun with --force to restore without them and re-enter ${missing.join(', ')} by hand`
    );
  }
  options.configuration = { ...configuration };
  if (!savedKeys.length && !Object.keys(configuration).length) delete options.configuration;
  changes.push(
    configurationChange(
      curCfg,
      configuration,
      Object.keys(curCfg).filter((k) => !(k in configuration))
    )
  );
  const unchanged = changes.every((c) => c.path === 'options.configuration');
  return { options, changes, refusals, warnings: [], unchanged };
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
      lines.push(`  ${{ add: '+', remove: '-' }[c.op] || '~'} ${c.path}: ${c.from} -> ${c.to}`);
    }
  }
  const kept = Object.keys(plan.options).filter(
    (k) => !['customScripts', 'configuration', 'enabledDatabaseCustomization', 'import_mode'].includes(k) && !plan.changes.some((c) => c.path === `options.${k}`)
  );
  if (kept.length) lines.push(`  = kept as they are: ${kept.join(', ')}`);
  return lines;
}

/**
 * PATCHes the options (and `metadata`, the whole object, when given), then reads them back and checks
 * the scripts arrived byte for byte.
 */
async function applyPlan(client, conn, plan, scripts, { metadata = null } = {}) {
  await client.updateConnection(conn.id, { options: plan.options, ...(metadata ? { metadata } : {}) });
  const after = await client.getConnection(conn.id);
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

module.exports = { findConnection, planOptions, planRestore, describePlan, applyPlan, scriptSummary };
