'use strict';
/**
 * `retire`: the end of the migration. The retired scripts (dist/retired/) answer "no such user"
 * without asking the old tenant, so the old tenant can be switched off; Import Users stays on.
 * Without --deploy this only builds them if needed and says where they go; with --deploy it installs
 * them on the new tenant's connection (and removes the old tenant's settings, which they do not read).
 *
 * Installing them is the one step that can leave users behind for good: an old user who is not in the
 * new tenant by then can never log in again. So --deploy first exports both tenants and plans exactly
 * as `tail` does, and refuses while any old user of the connection is neither in the new tenant nor
 * blocked, whatever the reason (never imported, email conflict, unmappable...). The only way past is
 * `--accept-loss N` with N the exact count, so nobody is left behind by a stale or guessed number.
 * Then it is planned and confirmed like `deploy` (plan.js); the plan also holds who is left behind, so
 * a reviewed plan (--plan FILE) is refused once that list changed.
 */

const fs = require('node:fs');
const path = require('node:path');
const { OLD_TENANT, NEW_TENANT, DIST, newTenant } = require('../options');
const { distDir, readDist, loadEngine, DEFAULT_DIST } = require('../dist');
const { newTenantClient } = require('../auth0');
const bulk = require('../bulk');
const { IMPORT_LIST } = require('../stream/join');
const { deployToConnection } = require('./deploy');
const { runMake } = require('./build');
const { BACKUP_OPTIONS } = require('../backup');
const { PLAN_OPTIONS, planMode } = require('../plan');
const { EXIT, UsageError } = require('../errors');
const { SOURCE_OPTION, SOURCE_GROUPS, refuseUnlisted } = require('../source');
const { oldSide } = require('../old-side');

const SHOWN_TEXT = 50;
const SHOWN_JSON = 1000;

/** --accept-loss: a count of users, or undefined. */
function acceptLossOption(values) {
  const v = values['accept-loss'];
  if (v === undefined) return undefined;
  if (!values.deploy) throw new UsageError('--accept-loss goes with --deploy', { hint: 'retire --deploy --accept-loss N' });
  if (!/^\d+$/.test(String(v).trim())) {
    throw new UsageError(`--accept-loss takes the number of users left behind (got "${v}")`, { hint: 'run `auth0-lazy-migrate retire --deploy --dry-run` to see the count' });
  }
  return Number(String(v).trim());
}

function pollOption(values) {
  if (values['poll-interval'] === undefined) return 3000;
  const n = Number(values['poll-interval']);
  if (!Number.isInteger(n) || n < 10 || n > 600000) throw new UsageError('--poll-interval must be an integer from 10 to 600000');
  return n;
}

/**
 * Exports both tenants and plans as `tail` does. Returns {counts, leftBehind: [{user_id, email}], digest}:
 * the old users of the connection who are neither in the new tenant nor blocked, the first IMPORT_LIST
 * of them by name (counts.leftBehind has them all) and the digest of all of them.
 */
async function leftBehind(ctx, { side, target, engine, pollMs }) {
  const { out } = ctx;
  const { settings } = side;
  const oldClient = side.client;
  const newClient = newTenantClient(target, out);
  out.info(`checking that nobody is left behind: ${side.listed ? 'listing the source and exporting the new tenant' : 'exporting both tenants'} (as \`tail\` does)`);
  // Streamed (bulk.js): counts, and who is left behind (named up to IMPORT_LIST, digested all).
  const work = bulk.tempWorkDir();
  let p;
  try {
    ({ plan: p } = await bulk.exportAndPlan(oldClient, newClient, { settings, target, engine, pollMs, out, dir: work.dir, leftBehind: true, listed: side.listed }));
  } finally {
    work.done();
  }
  const counts = { old: p.old, present: p.present.count, blocked: p.blocked.count, leftBehind: p.leftBehind.count };
  out.line(`${side.title}: ${counts.old} user(s); in the new tenant: ${counts.present}; blocked: ${counts.blocked}; left behind: ${counts.leftBehind}`);
  return { counts, leftBehind: p.leftBehind.items, digest: p.leftBehindDigest.value() };
}

