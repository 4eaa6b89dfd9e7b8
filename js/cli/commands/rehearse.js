'use strict';
/**
 * `rehearse`: a whole migration's world on this machine, so an operator can practise docs/runbook.md,
 * verbatim, before touching a real tenant (and tests/js/runbook.test.js runs the runbook against it).
 *
 * Starts the fake old tenant (the seed population plus a sample of ordinary users) and the fake new
 * tenant (an empty database connection, an M2M app for this tool) on loopback (js/fakes/world.js),
 * writes migration.env and secrets.json into --dir in the shape the runbook describes, prints what to
 * do, and serves until Ctrl-C (exit 130, as every interrupted command) or SIGTERM (exit 0). Once the
 * runbook's `deploy` put our login script on the new tenant, the world's traffic logs users in there
 * (--logins-per-minute, seeded by --seed; js/fakes/traffic.js), so `logs` and `status` have something
 * to show before `tail`, as on a real migration.
 *
 * It never overwrites files it did not write: migration.env must carry MARKER on its first line, and
 * secrets.json must hold exactly the rehearsal's test secrets, else it stops (exit 1) before starting.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { EXIT, CliError, UpstreamError } = require('../errors');
const events = require('../log-events');

const MARKER = '# written by auth0-lazy-migrate rehearse: fake tenants on this machine, not a real migration';
const ENV_FILE = 'migration.env';
const SECRETS_FILE = 'secrets.json';
/** Logins a minute by default: a few events per `logs` run, a little progress per `status` run. */
const DEFAULT_LOGINS_PER_MINUTE = 12;
const MAX_LOGINS_PER_MINUTE = 6000;

/** The world (fake tenants) needs the dev dependencies (node-forge, for the test CA): a clone after `npm ci`. */
function loadWorld() {
  try {
    return require('../../fakes/world');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      throw new UpstreamError(`rehearse needs the fake tenants and their dev dependencies: ${err.message.split('\n')[0]}`, {
        hint: "run it from a clone of the repository after `npm ci` (node-forge, a dev dependency, makes the fakes' test certificate)",
      });
    }
    throw err;
  }
}

/** Refuses (exit 1) when `file` exists and is not one this command wrote (`ours(text)` says). */
function refuseForeign(file, ours) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return;
    throw new UpstreamError(`cannot read ${file}: ${err.code || err.message}`);
  }
  if (!ours(text)) {
    throw new CliError(`${file} exists and was not written by rehearse: it may be your real migration's; nothing was started or changed`, EXIT.FAILED, {
      hint: 'rehearse in another folder (--dir DIR, e.g. an empty one), or move that file away first',
    });
  }
}

