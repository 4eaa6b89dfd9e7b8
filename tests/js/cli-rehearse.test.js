'use strict';
/**
 * `rehearse` as an operator starts it (a child process): it writes migration.env and secrets.json in
 * the runbook's shapes (the variable names of the runbook's migration.env block, the keys of its
 * secrets.json block; secrets.json mode 0600), prints no client secret, refuses to overwrite files it
 * did not write (exit 1, nothing started, the files untouched), starts again over its own files, and
 * stops cleanly on SIGTERM (exit 0, ports closed). Ctrl-C (exit 130) is in runbook.test.js.
 */

const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { MARKER } = require('../../js/cli/commands/rehearse');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-rehearse-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const RUNBOOK = fs.readFileSync(path.join(h.ROOT, 'docs', 'runbook.md'), 'utf8');
const CLIENT_SECRETS = Object.values(h.SEED.clients).map((c) => c.client_secret);

/** Starts `rehearse` in `dir`; resolves with {child, out(), ready, closed}. */
function start(args) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALM_')));
  const child = spawn(process.execPath, [h.CLI, 'rehearse', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const r = { child, stdout: '', stderr: '' };
  r.closed = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  child.stderr.on('data', (c) => {
    r.stderr += c;
  });
  r.ready = new Promise((resolve) => {
    child.stdout.on('data', (c) => {
      r.stdout += c;
      if (/^ready: /m.test(r.stdout)) resolve(true);
    });
    r.closed.then(() => resolve(false));
  });
  return r;
}

const refused = (domain) =>
  new Promise((resolve) => {
    const [host, port] = domain.split(':');
    const s = net.connect(Number(port), host);
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });

/** The names a runbook code block (the one whose first line is `# <file>...`) sets or holds. */
function runbookNames(file, pattern) {
  const start = RUNBOOK.indexOf(`\`\`\`sh\n# ${file}`);
  assert.ok(start >= 0, `the runbook shows ${file}`);
  const block = RUNBOOK.slice(start, RUNBOOK.indexOf('```\n', start + 5));
  return [...block.matchAll(pattern)].map((m) => m[1]);
}

describe('rehearse', () => {
  it("writes the runbook's migration.env and secrets.json, prints no client secret, stops on SIGTERM (exit 0)", async () => {
    const dir = path.join(tmp, 'fresh');
    const r = start(['--dir', dir, '--users', '20']);
    after(() => r.child.kill('SIGKILL'));
    assert.ok(await r.ready, r.stderr);
    const envText = fs.readFileSync(path.join(dir, 'migration.env'), 'utf8');
    assert.equal(envText.split('\n')[0], MARKER);
    const exported = [...envText.matchAll(/^export ([A-Z_]+)=/gm)].map((m) => m[1]);
    assert.deepEqual(exported, [...runbookNames('migration.env', /^export ([A-Z_]+)=/gm), 'NODE_EXTRA_CA_CERTS']);
    const secretsFile = path.join(dir, 'secrets.json');
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(secretsFile, 'utf8'))), runbookNames('secrets.json', /"(ALM_[A-Z_]+)"/g));
    assert.equal(fs.statSync(secretsFile).mode & 0o777, 0o600);
    assert.match(r.stdout, /old tenant .*, connection "legacy-db": 28 user\(s\), 3 blocked/, "the seed's 8 in legacy-db (1 blocked) and 20 sample users (2 blocked)");
    assert.match(r.stdout, /for `try login`: user ada\.lovelace@example\.com, password: /);
    const domains = [...envText.matchAll(/^export ALM_(?:NEW_)?DOMAIN=(.*)$/gm)].map((m) => m[1]);
    r.child.kill('SIGTERM');
    assert.equal(await r.closed, 0, r.stderr);
    assert.match(r.stdout, /^SIGTERM: stopping\. new tenant: 0 user\(s\)/m);
    for (const d of domains) assert.ok(await refused(d), `${d} is closed`);
    h.assertNoSecrets(`${r.stdout}\n${r.stderr}`, CLIENT_SECRETS);

    // Started again over its own files: allowed, and the files are rewritten for the new ports.
    const again = start(['--dir', dir, '--users', '0']);
    after(() => again.child.kill('SIGKILL'));
    assert.ok(await again.ready, again.stderr);
    assert.notEqual(fs.readFileSync(path.join(dir, 'migration.env'), 'utf8'), envText);
    again.child.kill('SIGTERM');
    assert.equal(await again.closed, 0);
  });

  for (const file of ['migration.env', 'secrets.json']) {
    it(`refuses to overwrite a ${file} it did not write (exit 1, nothing started or changed)`, async () => {
      const dir = path.join(tmp, `foreign-${file}`);
      fs.mkdirSync(dir);
      const mine = file === 'secrets.json' ? '{"ALM_CLIENT_SECRET": "my-real-SECRET-value"}\n' : 'export ALM_DOMAIN=real-tenant.eu.auth0.com\n';
      fs.writeFileSync(path.join(dir, file), mine);
      const r = await h.runCli(['rehearse', '--dir', dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`${file.replace('.', '\\.')} exists and was not written by rehearse`));
      assert.match(r.stderr, /fix: rehearse in another folder \(--dir DIR/);
      assert.doesNotMatch(r.stdout, /ready:/);
      assert.equal(fs.readFileSync(path.join(dir, file), 'utf8'), mine);
      assert.deepEqual(fs.readdirSync(dir), [file]);
      assert.equal(`${r.stdout}${r.stderr}`.includes('my-real-SECRET-value'), false);
    });
  }

  it('refuses a sample size that is not a count (exit 2)', async () => {
    const r = await h.runCli(['rehearse', '--dir', path.join(tmp, 'never'), '--users', 'many']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--users must be an integer/);
    assert.equal(fs.existsSync(path.join(tmp, 'never')), false);
  });
});
