'use strict';
/**
 * `doctor --live` and `try --remote` end to end (issue 11), as child processes against the fake new
 * tenant, whose password-realm grant on a custom-database connection runs that connection's Login
 * script in the sandbox emulation (js/fakes/fake-tenant/scripts.js):
 * - the probe on a runtime with WebAssembly (PASS, each fact printed) and without (FAIL, said plainly,
 *   exit 1); a missing scope (exit 3, the fix names it, nothing created); a leftover `alm-probe-*`
 *   connection of an interrupted run removed by the next run (and one without our mark kept);
 *   Ctrl-C while the probe's login is in flight (exit 130, the connection deleted);
 * - `try --remote` with the right password (the profile from the ID token's claims), a wrong one
 *   (WrongUsernameOrPasswordError: invalid_grant, exit 1), a login.js that throws and one that never
 *   calls back within the (shortened) time limit;
 * - the fake's own answers: create/delete need their scopes, a throwing script is access_denied with
 *   its message, a script over the limit "Script execution time exceeded".
 * After every test no probe connection is left, and nothing printed holds a secret or a password.
 */

const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { startRestStore, SAMPLE_USERS: REST_USERS } = require('../../js/fakes/rest-store');

const U = h.SEED.users;
const CLI_APP = h.SEED.clients.cli;
const PREFIX = 'alm-probe-';
let pair;

const probeConnections = () => pair.new.connections.filter((c) => c.name.startsWith(PREFIX));
const bothEnv = (extra = {}) => ({ ...h.oldEnv(pair.old), ...h.newEnv(pair.new), ...extra });
const requestsOf = (method, p) => pair.new.requests.filter((r) => r.method === method && r.path === p);

before(async () => {
  pair = await h.startPair();
});
afterEach(() => {
  assert.deepEqual(
    probeConnections().map((c) => c.name),
    [],
    'no probe connection is left behind'
  );
  assert.equal(
    pair.new.users.some((u) => u.user_id === 'auth0|alm-probe'),
    false,
    "the probe's user went with its connection"
  );
});
after(async () => {
  await pair.close();
  h.assertNoSecrets(h.allOutput(), [...h.seedSecrets(), 'definitely-wrong-password']);
});

/** A copy of dist/ whose login.js is `text` (the manifest rewritten to match), for scripts that misbehave. */
function distWithLogin(text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-live-dist-'));
  fs.cpSync(path.join(h.ROOT, 'dist'), dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'login.js'), text);
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const entry = manifest.artifacts.find((a) => a.file === 'login.js');
  entry.sha256 = crypto.createHash('sha256').update(text).digest('hex');
  entry.bytes = Buffer.byteLength(text);
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
const HEADER = '/*\n * auth0-lazy-migrate test script\n */\n';

