'use strict';
/**
 * Issue #16, point 7: the small traps an operator falls into, each closed end to end against the fakes.
 * - a secret given as a flag (--client-secret, --new-client-secret, --password, --token) is refused with
 *   the way secrets do come in (the environment or --secrets-file), and its value is never repeated;
 * - a mistyped flag or command gets a did-you-mean;
 * - a mistyped key in --secrets-file is an error naming it, with the closest name this tool reads
 *   (derived from the commands' option specs, so another command's variable is known too);
 * - --help --json prints one JSON object (top level and per command);
 * - `try login` refuses an empty password, piped or typed on a terminal, before anything is sent;
 * - `status` shows no pace until its history spans a day (a crafted history file; estimate() with an
 *   injected clock).
 */

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { COMMANDS } = require('../../js/cli/main');
const status = require('../../js/cli/commands/status');

const U = h.SEED.users;
const FAST = ['--poll-interval', '20'];
const VALUE = 'typed-on-the-command-line-SECRET';

let pair;
let tmp;
before(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-traps-'));
});
after(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  h.assertNoSecrets(h.allOutput(), [...h.seedSecrets(), VALUE]);
});

const tokenRequests = () => pair.old.requests.filter((r) => r.method === 'POST' && r.path === '/oauth/token').length;

