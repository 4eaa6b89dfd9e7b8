'use strict';
/**
 * The oidc source's part of `make demo` (js/demo.js): the fake OpenID provider
 * (js/fakes/oidc-provider.js) on loopback with its sample users, set up as Keycloak
 * (`Preset=keycloak`), and the built dist/oidc/login.js and dist/oidc/get_user.js in the sandbox
 * emulation, one step per outcome a newcomer should see.
 *
 * Why `documentedOnly` with RUNTIME_EXTRAS (js/fakes/dist-harness.js): as in the end-to-end tests,
 * the scripts see only Auth0's documented globals and the runtime's fetch, so the demo shows what
 * would run in a tenant. Why the Keycloak preset: it is the shortest real set-up (docs/oidc-source.md),
 * and its admin API is what get_user uses here. Nothing secret is printed: the client secret is
 * random per run, passwords are never in a row.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { createContainer } = require('./sandbox');
const { startOidcProvider, SAMPLE_USERS } = require('./fakes/oidc-provider');
const { RUNTIME_EXTRAS } = require('./fakes/dist-harness');
const { scriptFile } = require('./sources');

const [JANE, DISABLED] = SAMPLE_USERS;
/** [script, identifier, password (never printed), what it shows, expected outcome]. */
const STEPS = [
  ['login', JANE.email, JANE.password, 'right password', 'success'],
  ['login', JANE.email, 'not-her-oidc-password', 'wrong password', 'wrong_password'],
  ['login', DISABLED.email, DISABLED.password, 'disabled at the provider', 'unauthorized'],
  ['get_user', JANE.username, null, 'password reset, by username', 'found'],
  ['get_user', 'nobody@example.com', null, 'sign-up with a new email', 'not_found'],
];

/**
 * Runs the steps; prints each with `row` (js/demo.js's table layout) and `log`. Returns the number
 * of steps that did not end as expected (or broke a sandbox rule).
 */
async function oidcDemo({ root, row, log = console.log }) {
  const read = (kind) => fs.readFileSync(path.join(root, 'dist', scriptFile('oidc', kind)), 'utf8');
  const scripts = { login: read('login'), get_user: read('get_user') };
  const idp = await startOidcProvider({ clientSecret: crypto.randomBytes(24).toString('base64url') });
  let unexpected = 0;
  try {
    const configuration = { Preset: 'keycloak', Base_URL: idp.origin, Realm: idp.realm, Client_ID: idp.clientId, Client_Secret: idp.clientSecret };
    const container = createContainer({ configuration, documentedOnly: true, extraGlobals: RUNTIME_EXTRAS });
    log('');
    log(`oidc source: ${scriptFile('oidc', 'login')} and ${scriptFile('oidc', 'get_user')} against a fake OpenID provider at ${idp.origin}`);
    log(`  (docs/oidc-source.md: Preset keycloak, realm ${idp.realm}; the password grant, then Keycloak's admin API for get_user)`);
    for (const [i, [kind, who, password, what, expected]] of STEPS.entries()) {
      const from = idp.requests.length;
      const r = await container.invoke(scripts[kind], { kind, args: password === null ? [who] : [who, password], timeoutMs: 19000 });
      const ok = r.outcome === expected && r.violations.length === 0;
      if (!ok) unexpected += 1;
      const requests = idp.requests.slice(from).map((q) => `${q.endpoint}:${q.status}`);
      log(
        row([
          [i + 1, 2],
          [kind, 8],
          [who, 26],
          [what, 31],
          [r.outcome, 14],
          [r.event || '-', 5],
          [r.stored ? r.stored.user_id : '-', 37],
          [requests.join(' ') || '-', 0],
        ])
      );
      if (!ok) log(`${' '.repeat(12)}UNEXPECTED: the story expects ${expected}${r.error ? ` (${r.error.message})` : ''}${r.violations.length ? ` (sandbox: ${r.violations.join('; ')})` : ''}`);
    }
    log(`oidc source: ${STEPS.length - unexpected} of ${STEPS.length} steps as expected, ${idp.requests.length} requests to the provider`);
  } finally {
    await idp.close();
  }
  return unexpected;
}

module.exports = { oidcDemo, STEPS };
