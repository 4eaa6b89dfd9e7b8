'use strict';
/**
 * `tail`: the bulk end of the migration. Exports the old connection and the new one, keeps the old users
 * who are not in the new tenant yet (and not blocked), maps each with the scripts' own Rust code
 * (dist/engine.js importRecord: same ids, same profile), imports them in files under 500 KB, at most two
 * jobs at a time, polls the jobs and collects per-user errors.
 *
 * Resumable and safe to run twice: every submitted job is written to the state file as soon as Auth0
 * accepts it, with its users; a later run first waits for those jobs, then exports both tenants again,
 * so users already imported (by a job, or by a login meanwhile) are simply skipped. One run at a time:
 * the state file is locked (lock.js).
 *
 * Imported users have no password: they need a password-reset email. So every user a confirmed job
 * created is appended to the record file (NDJSON, one user per line, fsync'd before the state calls
 * the job recorded), which `reset-passwords --record FILE` reads.
 *
 * Nobody is left behind by a mark: a user the old tenant marked `migration_complete` but who is not in
 * the new tenant is imported and listed; only the operator's --skip-users list leaves users out.
 */

const path = require('node:path');
const { OLD_TENANT, NEW_TENANT, DIST, BIN, oldSettings, newTenant } = require('../options');
const { distDir, loadEngine } = require('../dist');
const { sleep, oldTenantClient, newTenantClient } = require('../auth0');
const bulk = require('../bulk');
const { IMPORT_JOBS_AT_ONCE } = require('../../auth0-limits');
const lock = require('../lock');
const { Progress } = require('../progress');
const { readState, writeState, readRecordIds, touchRecord, appendRecord } = require('../state');
const { EXIT, UsageError, UpstreamError } = require('../errors');
const { PLAN_OPTIONS, planMode, stops, buildPlan, decide, distHash, planResult, restrictToPlan } = require('../plan');

const REMINDER = 'Imported users have no password in the new tenant: they must use "Forgot password" (or be sent a password-reset email) to log in.';
const LIST_TEXT = 10;
const LIST_DRY = 50;
const LIST_JSON = 1000;

