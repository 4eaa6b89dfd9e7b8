'use strict';
/**
 * A panic in the Rust core is a wasm trap (panic = "abort"), which JavaScript sees as a thrown
 * WebAssembly.RuntimeError. The shim must turn it into exactly one Error callback (never a wrong
 * password, never silence), drop the cached instance so no later step runs on a module that may have
 * been left mid-update, and let the next call start clean. The trap is forced by replacing an
 * export of the instance the container caches on Auth0's `global` with one that throws what a trap
 * throws.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const { startFakeTenant } = require('../../js/fakes/fake-tenant');
const vm = require('node:vm');
const { SEED, MANIFEST, container, login, getUser } = require('../../js/fakes/dist-harness');

const CACHE_KEY = `auth0-lazy-migrate/wasm/${MANIFEST.wasm.sha256}`;
const trap = () => {
  throw new WebAssembly.RuntimeError('unreachable');
};

let tenant;
test.before(async () => {
  tenant = await startFakeTenant();
});
test.after(() => tenant.close());
test.afterEach(() => tenant.faults.clear());

function one(report) {
  assert.equal(report.callbackCalls, 1);
  assert.deepEqual(report.violations, []);
  return report;
}

async function warm() {
  const c = container(tenant);
  one(await getUser(c, SEED.users.full.email));
  assert.ok(c.global[CACHE_KEY], "the instance is cached on the container's global under the wasm hash");
  return c;
}

for (const fn of ['start', 'resume']) {
  test(`a trap in ${fn} is one Error callback, the instance is dropped, the next call works`, async () => {
    const c = await warm();
    const trapped = c.global[CACHE_KEY];
    trapped[fn] = trap;
    const u = SEED.users.minimal;
    const r = one(await login(c, u.email, u.password));
    assert.equal(r.outcome, 'error', `${r.outcome}: a trap is never a wrong password or a profile`);
    assert.equal(r.error.name, 'Error');
    assert.match(r.error.message, /migration module failed \(RuntimeError\)/);
    assert.match(r.logs[0].text, /outcome=error/);
    assert.equal(c.global[CACHE_KEY], undefined, 'the trapped instance is no longer cached');

    const next = one(await login(c, u.email, u.password));
    assert.equal(next.outcome, 'success', 'the next call in the same container starts clean');
    assert.equal(next.stored.user_id, u.user_id);
    assert.ok(c.global[CACHE_KEY] && c.global[CACHE_KEY] !== trapped, 'a fresh instance is cached');
    assert.equal(one(await login(c, u.email, 'not the password')).outcome, 'wrong_password');
  });
}

test('calls in flight when another call traps fail with one Error; the next call works', async () => {
  const c = await warm();
  // B is waiting for its user lookup (held for 1.5 s) when A's step traps. B's flow lived in the
  // trapped instance, which is dropped with every flow in it: B's next step is an Error, never a
  // step run on the trapped module nor on another instance that knows nothing of B.
  tenant.faults.set('users-by-email', { kind: 'latency', ms: 1500, times: 1 });
  const b = getUser(c, SEED.users.full.email);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const trapped = c.global[CACHE_KEY];
  trapped.resume = trap;
  const a = one(await login(c, SEED.users.minimal.email, SEED.users.minimal.password));
  assert.equal(a.outcome, 'error');
  assert.equal(c.global[CACHE_KEY], undefined);
  const rb = one(await b);
  assert.equal(rb.outcome, 'error', `B: ${rb.outcome}`);
  assert.equal(rb.error.name, 'Error');
  assert.match(rb.error.message, /migration module failed \(dropped after a trap\)/);
  const next = one(await getUser(c, SEED.users.full.email));
  assert.equal(next.outcome, 'found', 'the next call starts clean');
  assert.ok(c.global[CACHE_KEY] && c.global[CACHE_KEY] !== trapped, 'on a fresh instance');
});

test('a trap on many concurrent calls: each gets exactly one callback', async () => {
  const c = await warm();
  c.global[CACHE_KEY].start = trap;
  const reports = await Promise.all(Array.from({ length: 20 }, (_, i) => getUser(c, `someone${i}@example.com`)));
  // The first call traps and drops the instance; the others may already have entered the trapped
  // one (an Error) or load a fresh one (not found): never anything else, never twice.
  for (const r of reports) {
    one(r);
    assert.ok(['error', 'not_found'].includes(r.outcome), r.outcome);
  }
  assert.ok(reports.some((r) => r.outcome === 'error'));
  assert.equal(c.lateEvents.length, 0);
});

test('an instance that cannot even be created is an Error naming the cause, for every call', async () => {
  const c = container(tenant);
  // The WebAssembly the script sees: its own context's (a documented-only container), else Node's.
  const W = c.realm ? vm.runInContext('WebAssembly', c.realm.context) : WebAssembly;
  const real = W.Module;
  // biome-ignore lint/complexity/useArrowFunction: it is called with `new`, and an arrow function is not a constructor
  W.Module = function () {
    throw new W.CompileError('out of memory');
  };
  let r;
  try {
    r = one(await getUser(c, SEED.users.full.email));
  } finally {
    W.Module = real;
  }
  assert.equal(r.outcome, 'error');
  assert.equal(c.global[CACHE_KEY], undefined);
  assert.equal(one(await getUser(c, SEED.users.full.email)).outcome, 'found', 'and the next call recovers');
});
