'use strict';
/**
 * Hostile input, end to end: the named cases of the issue "Reliability and security", each a test on
 * the built dist scripts in the sandbox emulation. Replies are shaped by the fault proxy
 * (js/fakes/fault-proxy.js) in front of the fake old tenant - down to the exact bytes where a
 * case needs them. The property tests of the same parsers are in tests/prop_*.rs.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { createContainer } = require('../../js/sandbox');
const { startFakeTenant } = require('../../js/fakes/fake-tenant');
const { startFaultProxy } = require('../../js/fakes/fault-proxy');
const { SEED, APP, LOGIN, GET_USER, RUNTIME_EXTRAS } = require('../../js/fakes/dist-harness');

let tenant;
let proxy;
let lane;
const LEGACY = SEED.connections.legacy;

function settings(l, extra = {}) {
  return { Domain: l.domain, Client_ID: APP.client_id, Client_Secret: APP.client_secret, Connection: LEGACY, Audience: tenant.audience, ...extra };
}
const fresh = (extra, l = lane) => createContainer({ configuration: settings(l, extra), documentedOnly: true, extraGlobals: RUNTIME_EXTRAS });
/** A warm container per settings variant (the cases below do not depend on a cold one). */
const warmed = new Map();
const warm = (extra = {}) => {
  const key = JSON.stringify(extra);
  if (!warmed.has(key)) warmed.set(key, fresh(extra));
  return warmed.get(key);
};
const login = (c, id, pw) => c.invoke(LOGIN, { kind: 'login', args: [id, pw] });
const getUser = (c, id) => c.invoke(GET_USER, { kind: 'get_user', args: [id] });

function one(r) {
  assert.deepEqual(r.violations, [], r.violations.join('; '));
  assert.equal(r.callbackCalls, 1);
  return r;
}
function error(r, pattern) {
  one(r);
  assert.equal(r.outcome, 'error', `expected an Error, got ${r.outcome} ${r.error ? r.error.message : JSON.stringify(r.stored)}`);
  assert.equal(r.stored, null);
  if (pattern) assert.match(r.error.message, pattern);
  return r;
}

let n = 0;
function addUser(extra = {}) {
  n += 1;
  const u = {
    user_id: `auth0|hostile${n}`,
    connection: LEGACY,
    password: `hostile-pw-${n}-Zq7`,
    email: `hostile${n}@example.com`,
    email_verified: true,
    username: `hostile_${n}`,
    name: `Hostile ${n}`,
    nickname: `h${n}`,
    created_at: '2022-01-01T00:00:00.000Z',
    updated_at: '2022-01-01T00:00:00.000Z',
    ...extra,
  };
  const stored = tenant.addUser(u);
  return { ...stored, password: u.password };
}

test.before(async () => {
  tenant = await startFakeTenant({ bruteForceLimit: 1e9 });
  proxy = await startFaultProxy(tenant);
  lane = await proxy.lane('hostile');
});
test.after(async () => {
  await proxy.close();
  await tenant.close();
});

test.describe('Lucene metacharacters and quotes in identifiers', () => {
  const HOSTILE = [
    'x" OR username:*',
    '*',
    '?',
    'ada_lovelace OR *',
    '(ada_lovelace)',
    'ada_lovelace" OR "1"="1',
    'username:ada_lovelace',
    '"ada_lovelace"',
    'ada_lovelace\\',
    'ada\\"lovelace',
    'ada*',
    'ada?lovelace',
    'ada~',
    'ada^2',
    '[a TO z]',
    '{a TO z}',
    'a && b',
    'a || b',
    '!ada_lovelace',
    '+ada_lovelace -x',
    'a:b:c',
    '/ada.*/',
    'ada_lovelace\u0000',
    ' ada_lovelace ',
  ];

  test('each finds nobody, through exactly one quoted phrase equal to the input', async () => {
    const mark = proxy.seen.length;
    const reports = await Promise.all(HOSTILE.map((id) => getUser(warm(), id)));
    reports.forEach((r, i) => {
      assert.equal(one(r).outcome, 'not_found', JSON.stringify(HOSTILE[i]));
    });
    const keys = proxy.seen
      .slice(mark)
      .filter((s) => s.route === 'users-search')
      .map((s) => s.key)
      .sort();
    assert.deepEqual(keys, HOSTILE.map((id) => id.toLowerCase()).sort(), 'each query is one phrase holding exactly its input');
  });

  test('usernames that contain metacharacters and quotes are found exactly, and only themselves', async () => {
    const users = ["o'brien+test-1", 'a.b!c#d$e', 'quote"inside', 'back\\slash', 'star*name', 'paren(s)'].map((username) => addUser({ username }));
    for (const u of users) {
      const r = one(await getUser(warm(), u.username));
      assert.equal(r.outcome, 'found', u.username);
      assert.equal(r.stored.user_id, u.user_id, u.username);
      const byLogin = one(await login(warm(), u.username, u.password));
      assert.equal(byLogin.outcome, 'success', `login by ${u.username}`);
      assert.equal(byLogin.stored.user_id, u.user_id);
    }
    assert.equal(one(await getUser(warm(), 'star')).outcome, 'not_found', 'no prefix match');
  });
});

