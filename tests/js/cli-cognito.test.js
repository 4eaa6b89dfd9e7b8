'use strict';
/**
 * `--source cognito` end to end, the CLI as a child process against our fake user pool
 * (js/fakes/cognito.js) on loopback: `try` runs dist/cognito/*.js (right and wrong password, a
 * user found and one not), settings the scripts would refuse are exit 2 naming the flag; `deploy`
 * probes the pool, writes the cognito scripts and settings (secrets masked in the plan), and
 * `doctor --only new` finds them current; `doctor --source cognito` checks both credentials and a
 * test user, and names the fix when the IAM key is wrong. Nothing printed holds a secret or a
 * password.
 */

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { startCognito, SAMPLE_USERS } = require('../../js/fakes/cognito');

const [JANE] = SAMPLE_USERS;
const read = (f) => fs.readFileSync(path.join(h.ROOT, 'dist', f), 'utf8');
let pool;
const secrets = [];
before(async () => {
  pool = await startCognito({ clientSecret: crypto.randomBytes(30).toString('base64url') });
  secrets.push(pool.clientSecret, pool.secretAccessKey);
});
after(async () => {
  await pool.close();
  h.assertNoSecrets(h.allOutput(), [...h.seedSecrets(), ...secrets, ...SAMPLE_USERS.map((u) => u.password)]);
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
];
const env = (extra = {}) => ({ ALM_COGNITO_CLIENT_SECRET: pool.clientSecret, ALM_COGNITO_SECRET_ACCESS_KEY: pool.secretAccessKey, ...extra });
const check = (r, name) => r.json.checks.find((c) => c.name === name);

describe('try --source cognito', () => {
  it('the right password migrates, a wrong one is wrong_password; get_user finds her or nobody', async () => {
    const ok = await h.runCli(['try', 'login', ...flags(), '--user', JANE.attributes.email, '--json'], { env: env(), input: `${JANE.password}\n` });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.json.script, 'cognito/login.js');
    assert.equal(ok.json.outcome, 'success');
    assert.equal(ok.json.newTenantUserId, `auth0|${JANE.sub}`);
    const wrong = await h.runCli(['try', 'login', ...flags(), '--user', JANE.attributes.email, '--expect', 'wrong_password'], { env: env(), input: 'Not-Janes-Password-9\n' });
    assert.equal(wrong.code, 0, wrong.stdout + wrong.stderr);
    const found = await h.runCli(['try', 'get_user', ...flags(), '--user', JANE.attributes.email, '--json'], { env: env() });
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.json.script, 'cognito/get_user.js');
    const nobody = await h.runCli(['try', 'get_user', ...flags(), '--user', 'nobody@example.com', '--expect', 'not_found'], { env: env() });
    assert.equal(nobody.code, 0, nobody.stdout + nobody.stderr);
  });

  it("settings the cognito scripts would refuse: exit 2 from the engine's check, naming where to fix them", async () => {
    const r = await h.runCli(['try', 'get_user', ...flags(), '--cognito-region', 'nowhere', '--user', JANE.attributes.email], { env: env() });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Region/);
    assert.match(r.stderr, /--cognito-region or ALM_COGNITO_REGION/);
    const missing = await h.runCli(['try', 'get_user', ...flags(), '--user', JANE.attributes.email], { env: env({ ALM_COGNITO_SECRET_ACCESS_KEY: '' }) });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /Secret_Access_Key/);
  });
});

describe('deploy --source cognito, then doctor', () => {
  let pair;
  before(async () => {
    pair = await h.startPair();
  });
  after(() => pair.close());

  it('probes the pool, writes dist/cognito/*.js and the settings, masks both secrets; doctor finds them current', async () => {
    const e = { ...env(), ...h.newEnv(pair.new) };
    const dry = await h.runCli(['deploy', ...flags(), '--dry-run', '--json'], { env: e });
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.equal(dry.json.source, 'cognito');
    assert.deepEqual(
      dry.json.probes.map((p) => [p.script, p.outcome]),
      [
        ['get_user', 'not_found'],
        ['login', 'wrong_password'],
      ]
    );
    const cfg = dry.json.changes.find((c) => c.path === 'options.configuration');
    assert.equal(cfg.to.Client_Secret, '********');
    assert.equal(cfg.to.Secret_Access_Key, '********');
    assert.equal(cfg.to.User_Pool_ID, pool.poolId);
    const r = await h.runCli(['deploy', ...flags(), '--yes'], { env: e });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const o = pair.new.connection(h.NEW_CONNECTION).options;
    assert.equal(o.customScripts.login, read('cognito/login.js'));
    assert.equal(o.customScripts.get_user, read('cognito/get_user.js'));
    assert.equal(o.configuration.Secret_Access_Key, pool.secretAccessKey);
    const d = await h.runCli(['doctor', ...flags(), '--only', 'new', '--json'], { env: e });
    assert.equal(d.code, 0, d.stdout);
    const byName = Object.fromEntries(d.json.checks.map((c) => [c.name, c.status]));
    assert.equal(byName['login script deployed and current'], 'ok');
    assert.equal(byName['get_user script deployed and current'], 'ok');
  });
});

describe('doctor --source cognito', () => {
  it('right credentials and a test user: every check passes', async () => {
    const r = await h.runCli(['doctor', ...flags(), '--user', JANE.attributes.email, '--json'], { env: env(), input: `${JANE.password}\n` });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const n of [
      'lookup credentials accepted',
      'login credentials accepted',
      'users listed for tail, status and retire',
      'test user: wrong password refused',
      'test user: migrates, and get_user finds the same profile',
    ]) {
      assert.equal(check(r, n).status, 'ok', `${n}: ${JSON.stringify(check(r, n))}`);
    }
    assert.match(check(r, 'users listed for tail, status and retire').detail, /the first page lists \d+ user\(s\), the last/);
  });

  it('a wrong IAM secret: the lookup fails (exit 1) with the fix naming ALM_COGNITO_SECRET_ACCESS_KEY, login still ok', async () => {
    const wrong = crypto.randomBytes(30).toString('base64');
    secrets.push(wrong);
    const r = await h.runCli(['doctor', ...flags(), '--json'], { env: env({ ALM_COGNITO_SECRET_ACCESS_KEY: wrong }) });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const lookup = check(r, 'lookup credentials accepted');
    assert.equal(lookup.status, 'fail');
    assert.match(lookup.detail, /Secret_Access_Key/);
    assert.match(lookup.fix, /ALM_COGNITO_SECRET_ACCESS_KEY/);
    assert.equal(check(r, 'login credentials accepted').status, 'ok');
    const listing = check(r, 'users listed for tail, status and retire');
    assert.equal(listing.status, 'fail');
    assert.match(listing.detail, /Secret_Access_Key/);
  });
});
