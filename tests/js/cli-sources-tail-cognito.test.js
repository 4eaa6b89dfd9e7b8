'use strict';
/**
 * `tail`, `status` and `retire --deploy` for the cognito source, end to end: the CLI as a child
 * process, the pool's users listed from the fake Cognito user pool (js/fakes/cognito.js: ListUsers
 * without a Filter, three users a page, each request's AWS Signature Version 4 recomputed and
 * checked, a PaginationToken honoured only if the pool issued it), and a fake new tenant. Covers:
 * exactly the users not in the new tenant imported, once, with the ids and profiles get_user gives;
 * disabled users skipped, unconfirmed ones as `Unconfirmed_Users` says; a second run imports
 * nobody; status counts and retire's left-behind check from the listing; a wrong IAM key and
 * hostile pages (a looping token, oversized, too many users) end with an error and nothing
 * imported; no secret printed.
 */

const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { startCognito, SAMPLE_USERS } = require('../../js/fakes/cognito');

const FAST = ['--poll-interval', '20'];
const secrets = [];

let pair;
let tmp;
let pool;
before(async () => {
  pool = await startCognito({ clientSecret: crypto.randomBytes(30).toString('base64url'), pageSize: 3 });
  secrets.push(pool.clientSecret, pool.secretAccessKey);
});
after(async () => {
  await pool.close();
  h.assertNoSecrets(h.allOutput(), [...h.seedSecrets(), ...secrets, ...SAMPLE_USERS.map((u) => u.password)]);
});
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-cognito-tail-'));
  pool.reset();
  pool.requests.length = 0;
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const flags = () => [
  '--source',
  'cognito',
  '--cognito-region',
  pool.region,
  '--cognito-user-pool-id',
  pool.poolId,
  '--cognito-client-id',
  pool.clientId,
  '--cognito-access-key-id',
  pool.accessKeyId,
  '--cognito-endpoint',
  pool.origin,
  '--setting',
  'User_Metadata_Attributes=custom:plan',
];
const env = (extra = {}) => ({
  ALM_COGNITO_CLIENT_SECRET: pool.clientSecret,
  ALM_COGNITO_SECRET_ACCESS_KEY: pool.secretAccessKey,
  ALM_TAIL_STATE: path.join(tmp, 'tail.json'),
  ALM_STATUS_STATE: path.join(tmp, 'status.json'),
  ...h.newEnv(pair.new),
  ...extra,
});
const imports = () => pair.new.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/jobs/users-imports' && r.status === 202).length;
const newUser = (id) => pair.new.users.find((u) => u.user_id === id);
const newIds = () => pair.new.users.map((u) => u.user_id).sort();
const listCalls = () => pool.requests.filter((r) => r.endpoint === 'list');
const id = (n) => `auth0|7d1c0a3e-000${n}`;

