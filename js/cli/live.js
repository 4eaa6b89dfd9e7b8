'use strict';
/**
 * A temporary database connection on the NEW tenant, for running a Login script on Auth0's real
 * runtime before any real connection depends on it: `doctor --live` (the runtime probe) and
 * `try --remote` (the built login.js with the real settings, one real login).
 *
 * The connection: strategy auth0, "Use my own database" on, "Import Users to Auth0" OFF (nobody is
 * stored with a password by a probe), enabled for this tool's app only, named CONNECTION_PREFIX +
 * random hex and marked in its metadata. It is ALWAYS deleted: after the work, after an error, and on
 * Ctrl-C (SIGINT/SIGTERM, as `tail` handles them); a run that was killed outright leaves it, and the
 * next run finds it by name and mark and deletes it, saying so. Deleting a connection deletes its users
 * (the probe's profile included).
 *
 * The login: this tool's app, password-realm grant on that connection, scope openid profile email;
 * the ID token's standard claims carry the profile the script returned.
 */

const crypto = require('node:crypto');
const { EXIT, UpstreamError } = require('./errors');
const { CONNECTION_PREFIX, METADATA_KEY, claimsOf } = require('./probe-script');

/** Management API scopes the temporary connection needs (command-facts.js says the same for help). */
const LIVE_SCOPES = ['read:connections', 'create:connections', 'update:connections', 'delete:connections'];
const GRANT_FIX = "Applications > (this tool's app) > Advanced Settings > Grant Types: enable Password (the probe logs in through its temporary connection)";

/** The fix for a connection this run could not delete. */
const leftoverFix = (name) =>
  `delete the connection "${name}" by hand (Authentication > Database), or run \`auth0-lazy-migrate doctor --live\` again: it removes ${CONNECTION_PREFIX}* connections it left`;

/** Refuses (exit 3) before anything is created when the token lacks one of LIVE_SCOPES, naming each. */
async function requireScopes(client) {
  await client.token();
  const missing = LIVE_SCOPES.filter((s) => !client.grantedScopes.includes(s));
  if (missing.length) {
    throw new UpstreamError(`new tenant: this tool's app lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: nothing was created`, {
      hint: `grant the app ${missing.join(', ')} (Applications > APIs > Auth0 Management API > Machine to Machine Applications); the temporary connection needs ${LIVE_SCOPES.join(', ')}`,
    });
  }
}

/** Deletes the temporary connections an interrupted run left (prefix and mark); returns their names. */
async function removeLeftovers(client, out) {
  const list = await client.listConnections({ strategy: 'auth0', fields: 'id,name,metadata', include_fields: true });
  const left = list.filter((c) => c && typeof c.name === 'string' && c.name.startsWith(CONNECTION_PREFIX) && c.metadata && c.metadata[METADATA_KEY]);
  for (const c of left) {
    await client.deleteConnection(c.id);
    out.info(`new tenant: removed the temporary connection "${c.name}" (${c.id}) an interrupted run left behind`);
  }
  return left.map((c) => c.name);
}

/**
 * Runs `work(connection)` with a temporary connection holding `script` (the Login script) and
 * `configuration`, and deletes it whatever happens. `purpose` goes into the connection's metadata.
 * Returns what `work` returns; on SIGINT/SIGTERM deletes the connection, prints the interrupted
 * result (--json: `interrupted: true`, `deleted`) and exits 130. A signal before the connection is
 * asked for ends the run as Node does by default: nothing exists yet to delete.
 */
