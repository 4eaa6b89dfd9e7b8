'use strict';
/**
 * Default population of the fake OLD Auth0 tenant (js/fakes/fake-tenant.js).
 *
 * TEST-ONLY DATA: every secret and password below is a public, made-up string that protects nothing.
 *
 * Shapes follow what the old tenant holds:
 * - clients: Auth0 applications. `grant_types` uses Auth0's grant type names; `management_api_scopes`
 *   stands for the client grant to the tenant's Management API (audience `https://<domain>/api/v2/`,
 *   which is only known once the server has a port); absent = no client grant at all.
 * - connections: database connections; `enabled_clients` lists the client ids allowed to use them.
 * - users: Auth0 database users plus the test-only fields the fake needs (`password`, `mfa_enrolled`,
 *   `password_leaked`). Emails and usernames are given as the user typed them; the fake stores them
 *   lower-cased, as Auth0 database connections do.
 *
 * `seed()` returns a fresh deep copy each call so tests can mutate their tenant freely.
 * `SEED` is a frozen index of the ids/passwords tests refer to.
 */

const MIGRATION_APP = 'migration-app-client-id';
const CC_ONLY = 'cc-only-client-id';
const NO_SCOPE = 'no-scope-client-id';
const NO_GRANT = 'no-grant-client-id';
const CLI = 'cli-client-id';

const GRANT_PASSWORD = 'password';
const GRANT_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const GRANT_CC = 'client_credentials';

const UPA = 'Username-Password-Authentication';
const LEGACY = 'legacy-db';
const NOT_ENABLED = 'not-enabled-db';

const ALL_CLIENTS = [MIGRATION_APP, CC_ONLY, NO_SCOPE, NO_GRANT, CLI];

const clients = [
  {
    client_id: MIGRATION_APP,
    client_secret: 'migration-app-client-SECRET-value-1',
    name: 'Migration App',
    app_type: 'non_interactive',
    grant_types: [GRANT_PASSWORD, GRANT_REALM, GRANT_CC],
    token_endpoint_auth_method: 'client_secret_post',
    // Auth0's "Trust Token Endpoint IP Header": honour `auth0-forwarded-for` for brute-force checks.
    token_endpoint_ip_header_trusted: false,
    management_api_scopes: ['read:users'],
  },
  {
    client_id: CC_ONLY,
    client_secret: 'cc-only-client-SECRET-value-2',
    name: 'Client Credentials Only',
    app_type: 'non_interactive',
    grant_types: [GRANT_CC],
    token_endpoint_auth_method: 'client_secret_post',
    token_endpoint_ip_header_trusted: false,
    management_api_scopes: ['read:users'],
  },
  {
    // Authorised for the Management API, but without read:users: calls get 403 insufficient_scope.
    client_id: NO_SCOPE,
    client_secret: 'no-scope-client-SECRET-value-3',
    name: 'No Users Scope',
    app_type: 'non_interactive',
    grant_types: [GRANT_PASSWORD, GRANT_REALM, GRANT_CC],
    token_endpoint_auth_method: 'client_secret_post',
    token_endpoint_ip_header_trusted: false,
    management_api_scopes: ['read:clients'],
  },
  {
    // No client grant for the Management API at all: the token request itself is refused.
    client_id: NO_GRANT,
    client_secret: 'no-grant-client-SECRET-value-4',
    name: 'Not Authorised For Management API',
    app_type: 'non_interactive',
    grant_types: [GRANT_CC],
    token_endpoint_auth_method: 'client_secret_post',
    token_endpoint_ip_header_trusted: false,
  },
  {
    // For the operator CLI (deploying scripts, bulk export/import).
    client_id: CLI,
    client_secret: 'cli-client-SECRET-value-5',
    name: 'Migration CLI',
    app_type: 'non_interactive',
    grant_types: [GRANT_CC],
    token_endpoint_auth_method: 'client_secret_post',
    token_endpoint_ip_header_trusted: false,
    management_api_scopes: [
      'read:users',
      'create:users',
      'update:users',
      'read:connections',
      'update:connections',
      'read:connections_options',
      'update:connections_options',
      'read:clients',
      'read:client_grants',
      'read:logs',
    ],
  },
];

const connections = [
  { id: 'con_UPAdefault000001', name: UPA, strategy: 'auth0', requires_username: false, enabled_clients: ALL_CLIENTS },
  { id: 'con_LegacyDb00000002', name: LEGACY, strategy: 'auth0', requires_username: true, enabled_clients: ALL_CLIENTS },
  // Exists in the tenant, but not enabled for the Migration App (or any seed client).
  { id: 'con_NotEnabled000003', name: NOT_ENABLED, strategy: 'auth0', requires_username: false, enabled_clients: [] },
];

