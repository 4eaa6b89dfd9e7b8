'use strict';
/**
 * `try` and `doctor` end to end, as child processes against fake tenants: the built scripts in the
 * sandbox emulation (outcomes, log events, stored profiles, exit codes), the password read from stdin
 * and never printed, and the doctor's checklist on a healthy setup and on each broken one (bad
 * credentials, missing scope, wrong connection, grant not allowed, nothing deployed).
 */

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../support/fake-tenant/cli-harness');

const U = h.SEED.users;
const C = h.SEED.clients;
let pair;
before(async () => {
  pair = await h.startPair();
});
after(async () => {
  await pair.close();
  h.assertNoSecrets(h.allOutput());
});

describe('try', () => {
  it('login with the right password: success, event s, the stored profile with the same user id', async () => {
    const r = await h.runCli(['try', 'login', '--user', U.username.email, '--json'], { env: h.oldEnv(pair.old), input: `${U.username.password}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.outcome, 'success');
    assert.equal(r.json.event, 's');
    assert.equal(r.json.newTenantUserId, U.username.user_id);
    assert.equal(r.json.profile.email, U.username.email);
    assert.deepEqual(r.json.profile.app_metadata, { roles: ['operator'] });
    assert.deepEqual(r.json.violations, []);
    assert.deepEqual(r.json.warnings, []);
    assert.match(r.stderr, /Auth0 log event: s \(Success Login\)/);
    assert.equal(`${r.stdout}${r.stderr}`.includes(U.username.password), false);
  });

  it('login with a wrong password: exit 1, event fp; --expect makes it the success', async () => {
    const wrong = 'definitely-wrong-password';
    const r = await h.runCli(['try', '--user', U.minimal.email], { env: h.oldEnv(pair.old), input: wrong });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /login for no\.meta@example\.com: wrong_password \(expected success\)/);
    assert.match(r.stdout, /Auth0 log event: fp/);
    assert.equal(`${r.stdout}${r.stderr}`.includes(wrong), false);
    const e = await h.runCli(['try', '--user', U.minimal.email, '--expect', 'wrong_password'], { env: h.oldEnv(pair.old), input: wrong });
    assert.equal(e.code, 0);
  });

  it('get_user finds a user (no password asked) and says not_found for nobody', async () => {
    const r = await h.runCli(['try', 'get_user', '--user', U.defaultDirectory.email, '--connection', ''], { env: h.oldEnv(pair.old) });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /get_user for grace\.hopper@example\.com: found/);
    assert.match(r.stdout, /"user_id": "auth0\|5f7c8ec7c33c6c004bbafe8b"/);
    const none = await h.runCli(['try', 'get_user', '--user', 'nobody@example.com', '--expect', 'not_found', '--json'], { env: h.oldEnv(pair.old) });
    assert.equal(none.code, 0);
    assert.equal(none.json.outcome, 'not_found');
  });

  it('bad credentials: the script reports a setup error, not a wrong password (exit 1)', async () => {
    const r = await h.runCli(['try', '--user', U.full.email, '--json'], { env: h.oldEnv(pair.old, { ALM_CLIENT_SECRET: 'a-wrong-client-SECRET' }), input: U.full.password });
    assert.equal(r.code, 1);
    assert.equal(r.json.outcome, 'error');
    assert.equal(r.json.event, 'f');
    assert.match(r.json.error.message, /Client_Secret/);
    assert.equal(r.stdout.includes('a-wrong-client-SECRET'), false);
  });

  it('on a terminal, asks for the password without echoing it', async (t) => {
    const { spawn, spawnSync } = require('node:child_process');
    if (spawnSync('script', ['--version']).status !== 0) return t.skip('no `script` (util-linux) to provide a terminal');
    const quote = (a) => `'${String(a).replace(/'/g, "'\\''")}'`;
    const cmd = [process.execPath, h.CLI, 'try', 'login', '--user', U.defaultDirectory.email, '--connection', ''].map(quote).join(' ');
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALM_')));
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...base, ...h.oldEnv(pair.old), NODE_EXTRA_CA_CERTS: require('node:path').join(h.ROOT, 'target/test-ca/ca.pem') } });
    let text = '';
    let typed = false;
    child.stdout.on('data', (c) => {
      text += c;
      if (!typed && text.includes('(not echoed): ')) {
        typed = true;
        child.stdin.write(`${U.defaultDirectory.password}\r`);
      }
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, text);
    assert.match(text, /Password for grace\.hopper@example\.com \(not echoed\): /);
    assert.match(text, /login for grace\.hopper@example\.com: success/);
    assert.equal(text.includes(U.defaultDirectory.password), false, 'the password is not echoed');
  });

  it('needs a password on stdin, a user, and a known script (exit 2)', async () => {
    assert.equal((await h.runCli(['try', '--user', U.full.email], { env: h.oldEnv(pair.old) })).code, 2);
    assert.equal((await h.runCli(['try'], { env: h.oldEnv(pair.old) })).code, 2);
    assert.equal((await h.runCli(['try', 'create', '--user', 'x'], { env: h.oldEnv(pair.old) })).code, 2);
    const noSecret = await h.runCli(['try', '--user', 'x'], { env: h.oldEnv(pair.old, { ALM_CLIENT_SECRET: '' }) });
    assert.equal(noSecret.code, 2);
    assert.match(noSecret.stderr, /missing ALM_CLIENT_SECRET/);
  });
});

