'use strict';
/**
 * `tail`, `status` and `retire --deploy` for the rest and oidc sources, end to end: the CLI as a
 * child process, the old users listed from the contract's reference store (js/fakes/rest-store.js,
 * its optional list call) or from the fake OpenID provider's SCIM, Keycloak and Okta APIs
 * (js/fakes/oidc-provider.js), each serving a few users per page so every listing spans pages, and a
 * fake new tenant. Covers: exactly the users not in the new tenant imported, once, with the ids and
 * profiles the scripts give; blocked / disabled / suspended users skipped; a second run imports
 * nobody; status counts and retire's left-behind check from the listing; a store without the list
 * call and `Lookup none` refused (exit 2) before anything is written; hostile pages (looping cursor,
 * oversized, malformed, a next link to another host) end with an error and nothing imported; no
 * secret printed.
 */

const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { startRestStore } = require('../../js/fakes/rest-store');
const { startOidcProvider } = require('../../js/fakes/oidc-provider');

const SECRET = crypto.randomBytes(30).toString('base64url');
const FAST = ['--poll-interval', '20'];
const secrets = [SECRET];

/** Seven store users: five active (one of them locked, one must reset), one blocked; the last added by tests. */
const REST_USERS = [
  { user_id: 'u-1', email: 'ada@example.com', username: 'ada', password: 'rest horse 1', profile: { name: 'Ada L', email_verified: true, user_metadata: { plan: 'pro' } } },
  { user_id: 'u-2', email: 'bo@example.com', password: 'rest horse 2', profile: { given_name: 'Bo', app_metadata: { roles: ['x'] } } },
  { user_id: 'u-3', email: 'blocked@example.com', password: 'rest horse 3', state: 'blocked' },
  { user_id: 'u-4', email: 'locked@example.com', password: 'rest horse 4', state: 'locked' },
  { user_id: 'u-5', email: 'reset@example.com', password: 'rest horse 5', state: 'must_reset' },
  { user_id: 'u-6', email: 'cy@example.com', password: 'rest horse 6', profile: { nickname: 'cy' } },
];

let pair;
let tmp;
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-src-tail-'));
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
after(() => h.assertNoSecrets(h.allOutput(), [...h.seedSecrets(), ...secrets, ...REST_USERS.map((u) => u.password)]));

const files = () => ({ ALM_TAIL_STATE: path.join(tmp, 'tail.json'), ALM_STATUS_STATE: path.join(tmp, 'status.json') });
const imports = () => pair.new.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/jobs/users-imports' && r.status === 202).length;
const newUser = (id) => pair.new.users.find((u) => u.user_id === id);
const newIds = () => pair.new.users.map((u) => u.user_id).sort();

