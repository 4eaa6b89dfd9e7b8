'use strict';
/**
 * Plan, confirm, apply: the one path every command that changes a tenant takes (`deploy`, `deploy
 * --restore`, `tail`, `retire --deploy`, `reset-passwords`), as Terraform does it. A command computes
 * what it would change, prints it, and only then asks this module whether to go ahead:
 *
 * - `--dry-run`: the plan is printed and the command stops (exit 0). Nothing is written: no state
 *   file, no lock, no backup, no plan file.
 * - `--plan-out FILE`: the plan is also written to FILE (JSON, mode 0600) and the command stops
 *   (exit 0), nothing changed. FILE holds no secret and no token: settings appear only as salted
 *   hashes (settings.js settingsRecord, one per key, so a difference can name the key without a value),
 *   scripts by SHA-256, the connection as read only as hashes of its options (configuration values
 *   left out, as in a backup). It does name users (ids, emails) for `tail` and `reset-passwords`.
 * - `--plan FILE`: the plan is computed again now and compared with the reviewed one. Any difference
 *   (another tenant, connection or build, a setting with another value, a script or an option that
 *   changed on the tenant since, other users left behind) refuses it (exit 1), naming each difference;
 *   the same plan is applied without asking again (`terraform apply planfile`). For the commands that
 *   act on a list of users (`tail`, `reset-passwords`), users are not a difference but a limit: who
 *   needs nothing any more (migrated by a login, sent an email meanwhile) is left out and said, and
 *   who is not in the reviewed plan is never acted on (said, with the way to review them).
 *   A plan file is refused (exit 1) when it is older than PLAN_TTL_MS (the tenant has moved on since
 *   anybody looked), when its digest does not match its content (edited by hand), or (exit 2) when it
 *   is for another command or not a plan at all.
 * - Otherwise a confirmation: `--yes` answers it in scripts; on a terminal the operator types `yes`
 *   at `Type yes to apply:` (anything else, or end of input, aborts with exit 1, nothing changed;
 *   Ctrl-C is exit 130); off a terminal without `--yes` the command refuses (exit 1) with the fix.
 *   A plan that changes nothing (no user to import) is applied without a question.
 *
 * The digest is a checksum against edits and truncation, not a signature: whoever can write the plan
 * file can run the command. What protects the tenant is the comparison with the plan computed now.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { BIN } = require('./options');
const { distDir } = require('./dist');
const { settingsRecord, compareRecord } = require('./settings');
const { EXIT, CliError, UsageError, UpstreamError } = require('./errors');

const FORMAT = 'auth0-lazy-migrate plan';
const VERSION = 1;
/** How long a reviewed plan may be applied: after a day, review the tenant again. */
const PLAN_TTL_MS = 24 * 3600 * 1000;
/** A plan made this far in the future (clocks of two machines) is still accepted. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const PROMPT = 'Type yes to apply: ';
/** `change` keys under this prefix describe the tenant as read, not what is changed. */
const AS_READ = 'as read: ';
const SHOWN = 20;
const FIX = 'add --yes, or review with --plan-out FILE and apply with --plan FILE';

/** The options of every command that changes a tenant (a command may reword a help text). */
const PLAN_OPTIONS = {
  'dry-run': { type: 'boolean', help: 'print the plan and stop: change nothing, write nothing' },
  yes: { type: 'boolean', help: 'apply without asking (required off a terminal, unless --plan)' },
  'plan-out': { type: 'string', arg: 'FILE', help: 'write the plan to FILE (JSON, 0600, no secrets) and change nothing' },
  plan: { type: 'string', arg: 'FILE', help: 'apply the plan --plan-out wrote, only if it is still what would be done (refused otherwise)' },
};

const sha256 = (v) => crypto.createHash('sha256').update(v).digest('hex');

/** JSON with every object's keys sorted: one text per value, for digests and comparisons. */
function canonicalJson(v) {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v === undefined ? null : v);
}

/** The hash a plan keeps of a value as read from the tenant (never the value). */
const stateHash = (v) => sha256(canonicalJson(v === undefined ? null : v));

/** The digest of a plan document: everything but the digest itself. */
function digestOf(doc) {
  const { digest, ...rest } = doc;
  return sha256(canonicalJson(rest));
}

