'use strict';
/**
 * `tail`, `status` and `retire --deploy` for the firebase source.
 *
 * - The listing itself (js/cli/stream/listing.js driving dist/engine.js listStep) in this process
 *   against our fake Google (js/fakes/firebase.js), whose Identity Toolkit and token endpoint a
 *   child process cannot reach (its fetch goes to Google's real addresses; the fake stands in
 *   through `fetchVia`, as in tests/js/firebase-source.test.js): the service account's assertion
 *   signed RS256 by Node and checked by the fake's token endpoint, `accounts:batchGet` two accounts a
 *   page, each account mapped as get_user maps it, the disabled one skipped as blocked, a refused
 *   token replaced, hostile pages ending with an error and no file.
 * - The commands end to end as a child process against the Firebase Auth emulator (`Bearer owner`;
 *   skipped with the fix when it is not installed, outside CI) and a fake new tenant: exactly the
 *   users not in the new tenant imported, once; the disabled one skipped; a second run imports
 *   nobody; status and retire report right; nothing printed holds a password.
 */

const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { startFirebase, SAMPLE_USERS } = require('../../js/fakes/firebase');
const { SKIP, startEmulator, seedUsers } = require('../support/firebase-emulator');
const net = require('../../js/cli/net');
const { loadEngine, DEFAULT_DIST } = require('../../js/cli/dist');
const { listTo } = require('../../js/cli/stream/listing');

const FAST = ['--poll-interval', '20'];

