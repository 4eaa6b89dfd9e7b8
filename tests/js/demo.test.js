'use strict';
/**
 * `make demo` (js/demo.js) as a newcomer runs it: a child process of the Node running this test,
 * WITHOUT NODE_EXTRA_CA_CERTS, so the demo's own re-exec with the fake's CA is exercised too. Checks
 * that it exits 0, tells the progress in its summary lines, and never prints a password or a secret.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { seed } = require('../../js/fakes/seed');

const DEMO = path.join(__dirname, '..', '..', 'js', 'demo.js');

test('the demo migrates the sample population and prints no password or secret', { timeout: 60000 }, async () => {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const { code, out } = await new Promise((resolve) => {
    execFile(process.execPath, [DEMO], { env, timeout: 55000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, out: `${stdout}${stderr}` });
    });
  });
  assert.equal(code, 0, out);
  const m = /^migrated (\d+) of (\d+) users of legacy-db by logging in/m.exec(out);
  assert.ok(m, `no progress line in:\n${out}`);
  const [migrated, total] = [Number(m[1]), Number(m[2])];
  assert.ok(migrated > 0 && migrated < total, out);
  assert.match(out, new RegExp(`^tail: ${total - migrated} users not migrated`, 'm'));
  assert.doesNotMatch(out, /UNEXPECTED|NO\)/);

  const { users, clients } = seed();
  const secrets = [...users.map((u) => u.password), ...clients.map((c) => c.client_secret), 'not-the-password'];
  for (const s of secrets) assert.ok(!out.includes(s), `the demo printed a secret (${s.length} chars)`);
});