/** `v` as one shell word: bare when it is plain (the runbook's shape), else single-quoted (a path with spaces). */
function shellWord(v) {
  const s = String(v);
  return /^[A-Za-z0-9_./:@+=-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/** migration.env's text: the values, then the CA line; the marker first (the overwrite check reads it). */
function envText(values, caPath) {
  const lines = [MARKER, '# source it in the shell that runs the runbook: source migration.env'];
  for (const [k, v] of Object.entries(values)) lines.push(`export ${k}=${shellWord(v)}`);
  lines.push("# Node trusts the fakes' throw-away test CA only through this (read when node starts); never set it for real tenants", `export NODE_EXTRA_CA_CERTS=${shellWord(caPath)}`);
  return `${lines.join('\n')}\n`;
}

/** Writes `text` to `file` with `mode`, also when the file existed with another mode. */
function writeFile(file, text, mode) {
  fs.writeFileSync(file, text, { mode });
  fs.chmodSync(file, mode);
}

/** Resolves with the signal's name at the first SIGINT or SIGTERM. */
function untilStopped() {
  return new Promise((resolve) => {
    const stop = (sig) => {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      resolve(sig);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** An integer option from `min` to `max`, `dflt` when absent; a usage error (exit 2) otherwise. */
function intOption(values, name, min, max, dflt, example) {
  if (values[name] === undefined) return dflt;
  const n = Number(values[name]);
  if (!(values[name] !== '' && Number.isInteger(n) && n >= min && n <= max)) {
    throw new CliError(`--${name} must be an integer from ${min} to ${max} (got "${values[name]}")`, EXIT.USAGE, { hint: `e.g. --${name} ${example}` });
  }
  return n;
}

/** "14 simulated login(s): s 9, fp 3, f 2; 9 user(s) migrated by a login". */
function trafficLine(t) {
  const parts = Object.entries(t.events)
    .filter(([, n]) => n)
    .map(([k, n]) => `${k} ${n}`);
  return `traffic: ${t.logins} simulated login(s)${parts.length ? `: ${parts.join(', ')}` : ''}; ${t.migrated} user(s) migrated by a login`;
}

async function run(ctx) {
  const { values, out } = ctx;
  const dir = path.resolve(values.dir || '.');
  const sample = intOption(values, 'users', 0, 10000, undefined, 300);
  const perMinute = intOption(values, 'logins-per-minute', 0, MAX_LOGINS_PER_MINUTE, DEFAULT_LOGINS_PER_MINUTE, 60);
  const seed = intOption(values, 'seed', 0, 4294967295, undefined, 42) ?? crypto.randomInt(0, 2 ** 32);
  const world = loadWorld();
  const envFile = path.join(dir, ENV_FILE);
  const secretsFile = path.join(dir, SECRETS_FILE);
  const secrets = world.secrets();
  for (const s of Object.values(secrets)) out.addSecret(s);
  const secretsText = `${JSON.stringify(secrets, null, 2)}\n`;
  refuseForeign(envFile, (t) => t.split('\n')[0] === MARKER);
  refuseForeign(secretsFile, (t) => t === secretsText);
  fs.mkdirSync(dir, { recursive: true });

  const stopped = untilStopped();
  // One line per simulated login with --verbose, as `logs` prints the event; never the password (not in it).
  const onLogin = values.verbose ? (r) => out.line(`login: ${events.line(r.event)}${r.stored ? ' (migrated)' : ''}`) : null;
  const w = await world.startWorld({ sampleSize: sample, traffic: { perMinute, seed, onLogin } });
  try {
    writeFile(envFile, envText(w.values, w.caPath), 0o644);
    writeFile(secretsFile, secretsText, 0o600);
    const d = w.describe();
    out.line('Rehearsal: two fake Auth0 tenants on this machine (nothing leaves it):');
    out.line(`  old tenant ${w.values.ALM_DOMAIN}, connection "${w.values.ALM_CONNECTION}": ${d.old.users} user(s), ${d.old.blocked} blocked`);
    out.line(`  new tenant ${w.values.ALM_NEW_DOMAIN}, connection "${w.values.ALM_NEW_CONNECTION}": empty`);
    out.line(`wrote ${envFile} (the values; NODE_EXTRA_CA_CERTS makes Node trust the fakes' test CA)`);
    out.line(`wrote ${secretsFile} (mode 0600; the fakes' test secrets)`);
    out.line(
      perMinute
        ? `traffic: ${perMinute} login(s) a minute to the new tenant once our login script is deployed there (seed ${seed}; \`logs\` shows them)`
        : 'traffic: off (--logins-per-minute 0): nobody logs in to the new tenant by themselves'
    );
    out.line(`for \`try login\`: user ${w.tryUser.email}, password: ${w.tryUser.password}`);
    out.line(`ready: in another terminal, cd ${dir} && source ${ENV_FILE}, then follow docs/runbook.md from step 1; Ctrl-C here ends the rehearsal`);
    const sig = await stopped;
    const end = w.describe();
    out.line(`${sig}: stopping. new tenant: ${end.new.users} user(s), ${end.new.passwordResets} password-reset email(s) requested, login script: ${end.new.login}`);
    out.line(trafficLine(end.traffic));
    const code = sig === 'SIGINT' ? EXIT.INTERRUPTED : EXIT.OK;
    out.result({ command: 'rehearse', ok: code === EXIT.OK, exitCode: code, interrupted: sig === 'SIGINT', dir, files: [envFile, secretsFile], values: w.values, end });
    return code;
  } finally {
    await w.close();
  }
}

module.exports = {
  name: 'rehearse',
  summary: 'start fake old and new tenants on this machine to practise the runbook offline',
  usage: 'rehearse [--dir DIR] [--users N] [--logins-per-minute N] [--seed N] [--verbose]',
  description: `
Starts a fake old tenant (sample users in the connection "legacy-db", a Migration App) and a fake new
tenant (an empty database connection, an M2M app for this tool) on 127.0.0.1, writes into DIR
migration.env (the ALM_* values) and secrets.json (the two client secrets, mode 0600) in the shape
docs/runbook.md describes, prints the user and password to give \`try login\`, and serves until
Ctrl-C (exit 130) or SIGTERM (exit 0). Then, in another terminal: cd DIR, \`source migration.env\`,
and follow the runbook from step 1, verbatim. Each start picks new ports: source migration.env again.

The fakes serve HTTPS with a certificate of a throw-away test CA (target/test-ca/, made on first use
with node-forge, a dev dependency: run this from a clone after \`npm ci\`). migration.env sets
NODE_EXTRA_CA_CERTS to that CA so that the commands (and the scripts they run) trust the fakes while
keeping certificate checks on, as against Auth0. Node reads it only at start, and only in that shell:
never set it where you work with real tenants.

Once \`deploy\` has put our login script on the new tenant's connection, users log in there by
themselves, as on a real migration: every so often (--logins-per-minute, default ${DEFAULT_LOGINS_PER_MINUTE}; 0 switches it
off) a user of the old tenant not yet migrated, mostly with the right password, sometimes a wrong one
or an email nobody has. The deployed script runs with the deployed settings in the sandbox emulation
\`try\` uses, the user is stored as "Import Users to Auth0" does, and the new tenant logs the outcome
(s, fp, fu, f), so \`logs\` and \`status\` show it before \`tail\`. Which user and which password
follow --seed (printed at start when not given): the same seed replays the same attempts.
--verbose prints one line per login; otherwise the count is printed on exit.

Refuses (exit 1, nothing started) to overwrite a migration.env or secrets.json it did not write: rehearse
in an empty folder, not in your real migration's.`,
  options: {
    dir: { type: 'string', arg: 'DIR', help: 'folder for migration.env and secrets.json, and where to run the runbook (default: the current one)' },
    users: { type: 'string', arg: 'N', help: 'sample users added to the old tenant (default 30)' },
    'logins-per-minute': { type: 'string', arg: 'N', help: `simulated logins to the new tenant a minute once our login script is deployed (default ${DEFAULT_LOGINS_PER_MINUTE}; 0: none)` },
    seed: { type: 'string', arg: 'N', help: 'seed of the simulated logins (who, which password): the same seed replays them (default: random, printed)' },
    verbose: { type: 'boolean', help: 'print one line per simulated login' },
  },
  run,
  MARKER,
};