describe('doctor --live', () => {
  it('on a runtime with WebAssembly: each fact printed, PASS, the connection created for this app only and deleted', async () => {
    const posts = requestsOf('POST', '/api/v2/connections').length;
    const r = await h.runCli(['doctor', '--live'], { env: h.newEnv(pair.new) });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    for (const fact of [
      /PASS {2}the probe script ran in Auth0: 2 logins/,
      /PASS {2}Node version: v\d+\./,
      /PASS {2}WebAssembly compiles/,
      /PASS {2}the built login\.js answered from its WebAssembly core: in \d+ ms, with its known settings error \("auth0-lazy-migrate: setting `Domain` is missing/,
      /PASS {2}configuration arrives/,
      /PASS {2}require\('zlib'\) and require\('crypto'\): both load/,
      /INFO {2}fetch: global fetch exists/,
      /INFO {2}Buffer: global Buffer exists/,
      /PASS {2}`global` kept between two logins/,
      /INFO {2}load time: first login \d+ ms \(to the core's answer\), second \d+ ms/,
      /^verdict: PASS/m,
    ]) {
      assert.match(r.stdout, fact);
    }
    assert.match(r.stderr, /created the temporary connection "alm-probe-[0-9a-f]{12}" \(con_[^)]+\), enabled for this tool's app only, import off/);
    assert.match(r.stderr, /deleted the temporary connection "alm-probe-[0-9a-f]{12}"/);
    assert.equal(requestsOf('POST', '/api/v2/connections').length, posts + 1);
    const realm = pair.new.requests.filter((q) => q.path === '/oauth/token' && q.grant_type === 'http://auth0.com/oauth/grant-type/password-realm');
    assert.ok(realm.length >= 2 && realm.slice(-2).every((q) => q.realm.startsWith(PREFIX) && q.client_id === CLI_APP.client_id && q.status === 200));
  });

  it('--json: one object with the facts and the checks', async () => {
    const r = await h.runCli(['doctor', '--live', '--json'], { env: h.newEnv(pair.new) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.live, true);
    assert.equal(r.json.ok, true);
    assert.equal(r.json.facts.w, 1);
    assert.equal(r.json.facts.wc, 1);
    assert.ok(r.json.checks.every((c) => c.status !== 'fail'));
    assert.match(r.json.connection, /^alm-probe-/);
  });

  it('on a runtime without WebAssembly: says so plainly, exit 1, the connection deleted', async () => {
    pair.new.scriptRuntime.wasm = false;
    try {
      const r = await h.runCli(['doctor', '--live'], { env: h.newEnv(pair.new) });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /FAIL {2}WebAssembly compiles: a trivial module did not compile: .*Wasm code generation disallowed/);
      assert.match(r.stdout, /fix: this tenant's runtime cannot run the scripts: it does not compile WebAssembly/);
      assert.match(r.stdout, /FAIL {2}the built login\.js answered from its WebAssembly core: it answered error/);
      assert.match(r.stdout, /^verdict: FAIL \(2 checks failed\): do not switch any connection/m);
      assert.match(r.stderr, /deleted the temporary connection/);
    } finally {
      pair.new.scriptRuntime.wasm = true;
    }
  });

  it('a missing scope: exit 3, the fix names it, nothing is created', async () => {
    const app = { ...structuredClone(pair.new.clients.find((c) => c.client_id === CLI_APP.client_id)), client_id: 'cli-no-delete-id', client_secret: 'cli-no-delete-SECRET-value' };
    app.management_api_scopes = app.management_api_scopes.filter((s) => s !== 'delete:connections');
    pair.new.clients.push(app);
    const posts = requestsOf('POST', '/api/v2/connections').length;
    const r = await h.runCli(['doctor', '--live'], { env: h.newEnv(pair.new, { ALM_NEW_CLIENT_ID: app.client_id, ALM_NEW_CLIENT_SECRET: app.client_secret }) });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /error: new tenant: this tool's app lacks the scope delete:connections: nothing was created/);
    assert.match(r.stderr, /fix: grant the app delete:connections \(Applications > APIs > Auth0 Management API/);
    assert.equal(requestsOf('POST', '/api/v2/connections').length, posts, 'no connection was created');
    h.assertNoSecrets(r.stderr, [app.client_secret]);
  });

  it("the Password grant not allowed for this tool's app: exit 3 with the fix, the connection deleted", async () => {
    const app = { ...structuredClone(pair.new.clients.find((c) => c.client_id === CLI_APP.client_id)), client_id: 'cli-no-password-id', client_secret: 'cli-no-password-SECRET-value' };
    app.grant_types = ['client_credentials'];
    pair.new.clients.push(app);
    const r = await h.runCli(['doctor', '--live'], { env: h.newEnv(pair.new, { ALM_NEW_CLIENT_ID: app.client_id, ALM_NEW_CLIENT_SECRET: app.client_secret }) });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /may not use the Password grant/);
    assert.match(r.stderr, /fix: Applications > \(this tool's app\) > Advanced Settings > Grant Types: enable Password/);
    assert.match(r.stderr, /deleted the temporary connection/);
    h.assertNoSecrets(r.stderr, [app.client_secret]);
  });

  it('a leftover of an interrupted run is removed by the next run (and said); a look-alike without our mark is kept', async () => {
    pair.new.connections.push({ id: 'con_LeftoverProbe001', name: 'alm-probe-0123456789ab', strategy: 'auth0', enabled_clients: [CLI_APP.client_id], metadata: { alm_probe: 'temporary' } });
    pair.new.connections.push({ id: 'con_NotOurs00000001', name: 'alm-probe-of-someone-else', strategy: 'auth0', enabled_clients: [] });
    try {
      const r = await h.runCli(['doctor', '--live'], { env: h.newEnv(pair.new) });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /removed the temporary connection "alm-probe-0123456789ab" \(con_LeftoverProbe001\) an interrupted run left behind/);
      assert.equal(pair.new.connection('alm-probe-0123456789ab'), undefined);
      assert.ok(pair.new.connection('alm-probe-of-someone-else'), 'a connection without our mark is not ours to delete');
    } finally {
      const i = pair.new.connections.findIndex((c) => c.name === 'alm-probe-of-someone-else');
      if (i >= 0) pair.new.connections.splice(i, 1);
    }
  });

  it('Ctrl-C while the probe logs in: the connection is deleted, exit 130', async () => {
    pair.new.scriptRuntime.hold();
    const waitingBefore = pair.new.scriptRuntime.waiting;
    try {
      const r = await h.runCli(['doctor', '--live', '--json'], {
        env: h.newEnv(pair.new),
        onSpawn: (child) => {
          h.until(() => pair.new.scriptRuntime.waiting > waitingBefore, 'the probe login to reach the script').then(() => child.kill('SIGINT'));
        },
      });
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, /SIGINT: stopping; deleting the temporary connection "alm-probe-[0-9a-f]{12}" first/);
      assert.match(r.stderr, /deleted the temporary connection/);
      assert.equal(r.json.interrupted, true);
      assert.equal(r.json.deleted, true);
    } finally {
      pair.new.scriptRuntime.release();
    }
  });

  it('a login.js that throws inside the probe: FAIL with what it answered', async () => {
    const dist = distWithLogin(`${HEADER}function login(u, p, callback) {\n  throw new Error('this test script throws on purpose');\n}\n`);
    const r = await h.runCli(['doctor', '--live', '--dist', dist], { env: h.newEnv(pair.new) });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /FAIL {2}the built login\.js answered from its WebAssembly core: it answered threw: "this test script throws on purpose"/);
  });

  it("a login.js that crashes Auth0's container: the probe did not run there, FAIL with the fix, exit 1", async () => {
    // Only in the fake tenant's container (the command line runs the same text here for the answer it expects).
    const dist = distWithLogin(`${HEADER}function login(u, p, callback) {\n  if (/script-worker/.test(process.argv[1])) process.exit(3);\n  callback(new Error('not here'));\n}\n`);
    const r = await h.runCli(['doctor', '--live', '--dist', dist, '--json'], { env: h.newEnv(pair.new) });
    assert.equal(r.code, 1, r.stderr);
    const ran = r.json.checks.find((c) => c.name === 'the probe script ran in Auth0');
    assert.equal(ran.status, 'fail');
    assert.match(ran.detail, /^Auth0 answered server_error: /);
    assert.match(ran.fix, /^this tenant's runtime cannot run the scripts: the probe script failed there/);
    assert.equal(r.json.facts, null);
    assert.match(r.stderr, /deleted the temporary connection/);
  });
});

describe('try --remote', () => {
  it('the right password: success and the profile Auth0 built from the ID token', async () => {
    const r = await h.runCli(['try', 'login', '--remote', '--user', U.full.email], { env: bothEnv(), input: `${U.full.password}\n` });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /login for ada\.lovelace@example\.com on Auth0 \(new tenant, temporary connection "alm-probe-[0-9a-f]{12}"\): success/);
    assert.match(r.stdout, /user id Auth0 gave it: auth0\|5f7c8ec7c33c6c004bbafe82/);
    assert.match(r.stdout, /profile Auth0 built \(the ID token's claims\):\n {2}\{\n {4}"sub": "auth0\|5f7c8ec7c33c6c004bbafe82",\n {4}"name": "Ada Lovelace"/);
    assert.match(r.stdout, /"email": "ada\.lovelace@example\.com"/);
    assert.match(r.stderr, /deleted the temporary connection/);
    assert.equal(`${r.stdout}${r.stderr}`.includes(U.full.password), false);
  });

  it('--json with a wrong password: wrong_password (WrongUsernameOrPasswordError), exit 1', async () => {
    const r = await h.runCli(['try', 'login', '--remote', '--user', U.full.email, '--json'], { env: bothEnv(), input: 'definitely-wrong-password\n' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.json.remote, true);
    assert.equal(r.json.outcome, 'wrong_password');
    assert.deepEqual(r.json.error, { error: 'invalid_grant', description: 'Wrong email or password.', status: 403 });
    assert.match(r.stderr, /Auth0 answered: invalid_grant: Wrong email or password\. \(the script called back WrongUsernameOrPasswordError\)/);
    const e = await h.runCli(['try', 'login', '--remote', '--user', U.full.email, '--expect', 'wrong_password'], { env: bothEnv(), input: 'definitely-wrong-password\n' });
    assert.equal(e.code, 0, e.stderr);
  });

  it('a login.js that throws: Auth0 answers access_denied with its message, exit 1', async () => {
    const dist = distWithLogin(`${HEADER}function login(u, p, callback) {\n  throw new Error('this test script throws on purpose');\n}\n`);
    const r = await h.runCli(['try', 'login', '--remote', '--user', U.full.email, '--dist', dist], { env: bothEnv(), input: `${U.full.password}\n` });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /: error \(expected success\)/);
    assert.match(r.stdout, /Auth0 answered: access_denied: this test script throws on purpose/);
  });

  it("a login.js that never calls back: stopped at the runtime's limit (shortened here)", async () => {
    const dist = distWithLogin(`${HEADER}function login(u, p, callback) {\n  // never calls back\n}\n`);
    pair.new.scriptRuntime.timeoutMs = 200;
    try {
      const r = await h.runCli(['try', 'login', '--remote', '--user', U.full.email, '--dist', dist], { env: bothEnv(), input: `${U.full.password}\n` });
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /Auth0 answered: access_denied: Script execution time exceeded/);
    } finally {
      pair.new.scriptRuntime.timeoutMs = 20000;
    }
  });

  it('--source rest: dist/rest/login.js on Auth0 reaches the store (the right password migrates, a wrong one is wrong_password)', async () => {
    const secret = crypto.randomBytes(30).toString('base64url');
    const [ada] = REST_USERS;
    const store = await startRestStore({ secret, users: REST_USERS.map((u) => ({ ...u })) });
    try {
      const env = { ...h.newEnv(pair.new), ALM_SOURCE: 'rest', ALM_REST_BASE_URL: store.url, ALM_REST_SHARED_SECRET: secret };
      const r = await h.runCli(['try', 'login', '--remote', '--user', ada.email, '--json'], { env, input: `${ada.password}\n` });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.json.source, 'rest');
      assert.equal(r.json.script, 'rest/login.js');
      assert.equal(r.json.outcome, 'success');
      assert.equal(r.json.profile.email, ada.email);
      assert.match(r.stderr, /a real password check on your rest source, made from Auth0's runtime/);
      assert.ok(
        store.requests.some((q) => q.endpoint === 'verify-password' && q.status === 200),
        'the store was asked, from the connection'
      );
      const wrong = await h.runCli(['try', 'login', '--remote', '--user', ada.email, '--expect', 'wrong_password'], { env, input: 'definitely-wrong-password\n' });
      assert.equal(wrong.code, 0, wrong.stdout + wrong.stderr);
      assert.equal(`${r.stdout}${r.stderr}${wrong.stdout}${wrong.stderr}`.includes(secret), false);
      assert.equal(`${r.stdout}${r.stderr}`.includes(ada.password), false);
    } finally {
      await store.close();
    }
  });

  it('refuses get_user, --retired and a missing new tenant (exit 2), before anything is sent', async () => {
    assert.equal((await h.runCli(['try', 'get_user', '--remote', '--user', U.full.email], { env: bothEnv() })).code, 2);
    assert.equal((await h.runCli(['try', 'login', '--remote', '--retired', '--user', U.full.email], { env: bothEnv(), input: 'x-password\n' })).code, 2);
    const r = await h.runCli(['try', 'login', '--remote', '--user', U.full.email], { env: h.oldEnv(pair.old), input: 'x-password\n' });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing --new-domain or ALM_NEW_DOMAIN/);
  });
});

describe("the fake new tenant's side", () => {
  const api = async (method, p, { scope, body, clientId = CLI_APP.client_id } = {}) => {
    const token = pair.new.mgmtToken({ clientId, scope });
    const res = await fetch(`${pair.new.url}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: await res.json() };
  };
  const login = async (realm, password = 'some-password') => {
    const res = await fetch(`${pair.new.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'http://auth0.com/oauth/grant-type/password-realm',
        realm,
        username: 'someone@example.com',
        password,
        client_id: CLI_APP.client_id,
        client_secret: CLI_APP.client_secret,
        scope: 'openid profile email',
      }),
    });
    return { status: res.status, body: await res.json() };
  };
  const withConnection = async (script, fn) => {
    const name = `${PREFIX}fake-${crypto.randomBytes(3).toString('hex')}`;
    const c = await api('POST', '/api/v2/connections', {
      scope: 'create:connections',
      body: { name, strategy: 'auth0', enabled_clients: [CLI_APP.client_id], options: { enabledDatabaseCustomization: true, import_mode: false, customScripts: { login: script } } },
    });
    assert.equal(c.status, 201, JSON.stringify(c.body));
    try {
      await fn(name);
    } finally {
      assert.equal((await api('DELETE', `/api/v2/connections/${c.body.id}`, { scope: 'delete:connections' })).status, 202);
    }
  };

  it('create and delete need create:connections and delete:connections (403 insufficient_scope naming it)', async () => {
    const body = { name: `${PREFIX}scope`, strategy: 'auth0' };
    const c = await api('POST', '/api/v2/connections', { scope: 'read:connections', body });
    assert.equal(c.status, 403);
    assert.equal(c.body.errorCode, 'insufficient_scope');
    assert.match(c.body.message, /create:connections/);
    const d = await api('DELETE', '/api/v2/connections/con_NewTenantUsers01', { scope: 'read:connections update:connections' });
    assert.equal(d.status, 403);
    assert.match(d.body.message, /delete:connections/);
    assert.ok(pair.new.connection(h.NEW_CONNECTION), 'nothing was deleted');
    const dup = await api('POST', '/api/v2/connections', { scope: 'create:connections', body: { name: h.NEW_CONNECTION, strategy: 'auth0' } });
    assert.equal(dup.status, 409);
  });

  it('the Login script: a profile is an ID token with its standard claims; an error or a throw is access_denied with the message', async () => {
    await withConnection("function login(u, p, cb) { cb(null, { user_id: 'x1', email: u, nickname: 'nick', name: 'Some One' }); }", async (realm) => {
      const r = await login(realm);
      assert.equal(r.status, 200);
      const claims = JSON.parse(Buffer.from(r.body.id_token.split('.')[1], 'base64url').toString());
      assert.equal(claims.sub, 'auth0|x1');
      assert.equal(claims.nickname, 'nick');
      assert.equal(claims.name, 'Some One');
      assert.equal(claims.email, 'someone@example.com');
    });
    await withConnection("function login(u, p, cb) { cb(new Error('old tenant down')); }", async (realm) => {
      assert.deepEqual(await login(realm), { status: 403, body: { error: 'access_denied', error_description: 'old tenant down' } });
    });
    await withConnection("function login(u, p, cb) { throw new Error('a bug'); }", async (realm) => {
      assert.deepEqual(await login(realm), { status: 403, body: { error: 'access_denied', error_description: 'a bug' } });
    });
    await withConnection("function login(u, p, cb) { cb(new WrongUsernameOrPasswordError(u, 'no')); }", async (realm) => {
      assert.deepEqual(await login(realm), { status: 403, body: { error: 'invalid_grant', error_description: 'Wrong email or password.' } });
    });
  });

  it("the sandbox's `wasm: false`: no module compiles in the script's context, nothing else changes", async () => {
    const { createContainer } = require('../../js/sandbox');
    const script = `function login(u, p, cb) {
  try { new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); cb(null, { user_id: 'compiled', nickname: typeof fetch }); }
  catch (e) { cb(new Error(String(e.message))); }
}`;
    const off = await createContainer({ wasm: false, extraGlobals: { fetch } }).invoke(script, { kind: 'login', args: ['u', 'some-password'] });
    assert.equal(off.outcome, 'error');
    assert.match(off.error.message, /Wasm code generation disallowed/);
    const on = await createContainer({ documentedOnly: true, extraGlobals: { fetch } }).invoke(script, { kind: 'login', args: ['u', 'some-password'] });
    assert.equal(on.outcome, 'success');
    assert.equal(on.stored.nickname, 'function');
  });

  it('a script over the time limit (shortened): access_denied "Script execution time exceeded"', async () => {
    pair.new.scriptRuntime.timeoutMs = 100;
    try {
      await withConnection('function login(u, p, cb) {}', async (realm) => {
        assert.deepEqual(await login(realm), { status: 403, body: { error: 'access_denied', error_description: 'Script execution time exceeded' } });
      });
    } finally {
      pair.new.scriptRuntime.timeoutMs = 20000;
    }
  });
});