describe('--source rest', () => {
  let store;
  const start = (knobs = {}) => startRestStore({ secret: SECRET, users: REST_USERS.map((u) => ({ ...u })), pageSize: 2, ...knobs });
  const env = (s) => ({ ALM_SOURCE: 'rest', ALM_REST_BASE_URL: s.url, ALM_REST_SHARED_SECRET: SECRET, ...h.newEnv(pair.new), ...files() });
  before(async () => {
    store = await start();
  });
  after(() => store.close());
  beforeEach(() => {
    store.faults.clear();
    store.requests.length = 0;
  });

  it('status, retire, tail, then a second tail: exactly the users not in the new tenant, once, as the scripts give them', async () => {
    pair.new.addUser({ user_id: 'auth0|u-1', connection: h.NEW_CONNECTION, email: 'ada@example.com', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    const status = await h.runCli(['status', ...FAST, '--json'], { env: env(store) });
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(
      { old: status.json.counts.old, blocked: status.json.counts.blocked, migrated: status.json.counts.migrated, remaining: status.json.counts.remaining },
      { old: 6, blocked: 1, migrated: 1, remaining: 4 }
    );
    assert.equal(status.json.countMethod.name, 'listing');
    const listCalls = store.requests.filter((r) => r.endpoint === 'list-users');
    assert.equal(listCalls.length, 3, 'six users, two a page');
    assert.ok(
      listCalls.every((r) => r.status === 200 && /^v1=[0-9a-f]{64}$/.test(r.headers['x-alm-signature'])),
      'each page signed'
    );

    const refused = await h.runCli(['retire', '--deploy', '--dry-run', '--json'], { env: env(store) });
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.json.leftBehindCount, 4);
    assert.deepEqual(refused.json.leftBehind.map((u) => u.user_id).sort(), ['u-2', 'u-4', 'u-5', 'u-6']);

    const r = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env(store) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([r.json.counts.old, r.json.counts.present, r.json.counts.blocked, r.json.counts.toImport, r.json.counts.imported], [6, 1, 1, 4, 4]);
    assert.deepEqual(newIds(), ['auth0|u-1', 'auth0|u-2', 'auth0|u-4', 'auth0|u-5', 'auth0|u-6']);
    assert.equal(newUser('auth0|u-3'), undefined, 'the blocked user is not imported');
    // The profile the rest get_user script gives this user, as Auth0 would store it.
    const tried = await h.runCli(['try', 'get_user', '--user', 'bo@example.com', '--json'], { env: env(store) });
    assert.equal(tried.json.outcome, 'found', tried.stderr);
    const bo = newUser('auth0|u-2');
    for (const [k, v] of Object.entries(tried.json.profile)) if (!['identities', 'user_id'].includes(k)) assert.deepEqual(bo[k], v, k);
    assert.deepEqual(bo.app_metadata, { roles: ['x'] });

    const mark = imports();
    const again = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env(store) });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.json.counts.present, again.json.counts.toImport, again.json.counts.imported], [5, 0, 0]);
    assert.equal(imports(), mark, 'no job the second time');
    const done = await h.runCli(['retire', '--deploy', '--dry-run', '--json'], { env: env(store) });
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.json.leftBehindCount, 0);
  });

  it('a store without the optional list call: tail, status and retire refuse (exit 2), naming the call; nothing written', async () => {
    const bare = await start({ noListCall: true });
    try {
      for (const args of [['tail', '--yes'], ['status'], ['retire', '--deploy', '--dry-run']]) {
        const r = await h.runCli([...args, ...FAST, '--json'], { env: env(bare) });
        assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
        assert.match(
          r.stderr,
          new RegExp(`${args[0]} --source rest: this source cannot list its users: the user store does not serve the contract's optional list call \`POST /list-users\` \\(HTTP 404\\)`)
        );
        assert.match(r.stderr, /fix: implement the optional list call of docs\/rest-contract\.md/);
      }
      assert.equal(imports(), 0);
      assert.deepEqual(
        fs.readdirSync(tmp).filter((f) => !f.endsWith('.lock')),
        [],
        'no state, no record'
      );
    } finally {
      await bare.close();
    }
  });

  const HOSTILE = [
    ['a next cursor that loops', { kind: 'profile', body: { users: [], next_cursor: '2' }, times: 5 }, /refusing to list in a loop/],
    ['an oversized page', { kind: 'text', status: 200, text: 'x'.repeat(4_194_304) }, /4194304 bytes or more; refused/],
    ['a malformed page', { kind: 'profile', body: { people: [] } }, /malformed page \(no `users` list\)/],
    ['a page with more users than asked', { kind: 'profile', body: { users: Array.from({ length: 101 }, (_, i) => ({ user_id: `x${i}` })), next_cursor: null } }, /more than the 100 asked for/],
  ];
  for (const [what, fault, says] of HOSTILE) {
    it(`${what}: exit 3, a clear error, nothing imported or written`, async () => {
      store.faults.set('list-users', fault);
      const r = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env(store) });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, says);
      assert.match(r.stderr, /user store: user store list call: /);
      assert.equal(imports(), 0);
      assert.equal(pair.new.users.length, 0);
      assert.equal(fs.existsSync(path.join(tmp, 'tail.json')), false);
    });
  }
});

/** Seven provider users: five to import, one disabled, and Jane migrated by a login already. */
function oidcUsers() {
  const u = (i, extra = {}) => ({
    sub: `sub-${i}`,
    email: `user${i}@example.com`,
    username: `user${i}`,
    password: `oidc horse ${i}`,
    email_verified: i % 2 === 0,
    given_name: `Given${i}`,
    family_name: `Family${i}`,
    extra: { plan: i === 1 ? 'pro' : 'free' },
    ...extra,
  });
  return [u(1), u(2), u(3, { state: 'disabled' }), u(4), u(5), u(6), u(7)];
}