/** Prints who would be left behind and refuses (exit 1); changes nothing. */
function refuse(ctx, { counts, leftBehind: left }, side) {
  const { out } = ctx;
  const n = counts.leftBehind;
  out.line('');
  out.line(
    `refused: ${n} user(s) of ${side.listed ? side.title : `"${side.settings.Connection}"`} are neither in the new tenant nor blocked; the retired scripts would answer "no such user" to them for good:`
  );
  for (const u of left.slice(0, SHOWN_TEXT)) out.line(`  ${u.user_id}  ${u.email === null ? '(no email)' : u.email}`);
  if (n > SHOWN_TEXT) out.line(`  ... and ${n - SHOWN_TEXT} more (--json lists up to ${SHOWN_JSON})`);
  const hint = `run \`auth0-lazy-migrate tail\` to import them, then \`retire --deploy\` again; to leave ${n === 1 ? 'this user' : `exactly these ${n}`} behind, add --accept-loss ${n}`;
  out.line(`  fix: ${hint}`);
  out.line('nothing was changed');
  out.result({
    command: 'retire',
    ok: false,
    exitCode: EXIT.FAILED,
    counts,
    leftBehindCount: n,
    leftBehind: left.slice(0, SHOWN_JSON),
    error: { message: `${n} user(s) would be left behind`, hint },
  });
  return EXIT.FAILED;
}

/** The --deploy options, checked before anything is built or asked (exit 2). */
function deployOptions(ctx) {
  const { values } = ctx;
  const acceptLoss = acceptLossOption(values);
  const pollMs = pollOption(values);
  const mode = planMode(ctx, 'retire --deploy');
  const side = oldSide(ctx, 'retire', { connection: 'retire checks that every user of this old connection is in the new tenant' });
  const target = newTenant(ctx);
  return { acceptLoss, pollMs, mode, side, target };
}

async function deploy(ctx, scripts, { acceptLoss, pollMs, mode, side, target }) {
  const { settings } = side;
  const { out } = ctx;
  const engine = loadEngine(distDir(ctx));

  const guard = await leftBehind(ctx, { side, target, engine, pollMs });
  const n = guard.counts.leftBehind;
  if (acceptLoss !== undefined && acceptLoss !== n) {
    throw new UsageError(`--accept-loss ${acceptLoss} does not match: ${n} user(s) would be left behind`, {
      hint: n ? `review them with \`retire --deploy --dry-run\`; to leave exactly them behind, --accept-loss ${n}` : 'nobody is left behind: drop --accept-loss',
    });
  }
  if (n > 0 && acceptLoss === undefined) return refuse(ctx, guard, side);
  if (n > 0)
    out.warn(
      `--accept-loss ${n}: ${n} user(s) are left behind and will no longer be able to log in (${guard.leftBehind
        .slice(0, 3)
        .map((u) => u.user_id)
        .join(', ')}${n > 3 ? ', ...' : ''})`
    );

  out.line('');
  // The plan names who is left behind up to IMPORT_LIST of them, else holds their count and digest:
  // either way --plan applies only to exactly the same users.
  const left = n <= IMPORT_LIST ? guard.leftBehind.map((u) => u.user_id).sort() : { count: n, sha256Sum: guard.digest };
  return deployToConnection(ctx, {
    mode,
    scripts,
    configuration: {},
    what: 'the retired scripts',
    dropSettings: true,
    note: `This ends the migration on "${target.connection}": users not in the new tenant can no longer log in.`,
    planSettings: settings,
    planChange: { 'left behind': left, 'accepted loss': acceptLoss === undefined ? null : acceptLoss },
    extra: {
      counts: guard.counts,
      leftBehindCount: n,
      leftBehind: guard.leftBehind.slice(0, SHOWN_JSON),
      ...(acceptLoss !== undefined ? { acceptedLoss: acceptLoss } : {}),
    },
  });
}

