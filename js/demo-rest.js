'use strict';
/**
 * The rest source's part of `make demo` (run by js/demo-source.js): the contract's reference store
 * (js/fakes/rest-store.js) on loopback with its sample users, and the built dist/rest/*.js.
 */
const crypto = require('node:crypto');
const { startRestStore, SAMPLE_USERS } = require('./fakes/rest-store');

const [ADA, BLOCKED] = SAMPLE_USERS;
/** [script, identifier, password (never printed), what it shows, expected outcome]. */
const STEPS = [
  ['login', ADA.email, ADA.password, 'right password', 'success'],
  ['login', ADA.email, 'not-her-password', 'wrong password', 'wrong_password'],
  ['login', BLOCKED.email, BLOCKED.password, 'blocked in the store', 'unauthorized'],
  ['login', 'nobody@example.com', 'whatever-it-is', 'no such user', 'wrong_password'],
  ['get_user', 'nobody@example.com', null, 'sign-up with a new email', 'not_found'],
];

const DEMO = {
  source: 'rest',
  noun: 'store',
  steps: STEPS,
  async start() {
    const secret = crypto.randomBytes(32).toString('base64url');
    const store = await startRestStore({ secret, users: SAMPLE_USERS.map((u) => ({ ...u })) });
    return Object.assign(store, { secret });
  },
  configuration: (store) => ({ Base_URL: store.url, Shared_Secret: store.secret }),
  about: (store) => [`against the contract's reference store at ${store.url}`, 'docs/rest-contract.md: two signed POSTs; settings Base_URL and Shared_Secret'],
};

module.exports = { DEMO, STEPS };
