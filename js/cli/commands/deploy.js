'use strict';
/**
 * `deploy`: installs dist/login.js and dist/get_user.js, the old tenant's settings, custom database and
 * import mode on the new tenant's connection, through the Management API. GET, merge, PATCH (Auth0
 * replaces the whole `options`), read back. `--dry-run` shows the plan and changes nothing.
 *
 * Nothing is installed unchecked: the settings are judged by the scripts' own code (options.js), the
 * built files by dist/manifest.json (dist.js), and the settings are proved against the old tenant with
 * the real scripts (proof.js) before the first write. Every write is preceded by a backup of the
 * connection (backup.js) and records a hash of the settings written (settings.js), for doctor.
 */

const { OLD_TENANT, NEW_TENANT, DIST, oldSettings, newTenant, hasAny } = require('../options');
const { distDir, readDist, loadEngine, isOurs } = require('../dist');
const { newTenantClient } = require('../auth0');
const { findConnection, planOptions, planRestore, describePlan, applyPlan } = require('../connection');
const { BACKUP_OPTIONS, saveBackup, readBackup } = require('../backup');
const { engineKeys, metadataWithRecord, RECORD_KEY } = require('../settings');
const { proveSettings } = require('../proof');
const { EXIT, UsageError } = require('../errors');

/**
 * The shared body of deploy, deploy --restore and retire --deploy. `scripts` = {login, get_user} texts;
 * `configuration` the settings to write; `restore` a backup document (js/cli/backup.js) to put back
 * instead of planning `scripts`. `confirm(conn)`, if given, is asked after the plan is printed and
 * before anything is written (retire's typed confirmation); false changes nothing (exit 1). `extra`
 * fields go into the --json result. Before the PATCH the connection as read is saved to a backup file;
 * with the PATCH goes a salted hash of `configuration` in the connection's metadata, for doctor.
 * Returns the exit code.
 */
async function deployToConnection(ctx, { scripts, configuration, what, dropSettings = false, confirm = null, extra = {}, knownKeys = null, restore = null }) {
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
  const record = metadataWithRecord(conn.metadata, configuration);
  if (record.metadata) out.line(`  ~ metadata.${RECORD_KEY}: a salted hash of the settings written (for doctor; no value in clear)`);
  const warnings = [...plan.warnings, ...(record.warning ? [record.warning] : [])];
  for (const w of warnings) out.warn(w);
  if (Array.isArray(conn.enabled_clients) && conn.enabled_clients.length === 0) {
    out.warn(`"${conn.name}" is enabled for no application: nobody can log in through it until one is enabled`);
  }
  const base = { command: ctx.command, ...extra, connection: { id: conn.id, name: conn.name }, domain: client.domain, changes: plan.changes, warnings, dryRun: !!values['dry-run'] };
  if (plan.refusals.length) {
    for (const r of plan.refusals) out.line(`refused: ${r}`);
    out.line('nothing was changed');
    out.result({ ...base, ok: false, exitCode: EXIT.FAILED, refusals: plan.refusals });
    return EXIT.FAILED;
  }
  if (values['dry-run']) {
    out.line('dry run: nothing was changed');
    out.result({ ...base, ok: true, exitCode: EXIT.OK });
    return EXIT.OK;
  }
  if (confirm && !(await confirm(conn))) {
    out.line('not confirmed: nothing was changed');
    out.result({ ...base, ok: false, exitCode: EXIT.FAILED, confirmed: false });
    return EXIT.FAILED;
  }
  const backup = saveBackup(ctx, conn, client.domain);
  out.line(`saved the connection as it was to ${backup} (settings values are not in it); undo with \`deploy --restore ${backup}\``);
  const written = restore
    ? { login: restore.options.customScripts && restore.options.customScripts.login, get_user: restore.options.customScripts && restore.options.customScripts.get_user }
    : scripts;
  await applyPlan(client, conn, plan, written, { metadata: record.metadata });
  out.line(restore ? `restored "${conn.name}" from the backup of ${restore.savedAt}` : plan.unchanged ? `${what} were already in place; settings rewritten` : `deployed ${what} to "${conn.name}"`);
  out.result({ ...base, ok: true, exitCode: EXIT.OK, deployed: true, backup, settingsRecorded: !!record.metadata });
  return EXIT.OK;
}

