'use strict';
/**
 * `make demo`: the whole lazy migration in a few seconds, offline, without an Auth0 account.
 *
 * Why: a newcomer should see what the pasted scripts do before setting anything up. This starts the fake
 * OLD tenant (js/fakes/fake-tenant.js) with the seed population plus a tail of users who never log
 * in, plays the NEW tenant with the built dist/login.js and dist/get_user.js in the sandbox emulation
 * (js/sandbox/, one warm container, as Auth0 keeps one), and walks through simulated logins and
 * lookups, printing per step the outcome, the Auth0 log event and the user id the new tenant stores,
 * then the progress. The new tenant's own user store is a Map here: a user it already holds never
 * reaches the login script again, as with "Import Users to Auth0" on. Then, briefly, each other
 * source (js/demo-source.js DEMOS): the rest source's scripts against the rest contract's reference
 * store (js/demo-rest.js), the oidc source's against a fake OpenID provider set up as Keycloak
 * (js/demo-oidc.js), and so on.
 *
 * Output never holds a password or the client secret: rows print identifiers, outcomes, ids and the
 * script's own messages only (tests/js/demo.test.js checks this). Exits 1 if a step does not end
 * the way this story expects, so the demo doubles as a smoke test of dist/.
 */
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ensureTestCa } = require('./fakes/ca');

const ROOT = path.join(__dirname, '..');
const { caPath } = ensureTestCa();

// Node reads NODE_EXTRA_CA_CERTS only at start-up: without it set to the fake's CA, run this file
// again in a child that has it (the scripts keep certificate checks on, as in production).
if (process.env.NODE_EXTRA_CA_CERTS !== caPath) {
  const r = spawnSync(process.execPath, [__filename, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caPath },
  });
  process.exit(r.status === null ? 1 : r.status);
}

const { createContainer } = require('./sandbox');
const { startFakeTenant, SEED } = require('./fakes/fake-tenant');
const { sourceDemo, DEMOS } = require('./demo-source');

const U = SEED.users;
const APP = SEED.clients.migrationApp;
const CONNECTION = SEED.connections.legacy;
const TAIL_SIZE = 12;

/** Users of the migrated connection who will never log in during the demo (random, unprinted passwords). */
function tailUsers() {
  return Array.from({ length: TAIL_SIZE }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    return {
      user_id: `auth0|64b0c0de00000000000000${n}`,
      connection: CONNECTION,
      password: crypto.randomBytes(12).toString('hex'),
      email: `tail.user${n}@example.com`,
      email_verified: true,
      name: `Tail User ${n}`,
      nickname: `tail${n}`,
      created_at: '2022-02-02T00:00:00.000Z',
      updated_at: '2022-02-02T00:00:00.000Z',
      logins_count: 0,
    };
  });
}

const WRONG = 'not-the-password';
/** The story: [script, identifier, password (never printed), what it shows, expected outcome]. */
const STEPS = [
  ['login', U.full.email, U.full.password, 'right password', 'success'],
  ['login', U.minimal.email, WRONG, 'wrong password', 'wrong_password'],
  ['login', U.minimal.email, U.minimal.password, 'right password, next try', 'success'],
  ['login', 'MIXED.case@example.com', U.mixedCase.password, 'email typed in another case', 'success'],
  ['login', U.username.username, U.username.password, 'logs in with a username', 'success'],
  ['login', U.blocked.email, U.blocked.password, 'blocked in the old tenant', 'unauthorized'],
  ['login', U.mfa.email, U.mfa.password, 'MFA enrolled', 'success'],
  ['login', U.leaked.email, U.leaked.password, 'breached password', 'unauthorized'],
  ['login', U.full.email, U.full.password, 'logs in again', 'new_tenant'],
  ['get_user', 'tail.user07@example.com', null, 'password reset, never logged in', 'found'],
  ['get_user', 'nobody@example.com', null, 'sign-up with a new email', 'not_found'],
];