/** The SHA-256 of the build's dist/manifest.json (it names every built file's hash), or null. */
function distHash(ctx) {
  try {
    return sha256(fs.readFileSync(path.join(distDir(ctx), 'manifest.json')));
  } catch {
    return null;
  }
}

const sample = (ids, n = SHOWN) => `${ids.slice(0, n).join(', ')}${ids.length > n ? `, ... (${ids.length - n} more)` : ''}`;

/**
 * Reads and checks the options, and a --plan file, before the first request: a wrong combination is
 * exit 2, a stale or edited plan file exit 1, so nothing is asked of any tenant for a plan that cannot
 * be applied. `command` is how the plan names the command ('deploy', 'deploy --restore', ...).
 */
function planMode(ctx, command, { now = Date.now() } = {}) {
  const v = ctx.values;
  const out = v['plan-out'];
  const file = v.plan;
  if (out !== undefined && file !== undefined) throw new UsageError('--plan-out and --plan do not go together', { hint: 'review with --plan-out FILE, then apply with --plan FILE' });
  if (out !== undefined && v['dry-run']) throw new UsageError('--dry-run and --plan-out do not go together: --plan-out already changes nothing', { hint: 'drop --dry-run' });
  for (const [flag, f] of [
    ['--plan-out', out],
    ['--plan', file],
  ]) {
    if (f !== undefined && String(f).trim() === '') throw new UsageError(`${flag} needs a file name`);
  }
  const reviewed = file !== undefined ? readPlan(file, command, now) : null;
  return { command, now, dryRun: !!v['dry-run'], planOut: out !== undefined ? path.resolve(out) : null, file: file !== undefined ? path.resolve(file) : null, reviewed, yes: !!v.yes };
}

/** Whether this run stops after the plan (writes nothing): --dry-run or --plan-out. */
const stops = (mode) => mode.dryRun || mode.planOut !== null;

/**
 * The plan document. `settings`: the old tenant's settings given to the command (each kept as a salted
 * hash); `change`: what the command would change, JSON values, compared as they are (keys starting with
 * AS_READ: hashes of the tenant as read); `users`: [{user_id, email}] acted on, or null.
 */
function buildPlan(mode, { domain, connection, dist, settings = null, change = {}, users = null }) {
  const doc = {
    format: FORMAT,
    version: VERSION,
    command: mode.command,
    domain,
    connection: { id: (connection && connection.id) || null, name: (connection && connection.name) || null },
    dist: dist || null,
    createdAt: new Date(mode.now).toISOString(),
    expiresAt: new Date(mode.now + PLAN_TTL_MS).toISOString(),
    settings: settings ? Object.fromEntries(Object.keys(settings).map((k) => [k, settingsRecord({ [k]: settings[k] })])) : null,
    change,
    users: users ? [...users].sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0)) : null,
  };
  doc.digest = digestOf(doc);
  return doc;
}

/** Writes a plan file: mode 0600, whole or not at all (temp file and rename). Fails as the local setup (exit 3). */
function writePlan(file, doc) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(tmp, 0o600);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw new UpstreamError(`cannot write the plan to ${file}: ${err.code || err.message}; nothing was changed`, { hint: 'give --plan-out a file in a writable folder' });
  }
}

/** Reads a --plan file and refuses one that cannot be applied (see the module's comment). */
function readPlan(file, command, now) {
  const again = `write a fresh plan with \`${BIN} ${command} --plan-out FILE\`, review it, then apply it with --plan FILE`;
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--plan ${file}: ${err.code ? `cannot read it (${err.code})` : 'not valid JSON'}`, { hint: again });
  }
  if (!doc || doc.format !== FORMAT || doc.version !== VERSION) throw new UsageError(`--plan ${file} is not a plan written by ${BIN} --plan-out`, { hint: again });
  if (doc.digest !== digestOf(doc)) {
    throw new CliError(`--plan ${file} was edited after it was written (its digest does not match its content): refused, nothing was changed`, EXIT.FAILED, { hint: again });
  }
  if (doc.command !== command) throw new UsageError(`--plan ${file} is a plan for \`${doc.command}\`, not for \`${command}\``, { hint: `apply it with \`${BIN} ${doc.command} --plan ${file}\`` });
  const made = Date.parse(doc.createdAt);
  const until = Date.parse(doc.expiresAt);
  if (!(made <= now + CLOCK_SKEW_MS) || !(now <= until) || !(until - made <= PLAN_TTL_MS)) {
    throw new CliError(`--plan ${file} was made at ${doc.createdAt}, valid until ${doc.expiresAt}: too old to apply (the tenant may have changed since); nothing was changed`, EXIT.FAILED, {
      hint: again,
    });
  }
  return doc;
}

