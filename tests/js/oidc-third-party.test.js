'use strict';
/**
 * The built dist/oidc/login.js against a provider we did not write: oauth2-mock-server 7.2.1
 * (pinned exactly in package.json), on loopback HTTPS with the test CA's key and certificate, once
 * with an RS256 key and once with an ES256 key.
 *
 * What it does, read from its source (node_modules/oauth2-mock-server/dist/lib/oauth2-service.js):
 * - discovery at /.well-known/openid-configuration with `issuer` https://localhost:PORT (no trailing
 *   slash), `token_endpoint` /token, `userinfo_endpoint` /userinfo, `jwks_uri` /jwks; it lists
 *   `id_token_signing_alg_values_supported: ['RS256']` whatever its keys are;
 * - the token endpoint takes a form body; for `grant_type=password` it signs an access token with
 *   `sub` = the username and an ID token with `sub: 'johndoe'` and `aud` = the client id (from HTTP
 *   Basic, else the body), `iat`, `exp` = iat + 3600 and `nbf` = iat - 10, with the key's `alg` and
 *   `kid`. It checks neither the password nor the client secret;
 * - userinfo answers `{sub: 'johndoe'}` to any request;
 * - `beforeTokenSigning(token, req)` may change a token's header and payload before signing,
 *   `beforeUserinfo(response, req)` and `beforeResponse(response, req)` the replies.
 *
 * Where it agrees with our fake (js/fakes/oidc-provider.js): the form-encoded password grant with
 * Basic client authentication, discovery, a JWKS the scripts select keys from by `kid` for RS256 and
 * ES256 (raw r||s signatures), the ID token's `iss`/`aud`/`exp`/`iat`/`nbf`, userinfo with the same
 * `sub`. Where it differs: it accepts any password (so a wrong password is shown here only through
 * `beforeResponse` answering `invalid_grant`, as a real provider does), its stock ID token carries
 * no `email` or `preferred_username` (so the scripts refuse it: the claims must name the user who
 * typed), and it has none of the admin APIs (get_user is covered against our fake only).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { OAuth2Server } = require('oauth2-mock-server');
const { ensureTestCa } = require('../../js/fakes/ca');
const { createContainer, formatReport } = require('../../js/sandbox');
const { RUNTIME_EXTRAS } = require('../../js/fakes/dist-harness');

const LOGIN = fs.readFileSync(path.join(__dirname, '..', '..', 'dist', 'oidc', 'login.js'), 'utf8');
const CLIENT_ID = 'third-party-client';
const CLIENT_SECRET = 'mock-server-does-not-check-this-secret';
const PASSWORD = 'any password works here';
const USER = { email: 'jane@example.com', preferred_username: 'jane', name: 'Jane Doe', locale: 'en-GB' };
const printed = [];

/** A started server with one key of `alg`; ID tokens and userinfo carry USER's claims when `withClaims`. */
async function startMock(alg) {
  const ca = ensureTestCa();
  const server = new OAuth2Server(ca.keyPath, ca.certPath);
  await server.issuer.keys.generate(alg);
  await server.start(0, 'localhost');
  const state = { withClaims: true, refuse: false };
  server.service.on('beforeTokenSigning', (token) => {
    // The ID token is the one issued to the client (`aud`); the access token has the scope instead.
    if (state.withClaims && token.payload.aud === CLIENT_ID) Object.assign(token.payload, { email: USER.email, preferred_username: USER.preferred_username });
  });
  server.service.on('beforeUserinfo', (response) => {
    if (state.withClaims) Object.assign(response.body, USER);
  });
  server.service.on('beforeResponse', (response) => {
    if (!state.refuse) return;
    response.statusCode = 400;
    response.body = { error: 'invalid_grant', error_description: 'Invalid user credentials' };
  });
  return { server, state, issuer: server.issuer.url };
}

async function login(mock, identifier) {
  const configuration = { Issuer: mock.issuer, Client_ID: CLIENT_ID, Client_Secret: CLIENT_SECRET, Lookup: 'none', User_Metadata_Claims: 'locale' };
  const r = await createContainer({ configuration, documentedOnly: true, extraGlobals: RUNTIME_EXTRAS }).invoke(LOGIN, { kind: 'login', args: [identifier, PASSWORD], timeoutMs: 19000 });
  printed.push(formatReport(r), ...r.logs.map(String), r.error ? r.error.message : '');
  assert.deepEqual(r.violations, [], r.violations.join('; '));
  assert.equal(r.callbackCalls, 1);
  return r;
}

for (const alg of ['RS256', 'ES256']) {
  test.describe(`oauth2-mock-server with an ${alg} key`, () => {
    let mock;
    test.before(async () => {
      mock = await startMock(alg);
    });
    test.after(() => mock.server.stop());
    test.afterEach(() => Object.assign(mock.state, { withClaims: true, refuse: false }));

    test('its issuer is https://localhost:PORT and its JWKS holds one key of that algorithm', async () => {
      assert.match(mock.issuer, /^https:\/\/localhost:\d+$/);
      const jwks = await (await fetch(`${mock.issuer}/jwks`)).json();
      assert.deepEqual(
        jwks.keys.map((k) => [k.kty, k.alg]),
        [[alg === 'RS256' ? 'RSA' : 'EC', alg]]
      );
    });

    test('the password grant, the verified ID token and userinfo migrate the user', async () => {
      const r = await login(mock, 'Jane@Example.com');
      assert.equal(r.outcome, 'success', r.error && r.error.message);
      assert.deepEqual(r.profile, {
        user_id: 'johndoe',
        email: USER.email,
        username: 'jane',
        name: 'Jane Doe',
        user_metadata: { locale: 'en-GB' },
        app_metadata: {},
      });
    });

    test('its stock ID token names no one: refused, never migrated as someone else', async () => {
      mock.state.withClaims = false;
      const r = await login(mock, USER.email);
      assert.equal(r.outcome, 'error');
      assert.match(r.error.message, /another user/);
    });

    test('invalid_grant (made through beforeResponse) is a wrong password', async () => {
      mock.state.refuse = true;
      assert.equal((await login(mock, USER.email)).outcome, 'wrong_password');
    });
  });
}

test('no password and no secret in anything printed', () => {
  const text = printed.join('\n');
  assert.ok(printed.length > 10);
  for (const n of [PASSWORD, CLIENT_SECRET]) assert.ok(!text.includes(n), `${n.slice(0, 3)}... found in the output`);
});