/** The old tenant's requests during one step, shortened: "token(realm) users/{id}". */
function calls(requests) {
  const short = (q) => {
    const grant = { client_credentials: 'cc', 'http://auth0.com/oauth/grant-type/password-realm': 'realm' }[q.grant_type];
    if (q.path === '/oauth/token') return `token(${grant || q.grant_type})`;
    if (q.path.startsWith('/api/v2/users/')) return 'users/{id}';
    return q.path.replace(/^\/api\/v2\//, '').replace(/^\/\.well-known\//, '');
  };
  return requests.map((q) => `${short(q)}:${q.status}`).join(' ') || '-';
}

const row = (cells) =>
  cells
    .map(([text, width]) => String(text).padEnd(width))
    .join(' ')
    .trimEnd();

async function main() {
  const started = Date.now();
  const login = fs.readFileSync(path.join(ROOT, 'dist', 'login.js'), 'utf8');
  const getUser = fs.readFileSync(path.join(ROOT, 'dist', 'get_user.js'), 'utf8');
  const tenant = await startFakeTenant();
  let unexpected = 0;
  try {
    for (const u of tailUsers()) tenant.addUser(u);
    const population = tenant.users.filter((u) => u.connection === CONNECTION);
    const container = createContainer({
      configuration: { Domain: tenant.domain, Client_ID: APP.client_id, Client_Secret: APP.client_secret, Connection: CONNECTION },
    });
    /** The new tenant's users, by lower-cased email and username: what Auth0 stored after a login. */
    const newTenant = new Map();

    console.log('auth0-lazy-migrate demo: lazy migration from a fake old tenant, offline');
    console.log(`  old tenant: fake at ${tenant.url}, connection ${CONNECTION} with ${population.length} users`);
    console.log('  new tenant: dist/login.js and dist/get_user.js in the sandbox emulation, Import Users on');
    console.log('');
    console.log(
      row([
        ['#', 2],
        ['script', 8],
        ['who', 26],
        ['case', 31],
        ['outcome', 14],
        ['event', 5],
        ['stored user_id (= old id?)', 37],
        ['old-tenant requests', 0],
      ])
    );
    for (const [i, [kind, who, password, what, expected]] of STEPS.entries()) {
      const from = tenant.requests.length;
      let outcome;
      let event = '-';
      let stored = '-';
      let note = '';
      const known = kind === 'login' && newTenant.get(who.toLowerCase());
      if (known) {
        outcome = 'new_tenant';
        note = 'already migrated: the new tenant checks the password itself, the script is not called';
      } else {
        const r = kind === 'login' ? await container.invoke(login, { kind, args: [who, password] }) : await container.invoke(getUser, { kind, args: [who] });
        outcome = r.outcome;
        event = r.event || '-';
        if (r.violations.length) note = `sandbox: ${r.violations.join('; ')}`;
        else if (r.error) note = r.error.message;
        if (r.stored) {
          const old = tenant.users.find((u) => u.user_id === r.stored.user_id);
          stored = `${r.stored.user_id} (${old ? 'yes' : 'NO'})`;
          if (!old) unexpected += 1;
          if (kind === 'login') {
            for (const k of [r.stored.email, r.stored.username]) if (k) newTenant.set(k.toLowerCase(), r.stored);
          } else note = 'found, not migrated: get_user never moves a password';
        }
      }
      const ok = outcome === expected;
      if (!ok) unexpected += 1;
      console.log(
        row([
          [i + 1, 2],
          [kind, 8],
          [who, 26],
          [what, 31],
          [outcome, 14],
          [event, 5],
          [stored, 37],
          [calls(tenant.requests.slice(from)), 0],
        ])
      );
      if (note) console.log(`${' '.repeat(12)}${note}`);
      if (!ok) console.log(`${' '.repeat(12)}UNEXPECTED: the story expects ${expected}`);
    }

    const migrated = new Set([...newTenant.values()].map((p) => p.user_id));
    const tail = population.filter((u) => !migrated.has(u.user_id));
    console.log('');
    console.log(
      `migrated ${migrated.size} of ${population.length} users of ${CONNECTION} by logging in ` +
        `(${Math.round((100 * migrated.size) / population.length)}%), each with the id it had in the old tenant`
    );
    console.log(
      `tail: ${tail.length} users not migrated (${tail.filter((u) => u.blocked).length} blocked, ` +
        `${tail.filter((u) => u.password_leaked).length} with a breached password, the rest never logged in): ` +
        'at the end they are moved in bulk (users-exports, then users-imports), without passwords: they reset them'
    );
    for (const demo of DEMOS) unexpected += await sourceDemo(demo, { root: ROOT, row });
    console.log('');
    console.log(`done in ${Date.now() - started} ms, ${tenant.requests.length} requests to the old tenant` + `${unexpected ? `; ${unexpected} UNEXPECTED step(s)` : ''}`);
  } finally {
    await tenant.close();
  }
  return unexpected === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`demo failed: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 1;
  }
);
