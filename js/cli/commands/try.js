'use strict';
/**
 * `try`: runs a built script (dist/login.js or dist/get_user.js) in the sandbox emulation against the
 * old tenant, with the settings the new tenant will hold, and shows what Auth0 would make of it: the
 * outcome, the tenant log event and the profile it would store. Secrets and the password never print.
 *
 * Only the new tenant is emulated: a `try login` is a real login on the old tenant. It shows in the
 * old tenant's logs and brute-force counters, and a deployed post-login Action marks the user
 * `migration_complete` although the new tenant never stores them. The help and the output say so,
 * and `try get_user` explains a "not found" that the mark causes.
 *
 * `--remote` runs the same login on Auth0 itself, through a temporary connection of the new tenant
 * (live-commands.js): the password is read here the same way, then handed over.
 */

const { createContainer } = require('../../sandbox');
const { OLD_TENANT, NEW_TENANT, DIST } = require('../options');
const { SOURCE_OPTION, SOURCE_GROUPS, pickSource, sourceSettings, sourceScripts } = require('../source');
const { runTryRemote } = require('../live-commands');
const { distDir, readDist, describeScript, isOurs } = require('../dist');
const { EXIT, CliError, UsageError } = require('../errors');

const EVENTS = {
  s: 'Success Login',
  fp: 'Failed Login (Incorrect Password)',
  fu: 'Failed Login (Invalid Email/Username)',
  f: 'Failed Login',
};
const OUTCOMES = ['success', 'wrong_password', 'unauthorized', 'error', 'found', 'not_found'];

/** Reads a password from the terminal without echoing it. */
function readHidden(prompt) {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    stdin.setRawMode(true); // before the prompt: what is typed once it shows is never echoed
    process.stderr.write(prompt);
    stdin.setEncoding('utf8');
    stdin.resume();
    let pw = '';
    const cleanup = () => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
    };
    function onData(chunk) {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          cleanup();
          resolve(pw);
          return;
        }
        if (ch === '\u0003') {
          cleanup();
          reject(new CliError('interrupted', EXIT.INTERRUPTED));
          return;
        }
        if (ch === '\u007f' || ch === '\b') pw = pw.slice(0, -1);
        else if (ch >= ' ') pw += ch;
      }
    }
    stdin.on('data', onData);
  });
}

/** Reads the password as the first line of stdin (a pipe or a file). */
async function readPiped() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  const line = text.split(/\r?\n/)[0];
  if (!line)
    throw new UsageError('no password on stdin (its first line is empty): nothing was sent to the old tenant', { hint: 'pipe the password in as the first line, or run on a terminal to be asked' });
  return line;
}

/**
 * The password of `identifier`: asked without echo on a terminal, else the first line of stdin; masked
 * in everything printed from here on (`doctor --source rest --user` reads its test user's this way too).
 */
async function readPassword(out, identifier, where = 'the old tenant') {
  const password = process.stdin.isTTY ? await readHidden(`Password for ${identifier} (not echoed): `) : await readPiped();
  // An empty password would be a real failed login (the source's logs and brute-force counters),
  // and it proves nothing: refuse it before anything is sent.
  if (password === '') throw new UsageError(`empty password: nothing was sent to ${where}`, { hint: 'type the password at the prompt (it is not echoed), or pipe it in as the first line of stdin' });
  out.addSecret(password);
  return password;
}

/** What a successful `try login` did to the old tenant, said every time: it is easy to forget. */
const SIDE_EFFECTS = [
  'note: this was a real login on the old tenant (its logs show it). If the post-login Action is',
  '  deployed there, it marked this user migration_complete, yet the new tenant did not store them:',
  '  `tail` imports marked users who are missing from the new tenant, so nobody is left behind.',
];

/** Why get_user answered "not found", when the script's own rules can tell (see markedReason). */
const REASONS = {
  marked_migrated: [
    'why: the old tenant has this user, marked migration_complete (by the post-login Action after a',
    '  successful password check, e.g. an earlier `try login`); get_user does not offer marked users',
    '  (setting Skip_Migrated_Users, default true). If the new tenant lacks them, `tail` imports them.',
  ],
};

/**
 * Runs get_user once more with Skip_Migrated_Users=false: if the user is then found, the mark was
 * the reason for "not found". The script decides both times; nothing here re-implements its rules.
 */
