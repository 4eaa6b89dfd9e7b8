'use strict';
/**
 * The dist scripts need only what Auth0 documents (issue 11): `require` of Node's built-in modules,
 * `console`, `setTimeout`/`clearTimeout`, the ECMAScript built-ins, `global` and `configuration`
 * (with the error classes). Each end-to-end outcome runs in a sandbox container whose scripts see
 * nothing else (js/sandbox, `documentedOnly`: a V8 context of their own, no Buffer, TextDecoder,
 * AbortController, URL or process) - once with `fetch` (and AbortController) added, once without.
 * Without it the scripts send through Node's `https` module: the fake old tenant still gets every
 * request, and no fetch exists for them to call; with it, every request goes through fetch.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const { createContainer } = require('../../js/sandbox');
const { startFakeTenant } = require('../../js/fakes/fake-tenant');
const { SEED, settingsFor, login, getUser, requestsSince } = require('../../js/fakes/dist-harness');

let tenant;
test.before(async () => {
  tenant = await startFakeTenant();
});
test.after(async () => {
  await tenant.close();
});

function clean(r) {
  assert.deepEqual(r.violations, [], r.violations.join('; '));
  // Only the expected one: the script takes the callback from the last of its parameters. An
  // Error or profile of the script's own context misread as not one would show here too.
  const others = r.warnings.filter((w) => !/declares \d parameters but Auth0 passes \d \(script context off\)/.test(w));
  assert.deepEqual(others, [], others.join('; '));
  assert.equal(r.callbackCalls, 1);
  return r;
}

/** A port on this machine that nothing listens on: the old tenant down. */
async function deadPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const PROBE = `function login(u, p, callback) {
  callback(null, { user_id: 'probe', nickname: [typeof fetch, typeof Buffer, typeof TextDecoder, typeof TextEncoder,
    typeof AbortController, typeof URL, typeof process, typeof setImmediate, typeof structuredClone,
    typeof setTimeout, typeof clearTimeout, typeof WebAssembly, typeof require, typeof console, typeof global].join() });
}`;

for (const withFetch of [true, false]) {
  const mode = withFetch ? 'with fetch' : 'without fetch (https)';
  test.describe(`only documented globals, ${mode}`, () => {
    const calls = { fetch: 0 };
    const extraGlobals = withFetch
      ? {
          fetch: (...a) => {
            calls.fetch += 1;
            return fetch(...a);
          },
          AbortController,
        }
      : {};
    const container = (extra) => createContainer({ configuration: settingsFor(tenant, extra), documentedOnly: true, extraGlobals });
    /** Runs `call`, then checks every request it made reached the tenant, through fetch or not. */
    async function counted(call) {
      const [mark, before] = [tenant.requests.length, calls.fetch];
      const r = await call();
      const sent = requestsSince(tenant, mark).length;
      assert.ok(sent > 0, 'the old tenant was asked');
      assert.equal(calls.fetch - before, withFetch ? sent : 0, withFetch ? 'every request through fetch' : 'no fetch: through https');
      return r;
    }

    test('the scripts see nothing but the documented names (and fetch where given)', async () => {
      const r = clean(await container().invoke(PROBE, { kind: 'login', args: ['probe@example.com', 'pw-unused'], timeoutMs: 2000 }));
      const added = withFetch ? 'function' : 'undefined';
      const want = [added, 'undefined', 'undefined', 'undefined', added, 'undefined', 'undefined', 'undefined', 'undefined', 'function', 'function', 'object', 'function', 'object', 'object'];
      assert.equal(r.stored.nickname, want.join());
    });

    test('right password: the user is migrated', async () => {
      const u = SEED.users.full;
      const r = clean(await counted(() => login(container(), u.email, u.password)));
      assert.equal(r.outcome, 'success');
      assert.equal(r.stored.user_id, u.user_id);
      assert.equal(Object.keys(r.profile.user_metadata).length > 0, true);
    });

    test('wrong password: WrongUsernameOrPasswordError', async () => {
      const u = SEED.users.minimal;
      const r = clean(await counted(() => login(container(), u.email, 'not the password')));
      assert.equal(r.outcome, 'wrong_password');
      assert.equal(r.event, 'fp');
    });

    test('get_user: found, and not found', async () => {
      // A user no login here has migrated (a login marks the old user migrated, and get_user then skips it).
      const u = SEED.users.username;
      const found = clean(await counted(() => getUser(container(), u.email)));
      assert.equal(found.outcome, 'found');
      assert.equal(found.stored.user_id, u.user_id);
      const missing = clean(await counted(() => getUser(container(), 'nobody@example.com')));
      assert.equal(missing.outcome, 'not_found');
    });

    test('an HTTP error status is read as one (503: an Error, never a wrong password)', async () => {
      tenant.faults.set('token', { kind: 'status', status: 503, times: 1 });
      try {
        const r = clean(await counted(() => login(container(), SEED.users.minimal.email, SEED.users.minimal.password)));
        assert.equal(r.outcome, 'error');
        assert.match(r.error.message, /HTTP 503/);
      } finally {
        tenant.faults.clear();
      }
    });

    test('old tenant down: an Error naming a network failure', async () => {
      const port = await deadPort();
      const before = calls.fetch;
      const r = clean(await login(container({ Domain: `127.0.0.1:${port}` }), 'a@example.com', 'some password'));
      assert.equal(r.outcome, 'error');
      assert.match(r.error.message, /no answer from the old tenant \(network\)/);
      assert.equal(calls.fetch - before, withFetch ? 1 : 0);
    });

    test('old tenant not answering: an Error naming the timeout', async () => {
      tenant.faults.set('token', { kind: 'hang', times: 1 });
      try {
        const r = clean(await counted(() => login(container(), SEED.users.minimal.email, SEED.users.minimal.password)));
        assert.equal(r.outcome, 'error');
        assert.match(r.error.message, /no answer from the old tenant \(timeout\)/);
      } finally {
        tenant.faults.clear();
      }
    });
  });
}
