'use strict';
// Tests for js/sandbox/ (the Auth0 custom-database sandbox emulation) with small hand-written scripts.
// Offline, deterministic: timeouts and grace periods are a few tens of milliseconds.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const sandbox = require(path.join(__dirname, '..', '..', 'js', 'sandbox'));

const { createContainer, compileScript, formatReport, SandboxError, SCRIPT_LIMIT_BYTES, WrongUsernameOrPasswordError, UnauthorizedError, ValidationError } = sandbox;

const CONFIG = { Domain: 'old.example.com', Client_ID: 'cid', Client_Secret: 'csecret' };
const PASSWORD = 'hunter2-correct-horse';
const container = (extra) => createContainer({ configuration: CONFIG, graceMs: 20, ...extra });
const login = (c, text, opts) => c.invoke(text, { kind: 'login', args: ['ann@example.com', PASSWORD], ...opts });
const getUser = (c, text, opts) => c.invoke(text, { kind: 'get_user', args: ['ann@example.com'], ...opts });

const LOGIN_OK = `// Login script (test)
function login(userNameOrEmail, password, callback) {
  callback(null, { user_id: 'u1', email: userNameOrEmail, email_verified: true, user_metadata: { lang: 'en' } });
}`;

test('login success: outcome, event s, stored user gets auth0| prefix, report has no arguments', async () => {
  const r = await login(container(), LOGIN_OK);
  assert.equal(r.outcome, 'success');
  assert.equal(r.event, 's');
  assert.deepEqual(r.stored, { user_id: 'auth0|u1', email: 'ann@example.com', email_verified: true, user_metadata: { lang: 'en' } });
  assert.equal(r.profile.user_id, 'u1');
  assert.deepEqual(r.violations, []);
  assert.equal(r.callbackCalls, 1);
  assert.equal(r.name, 'login');
  assert.ok(!JSON.stringify(r).includes(PASSWORD));
  const text = formatReport(r);
  assert.match(text, /success/);
  assert.match(text, /auth0\|u1/);
  assert.ok(!text.includes(PASSWORD));
});

test('login success with script context: context is the 3rd argument, callback the last', async () => {
  const text = `function login(u, p, context, callback) {
    callback(null, { user_id: 'u2', nickname: context.connection.name });
  }`;
  const r = await login(container(), text, { withContext: true });
  assert.equal(r.outcome, 'success');
  assert.equal(r.stored.nickname, 'Username-Password-Authentication');
  const r2 = await login(container(), text, { context: { connection: { name: 'custom' } } });
  assert.equal(r2.stored.nickname, 'custom');
  const c = container({ contextDefaults: { connection: { name: 'from-defaults' } } });
  assert.equal((await login(c, text, { withContext: true })).stored.nickname, 'from-defaults');
});

test('wrong password: fp with a truthy identifier, fu with a falsy one', async () => {
  const fp = await login(container(), `function login(u, p, cb) { cb(new WrongUsernameOrPasswordError(u, 'Wrong email or password.')); }`);
  assert.equal(fp.outcome, 'wrong_password');
  assert.equal(fp.event, 'fp');
  assert.deepEqual(fp.error, { name: 'WrongUsernameOrPasswordError', message: 'Wrong email or password.', identifier: 'ann@example.com' });
  const fu = await login(container(), `function login(u, p, cb) { cb(new WrongUsernameOrPasswordError()); }`);
  assert.equal(fu.outcome, 'wrong_password');
  assert.equal(fu.event, 'fu');
});

test('unauthorized, plain error and thrown exception', async () => {
  const un = await login(container(), `function login(u, p, cb) { cb(new UnauthorizedError('user is blocked')); }`);
  assert.equal(un.outcome, 'unauthorized');
  assert.equal(un.event, 'f');
  assert.deepEqual(un.error, { name: 'UnauthorizedError', message: 'user is blocked' });

  const err = await login(container(), `function login(u, p, cb) { setTimeout(() => cb(new Error('upstream 503')), 5); }`);
  assert.equal(err.outcome, 'error');
  assert.equal(err.event, 'f');
  assert.equal(err.error.message, 'upstream 503');

  const thrown = await login(container(), `function login(u, p, cb) { throw new TypeError('boom'); }`);
  assert.equal(thrown.outcome, 'error');
  assert.equal(thrown.event, 'f');
  assert.deepEqual(thrown.error, { name: 'TypeError', message: 'boom' });
  assert.equal(thrown.callbackCalls, 0);
  assert.deepEqual(thrown.violations, []);

  const both = await login(container(), `function login(u, p, cb) { cb(null, { user_id: 'x' }); throw new Error('late'); }`);
  assert.equal(both.outcome, 'violation');
  assert.match(both.violations.join('\n'), /threw synchronously.*also called back/);
});