describe('--source cognito', () => {
  it('status, retire, tail, then a second tail: exactly the users not in the new tenant, once, as get_user gives them', async () => {
    pair.new.addUser({ user_id: id(1), connection: h.NEW_CONNECTION, email: 'jane@example.com', created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    const status = await h.runCli(['status', ...flags(), ...FAST, '--json'], { env: env() });
    assert.equal(status.code, 0, status.stderr);
    // Eight users: one disabled and one unconfirmed (Unconfirmed_Users refuse, the default) are blocked.
    assert.deepEqual([status.json.counts.old, status.json.counts.blocked, status.json.counts.migrated, status.json.counts.remaining], [8, 2, 1, 5]);
    assert.equal(status.json.countMethod.name, 'listing');
    const calls = listCalls();
    assert.equal(calls.length, 3, 'eight users, three a page');
    assert.ok(
      calls.every((c) => /^AWS4-HMAC-SHA256 Credential=/.test(c.headers.authorization) && !JSON.parse(c.body).Filter),
      'each page signed (the fake checked each signature), no filter'
    );
    assert.deepEqual(
      calls.map((c) => typeof JSON.parse(c.body).PaginationToken),
      ['undefined', 'string', 'string']
    );

    const refused = await h.runCli(['retire', ...flags(), '--deploy', '--dry-run', '--json'], { env: env() });
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.json.leftBehindCount, 5);

    const r = await h.runCli(['tail', ...flags(), '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([r.json.counts.old, r.json.counts.present, r.json.counts.blocked, r.json.counts.toImport, r.json.counts.imported], [8, 1, 2, 5, 5]);
    assert.deepEqual(newIds(), [1, 3, 4, 6, 7, 8].map(id));
    assert.equal(newUser(id(2)), undefined, 'the disabled user is not imported');
    assert.equal(newUser(id(5)), undefined, 'the unconfirmed user is not imported (Unconfirmed_Users refuse)');
    // The profile the cognito get_user script gives this user, as Auth0 would store it.
    const tried = await h.runCli(['try', 'get_user', ...flags(), '--user', 'reset@example.com', '--json'], { env: env() });
    assert.equal(tried.json.outcome, 'found', tried.stderr);
    const reset = newUser(id(4));
    for (const [k, v] of Object.entries(tried.json.profile)) if (!['identities', 'user_id'].includes(k)) assert.deepEqual(reset[k], v, k);

    const mark = imports();
    const again = await h.runCli(['tail', ...flags(), '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.json.counts.present, again.json.counts.toImport, again.json.counts.imported], [6, 0, 0]);
    assert.equal(imports(), mark, 'no job the second time');
    const done = await h.runCli(['retire', ...flags(), '--deploy', '--dry-run', '--json'], { env: env() });
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.json.leftBehindCount, 0);
  });

  it('Unconfirmed_Users=migrate: the unconfirmed user is imported unverified, as get_user offers them', async () => {
    const r = await h.runCli(['tail', ...flags(), '--setting', 'Unconfirmed_Users=migrate', '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([r.json.counts.old, r.json.counts.blocked, r.json.counts.imported], [8, 1, 7]);
    assert.equal(newUser(id(5)).email_verified, false);
    assert.deepEqual(newUser(id(1)).user_metadata, { plan: 'pro', phone_number: '+15550100' });
  });

  it('a wrong IAM secret key: exit 3, naming the key, nothing imported or written', async () => {
    const r = await h.runCli(['tail', ...flags(), '--yes', ...FAST], { env: env({ ALM_COGNITO_SECRET_ACCESS_KEY: crypto.randomBytes(30).toString('base64') }) });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /Cognito user pool: user list: /);
    assert.equal(imports(), 0);
    assert.equal(fs.existsSync(path.join(tmp, 'tail.json')), false);
  });

  const HOSTILE = [
    ['a pagination token that loops', { kind: 'status', status: 200, body: { Users: [], PaginationToken: 'again' }, times: 5 }, /refusing to list in a loop/],
    ['an oversized page', { kind: 'text', status: 200, text: 'x'.repeat(4_194_304) }, /4194304 bytes or more; refused/],
    ['a malformed page', { kind: 'status', status: 200, body: { People: [] } }, /malformed page \(no `Users` list\)/],
    [
      'a page with more users than asked',
      { kind: 'status', status: 200, body: { Users: Array.from({ length: 61 }, (_, i) => ({ Username: `x${i}`, Enabled: true, Attributes: [] })) } },
      /more than the 60 asked for/,
    ],
  ];
  for (const [what, fault, says] of HOSTILE) {
    it(`${what}: exit 3, a clear error, nothing imported or written`, async () => {
      pool.faults.set('list', fault);
      const r = await h.runCli(['tail', ...flags(), '--yes', ...FAST, '--json'], { env: env() });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, says);
      assert.match(r.stderr, /Cognito user pool: user list: /);
      assert.equal(imports(), 0);
      assert.equal(pair.new.users.length, 0);
      assert.equal(fs.existsSync(path.join(tmp, 'tail.json')), false);
    });
  }
});