describe('doctor', () => {
  const env = () => ({ ...h.oldEnv(pair.old), ...h.newEnv(pair.new) });
  const check = (r, name) => r.json.checks.find((c) => c.name.startsWith(name));

  it('before deploy: the old tenant passes, the new tenant fails with the fix (exit 1)', async () => {
    const r = await h.runCli(['doctor', '--json'], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    for (const name of ['discovery document reachable', 'RS256 signing keys', 'client credentials accepted', 'token carries read:users', 'Management API user lookup', 'Password grant allowed']) {
      assert.equal(r.json.checks.find((c) => c.section === 'old tenant' && c.name.startsWith(name)).status, 'ok', name);
    }
    assert.equal(check(r, 'brute-force protection').status, 'warn');
    assert.match(check(r, 'brute-force protection').fix, /Allow List/);
    const scripts = r.json.checks.filter((c) => c.section === 'new tenant' && /script deployed/.test(c.name));
    assert.deepEqual(
      scripts.map((c) => c.status),
      ['fail', 'fail']
    );
    assert.match(scripts[0].fix, /auth0-lazy-migrate deploy/);
    assert.equal(check(r, 'import mode on').status, 'fail');
  });

  it('after deploy: every check passes (exit 0); a stale script is caught', async () => {
    const d = await h.runCli(['deploy', '--yes'], { env: env() });
    assert.equal(d.code, 0, d.stderr);
    const r = await h.runCli(['doctor'], { env: env() });
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /\[ok\] {3}login script deployed and current/);
    assert.match(r.stdout, /\[ok\] {3}settings keys present: Domain, Client_ID, Client_Secret, Connection/);
    assert.match(r.stdout, /0 failed/);
    const conn = pair.new.connection(h.NEW_CONNECTION);
    const current = conn.options.customScripts.login;
    conn.options.customScripts.login = current.replace('function login', '// an older build\nfunction login');
    try {
      const stale = await h.runCli(['doctor', '--json'], { env: env() });
      assert.equal(stale.code, 1);
      assert.equal(check(stale, 'login script deployed').status, 'fail');
      assert.match(check(stale, 'login script deployed').fix, /deploy/);
    } finally {
      conn.options.customScripts.login = current;
    }
  });

  it('bad credentials, missing scope, wrong connection, grant not allowed: each fails with its fix', async () => {
    const bad = await h.runCli(['doctor', '--json'], { env: h.oldEnv(pair.old, { ALM_CLIENT_SECRET: 'bad-SECRET-value' }) });
    assert.equal(bad.code, 1);
    assert.equal(check(bad, 'client credentials accepted').status, 'fail');
    assert.match(check(bad, 'client credentials accepted').fix, /ALM_CLIENT_SECRET/);
    assert.equal(check(bad, 'token carries read:users').status, 'skip');

    const scope = await h.runCli(['doctor', '--json'], { env: h.oldEnv(pair.old, { ALM_CLIENT_ID: C.noScope.client_id, ALM_CLIENT_SECRET: C.noScope.client_secret }) });
    assert.equal(check(scope, 'token carries read:users').status, 'fail');
    assert.match(check(scope, 'token carries read:users').fix, /read:users/);
    assert.equal(check(scope, 'Management API user lookup').status, 'fail');

    const conn = await h.runCli(['doctor', '--json'], { env: h.oldEnv(pair.old, { ALM_CONNECTION: 'not-enabled-db' }) });
    // The fix is the built login.js's own reading of the old tenant's answer (doctor classifies nothing).
    assert.match(check(conn, 'Password grant allowed').fix, /connection `not-enabled-db` or it is not enabled for the Migration App/);
    const realm = await h.runCli(['doctor', '--json'], { env: h.oldEnv(pair.old, { ALM_CONNECTION: 'typo-db' }) });
    assert.match(check(realm, 'Password grant allowed').fix, /does not know the connection `typo-db`/);

    const grant = await h.runCli(['doctor', '--json'], { env: h.oldEnv(pair.old, { ALM_CLIENT_ID: C.ccOnly.client_id, ALM_CLIENT_SECRET: C.ccOnly.client_secret }) });
    assert.equal(grant.code, 1);
    assert.match(check(grant, 'Password grant allowed').fix, /does not allow the Password grant; enable Password/);

    const newBad = await h.runCli(['doctor', '--json'], { env: h.newEnv(pair.new, { ALM_NEW_CLIENT_ID: C.noScope.client_id, ALM_NEW_CLIENT_SECRET: C.noScope.client_secret }) });
    assert.equal(newBad.code, 1);
    assert.equal(check(newBad, 'scopes to read the connection').status, 'fail');
    assert.equal(
      newBad.json.checks.some((c) => c.section === 'old tenant'),
      false,
      'only the tenant given is checked'
    );
  });

  // What js/cli/auth0.js keeps beside the auth0 SDK: the SDK's TokenProvider sends the token request
  // once, and its retry covers replies only, not a connection reset before any reply.
  it('a 500 from the token endpoint and a reset connection on a read are tried again, said on stderr', async () => {
    pair.new.faults.set('token', { kind: 'status', status: 500, times: 1 });
    pair.new.faults.set('connections', { kind: 'reset', times: 1 });
    try {
      const r = await h.runCli(['doctor', '--json'], { env: h.newEnv(pair.new) });
      assert.equal(check(r, 'client credentials accepted').status, 'ok', r.stderr);
      assert.equal(check(r, 'connection "Username-Password-Authentication" exists').status, 'ok', r.stderr);
      assert.match(r.stderr, /new tenant: token request: HTTP 500[^\n]*; waiting 1\.0 s/);
    } finally {
      pair.new.faults.clear();
    }
  });

  it('an unreachable tenant is a failed check; nothing given is a usage error', async () => {
    const r = await h.runCli(['doctor', '--json'], { env: h.oldEnv(pair.old, { ALM_DOMAIN: '127.0.0.1:1' }) });
    assert.equal(r.code, 1);
    assert.equal(check(r, 'discovery document reachable').status, 'fail');
    assert.equal((await h.runCli(['doctor'])).code, 2);
  });
});