test('error classes have Auth0 constructor shapes', () => {
  const w = new WrongUsernameOrPasswordError('id', 'msg');
  assert.ok(w instanceof Error);
  assert.deepEqual([w.name, w.message, w.identifier], ['WrongUsernameOrPasswordError', 'msg', 'id']);
  const v = new ValidationError('user_exists', 'exists');
  assert.deepEqual([v.name, v.code, v.message], ['ValidationError', 'user_exists', 'exists']);
  assert.equal(new UnauthorizedError('no').name, 'UnauthorizedError');
});

test('get_user: found, not found (callback(null) and callback(null, null)), unauthorized', async () => {
  const found = await getUser(container(), `function getByEmail(email, callback) { callback(null, { user_id: 'u1', email }); }`);
  assert.equal(found.outcome, 'found');
  assert.equal(found.event, null);
  assert.equal(found.stored.user_id, 'auth0|u1');
  for (const call of ['callback(null)', 'callback(null, null)', 'callback(null, undefined)']) {
    const r = await getUser(container(), `function getByEmail(email, callback) { ${call}; }`);
    assert.equal(r.outcome, 'not_found', call);
    assert.equal(r.stored, null);
  }
  const withCtx = await getUser(container(), `function getByEmail(email, context, callback) { callback(null); }`, { withContext: true });
  assert.equal(withCtx.outcome, 'not_found');
  const un = await getUser(container(), `function getByEmail(e, cb) { cb(new UnauthorizedError('no')); }`);
  assert.equal(un.outcome, 'unauthorized');
});

test('callback called twice -> violation naming both calls', async () => {
  const r = await login(
    container(),
    `function login(u, p, cb) {
    cb(null, { user_id: 'u1' });
    Promise.resolve().then(() => cb(new Error('second')));
  }`
  );
  assert.equal(r.outcome, 'violation');
  assert.equal(r.callbackOutcome, 'success');
  assert.equal(r.callbackCalls, 2);
  assert.match(r.violations[0], /called 2 times.*call 1 with null.*call 2 with Error\("second"\)/);
});

test('callback never called -> violation after timeoutMs', async () => {
  const r = await login(container(), `function login(u, p, cb) { /* forgot */ }`, { timeoutMs: 40 });
  assert.equal(r.outcome, 'violation');
  assert.equal(r.event, 'f');
  assert.match(r.violations[0], /never called within 40 ms/);
});

test('require: built-ins allowed (with or without node:), others refused and recorded', async () => {
  const ok = await login(
    container(),
    `function login(u, p, cb) {
    const zlib = require('zlib'); const crypto = require('node:crypto');
    const back = zlib.inflateSync(zlib.deflateSync(Buffer.from('hi'))).toString();
    cb(null, { user_id: back + crypto.createHash('sha256').update('x').digest('hex').slice(0, 4) });
  }`
  );
  assert.equal(ok.outcome, 'success');
  assert.equal(ok.stored.user_id, 'auth0|hi2d71');

  const refused = await login(
    container(),
    `function login(u, p, cb) {
    try { require('lodash'); } catch (e) { return cb(new Error('no lodash: ' + e.message)); }
    cb(null, { user_id: 'x' });
  }`
  );
  assert.equal(refused.outcome, 'violation');
  assert.equal(refused.error.message, "no lodash: Cannot find module 'lodash'");
  assert.match(refused.violations.join('\n'), /require\("lodash"\) refused/);
});

test('compile: over-limit text, two functions, trailing code, syntax error, wrong name', async () => {
  const big = `function login(u, p, cb) { cb(null, { user_id: '${'a'.repeat(SCRIPT_LIMIT_BYTES)}' }); }`;
  assert.throws(
    () => compileScript(big, 'login'),
    (e) => e instanceof SandboxError && e.code === 'too_large' && e.message.includes(`${Buffer.byteLength(big)} bytes`) && e.message.includes('100000')
  );
  const r = await login(container(), big);
  assert.equal(r.outcome, 'violation');
  assert.match(r.violations[0], /limit is 100000 bytes/);

  assert.throws(
    () => compileScript('function login(u, p, cb) {}\nfunction helper() {}', 'login'),
    (e) => e.code === 'not_one_function' && /2 top-level functions \(login, helper\)/.test(e.message)
  );
  assert.throws(() => compileScript('function login(u, p, cb) {}\nlogin();'), { code: 'not_one_function' });
  assert.throws(() => compileScript('function login(u, p, cb) {}(1)'), { code: 'not_one_function' });
  assert.throws(
    () => compileScript('function login(u, p, cb) {\n  if (\n}'),
    (e) => e.code === 'syntax' && /line \d/.test(e.message)
  );
  assert.throws(
    () => compileScript(LOGIN_OK, 'getByEmail'),
    (e) => e.code === 'wrong_name' && /"login".*"getByEmail"/.test(e.message)
  );
  const wrong = await getUser(container(), LOGIN_OK);
  assert.equal(wrong.outcome, 'violation');
  assert.match(wrong.violations[0], /expected "getByEmail"/);

  const ok = compileScript(`/* header */\n${LOGIN_OK}\n// trailer\n`, 'login');
  assert.deepEqual([ok.name, ok.params], ['login', ['userNameOrEmail', 'password', 'callback']]);
  assert.equal(typeof ok.fn, 'function');
});

