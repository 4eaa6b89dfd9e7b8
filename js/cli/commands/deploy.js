'use strict';
/**
 * `deploy`: installs dist/login.js and dist/get_user.js, the old tenant's settings, custom database and
 * import mode on the new tenant's connection, through the Management API. GET, merge, PATCH (Auth0
 * replaces the whole `options`), read back. Plan, confirm, apply (plan.js): the changes are
 * printed, then --dry-run stops, --plan-out writes them for review, --plan applies a reviewed plan only
 * if it is still what would be done, and otherwise --yes or a typed `yes` on a terminal goes ahead.
 *
 * Nothing is installed unchecked: the settings are judged by the scripts' own code (options.js), the
 * built files by dist/manifest.json (dist.js), and the settings are proved against the old tenant with
 * the real scripts (proof.js) before the first write. Every write is preceded by a backup of the
 * connection (backup.js) and records a hash of the settings written (settings.js), for doctor.
 */

const { OLD_TENANT, NEW_TENANT, DIST, newTenant, hasAny } = require('../options');
const { distDir, loadEngine, isOurs, sourceOfScript } = require('../dist');
const { newTenantClient } = require('../auth0');
const { findConnection, planOptions, planRestore, describePlan, applyPlan } = require('../connection');
const { BACKUP_OPTIONS, saveBackup, readBackup, backupOf } = require('../backup');
const { engineKeys, metadataWithRecord, compareRecord, RECORD_KEY } = require('../settings');
const { PLAN_OPTIONS, AS_READ, planMode, buildPlan, decide, distHash, planResult, stateHash } = require('../plan');
const { proveSettings } = require('../proof');
const { EXIT, UsageError } = require('../errors');
const { SOURCE_OPTION, SOURCE_GROUPS, pickSource, sourceScripts, sourceSettings, hasSourceSettings } = require('../source');

/**
 * The plan's `change` for a connection: each change (scripts by SHA-256, options from -> to, the
 * settings keys written and dropped; never a settings value), and the connection as read, as hashes
 * (configuration values left out, as in a backup), so a reviewed plan is refused once anybody edited
 * the connection since.
 */
function connectionChange(conn, domain, plan) {
  const change = {};
  for (const c of plan.changes) {
    if (c.path === 'options.configuration') change[c.path] = { keys: Object.keys(c.to).sort(), dropped: [...c.dropped].sort() };
    else if ('toSha256' in c) change[c.path] = { op: c.op, fromSha256: c.fromSha256, toSha256: c.toSha256 };
    else change[c.path] = { op: c.op, from: c.from, to: c.to };
  }
  const read = backupOf(conn, domain, null);
  for (const [k, v] of Object.entries(read.options)) change[`${AS_READ}options.${k}`] = stateHash(v);
  change[`${AS_READ}metadata`] = stateHash(read.connection.metadata);
  return change;
}

/**
 * The settings keys added, kept and removed. Auth0 returns the stored values encrypted, so whether a
 * kept value changes is known only through the salted record deploy left in the metadata (settings.js).
 */
function settingsLine(conn, configuration, plan) {
  const c = plan.changes.find((x) => x.path === 'options.configuration');
  const before = Object.keys((conn.options && conn.options.configuration) || {});
  const keys = Object.keys(configuration);
  const added = keys.filter((k) => !before.includes(k));
  const kept = keys.filter((k) => before.includes(k));
  const record = compareRecord(conn.metadata && conn.metadata[RECORD_KEY], configuration);
  const keptText = !kept.length
    ? ''
    : record === 'match'
      ? `${kept.length} unchanged (the values match the record of the last deploy)`
      : record === 'differ'
        ? `${kept.length} rewritten, some with another value than the last deploy's (${kept.join(', ')})`
        : `${kept.length} rewritten (${kept.join(', ')}; stored encrypted, no record to compare with)`;
  const parts = [added.length ? `added ${added.join(', ')}` : '', keptText, c && c.dropped.length ? `removed ${c.dropped.join(', ')}` : ''].filter(Boolean);
  return `  settings: ${parts.join('; ') || 'none'} (values masked above where secret)`;
}

/**
 * The shared body of deploy, deploy --restore and retire --deploy. `scripts` = {login, get_user} texts;
 * `configuration` the settings to write; `restore` a backup document (js/cli/backup.js) to put back
 * instead of planning `scripts`. `mode` is plan.js's planMode: after the plan is printed, plan.js
 * decides (dry run, plan file, reviewed plan, confirmation); `note` is said before the question,
 * `planSettings` (default `configuration`) the settings the plan records, `planChange` more of what the
 * plan must hold to be applied (retire: who is left behind). `extra` fields go into the --json result.
 * Before the PATCH the connection as read is saved to a backup file; with the PATCH goes a salted hash
 * of `configuration` in the connection's metadata, for doctor. Returns the exit code.
 */