test.describe('__proto__, constructor and prototype keys in metadata', () => {
  const META = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},"toString":"not a function","hasOwnProperty":1}';

  function plainWithOwnKeys(obj, label) {
    assert.equal(Object.getPrototypeOf(obj), Object.prototype, `${label} is a plain object`);
    for (const k of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty']) {
      const d = Object.getOwnPropertyDescriptor(obj, k);
      assert.ok(d && 'value' in d && d.enumerable, `${label}.${k} is an own data key`);
    }
    assert.deepEqual(JSON.parse(JSON.stringify(obj)), JSON.parse(META));
  }

  test('login (claims and Management API) and get_user hand Auth0 plain objects with those as own keys', async () => {
    const u = addUser({ user_metadata: JSON.parse(META), app_metadata: JSON.parse(META) });
    const viaClaims = one(await login(warm(), u.email, u.password));
    const viaApi = one(await login(warm({ Profile_Source: 'management' }), u.email, u.password));
    const found = one(await getUser(warm({ Skip_Migrated_Users: 'false' }), u.email));
    for (const [label, r] of [
      ['login (claims)', viaClaims],
      ['login (Management API)', viaApi],
      ['get_user', found],
    ]) {
      assert.ok(['success', 'found'].includes(r.outcome), `${label}: ${r.outcome}`);
      assert.equal(Object.getPrototypeOf(r.profile), Object.prototype, label);
      plainWithOwnKeys(r.profile.user_metadata, `${label} user_metadata`);
      plainWithOwnKeys(r.stored.user_metadata, `${label} stored user_metadata`);
      assert.equal(r.profile.app_metadata.constructor.prototype.polluted, 'yes', `${label}: kept as data`);
    }
    assert.deepEqual(viaClaims.profile, found.profile, 'login and get_user agree, key for key');
    assert.equal({}.polluted, undefined, 'no prototype was polluted');
    assert.equal(Object.prototype.polluted, undefined);
    assert.equal(typeof {}.toString, 'function');
  });
});

test.describe('very large bodies', () => {
  for (const [route, run] of [
    ['password', (u) => login(warm(), u.email, u.password)],
    ['users-by-email', (u) => getUser(warm(), u.email)],
  ]) {
    test(`a 5 MiB reply on ${route} ends as an Error within the contract (the shim reads at most 1 MiB)`, async () => {
      const u = addUser();
      proxy.planCall(route, u.email, { kind: 'oversize', bytes: 5 * 1024 * 1024 });
      // Outcome and contract only (one callback, no violation: within Auth0's 20 s); no wall-clock bound.
      error(await run(u));
    });
  }

  test('a 5 MiB discovery document ends the login as an Error', async () => {
    const l = await proxy.lane('oversize-discovery');
    l.planShared('discovery', { kind: 'oversize', times: Infinity });
    const u = addUser();
    error(await login(fresh({}, l), u.email, u.password));
  });
});