/** A `change` value for people: "replace sha256 1a2b... -> 3c4d...", "add (none) -> true", a list. */
function show(v) {
  if (v === undefined) return '(no change)';
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    if ('toSha256' in v) return `${v.op} sha256 ${String(v.fromSha256 || '(none)').slice(0, 12)} -> ${String(v.toSha256 || '(none)').slice(0, 12)}`;
    if ('from' in v) return `${v.op} ${v.from} -> ${v.to}`;
    if (Array.isArray(v.keys)) return `keys ${v.keys.join(', ') || '(none)'}${v.dropped && v.dropped.length ? `, dropping ${v.dropped.join(', ')}` : ''}`;
  }
  if (Array.isArray(v)) return v.length ? `${v.length}: ${sample(v, 5)}` : 'none';
  const t = JSON.stringify(v);
  return t.length > 80 ? `${t.slice(0, 77)}...` : t;
}

/**
 * What differs between the reviewed plan and the one computed now (the users excepted: see
 * restrictToPlan). `settings`: the settings given now, in clear, compared with the plan's salted hashes.
 */
function differences(reviewed, now, settings) {
  const d = [];
  if (reviewed.domain !== now.domain) d.push(`new tenant: ${reviewed.domain} in the plan, ${now.domain} now`);
  const rc = reviewed.connection || {};
  const nc = now.connection;
  if (rc.name !== nc.name || rc.id !== nc.id) d.push(`connection: "${rc.name}" (${rc.id}) in the plan, "${nc.name}" (${nc.id}) now`);
  if (reviewed.dist !== now.dist) d.push(`the build: dist/manifest.json had sha256 ${String(reviewed.dist).slice(0, 12)} in the plan, ${String(now.dist).slice(0, 12)} now (dist/ was rebuilt)`);
  const rs = reviewed.settings || {};
  const ns = settings || {};
  for (const k of [...new Set([...Object.keys(rs), ...Object.keys(ns)])].sort()) {
    if (!(k in rs)) d.push(`setting ${k}: given now, not in the plan`);
    else if (!(k in ns)) d.push(`setting ${k}: in the plan, not given now`);
    else if (compareRecord(rs[k], { [k]: ns[k] }) !== 'match') d.push(`setting ${k}: another value than in the plan (compared by its salted hash)`);
  }
  const rch = reviewed.change || {};
  const nch = now.change || {};
  for (const k of [...new Set([...Object.keys(rch), ...Object.keys(nch)])].sort()) {
    if (canonicalJson(rch[k]) === canonicalJson(nch[k])) continue;
    if (k.startsWith(AS_READ)) d.push(`${k.slice(AS_READ.length)}: changed on the tenant since the plan`);
    else d.push(`${k}: ${show(rch[k])} in the plan, ${show(nch[k])} now`);
  }
  return d;
}

/**
 * With --plan, the users a command acts on are those of the reviewed plan that still need it: `items`
 * (what the command would act on now) minus anyone not in the reviewed plan. Says who is left out
 * either way; keeps the lists in `mode.applied` for the --json result. Without --plan: `items`.
 * `idOf(item)` gives the user id the plan names; `verb` what the command does ('imported', 'sent ...');
 * `why` why a planned user may no longer need it.
 */
function restrictToPlan(ctx, mode, items, idOf, { verb, why }) {
  if (!mode.reviewed) return items;
  const planned = new Set((mode.reviewed.users || []).map((u) => u.user_id));
  const kept = items.filter((x) => planned.has(idOf(x)));
  const notInPlan = items.map(idOf).filter((id) => !planned.has(id));
  const nowIds = new Set(items.map(idOf));
  const dropped = [...planned].filter((id) => !nowIds.has(id));
  if (dropped.length) ctx.out.line(`${dropped.length} user(s) of the reviewed plan are left out: ${why} (${sample(dropped)})`);
  if (notInPlan.length) {
    ctx.out.line(`${notInPlan.length} user(s) not in the reviewed plan are not ${verb} (${sample(notInPlan)}): review them with --plan-out FILE, then apply with --plan FILE`);
  }
  mode.applied = { dropped, notInPlan };
  return kept;
}