const gravatar = (h) => `https://s.gravatar.com/avatar/${h}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fdefault.png`;

const users = [
  {
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe82',
    connection: LEGACY,
    password: 'correct horse battery staple 1',
    email: 'ada.lovelace@example.com',
    email_verified: true,
    username: 'ada_lovelace',
    name: 'Ada Lovelace',
    nickname: 'ada',
    given_name: 'Ada',
    family_name: 'Lovelace',
    picture: gravatar('0d7b2c6bb0f1b9c3d5e0b1a2c3d4e5f6'),
    user_metadata: { plan: 'pro', prefs: { theme: 'dark', locale: 'en-GB', newsletter: false, shortcuts: ['g i', 'g p'] } },
    app_metadata: { roles: ['admin', 'billing'], tenant_ref: 42 },
    created_at: '2020-10-06T15:18:31.912Z',
    updated_at: '2024-03-01T09:00:00.000Z',
    last_login: '2024-03-01T09:00:00.000Z',
    logins_count: 42,
    last_ip: '198.51.100.7',
  },
  {
    // No metadata at all, unverified email, defaults for name/nickname/picture as Auth0 fills them.
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe83',
    connection: LEGACY,
    password: 'correct horse battery staple 2',
    email: 'no.meta@example.com',
    email_verified: false,
    username: 'no_meta',
    name: 'no.meta@example.com',
    nickname: 'no.meta',
    picture: gravatar('1e8c3d7cc1f2cad4e6f1c2b3d4e5f607'),
    created_at: '2021-01-02T03:04:05.678Z',
    updated_at: '2021-01-02T03:04:05.678Z',
    logins_count: 0,
  },
  {
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe84',
    connection: LEGACY,
    password: 'correct horse battery staple 3',
    email: 'blocked.user@example.com',
    email_verified: true,
    username: 'blocked_user',
    name: 'Blocked User',
    nickname: 'blocked.user',
    picture: gravatar('2f9d4e8dd2a3dbe5f7a2d3c4e5f60718'),
    blocked: true,
    created_at: '2021-02-02T00:00:00.000Z',
    updated_at: '2023-02-02T00:00:00.000Z',
    last_login: '2022-12-24T10:00:00.000Z',
    logins_count: 3,
  },
  {
    // MFA enrolled: the password grant answers mfa_required (the password was right).
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe85',
    connection: LEGACY,
    password: 'correct horse battery staple 4',
    email: 'mfa.user@example.com',
    email_verified: true,
    username: 'mfa_user',
    name: 'Mfa User',
    nickname: 'mfa.user',
    picture: gravatar('3a0e5f9ee3b4ecf6a8b3e4d5f6071829'),
    mfa_enrolled: true,
    user_metadata: { plan: 'free' },
    created_at: '2021-03-03T00:00:00.000Z',
    updated_at: '2023-03-03T00:00:00.000Z',
    logins_count: 9,
  },
  {
    // Breached password detection blocks this user's (correct) password.
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe86',
    connection: LEGACY,
    password: 'correct horse battery staple 5',
    password_leaked: true,
    email: 'leaked.user@example.com',
    email_verified: true,
    username: 'leaked_user',
    name: 'Leaked User',
    nickname: 'leaked.user',
    picture: gravatar('4b1f60aff4c5fd07b9c4f5e607182a3b'),
    created_at: '2021-04-04T00:00:00.000Z',
    updated_at: '2023-04-04T00:00:00.000Z',
    logins_count: 1,
  },
  {
    // Username with Lucene-special characters (+ and -, both legal in Auth0 usernames).
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe87',
    connection: LEGACY,
    password: 'correct horse battery staple 6',
    email: 'dev.ops@example.com',
    email_verified: true,
    username: 'dev+ops-1',
    name: 'Dev Ops',
    nickname: 'devops',
    given_name: 'Dev',
    family_name: 'Ops',
    picture: gravatar('5c20710b05d60e18cad5060718293b4c'),
    app_metadata: { roles: ['operator'] },
    created_at: '2021-05-05T00:00:00.000Z',
    updated_at: '2023-05-05T00:00:00.000Z',
    logins_count: 5,
  },
  {
    // Signed up typing a mixed-case email; Auth0 stores it lower-cased.
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe88',
    connection: LEGACY,
    password: 'correct horse battery staple 7',
    email: 'Mixed.Case@Example.COM',
    email_verified: true,
    username: 'mixed_case',
    name: 'Mixed Case',
    nickname: 'mixed.case',
    picture: gravatar('6d31821c16e71f29dbe6171829304c5d'),
    user_metadata: { plan: 'team' },
    created_at: '2021-06-06T00:00:00.000Z',
    updated_at: '2023-06-06T00:00:00.000Z',
    logins_count: 2,
  },
  {
    // Same email as the next user, different connection, id and password.
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe89',
    connection: UPA,
    password: 'correct horse battery staple 8',
    email: 'same.email@example.com',
    email_verified: true,
    name: 'Same Email (default directory)',
    nickname: 'same.email',
    picture: gravatar('7e42932d27f8203aecf7282930415d6e'),
    user_metadata: { source: 'default-directory' },
    created_at: '2021-07-07T00:00:00.000Z',
    updated_at: '2023-07-07T00:00:00.000Z',
    logins_count: 7,
  },
  {
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe8a',
    connection: LEGACY,
    password: 'correct horse battery staple 9',
    email: 'same.email@example.com',
    email_verified: false,
    username: 'same_email',
    name: 'Same Email (legacy-db)',
    nickname: 'same.email',
    picture: gravatar('8f53a43e3809314bfd08393a41526e7f'),
    user_metadata: { source: 'legacy-db' },
    created_at: '2021-08-08T00:00:00.000Z',
    updated_at: '2023-08-08T00:00:00.000Z',
    logins_count: 8,
  },
  {
    // A full profile in the tenant's Default Directory (plain `password` grant).
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe8b',
    connection: UPA,
    password: 'correct horse battery staple 10',
    email: 'grace.hopper@example.com',
    email_verified: true,
    name: 'Grace Hopper',
    nickname: 'grace',
    given_name: 'Grace',
    family_name: 'Hopper',
    picture: gravatar('9064b54f491a425c0e194a4b52637f80'),
    user_metadata: { plan: 'pro', prefs: { theme: 'light' } },
    app_metadata: { roles: ['admiral'] },
    created_at: '2019-12-09T00:00:00.000Z',
    updated_at: '2024-01-01T00:00:00.000Z',
    last_login: '2024-01-01T00:00:00.000Z',
    logins_count: 99,
  },
  {
    user_id: 'auth0|5f7c8ec7c33c6c004bbafe8c',
    connection: NOT_ENABLED,
    password: 'correct horse battery staple 11',
    email: 'not.enabled@example.com',
    email_verified: true,
    name: 'Not Enabled',
    nickname: 'not.enabled',
    picture: gravatar('a175c6605a2b536d1f2a5b5c63748091'),
    created_at: '2022-01-01T00:00:00.000Z',
    updated_at: '2022-01-01T00:00:00.000Z',
    logins_count: 0,
  },
];

