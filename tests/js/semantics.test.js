'use strict';
/**
 * The complete migration semantics (issue "Login and Get User"), each row proven on the built dist
 * scripts in the sandbox emulation against the fake old tenant.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { startFakeTenant } = require('../../js/fakes/fake-tenant');
const { SEED, APP, container, login, getUser, requestsSince } = require('../../js/fakes/dist-harness');

let tenant;
test.before(async () => {
  tenant = await startFakeTenant();
});
test.after(() => tenant.close());
test.afterEach(() => {
  tenant.faults.clear();
  tenant.resetBruteForce();
});

function clean(r) {
  assert.deepEqual(r.violations, [], r.violations.join('; '));
  assert.equal(r.callbackCalls, 1);
  return r;
}

/** A fault must end as an Error: never a wrong password, never a migrated user. */
function assertError(r, pattern) {
  clean(r);
  assert.equal(r.outcome, 'error', `expected an Error, got ${r.outcome} ${r.error && r.error.message}`);
  assert.equal(r.stored, null);
  if (pattern) assert.match(r.error.message, pattern);
}

test.describe('ID token verification', () => {
  for (const variant of ['unknown_kid', 'wrong_key', 'wrong_iss', 'wrong_aud', 'expired', 'alg_none', 'hs256', 'other_user']) {
    test(`a token with ${variant} is refused with an Error`, async () => {
      const u = SEED.users.minimal;
      tenant.faults.set('token', { kind: 'id_token', variant, times: 1 });
      assertError(await login(container(tenant), u.email, u.password), /refusing to migrate|RS256|signature|not valid/);
    });
  }

  test('a rotated signing key is fetched once, and discovery and keys are fetched once per container', async () => {
    const c = container(tenant);
    const u = SEED.users.minimal;
    let mark = tenant.requests.length;
    clean(await login(c, u.email, u.password));
    assert.deepEqual(requestsSince(tenant, mark), ['password', 'discovery', 'jwks']);
    mark = tenant.requests.length;
    clean(await login(c, u.email, u.password));
    assert.deepEqual(requestsSince(tenant, mark), ['password'], 'warm: discovery and keys from the cache');
    tenant.rotateKeys();
    mark = tenant.requests.length;
    const r = clean(await login(c, u.email, u.password));
    assert.equal(r.outcome, 'success');
    assert.deepEqual(requestsSince(tenant, mark), ['password', 'jwks'], 'unknown kid: the keys once more');
  });
});

test.describe('where the profile comes from', () => {
  test('without a claims producer, login reads the profile from the Management API and equals get_user', async () => {
    const plain = await startFakeTenant({ claimsProducer: false });
    try {
      for (const key of ['full', 'minimal', 'username', 'mixedCase']) {
        const u = SEED.users[key];
        const found = clean(await getUser(container(plain), u.email));
        const logged = clean(await login(container(plain), u.email, u.password));
        assert.equal(logged.outcome, 'success', key);
        assert.equal(logged.stored.user_id, u.user_id, key);
        assert.deepEqual(logged.profile, found.profile, `${key}: login and get_user agree`);
      }
    } finally {
      await plain.close();
    }
  });

  test('with the claims producer, one request to the old tenant on a warm container', async () => {
    const c = container(tenant);
    const u = SEED.users.minimal;
    clean(await login(c, u.email, 'warm-up wrong password'));
    clean(await login(c, SEED.users.full.email, SEED.users.full.password));
    const mark = tenant.requests.length;
    const r = clean(await login(c, SEED.users.username.email, SEED.users.username.password));
    assert.equal(r.outcome, 'success');
    assert.deepEqual(requestsSince(tenant, mark), ['password']);
    assert.equal(r.profile.username, SEED.users.username.username);
  });

  test('Profile_Source=claims fails clearly when the old tenant sends no claims', async () => {
    const plain = await startFakeTenant({ claimsProducer: false });
    try {
      const u = SEED.users.minimal;
      assertError(await login(container(plain, { Profile_Source: 'claims' }), u.email, u.password), /Profile_Source/);
    } finally {
      await plain.close();
    }
  });

  test('User_ID_Prefix is put before the old id on login and get_user', async () => {
    const u = SEED.users.full;
    const fresh = await startFakeTenant();
    try {
      const g = clean(await getUser(container(fresh, { User_ID_Prefix: 'old-' }), u.email));
      assert.equal(g.stored.user_id, `auth0|old-${u.user_id.slice('auth0|'.length)}`);
      const l = clean(await login(container(fresh, { User_ID_Prefix: 'old-' }), u.email, u.password));
      assert.equal(l.stored.user_id, g.stored.user_id);
    } finally {
      await fresh.close();
    }
  });
});

