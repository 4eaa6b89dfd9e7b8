#!/usr/bin/env node
'use strict';
/**
 * auth0-lazy-migrate: the operator's command line for a lazy Auth0 tenant migration.
 *
 *   auth0-lazy-migrate <command> [options]      auth0-lazy-migrate <command> --help
 *
 * It ships next to the scripts it deploys and talks to Auth0 through the official `auth0` SDK
 * (js/cli/auth0.js). One file per command under
 * js/cli/commands/; this file parses the command line, loads secrets, runs the command and turns
 * its outcome into the documented exit code.
 */

const path = require('node:path');
const { EXIT, CliError, UsageError } = require('./errors');
const { Output } = require('./output');
const options = require('./options');

const COMMANDS = ['try', 'deploy', 'doctor', 'tail', 'reset-passwords', 'status', 'export', 'retire', 'build'];
const load = (name) => require(path.join(__dirname, 'commands', `${name}.js`));
const VERSION = (() => {
  try {
    return require('../../package.json').version;
  } catch {
    return 'unknown';
  }
})();

function topHelp() {
  const width = Math.max(...COMMANDS.map((n) => n.length));
  const rows = COMMANDS.map((n) => `  ${n.padEnd(width)} ${load(n).summary}`);
  return `Usage: ${options.BIN} <command> [options]

Move Auth0 users, passwords included, from an old tenant to a new one by lazy migration, then the
rest in bulk. A migration, in order: build, doctor --only old, try, deploy, doctor, status (repeatedly),
tail, reset-passwords, retire.
The walk-through is docs/runbook.md.

Commands:
${rows.join('\n')}

Run \`${options.BIN} <command> --help\` for a command's options.

Values come from flags or environment variables; secrets only from the environment or from a JSON file
named by --secrets-file, never from flags, and they are never printed:
  old tenant (the scripts' settings): ALM_DOMAIN, ALM_CLIENT_ID, ALM_CLIENT_SECRET, ALM_CONNECTION
  new tenant (this tool's M2M app):   ALM_NEW_DOMAIN, ALM_NEW_CLIENT_ID, ALM_NEW_CLIENT_SECRET, ALM_NEW_CONNECTION

Exit codes (one rule for every command; the README's table):
  0    done, every check passed
  1    a check failed, a tried login did not succeed, a change was refused (a script we did not
       write, users left behind, no confirmation), or some users were not imported or sent
  2    usage: unknown command or option, missing value, a value of the wrong shape, unknown settings key
  3    Auth0 or the local setup refused or failed (credentials, scopes, network, a connection that
       matches no user, dist/ missing or not matching its manifest, another run holding the lock)
  130  interrupted; \`tail\` and \`reset-passwords\` resume where they stopped when run again
`;
}

/** Writes and waits until both streams drained, so process.exit loses nothing on a pipe. */
function flush() {
  return Promise.all([process.stdout, process.stderr].map((s) => new Promise((resolve) => s.write('', resolve))));
}

async function run(argv) {
  const [name, ...rest] = argv;
  if (name === undefined) {
    process.stderr.write(topHelp());
    return EXIT.USAGE;
  }
  if (name === '--help' || name === '-h') {
    process.stdout.write(topHelp());
    return EXIT.OK;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${options.BIN} ${VERSION}\n`);
    return EXIT.OK;
  }
  if (name === 'help') {
    if (!rest[0]) {
      process.stdout.write(topHelp());
      return EXIT.OK;
    }
    if (!COMMANDS.includes(rest[0])) {
      process.stderr.write(`error: unknown command "${rest[0]}"\n`);
      return EXIT.USAGE;
    }
    process.stdout.write(options.helpText(load(rest[0])));
    return EXIT.OK;
  }
  const json = rest.includes('--json');
  const out = new Output({ json });
  if (!COMMANDS.includes(name)) {
    return fail(out, new UsageError(`unknown command "${name}"`, { hint: `run \`${options.BIN} --help\` for the list` }));
  }
  const cmd = load(name);
  const spec = { ...options.COMMON, ...(cmd.options || {}) };
  for (const [, group] of cmd.groups || []) Object.assign(spec, group);
  try {
    const { values, positionals } = options.parse(rest, spec, { positionals: cmd.positionals || 0 });
    if (values.help) {
      process.stdout.write(options.helpText(cmd));
      return EXIT.OK;
    }
    const env = { ...process.env };
    if (values['secrets-file'])
      Object.assign(
        env,
        options.loadSecretsFile(values['secrets-file'], (m) => out.warn(m))
      );
    for (const k of options.SECRET_ENV) out.addSecret(env[k]);
    const ctx = { values, positionals, env, out, spec, command: name };
    const code = await cmd.run(ctx);
    return code === undefined ? EXIT.OK : code;
  } catch (err) {
    return fail(out, err);
  }
}

function fail(out, err) {
  if (err instanceof CliError) {
    out.clearBar();
    if (out.json) {
      out.result({ command: process.argv[2], ok: false, exitCode: err.exitCode, error: { message: err.message, ...(err.hint ? { hint: err.hint } : {}) } });
    }
    out.info(`error: ${err.message}`);
    if (err.hint) out.info(`  fix: ${err.hint}`);
    if (err.exitCode === EXIT.USAGE) out.info(`  (see \`${options.BIN} ${COMMANDS.includes(process.argv[2]) ? `${process.argv[2]} ` : ''}--help\`)`);
    return err.exitCode;
  }
  out.info(`unexpected error: ${err && err.stack ? err.stack : err}`);
  if (out.json) out.result({ command: process.argv[2], ok: false, exitCode: EXIT.UPSTREAM, error: { message: String(err && err.message) } });
  return EXIT.UPSTREAM;
}

if (require.main === module) {
  run(process.argv.slice(2)).then(async (code) => {
    await flush();
    process.exit(code);
  });
}

module.exports = { run, COMMANDS };
