'use strict';
/**
 * `--source` end to end, the CLI as a child process:
 * - try --source rest: dist/rest/*.js in the sandbox against the contract's reference store
 *   (js/fakes/rest-store.js) on loopback: right and wrong password, an unknown user, the store's
 *   settings refused by the engine's own check (exit 2), ALM_SOURCE as the variable;
 * - deploy --source rest: the rest scripts and settings on the fake new tenant's connection (the
 *   settings probed against the store first), then doctor --source rest finds them current;
 * - doctor --source rest: the conformance check passes on the reference store and, on each
 *   deliberately broken variant (the store's knobs), fails exactly the rule broken, with its fix;
 * - export refuses every source but auth0 (exit 2); doctor warns of a store without the optional
 *   list call (tail, status and retire for these sources: cli-sources-tail.test.js);
 * - try --source oidc: dist/oidc/*.js against the fake OpenID provider (js/fakes/oidc-provider.js);
 * - nothing printed holds the shared secret, a password or a seed secret.
 */

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { startRestStore, SAMPLE_USERS } = require('../../js/fakes/rest-store');
const { startOidcProvider, SAMPLE_USERS: OIDC_USERS } = require('../../js/fakes/oidc-provider');

const SECRET = crypto.randomBytes(30).toString('base64url');
const [ADA] = SAMPLE_USERS;
const DIST = path.join(h.ROOT, 'dist');
const read = (f) => fs.readFileSync(path.join(DIST, f), 'utf8');
const MANIFEST = JSON.parse(read('manifest.json'));

const startStore = (knobs = {}) => startRestStore({ secret: SECRET, users: SAMPLE_USERS.map((u) => ({ ...u })), ...knobs });
const restEnv = (store, extra = {}) => ({ ALM_SOURCE: 'rest', ALM_REST_BASE_URL: store.url, ALM_REST_SHARED_SECRET: SECRET, ...extra });

let store;
/** The oidc provider's client secret, once it exists: checked against everything printed, too. */
const oidcSecret = [];
before(async () => {
  store = await startStore();
});
after(async () => {
  await store.close();
  h.assertNoSecrets(h.allOutput(), [...h.seedSecrets(), SECRET, ...SAMPLE_USERS.map((u) => u.password), ...OIDC_USERS.map((u) => u.password), ...oidcSecret]);
});