describe('flags', () => {
  it('a secret as a flag: exit 2, the variable to set and --secrets-file, the value never repeated', async () => {
    const cases = [
      [['try', '--user', 'x', '--client-secret', VALUE], /set ALM_CLIENT_SECRET in the environment/],
      [['deploy', `--client-secret=${VALUE}`], /set ALM_CLIENT_SECRET in the environment/],
      [['deploy', '--new-client-secret', VALUE], /set ALM_NEW_CLIENT_SECRET in the environment/],
      [['doctor', '--secret', VALUE], /set ALM_CLIENT_SECRET or ALM_NEW_CLIENT_SECRET/],
      [['tail', '--token', VALUE], /set ALM_CLIENT_SECRET or ALM_NEW_CLIENT_SECRET/],
      [['try', '--password', VALUE], /asked without echo on a terminal, or read as the first line of stdin/],
    ];
    for (const [args, where] of cases) {
      const r = await h.runCli(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /secrets are never taken from flags/, args.join(' '));
      assert.match(r.stderr, /fix: secrets come only from the environment or --secrets-file/, args.join(' '));
      assert.match(r.stderr, where, args.join(' '));
      assert.equal(`${r.stdout}${r.stderr}`.includes(VALUE), false, 'the value is never printed');
    }
    const json = await h.runCli(['deploy', '--client-secret', VALUE, '--json']);
    assert.equal(json.code, 2);
    assert.match(json.json.error.hint, /--secrets-file/);
  });

  it("a mistyped flag names the command's closest flag; a mistyped command the closest command", async () => {
    const flag = await h.runCli(['doctor', '--domian', 'x']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--domian' \(did you mean "--domain"\?\)/);
    const other = await h.runCli(['status', '--tail-bellow', '2%']);
    assert.match(other.stderr, /did you mean "--tail-below"\?/);
    const far = await h.runCli(['deploy', '--zzzzzzzz']);
    assert.equal(far.code, 2);
    assert.doesNotMatch(far.stderr, /did you mean/, 'nothing close: no guess');
    const cmd = await h.runCli(['stauts']);
    assert.equal(cmd.code, 2);
    assert.match(cmd.stderr, /unknown command "stauts" \(did you mean "status"\?\)/);
    const viaHelp = await h.runCli(['help', 'doctr']);
    assert.equal(viaHelp.code, 2);
    assert.match(viaHelp.stderr, /unknown command "doctr" \(did you mean "doctor"\?\)/);
  });
});

describe('--secrets-file', () => {
  const file = (name, obj) => {
    const f = path.join(tmp, name);
    fs.writeFileSync(f, JSON.stringify(obj), { mode: 0o600 });
    return f;
  };

  it('a mistyped key is an error naming it and the closest known name; nothing is sent', async () => {
    const before = tokenRequests();
    const env = h.oldEnv(pair.old, { ALM_CLIENT_SECRET: '' });
    const r = await h.runCli(['doctor', '--only', 'old', '--secrets-file', file('typo.json', { ALM_CLIENT_SECRT: VALUE })], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown key "ALM_CLIENT_SECRT" \(did you mean "ALM_CLIENT_SECRET"\?\)/);
    assert.doesNotMatch(r.stderr, /missing ALM_CLIENT_SECRET/, 'the typo is named, not only the missing key');
    assert.equal(tokenRequests(), before);
  });

  it("the known names come from every command's options: another command's variable is accepted, its typo named", async () => {
    // ALM_TAIL_STATE is tail's; one secrets file serves every command, so doctor accepts it.
    const shared = file('shared.json', { ALM_CLIENT_SECRET: h.SEED.clients.migrationApp.client_secret, ALM_TAIL_STATE: path.join(tmp, 'tail.json') });
    const ok = await h.runCli(['doctor', '--only', 'old', '--json', '--secrets-file', shared], { env: h.oldEnv(pair.old, { ALM_CLIENT_SECRET: '' }) });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const typo = await h.runCli(['doctor', '--secrets-file', file('status-typo.json', { ALM_STATUS_STAT: 'x' })]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /unknown key "ALM_STATUS_STAT" \(did you mean "ALM_STATUS_STATE"\?\)/);
  });
});

describe('--help --json', () => {
  it('top level: one JSON object with the usage, the common options and every command', async () => {
    for (const args of [
      ['--help', '--json'],
      ['--json', '--help'],
      ['help', '--json'],
    ]) {
      const r = await h.runCli(args);
      assert.equal(r.code, 0, args.join(' '));
      const j = JSON.parse(r.stdout);
      assert.match(j.usage, /^auth0-lazy-migrate <command>/);
      assert.deepEqual(
        j.commands.map((c) => c.name),
        COMMANDS
      );
      for (const c of j.commands) assert.ok(c.summary && c.usage.startsWith(`auth0-lazy-migrate ${c.name}`), c.name);
      const sf = j.options.find((o) => o.name === 'secrets-file');
      assert.equal(sf.type, 'string');
      const names = j.environment.map((v) => v.name);
      assert.ok(names.includes('ALM_CLIENT_SECRET') && names.includes('ALM_STATUS_STATE'), names.join(' '));
    }
  });

  it('per command: the options with their type, variable and help, as the text help lists them', async () => {
    for (const c of COMMANDS) {
      const r = await h.runCli([c, '--help', '--json']);
      assert.equal(r.code, 0, c);
      const j = JSON.parse(r.stdout);
      assert.equal(j.command, c);
      assert.match(j.usage, new RegExp(`^auth0-lazy-migrate ${c}`));
      const text = (await h.runCli(['help', c])).stdout;
      for (const o of j.options) {
        assert.ok(['string', 'boolean'].includes(o.type), `${c} ${o.flag}`);
        assert.ok(text.includes(o.flag), `${c}: ${o.flag} is in the text help too`);
        if (o.env) assert.ok(text.includes(`[${o.env}]`), `${c}: ${o.env}`);
      }
      assert.deepEqual(JSON.parse((await h.runCli(['help', c, '--json'])).stdout), j);
    }
    const doctor = JSON.parse((await h.runCli(['doctor', '--help', '--json'])).stdout);
    assert.deepEqual(
      doctor.options.find((o) => o.name === 'domain'),
      { name: 'domain', flag: '--domain', type: 'string', arg: 'DOMAIN', env: 'ALM_DOMAIN', help: "old tenant's domain (setting Domain)", group: "Old tenant (the scripts' settings)" }
    );
  });
});

describe('try login with an empty password', () => {
  it('on stdin (nothing, or an empty first line): exit 2 before any request to the old tenant', async () => {
    const before = pair.old.requests.length;
    for (const input of ['', '\n', '\r\nsecond line\n']) {
      const r = await h.runCli(['try', 'login', '--user', U.full.email], { env: h.oldEnv(pair.old), input });
      assert.equal(r.code, 2, JSON.stringify(input));
      assert.match(r.stderr, /no password on stdin \(its first line is empty\): nothing was sent to the old tenant/);
    }
    assert.equal(pair.old.requests.length, before, 'the old tenant received nothing');
  });

  const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;
  it('on a terminal (Enter at the prompt): exit 2 before any request to the old tenant', { skip: !HAS_SCRIPT && 'needs script(1)' }, async () => {
    const before = pair.old.requests.length;
    const r = await onTerminal(['try', 'login', '--user', U.full.email], h.oldEnv(pair.old), '\r');
    assert.ok(r.asked, r.text);
    assert.equal(r.code, 2, r.text);
    assert.match(r.text, /empty password: nothing was sent to the old tenant/);
    assert.equal(pair.old.requests.length, before, 'the old tenant received nothing');
    // The same terminal with a password does reach the old tenant (the refusal above is not a broken prompt).
    const ok = await onTerminal(['try', 'login', '--user', U.full.email], h.oldEnv(pair.old), `${U.full.password}\r`);
    assert.equal(ok.code, 0, ok.text);
    assert.ok(tokenRequests() > 0);
  });
});

/** Runs the CLI on a pseudo-terminal (util-linux script(1)) and types `keys` once the password prompt shows. */
function onTerminal(args, env, keys) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALM_')));
  const quote = (a) => `'${String(a).replace(/'/g, "'\\''")}'`;
  const cmd = [process.execPath, h.CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      env: { ...base, NODE_EXTRA_CA_CERTS: path.join(h.ROOT, 'target', 'test-ca', 'ca.pem'), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let text = '';
    let asked = false;
    const onData = (c) => {
      text += c;
      if (!asked && /\(not echoed\): /.test(text)) {
        asked = true;
        child.stdin.write(keys);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000); // a hang fails the test
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      h.assertNoSecrets(text);
      resolve({ code, text, asked });
    });
    child.stdin.on('error', () => {});
  });
}

