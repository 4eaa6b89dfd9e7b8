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
const net = require('./net');
// Known-harmless runtime warnings (Node 18's buffer.File...) stay off stderr, where the status line is.
require('./warnings').install();
const { didYouMean } = require('./suggest');
const facts = require('./command-facts');
const { environmentHelp, environmentVariables } = require('./environment');

// In the order of a migration (command-facts.js ORDER), so that the top-level help reads as one.
const COMMANDS = ['rehearse', 'build', 'doctor', 'try', 'deploy', 'export', 'status', 'logs', 'tail', 'reset-passwords', 'retire'];
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
rest in bulk. A migration, in order:
  ${facts.orderLine()}
The walk-through is docs/runbook.md; \`${options.BIN} rehearse\` practises it offline, against fake tenants.
Users come from another Auth0 tenant by default; every command takes --source rest (a user store of
your own serving docs/rest-contract.md), oidc, firebase or cognito instead: the runbook's "Other
sources" has the steps.

Commands:
${rows.join('\n')}

Run \`${options.BIN} <command> --help\` for a command's options.

Values come from flags or environment variables; secrets only from the environment or from a JSON file
named by --secrets-file, never from flags, and they are never printed. Every variable read:
${environmentHelp(COMMANDS.map(load)).join('\n')}

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

/**
 * `--help --json`: the top-level help as one JSON object (usage, the common options, the commands), so
 * a wrapper reads it instead of scraping text. Built from the same definitions as topHelp.
 */
function topHelpJson() {
  return {
    command: 'help',
    usage: `${options.BIN} <command> [options]`,
    options: Object.entries(options.COMMON).map(([n, o]) => options.optionJson(n, o, 'Common')),
    secretsFromEnvironment: options.SECRET_ENV,
    environment: environmentVariables(COMMANDS.map(load)),
    commands: COMMANDS.map((n) => ({ name: n, summary: load(n).summary, usage: `${options.BIN} ${load(n).usage}` })),
  };
}

/** Every ALM_* name any command reads (the secrets file may hold only these), from the option specs. */
const knownEnv = () => environmentVariables(COMMANDS.map(load)).map((v) => v.name);

const unknownCommand = (name) => new UsageError(`unknown command "${name}"${didYouMean(name, COMMANDS)}`, { hint: `run \`${options.BIN} --help\` for the list` });

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
  // --help, -h, help [COMMAND]: text, or with --json one JSON object (in any order: --json --help too).
  const helpFlag = (a) => a === '--help' || a === '-h';
  if (helpFlag(name) || name === 'help' || (name === '--json' && rest.some(helpFlag))) {
    const asJson = argv.includes('--json');
    const target = name === 'help' ? rest.find((a) => !a.startsWith('-')) : undefined;
    if (target !== undefined && !COMMANDS.includes(target)) return fail(new Output({ json: asJson }), unknownCommand(target));
    const text = target === undefined ? topHelp() : options.helpText(load(target));
    const obj = asJson && (target === undefined ? topHelpJson() : options.helpJson(load(target)));
    process.stdout.write(asJson ? `${JSON.stringify(obj, null, 2)}\n` : text);
    return EXIT.OK;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write(`${options.BIN} ${VERSION}\n`);
    return EXIT.OK;
  }
  const json = rest.includes('--json');
  const out = new Output({ json });
  if (!COMMANDS.includes(name)) return fail(out, unknownCommand(name));
  const cmd = load(name);
  const spec = { ...options.COMMON, ...(cmd.options || {}) };
  for (const [, group] of cmd.groups || []) Object.assign(spec, group);
  try {
    const { values, positionals } = options.parse(rest, spec, { positionals: cmd.positionals || 0 });
    if (values.help) {
      process.stdout.write(values.json ? `${JSON.stringify(options.helpJson(cmd), null, 2)}\n` : options.helpText(cmd));
      return EXIT.OK;
    }
    const env = { ...process.env };
    if (values['secrets-file'])
      Object.assign(
        env,
        options.loadSecretsFile(values['secrets-file'], (m) => out.warn(m), knownEnv())
      );
    for (const k of options.SECRET_ENV) out.addSecret(env[k]);
    // Every request, the built scripts' in the sandbox included, through one fetch: proxy, --debug.
    net.configure({ env, out, debug: values.debug });
    net.install();
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
