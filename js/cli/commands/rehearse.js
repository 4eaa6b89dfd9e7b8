'use strict';
/**
 * `rehearse`: a whole migration's world on this machine, so an operator can practise docs/runbook.md,
 * verbatim, before touching a real tenant (and tests/js/runbook.test.js runs the runbook against it).
 *
 * Starts the fake old tenant (the seed population plus a sample of ordinary users) and the fake new
 * tenant (an empty database connection, an M2M app for this tool) on loopback (js/fakes/world.js),
 * writes migration.env and secrets.json into --dir in the shape the runbook describes, prints what to
 * do, and serves until Ctrl-C (exit 130, as every interrupted command) or SIGTERM (exit 0).
 *
 * It never overwrites files it did not write: migration.env must carry MARKER on its first line, and
 * secrets.json must hold exactly the rehearsal's test secrets, else it stops (exit 1) before starting.
 */

const fs = require('node:fs');
const path = require('node:path');
const { EXIT, CliError, UpstreamError } = require('../errors');

const MARKER = '# written by auth0-lazy-migrate rehearse: fake tenants on this machine, not a real migration';
const ENV_FILE = 'migration.env';
const SECRETS_FILE = 'secrets.json';

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

async function run(ctx) {
  const { values, out } = ctx;
  const dir = path.resolve(values.dir || '.');
  const sample = values.users === undefined ? undefined : Number(values.users);
  if (sample !== undefined && !(Number.isInteger(sample) && sample >= 0 && sample <= 10000)) {
    throw new CliError(`--users must be an integer from 0 to 10000 (got "${values.users}")`, EXIT.USAGE, { hint: 'e.g. --users 300' });
  }
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
  const w = await world.startWorld({ sampleSize: sample });
  try {
    writeFile(envFile, envText(w.values, w.caPath), 0o644);
    writeFile(secretsFile, secretsText, 0o600);
    const d = w.describe();
    out.line('Rehearsal: two fake Auth0 tenants on this machine (nothing leaves it):');
    out.line(`  old tenant ${w.values.ALM_DOMAIN}, connection "${w.values.ALM_CONNECTION}": ${d.old.users} user(s), ${d.old.blocked} blocked`);
    out.line(`  new tenant ${w.values.ALM_NEW_DOMAIN}, connection "${w.values.ALM_NEW_CONNECTION}": empty`);
    out.line(`wrote ${envFile} (the values; NODE_EXTRA_CA_CERTS makes Node trust the fakes' test CA)`);
    out.line(`wrote ${secretsFile} (mode 0600; the fakes' test secrets)`);
    out.line(`for \`try login\`: user ${w.tryUser.email}, password: ${w.tryUser.password}`);
    out.line(`ready: in another terminal, cd ${dir} && source ${ENV_FILE}, then follow docs/runbook.md from step 1; Ctrl-C here ends the rehearsal`);
    const sig = await stopped;
    const end = w.describe();
    out.line(`${sig}: stopping. new tenant: ${end.new.users} user(s), ${end.new.passwordResets} password-reset email(s) requested, login script: ${end.new.login}`);
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
  usage: 'rehearse [--dir DIR] [--users N]',
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

Refuses (exit 1, nothing started) to overwrite a migration.env or secrets.json it did not write: rehearse
in an empty folder, not in your real migration's.`,
  options: {
    dir: { type: 'string', arg: 'DIR', help: 'folder for migration.env and secrets.json, and where to run the runbook (default: the current one)' },
    users: { type: 'string', arg: 'N', help: 'sample users added to the old tenant (default 30)' },
  },
  run,
  MARKER,
};