describe('status: the pace needs a day of history', () => {
  const HOUR = 3600000;
  const at = (ms) => new Date(ms).toISOString();
  const run = (history, now) => status.estimate(history, now, { windowDays: 7, below: 10 });

  it('estimate(): no rate under a day (the span is reported), a rate from one day on (injected clock)', () => {
    const now = Date.parse('2026-07-01T12:00:00.000Z');
    const setup = [
      { at: at(now - 5 * 60000), migrated: 0, remaining: 1000 },
      { at: at(now), migrated: 83, remaining: 917 },
    ];
    const early = run(setup, now);
    assert.equal(early.rate, null, 'two runs 5 minutes apart: no pace (it used to be 23904 user(s)/day)');
    assert.equal(early.estimate, null);
    assert.ok(Math.abs(early.spanDays * 24 - 5 / 60) < 1e-9);
    const single = run([setup[1]], now);
    assert.equal(single.spanDays, null, 'one run: no span at all');
    const later = run([{ at: at(now - 24 * HOUR), migrated: 0, remaining: 1000 }, setup[1]], now);
    assert.ok(Math.abs(later.rate.perDay - 83) < 1e-9);
    assert.equal(later.rate.days, 1);
    // Small enough already: that is said without a pace.
    const done = run(
      [
        { at: at(now - HOUR), migrated: 0, remaining: 12 },
        { at: at(now), migrated: 5, remaining: 7 },
      ],
      now
    );
    assert.equal(done.rate, null);
    assert.equal(done.estimate.reached, true);
  });

  it('end to end: a history of 3 h says "not known yet (history spans 3.0 h; needs at least 1 day)"', async () => {
    const state = path.join(tmp, 'status.json');
    const env = { ...h.oldEnv(pair.old), ...h.newEnv(pair.new), ALM_STATUS_STATE: state };
    const first = await h.runCli(['status', ...FAST], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /pace: not known yet; run status again later/);
    // Crafted history: the first run 3 hours ago; three users logged in since.
    const s = JSON.parse(fs.readFileSync(state, 'utf8'));
    s.history[0].at = new Date(Date.now() - 3 * HOUR).toISOString();
    fs.writeFileSync(state, JSON.stringify(s));
    for (const u of [U.full, U.minimal, U.username]) {
      pair.new.addUser({ user_id: u.user_id, connection: h.NEW_CONNECTION, email: u.email, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
    }
    const second = await h.runCli(['status', ...FAST, '--json'], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.json.rate, null);
    assert.equal(second.json.pace.known, false);
    assert.equal(second.json.pace.needsDays, 1);
    assert.ok(Math.abs(second.json.pace.historySpanHours - 3) < 0.1, String(second.json.pace.historySpanHours));
    assert.match(second.stderr, /pace: not known yet \(history spans 3\.0 h; needs at least 1 day\)/);
    assert.doesNotMatch(second.stderr, /user\(s\)\/day/);
    const narrow = await h.runCli(['status', ...FAST, '--window-days', '0.5'], { env });
    assert.equal(narrow.code, 2);
    assert.match(narrow.stderr, /--window-days must be a number of at least 1/);
  });
});
