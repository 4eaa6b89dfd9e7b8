'use strict';
/**
 * One exit-code rule for every command, walked from the README's table: the table, the runbook's
 * copy, `--help` and js/cli/errors.js agree, and each command answers the same mistake with the same
 * code (issue 15 found an http:// domain answered 2 by deploy, 3 by doctor/status/tail and 1 by try).
 * With --json a failing run still prints exactly one JSON object carrying the same code.
 */

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { EXIT } = require('../../js/cli/errors');
const { COMMANDS } = require('../../js/cli/main');

/** The rows of the first markdown table after `marker`: [{code, meaning}]. */
function exitTable(file, marker) {
  const text = fs.readFileSync(path.join(h.ROOT, file), 'utf8');
  const from = text.indexOf(marker);
  assert.ok(from >= 0, `${file} has "${marker}"`);
  const rows = [];
  for (const line of text.slice(from).split('\n')) {
    const m = /^\| (\d+) \| (.+) \|$/.exec(line);
    if (m) rows.push({ code: Number(m[1]), meaning: m[2] });
    else if (rows.length && !line.startsWith('|')) break;
  }
  return rows;
}

let pair;
before(async () => {
  pair = await h.startPair();
});
after(async () => {
  await pair.close();
  h.assertNoSecrets(h.allOutput());
});

const env = () => ({ ...h.oldEnv(pair.old), ...h.newEnv(pair.new) });
/** Each command as an operator would start it, needing nothing but the environment. */
const INVOCATION = {
  try: ['try', 'get_user', '--user', 'nobody@example.com'],
  deploy: ['deploy', '--dry-run'],
  doctor: ['doctor'],
  tail: ['tail', '--dry-run'],
  'reset-passwords': ['reset-passwords', '--dry-run'],
  status: ['status'],
  export: ['export', '--out', 'unused'],
  retire: ['retire', '--deploy', '--dry-run'],
  build: ['build', '--dry-run'],
  logs: ['logs', '--checkpoint', path.join(os.tmpdir(), `alm-exit-codes-logs-${process.pid}.json`)],
  // Only ever run with a usage error here: it would start the fake tenants and serve until stopped.
  rehearse: ['rehearse', '--dir', path.join(os.tmpdir(), `alm-exit-codes-rehearse-${process.pid}`)],
};
/** The commands that read the old tenant's settings (the scripts' configuration). */
const READ_SETTINGS = ['try', 'deploy', 'doctor', 'tail', 'status', 'export', 'retire'];

describe('the exit-code table', () => {
  it('README, runbook, --help and errors.js name the same codes with the same meanings', async () => {
    const readme = exitTable('README.md', 'Exit codes, one rule for every command');
    const runbook = exitTable('docs/runbook.md', '### Exit codes');
    assert.deepEqual(
      readme.map((r) => r.code),
      Object.values(EXIT)
    );
    assert.deepEqual(runbook, readme, "the runbook carries the README's table");
    const help = await h.runCli(['--help']);
    for (const { code } of readme) assert.match(help.stdout, new RegExp(`^  ${code} `, 'm'), `--help lists ${code}`);
  });

  it('every command has an invocation here, so the walk covers them all', () => {
    assert.deepEqual([...COMMANDS].sort(), Object.keys(INVOCATION).sort());
  });

  it('2: an unknown option, for every command, with one JSON object under --json', async () => {
    for (const name of COMMANDS) {
      const r = await h.runCli([...INVOCATION[name], '--no-such-option', '--json'], { env: env() });
      assert.equal(r.code, EXIT.USAGE, `${name}: ${r.stderr}`);
      assert.equal(r.json && r.json.exitCode, EXIT.USAGE, `${name}: one JSON object on stdout`);
      assert.match(r.stderr, /--help/, `${name} points at its help`);
    }
    const unknown = await h.runCli(['tial'], { env: env() });
    assert.equal(unknown.code, EXIT.USAGE);
  });

  it('2: a value of the wrong shape (an http:// domain) is the same mistake in every command that reads the settings', async () => {
    for (const name of READ_SETTINGS) {
      const r = await h.runCli([...INVOCATION[name], '--json'], { env: { ...env(), ALM_DOMAIN: 'http://old.example.com' } });
      assert.equal(r.code, EXIT.USAGE, `${name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /setting `Domain` uses http:\/\//, `${name} gives the scripts' own message`);
      assert.match(r.stderr, /fix: /, `${name} gives a fix`);
      assert.equal(r.json && r.json.exitCode, EXIT.USAGE);
    }
  });

  it("2: the new tenant's domain of the wrong shape, for every command that calls it", async () => {
    for (const name of ['deploy', 'doctor', 'tail', 'status', 'retire', 'reset-passwords', 'logs']) {
      const r = await h.runCli([...INVOCATION[name], '--json'], { env: { ...env(), ALM_NEW_DOMAIN: 'http://new.example.com' } });
      assert.equal(r.code, EXIT.USAGE, `${name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /"http:\/\/new\.example\.com" is not a domain/, `${name} names the value`);
      assert.match(r.stderr, /fix: /, `${name} gives a fix`);
    }
  });

  it('2: a settings key the scripts do not read, with a did-you-mean', async () => {
    for (const name of ['deploy', 'try', 'tail']) {
      const r = await h.runCli([...INVOCATION[name], '--setting', 'Log_Identifier=true'], { env: env() });
      assert.equal(r.code, EXIT.USAGE, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /Log_Identifiers/, `${name} suggests the real key`);
    }
  });

  it('3: the new tenant cannot be reached, for every command that calls it', async () => {
    const port = await h.closedPort();
    for (const name of ['deploy', 'tail', 'status', 'retire', 'logs']) {
      const r = await h.runCli([...INVOCATION[name], '--json'], { env: { ...env(), ALM_NEW_DOMAIN: `127.0.0.1:${port}` } });
      assert.equal(r.code, EXIT.UPSTREAM, `${name}: ${r.stderr}`);
      assert.match(r.stderr, /fix: /, `${name} gives a fix`);
      assert.equal(r.json && r.json.exitCode, EXIT.UPSTREAM);
    }
  });

  it('1: doctor with a failed check; 0: the same command when all is well', async () => {
    const bad = await h.runCli(['doctor', '--only', 'old', '--json'], { env: { ...env(), ALM_CLIENT_SECRET: 'a-wrong-client-SECRET' } });
    assert.equal(bad.code, EXIT.FAILED, bad.stderr);
    const good = await h.runCli(['doctor', '--only', 'old', '--json'], { env: env() });
    assert.equal(good.code, EXIT.OK, good.stdout);
  });
});