test('profile problems: a Map, missing user_id, unknown field warning', async () => {
  const map = await login(container(), `function login(u, p, cb) { cb(null, { user_id: 'u1', app_metadata: { roles: new Map([['a', 1]]) } }); }`);
  assert.equal(map.outcome, 'violation');
  assert.equal(map.callbackOutcome, 'success');
  assert.match(map.violations[0], /profile\.app_metadata\.roles is a Map/);
  assert.deepEqual(map.stored.app_metadata.roles, {});

  const missing = await login(container(), `function login(u, p, cb) { cb(null, { email: u }); }`);
  assert.equal(missing.outcome, 'violation');
  assert.match(missing.violations[0], /user_id is missing/);
  assert.equal(missing.stored, null);

  const extra = await login(container(), `function login(u, p, cb) { cb(null, { user_id: 'u1', favourite_colour: 'blue' }); }`);
  assert.equal(extra.outcome, 'success');
  assert.match(extra.warnings.join('\n'), /favourite_colour/);

  const cyc = await getUser(container(), `function getByEmail(e, cb) { const m = {}; m.self = m; cb(null, { user_id: 'u1', user_metadata: m }); }`);
  assert.equal(cyc.outcome, 'violation');
  assert.match(cyc.violations[0], /user_metadata\.self.*cycle/);
});

test('global is shared within a container and empty after fresh(); scripts compile once per container', async () => {
  const text = `function login(u, p, cb) { global.hits = (global.hits || 0) + 1; cb(null, { user_id: String(global.hits) }); }`;
  const c = container();
  assert.equal((await login(c, text)).stored.user_id, 'auth0|1');
  assert.equal((await login(c, text)).stored.user_id, 'auth0|2');
  assert.equal(c.global.hits, 2);
  assert.equal(c.compiledScripts, 1);
  const cold = c.fresh();
  assert.deepEqual(Object.keys(cold.global), []);
  assert.equal(cold.configuration.Domain, 'old.example.com');
  assert.equal((await login(cold, text)).stored.user_id, 'auth0|1');
  assert.equal(globalThis.hits, undefined);
});

test('configuration is a frozen copy; non-string values are rejected naming the key', async () => {
  const source = { ...CONFIG };
  const c = createContainer({ configuration: source });
  assert.ok(Object.isFrozen(c.configuration));
  source.Domain = 'changed';
  const r = await login(
    c,
    `function login(u, p, cb) {
    'use strict';
    try { configuration.Domain = 'x'; } catch (e) { return cb(null, { user_id: configuration.Domain, nickname: e.name }); }
    cb(new Error('configuration was writable'));
  }`
  );
  assert.deepEqual([r.stored.user_id, r.stored.nickname], ['auth0|old.example.com', 'TypeError']);
  assert.throws(
    () => createContainer({ configuration: { Domain: 'x', Port: 443 } }),
    (e) => e instanceof SandboxError && e.code === 'bad_configuration' && e.message.includes('"Port"')
  );
});

test('logs are captured per invocation and per container; the password is redacted and flagged', async () => {
  const c = container();
  const r = await login(
    c,
    `function login(u, p, cb) {
    console.log('checking %s', u); console.warn({ n: 1 });
    setTimeout(() => { console.error('done'); cb(null, { user_id: 'u1' }); }, 2);
  }`
  );
  assert.deepEqual(r.logs, [
    { level: 'log', text: 'checking ann@example.com' },
    { level: 'warn', text: '{ n: 1 }' },
    { level: 'error', text: 'done' },
  ]);
  assert.equal(c.logs.length, 3);
  assert.equal(r.outcome, 'success');

  const leak = await login(c, `function login(u, p, cb) { console.log('pw=' + p); cb(new Error('bad ' + p)); }`);
  assert.equal(leak.outcome, 'violation');
  assert.ok(!JSON.stringify(leak).includes(PASSWORD));
  assert.ok(!JSON.stringify(c.logs).includes(PASSWORD));
  assert.match(leak.violations.join('\n'), /password appeared in a console line/);
  assert.match(leak.violations.join('\n'), /password appeared in the error message/);
  assert.ok(!formatReport(leak).includes(PASSWORD));

  const inProfile = await login(c, `function login(u, p, cb) { cb(null, { user_id: 'u1', app_metadata: { pw: p } }); }`);
  assert.equal(inProfile.outcome, 'violation');
  assert.match(inProfile.violations.join('\n'), /password appeared in the profile/);
  assert.ok(!JSON.stringify(inProfile).includes(PASSWORD));
});

