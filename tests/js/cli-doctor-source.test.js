'use strict';
/**
 * `doctor --source oidc` end to end, the CLI as a child process against the fake OpenID provider
 * (js/fakes/oidc-provider.js) on loopback: each credential the scripts use is checked by the built
 * dist/oidc scripts (js/cli/source-check.js), each failure named with its fix, a test user's wrong
 * and right passwords; no secret or password printed.
 */

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('../support/fake-tenant/cli-harness');
const { startOidcProvider, SAMPLE_USERS } = require('../../js/fakes/oidc-provider');

const [JANE] = SAMPLE_USERS;
let provider;
const secrets = [];
before(async () => {
  provider = await startOidcProvider();
  secrets.push(provider.clientSecret);
});
after(async () => {
  await provider.close();
  h.assertNoSecrets(h.allOutput(), [...secrets, ...SAMPLE_USERS.map((u) => u.password)]);
});

const args = (extra = []) => [
  'doctor',
  '--source',
  'oidc',
  '--oidc-issuer',
  provider.issuer,
  '--oidc-client-id',
  provider.clientId,
  '--setting',
  'Lookup=keycloak',
  '--setting',
  `Base_URL=${provider.origin}`,
  '--setting',
  'Realm=acme',
  ...extra,
];
const env = (secret = provider.clientSecret) => ({ ALM_OIDC_CLIENT_SECRET: secret });
const check = (r, name) => r.json.checks.find((c) => c.name === name);

describe('doctor --source oidc', () => {
  it('right credentials: the lookup and the login client accepted; the test user is refused a wrong password and migrates with the right one', async () => {
    const r = await h.runCli(args(['--user', JANE.email, '--json']), { env: env(), input: `${JANE.password}\n` });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.json.source, 'oidc');
    for (const n of ['lookup credentials accepted', 'login credentials accepted', 'test user: wrong password refused', 'test user: migrates, and get_user finds the same profile']) {
      assert.equal(check(r, n).status, 'ok', `${n}: ${JSON.stringify(check(r, n))}`);
    }
    assert.match(check(r, 'test user: migrates, and get_user finds the same profile').detail, /both read the profile of /);
    assert.equal(check(r, 'users listed for tail, status and retire').status, 'ok');
    assert.match(check(r, 'users listed for tail, status and retire').detail, /the first page lists \d+ user/);
  });

  it('without --user: the credentials are still checked, the test-user lines are skipped with how to add one', async () => {
    const r = await h.runCli(args(['--json']), { env: env() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(check(r, 'login credentials accepted').status, 'ok');
    assert.equal(check(r, 'test user: wrong password refused').status, 'skip');
    assert.match(check(r, 'test user: wrong password refused').detail, /--user ID/);
  });

  it('a wrong client secret: both checks fail (exit 1) with the message naming the secret and the fix; the secret is not printed', async () => {
    const wrong = crypto.randomBytes(24).toString('base64url');
    secrets.push(wrong);
    const r = await h.runCli(args(['--json']), { env: env(wrong) });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const login = check(r, 'login credentials accepted');
    assert.equal(login.status, 'fail');
    assert.match(login.detail, /Client_Secret|client/i);
    assert.match(login.fix, /ALM_OIDC_CLIENT_SECRET/);
    assert.equal(check(r, 'lookup credentials accepted').status, 'fail');
    const text = await h.runCli(args(), { env: env(wrong) });
    assert.match(text.stdout, /FAIL|✗|fail/i);
  });

  it('a lookup the provider refuses (the admin API answers 403): only the lookup fails, its fix names the lookup settings', async () => {
    provider.faults.set('keycloak', { kind: 'status', status: 403, body: { error: 'HTTP 403 Forbidden' }, times: 5 });
    try {
      const r = await h.runCli(args(['--json']), { env: env() });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const lookup = check(r, 'lookup credentials accepted');
      assert.equal(lookup.status, 'fail');
      assert.match(lookup.detail, /403/);
      assert.match(lookup.fix, /view-users/);
      assert.equal(check(r, 'login credentials accepted').status, 'ok');
    } finally {
      provider.faults.clear();
    }
  });

  it('a wrong test-user password: the migrate line fails saying to check the user and password', async () => {
    const r = await h.runCli(args(['--user', JANE.email, '--json']), { env: env(), input: 'Not-Janes-Password-9\n' });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const line = check(r, 'test user: migrates, and get_user finds the same profile');
    assert.equal(line.status, 'fail');
    assert.match(line.fix, /test user and its password/);
  });
});
