'use strict';
/**
 * `rehearse` as an operator starts it (a child process): it writes migration.env and secrets.json in
 * the runbook's shapes (the variable names of the runbook's migration.env block, the keys of its
 * secrets.json block; secrets.json mode 0600), prints no client secret, refuses to overwrite files it
 * did not write (exit 1, nothing started, the files untouched), starts again over its own files, and
 * stops cleanly on SIGTERM (exit 0, ports closed). Ctrl-C (exit 130) is in runbook.test.js.
 *
 * Its traffic (js/fakes/traffic.js): nothing before our login script is deployed; after `deploy`,
 * users log in by themselves, `logs` shows and counts their events and `status` counts them as
 * migrated; in-process (js/fakes/world.js), one seed replays the same logins, each outcome is the
 * event Auth0 logs (as `logs` classifies it) and the user it stores, and the retired script's logins
 * are `fu` without a request to the old tenant.
 */

const { describe, it, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const https = require('node:https');
const h = require('../support/fake-tenant/cli-harness');
const { MARKER } = require('../../js/cli/commands/rehearse');
const world = require('../../js/fakes/world');
const logEvents = require('../../js/cli/log-events');

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

const refused = h.portRefused;

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
    assert.match(r.stdout, /^traffic: 12 login\(s\) a minute to the new tenant once our login script is deployed there \(seed \d+;/m, 'the default rate, and the seed to replay it');
    assert.match(r.stdout, /^traffic: 0 simulated login\(s\); 0 user\(s\) migrated by a login$/m, 'nothing deployed: nobody logged in');
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

  it('refuses a login rate or a seed that is not a count (exit 2)', async () => {
    for (const [flag, value] of [
      ['--logins-per-minute', 'lots'],
      ['--logins-per-minute', '6001'],
      ['--seed', '1.5'],
    ]) {
      const r = await h.runCli(['rehearse', '--dir', path.join(tmp, 'never'), `${flag}=${value}`]);
      assert.equal(r.code, 2, `${flag} ${value}`);
      assert.match(r.stderr, new RegExp(`${flag} must be an integer`));
    }
    assert.equal(fs.existsSync(path.join(tmp, 'never')), false);
  });
});

/** `export K=V` lines of migration.env, as an object. */
function readEnvFile(file) {
  const out = {};
  for (const m of fs.readFileSync(file, 'utf8').matchAll(/^export ([A-Z_]+)=(.*)$/gm)) out[m[1]] = m[2].replace(/^'(.*)'$/, '$1');
  return out;
}

