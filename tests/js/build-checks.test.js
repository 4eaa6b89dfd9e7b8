'use strict';
/**
 * The build refuses to emit a script that carries anything shaped like a secret (js/build/checks.js,
 * run by js/build/assemble.js on every script before it is written). Proven both ways: every real
 * dist artifact passes, and the same artifacts with a planted secret are refused - wherever it is
 * planted, however it is quoted - while the embedded wasm payload (a long, random-looking literal by
 * nature) is recognised and not mistaken for one.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { checkScript, findSecrets, isWasmPayload, WASM_SCRIPT_CEILING_BYTES } = require('../../js/build/checks');

const DIST = path.join(__dirname, '..', '..', 'dist');
/** The same expectations js/build/assemble.js checks each artifact with. */
const ARTIFACTS = {
  'login.js': { functionName: 'login', carriesWasm: true },
  'get_user.js': { functionName: 'getByEmail', carriesWasm: true },
  'rest/login.js': { functionName: 'login', carriesWasm: true },
  'rest/get_user.js': { functionName: 'getByEmail', carriesWasm: true },
  'oidc/login.js': { functionName: 'login', carriesWasm: true },
  'oidc/get_user.js': { functionName: 'getByEmail', carriesWasm: true },
  'metadata-action.js': { actionExport: 'onExecutePostLogin' },
  'metadata-rule.js': { functionName: 'migrationMetadata' },
  'engine.js': { module: true },
  'retired/login.js': { functionName: 'login' },
  'retired/get_user.js': { functionName: 'getByEmail' },
};
const read = (f) => fs.readFileSync(path.join(DIST, f), 'utf8');

/** Plants `code` as the first statement of the script's function (or module) body. */
function plant(text, code) {
  const at = text.indexOf('{', text.indexOf('*/') + 2);
  return `${text.slice(0, at + 1)}${code}${text.slice(at + 1)}`;
}

const randomSecret = () => crypto.randomBytes(48).toString('base64url'); // like an Auth0 client secret
const PLANTS = {
  'a JWT in a string': () => `var t="eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhdXRoMHwxMjMiLCJhdWQiOiJ4In0.${randomSecret()}";`,
  'a JWT without its signature': () => "var t='eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL29sZC8ifQ.';",
  'a client secret as an object literal': () => `var s={client_secret:"${randomSecret()}"};`,
  'a client secret in JSON text': () => `var s='{"client_secret":"${randomSecret()}"}';`,
  'a client secret in escaped JSON': () => `var s="{\\"client_secret\\":\\"plain-words-secret\\"}";`,
  'a settings-style secret': () => "var c={Client_Secret:'not-so-random-but-named'};",
  'a password literal': () => 'var p={password:"correct horse battery staple"};',
  'a Bearer token': () => `var h="Bearer ${randomSecret()}";`,
  'credentials in a URL': () => 'var u="https://admin:hunter2@old-tenant.eu.auth0.com/";',
  'a PEM private key': () => 'var k="-----BEGIN PRIVATE KEY-----\\nMIIE";',
  'a bare high-entropy token': () => `var x="${randomSecret()}";`,
  'a high-entropy token in a comment': () => `/* debug: ${randomSecret()} */`,
};

test('every real dist artifact passes the checks, secrets scan included', () => {
  for (const [file, expect] of Object.entries(ARTIFACTS)) {
    const text = read(file);
    assert.deepEqual(findSecrets(text), [], file);
    assert.doesNotThrow(() => checkScript(file, text, expect), file);
  }
});

test('a script with a module inside stays under the 39,900-byte ceiling: one byte over fails the build', () => {
  const text = read('login.js');
  const padded = plant(text, `/*${'x'.repeat(WASM_SCRIPT_CEILING_BYTES - Buffer.byteLength(text) - 4)}*/`);
  assert.equal(Buffer.byteLength(padded), WASM_SCRIPT_CEILING_BYTES);
  assert.doesNotThrow(() => checkScript('login.js', padded, ARTIFACTS['login.js']));
  const over = plant(padded, ' ');
  assert.throws(() => checkScript('login.js', over, ARTIFACTS['login.js']), /login\.js is 39901 bytes, over this project's ceiling of 39900 bytes/);
  assert.doesNotThrow(() => checkScript('retired/login.js', over, { functionName: 'login' }), "a script without a module: only Auth0's 100 KB");
});

test('the embedded wasm payload is recognised, and only a real one is', () => {
  for (const file of ['login.js', 'get_user.js', 'engine.js']) {
    const m = read(file).match(/'([^'\\\n]{4000,})'/);
    assert.ok(m, `${file} embeds a payload literal`);
    const sha = read(file).match(/embedded wasm sha256 ([0-9a-f]{64})/)[1];
    assert.equal(isWasmPayload(m[1], sha), true, file);
    assert.equal(isWasmPayload(m[1], '0'.repeat(64)), false, `${file}: only with the hash its header names`);
    // One character changed: no longer a wasm module, so its randomness counts as a secret.
    const i = m[1].length >> 1;
    const flipped = m[1].slice(0, i) + (m[1][i] === 'A' ? 'B' : 'A') + m[1].slice(i + 1);
    assert.equal(isWasmPayload(flipped, sha), false, `${file}: a damaged payload`);
    // A function replacer: the payload's `$&`, `$'` and the like must not be read as patterns.
    assert.ok(findSecrets(read(file).replace(m[1], () => flipped)).length > 0, `${file}: a damaged payload is scanned`);
  }
});

for (const [name, code] of Object.entries(PLANTS)) {
  test(`a script with ${name} is refused`, () => {
    for (const file of ['login.js', 'get_user.js', 'engine.js', 'metadata-action.js']) {
      const planted = plant(read(file), code());
      assert.throws(
        () => checkScript(file, planted, ARTIFACTS[file]),
        (e) => {
          assert.match(e.message, /looks like a secret/, `${file}: ${e.message}`);
          return true;
        },
        file
      );
    }
  });
}

test('the refusal names where and what, but never prints the secret', () => {
  const secret = randomSecret();
  const planted = plant(read('login.js'), `var s={client_secret:"${secret}"};`);
  let message = null;
  try {
    checkScript('login.js', planted, ARTIFACTS['login.js']);
  } catch (err) {
    message = err.message;
  }
  assert.ok(message, 'refused');
  assert.match(message, /^login\.js .*secret-named key.*at offset \d+/);
  assert.ok(!message.includes(secret), 'the message holds no more than a few characters of it');
});

test('ordinary code that merely names secrets is not refused', () => {
  const fine = [
    'var p={password:null==e.password?null:String(e.password)};',
    'var k=configuration.Client_Secret;',
    'var h="Bearer "+token;',
    'var sha="adc224004484169c85171822866ff5fd5ae063bb7d2c00a807e6da8d938a8477";',
    'var n="WrongUsernameOrPasswordError";',
  ];
  for (const code of fine) assert.deepEqual(findSecrets(plant(read('login.js'), code)), [], code);
});