for (const lookup of ['scim', 'keycloak', 'okta']) {
  describe(`--source oidc, Lookup ${lookup}`, () => {
    let provider;
    before(async () => {
      provider = await startOidcProvider({ users: oidcUsers(), pageCap: 2 });
      secrets.push(provider.clientSecret, provider.oktaToken);
    });
    after(() => provider.close());
    beforeEach(() => {
      provider.reset();
      provider.requests.length = 0;
    });
    const settings = () => {
      const s = ['--setting', `Lookup=${lookup}`, '--setting', 'User_Metadata_Claims=plan'];
      if (lookup === 'scim') s.push('--setting', `SCIM_Base_URL=${provider.origin}/scim/v2`);
      if (lookup === 'keycloak') s.push('--setting', `Base_URL=${provider.origin}`, '--setting', 'Realm=acme');
      if (lookup === 'okta') s.push('--setting', `Org_URL=${provider.origin}`);
      return ['--source', 'oidc', '--oidc-issuer', provider.issuer, '--oidc-client-id', provider.clientId, ...s];
    };
    const env = () => ({ ALM_OIDC_CLIENT_SECRET: provider.clientSecret, ALM_OIDC_OKTA_API_TOKEN: provider.oktaToken, ...h.newEnv(pair.new), ...files() });

    it('tail imports the users not in the new tenant over several pages, skips the disabled one, as get_user maps them; status, a second run, retire', async () => {
      pair.new.addUser({ user_id: 'auth0|sub-1', connection: h.NEW_CONNECTION, email: 'user1@example.com', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
      const r = await h.runCli(['tail', ...settings(), '--yes', ...FAST, '--json'], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual([r.json.counts.old, r.json.counts.present, r.json.counts.blocked, r.json.counts.toImport, r.json.counts.imported], [7, 1, 1, 5, 5]);
      assert.deepEqual(newIds(), ['auth0|sub-1', 'auth0|sub-2', 'auth0|sub-4', 'auth0|sub-5', 'auth0|sub-6', 'auth0|sub-7']);
      const pages = provider.requests.filter((q) => q.endpoint === lookup);
      assert.equal(pages.length, lookup === 'keycloak' ? 5 : 4, 'two users a page (Keycloak: until an empty page)');
      // get_user's profile of the same user, as Auth0 would store it.
      const tried = await h.runCli(['try', 'get_user', ...settings(), '--user', 'user2@example.com', '--json'], { env: env() });
      assert.equal(tried.json.outcome, 'found', tried.stderr);
      const two = newUser('auth0|sub-2');
      for (const [k, v] of Object.entries(tried.json.profile)) if (!['identities', 'user_id'].includes(k)) assert.deepEqual(two[k], v, k);
      assert.deepEqual(two.user_metadata, { plan: 'free' });

      const status = await h.runCli(['status', ...settings(), ...FAST, '--json'], { env: env() });
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual([status.json.counts.old, status.json.counts.blocked, status.json.counts.migrated, status.json.counts.remaining], [7, 1, 6, 0]);
      const mark = imports();
      const again = await h.runCli(['tail', ...settings(), '--yes', ...FAST, '--json'], { env: env() });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.json.counts.imported, 0);
      assert.equal(imports(), mark);
      const retire = await h.runCli(['retire', ...settings(), '--deploy', '--dry-run', '--json'], { env: env() });
      assert.equal(retire.code, 0, retire.stderr);
      assert.equal(retire.json.leftBehindCount, 0);
    });

    it('a page that is not a user list: exit 3, nothing imported', async () => {
      provider.faults.set(lookup, { kind: 'json', body: lookup === 'scim' ? { Resources: {} } : { users: [] } });
      const r = await h.runCli(['tail', ...settings(), '--yes', ...FAST], { env: env() });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /user list: the provider's reply is not a user list/);
      assert.equal(imports(), 0);
    });
  });
}

describe('--source oidc: what cannot list', () => {
  let provider;
  before(async () => {
    provider = await startOidcProvider({ users: oidcUsers(), pageCap: 2 });
    secrets.push(provider.clientSecret, provider.oktaToken);
  });
  after(() => provider.close());
  const base = () => ['--source', 'oidc', '--oidc-issuer', provider.issuer, '--oidc-client-id', provider.clientId];
  const env = (extra = {}) => ({ ALM_OIDC_CLIENT_SECRET: provider.clientSecret, ...h.newEnv(pair.new), ...files(), ...extra });

  it('Lookup none: refused before any request (exit 2), saying why and the fix', async () => {
    const r = await h.runCli(['tail', ...base(), '--setting', 'Lookup=none', '--yes', ...FAST], { env: env() });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /tail --source oidc: this source cannot list its users: setting `Lookup` is `none`/);
    assert.match(r.stderr, /fix: set Lookup to scim, keycloak or okta/);
    assert.equal(provider.requests.filter((q) => q.endpoint !== null).length, 0, 'no request to the provider');
  });

  it('an Okta next link to another host: refused, the API token is not sent there', async () => {
    provider.faults.set('okta', { kind: 'status', status: 200, body: [], headers: { link: '<https://evil.example.com/api/v1/users?after=x>; rel="next"' } });
    const r = await h.runCli(['tail', ...base(), '--setting', 'Lookup=okta', '--setting', `Org_URL=${provider.origin}`, '--yes', ...FAST], {
      env: env({ ALM_OIDC_OKTA_API_TOKEN: provider.oktaToken }),
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /refusing to send the API token there/);
    assert.equal(imports(), 0);
  });

  it("export --source oidc: the oidc scripts and the provider's settings, the client secret only as a keyword", async () => {
    const out = path.join(tmp, 'export-oidc');
    const r = await h.runCli(['export', ...base(), '--setting', 'Lookup=keycloak', '--setting', `Base_URL=${provider.origin}`, '--setting', 'Realm=acme', '--out', out, '--format', 'deploy-cli'], {
      env: env(),
    });
    assert.equal(r.code, 0, r.stderr);
    const folder = path.join(out, 'deploy-cli', 'database-connections', h.NEW_CONNECTION);
    assert.equal(fs.readFileSync(path.join(folder, 'login.js'), 'utf8'), fs.readFileSync(path.join(h.ROOT, 'dist', 'oidc', 'login.js'), 'utf8'));
    const db = JSON.parse(fs.readFileSync(path.join(folder, 'database.json'), 'utf8'));
    assert.equal(db.options.configuration.Client_Secret, '##ALM_OIDC_CLIENT_SECRET##');
    assert.equal(db.options.configuration.Issuer, provider.issuer);
    assert.equal(JSON.stringify(db).includes(provider.clientSecret), false);
  });
});
