'use strict';
/**
 * The rehearsal world: a fake OLD tenant and a fake NEW tenant on loopback, populated as a migration
 * begins, for `auth0-lazy-migrate rehearse` (an operator practising docs/runbook.md offline) and for
 * the command line's end-to-end tests (tests/support/fake-tenant/cli-harness.js).
 *
 * Why one module: the population, the apps and the connection names the command line is pointed at
 * are facts the runbook, the rehearsal and the tests must share; written once here, they cannot drift.
 *
 * - OLD tenant: the seed population (js/fakes/seed.js: the edge cases, Ada Lovelace for `try login`)
 *   plus a generated sample of ordinary users in the migrated connection (a few of them blocked), so
 *   that `status` and `tail` have something to count and import. The sample's passwords are random
 *   per world and never leave this process (but for the traffic's script process, over IPC).
 * - NEW tenant: the seed's applications (the tool's M2M app among them), one empty database connection.
 * - TRAFFIC: users logging in to the NEW tenant by themselves, the lazy migration's own work
 *   (js/fakes/traffic.js). Once the new tenant's connection runs our login script, a user of the old
 *   connection not yet migrated tries to log in every so often (`traffic.perMinute`; seeded: mostly the
 *   right password, sometimes a wrong one or an unknown email): the DEPLOYED script runs with the
 *   DEPLOYED settings in the sandbox emulation, in a child process started with NODE_EXTRA_CA_CERTS
 *   (Node's fetch trusts the fakes' CA only through it), the returned user is stored as "Import Users
 *   to Auth0" does, and the outcome is logged (`tenant.addLog`: s, fp, fu, f). So `logs` shows events
 *   and `status` progress before any `tail`; after `retire --deploy` the logins left are `fu`.
 *   `loginOnce()` drives one login now (tests), whatever the rate.
 *
 * Nothing here is secret: every client secret is the seed's published test value.
 */

const crypto = require('node:crypto');
const { startFakeTenant, SEED } = require('./fake-tenant');
const { seed } = require('./seed');
const { Traffic } = require('./traffic');

const NEW_CONNECTION = 'Username-Password-Authentication';
const NEW_CONNECTION_ID = 'con_NewTenantUsers01';
/**
 * Ordinary users added to the old tenant's migrated connection: enough for status and tail to show,
 * few enough that the runbook's `reset-passwords` (20 emails a minute by default) ends in about two
 * minutes of a rehearsal (and of tests/js/runbook.test.js).
 */
const DEFAULT_SAMPLE_SIZE = 30;
/** Every how many sample users one is blocked (blocked users are never migrated). */
const BLOCKED_EVERY = 10;
/** The user the runbook's `try login` step names, with the seed's (public, test-only) password. */
const TRY_USER = SEED.users.full;

/** The new tenant's population: the seed's applications, one empty database connection, no users. */
function newTenantSeed() {
  const s = seed();
  // This tool's app on the new tenant may also make and remove the temporary probe connections of
  // `doctor --live` and `try --remote`, and log in through them (the Password grant, with a realm).
  const cli = s.clients.find((c) => c.client_id === SEED.clients.cli.client_id);
  cli.grant_types = [...cli.grant_types, 'http://auth0.com/oauth/grant-type/password-realm'];
  cli.management_api_scopes = [...cli.management_api_scopes, 'create:connections', 'delete:connections'];
  return {
    clients: s.clients,
    // requires_username as on the old tenant's migrated connection, whose users have usernames (doctor checks that they fit).
    connections: [{ id: NEW_CONNECTION_ID, name: NEW_CONNECTION, strategy: 'auth0', requires_username: true, enabled_clients: s.clients.map((c) => c.client_id) }],
    users: [],
    defaultDirectory: NEW_CONNECTION,
  };
}