async function withTemporaryConnection({ client, out, command, script, configuration, purpose }, work) {
  await requireScopes(client);
  const leftovers = await removeLeftovers(client, out);
  const name = `${CONNECTION_PREFIX}${crypto.randomBytes(6).toString('hex')}`;
  let created = null;
  let creating = null;
  let removal = null;
  // Once: deletes the connection if it was (or may have been) created. A create still in flight is
  // waited for; one whose reply was lost is found by its name.
  const remove = () => {
    if (!removal) {
      removal = (async () => {
        if (creating) await creating.catch(() => {});
        let id = created && created.id;
        if (!id && creating) {
          const found = await client.listConnections({ name, strategy: 'auth0', fields: 'id,name', include_fields: true }).catch(() => []);
          id = (found.find((c) => c && c.name === name) || {}).id;
        }
        if (!id) return false;
        await client.deleteConnection(id);
        out.info(`new tenant: deleted the temporary connection "${name}"`);
        return true;
      })();
    }
    return removal;
  };

  let interrupted = false;
  const onSignal = (sig) => {
    if (interrupted) return;
    interrupted = true;
    out.info(`${sig}: stopping; deleting the temporary connection "${name}" first`);
    const finish = (deleted, err) => {
      if (err) out.info(`error: could not delete "${name}": ${err.message}\n  fix: ${leftoverFix(name)}`);
      out.result({ command, ok: false, exitCode: EXIT.INTERRUPTED, interrupted: true, connection: name, deleted: !err && deleted !== false });
      Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve)))).then(() => process.exit(EXIT.INTERRUPTED));
    };
    remove().then(
      (deleted) => finish(deleted, null),
      (err) => finish(false, err)
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result;
  let failure = null;
  try {
    creating = client.createConnection({
      name,
      strategy: 'auth0',
      enabled_clients: [client.clientId],
      metadata: { [METADATA_KEY]: `temporary: ${purpose}; deleted when it ends (safe to delete)` },
      options: { enabledDatabaseCustomization: true, import_mode: false, customScripts: { login: script }, configuration },
    });
    created = await creating;
    out.info(`new tenant: created the temporary connection "${name}" (${created.id}), enabled for this tool's app only, import off`);
    // Where Auth0 no longer takes enabled_clients on create, they are set by an update.
    if (!Array.isArray(created.enabled_clients) || !created.enabled_clients.includes(client.clientId)) {
      await client.updateConnection(created.id, { enabled_clients: [client.clientId] });
    }
    result = await work({ name, id: created.id, leftovers });
  } catch (err) {
    failure = err;
  }
  // The work's end, a success or an error, waits for the same removal a signal would make.
  let cleanup = null;
  try {
    await remove();
  } catch (err) {
    cleanup = err;
  }
  if (interrupted) await new Promise(() => {}); // the signal's handler reports and exits the process
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  if (cleanup) {
    // A connection left behind matters more than what went wrong before: say both, fix the first.
    const before = failure ? `; before that: ${failure.message}` : '';
    throw new UpstreamError(`new tenant: could not delete the temporary connection "${name}" (${cleanup.message})${before}`, { hint: leftoverFix(name) });
  }
  if (failure) throw failure;
  return result;
}

/**
 * One password-realm login through the connection `realm`. Returns {ok, claims} or {ok: false, status,
 * error, description}. A refusal that is the app's setup (the grant, the client) throws with the fix.
 */
async function loginThrough(client, out, { realm, username, password }) {
  const r = await client.passwordRealmLogin({ realm, username, password });
  const body = r.body && typeof r.body === 'object' ? r.body : {};
  for (const k of ['access_token', 'id_token', 'refresh_token']) out.addSecret(body[k]);
  if (r.status === 200) {
    const claims = claimsOf(body.id_token);
    if (!claims)
      throw new UpstreamError('new tenant: the login succeeded but its reply has no readable ID token', {
        hint: 'the app must get an ID token for scope openid (Applications > (the app) > Advanced Settings > OAuth)',
      });
    return { ok: true, claims };
  }
  const error = typeof body.error === 'string' ? body.error : `HTTP ${r.status}`;
  const description = typeof body.error_description === 'string' ? body.error_description : '';
  if (error === 'unauthorized_client') throw new UpstreamError(`new tenant: this tool's app may not use the Password grant (${description || error})`, { hint: GRANT_FIX });
  if (error === 'access_denied' && /^Unauthorized$/i.test(description)) {
    throw new UpstreamError("new tenant: this tool's app's client id or secret was refused for the login", { hint: 'check ALM_NEW_CLIENT_ID and ALM_NEW_CLIENT_SECRET' });
  }
  return { ok: false, status: r.status, error, description };
}

module.exports = { LIVE_SCOPES, requireScopes, removeLeftovers, withTemporaryConnection, loginThrough };
