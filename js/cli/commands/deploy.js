'use strict';
/**
 * `deploy`: installs dist/login.js and dist/get_user.js, the old tenant's settings, custom database and
 * import mode on the new tenant's connection, through the Management API. GET, merge, PATCH (Auth0
 * replaces the whole `options`), read back. `--dry-run` shows the plan and changes nothing.
 */

const { OLD_TENANT, NEW_TENANT, DIST, oldSettings, newTenant } = require('../options');
const { distDir, readDist, loadEngine } = require('../dist');
const { Auth0Client } = require('../auth0');
const { findConnection, planOptions, describePlan, applyPlan } = require('../connection');
const { EXIT, UsageError } = require('../errors');

/** Checks the settings with the scripts' own Rust code (dist/engine.js) before anything is sent. */
function validateSettings(engine, settings) {
  const r = engine.importRecord({ settings, user: { user_id: 'auth0|settings-check' } });
  if (r.error) throw new UsageError(`the settings would not work: ${r.error}`);
}

/**
 * The shared body of deploy and retire --deploy. `scripts` = {login, get_user} texts; `configuration`
 * the settings to write. Returns the exit code.
 */
async function deployToConnection(ctx, { scripts, configuration, what, dropSettings = false }) {
  const { values, out } = ctx;
  const target = newTenant(ctx);
  const client = new Auth0Client({
    domain: target.domain, clientId: target.clientId, clientSecret: target.clientSecret,
    label: 'new tenant', secretEnv: 'ALM_NEW_CLIENT_SECRET', out,
  });
  const conn = await findConnection(client, target.connection);
  const plan = planOptions(conn.options, { scripts, configuration, force: !!values.force, dropSettings });
  for (const l of describePlan(conn, client.domain, plan)) out.line(l);
  for (const w of plan.warnings) out.warn(w);
  if (Array.isArray(conn.enabled_clients) && conn.enabled_clients.length === 0) {
    out.warn(`"${conn.name}" is enabled for no application: nobody can log in through it until one is enabled`);
  }
  const base = { command: ctx.command, connection: { id: conn.id, name: conn.name }, domain: client.domain, changes: plan.changes, warnings: plan.warnings, dryRun: !!values['dry-run'] };
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
  await applyPlan(client, conn, plan, scripts);
  out.line(plan.unchanged ? `${what} were already in place; settings rewritten` : `deployed ${what} to "${conn.name}"`);
  out.result({ ...base, ok: true, exitCode: EXIT.OK, deployed: true });
  return EXIT.OK;
}

async function run(ctx) {
  const dir = distDir(ctx);
  const login = readDist(dir, 'login.js');
  const getUser = readDist(dir, 'get_user.js');
  const settings = oldSettings(ctx);
  validateSettings(loadEngine(dir), settings);
  return deployToConnection(ctx, {
    scripts: { login: login.text, get_user: getUser.text },
    configuration: settings,
    what: 'the migration scripts',
  });
}

module.exports = {
  name: 'deploy',
  summary: "install the scripts and settings on the new tenant's connection (Management API)",
  usage: 'deploy [--dry-run] [--force] [options]',
  description: `
Reads the new tenant's database connection, then writes it back with: the Login and Get User scripts
from dist/, the old tenant's settings (Domain, Client_ID, Client_Secret, Connection, ...), "Use my own
database" and "Import Users to Auth0" on. Every other option of the connection is kept (Auth0 replaces
the whole options object on update, so they are read first and sent back). The scripts are read back
after the update and must match byte for byte.

Refuses (exit 1, nothing changed) to replace a login or get_user script that auth0-lazy-migrate did
not write, or to drop settings keys it was not given, unless --force. The settings are checked with
the scripts' own code before anything is sent (exit 2 if they would not work).

The new tenant's app needs read:connections, update:connections, read:connections_options and
update:connections_options.`,
  options: {
    'dry-run': { type: 'boolean', help: 'print the changes (secrets masked) and change nothing' },
    force: { type: 'boolean', help: 'replace scripts not written by auth0-lazy-migrate; drop unknown settings keys' },
  },
  groups: [["Old tenant (the settings written to the connection)", OLD_TENANT], ['New tenant', NEW_TENANT], ['Build', DIST]],
  run,
  deployToConnection,
  validateSettings,
};