async function markedReason(script, settings, identifier) {
  const again = await createContainer({ configuration: { ...settings, Skip_Migrated_Users: 'false' } }).invoke(script.text, { kind: 'get_user', args: [identifier] });
  return again.outcome === 'found' ? 'marked_migrated' : null;
}

async function run(ctx) {
  const { values, positionals, out } = ctx;
  const kind = positionals[0] || 'login';
  if (kind !== 'login' && kind !== 'get_user') throw new UsageError(`the script is login or get_user (got "${kind}")`);
  const identifier = values.user;
  if (!identifier) throw new UsageError('missing --user (the email or username to try)');
  const expect = values.expect || (kind === 'login' ? 'success' : 'found');
  if (!OUTCOMES.includes(expect)) throw new UsageError(`--expect is one of ${OUTCOMES.join(', ')}`);
  if (values.remote && kind !== 'login') throw new UsageError('--remote runs the Login script only (Auth0 calls Get User in flows no token request can start)');
  if (values.remote && values.retired) throw new UsageError("--remote runs the source's login.js only, not the retired scripts");
  if (values.remote && values.context) throw new UsageError('--remote runs the script as Auth0 calls it; --context is for the emulation only');
  const src = pickSource(ctx);
  if (src.name !== 'auth0' && values.retired) {
    throw new UsageError(`--source ${src.name}: --retired is for the auth0 source only`, { hint: 'the retired scripts are the same for every source: try them with --source auth0' });
  }
  const settings = sourceSettings(ctx, src);
  const script = values.retired ? readDist(distDir(ctx), `retired/${kind}.js`) : sourceScripts(ctx, src)[kind];

  let args = [identifier];
  if (kind === 'login') args = [identifier, await readPassword(out, identifier, src.name === 'auth0' ? 'the old tenant' : `the ${src.name} source`)];
  if (values.remote) return runTryRemote(ctx, { identifier, password: args[1], expect, settings, script, src });

  const container = createContainer({ configuration: settings });
  const report = await container.invoke(script.text, { kind, args, withContext: !!values.context });
  const ok = report.outcome === expect;
  // The migration_complete mark is the auth0 source's (the post-login Action); other sources have none.
  const reason = src.name === 'auth0' && kind === 'get_user' && report.outcome === 'not_found' && !values.retired ? await markedReason(script, settings, identifier) : null;
  // Our shim takes the callback from the last argument, so the sandbox's arity note is noise here.
  if (isOurs(script.text)) report.warnings = report.warnings.filter((w) => !/declares \d+ parameters but Auth0 passes/.test(w));

  const lines = [];
  lines.push(`${kind} for ${identifier}: ${report.outcome}${ok ? '' : ` (expected ${expect})`}`);
  lines.push(`script: ${script.rel} ${describeScript(script.text) || '(not built by auth0-lazy-migrate)'}, sha256 ${script.sha256.slice(0, 16)}`);
  if (report.event) lines.push(`Auth0 log event: ${report.event} (${EVENTS[report.event] || 'unknown'})`);
  else if (kind === 'get_user') lines.push('Auth0 log event: none (Get User writes no login event)');
  if (report.stored) {
    lines.push(`user id in the new tenant: ${report.stored.user_id}`);
    lines.push('profile Auth0 would store:');
    for (const l of JSON.stringify(report.stored, null, 2).split('\n')) lines.push(`  ${l}`);
  }
  if (report.error) lines.push(`error: ${report.error.name}: ${report.error.message}`);
  if (reason) lines.push(...REASONS[reason]);
  if (kind === 'login' && report.outcome === 'success') lines.push(...(src.name === 'auth0' ? SIDE_EFFECTS : [`note: this was a real password check on your ${src.name} source (its logs show it)`]));
  for (const [title, list] of [
    ['violations of the Auth0 contract', report.violations],
    ['warnings', report.warnings],
  ]) {
    if (list.length) {
      lines.push(`${title}:`);
      for (const v of list) lines.push(`  - ${v}`);
    }
  }
  if (report.logs.length) {
    lines.push('script log:');
    for (const l of report.logs.slice(0, 20)) lines.push(`  [${l.level}] ${l.text}`);
  }
  lines.push(`callback called ${report.callbackCalls} time(s) in ${report.durationMs} ms`);
  for (const l of lines) out.line(l);

  const code = ok ? EXIT.OK : EXIT.FAILED;
  out.result({
    command: 'try',
    ok,
    exitCode: code,
    source: src.name,
    script: script.rel,
    scriptSha256: script.sha256,
    identifier,
    outcome: report.outcome,
    expected: expect,
    ...(reason ? { reason } : {}),
    event: report.event,
    profile: report.stored,
    newTenantUserId: report.stored ? report.stored.user_id : null,
    error: report.error,
    violations: report.violations,
    warnings: report.warnings,
    logs: report.logs,
    callbackCalls: report.callbackCalls,
    durationMs: report.durationMs,
  });
  return code;
}