describe('the firebase listing against our fake Google', () => {
  let fb;
  let tmp;
  let realFetch;
  const engine = loadEngine(DEFAULT_DIST);
  const users = [
    ...SAMPLE_USERS,
    { localId: 'fb-uid-0004', email: 'four@example.com', password: 'firebase horse 4', emailVerified: false, displayName: 'Four' },
    { localId: 'fb-uid-0005', email: 'five@example.com', password: 'firebase horse 5' },
  ];
  before(async () => {
    fb = await startFirebase({ users, pageSize: 2 });
    realFetch = net.fetch;
    net.fetch = fb.fetchVia();
  });
  after(async () => {
    net.fetch = realFetch;
    await fb.close();
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-firebase-list-'));
    fb.reset();
    fb.requests.length = 0;
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const settings = (extra = {}) => ({
    Project_ID: fb.projectId,
    API_Key: fb.apiKey,
    Service_Account_Email: fb.serviceAccount.email,
    Service_Account_Private_Key: fb.serviceAccount.privateKey,
    User_ID_Prefix: 'fb|',
    ...extra,
  });
  const list = (s = settings()) => listTo(engine, { source: 'firebase', settings: s, file: path.join(tmp, 'list.ndjson'), label: 'Firebase project' });
  const lines = () =>
    fs
      .readFileSync(path.join(tmp, 'list.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  it('every account over three pages with a signed assertion, mapped as get_user maps it, the disabled one blocked', async () => {
    const done = await list();
    assert.deepEqual(done, { pages: 3, users: 5 });
    const token = fb.requests.filter((r) => r.endpoint === 'token');
    assert.equal(token.length, 1, 'one token for the listing (the fake checked the RS256 assertion)');
    const pages = fb.requests.filter((r) => r.endpoint === 'batch-get');
    assert.equal(pages.length, 3, 'five accounts, two a page');
    assert.ok(pages.every((p) => /^Bearer ya29\./.test(p.headers.authorization) && p.method === 'GET'));
    assert.deepEqual(
      pages.map((p) => new URL(p.url, 'https://x').searchParams.has('nextPageToken')),
      [false, true, true]
    );
    const got = lines();
    assert.deepEqual(
      got.map((r) => [r.user_id, r.email, r.import.skip || null]),
      [
        ['fb-uid-0001', 'jane@example.com', null],
        ['fb-uid-0002', 'disabled@example.com', 'blocked'],
        ['fb-uid-0003', 'plain@example.com', null],
        ['fb-uid-0004', 'four@example.com', null],
        ['fb-uid-0005', 'five@example.com', null],
      ]
    );
    // The profile of src/firebase/account.rs, as get_user gives it.
    assert.deepEqual(got[0].import.user, {
      user_id: 'fb|fb-uid-0001',
      email: 'jane@example.com',
      email_verified: true,
      name: 'Jane Doe',
      picture: 'https://example.com/jane.png',
      user_metadata: {},
      app_metadata: { role: 'editor', plan: { tier: 2 }, phone_number: '+15555550100' },
    });
    assert.ok(!JSON.stringify(got).includes('firebase horse'), 'no password');
  });

  it('a token the API refuses mid-listing is replaced once, with a new assertion', async () => {
    fb.faults.set('batch-get', { kind: 'status', status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } } });
    const done = await list();
    assert.equal(done.users, 5);
    assert.equal(fb.requests.filter((r) => r.endpoint === 'token').length, 2);
  });

  it('a private key Node cannot read: an error naming the setting, never the key, no file', async () => {
    await assert.rejects(list(settings({ Service_Account_Private_Key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' })), (e) => {
      assert.match(e.message, /Service_Account_Private_Key/);
      assert.doesNotMatch(e.message, /AAAA/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(tmp), []);
  });

  const HOSTILE = [
    ['a page token that loops', { kind: 'status', status: 200, body: { users: [], nextPageToken: 'again' }, times: 5 }, /refusing to list in a loop/],
    ['an oversized page', { kind: 'text', status: 200, text: 'x'.repeat(4_194_304) }, /4194304 bytes or more; refused/],
    ['a malformed page', { kind: 'status', status: 200, body: { users: {} } }, /malformed page/],
    ['more accounts than asked', { kind: 'status', status: 200, body: { users: Array.from({ length: 1001 }, (_, i) => ({ localId: `x${i}` })) } }, /more than the 1000 asked for/],
  ];
  for (const [what, fault, says] of HOSTILE) {
    it(`${what}: an error, no file`, async () => {
      fb.faults.set('batch-get', fault);
      await assert.rejects(list(), (e) => {
        assert.match(e.message, says);
        assert.match(e.message, /^Firebase project: user list: /);
        return true;
      });
      assert.deepEqual(fs.readdirSync(tmp), []);
    });
  }
});

describe('tail, status and retire --source firebase against the Firebase Auth emulator', { skip: SKIP }, () => {
  const PROJECT = `demo-alm-tail-${process.pid}`;
  const pw = () => `emulator ${crypto.randomBytes(6).toString('hex')}`;
  const JANE = { email: 'jane@example.com', password: pw(), displayName: 'Jane Doe' };
  const DISABLED = { email: 'disabled@example.com', password: pw(), disabled: true };
  const BO = { email: 'bo@example.com', password: pw(), displayName: 'Bo', customAttributes: '{"plan":"pro"}' };
  const CY = { email: 'cy@example.com', password: pw() };
  let emulator;
  let pair;
  let tmp;
  before(async () => {
    emulator = await startEmulator(PROJECT);
    await seedUsers(emulator, PROJECT, [JANE, DISABLED, BO, CY]);
  });
  after(() => {
    if (emulator) emulator.stop();
    h.assertNoSecrets(h.allOutput(), [...h.seedSecrets(), JANE.password, DISABLED.password, BO.password, CY.password]);
  });
  beforeEach(async () => {
    pair = await h.startPair();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-firebase-tail-'));
  });
  afterEach(async () => {
    await pair.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  const args = () => ['--source', 'firebase', '--firebase-project-id', PROJECT, '--firebase-api-key', 'emulator-key', '--firebase-emulator-host', emulator.host];
  const env = () => ({ ALM_TAIL_STATE: path.join(tmp, 'tail.json'), ALM_STATUS_STATE: path.join(tmp, 'status.json'), ...h.newEnv(pair.new) });
  const imports = () => pair.new.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/jobs/users-imports' && r.status === 202).length;
  const newUser = (id) => pair.new.users.find((u) => u.user_id === id);

  it('status, retire, tail, then a second tail: exactly the users not in the new tenant, once, as get_user gives them', async () => {
    pair.new.addUser({ user_id: `auth0|${JANE.localId}`, connection: h.NEW_CONNECTION, email: JANE.email, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    const status = await h.runCli(['status', ...args(), ...FAST, '--json'], { env: env() });
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual([status.json.counts.old, status.json.counts.blocked, status.json.counts.migrated, status.json.counts.remaining], [4, 1, 1, 2]);
    const refused = await h.runCli(['retire', ...args(), '--deploy', '--dry-run', '--json'], { env: env() });
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.json.leftBehindCount, 2);

    const r = await h.runCli(['tail', ...args(), '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([r.json.counts.old, r.json.counts.present, r.json.counts.blocked, r.json.counts.toImport, r.json.counts.imported], [4, 1, 1, 2, 2]);
    assert.equal(newUser(`auth0|${DISABLED.localId}`), undefined, 'the disabled user is not imported');
    const tried = await h.runCli(['try', 'get_user', ...args(), '--user', BO.email, '--json'], { env: env() });
    assert.equal(tried.json.outcome, 'found', tried.stderr);
    const bo = newUser(`auth0|${BO.localId}`);
    for (const [k, v] of Object.entries(tried.json.profile)) if (!['identities', 'user_id'].includes(k)) assert.deepEqual(bo[k], v, k);
    assert.deepEqual(bo.app_metadata, { plan: 'pro' });

    const mark = imports();
    const again = await h.runCli(['tail', ...args(), '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.json.counts.present, again.json.counts.toImport, again.json.counts.imported], [3, 0, 0]);
    assert.equal(imports(), mark, 'no job the second time');
    const done = await h.runCli(['retire', ...args(), '--deploy', '--dry-run', '--json'], { env: env() });
    assert.equal(done.code, 0, done.stderr);
    assert.equal(done.json.leftBehindCount, 0);
  });
});