/** What every --json result of a planned command carries: the plan, and what --plan left out. */
function planResult(mode, doc) {
  return { plan: doc, ...(mode.reviewed ? { reviewedPlan: { file: mode.file, ...(mode.applied || {}) } } : {}) };
}

/**
 * On a terminal: asks `question` on stderr and resolves with the line typed, or null at end of input.
 * Ctrl-C rejects with exit 130 (nothing was changed: it is asked before any change).
 */
function askOnTerminal(question, { input = process.stdin, output = process.stderr } = {}) {
  return new Promise((resolve, reject) => {
    const rl = readline.createInterface({ input, output });
    let settled = false;
    const end = (fn) => {
      if (settled) return;
      settled = true;
      rl.close();
      fn();
    };
    rl.on('SIGINT', () => {
      output.write('\n');
      end(() => reject(new CliError('interrupted: nothing was changed', EXIT.INTERRUPTED)));
    });
    rl.on('close', () => end(() => resolve(null)));
    rl.question(question, (answer) => end(() => resolve(answer)));
  });
}

/**
 * After the plan is printed: apply, or stop. Resolves {apply: true}, or {apply: false, code} once it
 * has printed why and written the --json result (`result` plus ok, exitCode and the plan).
 * `nothing`: what a stop leaves undone, for its line ("nothing was changed", "no email was sent");
 * `note`: printed before the question (what cannot be undone); `empty`: the plan changes nothing, so
 * no question is asked; `settings`: the settings given now, for the comparison with a reviewed plan.
 */
async function decide(ctx, mode, doc, { result = {}, nothing = 'nothing was changed', note = null, empty = false, settings = null, isTTY = !!process.stdin.isTTY } = {}) {
  const { out } = ctx;
  const stop = (code, line, extra = {}) => {
    if (line) out.line(line);
    out.result({ ...result, ...planResult(mode, doc), ok: code === EXIT.OK, exitCode: code, ...extra });
    return { apply: false, code };
  };
  if (mode.reviewed) {
    const diffs = differences(mode.reviewed, doc, settings);
    if (diffs.length) {
      out.line(`refused: the plan in ${mode.file} (made at ${mode.reviewed.createdAt}) is not what would be done now:`);
      for (const d of diffs) out.line(`  ${d}`);
      const hint = `review what changed; write a new plan with --plan-out FILE and apply that one with --plan FILE`;
      out.line(`  fix: ${hint}`);
      return stop(EXIT.FAILED, nothing, { planDiffers: diffs, error: { message: `the plan in ${mode.file} is not what would be done now`, hint } });
    }
    out.line(`this is the plan reviewed in ${mode.file} (made at ${mode.reviewed.createdAt})${mode.dryRun ? '' : ': applying it'}`);
    if (mode.dryRun) return stop(EXIT.OK, `dry run: ${nothing}`, { dryRun: true });
    return { apply: true };
  }
  if (mode.dryRun) return stop(EXIT.OK, `dry run: ${nothing}`, { dryRun: true });
  if (mode.planOut) {
    writePlan(mode.planOut, doc);
    out.line(`plan written to ${mode.planOut} (valid until ${doc.expiresAt}); ${nothing}`);
    out.line(`apply exactly this plan: ${BIN} ${doc.command} --plan ${mode.planOut} (with the same other options)`);
    return stop(EXIT.OK, null, { planFile: mode.planOut });
  }
  if (mode.yes || empty) return { apply: true };
  if (!isTTY) {
    const message = `not applied: this needs a confirmation and there is no terminal to ask on; ${nothing}`;
    out.info(`error: ${message}`);
    out.info(`  fix: ${FIX}`);
    return stop(EXIT.FAILED, null, { confirmed: false, error: { message, hint: FIX } });
  }
  out.clearBar();
  if (note) out.info(note);
  const answer = await askOnTerminal(PROMPT, { output: out.stderr });
  if (answer === null || answer.trim() !== 'yes') return stop(EXIT.FAILED, `not confirmed: ${nothing}`, { confirmed: false });
  return { apply: true };
}

module.exports = {
  PLAN_TTL_MS,
  AS_READ,
  PLAN_OPTIONS,
  stateHash,
  digestOf,
  distHash,
  planMode,
  stops,
  buildPlan,
  restrictToPlan,
  planResult,
  decide,
};
