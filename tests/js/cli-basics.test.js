'use strict';
/**
 * The command line's frame, run as an operator would (a child process): help on every command, the
 * documented exit codes for usage errors, secrets only from the environment or --secrets-file (and
 * never printed), `export` (Deploy CLI directory and Terraform, secret left as a variable), `build`
 * (explains what is not a build option; --dry-run), and `retire` without --deploy.
 */

const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { COMMANDS } = require('../../js/cli/main');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-cli-basics-'));
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  h.assertNoSecrets(h.allOutput());
});

const OLD_FLAGS = ['--domain', 'old-tenant.eu.auth0.com', '--client-id', 'migration-app-client-id', '--connection', 'legacy-db'];

describe('help and usage', () => {
  it('top-level --help lists every command and the exit codes; no command is a usage error', async () => {
    const r = await h.runCli(['--help']);
    assert.equal(r.code, 0);
    for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
    assert.match(r.stdout, /Exit codes[\s\S]*\b2 +usage[\s\S]*\b3 +Auth0/);
    const none = await h.runCli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage:/);
    assert.equal((await h.runCli(['--version'])).code, 0);
  });

  for (const c of COMMANDS) {
    it(`${c} --help describes the command and its options`, async () => {
      const r = await h.runCli([c, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^Usage: auth0-lazy-migrate ${c}`));
      assert.match(r.stdout, /--json/);
      assert.match(r.stdout, /--secrets-file/);
      const viaHelp = await h.runCli(['help', c]);
      assert.equal(viaHelp.stdout, r.stdout);
    });
  }

  it('unknown commands and options, and missing values, exit 2 with the way out', async () => {
    const unknown = await h.runCli(['deplyo']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command "deplyo"/);
    const opt = await h.runCli(['deploy', '--dryrun']);
    assert.equal(opt.code, 2);
    assert.match(opt.stderr, /Unknown option '--dryrun'[\s\S]*deploy --help/);
    const missing = await h.runCli(['deploy'], { env: { ALM_CLIENT_SECRET: 'x-secret-x' } });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing --domain or ALM_DOMAIN/);
    const json = await h.runCli(['tail', '--json']);
    assert.equal(json.code, 2);
    assert.equal(json.json.ok, false);
    assert.equal(json.json.exitCode, 2);
  });

  it('refuses secrets as flags', async () => {
    const r = await h.runCli(['export', '--out', tmp, ...OLD_FLAGS, '--new-connection', 'x', '--setting', 'Client_Secret=hunter2-hunter2']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /secrets are never taken from flags/);
    assert.equal(r.stderr.includes('hunter2-hunter2'), false);
  });
});

describe('--secrets-file', () => {
  it('supplies ALM_* secrets, wins over the environment, and is checked', async () => {
    const file = path.join(tmp, 'secrets.json');
    fs.writeFileSync(file, JSON.stringify({ ALM_CLIENT_SECRET: 'from-the-file-SECRET' }), { mode: 0o600 });
    // deploy --dry-run needs the secret before any request: with only the file, the usage error is about the new tenant.
    const r = await h.runCli(['deploy', '--dry-run', ...OLD_FLAGS, '--secrets-file', file], { env: { ALM_CLIENT_SECRET: '' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /missing --new-domain/);
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{"NOT_ALM": "x"}');
    const b = await h.runCli(['deploy', '--secrets-file', bad]);
    assert.equal(b.code, 2);
    assert.match(b.stderr, /not an ALM_\* variable name/);
    const open = path.join(tmp, 'open.json');
    fs.writeFileSync(open, JSON.stringify({ ALM_NEW_CLIENT_SECRET: 'world-readable-SECRET' }), { mode: 0o644 });
    fs.chmodSync(open, 0o644);
    const o = await h.runCli(['deploy', ...OLD_FLAGS, '--secrets-file', open], { env: { ALM_CLIENT_SECRET: 'env-SECRET-value' } });
    assert.match(o.stderr, /can be read by other users; chmod 600/);
    for (const s of ['from-the-file-SECRET', 'world-readable-SECRET', 'env-SECRET-value']) {
      assert.equal(`${r.stdout}${r.stderr}${o.stdout}${o.stderr}`.includes(s), false);
    }
  });
});

describe('export', () => {
  it('writes a Deploy CLI directory and a Terraform resource, the secret only as a variable', async () => {
    const outDir = path.join(tmp, 'export');
    const r = await h.runCli(['export', '--out', outDir, ...OLD_FLAGS, '--new-connection', 'Users DB', '--setting', 'User_ID_Prefix=old-', '--json'], {
      env: { ALM_CLIENT_SECRET: 'never-written-SECRET' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.files.length, 7);
    const db = JSON.parse(fs.readFileSync(path.join(outDir, 'deploy-cli/database-connections/Users DB/database.json'), 'utf8'));
    assert.equal(db.name, 'Users DB');
    assert.equal(db.strategy, 'auth0');
    assert.deepEqual(db.options.customScripts, { login: './login.js', get_user: './get_user.js' });
    assert.equal(db.options.enabledDatabaseCustomization, true);
    assert.equal(db.options.import_mode, true);
    assert.deepEqual(db.options.configuration, {
      Domain: 'old-tenant.eu.auth0.com',
      Client_ID: 'migration-app-client-id',
      Connection: 'legacy-db',
      User_ID_Prefix: 'old-',
      Client_Secret: '##ALM_CLIENT_SECRET##',
    });
    const dist = fs.readFileSync(path.join(h.ROOT, 'dist/login.js'), 'utf8');
    assert.equal(fs.readFileSync(path.join(outDir, 'deploy-cli/database-connections/Users DB/login.js'), 'utf8'), dist);
    const tf = fs.readFileSync(path.join(outDir, 'terraform/auth0_connection.tf'), 'utf8');
    assert.match(tf, /resource "auth0_connection" "lazy_migration" \{/);
    assert.match(tf, /name {5}= "Users DB"/);
    assert.match(tf, /enabled_database_customization = true/);
    assert.match(tf, /import_mode {20}= true/);
    assert.match(tf, /login {4}= file\("\$\{path\.module\}\/login\.js"\)/);
    assert.match(tf, /Client_Secret += var\.alm_old_client_secret/);
    assert.match(tf, /variable "alm_old_client_secret" \{[\s\S]*sensitive {3}= true/);
    assert.equal(fs.readFileSync(path.join(outDir, 'terraform/get_user.js'), 'utf8'), fs.readFileSync(path.join(h.ROOT, 'dist/get_user.js'), 'utf8'));
    const everything = [
      r.stdout,
      r.stderr,
      ...fs
        .readdirSync(outDir, { recursive: true })
        .map((f) => path.join(outDir, f))
        .filter((f) => fs.statSync(f).isFile())
        .map((f) => fs.readFileSync(f, 'utf8')),
    ].join('\n');
    assert.equal(everything.includes('never-written-SECRET'), false);
  });

  it('--retired exports the retired scripts without settings; --format picks one tool', async () => {
    const outDir = path.join(tmp, 'retired');
    const r = await h.runCli(['export', '--out', outDir, '--retired', '--format', 'terraform', '--new-connection', 'db']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(path.join(outDir, 'deploy-cli')), false);
    const tf = fs.readFileSync(path.join(outDir, 'terraform/auth0_connection.tf'), 'utf8');
    assert.doesNotMatch(tf, /configuration = \{|variable "/);
    assert.equal(fs.readFileSync(path.join(outDir, 'terraform/login.js'), 'utf8'), fs.readFileSync(path.join(h.ROOT, 'dist/retired/login.js'), 'utf8'));
    assert.equal((await h.runCli(['export', '--out', outDir, '--format', 'yaml', '--new-connection', 'db'])).code, 2);
  });

  it('a missing dist/ is a setup error (exit 3) that names the build', async () => {
    const r = await h.runCli(['export', '--out', path.join(tmp, 'x'), '--dist', path.join(tmp, 'no-dist'), ...OLD_FLAGS, '--new-connection', 'db']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /login\.js is missing[\s\S]*fix: build the scripts first/);
  });
});

describe('build and retire (no tenant)', () => {
  it('build explains settings that are not build options, and --dry-run prints the make command', async () => {
    const ns = await h.runCli(['build', '--claims-namespace', 'https://example.com/']);
    assert.equal(ns.code, 2);
    assert.match(ns.stderr, /Claims_Namespace, read at run time/);
    const id = await h.runCli(['build', '--id-prefix', 'old-']);
    assert.match(id.stderr, /User_ID_Prefix/);
    const dry = await h.runCli(['build', '--dry-run', '--out', path.join(tmp, 'out'), '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.json.make, /^make -C .* dist OUT=.*out$/);
  });

  it('retire without --deploy names the retired scripts and where they go', async () => {
    const r = await h.runCli(['retire', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.json.scripts.map((s) => s.file),
      ['retired/login.js', 'retired/get_user.js']
    );
    assert.match(r.stderr, /Custom Database > Login/);
  });
});

describe('output', () => {
  const { Output } = require('../../js/cli/output');
  const sink = (isTTY) => {
    const s = {
      isTTY,
      text: '',
      write(t, cb) {
        s.text += t;
        if (cb) cb();
        return true;
      },
    };
    return s;
  };

  it('draws a progress bar only on a terminal, within its width; plain lines otherwise', () => {
    const tty = sink(true);
    const o = new Output({ stdout: sink(false), stderr: tty, env: {} });
    o.progress({ done: 5, total: 10, label: 'users', plain: 'five of ten' });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape sequence is what is checked
    assert.match(tty.text, /^\r\x1b\[2K\[#{10}\.{10}\] {2}50% 5\/10 users$/);
    const narrow = Object.assign(sink(true), { columns: 30 });
    new Output({ stdout: sink(false), stderr: narrow, env: {} }).progress({ done: 123456789, total: 987654321, label: 'emails sent or tried' });
    assert.ok(narrow.text.length - '\r\x1b[2K'.length < 30, narrow.text);
    o.info('done');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's escape sequence is what is checked
    assert.match(tty.text, /\r\x1b\[2Kdone\n$/, 'the bar is cleared before a line');
    const pipe = sink(false);
    const p = new Output({ stdout: sink(false), stderr: pipe });
    p.progress({ done: 5, total: 10, label: 'users', plain: 'five of ten' });
    assert.equal(pipe.text, 'five of ten\n');
  });

  it('redacts registered secrets and anything shaped like a JWT, also inside --json results', () => {
    const out = sink(false);
    const o = new Output({ json: true, stdout: out, stderr: sink(false) });
    o.addSecret('s3cr3t-value');
    o.result({ a: 'x s3cr3t-value y', t: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl', n: [1, 's3cr3t-value'] });
    const parsed = JSON.parse(out.text);
    assert.deepEqual(parsed, { a: 'x ******** y', t: '[token redacted]', n: [1, '********'] });
  });
});