/** `n` ordinary users of the migrated connection; ids and emails are stable, passwords random. */
function sampleUsers(n) {
  return Array.from({ length: n }, (_, i) => {
    const k = String(i + 1).padStart(4, '0');
    return {
      user_id: `auth0|65a0000000000000000${k.padStart(5, '0')}`,
      connection: SEED.connections.legacy,
      password: crypto.randomBytes(12).toString('hex'),
      email: `sample.user${k}@example.com`,
      email_verified: i % 7 !== 0,
      username: `sample_user${k}`,
      name: `Sample User ${k}`,
      nickname: `sample${k}`,
      user_metadata: { plan: ['free', 'pro', 'team'][i % 3] },
      ...((i + 1) % BLOCKED_EVERY === 0 ? { blocked: true } : {}),
      created_at: '2022-02-02T00:00:00.000Z',
      updated_at: '2022-02-02T00:00:00.000Z',
      logins_count: i % 11,
    };
  });
}

/** The old tenant's population: the seed plus `sampleSize` sample users. */
function oldTenantSeed({ sampleSize = DEFAULT_SAMPLE_SIZE } = {}) {
  const s = seed();
  s.users.push(...sampleUsers(sampleSize));
  return s;
}

/** The values the command line reads for the old tenant (the Migration App), secrets apart. */
function oldValues(tenant) {
  return { ALM_DOMAIN: tenant.domain, ALM_CLIENT_ID: SEED.clients.migrationApp.client_id, ALM_CONNECTION: SEED.connections.legacy };
}

/** The values for the new tenant and this tool's M2M app there, secrets apart. */
function newValues(tenant) {
  return { ALM_NEW_DOMAIN: tenant.domain, ALM_NEW_CLIENT_ID: SEED.clients.cli.client_id, ALM_NEW_CONNECTION: NEW_CONNECTION };
}

/** The two client secrets, under the names the command line reads (the runbook's secrets.json). */
function secrets() {
  return { ALM_CLIENT_SECRET: SEED.clients.migrationApp.client_secret, ALM_NEW_CLIENT_SECRET: SEED.clients.cli.client_secret };
}

/**
 * Starts both tenants and their traffic. Resolves with {old, new, caPath, values, secrets, tryUser,
 * describe(), loginOnce(), close()}: `values` are the ALM_* values (no secret), `describe()` what each
 * tenant holds now and what the traffic did. `traffic`: {perMinute (default 0: only loginOnce), seed
 * (default 0), onLogin(result)} (js/fakes/traffic.js).
 */
async function startWorld({ sampleSize = DEFAULT_SAMPLE_SIZE, oldOptions = {}, newOptions = {}, traffic = {} } = {}) {
  const [oldT, newT] = await Promise.all([startFakeTenant({ seed: oldTenantSeed({ sampleSize }), ...oldOptions }), startFakeTenant({ seed: newTenantSeed(), ...newOptions })]);
  const logins = new Traffic({ oldTenant: oldT, newTenant: newT, caPath: oldT.caPath, oldConnection: SEED.connections.legacy, newConnection: NEW_CONNECTION, ...traffic });
  const describe = () => {
    const legacy = oldT.users.filter((u) => u.connection === SEED.connections.legacy);
    const scripts = (newT.connection(NEW_CONNECTION).options || {}).customScripts || {};
    return {
      old: { users: legacy.length, blocked: legacy.filter((u) => u.blocked).length },
      new: {
        users: newT.users.filter((u) => u.connection === NEW_CONNECTION).length,
        passwordResets: newT.passwordResets.length,
        login: !scripts.login ? 'none' : /retired/i.test(scripts.login.slice(0, 2000)) ? 'retired' : /auth0-lazy-migrate/.test(scripts.login.slice(0, 2000)) ? 'migration' : 'other',
        logEvents: newT.logs.length,
      },
      traffic: logins.summary(),
    };
  };
  return {
    old: oldT,
    new: newT,
    caPath: oldT.caPath,
    values: { ...oldValues(oldT), ...newValues(newT) },
    secrets: secrets(),
    tryUser: { email: TRY_USER.email, password: TRY_USER.password },
    describe,
    loginOnce: () => logins.loginOnce(),
    close: () =>
      logins
        .close()
        .then(() => Promise.all([oldT.close(), newT.close()]))
        .then(() => undefined),
  };
}

module.exports = {
  NEW_CONNECTION,
  NEW_CONNECTION_ID,
  DEFAULT_SAMPLE_SIZE,
  TRY_USER,
  newTenantSeed,
  sampleUsers,
  oldTenantSeed,
  oldValues,
  newValues,
  secrets,
  startWorld,
};