test.describe('invalid UTF-8 in replies', () => {
  const recordWith = (u, metaBytes) =>
    Buffer.concat([
      Buffer.from(`[{"user_id":"${u.user_id}","email":"${u.email}","identities":[{"connection":"${LEGACY}","provider":"auth0","user_id":"x"}],"user_metadata":{"note":"`),
      metaBytes,
      Buffer.from('"}}]'),
    ]);

  test('a user record whose metadata is not UTF-8 is an Error, never a profile with altered data', async () => {
    const u = addUser();
    proxy.planCall('users-by-email', u.email, { kind: 'respond', times: Infinity, body: recordWith(u, Buffer.from([0x63, 0x61, 0x66, 0xe9])) }); // latin-1 "café"
    error(await getUser(warm(), u.email), /not UTF-8/);
  });

  test('once: the retry reads the real record, unaltered', async () => {
    const u = addUser({ user_metadata: { note: 'café ☕' } });
    proxy.planCall('users-by-email', u.email, { kind: 'invalid_utf8', times: 1 });
    const r = one(await getUser(warm(), u.email));
    assert.equal(r.outcome, 'found');
    assert.equal(r.profile.user_metadata.note, 'café ☕');
  });

  test('a password check reply that is not UTF-8 is an Error, not a wrong password', async () => {
    const u = addUser();
    proxy.planCall('password', u.email, { kind: 'invalid_utf8' });
    error(await login(warm(), u.email, u.password));
    const w = addUser();
    proxy.planCall('password', w.email, { kind: 'respond', status: 403, body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) });
    error(await login(warm(), w.email, 'wrong password'));
  });

  test('a reply with a byte-order mark is not JSON either', async () => {
    const u = addUser();
    proxy.planCall('users-by-email', u.email, { kind: 'respond', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[]')]) });
    error(await getUser(warm(), u.email));
  });
});

test.describe('Unicode and case variants of emails', () => {
  test('case variants (ASCII and Unicode) find the same user on login and get_user', async () => {
    const u = addUser({ email: 'Zoë.Dupont@Example.COM' });
    assert.equal(u.email, 'zoë.dupont@example.com', 'the old tenant stores it lower-cased');
    for (const typed of ['ZOË.DUPONT@EXAMPLE.COM', 'zoë.dupont@example.com', 'Zoë.DuPont@example.com']) {
      // Skip_Migrated_Users off: the first login marks the user as handed over in the old tenant.
      const g = one(await getUser(warm({ Skip_Migrated_Users: 'false' }), typed));
      assert.equal(g.outcome, 'found', typed);
      assert.equal(g.stored.user_id, u.user_id);
      const l = one(await login(warm(), typed, u.password));
      assert.equal(l.outcome, 'success', typed);
      assert.equal(l.stored.user_id, u.user_id);
    }
  });

  test('look-alikes and other normal forms never reach another user', async () => {
    const ada = SEED.users.full;
    const strasse = addUser({ email: 'strasse@example.com' });
    const strasze = addUser({ email: 'straße@example.com' });
    const nfc = addUser({ email: 'noël@example.com' });
    for (const [typed, want] of [
      ['аda.lovelace@example.com', null], // Cyrillic а
      ['ada.lovelace@examp1e.com', null],
      ['ada.lovelace@example.com\u200b', null], // zero-width space
      ['noe\u0308l@example.com', null], // the same name in NFD
      ['İLKER@example.com', null], // dotted capital I folds to i + U+0307
      ['STRASSE@example.com', strasse],
      ['STRAßE@example.com', strasze],
    ]) {
      const g = one(await getUser(warm(), typed));
      assert.equal(g.outcome, want ? 'found' : 'not_found', typed);
      if (want) assert.equal(g.stored.user_id, want.user_id, typed);
      const l = one(await login(warm(), typed, want ? want.password : ada.password));
      assert.equal(l.outcome, want ? 'success' : 'wrong_password', typed);
      if (want) assert.equal(l.stored.user_id, want.user_id, typed);
    }
    assert.equal(one(await getUser(warm(), nfc.email)).outcome, 'found');
  });
});

test.describe('ID tokens', () => {
  const VARIANTS = {
    alg_none: /RS256/,
    hs256: /RS256/,
    unknown_kid: /key the old tenant does not publish/,
    wrong_key: /signature/,
    bad_signature: /signature/,
    expired: /expired/,
    not_yet_valid: /nbf.*future/,
    issued_in_future: /iat.*future/,
    no_expiry: /expiry/,
    wrong_iss: /issuer/,
    wrong_aud: /aud/,
    other_user: /different user/,
    no_id_token: /id_token/,
  };
  for (const [variant, pattern] of Object.entries(VARIANTS)) {
    test(`a token with ${variant} is an Error: nobody is migrated, nobody is told the password is wrong`, async () => {
      const u = addUser();
      proxy.planCall('password', u.email, { kind: 'id_token', variant });
      const mark = proxy.seen.length;
      // A cold container for unknown_kid, so the key fetches can be counted from the first.
      error(await login(variant === 'unknown_kid' ? fresh() : warm(), u.email, u.password), pattern);
      const jwks = proxy.seen.slice(mark).filter((s) => s.route === 'jwks').length;
      if (variant === 'unknown_kid') assert.equal(jwks, 2, 'the keys are fetched once more, then the token is refused');
    });
  }

  test('a token for a different user is refused on username logins and with the Management API as source', async () => {
    const u = addUser();
    proxy.planCall('password', u.username, { kind: 'id_token', variant: 'other_user' });
    error(await login(warm(), u.username, u.password), /different user/);
    const v = addUser();
    proxy.planCall('password', v.email, { kind: 'id_token', variant: 'other_user' });
    error(await login(warm({ Profile_Source: 'management' }), v.email, v.password), /different user/);
  });

  test('a Management API record for a different user than the token is refused', async () => {
    const u = addUser();
    const other = SEED.users.full;
    proxy.planCall('user', u.user_id, { kind: 'respond', times: Infinity, body: JSON.stringify(tenant.publicUser(tenant.findUser(other.user_id))) });
    error(await login(warm({ Profile_Source: 'management' }), u.email, u.password), /refusing to migrate/);
  });
});

test.describe('user records missing fields or with wrong types', () => {
  const identities = [{ connection: LEGACY, provider: 'auth0', user_id: 'x' }];
  const CASES = [
    ['no user_id', (u) => ({ email: u.email, identities }), 'error'],
    ['a numeric user_id', (u) => ({ user_id: 42, email: u.email, identities }), 'error'],
    ['an empty user_id', (u) => ({ user_id: 'auth0|', email: u.email, identities }), 'error'],
    ['no email', (u) => ({ user_id: u.user_id, identities }), 'not_found'],
    ['a numeric email', (u) => ({ user_id: u.user_id, email: 7, identities }), 'not_found'],
    ['no identities', (u) => ({ user_id: u.user_id, email: u.email }), 'not_found'],
    ['identities as a string', (u) => ({ user_id: u.user_id, email: u.email, identities: 'legacy-db' }), 'not_found'],
    ['blocked as the string "true"', (u) => ({ user_id: u.user_id, email: u.email, identities, blocked: 'true' }), 'unauthorized'],
    ['blocked as 1', (u) => ({ user_id: u.user_id, email: u.email, identities, blocked: 1 }), 'unauthorized'],
    ['metadata of the wrong types', (u) => ({ user_id: u.user_id, email: u.email, identities, user_metadata: 'x', app_metadata: [1], email_verified: 'yes', name: {} }), 'found'],
  ];
  for (const [name, record, want] of CASES) {
    test(`get_user with ${name}: ${want}`, async () => {
      const u = addUser();
      proxy.planCall('users-by-email', u.email, { kind: 'respond', times: Infinity, body: JSON.stringify([record(u)]) });
      const r = one(await getUser(warm(), u.email));
      assert.equal(r.outcome, want, `${name}: ${r.error ? r.error.message : ''}`);
      if (want === 'found') {
        assert.equal(r.stored.user_id, u.user_id);
        assert.deepEqual(
          [r.profile.user_metadata, r.profile.app_metadata, r.profile.email_verified, r.profile.name],
          [{}, {}, undefined, undefined],
          'wrongly typed fields are dropped, never coerced'
        );
      }
    });
  }

  for (const body of ['{}', 'null', '"users"', '{"users":[]}']) {
    test(`get_user with a reply of ${body} is an Error, not "no such user"`, async () => {
      const u = addUser();
      proxy.planCall('users-by-email', u.email, { kind: 'respond', times: Infinity, body });
      error(await getUser(warm(), u.email));
    });
  }
});

test.describe('settings with spaces, schemes, paths and ports', () => {
  test('accepted forms of Domain reach the old tenant', async () => {
    const u = SEED.users.minimal;
    for (const form of [` ${lane.domain} `, `https://${lane.domain}/`, `HTTPS://${lane.domain}`, `https://${lane.domain}`, `${lane.domain}/`]) {
      const r = one(await login(fresh({ Domain: form }), u.email, u.password));
      assert.equal(r.outcome, 'success', form);
    }
  });

  test('refused forms fail with an Error naming the key, before any request, never echoing the value', async () => {
    const port = lane.port;
    const cases = {
      Domain: [
        `http://127.0.0.1:${port}`,
        `ftp://127.0.0.1:${port}`,
        `127.0.0.1:${port}/tenant`,
        `127.0.0.1:${port}?x=1`,
        `127.0.0.1:${port}#f`,
        `127.0.0.1 :${port}`,
        `127.0.0.1: ${port}`,
        '127.0.0.1:0',
        '127.0.0.1:99999',
        '127.0.0.1:port',
        `admin:s3cr3tpass@127.0.0.1:${port}`,
        `:${port}`,
        'https://',
        '   ',
        `127.0.0.1:${port}\n`.repeat(2),
        'exa mple.com',
      ],
      Audience: [`http://127.0.0.1:${port}/api/v2/`, 'not a url'],
      Client_ID: ['   '],
      Client_Secret: [''],
    };
    const u = SEED.users.minimal;
    const mark = proxy.seen.length;
    const all = Object.entries(cases).flatMap(([key, values]) => values.map((value) => ({ key, value })));
    const reports = await Promise.all(all.map(({ key, value }) => login(fresh({ [key]: value }), u.email, u.password)));
    reports.forEach((r, i) => {
      const { key, value } = all[i];
      error(r, new RegExp(`\`${key}\``));
      if (value.trim().length > 3) assert.ok(!r.error.message.includes(value.trim()), `${key}: the value is not echoed`);
      assert.ok(!r.error.message.includes('s3cr3tpass'));
    });
    assert.equal(proxy.seen.length, mark, 'not one request was made');
  });
});