async function deployToConnection(
  ctx,
  { mode, scripts, configuration, what, dropSettings = false, note = null, planSettings = configuration, planChange = {}, extra = {}, knownKeys = null, restore = null }
) {
  const { values, out } = ctx;
  const target = newTenant(ctx);
  const client = newTenantClient(target, out);
  const conn = await findConnection(client, target.connection);
  if (restore && restore.connection.id !== conn.id) {
    throw new UsageError(
      `--restore: the file is a backup of connection "${restore.connection.name}" (${restore.connection.id}) on ${restore.domain}, not of "${conn.name}" (${conn.id}) on ${client.domain}`,
      {
        hint: `give --new-domain and --new-connection of the connection it was taken from, or the backup of "${conn.name}"`,
      }
    );
  }
  const plan = restore
    ? planRestore(conn.options, restore.options, { configuration, force: !!values.force })
    : planOptions(conn.options, { scripts, configuration, force: !!values.force, dropSettings, knownKeys });
  for (const l of describePlan(conn, client.domain, plan)) out.line(l);
  out.line(settingsLine(conn, configuration, plan));
  const record = metadataWithRecord(conn.metadata, configuration);
  if (record.metadata) out.line(`  ~ metadata.${RECORD_KEY}: a salted hash of the settings written (for doctor; no value in clear)`);
  const warnings = [...plan.warnings, ...(record.warning ? [record.warning] : [])];
  for (const w of warnings) out.warn(w);
  if (Array.isArray(conn.enabled_clients) && conn.enabled_clients.length === 0) {
    out.warn(`"${conn.name}" is enabled for no application: nobody can log in through it until one is enabled`);
  }
  const doc = buildPlan(mode, {
    domain: client.domain,
    connection: { id: conn.id, name: conn.name },
    dist: distHash(ctx),
    settings: planSettings,
    change: { ...connectionChange(conn, client.domain, plan), ...planChange },
  });
  const base = { command: ctx.command, ...extra, connection: { id: conn.id, name: conn.name }, domain: client.domain, changes: plan.changes, warnings, dryRun: !!values['dry-run'] };
  if (plan.refusals.length) {
    for (const r of plan.refusals) out.line(`refused: ${r}`);
    out.line('nothing was changed');
    out.result({ ...base, ...planResult(mode, doc), ok: false, exitCode: EXIT.FAILED, refusals: plan.refusals });
    return EXIT.FAILED;
  }
  const gate = await decide(ctx, mode, doc, { result: base, settings: planSettings, note });
  if (!gate.apply) return gate.code;
  const backup = saveBackup(ctx, conn, client.domain);
  out.line(`saved the connection as it was to ${backup} (settings values are not in it); undo with \`deploy --restore ${backup}\``);
  const written = restore
    ? { login: restore.options.customScripts && restore.options.customScripts.login, get_user: restore.options.customScripts && restore.options.customScripts.get_user }
    : scripts;
  await applyPlan(client, conn, plan, written, { metadata: record.metadata });
  out.line(restore ? `restored "${conn.name}" from the backup of ${restore.savedAt}` : plan.unchanged ? `${what} were already in place; settings rewritten` : `deployed ${what} to "${conn.name}"`);
  out.result({ ...base, ...planResult(mode, doc), ok: true, exitCode: EXIT.OK, deployed: true, backup, settingsRecorded: !!record.metadata });
  return EXIT.OK;
}

/**
 * `deploy --restore FILE`: the backup's scripts and options back, with the settings given as usual
 * (a backup holds none of their values). Without any settings given, only a backup that had none, or
 * --force, goes through (planRestore refuses otherwise, naming the keys).
 */
async function restore(ctx, mode, src) {
  const { values, out } = ctx;
  const backup = readBackup(values.restore);
  const scripts = backup.options.customScripts || {};
  // The settings given are read and proved as the backup's scripts' source reads them: a backup of
  // another source's scripts with this source's settings would be switched on half-configured.
  const saved = sourceOfScript(scripts.login) || sourceOfScript(scripts.get_user);
  if (saved && saved !== src.name) {
    throw new UsageError(`deploy --restore: the backup's scripts are the ${saved} source's, not the ${src.name} source's; nothing was done`, {
      hint: `give --source ${saved} (or ALM_SOURCE=${saved}) and that source's settings`,
    });
  }
  newTenant(ctx);
  const savedKeys = Object.keys(backup.options.configuration || {});
  const given = src.name === 'auth0' ? hasAny(ctx, OLD_TENANT) || ctx.env.ALM_CLIENT_SECRET !== undefined : hasSourceSettings(ctx, src);
  const configuration = savedKeys.length && given ? sourceSettings(ctx, src) : {};
  if (savedKeys.length && !given) out.info(`the backup had the settings ${savedKeys.join(', ')}; their values are not in it`);
  if (!savedKeys.length && given) out.info('the backup had no settings: none are written (the settings options are ignored)');
  let probes = [];
  if (Object.keys(configuration).length && isOurs(scripts.login) && isOurs(scripts.get_user)) {
    probes = await proveSettings(out, scripts, configuration, { fixes: src.fixes });
  }
  out.line(`restoring the backup of ${backup.savedAt} (${values.restore}):`);
  return deployToConnection(ctx, { mode, configuration, what: 'the backup', restore: backup, extra: { restoredFrom: values.restore, probes } });
}

