'use strict';
/**
 * docs/runbook.md runs as written, in the rehearsal world, as an operator would follow it:
 * - `alm` is the runbook's own step-0 definition (the clone's path put in for its placeholder, and the
 *   Node running this test first on PATH);
 * - the world is the runbook's `alm rehearse` line, run verbatim in a fresh folder as a long-lived
 *   child (its own process group, as a second terminal's job), up once it prints its `ready:` line;
 * - every other `alm` line of the runbook's `sh` blocks runs, in order, in that folder, in a bash that
 *   first runs the runbook's `source migration.env` (so the environment, the test CA included, is
 *   only what rehearse wrote: no ALM_* or NODE_EXTRA_CA_CERTS is passed from here); `try login` gets
 *   the password rehearse printed, on stdin. Each must exit 0 and print no secret;
 * - the end state is the one the runbook promises, read from the fakes over their own API: every
 *   active old user in the new tenant with the same id, each imported one sent one reset email, the
 *   retired scripts deployed; the world's own logins (from `deploy` on, at rehearse's default rate)
 *   migrated the others, so the record of `tail` plus the users migrated by a login are every active
 *   user, none counted twice;
 * - Ctrl-C (SIGINT to the world's process group) ends the world: exit 130, its ports closed.
 */

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const world = require('../../js/fakes/world');

const RUNBOOK = path.join(h.ROOT, 'docs', 'runbook.md');
const PLACEHOLDER = '/path/to/auth0-lazy-migrate/js/cli/main.js';

/** The lines of the runbook's `sh` blocks (indented blocks too), trimmed. */
function shLines(text) {
  const out = [];
  let inSh = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) {
      inSh = !inSh && /^\s*```sh\s*$/.test(line);
      continue;
    }
    if (inSh) out.push(line.trim());
  }
  return out;
}

/** The `alm` lines, in order, without trailing comments. */
const almLines = (lines) => lines.filter((l) => /^alm\s/.test(l)).map((l) => l.replace(/\s+#.*$/, ''));

/** The runbook's definition of `alm`, pointed at this clone. */
function almDefinition(lines) {
  const defs = lines.filter((l) => /^alm\(\)/.test(l));
  assert.equal(defs.length, 1, 'step 0 defines `alm` once, in an sh block');
  assert.ok(defs[0].includes(PLACEHOLDER), `the definition runs ${PLACEHOLDER}: ${defs[0]}`);
  return defs[0].replace(/\s+#.*$/, '').replace(PLACEHOLDER, JSON.stringify(h.CLI));
}

/** The environment of a fresh shell: no ALM_* and no test CA from this process; this Node first on PATH. */
function shellEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALM_') && k !== 'NODE_EXTRA_CA_CERTS'));
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${env.PATH || ''}`;
  return env;
}

/** Starts the world (the runbook's rehearse line) in `dir`; resolves once it is ready. */
function startWorld(def, line, dir) {
  const child = spawn('bash', ['-c', `${def}\n${line}\n`], { cwd: dir, env: shellEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const w = { child, stdout: '', stderr: '' };
  w.closed = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  child.stderr.on('data', (c) => {
    w.stderr += c;
  });
  w.ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (c) => {
      w.stdout += c;
      if (/^ready: /m.test(w.stdout)) resolve();
    });
    w.closed.then((r) => reject(new Error(`\`${line}\` ended before it was ready (${r.code}):\n${w.stdout}\n${w.stderr}`)));
  });
  return w;
}

/** `export K=V` lines of migration.env, as an object. */
function readEnvFile(file) {
  const out = {};
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/^export ([A-Z_]+)=(.*)$/gm)) out[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  return out;
}

/** One HTTPS request to a fake, trusting the CA migration.env names. */
function request(ca, domain, method, pathname, { token, body } = {}) {
  const data = body === undefined ? null : JSON.stringify(body);
  const [host, port] = domain.split(':');
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host,
        port,
        method,
        path: pathname,
        ca,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(data ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
      }
    );
    req.on('error', reject);
    req.end(data);
  });
}

const refused = h.portRefused;