async function run(ctx) {
  const { values, out } = ctx;
  refuseUnlisted(ctx, 'retire');
  if (!values.deploy) {
    for (const o of ['yes', 'accept-loss', 'plan-out', 'plan']) {
      if (values[o] !== undefined) throw new UsageError(`--${o} goes with --deploy`, { hint: 'retire --deploy --dry-run first, then retire --deploy' });
    }
  }
  const opts = values.deploy ? deployOptions(ctx) : null;
  const dir = distDir(ctx);
  const missing = ['retired/login.js', 'retired/get_user.js'].some((f) => !fs.existsSync(path.join(dir, f)));
  if (values.build || missing) {
    if (missing) out.info(`${path.join(dir, 'retired')} is missing: building`);
    await runMake({ out: dir === DEFAULT_DIST ? null : dir, dryRun: false, log: (m) => out.info(m) });
  }
  const login = readDist(dir, 'retired/login.js');
  const getUser = readDist(dir, 'retired/get_user.js');
  out.line('retired scripts (they answer "no such user" and call nothing):');
  out.line(`  ${login.file}  sha256 ${login.sha256.slice(0, 16)}  -> Custom Database > Login`);
  out.line(`  ${getUser.file}  sha256 ${getUser.sha256.slice(0, 16)}  -> Custom Database > Get User`);
  let code = EXIT.OK;
  if (values.deploy) {
    code = await deploy(ctx, { login: login.text, get_user: getUser.text }, opts);
  } else {
    out.line('install them with `auth0-lazy-migrate retire --deploy` (after `tail`), or paste them in the dashboard');
    out.result({ command: 'retire', ok: true, exitCode: code, scripts: [login, getUser].map((s) => ({ file: s.rel, sha256: s.sha256 })) });
  }
  if (code === EXIT.OK && !values['dry-run'] && values['plan-out'] === undefined) {
    out.line('');
    out.line('Keep "Import Users to Auth0" on. Once no script calls the old tenant any more, delete the');
    out.line("Migration App's client secret (or the app) on the old tenant, and the post-login Action there.");
  }
  return code;
}

module.exports = {
  name: 'retire',
  summary: 'build and (with --deploy) install the retired scripts: the migration is over',
  usage: 'retire [--deploy [--dry-run | --plan-out FILE | --plan FILE | --yes] [--accept-loss N] [--force]] [options]',
  description: `
At the end of the migration (after \`tail\`), the scripts stop asking the old tenant: dist/retired/login.js
answers every unknown user "wrong email or password" (logged as an unknown user) and
dist/retired/get_user.js answers "no such user". Builds them if they are missing (or with --build) and
prints where they go. With --deploy, installs them on the new tenant's connection like \`deploy\`
(same checks, --dry-run and --force) and removes the old tenant's settings from it.

--deploy first exports the old connection and the new one (as \`tail\` does) and refuses (exit 1,
nothing changed) while any old user is neither in the new tenant nor blocked: it lists them; run
\`tail\` to import them. Only --accept-loss N, with N exactly that count, goes ahead without them.
An export with no old user at all (a mistyped --connection) is refused (exit 3).
Then it prints the plan as \`deploy\` does and asks you to type yes on a terminal; off a terminal it
needs --yes (exit 1 without). --dry-run runs the check and prints the changes, writes nothing.
--plan-out FILE / --plan FILE: review the plan, then apply exactly it (refused, exit 1, if anything
differs now, the users left behind included).

--source rest, oidc, firebase or cognito: every user of the source is read from its own listing instead of an export
(as \`tail\` does); a source that cannot list is refused (exit 2), saying why.`,
  options: {
    ...SOURCE_OPTION,
    deploy: { type: 'boolean', help: "install them on the new tenant's connection" },
    ...Object.fromEntries(Object.entries(PLAN_OPTIONS).map(([k, o]) => [k, { ...o, help: `with --deploy: ${o.help}` }])),
    'accept-loss': { type: 'string', arg: 'N', help: 'with --deploy: go ahead although exactly N users would be left behind' },
    force: { type: 'boolean', help: 'with --deploy: replace scripts not written by auth0-lazy-migrate' },
    'poll-interval': { type: 'string', arg: 'MS', help: 'with --deploy: how often to poll the export jobs, in ms (default 3000)' },
    build: { type: 'boolean', help: 'rebuild first (make dist)' },
    ...BACKUP_OPTIONS,
  },
  groups: [['Old tenant (with --deploy: whose users must all be in the new tenant)', OLD_TENANT], ...SOURCE_GROUPS, ['New tenant (with --deploy)', NEW_TENANT], ['Build', DIST]],
  run,
};