test.describe('login outcomes', () => {
  test('a user locked by brute-force protection is told so, not that the password is wrong', async () => {
    const locked = await startFakeTenant({ bruteForceLimit: 2 });
    try {
      const u = SEED.users.minimal;
      const c = container(locked);
      for (let i = 0; i < 2; i++) assert.equal(clean(await login(c, u.email, `wrong ${i}`)).outcome, 'wrong_password');
      const r = clean(await login(c, u.email, u.password));
      assert.equal(r.outcome, 'unauthorized');
      assert.match(r.error.message, /temporarily locked/);
    } finally {
      await locked.close();
    }
  });

  test('a leaked password is refused with a reset message', async () => {
    const u = SEED.users.leaked;
    const r = clean(await login(container(tenant), u.email, u.password));
    assert.equal(r.outcome, 'unauthorized');
    assert.match(r.error.message, /reset your password/);
  });

  test('setup mistakes are Errors naming the fix', async () => {
    const u = SEED.users.minimal;
    const cc = SEED.clients.ccOnly;
    assertError(await login(container(tenant, { Client_ID: cc.client_id, Client_Secret: cc.client_secret }), u.email, u.password), /Password grant/);
    assertError(await login(container(tenant, { Connection: 'no-such-db' }), u.email, u.password), /Connection/);
    assertError(await login(container(tenant, { Client_Secret: 'not-the-secret' }), u.email, u.password), /Client_Secret/);
    const mark = tenant.requests.length;
    assertError(await login(container(tenant, { Domain: `http://${tenant.domain}` }), u.email, u.password), /`Domain`.*HTTPS/);
    assert.deepEqual(requestsSince(tenant, mark), [], 'a bad setting makes no request');
  });

  for (const [name, fault] of [
    ['rate limit', { kind: 'rate_limit', retryAfter: 1 }],
    ['server error', { kind: 'status', status: 500 }],
    ['connection reset', { kind: 'reset' }],
    ['truncated reply', { kind: 'truncated' }],
    ['malformed reply', { kind: 'malformed' }],
  ]) {
    test(`a ${name} on the password check is an Error, and the password is sent once`, async () => {
      const u = SEED.users.minimal;
      tenant.faults.set('token', { ...fault, times: 1 });
      const mark = tenant.requests.length;
      assertError(await login(container(tenant), u.email, u.password));
      assert.deepEqual(requestsSince(tenant, mark), ['password']);
    });
  }

  test('a transient failure of the keys is retried, and the login goes through', async () => {
    const u = SEED.users.minimal;
    tenant.faults.set('jwks', { kind: 'status', status: 503, times: 1 });
    const mark = tenant.requests.length;
    const r = clean(await login(container(tenant), u.email, u.password));
    assert.equal(r.outcome, 'success');
    assert.deepEqual(requestsSince(tenant, mark).slice(0, 4), ['password', 'discovery', 'jwks', 'jwks']);
  });

  test('an old tenant that stays down ends in an Error after the retries', async () => {
    const u = SEED.users.minimal;
    tenant.faults.set('discovery', { kind: 'status', status: 502 });
    const mark = tenant.requests.length;
    assertError(await login(container(tenant), u.email, u.password), /HTTP 502/);
    assert.deepEqual(requestsSince(tenant, mark), ['password', 'discovery', 'discovery', 'discovery']);
  });
});