/** @returns {{clients: object[], connections: object[], users: object[], defaultDirectory: string}} */
function seed() {
  return structuredClone({ clients, connections, users, defaultDirectory: UPA });
}

function deepFreeze(o) {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}

const byId = (id) => users.find((u) => u.user_id === id);
const handle = (id) => {
  const u = byId(id);
  return { user_id: u.user_id, email: u.email, username: u.username, password: u.password, connection: u.connection };
};
const clientHandle = (id) => {
  const c = clients.find((x) => x.client_id === id);
  return { client_id: c.client_id, client_secret: c.client_secret };
};

/** Frozen index of the seed's ids and (test-only) secrets, for tests. */
const SEED = deepFreeze({
  grants: { password: GRANT_PASSWORD, realm: GRANT_REALM, clientCredentials: GRANT_CC },
  connections: { defaultDirectory: UPA, legacy: LEGACY, notEnabled: NOT_ENABLED },
  clients: {
    migrationApp: clientHandle(MIGRATION_APP),
    ccOnly: clientHandle(CC_ONLY),
    noScope: clientHandle(NO_SCOPE),
    noGrant: clientHandle(NO_GRANT),
    cli: clientHandle(CLI),
  },
  users: {
    full: handle('auth0|5f7c8ec7c33c6c004bbafe82'),
    minimal: handle('auth0|5f7c8ec7c33c6c004bbafe83'),
    blocked: handle('auth0|5f7c8ec7c33c6c004bbafe84'),
    mfa: handle('auth0|5f7c8ec7c33c6c004bbafe85'),
    leaked: handle('auth0|5f7c8ec7c33c6c004bbafe86'),
    username: handle('auth0|5f7c8ec7c33c6c004bbafe87'),
    mixedCase: handle('auth0|5f7c8ec7c33c6c004bbafe88'),
    sameEmailDefault: handle('auth0|5f7c8ec7c33c6c004bbafe89'),
    sameEmailLegacy: handle('auth0|5f7c8ec7c33c6c004bbafe8a'),
    defaultDirectory: handle('auth0|5f7c8ec7c33c6c004bbafe8b'),
    notEnabled: handle('auth0|5f7c8ec7c33c6c004bbafe8c'),
  },
});

module.exports = { seed, SEED };