module.exports = {
  name: 'try',
  summary: 'run dist/login.js or dist/get_user.js against the old tenant, as Auth0 would',
  usage: 'try [login|get_user] --user EMAIL_OR_USERNAME [options]',
  positionals: 1,
  description: `
Runs a built script in an emulation of Auth0's custom-database sandbox, against the old tenant, with
the settings you will give the new tenant. Prints the outcome, the Auth0 log event, and the profile
Auth0 would store (and its user id in the new tenant). For login, the password is asked without echo
on a terminal, or read as the first line of stdin otherwise.

Only the new tenant is emulated; the old tenant is real. \`try login\` is a real login there: it shows
in the old tenant's logs and brute-force counters, and if the post-login Action is deployed it marks
the user migration_complete, although the new tenant does not store the user (\`tail\` imports such
users later). Nothing is written to local files, nor (but with --remote) to the new tenant. When get_user answers
"not found" because of that mark, \`try get_user\` says so.

With --remote (login only), the script runs on Auth0 itself instead of the emulation: the source's
login.js (dist/login.js for the auth0 source) and these settings go to a temporary connection of the NEW tenant (named alm-probe-..., enabled for
this tool's app only, import off), one login of the user is made through it (the Password grant of
this tool's app there), the outcome and the profile Auth0 built from the ID token's claims are
printed, and the connection is deleted: at the end, on an error and on Ctrl-C. It proves what the
emulation cannot: that Auth0's runtime runs the script and reaches the old tenant from Auth0's egress.
Needs the new tenant's values (--new-domain, --new-client-id, ALM_NEW_CLIENT_SECRET), the scopes
create:connections, read:connections, update:connections and delete:connections, and the Password grant
on this tool's app.

With --source rest, dist/rest/login.js or dist/rest/get_user.js runs instead, against your user store
(docs/rest-contract.md), with the settings Base_URL (--rest-base-url), Shared_Secret
(ALM_REST_SHARED_SECRET) and the optional paths; a login is a real password check on the store, which
counts a wrong one. With --source oidc (and any other source), its dist/<source>/ scripts run the
same way. --remote works for every source: the source's login.js goes to the temporary connection, so
it also proves that Auth0's egress reaches your store or provider. --retired is for the auth0 source.

Exit 0 when the outcome is the expected one (login: success, get_user: found), else 1 (--remote: 3
when Auth0 refused the setup, 130 when interrupted).`,
  options: {
    ...SOURCE_OPTION,
    user: { type: 'string', arg: 'ID', help: 'the email or username to try' },
    expect: { type: 'string', arg: 'OUTCOME', help: `the outcome that means success (${OUTCOMES.join(', ')})` },
    context: { type: 'boolean', help: 'call with a script context (the 4-argument form Auth0 uses when enabled)' },
    retired: { type: 'boolean', help: 'try dist/retired/ (the end-of-migration scripts) instead' },
    remote: { type: 'boolean', help: "run the source's login.js on Auth0 itself, on a temporary connection of the new tenant (then deleted)" },
  },
  groups: [["Old tenant (the scripts' settings)", OLD_TENANT], ...SOURCE_GROUPS, ['New tenant (--remote only)', NEW_TENANT], ['Build', DIST]],
  footer: `
Examples:
  ALM_CLIENT_SECRET=... auth0-lazy-migrate try login --user ada@example.com \\
      --domain old.eu.auth0.com --client-id abc123 --connection legacy-db
  auth0-lazy-migrate try get_user --user ada@example.com --json ...`,
  run,
  readPassword,
};