test('docs/runbook.md, verbatim, in the rehearsal world', { timeout: 600000 }, async (t) => {
  const lines = shLines(fs.readFileSync(RUNBOOK, 'utf8'));
  const def = almDefinition(lines);
  assert.ok(lines.includes('source migration.env'), 'the runbook says `source migration.env` in an sh block');
  const commands = almLines(lines);
  const rehearse = commands.filter((c) => /^alm rehearse\b/.test(c));
  assert.equal(rehearse.length, 1, 'the runbook starts the rehearsal world once');
  const steps = commands.filter((c) => !/^alm rehearse\b/.test(c));
  for (const step of ['alm build', 'alm doctor --only old', 'alm try login', 'alm deploy', 'alm status', 'alm tail', 'alm reset-passwords', 'alm retire --deploy']) {
    assert.ok(
      steps.some((c) => c.startsWith(step)),
      `the runbook runs \`${step}\``
    );
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-runbook-'));
  const w = startWorld(def, rehearse[0], dir);
  try {
    await w.ready;
    const password = /password: (.+)$/m.exec(w.stdout)[1];
    const values = readEnvFile(path.join(dir, 'migration.env'));
    const secrets = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8'));

    for (const line of steps) {
      const input = /^alm try login /.test(line) ? `${password}\n` : '';
      const r = await h.runCaptured('bash', ['-c', `${def}\nsource migration.env\n${line}\n`], { cwd: dir, env: shellEnv(), input, timeoutMs: 600000, label: [line] });
      h.assertNoSecrets(`${r.stdout}\n${r.stderr}`);
      assert.equal(r.code, 0, `\`${line}\` exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    }

    // The end state the runbook promises, read from the new tenant as any Auth0 client would.
    const ca = fs.readFileSync(values.NODE_EXTRA_CA_CERTS);
    const tokenReply = await request(ca, values.ALM_NEW_DOMAIN, 'POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', client_id: values.ALM_NEW_CLIENT_ID, client_secret: secrets.ALM_NEW_CLIENT_SECRET, audience: `https://${values.ALM_NEW_DOMAIN}/api/v2/` },
    });
    const token = tokenReply.body.access_token;
    const active = world.oldTenantSeed().users.filter((u) => u.connection === values.ALM_CONNECTION && !u.blocked);
    const missing = [];
    for (const u of active) {
      const r = await request(ca, values.ALM_NEW_DOMAIN, 'GET', `/api/v2/users/${encodeURIComponent(u.user_id)}`, { token });
      if (r.status !== 200) missing.push(`${u.email} (${r.status})`);
    }
    assert.deepEqual(missing, [], 'every active old user is in the new tenant, with the same id');
    const ndjson = (f) =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    const record = ndjson('alm-imported.ndjson');
    assert.equal(new Set(record.map((r) => r.user_id)).size, record.length, 'the record names each imported user once');
    const withEmail = record.filter((r) => r.email).length;
    assert.equal(ndjson('alm-imported.ndjson.sent.ndjson').length, withEmail, 'the sent log names one email per imported user');
    const conns = await request(ca, values.ALM_NEW_DOMAIN, 'GET', `/api/v2/connections?name=${encodeURIComponent(values.ALM_NEW_CONNECTION)}`, { token });
    assert.match(conns.body[0].options.customScripts.login, /retired/i, 'the retired login script is deployed');

    // Ctrl-C ends the rehearsal: the world says what the new tenant recorded, exits 130, closes its ports.
    process.kill(-w.child.pid, 'SIGINT');
    const end = await w.closed;
    assert.equal(end.code, 130, `${w.stdout}\n${w.stderr}`);
    const summary = /^SIGINT: stopping\. new tenant: (\d+) user\(s\), (\d+) password-reset email\(s\) requested, login script: (\w+)$/m.exec(w.stdout);
    assert.ok(summary, w.stdout);
    assert.equal(Number(summary[1]), active.length);
    assert.equal(Number(summary[2]), withEmail, 'the new tenant was asked for one reset email per imported user');
    assert.equal(summary[3], 'retired');
    // The world's users logged in by themselves from `deploy` on (js/fakes/traffic.js): who a login
    // migrated was not imported by `tail` (nor sent a reset email), so together they are every active user.
    const traffic = /^traffic: (\d+) simulated login\(s\)(?:: .*)?; (\d+) user\(s\) migrated by a login$/m.exec(w.stdout);
    assert.ok(traffic, w.stdout);
    t.diagnostic(traffic[0]);
    assert.equal(record.length + Number(traffic[2]), active.length, 'every active user was imported by tail or migrated by a login, none both');
    assert.ok(await refused(values.ALM_DOMAIN), 'the old tenant is closed');
    assert.ok(await refused(values.ALM_NEW_DOMAIN), 'the new tenant is closed');
    h.assertNoSecrets(`${w.stdout}\n${w.stderr}`, Object.values(secrets));
  } finally {
    if (w.child.exitCode === null && w.child.signalCode === null) process.kill(-w.child.pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