/**
 * `deploy --restore FILE`: the backup's scripts and options back, with the settings given as usual
 * (a backup holds none of their values). Without any settings given, only a backup that had none, or
 * --force, goes through (planRestore refuses otherwise, naming the keys).
 */
async function restore(ctx) {
  const { values, out } = ctx;
  const backup = readBackup(values.restore);
  newTenant(ctx);
  const savedKeys = Object.keys(backup.options.configuration || {});
  const given = hasAny(ctx, OLD_TENANT) || ctx.env.ALM_CLIENT_SECRET !== undefined;
  const configuration = savedKeys.length && given ? oldSettings(ctx) : {};
  if (savedKeys.length && !given) out.info(`the backup had the settings ${savedKeys.join(', ')}; their values are not in it`);
  if (!savedKeys.length && given) out.info('the backup had no settings: none are written (the settings options are ignored)');
  const scripts = backup.options.customScripts || {};
  let probes = [];
  if (Object.keys(configuration).length && isOurs(scripts.login) && isOurs(scripts.get_user)) {
    probes = await proveSettings(out, scripts, configuration);
  }
  out.line(`restoring the backup of ${backup.savedAt} (${values.restore}):`);
  return deployToConnection(ctx, { configuration, what: 'the backup', restore: backup, extra: { restoredFrom: values.restore, probes } });
}

async function run(ctx) {
  const { values, out } = ctx;
  if (values.restore !== undefined) return restore(ctx);
  const dir = distDir(ctx);
  const login = readDist(dir, 'login.js');
  const getUser = readDist(dir, 'get_user.js');
  const settings = oldSettings(ctx);
  newTenant(ctx); // every usage error before the first request
  const scripts = { login: login.text, get_user: getUser.text };
  const probes = await proveSettings(out, scripts, settings);
  return deployToConnection(ctx, {
    scripts,
    configuration: settings,
    what: 'the migration scripts',
    knownKeys: engineKeys(loadEngine(dir)).map((k) => k.name),
    extra: { probes },
  });
}

module.exports = {
  name: 'deploy',
  summary: "install the scripts and settings on the new tenant's connection (Management API)",
  usage: 'deploy [--dry-run] [--force] [options] | deploy --restore FILE [--dry-run] [--force] [options]',
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

Refuses (exit 1, nothing changed) to replace a login or get_user script that auth0-lazy-migrate did
not write, or to drop settings keys it was not given, unless --force.

Before every update (--force included), the connection as it was is saved to a file in ./alm-backups/
(--backup-dir), mode 0600, settings values left out (Auth0 returns them encrypted). The update also
records a salted hash of the settings in the connection's metadata (alm_settings), so that doctor can
tell whether the deployed settings are yours.

--restore FILE puts a backup's scripts and options back (a backup of the current state is saved
first). The settings values are not in a backup: give them with the usual options, or --force to
restore without settings (the keys to re-enter by hand are named).

The new tenant's app needs read:connections, update:connections, read:connections_options and
update:connections_options.`,
  options: {
    'dry-run': { type: 'boolean', help: 'print the changes (secrets masked) and change nothing' },
    force: { type: 'boolean', help: 'replace scripts not written by auth0-lazy-migrate; drop unknown settings keys; restore without settings' },
    restore: { type: 'string', arg: 'FILE', help: 'put back a backup this command saved (scripts and options)' },
    ...BACKUP_OPTIONS,
  },
  groups: [
    ['Old tenant (the settings written to the connection)', OLD_TENANT],
    ['New tenant', NEW_TENANT],
    ['Build', DIST],
  ],
  run,
  deployToConnection,
};
