'use strict';
/**
 * The oidc source's part of `make demo` (run by js/demo-source.js): the fake OpenID provider
 * (js/fakes/oidc-provider.js) on loopback with its sample users, set up as Keycloak
 * (`Preset=keycloak`: the shortest real set-up, docs/oidc-source.md, and its admin API is what
 * get_user uses here), and the built dist/oidc/*.js.
 */
const crypto = require('node:crypto');
const { startOidcProvider, SAMPLE_USERS } = require('./fakes/oidc-provider');

const [JANE, DISABLED] = SAMPLE_USERS;
/** [script, identifier, password (never printed), what it shows, expected outcome]. */
const STEPS = [
  ['login', JANE.email, JANE.password, 'right password', 'success'],
  ['login', JANE.email, 'not-her-oidc-password', 'wrong password', 'wrong_password'],
  ['login', DISABLED.email, DISABLED.password, 'disabled at the provider', 'unauthorized'],
  ['get_user', JANE.username, null, 'password reset, by username', 'found'],
  ['get_user', 'nobody@example.com', null, 'sign-up with a new email', 'not_found'],
];

const DEMO = {
  source: 'oidc',
  noun: 'provider',
  steps: STEPS,
  start: () => startOidcProvider({ clientSecret: crypto.randomBytes(24).toString('base64url') }),
  configuration: (idp) => ({ Preset: 'keycloak', Base_URL: idp.origin, Realm: idp.realm, Client_ID: idp.clientId, Client_Secret: idp.clientSecret }),
  about: (idp) => [`against a fake OpenID provider at ${idp.origin}`, `docs/oidc-source.md: Preset keycloak, realm ${idp.realm}; the password grant, then Keycloak's admin API for get_user`],
};

module.exports = { DEMO, STEPS };
