'use strict';
/**
 * The cognito source's part of `make demo` (run by js/demo-source.js): our fake Cognito user pool
 * (js/fakes/cognito.js: AWS JSON 1.1, RS256 ID tokens, SigV4 checked on ListUsers) on loopback,
 * reached through the `Endpoint` setting, and the built dist/cognito/*.js.
 */
const { startCognito, SAMPLE_USERS } = require('./fakes/cognito');

const [JANE, DISABLED] = SAMPLE_USERS;
const FORCE = SAMPLE_USERS.find((u) => u.state === 'force');
/** [script, identifier, password (never printed), what it shows, expected outcome]. */
const STEPS = [
  ['login', JANE.attributes.email, JANE.password, 'right password', 'success'],
  ['login', JANE.attributes.email, 'not-her-cognito-password', 'wrong password', 'wrong_password'],
  ['login', DISABLED.attributes.email, DISABLED.password, 'disabled in the pool', 'unauthorized'],
  ['login', FORCE.attributes.email, FORCE.password, 'must choose a new password', 'unauthorized'],
  ['get_user', JANE.attributes.email, null, 'password reset', 'found'],
  ['get_user', 'nobody@example.com', null, 'sign-up with a new email', 'not_found'],
];

const DEMO = {
  source: 'cognito',
  noun: 'pool',
  steps: STEPS,
  start: () => startCognito(),
  configuration: (pool) => pool.settings(),
  about: (pool) => [`against a fake Cognito user pool ${pool.poolId}`, 'docs/cognito-source.md: InitiateAuth USER_PASSWORD_AUTH, the ID token checked, then ListUsers signed with SigV4 for get_user'],
};

module.exports = { DEMO, STEPS };