async function run(ctx) {
  const { values, out } = ctx;
  // A stale or edited --plan file is refused before any request.
  const mode = planMode(ctx, values.restore !== undefined ? 'deploy --restore' : 'deploy');
  const src = pickSource(ctx);
  if (values.restore !== undefined) return restore(ctx, mode, src);
  const dir = distDir(ctx);
  const built = sourceScripts(ctx, src);
  const settings = sourceSettings(ctx, src);
  newTenant(ctx); // every usage error before the first request
  const scripts = { login: built.login.text, get_user: built.get_user.text };
  const probes = await proveSettings(out, scripts, settings, { fixes: src.fixes });
  return deployToConnection(ctx, {
    mode,
    scripts,
    configuration: settings,
    what: src.name === 'auth0' ? 'the migration scripts' : `the ${src.name} source's migration scripts`,
    knownKeys: engineKeys(loadEngine(dir), src.check).map((k) => k.name),
    extra: { source: src.name, probes },
  });
}

module.exports = {
  name: 'deploy',
  summary: "install the scripts and settings on the new tenant's connection (Management API)",
  usage: 'deploy [--dry-run | --plan-out FILE | --plan FILE | --yes] [--force] [options] | deploy --restore FILE [--dry-run | --plan-out FILE | --plan FILE | --yes] [--force] [options]',
  description: `
Reads the new tenant's database connection, then writes it back with: the Login and Get User scripts
from dist/, the old tenant's settings (Domain, Client_ID, Client_Secret, Connection, ...), "Use my own
database" and "Import Users to Auth0" on. Every other option of the connection is kept (Auth0 replaces
the whole options object on update, so they are read first and sent back). The scripts are read back
after the update and must match byte for byte.

Before anything is sent (also with --dry-run):
- the settings are checked with the scripts' own code: an unknown key or a value the scripts would
  refuse is exit 2;
- dist/ must match dist/manifest.json (a file changed after the build is exit 3);
- the settings are proved against the old tenant by running the built scripts as Auth0 would, for
  made-up users: get_user must answer "not found" (domain, client credentials, read:users) and login
  with a random password "wrong password" (password grant, connection). Any other answer is exit 3,
  nothing changed. This leaves one failed login for a made-up user (alm-deploy-probe-...@example.invalid)
  in the old tenant's logs.

Then it prints the plan: each script by SHA-256, the options it switches, the settings keys it adds,
rewrites and removes (secret values masked). --dry-run stops there. On a terminal it asks you to type
yes; off a terminal it needs --yes (exit 1 without). --plan-out FILE writes the plan (0600, no secret:
settings only as salted hashes) and changes nothing; --plan FILE applies that plan without asking,
only if it is still exactly what would be done now (another build, another setting value, a connection
edited since, or a plan older than 24 h: exit 1, nothing changed).

Refuses (exit 1, nothing changed) to replace a login or get_user script that auth0-lazy-migrate did
not write, or to drop settings keys it was not given, unless --force.

Before every update (--force included), the connection as it was is saved to a file in ./alm-backups/
(--backup-dir), mode 0600, settings values left out (Auth0 returns them encrypted). The update also
records a salted hash of the settings in the connection's metadata (alm_settings), so that doctor can
tell whether the deployed settings are yours.

--restore FILE puts a backup's scripts and options back (a backup of the current state is saved
first). The settings values are not in a backup: give them with the usual options, or --force to
restore without settings (the keys to re-enter by hand are named). It is planned and confirmed like
a deploy. A backup of another source's scripts is restored with that source's --source and settings
(the scripts' header names their source; a mismatch is exit 2, before any request).

--source rest deploys dist/rest/login.js and dist/rest/get_user.js with the user store's settings,
proved the same way against the store (a made-up user: get_user "not found", login "wrong password").
Before it: serve the contract's two endpoints (docs/rest-contract.md; js/fakes/rest-store.js is a
reference), generate the shared secret (32 to 512 random characters, the same in the store) and give
it as ALM_REST_SHARED_SECRET (setting Shared_Secret), the store's URL as --rest-base-url (Base_URL),
the paths if they differ (--rest-verify-path, --rest-find-path), and check the store with
\`doctor --source rest --user TEST_USER\`.

The scopes each tenant's app needs are listed below (from js/cli/command-facts.js).`,
  options: {
    ...SOURCE_OPTION,
    ...PLAN_OPTIONS,
    force: { type: 'boolean', help: 'replace scripts not written by auth0-lazy-migrate; drop unknown settings keys; restore without settings' },
    restore: { type: 'string', arg: 'FILE', help: 'put back a backup this command saved (scripts and options)' },
    ...BACKUP_OPTIONS,
  },
  groups: [['Old tenant (the settings written to the connection)', OLD_TENANT], ...SOURCE_GROUPS, ['New tenant', NEW_TENANT], ['Build', DIST]],
  run,
  deployToConnection,
};