function intOption(values, name, dflt, { min, max }) {
  if (values[name] === undefined) return dflt;
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

function clients(ctx, settings, target) {
  return {
    old: oldTenantClient(settings, ctx.out),
    neu: newTenantClient(target, ctx.out),
  };
}

/** The users a job entry creates: `members` (id with auth0|, email), or the ids of an older state file. */
function membersOf(entry) {
  if (Array.isArray(entry.members)) return entry.members;
  return (entry.userIds || []).map((u) => ({ user_id: `auth0|${u}`, email: null }));
}

/** Records a finished import job in the state (summary, per-user errors). Its users stay until recorded. */
async function collect(client, state, id, job) {
  const entry = state.jobs[id];
  entry.status = job.status;
  entry.summary = job.summary || null;
  entry.finishedAt = new Date().toISOString();
  entry.errors = [];
  if (job.status === 'completed' && job.summary && job.summary.failed > 0) {
    const errs = await client.jobErrors(id);
    for (const e of Array.isArray(errs) ? errs : []) {
      const uid = e && e.user && e.user.user_id !== undefined ? `auth0|${e.user.user_id}` : '(unknown)';
      const first = (e.errors && e.errors[0]) || {};
      entry.errors.push({ user_id: uid, code: first.code || 'UNKNOWN', message: first.message || '' });
    }
  } else if (job.status !== 'completed') {
    for (const m of membersOf(entry)) entry.errors.push({ user_id: m.user_id, code: 'JOB_FAILED', message: `the import job ended ${job.status}` });
  }
}

/**
 * Appends a finished job's imported users (its users minus those in its error report) to the record
 * file, then marks the job recorded and drops its user list from the state. The caller saves the state
 * after this returns, so a crash in between records the job again (repeats are dropped by user id).
 */
function recordJob(o, id) {
  const entry = o.state.jobs[id];
  if (!entry || entry.recorded || entry.status === 'submitted') return;
  let confirmed = [];
  if (entry.status === 'completed') {
    const failed = new Set((entry.errors || []).map((e) => e.user_id));
    confirmed = membersOf(entry).filter((m) => !failed.has(m.user_id));
    const s = entry.summary || {};
    const created = (s.inserted || 0) + (s.updated || 0);
    if (entry.summary && confirmed.length !== created) {
      o.out.warn(`job ${id}: Auth0 reports ${created} user(s) created, its error report leaves ${confirmed.length}; the record lists those ${confirmed.length}`);
    }
  }
  const at = new Date().toISOString();
  const written = appendRecord(
    o.recordFile,
    confirmed.map((m) => ({ user_id: m.user_id, email: m.email, job: id, at })),
    o.recordSeen
  );
  o.recorded.push(...confirmed.map((m) => ({ user_id: m.user_id, email: m.email })));
  o.recordedLines += written.length;
  entry.recorded = true;
  entry.recordedUsers = confirmed.length;
  delete entry.members;
  delete entry.userIds;
}

async function run(ctx) {
  const { values, out } = ctx;
  const settings = oldSettings(ctx, { connection: 'the tail exports this connection of the old tenant' });
  const target = newTenant(ctx);
  const pollMs = intOption(values, 'poll-interval', 3000, { min: 10, max: 600000 });
  const chunkBytes = intOption(values, 'chunk-bytes', bulk.DEFAULT_CHUNK_BYTES, { min: 1000, max: bulk.MAX_CHUNK_BYTES });
  const concurrency = intOption(values, 'concurrency', IMPORT_JOBS_AT_ONCE, { min: 1, max: IMPORT_JOBS_AT_ONCE });
  const mode = planMode(ctx, 'tail'); // a stale or edited --plan file is refused before any request
  const dryRun = stops(mode); // --dry-run or --plan-out: nothing is written, not even a lock
  const stateFile = path.resolve(values.state || ctx.env.ALM_TAIL_STATE || 'alm-tail-state.json');
  const recordFile = path.resolve(values.record || ctx.env.ALM_TAIL_RECORD || path.join(path.dirname(stateFile), 'alm-imported.ndjson'));
  const skip = values['skip-users'] ? bulk.readUserList(values['skip-users'], '--skip-users') : null;
  const engine = loadEngine(distDir(ctx));
  const { old: oldClient, neu: newClient } = clients(ctx, settings, target);

  // One run at a time on this state: two runs at once used to drop each other's jobs.
  const held = dryRun ? { release() {} } : lock.acquire(stateFile, { command: 'tail', out });
  try {
    // The state: which migration it belongs to, the jobs submitted so far.
    const key = { old: `${oldClient.domain}/${settings.Connection}`, new: `${newClient.domain}/${target.connection}` };
    let state = readState(stateFile);
    // A state that never got past its claim (e.g. a run stopped by a mistyped connection) holds
    // nothing to resume: the corrected command may take it over.
    const unused = (st) => !Object.keys(st.jobs || {}).length && !(st.runs || []).length && !Object.keys(st.intents || {}).length;
    if (state && (state.key.old !== key.old || state.key.new !== key.new) && unused(state)) state = null;
    if (state && (state.key.old !== key.old || state.key.new !== key.new)) {
      throw new UsageError(`${stateFile} belongs to another migration (${state.key.old} -> ${state.key.new})`, { hint: 'give another --state file' });
    }
    if (!state) state = { version: 1, key, createdAt: new Date().toISOString(), jobs: {}, runs: [], intents: {} };
    if (!state.intents) state.intents = {};
    // A dry run writes nothing: no state file, no record.
    const save = dryRun
      ? () => {}
      : () => {
          state.updatedAt = new Date().toISOString();
          writeState(stateFile, state);
        };
    const recordSeen = readRecordIds(recordFile);
    // Once the plan is confirmed, before any job: claims the file for this migration (and finds an
    // unwritable path). Not before: a plan that is not applied leaves no file behind.
    const claim = () => {
      save();
      try {
        touchRecord(recordFile);
      } catch (err) {
        throw new UpstreamError(`cannot write the record file ${recordFile}: ${err.code || err.message}`, { hint: 'make its directory writable, or give another --record file' });
      }
    };

    let interrupted = false;
    const onSignal = (sig) => {
      if (interrupted) return;
      interrupted = true;
      out.unpin(); // the status line of a wait is not drawn again below the message
      out.info(`${sig}: stopping; jobs already submitted keep running at Auth0 and are picked up by the next run (state: ${stateFile})`);
      try {
        save();
      } catch {
        /* the last save stands */
      }
      process.exitCode = EXIT.INTERRUPTED;
      out.result({ command: 'tail', ok: false, exitCode: EXIT.INTERRUPTED, interrupted: true, state: stateFile, record: recordFile });
      // process.exit fires 'exit', which releases the lock.
      Promise.all([process.stdout, process.stderr].map((st) => new Promise((resolve) => st.write('', resolve)))).then(() => process.exit(EXIT.INTERRUPTED));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    try {
      return await tail(ctx, {
        settings,
        target,
        pollMs,
        chunkBytes,
        concurrency,
        dryRun,
        stateFile,
        recordFile,
        recordSeen,
        skip,
        engine,
        oldClient,
        newClient,
        state,
        save,
        claim,
        mode,
        out,
        recorded: [],
        recordedLines: 0,
      });
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  } finally {
    held.release();
  }
}

const sample = (ids, n) => `${ids.slice(0, n).join(', ')}${ids.length > n ? `, ... (${ids.length - n} more)` : ''}`;

async function tail(ctx, o) {
  const { out } = ctx;
  const { state, save, newClient, oldClient } = o;
  const runReport = { at: new Date().toISOString(), resumedJobs: 0, jobs: [] };

  // 1. Jobs an earlier run submitted: wait for them, record their users, do not submit them again.
  // (A dry run only says they exist: it neither waits nor writes.)
  const pending = Object.entries(state.jobs).filter(([, j]) => j.status === 'submitted');
  if (o.dryRun) {
    if (pending.length) out.info(`${pending.length} job(s) submitted by an earlier run are not finished; the next real run waits for them (their users may be listed below)`);
  } else {
    // Finished but not recorded: an earlier run stopped between the two.
    for (const [id, j] of Object.entries(state.jobs)) {
      if (j.status !== 'submitted' && !j.recorded && (j.members || j.userIds)) recordJob(o, id);
    }
    if (Object.keys(state.jobs).length) save(); // a new state file is written once the plan is confirmed
    if (pending.length) out.info(`resuming: waiting for ${pending.length} job(s) submitted by an earlier run`);
    if (Object.keys(state.intents).length) {
      out.warn('an earlier run stopped while submitting a job; if Auth0 accepted it, its users show up as already present');
      state.intents = {};
    }
    // The earlier run's jobs may take minutes: a status line (progress.js) while they run.
    const users = pending.reduce((n, [, j]) => n + (j.users || 0), 0);
    const resumed = new Progress(out, { phase: 'resume', total: users, jobsTotal: pending.length });
    try {
      await Promise.all(
        pending.map(async ([id, j]) => {
          resumed.track(id, { users: j.users || 0 });
          const job = await bulk.waitForJob(newClient, id, { pollMs: o.pollMs, onPoll: (polled) => resumed.update(id, polled) });
          await collect(newClient, state, id, job);
          recordJob(o, id);
          runReport.resumedJobs += 1;
          save();
        })
      );
    } finally {
      resumed.stop();
    }
  }

  // 2. Fresh exports of both tenants, then the plan.
  const {
    oldExport,
    newExport,
    plan: p,
  } = await bulk.exportAndPlan(oldClient, newClient, {
    settings: o.settings,
    target: o.target,
    engine: o.engine,
    pollMs: o.pollMs,
    out,
    skip: o.skip,
  });
  // --plan FILE: only users of the reviewed plan are imported (plan.js).
  const planned = restrictToPlan(ctx, o.mode, p.toImport, (u) => `auth0|${u.user_id}`, {
    verb: 'imported',
    why: 'no longer to import (in the new tenant now, e.g. migrated by a login meanwhile, or blocked, or in conflict)',
  });
  const { chunks, tooLarge } = bulk.chunk(planned, o.chunkBytes);
  const tooLargeSet = new Set(tooLarge);
  const toImport = planned.filter((u) => !tooLargeSet.has(u.user_id)).map((u) => ({ user_id: `auth0|${u.user_id}`, email: typeof u.email === 'string' ? u.email : null }));
  const would = o.dryRun ? 'would be ' : '';
  out.line(`old tenant "${o.settings.Connection}": ${oldExport.records.length} user(s); already in the new tenant: ${p.present.length}; blocked (skipped): ${p.blocked.length}`);
  out.line(`to import: ${toImport.length} user(s) in ${chunks.length} file(s) of at most ${o.chunkBytes} bytes`);
  if (p.conflicts.length) out.warn(`${p.conflicts.length} user(s) not imported: the new tenant has their email under another user id`);
  if (p.invalid.length) out.warn(`${p.invalid.length} record(s) could not be mapped (e.g. ${p.invalid[0].user_id}: ${p.invalid[0].error})`);
  if (tooLarge.length) out.warn(`${tooLarge.length} user(s) have a record larger than one import file; not imported`);
  if (p.markedAbsent.length) {
    out.line(
      `${p.markedAbsent.length} user(s) marked migrated by the old tenant are not in the new tenant: ${would}imported (${sample(p.markedAbsent, LIST_TEXT)}); if some were deleted there on purpose, list them in --skip-users FILE`
    );
  }
  if (p.skippedListed.length) out.line(`${p.skippedListed.length} user(s) skipped by your --skip-users list: ${sample(p.skippedListed, LIST_TEXT)}`);
  if (p.unmatchedSkips.length)
    out.warn(`${p.unmatchedSkips.length} entr${p.unmatchedSkips.length === 1 ? 'y' : 'ies'} of --skip-users match no user of the old connection: ${sample(p.unmatchedSkips, LIST_TEXT)}`);

  const counts = {
    old: oldExport.records.length,
    present: p.present.length,
    blocked: p.blocked.length,
    conflicts: p.conflicts.length,
    invalid: p.invalid.length + tooLarge.length,
    markedAbsent: p.markedAbsent.length,
    skippedListed: p.skippedListed.length,
    toImport: toImport.length,
    imported: 0,
    updated: 0,
    failed: 0,
    migratedMeanwhile: 0,
    resumedJobs: runReport.resumedJobs,
    importedByResumedJobs: 0,
  };
  const lists = {
    markedAbsent: p.markedAbsent.slice(0, LIST_JSON),
    skippedListed: p.skippedListed.slice(0, LIST_JSON),
    unmatchedSkips: p.unmatchedSkips.slice(0, LIST_JSON),
  };
  // The plan ends with who would be imported; then plan.js decides (dry run, plan file, confirmation).
  if (toImport.length)
    out.line(
      `would import: ${sample(
        toImport.map((u) => u.user_id),
        LIST_DRY
      )}`
    );
  const doc = buildPlan(o.mode, {
    domain: newClient.domain,
    connection: { id: newExport.connectionId, name: o.target.connection },
    dist: distHash(ctx),
    settings: o.settings,
    change: { 'old tenant': `${oldClient.domain}/${o.settings.Connection}` },
    users: toImport,
  });
  const gate = await decide(ctx, o.mode, doc, {
    settings: o.settings,
    nothing: 'no import job was started, nothing was written',
    note: `This imports ${toImport.length} user(s) into "${o.target.connection}" of ${newClient.domain}; an import cannot be undone.`,
    empty: !toImport.length,
    result: {
      command: 'tail',
      state: o.stateFile,
      record: o.recordFile,
      counts,
      ...lists,
      wouldImport: toImport.slice(0, LIST_JSON),
      chunks: chunks.map((c) => ({ users: c.userIds.length, bytes: c.bytes })),
    },
  });
  if (!gate.apply) return gate.code;
  o.claim();

  // 3. Import, at most `concurrency` jobs at a time.
  // The status line (progress.js): users done of all, jobs done/running/total, elapsed, ETA.
  const progress = new Progress(out, { phase: 'import', total: counts.toImport, jobsTotal: chunks.length });
  const runId = Date.now().toString(36);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const i = next++;
      const c = chunks[i];
      state.intents[i + 1] = { users: c.userIds.length, at: new Date().toISOString() };
      save();
      const form = {
        connectionId: newExport.connectionId || (await connectionIdOf(newClient, o.target.connection)),
        externalId: `alm-tail-${runId}-${i + 1}`,
        file: { name: `users-${i + 1}.json`, text: c.text },
      };
      const created = await submit(newClient, form, o, () => {
        delete state.intents[i + 1]; // refused: no job exists
        save();
      });
      // Its users stay in the state until the job is recorded, so a later run can record it.
      state.jobs[created.id] = { status: 'submitted', chunk: i + 1, users: c.userIds.length, bytes: c.bytes, submittedAt: new Date().toISOString(), members: c.users };
      delete state.intents[i + 1];
      save();
      progress.track(created.id, { users: c.userIds.length, status: created.status });
      progress.note(`file ${i + 1}/${chunks.length}: job ${created.id} submitted (${c.userIds.length} users, ${c.bytes} bytes)`);
      const job = await bulk.waitForJob(newClient, created.id, { pollMs: o.pollMs, onPoll: (polled) => progress.update(created.id, polled) });
      await collect(newClient, state, created.id, job);
      recordJob(o, created.id);
      save();
      const s = job.summary || {};
      runReport.jobs.push({ id: created.id, status: job.status, summary: s });
      progress.note(`file ${i + 1}/${chunks.length}: job ${created.id} ${job.status}: ${s.inserted || 0} inserted, ${s.failed || 0} failed`);
    }
  };
  try {
    if (chunks.length) progress.begin();
    await Promise.all(Array.from({ length: Math.min(o.concurrency, chunks.length) }, worker));
  } finally {
    progress.stop();
  }

  // 4. Results of this run's jobs (and of resumed ones); users a job refused as duplicates but who are
  // in the new tenant now (a login migrated them meanwhile) are not failures.
  // A resumed job's users were exported again above: who it imported counts as already present, who
  // it did not was planned (and tried) again in this run, so only this run's jobs give failures.
  const failures = [];
  for (const [id] of pending) {
    const j = state.jobs[id];
    if (j.summary) counts.importedByResumedJobs += j.summary.inserted || 0;
  }
  for (const { id } of runReport.jobs) {
    const j = state.jobs[id];
    if (j.summary) {
      counts.imported += j.summary.inserted || 0;
      counts.updated += j.summary.updated || 0;
    }
    failures.push(...j.errors);
  }
  if (failures.some((f) => f.code === 'DUPLICATED_USER')) {
    const again = await bulk.exportUsers(newClient, { connection: o.target.connection, fields: bulk.NEW_FIELDS, pollMs: o.pollMs, out });
    const ids = new Set(again.records.map((r) => r.user_id));
    for (let k = failures.length - 1; k >= 0; k--) {
      if (failures[k].code === 'DUPLICATED_USER' && ids.has(failures[k].user_id)) {
        failures.splice(k, 1);
        counts.migratedMeanwhile += 1;
      }
    }
  }
  counts.failed = failures.length;
  const notImported = counts.failed + counts.conflicts + counts.invalid;
  state.runs.push({ ...runReport, counts });
  state.lastFailures = failures.slice(0, 1000);
  save();

  // 5. The report.
  out.line('');
  out.line(
    `imported: ${counts.imported}${counts.resumedJobs ? ` (and ${counts.importedByResumedJobs} by ${counts.resumedJobs} job(s) of an earlier run, counted below as already in the new tenant)` : ''}`
  );
  out.line(
    `skipped: ${counts.present} already in the new tenant, ${counts.blocked} blocked${counts.skippedListed ? `, ${counts.skippedListed} by your --skip-users list` : ''}${counts.migratedMeanwhile ? `, ${counts.migratedMeanwhile} migrated by a login meanwhile` : ''}`
  );
  out.line(`failed: ${counts.failed} in import jobs, ${counts.conflicts} email conflict(s), ${counts.invalid} unmappable`);
  const byCode = {};
  for (const f of failures) byCode[f.code] = (byCode[f.code] || 0) + 1;
  for (const [code, n] of Object.entries(byCode)) out.line(`  ${code}: ${n} (e.g. ${failures.find((f) => f.code === code).user_id})`);
  for (const c of p.conflicts.slice(0, 10)) out.line(`  email conflict: ${c.user_id}`);
  out.line(`state: ${o.stateFile}${notImported ? ' (run tail again after fixing the failures; it skips users already imported)' : ''}`);
  out.line(`record of imported users: ${o.recordFile} (${o.recorded.length} user(s) confirmed by this run, ${o.recordSeen.ids.size} in the file)`);
  out.line('');
  out.line(REMINDER);
  const nextStep = `next: send the imported users a password-reset email: ${BIN} reset-passwords --record ${o.recordFile}`;
  if (o.recordSeen.ids.size) out.line(nextStep);
  const code = notImported ? EXIT.FAILED : EXIT.OK;
  out.result({
    command: 'tail',
    ...planResult(o.mode, doc),
    ok: code === EXIT.OK,
    exitCode: code,
    state: o.stateFile,
    record: o.recordFile,
    counts,
    recordedUsers: o.recordedLines,
    imported: o.recorded.slice(0, LIST_JSON),
    ...lists,
    jobs: runReport.jobs,
    failures: failures.slice(0, 1000),
    conflicts: p.conflicts.slice(0, 1000),
    invalid: [...p.invalid, ...tooLarge.map((u) => ({ user_id: u, error: 'record larger than an import file' }))].slice(0, 1000),
    reminder: REMINDER,
    ...(o.recordSeen.ids.size ? { next: nextStep } : {}),
  });
  return code;
}

/**
 * POSTs an import job (through the SDK, sent once). A 429 is waited out here rather than by the SDK's
 * retry: Auth0 answers one both for its rate limit (with Retry-After) and when two import jobs already
 * run on the tenant (without; an import can take minutes, longer than the SDK's retries last), so the
 * wait follows Retry-After, else grows from the poll interval, for up to 2 hours.
 */
async function submit(client, form, o, onRefused) {
  const deadline = Date.now() + 2 * 3600 * 1000;
  for (let k = 0; ; k++) {
    try {
      return await client.createUsersImport(form);
    } catch (err) {
      if (err.status === 429 && Date.now() < deadline) {
        const wait = err.retryAfterMs != null ? Math.min(err.retryAfterMs, 60000) : Math.min(o.pollMs * 2 ** Math.min(k, 10), 30000);
        const busy = err.refusal === 'import_slots_full'; // the engine's reading (src/refusal.rs)
        o.out.info(
          `new tenant: ${busy ? "import jobs of someone else fill the tenant's 2 slots" : `rate limited (${err.message.replace(/^.*failed \(|\)$/g, '')})`}; waiting ${(wait / 1000).toFixed(1)} s`
        );
        await sleep(wait);
        continue;
      }
      onRefused();
      throw err;
    }
  }
}

async function connectionIdOf(client, name) {
  const id = await bulk.connectionId(client, name);
  if (!id) throw new UpstreamError(`${client.label}: the app may not read connections`, { hint: 'grant read:connections: the import needs the connection id' });
  return id;
}

module.exports = {
  name: 'tail',
  summary: 'import the users who never logged in (bulk export/import jobs), resumable',
  usage: 'tail [--dry-run | --plan-out FILE | --plan FILE | --yes] [--state FILE] [options]',
  description: `
The bulk end of the migration, when few users are left to log in. Exports the old connection and the
new one, keeps the old users who are not in the new tenant and not blocked, maps each exactly as the
scripts would (same user id, same profile: the scripts' Rust code, through dist/engine.js), writes
them in files under 500 KB and runs import jobs on the new tenant, two at a time (Auth0's limit),
then prints imported, skipped and failed users.

Resumable: every accepted job is recorded in the state file at once; after an interruption, run the
same command again: it waits for the recorded jobs, exports again and imports only who is missing.
Safe to run twice. Exit 0 when every remaining user was imported, 1 when some were not.

Before any import it prints the plan (how many users, in how many files, and who) and asks you to
type yes on a terminal; off a terminal it needs --yes (exit 1 without). --dry-run stops after the plan
and writes nothing (no state file, no lock). --plan-out FILE writes the plan (0600; it names the users)
and imports nothing; --plan FILE imports only users of that plan: who was migrated by a login since is
left out, and who is not in it is not imported (both said). A plan for other settings, another
connection or build, or older than 24 h is refused (exit 1).

One run at a time: the state file is locked (<state>.lock) while a run uses it.

Every imported user is appended to the record file (default alm-imported.ndjson beside the state
file; one JSON line per user: user_id, email, job, time; no secrets), which
\`reset-passwords --record FILE\` reads to send password-reset emails.

A user the old tenant marked migrated (app_metadata.migration_complete) but who is not in the new
tenant is imported and listed; to leave out users deleted in the new tenant on purpose, name them
in --skip-users FILE (one old user id or email per line, # comments).

Imported users have no password: they must use "Forgot password". The old tenant's Migration App
exports the old users; the scopes each app needs are listed below (from js/cli/command-facts.js).`,
  options: {
    ...PLAN_OPTIONS,
    'dry-run': { type: 'boolean', help: 'export and plan, list who would be imported; start no job, write no file' },
    state: { type: 'string', arg: 'FILE', env: 'ALM_TAIL_STATE', help: 'state file (default ./alm-tail-state.json)' },
    record: { type: 'string', arg: 'FILE', env: 'ALM_TAIL_RECORD', help: 'record of imported users, appended (default alm-imported.ndjson beside the state file)' },
    'skip-users': { type: 'string', arg: 'FILE', help: 'old user ids or emails, one a line, NOT to import (e.g. deleted in the new tenant on purpose)' },
    concurrency: { type: 'string', arg: 'N', help: "import jobs at a time, 1 or 2 (default 2, Auth0's limit)" },
    'chunk-bytes': { type: 'string', arg: 'N', help: `largest import file in bytes (default ${bulk.DEFAULT_CHUNK_BYTES}, at most ${bulk.MAX_CHUNK_BYTES})` },
    'poll-interval': { type: 'string', arg: 'MS', help: 'how often to poll a job, in ms (default 3000)' },
  },
  groups: [
    ["Old tenant (the scripts' settings)", OLD_TENANT],
    ['New tenant', NEW_TENANT],
    ['Build', DIST],
  ],
  run,
};