test('concurrent invocations in one container keep their own logs; Node globals are the real ones', async () => {
  const c = container();
  const text = `function login(u, p, cb) {
    console.log('start', u);
    setTimeout(() => { console.log('end', u); cb(null, { user_id: u, nickname: [typeof fetch, typeof WebAssembly,
      typeof TextDecoder, typeof AbortSignal.timeout, typeof Buffer].join() }); }, u === 'slow' ? 15 : 1);
  }`;
  const [slow, fast] = await Promise.all([c.invoke(text, { kind: 'login', args: ['slow', PASSWORD] }), c.invoke(text, { kind: 'login', args: ['fast', PASSWORD] })]);
  assert.deepEqual(
    slow.logs.map((l) => l.text),
    ['start slow', 'end slow']
  );
  assert.deepEqual(
    fast.logs.map((l) => l.text),
    ['start fast', 'end fast']
  );
  assert.equal(c.logs.length, 4);
  assert.equal(slow.stored.nickname, 'function,object,function,function,function');
});

test('async function scripts: a rejection counts as a thrown error', async () => {
  const r = await login(container(), `async function login(u, p, cb) { await null; throw new Error('async boom'); }`);
  assert.equal(r.outcome, 'error');
  assert.equal(r.error.message, 'async boom');
});

test('documentedOnly: the script sees only what Auth0 documents, and its own objects are read as Node would', async () => {
  const probe = `function login(u, p, cb) {
    cb(null, { user_id: 'u1', nickname: [typeof fetch, typeof Buffer, typeof TextDecoder, typeof process, typeof URL,
      typeof setTimeout, typeof clearTimeout, typeof Promise, typeof WebAssembly, typeof require, typeof global].join() });
  }`;
  const c = container({ documentedOnly: true });
  const r = await login(c, probe);
  assert.equal(r.outcome, 'success');
  assert.deepEqual(r.violations, []);
  assert.equal(r.stored.nickname, 'undefined,undefined,undefined,undefined,undefined,function,function,function,object,function,object');
  const added = await login(container({ documentedOnly: true, extraGlobals: { fetch } }), probe);
  assert.match(added.stored.nickname, /^function,undefined,/, 'extraGlobals adds names');
  assert.match((await login(container(), probe)).stored.nickname, /^function,function,function,object,function,/, "by default, Node's own");

  // Objects and errors of the script's own context: plain JSON and Errors still, a Map still not.
  const made = await login(c, `function login(u, p, cb) { cb(null, JSON.parse('{"user_id":"u2","user_metadata":{"a":[1]}}')); }`);
  assert.deepEqual([made.outcome, made.violations, made.warnings], ['success', [], []]);
  const failed = await login(c, `function login(u, p, cb) { cb(new TypeError('boom')); }`);
  assert.deepEqual([failed.outcome, failed.error, failed.warnings], ['error', { name: 'TypeError', message: 'boom' }, []]);
  const thrown = await login(c, `function login(u, p, cb) { throw new RangeError('thrown'); }`);
  assert.deepEqual(thrown.error, { name: 'RangeError', message: 'thrown' });
  const map = await login(c, `function login(u, p, cb) { cb(null, { user_id: 'u3', app_metadata: { m: new Map() } }); }`);
  assert.match(map.violations.join('\n'), /app_metadata\.m is a Map/);
  const dated = await login(c, `function login(u, p, cb) { cb(null, { user_id: 'u4', user_metadata: { at: new Date(0) } }); }`);
  assert.match(dated.warnings.join('\n'), /user_metadata\.at is a Date/);

  // A cold start is a new context: nothing a script left on its globals survives it.
  const leave = `function login(u, p, cb) { globalThis.left = (globalThis.left || 0) + 1; cb(null, { user_id: String(globalThis.left) }); }`;
  assert.equal((await login(c, leave)).stored.user_id, 'auth0|1');
  assert.equal((await login(c, leave)).stored.user_id, 'auth0|2');
  assert.equal((await login(c.fresh(), leave)).stored.user_id, 'auth0|1');
  assert.equal(globalThis.left, undefined, "Node's global scope untouched");
});