test.describe('get_user', () => {
  test('a username is found through an escaped search and matched exactly', async () => {
    const fresh = await startFakeTenant();
    try {
      const u = SEED.users.username;
      const r = clean(await getUser(container(fresh), u.username.toUpperCase()));
      assert.equal(r.outcome, 'found');
      assert.equal(r.stored.user_id, u.user_id);
      for (const hostile of ['x" OR username:*', 'dev*', '*', 'dev+ops-1\\', '"dev+ops-1"']) {
        assert.equal(clean(await getUser(container(fresh), hostile)).outcome, 'not_found', hostile);
      }
    } finally {
      await fresh.close();
    }
  });

  test('mixed-case emails are found', async () => {
    const u = SEED.users.mixedCase;
    const r = clean(await getUser(container(tenant), u.email.toUpperCase()));
    assert.equal(r.outcome, 'found');
    assert.equal(r.stored.user_id, u.user_id);
  });

  test('the same email in two connections: the configured one, or an Error when none is', async () => {
    const email = SEED.users.sameEmailLegacy.email;
    const r = clean(await getUser(container(tenant), email));
    assert.equal(r.stored.user_id, SEED.users.sameEmailLegacy.user_id);
    const d = clean(await getUser(container(tenant, { Connection: SEED.connections.defaultDirectory }), email));
    assert.equal(d.stored.user_id, SEED.users.sameEmailDefault.user_id);
    assertError(await getUser(container(tenant, { Connection: '' }), email), /2 users/);
  });

  test('a blocked user is refused (no sign-up or reset would unblock them)', async () => {
    assert.equal(clean(await getUser(container(tenant), SEED.users.blocked.email)).outcome, 'unauthorized');
  });

  test('users already handed over are not offered again, unless the setting says so', async () => {
    const fresh = await startFakeTenant();
    try {
      const u = SEED.users.full;
      clean(await login(container(fresh), u.email, u.password));
      assert.equal(clean(await getUser(container(fresh), u.email)).outcome, 'not_found');
      assert.equal(clean(await getUser(container(fresh, { Skip_Migrated_Users: 'false' }), u.email)).outcome, 'found');
    } finally {
      await fresh.close();
    }
  });

  test('a Migration App without read:users gets an Error naming the scope', async () => {
    const ns = SEED.clients.noScope;
    assertError(await getUser(container(tenant, { Client_ID: ns.client_id, Client_Secret: ns.client_secret }), 'a@example.com'), /read:users/);
  });

  test('a lookup outage is an Error, never "not found"', async () => {
    tenant.faults.set('users-by-email', { kind: 'status', status: 503 });
    assertError(await getUser(container(tenant), SEED.users.full.email), /HTTP 503/);
  });

  test('50 cold calls in one container share one Management API token; later calls reuse it', async () => {
    const c = container(tenant);
    const mark = tenant.requests.length;
    const reports = await Promise.all(Array.from({ length: 50 }, (_, i) => getUser(c, `nobody${i}@example.com`)));
    reports.forEach(clean);
    assert.ok(reports.every((r) => r.outcome === 'not_found'));
    for (let i = 0; i < 20; i++) clean(await getUser(c, `later${i}@example.com`));
    const sent = requestsSince(tenant, mark);
    assert.equal(sent.filter((x) => x === 'token').length, 1);
    assert.equal(sent.filter((x) => x === 'users-by-email').length, 70);
  });
});

test('a Management API token that lives a minute or less is not cached: the core gives it no expiry', async () => {
  const short = await startFakeTenant({ accessTokenLifetime: 60 });
  try {
    const c = container(short);
    const mark = short.requests.length;
    for (let i = 0; i < 3; i++) clean(await getUser(c, `nobody${i}@example.com`));
    assert.equal(requestsSince(short, mark).filter((x) => x === 'token').length, 3);
  } finally {
    await short.close();
  }
});

test('the log line names the user only when Log_Identifiers is true', async () => {
  const u = SEED.users.minimal;
  const hashed = clean(await login(container(tenant), u.email, 'Xq9-not-it'));
  assert.ok(!hashed.logs[0].text.includes(u.email));
  const named = clean(await login(container(tenant, { Log_Identifiers: 'true' }), u.email, 'Xq9-not-it'));
  assert.ok(named.logs[0].text.includes(u.email));
  for (const r of [hashed, named]) assert.ok(!r.logs[0].text.includes(APP.client_secret));
});
