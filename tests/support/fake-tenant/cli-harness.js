'use strict';
/**
 * For the command line's end-to-end tests (tests/js/cli-*.test.js): a pair of fake tenants (the OLD one
 * with the seed population, the NEW one with an empty database connection), the environment the CLI
 * reads for each, and a runner that starts the CLI as a child process (as an operator would) with the
 * fakes' CA trusted, capturing everything it prints so tests can scan it for secrets.
 */

const { spawn, spawnSync } = require('node:child_process');
const net = require('node:net');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startFakeTenant, SEED } = require('../../../js/fakes/fake-tenant');
const { newTenantSeed, NEW_CONNECTION, NEW_CONNECTION_ID } = require('../../../js/fakes/world');

const ROOT = path.join(__dirname, '..', '..', '..');
const CLI = path.join(ROOT, 'js', 'cli', 'main.js');
/** Starts both tenants. `oldOptions` / `newOptions` go to startFakeTenant. */
async function startPair({ oldOptions = {}, newOptions = {} } = {}) {
  const [oldT, newT] = await Promise.all([startFakeTenant(oldOptions), startFakeTenant({ seed: newTenantSeed(), ...newOptions })]);
  return { old: oldT, new: newT, close: () => Promise.all([oldT.close(), newT.close()]) };
}

/** The old tenant's settings as the CLI reads them from the environment (the Migration App). */
function oldEnv(tenant, extra = {}) {
  return {
    ALM_DOMAIN: tenant.domain,
    ALM_CLIENT_ID: SEED.clients.migrationApp.client_id,
    ALM_CLIENT_SECRET: SEED.clients.migrationApp.client_secret,
    ALM_CONNECTION: SEED.connections.legacy,
    ...extra,
  };
}

/** The new tenant and the CLI's own M2M app there. */
function newEnv(tenant, extra = {}) {
  return {
    ALM_NEW_DOMAIN: tenant.domain,
    ALM_NEW_CLIENT_ID: SEED.clients.cli.client_id,
    ALM_NEW_CLIENT_SECRET: SEED.clients.cli.client_secret,
    ALM_NEW_CONNECTION: NEW_CONNECTION,
    ...extra,
  };
}

/** Every secret and password of the seed: none may appear in anything the CLI prints. */
function seedSecrets() {
  const out = Object.values(SEED.clients).map((c) => c.client_secret);
  for (const u of Object.values(SEED.users)) out.push(u.password);
  return out;
}

const captured = [];

/** deploy's backups go to a temporary folder unless a test names one: never ./alm-backups in the work tree. */
let backupDir = null;
function testBackupDir() {
  if (!backupDir) {
    backupDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-test-backups-'));
    process.on('exit', () => fs.rmSync(backupDir, { recursive: true, force: true }));
  }
  return backupDir;
}

/**
 * Runs `command args` as a child process, capturing what it prints (kept for assertNoSecrets).
 * Resolves with {code, signal, stdout, stderr, ms, args}. `input` is written to its stdin.
 */
function runCaptured(command, args, { env, cwd, input = '', timeoutMs = 60000, onSpawn, label = args } = {}) {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const r = { code, signal, stdout, stderr, ms: Date.now() - started, args: label };
      captured.push(r);
      resolve(r);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
    if (onSpawn) onSpawn(child);
  });
}

/**
 * Runs the CLI. Returns {code, stdout, stderr, json (parsed stdout when --json), ms}. The child's
 * environment has no ALM_* from the parent, only `env`. `input` is written to its stdin.
 */
async function runCli(args, { env = {}, input = '', timeoutMs = 60000, onSpawn } = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALM_')));
  const caPath = path.join(ROOT, 'target', 'test-ca', 'ca.pem');
  const r = await runCaptured(process.execPath, [CLI, ...args], {
    env: { ...base, NODE_EXTRA_CA_CERTS: caPath, ALM_BACKUP_DIR: testBackupDir(), ...env },
    input,
    timeoutMs,
    onSpawn,
  });
  if (args.includes('--json')) {
    try {
      r.json = JSON.parse(r.stdout);
    } catch {
      r.json = undefined;
    }
  }
  return r;
}

/** Whether util-linux script(1) is here to give the CLI a pseudo-terminal (runOnTerminal). */
const HAS_SCRIPT = spawnSync('script', ['--version']).status === 0;

/**
 * Runs the CLI on a pseudo-terminal (util-linux script(1)), as an operator at a shell would, and types
 * `answer` once `prompt` (default plan.js's question) appears. Resolves {code, text, asked}; the text
 * is kept for assertNoSecrets like runCli's.
 */
function runOnTerminal(args, { env = {}, answer, prompt = /Type yes to apply:/, timeoutMs = 60000 } = {}) {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ALM_')));
  const quote = (a) => `'${String(a).replace(/'/g, "'\\''")}'`;
  const cmd = [process.execPath, CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      env: { ...base, NODE_EXTRA_CA_CERTS: path.join(ROOT, 'target', 'test-ca', 'ca.pem'), ALM_BACKUP_DIR: testBackupDir(), ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let text = '';
    let asked = false;
    const onData = (c) => {
      text += c;
      if (!asked && prompt.test(text)) {
        asked = true;
        child.stdin.write(`${answer}\n`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs); // a hang fails the test, as in runCli
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      captured.push({ stdout: text, stderr: '', args });
      resolve({ code, text, asked });
    });
    child.stdin.on('error', () => {});
  });
}

/** Everything every runCli / runCaptured call of this process printed so far. */
function allOutput() {
  return captured.map((r) => `${r.stdout}\n${r.stderr}`).join('\n');
}

/** Throws if `text` holds any of `secrets` or anything shaped like a JWT. */
function assertNoSecrets(text, secrets = seedSecrets()) {
  for (const s of secrets) {
    if (text.includes(s)) throw new Error(`output leaks a secret (${s.slice(0, 6)}...)`);
  }
  const jwt = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/.exec(text);
  if (jwt) throw new Error(`output leaks a token (${jwt[0].slice(0, 12)}...)`);
}

/** A loopback port where nothing listens: every request to it is refused (an unreachable tenant). */
async function closedPort() {
  const srv = net.createServer();
  await new Promise((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address();
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * Polls `probe` (sync or async) every 20 ms until it returns something truthy, which it returns; gives up
 * after `tries` polls with an Error naming `what`. Tests wait on events this way, never on a duration.
 */
async function until(probe, what, tries = 1500) {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Whether a connection to `domain` (host:port) is refused: the server there has closed. */
function portRefused(domain) {
  return new Promise((resolve) => {
    const [host, port] = domain.split(':');
    const s = net.connect(Number(port), host);
    s.on('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.on('error', () => resolve(true));
  });
}

/** Whether the tail state file `stateFile` records a job still `submitted` (false while it is unwritten or half-written). */
function submittedJob(stateFile) {
  try {
    const s = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    return Object.values(s.jobs).some((j) => j.status === 'submitted');
  } catch {
    return false;
  }
}

module.exports = {
  until,
  portRefused,
  submittedJob,
  ROOT,
  CLI,
  NEW_CONNECTION,
  NEW_CONNECTION_ID,
  SEED,
  newTenantSeed,
  startPair,
  oldEnv,
  newEnv,
  seedSecrets,
  runCli,
  runCaptured,
  HAS_SCRIPT,
  runOnTerminal,
  allOutput,
  assertNoSecrets,
  closedPort,
};
