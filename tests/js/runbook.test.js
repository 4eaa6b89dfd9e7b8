'use strict';
/**
 * docs/runbook.md runs as written. Every `alm ...` line of its `sh` blocks is run, in order, by bash
 * (with `alm` defined as the runbook's step 0 defines it), in a fresh folder holding the runbook's
 * secrets.json, against the fake old tenant (the seed population) and a fake new tenant (an empty
 * connection): build, doctor, try, deploy, export, doctor, status, tail, reset-passwords, retire,
 * doctor. Each must succeed (exit 0), and the end state must be the one the runbook promises.
 *
 * The values the runbook's migration.env sets are the fakes' here (the fakes listen on loopback);
 * the commands themselves are taken from the file, not retyped.
 */

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');

const RUNBOOK = path.join(h.ROOT, 'docs', 'runbook.md');
const U = h.SEED.users;

/** The `alm` lines of the runbook's sh blocks, in order, without trailing comments. */
function runbookCommands(text) {
  const out = [];
  let inSh = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) {
      inSh = !inSh && /^\s*```sh\s*$/.test(line);
      continue;
    }
    if (inSh && /^alm\s/.test(line)) out.push(line.replace(/\s+#.*$/, '').trim());
  }
  return out;
}

/** Runs one runbook line as an operator's shell would (with the Node running this test). */
function sh(line, { cwd, env, input }) {
  const script = `alm() { ${JSON.stringify(process.execPath)} ${JSON.stringify(h.CLI)} "$@"; }\n${line}\n`;
  return h.runCaptured('bash', ['-c', script], { cwd, env, input, timeoutMs: 600000, label: [line] });
}

test('every alm line of docs/runbook.md succeeds, in order, against the fake tenants', { timeout: 600000 }, async () => {
  const commands = runbookCommands(fs.readFileSync(RUNBOOK, 'utf8'));
  for (const step of ['alm build', 'alm doctor --only old', 'alm try login', 'alm deploy', 'alm status', 'alm tail', 'alm reset-passwords', 'alm retire --deploy']) {
    assert.ok(
      commands.some((c) => c.startsWith(step)),
      `the runbook runs \`${step}\``
    );
  }
  const pair = await h.startPair();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-runbook-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'secrets.json'),
      JSON.stringify({
        ALM_CLIENT_SECRET: h.SEED.clients.migrationApp.client_secret,
        ALM_NEW_CLIENT_SECRET: h.SEED.clients.cli.client_secret,
      }),
      { mode: 0o600 }
    );
    // migration.env, with the fakes' values; the secrets come from secrets.json as the runbook says.
    const values = { ...h.oldEnv(pair.old), ...h.newEnv(pair.new) };
    delete values.ALM_CLIENT_SECRET;
    delete values.ALM_NEW_CLIENT_SECRET;
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALM_')));
    const env = { ...base, ...values, NODE_EXTRA_CA_CERTS: path.join(h.ROOT, 'target', 'test-ca', 'ca.pem') };
    for (const line of commands) {
      const input = /^alm try login /.test(line) ? `${U.full.password}\n` : '';
      const r = await sh(line, { cwd: dir, env, input });
      h.assertNoSecrets(`${r.stdout}\n${r.stderr}`);
      assert.equal(r.code, 0, `\`${line}\` exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    }
    // The end state the runbook promises: every active old user in the new tenant with the same id,
    // each imported one sent one reset email, the retired scripts deployed.
    const legacy = Object.values(U).filter((u) => u.connection === 'legacy-db' && u !== U.blocked);
    for (const u of legacy)
      assert.ok(
        pair.new.users.find((x) => x.user_id === u.user_id),
        `${u.email} is in the new tenant`
      );
    const record = fs
      .readFileSync(path.join(dir, 'alm-imported.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(record.length, legacy.length, 'the record names every imported user');
    assert.equal(pair.new.passwordResets.length, record.filter((r) => r.email).length, 'one reset email per imported user');
    const scripts = pair.new.connection(h.NEW_CONNECTION).options.customScripts;
    assert.match(scripts.login, /retired/i, 'the retired login script is deployed');
  } finally {
    await pair.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