/** One GET to a fake's Management API, trusting the CA migration.env names; the parsed reply body. */
function apiGet(env, token, pathname) {
  const [host, port] = env.ALM_NEW_DOMAIN.split(':');
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, method: 'GET', path: pathname, ca: fs.readFileSync(env.NODE_EXTRA_CA_CERTS), headers: { authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A Management API token of this tool's app on the new tenant (client credentials). */
function newTenantToken(env, secrets) {
  const [host, port] = env.ALM_NEW_DOMAIN.split(':');
  const body = JSON.stringify({ grant_type: 'client_credentials', client_id: env.ALM_NEW_CLIENT_ID, client_secret: secrets.ALM_NEW_CLIENT_SECRET, audience: `https://${env.ALM_NEW_DOMAIN}/api/v2/` });
  return new Promise((resolve, reject) => {
    const req = https.request({ host, port, method: 'POST', path: '/oauth/token', ca: fs.readFileSync(env.NODE_EXTRA_CA_CERTS), headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve(JSON.parse(text).access_token));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The new connection's events of `type`, oldest first (log search; at most 100). */
async function eventsOf(env, token, type) {
  const q = encodeURIComponent(`type:${type} AND connection:"${world.NEW_CONNECTION}"`);
  const r = await apiGet(env, token, `/api/v2/logs?q=${q}&per_page=100&sort=date:1`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

/** Polls `probe` until it returns a truthy value (at most `tries` times); returns that value. */
const until = (probe, what) => h.until(probe, what, 1500);

describe('rehearse: users log in to the new tenant by themselves once our script is deployed', () => {
  it('after `deploy`, logins migrate users: `logs` shows and counts their success events, `status` counts them as migrated', { timeout: 240000 }, async () => {
    const dir = path.join(tmp, 'traffic');
    const r = start(['--dir', dir, '--users', '10', '--logins-per-minute', '3000', '--seed', '7', '--verbose']);
    after(() => r.child.kill('SIGKILL'));
    assert.ok(await r.ready, r.stderr);
    assert.match(r.stdout, /^traffic: 3000 login\(s\) a minute to the new tenant once our login script is deployed there \(seed 7;/m);
    const env = readEnvFile(path.join(dir, 'migration.env'));
    const secrets = JSON.parse(fs.readFileSync(path.join(dir, 'secrets.json'), 'utf8'));
    const cli = { ...env, ...secrets };
    const token = await newTenantToken(env, secrets);

    // Nothing deployed yet: whatever the rate, nobody logs in (the in-process test below counts the
    // timer's ticks; here the tenant's own log, read twice around a whole CLI run, stays empty).
    assert.equal((await apiGet(env, token, '/api/v2/logs?per_page=100')).body.length, 0);
    const dry = await h.runCli(['deploy', '--dry-run'], { env: cli });
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal((await apiGet(env, token, '/api/v2/logs?per_page=100')).body.length, 0, 'no login before the script is deployed');
    assert.doesNotMatch(r.stdout, /^login: /m);

    const deploy = await h.runCli(['deploy', '--yes'], { env: cli });
    assert.equal(deploy.code, 0, `${deploy.stdout}\n${deploy.stderr}`);

    // Wait (by state) until K users were migrated by a login and failed logins were logged too.
    const K = 5;
    const successes = await until(async () => {
      const s = await eventsOf(env, token, 's');
      return s.length >= K && (await eventsOf(env, token, 'fp')).length > 0 ? s : null;
    }, `${K} success events and a failed login`);
    for (const e of successes.slice(0, K)) {
      assert.match(e.user_id, /^auth0\|/, 'a success names the stored user');
      assert.equal(e.connection, world.NEW_CONNECTION);
      const u = await apiGet(env, token, `/api/v2/users/${encodeURIComponent(e.user_id)}`);
      assert.equal(u.status, 200, `${e.user_id} is in the new tenant`);
      assert.equal(u.body.email, e.user_name);
    }

    const logs = await h.runCli(['logs', '--checkpoint', path.join(dir, 'logs-checkpoint.json')], { env: cli });
    assert.equal(logs.code, 0, logs.stderr);
    const successLines = logs.stdout.split('\n').filter((l) => /^\S+\s+s\s+success\s/.test(l));
    assert.ok(successLines.length >= K, logs.stdout);
    const counted = /^this run: \d+ event\(s\): success (\d+)/m.exec(logs.stdout);
    assert.ok(counted, logs.stdout);
    assert.equal(Number(counted[1]), successLines.length, 'the summary counts the success lines shown');
    assert.match(logs.stdout, /\sfp\s+wrong_password\s+\S+\s+Wrong email or password\.$/m, 'failed logins are shown too');

    const status = await h.runCli(['status', '--state', path.join(dir, 'status.json')], { env: cli });
    assert.equal(status.code, 0, status.stderr);
    const migrated = /^migrated: (\d+) of (\d+)/m.exec(status.stdout);
    assert.ok(migrated, status.stdout);
    assert.ok(Number(migrated[1]) >= successes.length, `status counts the ${successes.length} users migrated by a login: ${migrated[0]}`);

    r.child.kill('SIGTERM');
    assert.equal(await r.closed, 0, r.stderr);
    const end = /^SIGTERM: stopping\. new tenant: (\d+) user\(s\)/m.exec(r.stdout);
    const traffic = /^traffic: (\d+) simulated login\(s\): s (\d+)\b.*; (\d+) user\(s\) migrated by a login$/m.exec(r.stdout);
    assert.ok(end && traffic, r.stdout);
    assert.equal(Number(traffic[3]), Number(end[1]), 'no tail ran: every user of the new tenant was migrated by a login');
    assert.ok(Number(traffic[2]) >= Number(counted[1]));
    const loginLines = r.stdout.split('\n').filter((l) => l.startsWith('login: '));
    assert.equal(loginLines.length, Number(traffic[1]), '--verbose: one line per simulated login');
    // No password of a simulated login is printed (rehearse prints only the one for `try login`).
    h.assertNoSecrets(`${r.stdout}\n${r.stderr}`, [...CLIENT_SECRETS, ...h.seedSecrets().filter((p) => p !== world.TRY_USER.password)]);
    h.assertNoSecrets(h.allOutput());
  });
});

describe('the rehearsal world traffic, in-process', () => {
  /** Puts `login` (a dist/ path) on the world's new connection, with its settings, as deploy does. */
  function install(w, login = 'dist/login.js') {
    const conn = w.new.connection(world.NEW_CONNECTION);
    conn.options = {
      ...conn.options,
      enabledDatabaseCustomization: true,
      import_mode: true,
      customScripts: { login: fs.readFileSync(path.join(h.ROOT, login), 'utf8') },
      configuration: { Domain: w.values.ALM_DOMAIN, Client_ID: w.values.ALM_CLIENT_ID, Client_Secret: w.secrets.ALM_CLIENT_SECRET, Connection: w.values.ALM_CONNECTION },
    };
  }

  /** `n` logins driven one at a time, as [attempt, event type, user_name, user_id]. */
  async function drive(w, n) {
    const seen = [];
    for (let i = 0; i < n; i++) {
      const r = await w.loginOnce();
      seen.push([r.attempt, r.type, r.user_name, r.user_id || '']);
    }
    return seen;
  }

  it('does nothing, however fast it ticks, while our login script is not deployed', async () => {
    const w = await world.startWorld({ sampleSize: 3, traffic: { perMinute: 60000, seed: 1 } });
    try {
      // Counted by the world's own summary, not by a clock: the timer fired, and found nothing to run.
      const d = await until(() => (w.describe().traffic.ticks >= 20 ? w.describe() : null), 'the traffic timer to fire 20 times');
      assert.equal(d.traffic.logins, 0);
      assert.equal(d.traffic.waitingTicks, d.traffic.ticks);
      assert.equal(d.new.logEvents, 0);
      assert.equal(d.new.users, 0);
      assert.equal(await w.loginOnce(), null, 'loginOnce too: nothing to run');
    } finally {
      await w.close();
    }
  });

  it("replays the same logins under the same seed; each event is Auth0's, classified by `logs`, and a success stores the user", { timeout: 120000 }, async () => {
    const runs = [];
    for (const seed of [11, 11, 12]) {
      const w = await world.startWorld({ sampleSize: 10, traffic: { seed } });
      try {
        install(w);
        const seen = await drive(w, 16);
        runs.push(seen);
        if (runs.length > 1) continue;
        const old = w.old.users.filter((u) => u.connection === w.values.ALM_CONNECTION);
        for (const e of w.new.logs) {
          assert.equal(e.connection, world.NEW_CONNECTION);
          assert.equal(e.connection_id, world.NEW_CONNECTION_ID);
          assert.ok(e.user_name && e.date && e.log_id);
          const cls = logEvents.classify(e);
          if (e.type === 's') {
            assert.equal(cls, 'success');
            const stored = w.new.findUser(e.user_id);
            const was = old.find((u) => u.user_id === e.user_id);
            assert.ok(was, `${e.user_id}: the same id as in the old tenant`);
            assert.equal(stored.connection, world.NEW_CONNECTION);
            assert.equal(stored.email, was.email);
            assert.equal(stored.password, was.password, 'Auth0 keeps the password that logged in');
          } else if (e.type === 'fp') {
            assert.equal(cls, 'wrong_password');
            assert.equal(e.description, 'Wrong email or password.');
          } else {
            assert.equal(e.type, 'f', JSON.stringify(e));
            assert.equal(cls, 'blocked', e.description);
            assert.ok(old.find((u) => u.email === e.user_name).blocked, `${e.user_name} is blocked in the old tenant`);
          }
        }
        const types = new Set(seen.map((x) => x[1]));
        for (const t of ['s', 'fp', 'f']) assert.ok(types.has(t), `seed 11 has a ${t} among its first logins: ${JSON.stringify(seen)}`);
        const d = w.describe();
        assert.equal(d.traffic.logins, 16);
        assert.equal(d.traffic.migrated, d.new.users);
        assert.equal(d.traffic.events.s, d.new.users, 'each success stored one user, nobody twice');
      } finally {
        await w.close();
      }
    }
    assert.deepEqual(runs[1], runs[0], 'the same seed: the same logins');
    assert.notDeepEqual(runs[2], runs[0], 'another seed: other logins');
  });

  it('after retire, logins are fu and the old tenant is not asked', { timeout: 60000 }, async () => {
    const w = await world.startWorld({ sampleSize: 3, traffic: { seed: 5 } });
    try {
      install(w, 'dist/retired/login.js');
      const before = w.old.requests.length;
      const seen = await drive(w, 6);
      assert.deepEqual([...new Set(seen.map((x) => x[1]))], ['fu'], JSON.stringify(seen));
      assert.equal(w.old.requests.length, before, 'the retired script calls nobody');
      assert.equal(w.describe().new.users, 0);
      for (const e of w.new.logs) assert.equal(logEvents.classify(e), 'not_found');
    } finally {
      await w.close();
    }
  });
});
