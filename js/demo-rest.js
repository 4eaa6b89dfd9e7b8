'use strict';
/**
 * The rest source's part of `make demo` (js/demo.js): the contract's reference store
 * (js/fakes/rest-store.js) on loopback with its sample users, and the built dist/rest/login.js and
 * dist/rest/get_user.js in the sandbox emulation, one step per outcome a newcomer should see.
 *
 * Why a part of its own: the auth0 story needs a fake tenant and a population; this one needs only
 * the store, and says in a few lines that the same scripts' logic serves a home-grown user store.
 * Nothing secret is printed: the shared secret is random per run, passwords are never in a row.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { createContainer } = require('./sandbox');
const { startRestStore, SAMPLE_USERS } = require('./fakes/rest-store');
const { scriptFile } = require('./sources');

const [ADA, BLOCKED] = SAMPLE_USERS;
/** [script, identifier, password (never printed), what it shows, expected outcome]. */
const STEPS = [
  ['login', ADA.email, ADA.password, 'right password', 'success'],
  ['login', ADA.email, 'not-her-password', 'wrong password', 'wrong_password'],
  ['login', BLOCKED.email, BLOCKED.password, 'blocked in the store', 'unauthorized'],
  ['login', 'nobody@example.com', 'whatever-it-is', 'no such user', 'wrong_password'],
  ['get_user', 'nobody@example.com', null, 'sign-up with a new email', 'not_found'],
];

/**
 * Runs the steps; prints each with `row` (js/demo.js's table layout) and `log`. Returns the number
 * of steps that did not end as expected.
 */
async function restDemo({ root, row, log = console.log }) {
  const read = (kind) => fs.readFileSync(path.join(root, 'dist', scriptFile('rest', kind)), 'utf8');
  const scripts = { login: read('login'), get_user: read('get_user') };
  const secret = crypto.randomBytes(32).toString('base64url');
  const store = await startRestStore({ secret, users: SAMPLE_USERS.map((u) => ({ ...u })) });
  let unexpected = 0;
  try {
    const container = createContainer({ configuration: { Base_URL: store.url, Shared_Secret: secret } });
    log('');
    log(`rest source: ${scriptFile('rest', 'login')} and ${scriptFile('rest', 'get_user')} against the contract's reference store at ${store.url}`);
    log('  (docs/rest-contract.md: two signed POSTs; settings Base_URL and Shared_Secret)');
    for (const [i, [kind, who, password, what, expected]] of STEPS.entries()) {
      const from = store.requests.length;
      const r = await container.invoke(scripts[kind], { kind, args: password === null ? [who] : [who, password] });
      const ok = r.outcome === expected && r.violations.length === 0;
      if (!ok) unexpected += 1;
      const requests = store.requests.slice(from).map((q) => `${q.endpoint}:${q.status}`);
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
      if (!ok) log(`${' '.repeat(12)}UNEXPECTED: the story expects ${expected}${r.error ? ` (${r.error.message})` : ''}`);
    }
    log(`rest source: ${STEPS.length - unexpected} of ${STEPS.length} steps as expected, ${store.requests.length} requests to the store`);
  } finally {
    await store.close();
  }
  return unexpected;
}

module.exports = { restDemo, STEPS };