describe('try --source rest', () => {
  it('the right password: success, the profile with the store id, dist/rest/login.js', async () => {
    const r = await h.runCli(['try', 'login', '--source', 'rest', '--user', ADA.email, '--json'], { env: restEnv(store, { ALM_SOURCE: '' }), input: `${ADA.password}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.source, 'rest');
    assert.equal(r.json.script, 'rest/login.js');
    assert.equal(r.json.outcome, 'success');
    assert.equal(r.json.newTenantUserId, 'auth0|u-100');
    assert.deepEqual(r.json.violations, []);
  });

  it('a wrong password (ALM_SOURCE picks the source): exit 1, wrong_password; an unknown user: not_found', async () => {
    const wrong = await h.runCli(['try', 'login', '--user', ADA.email], { env: restEnv(store), input: 'not-her-password-at-all\n' });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stdout, /login for ada@example\.com: wrong_password \(expected success\)/);
    assert.match(wrong.stdout, /script: rest\/login\.js/);
    const nobody = await h.runCli(['try', 'get_user', '--user', 'nobody@example.com', '--expect', 'not_found'], { env: restEnv(store) });
    assert.equal(nobody.code, 0, nobody.stderr);
    assert.match(nobody.stdout, /get_user for nobody@example\.com: not_found/);
  });

  it("settings the rest scripts would refuse: exit 2 from the engine's check, naming the flag", async () => {
    const http = await h.runCli(['try', 'get_user', '--user', ADA.email], { env: restEnv(store, { ALM_REST_BASE_URL: store.url.replace('https:', 'http:') }) });
    assert.equal(http.code, 2, http.stderr);
    assert.match(http.stderr, /Base_URL/);
    assert.match(http.stderr, /fix: correct --rest-base-url or ALM_REST_BASE_URL/);
    const missing = await h.runCli(['try', 'get_user', '--user', ADA.email], { env: restEnv(store, { ALM_REST_SHARED_SECRET: '' }) });
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /Shared_Secret/);
  });

  it('an unknown source is exit 2 with the closest name; --retired is for auth0 only; --remote needs the new tenant', async () => {
    const r = await h.runCli(['try', 'login', '--source', 'rst', '--user', ADA.email]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--source "rst" is not a source \(did you mean "rest"\?\)/);
    const retired = await h.runCli(['try', 'login', '--retired', '--user', ADA.email], { env: restEnv(store), input: 'x-password\n' });
    assert.equal(retired.code, 2);
    assert.match(retired.stderr, /--retired is for the auth0 source only/);
    const remote = await h.runCli(['try', 'login', '--remote', '--user', ADA.email], { env: restEnv(store), input: 'x-password\n' });
    assert.equal(remote.code, 2);
    assert.match(remote.stderr, /missing --new-domain or ALM_NEW_DOMAIN/);
  });
});

describe('try --source oidc', () => {
  let provider;
  before(async () => {
    provider = await startOidcProvider();
    oidcSecret.push(provider.clientSecret);
  });
  after(async () => {
    await provider.close();
  });
  const [JANE] = OIDC_USERS;
  const oidcArgs = () => [
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
  ];
  const oidcEnv = () => ({ ALM_OIDC_CLIENT_SECRET: provider.clientSecret });

  it('dist/oidc scripts against a Keycloak-like provider: the right password migrates, a wrong one is wrong_password, get_user finds her or nobody', async () => {
    const ok = await h.runCli(['try', 'login', ...oidcArgs(), '--user', JANE.email, '--json'], { env: oidcEnv(), input: `${JANE.password}\n` });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.json.script, 'oidc/login.js');
    assert.equal(ok.json.outcome, 'success');
    assert.equal(ok.json.newTenantUserId, `auth0|${JANE.sub}`);
    const wrong = await h.runCli(['try', 'login', ...oidcArgs(), '--user', JANE.email, '--expect', 'wrong_password'], { env: oidcEnv(), input: 'Not-Janes-Password-9\n' });
    assert.equal(wrong.code, 0, wrong.stderr);
    const found = await h.runCli(['try', 'get_user', ...oidcArgs(), '--user', JANE.email, '--json'], { env: oidcEnv() });
    assert.equal(found.json.outcome, 'found', found.stderr);
    assert.equal(found.json.script, 'oidc/get_user.js');
    const nobody = await h.runCli(['try', 'get_user', ...oidcArgs(), '--user', 'nobody@example.com', '--expect', 'not_found'], { env: oidcEnv() });
    assert.equal(nobody.code, 0, nobody.stderr);
  });

  it('Lookup okta: the API token only from ALM_OIDC_OKTA_API_TOKEN (a flag is refused, naming the variable); get_user finds her through Okta', async () => {
    const okta = ['--source', 'oidc', '--oidc-issuer', provider.issuer, '--oidc-client-id', provider.clientId, '--setting', 'Lookup=okta', '--setting', `Org_URL=${provider.origin}`];
    oidcSecret.push(provider.oktaToken);
    const flag = await h.runCli(['try', 'get_user', ...okta, '--setting', `Okta_API_Token=${provider.oktaToken}`, '--user', JANE.email], { env: oidcEnv() });
    assert.equal(flag.code, 2, flag.stderr);
    assert.match(flag.stderr, /secrets are never taken from flags; set ALM_OIDC_CLIENT_SECRET or ALM_OIDC_OKTA_API_TOKEN/);
    const found = await h.runCli(['try', 'get_user', ...okta, '--user', JANE.email, '--json'], { env: { ...oidcEnv(), ALM_OIDC_OKTA_API_TOKEN: provider.oktaToken } });
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.json.outcome, 'found');
    assert.ok(
      provider.requests.some((q) => q.endpoint === 'okta'),
      'the Okta users API was asked'
    );
  });

  it("settings the oidc scripts would refuse: exit 2 from the engine's check, naming the key", async () => {
    const r = await h.runCli(['try', 'get_user', '--source', 'oidc', '--oidc-issuer', provider.issuer, '--oidc-client-id', provider.clientId, '--user', JANE.email], { env: oidcEnv() });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Lookup/);
  });
});

describe('deploy --source rest, then doctor', () => {
  let pair;
  before(async () => {
    pair = await h.startPair();
  });
  after(() => pair.close());

  it('probes the store, writes dist/rest/*.js and the rest settings, masks the secret; doctor finds them current', async () => {
    const env = { ...restEnv(store), ...h.newEnv(pair.new) };
    const dry = await h.runCli(['deploy', '--dry-run', '--json'], { env });
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.json.source, 'rest');
    assert.deepEqual(
      dry.json.probes.map((p) => [p.script, p.outcome]),
      [
        ['get_user', 'not_found'],
        ['login', 'wrong_password'],
      ]
    );
    const cfg = dry.json.changes.find((c) => c.path === 'options.configuration');
    assert.deepEqual(cfg.to, { Base_URL: store.url, Shared_Secret: '********' });
    assert.equal(pair.new.connectionPatches, 0);

    const r = await h.runCli(['deploy', '--yes'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /deployed the rest source's migration scripts/);
    const o = pair.new.connection(h.NEW_CONNECTION).options;
    assert.equal(o.customScripts.login, read('rest/login.js'));
    assert.equal(o.customScripts.get_user, read('rest/get_user.js'));
    assert.deepEqual(o.configuration, { Base_URL: store.url, Shared_Secret: SECRET });

    const d = await h.runCli(['doctor', '--only', 'new', '--json'], { env });
    assert.equal(d.code, 0, d.stdout);
    const byName = Object.fromEntries(d.json.checks.map((c) => [c.name, c.status]));
    assert.equal(byName['login script deployed and current'], 'ok');
    assert.equal(byName['get_user script deployed and current'], 'ok');
    assert.equal(byName['settings keys present'], 'ok');
    assert.equal(byName['deployed settings are yours'], 'ok');
  });

  it('deploy --restore of a backup of the rest scripts: refused without --source rest (exit 2), restored with it, the settings probed against the store', async () => {
    const env = { ...restEnv(store), ...h.newEnv(pair.new) };
    const again = await h.runCli(['deploy', '--yes', '--json'], { env });
    assert.equal(again.code, 0, again.stderr);
    const backup = again.json.backup;
    assert.ok(backup, 'the deploy saved a backup of the rest scripts it replaced');
    const before = pair.new.connectionPatches;
    const wrong = await h.runCli(['deploy', '--restore', backup, '--yes'], { env: { ...env, ALM_SOURCE: '' } });
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /the backup's scripts are the rest source's, not the auth0 source's; nothing was done/);
    assert.match(wrong.stderr, /--source rest/);
    assert.equal(pair.new.connectionPatches, before);
    const r = await h.runCli(['deploy', '--restore', backup, '--yes', '--json'], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.json.probes.map((p) => [p.script, p.outcome]),
      [
        ['get_user', 'not_found'],
        ['login', 'wrong_password'],
      ]
    );
    const o = pair.new.connection(h.NEW_CONNECTION).options;
    assert.equal(o.customScripts.login, read('rest/login.js'));
    assert.deepEqual(o.configuration, { Base_URL: store.url, Shared_Secret: SECRET });
  });

  it('a store that refuses the secret stops the deploy (exit 3), nothing changed, the fix names the rest settings', async () => {
    const env = { ...restEnv(store, { ALM_REST_SHARED_SECRET: crypto.randomBytes(30).toString('base64url') }), ...h.newEnv(pair.new) };
    const before = pair.new.connectionPatches;
    const r = await h.runCli(['deploy', '--yes'], { env });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /the get_user probe refused the settings/);
    assert.match(r.stderr, /fix: check Base_URL \(--rest-base-url\), Find_Path and ALM_REST_SHARED_SECRET/);
    assert.equal(pair.new.connectionPatches, before);
  });
});

describe('doctor --source rest: the contract, rule by rule', () => {
  const doctor = (s, extra = []) => h.runCli(['doctor', '--source', 'rest', '--user', ADA.email, '--json', ...extra], { env: restEnv(s), input: `${ADA.password}\n` });
  const failed = (r) => r.json.checks.filter((c) => c.status === 'fail').map((c) => c.name);

  it('the reference store passes every rule', async () => {
    const r = await doctor(store);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(failed(r), []);
    assert.deepEqual(
      r.json.checks.map((c) => [c.name, c.status]),
      [
        ['store reachable', 'ok'],
        ["the store accepts the scripts' signature", 'ok'],
        ['unknown user on find-user: 404 not_found', 'ok'],
        ['signature enforced (401 bad_signature)', 'ok'],
        ['replay window enforced (401 stale_timestamp beyond 300 s)', 'ok'],
        ['wrong password: 401 wrong_credentials', 'ok'],
        ["the test user's profile passes the contract", 'ok'],
        ['replies are JSON objects under 64 KiB', 'ok'],
        ['status and code agree', 'ok'],
        ['optional list call: POST /list-users (tail, status, retire)', 'ok'],
      ]
    );
  });

  const BROKEN = [
    [{ skipSignatureCheck: true }, ['signature enforced (401 bad_signature)'], /unsigned: 404 \{"error":"not_found"\}/],
    [{ noReplayWindow: true }, ['replay window enforced (401 stale_timestamp beyond 300 s)'], /660 s old: 404/],
    [{ wrongStatusForNotFound: true }, ['unknown user on find-user: 404 not_found', 'status and code agree'], /got 400 \{"error":"not_found"\}/],
    [{ profileWithoutUserId: true }, ["the test user's profile passes the contract", 'optional list call: POST /list-users (tail, status, retire)'], /user_id/],
  ];
  for (const [knobs, rules, detail] of BROKEN) {
    it(`a store with ${Object.keys(knobs)[0]}: exit 1, fails ${rules.join(' and ')}, each with its fix`, async () => {
      const broken = await startStore(knobs);
      try {
        const r = await doctor(broken);
        assert.equal(r.code, 1, r.stdout);
        assert.deepEqual(failed(r), rules);
        for (const c of r.json.checks.filter((x) => x.status === 'fail')) assert.ok(c.fix, `${c.name} has a fix`);
        assert.match(r.json.checks.find((c) => c.name === rules[0]).detail, detail);
        const text = await h.runCli(['doctor', '--source', 'rest', '--user', ADA.email], { env: restEnv(broken), input: `${ADA.password}\n` });
        assert.equal(text.code, 1);
        for (const rule of rules) assert.match(text.stdout, new RegExp(`\\[FAIL\\] ${rule.replace(/[()]/g, '\\$&')}: .*\\n {9}fix: `));
      } finally {
        await broken.close();
      }
    });
  }

  it('a reply that is not JSON and over 64 KiB: the reply rule fails, with the lookup it broke', async () => {
    store.faults.set('find-user', { kind: 'text', status: 200, text: 'x'.repeat(70_000) });
    try {
      const r = await h.runCli(['doctor', '--json'], { env: restEnv(store) });
      assert.equal(r.code, 1, r.stdout);
      assert.deepEqual(failed(r), ['unknown user on find-user: 404 not_found', 'replies are JSON objects under 64 KiB']);
      assert.match(r.json.checks.find((c) => c.name === 'replies are JSON objects under 64 KiB').detail, /find-user \(made-up user\): 70000 bytes, 200 \(not JSON\)/);
    } finally {
      store.faults.clear();
    }
  });

  it('a wrong shared secret: that one rule fails, the rules that need it are skipped; without --user the user rules are skipped', async () => {
    const r = await h.runCli(['doctor', '--json'], { env: restEnv(store, { ALM_REST_SHARED_SECRET: crypto.randomBytes(30).toString('base64url') }) });
    assert.equal(r.code, 1, r.stdout);
    assert.deepEqual(failed(r), ["the store accepts the scripts' signature"]);
    const ok = await h.runCli(['doctor', '--json'], { env: restEnv(store) });
    assert.equal(ok.code, 0, ok.stdout);
    assert.deepEqual(
      ok.json.checks.filter((c) => c.status === 'skip').map((c) => c.name),
      ['wrong password: 401 wrong_credentials', "the test user's profile passes the contract"]
    );
  });

  it('a store that is down: reachability fails, the rest is skipped', async () => {
    const port = await h.closedPort();
    const r = await h.runCli(['doctor', '--json'], { env: restEnv(store, { ALM_REST_BASE_URL: `https://127.0.0.1:${port}/alm` }) });
    assert.equal(r.code, 1, r.stdout);
    assert.deepEqual(failed(r), ['store reachable']);
  });
});

describe('export --source rest; a store without the list call is said so', () => {
  it('export --source rest: the rest scripts and settings as Deploy CLI and Terraform files, the shared secret only as a keyword and a sensitive variable', async () => {
    const out = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'alm-export-rest-'));
    try {
      const r = await h.runCli(['export', '--out', out, '--new-connection', 'Users', '--json'], { env: restEnv(store) });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json.source, 'rest');
      const folder = path.join(out, 'deploy-cli', 'database-connections', 'Users');
      assert.equal(fs.readFileSync(path.join(folder, 'login.js'), 'utf8'), read('rest/login.js'));
      assert.equal(fs.readFileSync(path.join(out, 'terraform', 'get_user.js'), 'utf8'), read('rest/get_user.js'));
      const db = JSON.parse(fs.readFileSync(path.join(folder, 'database.json'), 'utf8'));
      assert.deepEqual(db.options.configuration, { Base_URL: store.url, Shared_Secret: '##ALM_REST_SHARED_SECRET##' });
      const cfg = JSON.parse(fs.readFileSync(path.join(out, 'deploy-cli', 'config.example.json'), 'utf8'));
      assert.deepEqual(Object.keys(cfg.AUTH0_KEYWORD_REPLACE_MAPPINGS), ['ALM_REST_SHARED_SECRET']);
      const tf = fs.readFileSync(path.join(out, 'terraform', 'auth0_connection.tf'), 'utf8');
      assert.match(tf, /variable "alm_rest_shared_secret" \{\n {2}description = "The rest source's setting Shared_Secret \(ALM_REST_SHARED_SECRET\)\."\n {2}type {8}= string\n {2}sensitive {3}= true/);
      assert.match(tf, /Shared_Secret = var\.alm_rest_shared_secret/);
      assert.match(tf, new RegExp(`Base_URL {6}= "${store.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"`));
      for (const f of r.json.files) assert.equal(fs.readFileSync(path.join(out, f.file), 'utf8').includes(SECRET), false, `${f.file} holds the secret`);
      assert.match(r.stdout + r.stderr, /AUTH0_KEYWORD_REPLACE_MAPPINGS \{"ALM_REST_SHARED_SECRET": \.\.\.\}/);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('export --source rest without the shared secret: exit 2 naming it (its rules need the value), nothing written', async () => {
    const out = path.join(require('node:os').tmpdir(), `alm-never-written-${process.pid}`);
    const r = await h.runCli(['export', '--out', out, '--new-connection', 'Users'], { env: restEnv(store, { ALM_REST_SHARED_SECRET: '' }) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Shared_Secret/);
    assert.equal(fs.existsSync(out), false);
  });

  it('doctor --source rest: a store without the optional list call is a warning naming what needs it, not a failure', async () => {
    const bare = await startStore({ noListCall: true });
    try {
      const r = await h.runCli(['doctor', '--json'], { env: restEnv(bare) });
      assert.equal(r.code, 0, r.stdout);
      const rule = r.json.checks.find((c) => c.name === 'optional list call: POST /list-users (tail, status, retire)');
      assert.equal(rule.status, 'warn');
      assert.match(rule.fix, /tail, status and retire --deploy need it/);
    } finally {
      await bare.close();
    }
  });
  // tail, status and retire with --source rest and oidc: tests/js/cli-sources-tail.test.js.
});

describe('help and build name each source', () => {
  it('try, deploy and doctor --help show --source and the rest steps; the top-level help points at them', async () => {
    for (const c of ['try', 'deploy', 'doctor']) {
      const r = await h.runCli([c, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, /--source auth0\|rest\|oidc(\|[a-z0-9]+)* .*\[ALM_SOURCE\]/, c);
      assert.match(r.stdout, /--rest-base-url URL .*\[ALM_REST_BASE_URL\]/, c);
    }
    const deploy = await h.runCli(['deploy', '--help']);
    assert.match(deploy.stdout, /serve the contract's two endpoints/);
    assert.match(deploy.stdout, /generate the shared secret/);
    const top = await h.runCli(['--help']);
    assert.match(top.stdout, /--source rest/);
    for (const v of ['ALM_SOURCE', 'ALM_REST_BASE_URL', 'ALM_REST_SHARED_SECRET']) assert.match(top.stdout, new RegExp(`^  ${v} `, 'm'), v);
  });

  it("build groups the manifest's scripts by source, from js/sources.js", () => {
    const { bySource } = require('../../js/cli/commands/build');
    const sources = bySource(MANIFEST);
    assert.deepEqual(sources.auth0, ['login.js', 'get_user.js']);
    assert.deepEqual(sources.rest, ['rest/login.js', 'rest/get_user.js']);
    assert.deepEqual(bySource({ artifacts: [{ file: 'login.js' }, { file: 'get_user.js' }] }).rest, [], 'a source the build did not write has no files');
  });

  it('a secrets file may hold the rest secret (and nothing unknown)', async () => {
    const fs2 = require('node:fs');
    const os = require('node:os');
    const file = path.join(fs2.mkdtempSync(path.join(os.tmpdir(), 'alm-sources-')), 'secrets.json');
    fs2.writeFileSync(file, JSON.stringify({ ALM_REST_SHARED_SECRET: SECRET }), { mode: 0o600 });
    const r = await h.runCli(['try', 'get_user', '--user', ADA.email, '--secrets-file', file], { env: restEnv(store, { ALM_REST_SHARED_SECRET: '' }) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /get_user for ada@example\.com: found/);
  });
});
