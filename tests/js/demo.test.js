'use strict';
/**
 * `make demo` (js/demo.js) as a newcomer runs it: a child process of the Node running this test,
 * WITHOUT NODE_EXTRA_CA_CERTS, so the demo's own re-exec with the fake's CA is exercised too. Checks
 * that it exits 0, tells the progress in its summary lines (the rest source's part too: each
 * outcome against the reference store; the oidc source's part too: each outcome against the fake
 * OpenID provider), and never prints a password or a secret.
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
  // The rest source's part: every step as expected, against the reference store.
  const { STEPS } = require('../../js/demo-rest');
  assert.match(out, new RegExp(`^rest source: ${STEPS.length} of ${STEPS.length} steps as expected, \\d+ requests to the store$`, 'm'));
  for (const outcome of ['success', 'wrong_password', 'unauthorized', 'not_found']) assert.match(out, new RegExp(`^ *\\d+ +(login|get_user) +\\S+ +.+ ${outcome} `, 'm'), outcome);

  // The oidc source's part: its summary line, then each step's row with the outcome the story expects.
  const oidc = require('../../js/demo-oidc');
  const steps = oidc.STEPS.length;
  assert.match(out, new RegExp(`^oidc source: ${steps} of ${steps} steps as expected, \\d+ requests to the provider$`, 'm'));
  const part = out.slice(out.indexOf('\noidc source: '));
  for (const [i, [kind, who, , , outcome]] of oidc.STEPS.entries()) {
    const escaped = who.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(part, new RegExp(`^${i + 1} +${kind} +${escaped} +.+ ${outcome} `, 'm'), `oidc step ${i + 1}: ${outcome}`);
  }
  assert.deepEqual(
    oidc.STEPS.map((s) => s[4]),
    ['success', 'wrong_password', 'unauthorized', 'found', 'not_found'],
    'the oidc part shows every outcome'
  );

  // Every source's part (js/demo-source.js DEMOS): its summary line, all steps as expected.
  const { DEMOS } = require('../../js/demo-source');
  assert.deepEqual(
    DEMOS.map((d) => d.source),
    ['rest', 'oidc', 'firebase', 'cognito']
  );
  for (const d of DEMOS) {
    assert.match(out, new RegExp(`^${d.source} source: ${d.steps.length} of ${d.steps.length} steps as expected, \\d+ requests to the ${d.noun}$`, 'm'), d.source);
  }

  const { users, clients } = seed();
  const { SAMPLE_USERS } = require('../../js/fakes/rest-store');
  const { SAMPLE_USERS: OIDC_USERS } = require('../../js/fakes/oidc-provider');
  const secrets = [
    ...users.map((u) => u.password),
    ...clients.map((c) => c.client_secret),
    'not-the-password',
    ...SAMPLE_USERS.map((u) => u.password),
    ...STEPS.map((s) => s[2]).filter(Boolean),
    ...OIDC_USERS.map((u) => u.password),
    ...oidc.STEPS.map((s) => s[2]).filter(Boolean),
    ...require('../../js/fakes/cognito').SAMPLE_USERS.map((u) => u.password),
    ...require('../../js/fakes/firebase').SAMPLE_USERS.map((u) => u.password),
    ...DEMOS.flatMap((d) => d.steps.map((s) => s[2])).filter(Boolean),
  ];
  for (const s of secrets) assert.ok(!out.includes(s), `the demo printed a secret (${s.length} chars)`);
});
