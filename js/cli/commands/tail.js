'use strict';
/**
 * `tail`: the bulk end of the migration. Exports the old connection and the new one, keeps the old users
 * who are not in the new tenant yet (and not blocked), maps each with the scripts' own Rust code
 * (dist/engine.js importRecord: same ids, same profile), imports them in files under 500 KB, at most two
 * jobs at a time, polls the jobs and collects per-user errors.
 *
 * Large tenants (issue 14): nothing grows with the number of users. The exports are downloaded to a
 * work folder beside the state file and read as streams, the plan is an exact join on disk
 * (stream/join.js), the import files are written there as they are produced (stream/chunks.js), and
 * only counts and the first users of each list are kept; every per-user failure goes to a file.
 *
 * Crash-safe: a SIGKILL at any moment costs nothing. Before each import POST an intent naming its file
 * is saved (state.js: temp file, fsync, rename); the job id is saved as soon as Auth0 accepts it, with
 * its users. A later run first waits for those jobs (never submitting them again), then plans again, so
 * users already imported (by a job, or by a login meanwhile) are skipped. An intent without a job id
 * (killed between the POST and its record; Auth0 has no way to list import jobs) becomes "unconfirmed":
 * its users found in the new tenant then are recorded as imported, the others are planned again, and
 * if Auth0 answers DUPLICATED_USER for one who is in the new tenant with that id, the unknown job
 * imported them: recorded, not a failure. A recorded job Auth0 no longer knows (404: jobs expire after
 * 24 h) is treated the same way. The old tenant's export of an interrupted run is reused for 24 h,
 * then made again. One run at a time: the state file is locked (lock.js).
 *
 * Imported users have no password: they need a password-reset email. So every user a confirmed job
 * created is appended to the record file (NDJSON, one user per line, fsync'd before the state calls
 * the job recorded), which `reset-passwords --record FILE` reads.
 *
 * Nobody is left behind by a mark: a user the old tenant marked `migration_complete` but who is not in
 * the new tenant is imported and listed; only the operator's --skip-users list leaves users out.
 */

const fs = require('node:fs');
const path = require('node:path');
const { OLD_TENANT, NEW_TENANT, DIST, BIN, newTenant } = require('../options');
const { distDir, loadEngine } = require('../dist');
const { sleep, newTenantClient } = require('../auth0');
const bulk = require('../bulk');
const { IMPORT_JOBS_AT_ONCE } = require('../../auth0-limits');
const lock = require('../lock');
const { Progress } = require('../progress');
const { readState, writeState, scanRecord, touchRecord, appendRecord } = require('../state');
const { ChunkWriter, membersOfFile, membersOfText, readText } = require('../stream/chunks');
const { IMPORT_LIST } = require('../stream/join');
const { FailureLog } = require('../stream/failures');
const { EXIT, UsageError, UpstreamError } = require('../errors');
const { SOURCE_OPTION, SOURCE_GROUPS } = require('../source');
const { oldSide } = require('../old-side');
const { PLAN_OPTIONS, planMode, stops, buildPlan, decide, distHash, planResult } = require('../plan');

const REMINDER = 'Imported users have no password in the new tenant: they must use "Forgot password" (or be sent a password-reset email) to log in.';
const LIST_TEXT = 10;
const LIST_DRY = 50;
const LIST_JSON = 1000;
/** An export older than this is made again (Auth0 keeps job results 24 h; the tenant moves on). */
const EXPORT_TTL_MS = 24 * 3600 * 1000;

function intOption(values, name, dflt, { min, max }) {
  if (values[name] === undefined) return dflt;
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

/** The work folder beside the state file: exports, import files, the join's files (alm-tail-state.work/). */
const workDirOf = (stateFile) => path.join(path.dirname(stateFile), `${path.basename(stateFile, '.json')}.work`);

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
    // Every per-user error of the job's report (GET /api/v2/jobs/{id}/errors): none is dropped.
    const errs = await client.jobErrors(id);
    for (const e of Array.isArray(errs) ? errs : []) {
      const uid = e && e.user && e.user.user_id !== undefined ? `auth0|${e.user.user_id}` : '(unknown)';
      const first = (e.errors && e.errors[0]) || {};
      entry.errors.push({ user_id: uid, code: first.code || 'UNKNOWN', message: first.message || '' });
    }
  } else if (job.status !== 'completed') {
    // Auth0 fails an import job as a whole, e.g. one still running after 2 h: none of its users is in.
    for (const m of membersOf(entry)) entry.errors.push({ user_id: m.user_id, code: 'JOB_FAILED', message: `the import job ended ${job.status}` });
  }
}

/**
 * Appends a finished job's imported users (its users minus those in its error report) to the record
 * file, then marks the job recorded and drops its user list from the state. Its errors go to `failures`
 * (this run's jobs) and leave the state too. The caller saves the state right after this returns (no
 * await in between), so a crash records the job again, and scanRecord's candidates skip the repeats.
 */
function recordJob(o, id, failures = null) {
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
  writeRecord(
    o,
    confirmed.map((m) => ({ user_id: m.user_id, email: m.email })),
    id
  );
  if (failures) failures.addAll((entry.errors || []).map((e) => ({ ...e, job: id })));
  entry.recorded = true;
  entry.recordedUsers = confirmed.length;
  entry.failedUsers = (entry.errors || []).length;
  delete entry.errors;
  delete entry.members;
  delete entry.userIds;
}

/** Appends users to the record file (`job`: the job id, or the label of a job that was never confirmed). */
function writeRecord(o, users, job) {
  const at = new Date().toISOString();
  const written = appendRecord(
    o.recordFile,
    users.map((m) => ({ user_id: m.user_id, email: m.email, job, at })),
    o.recordSeen
  );
  for (const m of users) if (o.recorded.length < LIST_JSON) o.recorded.push({ user_id: m.user_id, email: m.email });
  o.confirmedCount += users.length;
  o.recordedLines += written.length;
}

async function run(ctx) {
  const { values, out } = ctx;
  // The old tenant's export, or a rest or oidc source's listing (old-side.js); refused before any request when it cannot list.
  const side = oldSide(ctx, 'tail', { connection: 'the tail exports this connection of the old tenant' });
  const { settings } = side;
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
  const oldClient = side.client;
  const newClient = newTenantClient(target, out);

  // One run at a time on this state: two runs at once used to drop each other's jobs.
  const held = dryRun ? { release() {} } : lock.acquire(stateFile, { command: 'tail', out });
  try {
    // The state: which migration it belongs to, the jobs submitted so far.
    const key = { old: side.key, new: `${newClient.domain}/${target.connection}` };
    let state = readState(stateFile);
    // A state that never got past its claim (e.g. a run stopped by a mistyped connection) holds
    // nothing to resume: the corrected command may take it over.
    const unused = (st) => !Object.keys(st.jobs || {}).length && !(st.runs || []).length && !Object.keys(st.intents || {}).length && !(st.unconfirmed || []).length;
    if (state && (state.key.old !== key.old || state.key.new !== key.new) && unused(state)) state = null;
    if (state && (state.key.old !== key.old || state.key.new !== key.new)) {
      throw new UsageError(`${stateFile} belongs to another migration (${state.key.old} -> ${state.key.new})`, { hint: 'give another --state file' });
    }
    if (!state) state = { version: 1, key, createdAt: new Date().toISOString(), jobs: {}, runs: [], intents: {} };
    if (!state.intents) state.intents = {};
    if (!state.unconfirmed) state.unconfirmed = [];
    // A dry run writes nothing: no state file, no record.
    const save = dryRun
      ? () => {}
      : () => {
          state.updatedAt = new Date().toISOString();
          writeState(stateFile, state);
        };
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
        recordSeen: null, // scanRecord, once the users to look for are known (tail)
        workDir: workDirOf(stateFile),
        skip,
        engine,
        oldClient,
        newClient,
        listed: side.listed,
        title: side.title,
        oldKey: side.key,
        state,
        save,
        claim,
        mode,
        out,
        recorded: [],
        confirmedCount: 0,
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

/** The first `n` of a list of `count` ids, and how many more. */
const sample = (ids, n, count = ids.length) => `${ids.slice(0, n).join(', ')}${count > n ? `, ... (${count - n} more)` : ''}`;

/**
 * Jobs an earlier run left: intents without a job id become "unconfirmed" (their users read back from
 * the import file), finished jobs not yet recorded are recorded, and the jobs still running are
 * awaited (a job Auth0 no longer knows, 404 after 24 h, becomes unconfirmed too). Returns the jobs
 * awaited. A dry run only says what there is.
 */
async function resume(o, runReport) {
  const { state, save, newClient, out } = o;
  const pending = Object.entries(state.jobs).filter(([, j]) => j.status === 'submitted');
  if (o.dryRun) {
    if (pending.length) out.info(`${pending.length} job(s) submitted by an earlier run are not finished; the next real run waits for them (their users may be listed below)`);
    o.recordSeen = await scanRecord(o.recordFile);
    return pending;
  }
  const intents = Object.entries(state.intents);
  if (intents.length) {
    out.warn(
      `an earlier run stopped while submitting ${intents.length} import file(s), before Auth0's answer was recorded; their users found in the new tenant are recorded as imported, the others are planned again`
    );
    for (const [, it] of intents) {
      let members = [];
      try {
        members = membersOfFile(path.join(o.workDir, it.file));
      } catch {
        out.warn(`the import file ${it.file} of that run is gone: its users are planned again like anyone not in the new tenant`);
      }
      state.unconfirmed.push({ label: it.externalId || it.file, at: it.at, members });
    }
    state.intents = {};
  }
  // The users a crash may have left half recorded: looked for once in the record file.
  const candidates = new Set();
  for (const j of Object.values(state.jobs)) for (const m of membersOf(j)) candidates.add(m.user_id);
  for (const u of state.unconfirmed) for (const m of u.members) candidates.add(m.user_id);
  o.recordSeen = await scanRecord(o.recordFile, candidates);
  // Finished but not recorded: an earlier run stopped between the two.
  for (const [id, j] of Object.entries(state.jobs)) {
    if (j.status !== 'submitted' && !j.recorded && (j.members || j.userIds)) recordJob(o, id);
  }
  if (Object.keys(state.jobs).length || state.unconfirmed.length) save(); // a new state file is written once the plan is confirmed
  if (pending.length) out.info(`resuming: waiting for ${pending.length} job(s) submitted by an earlier run`);
  // The earlier run's jobs may take minutes: a status line (progress.js) while they run.
  const users = pending.reduce((n, [, j]) => n + (j.users || 0), 0);
  const resumed = new Progress(out, { phase: 'resume', total: users, jobsTotal: pending.length });
  try {
    await Promise.all(
      pending.map(async ([id, j]) => {
        resumed.track(id, { users: j.users || 0 });
        let job;
        try {
          job = await bulk.waitForJob(newClient, id, { pollMs: o.pollMs, onPoll: (polled) => resumed.update(id, polled) });
        } catch (err) {
          if (err.status !== 404) throw err;
          // Auth0 forgets jobs after 24 h: who it imported is read from the new tenant instead.
          out.warn(`job ${id} of an earlier run is no longer known to Auth0 (jobs expire after 24 h): its users found in the new tenant are recorded as imported, the others are planned again`);
          state.unconfirmed.push({ label: id, at: j.submittedAt, members: membersOf(j) });
          j.status = 'expired';
          j.recorded = true;
          delete j.members;
          save();
          return;
        }
        await collect(newClient, state, id, job);
        recordJob(o, id);
        runReport.resumedJobs += 1;
        save();
      })
    );
  } finally {
    resumed.stop();
  }
  return pending;
}

/**
 * The old tenant's export an interrupted run left, if younger than EXPORT_TTL_MS and still on disk.
 * Its age is read on both clocks: this machine's (its recorded creation) and Auth0's, which forgets a
 * job 24 h after creating it (GET /jobs/{id} answers 404): a laptop whose clock is off, or that slept
 * through the night, must not reuse a day-old export because its own clock says it is fresh.
 */
async function reusableExport(o) {
  const w = o.state.work && o.state.work.oldExport;
  if (o.dryRun || !w || o.listed) return null; // a listing is made afresh each run
  const file = path.join(o.workDir, w.file);
  if (!fs.existsSync(file)) return null;
  const age = Date.now() - Date.parse(w.createdAt);
  let fresh = age >= 0 && age < EXPORT_TTL_MS;
  if (fresh && w.jobId) {
    try {
      await o.oldClient.getJob(w.jobId);
    } catch (err) {
      if (err.status !== 404) throw err;
      fresh = false;
    }
  }
  if (!fresh) {
    o.out.info(`old tenant: the interrupted run's export (job ${w.jobId}, ${w.createdAt}) is older than 24 h: exporting again`);
    return null;
  }
  o.out.info(`old tenant: reusing the interrupted run's export (job ${w.jobId}, ${w.createdAt}); an export older than 24 h is made again`);
  return { ...w, file };
}

/** --plan with a reviewed list of users: says who is left out either way (as plan.js restrictToPlan). */
function restrictionReport(ctx, mode, p) {
  if (!mode.reviewed || !Array.isArray(mode.reviewed.users)) return;
  const importing = new Set(p.toImport.items.map((u) => u.user_id));
  const dropped = mode.reviewed.users.map((u) => u.user_id).filter((id) => !importing.has(id));
  const notInPlan = p.notInPlan.items;
  if (dropped.length) {
    ctx.out.line(
      `${dropped.length} user(s) of the reviewed plan are left out: no longer to import (in the new tenant now, e.g. migrated by a login meanwhile, or blocked, or in conflict) (${sample(dropped, 20)})`
    );
  }
  if (p.notInPlan.count) {
    ctx.out.line(`${p.notInPlan.count} user(s) not in the reviewed plan are not imported (${sample(notInPlan, 20, p.notInPlan.count)}): review them with --plan-out FILE, then apply with --plan FILE`);
  }
  mode.applied = { dropped, notInPlan };
}

async function tail(ctx, o) {
  const { out } = ctx;
  const { state, save, newClient, oldClient } = o;
  const runReport = { at: new Date().toISOString(), resumedJobs: 0, jobs: [] };

  // 1. Jobs an earlier run submitted: wait for them, record their users, do not submit them again.
  const pending = await resume(o, runReport);

  // 2. Exports of both tenants, then the plan: import files written as the plan goes (a dry run only
  // counts them), in a folder of this run. Everything a dry run downloads goes to a temporary folder.
  const temp = o.dryRun ? bulk.tempWorkDir() : null;
  const base = temp ? temp.dir : o.workDir;
  fs.mkdirSync(base, { recursive: true, mode: 0o700 });
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const runDir = path.join(base, `run-${runId}`);
  fs.mkdirSync(runDir, { mode: 0o700 });
  const removeRunDir = () => fs.rmSync(runDir, { recursive: true, force: true });
  if (!o.dryRun) {
    // Import files of killed runs: their users were read into state.unconfirmed above.
    for (const d of fs.readdirSync(base)) if (d.startsWith('run-') && d !== `run-${runId}`) fs.rmSync(path.join(base, d), { recursive: true, force: true });
  }
  const reviewed = o.mode.reviewed && Array.isArray(o.mode.reviewed.users) ? new Set(o.mode.reviewed.users.map((u) => u.user_id)) : null;
  const chunker = new ChunkWriter({ dir: o.dryRun ? null : runDir, maxBytes: o.chunkBytes });
  const watch = new Set(state.unconfirmed.flatMap((u) => u.members.map((m) => m.user_id)));
  const reuseOld = await reusableExport(o);
  let oldExport;
  let newExport;
  let p;
  try {
    ({
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
      dir: base,
      reuseOld,
      listed: o.listed,
      onImport: (u) => chunker.add(u),
      allow: reviewed ? (id) => reviewed.has(id) : null,
      watch,
    }));
  } catch (err) {
    removeRunDir();
    if (temp) temp.done();
    // A run that never got a state file (e.g. a source that cannot list) leaves no work folder either.
    if (!o.dryRun && !fs.existsSync(o.stateFile)) fs.rmSync(o.workDir, { recursive: true, force: true });
    throw err;
  }
  const files = chunker.close();
  if (temp) temp.done();
  restrictionReport(ctx, o.mode, p);

  const would = o.dryRun ? 'would be ' : '';
  out.line(`${o.title}: ${p.old} user(s); already in the new tenant: ${p.present.count}; blocked (skipped): ${p.blocked.count}`);
  out.line(`to import: ${p.toImport.count} user(s) in ${files.length} file(s) of at most ${o.chunkBytes} bytes`);
  if (p.conflicts.count) out.warn(`${p.conflicts.count} user(s) not imported: the new tenant has their email under another user id`);
  if (p.invalid.count) out.warn(`${p.invalid.count} record(s) could not be mapped (e.g. ${p.invalid.items[0].user_id}: ${p.invalid.items[0].error})`);
  if (p.tooLarge.count) out.warn(`${p.tooLarge.count} user(s) have a record larger than one import file; not imported`);
  if (p.markedAbsent.count) {
    out.line(
      `${p.markedAbsent.count} user(s) marked migrated by the old tenant are not in the new tenant: ${would}imported (${sample(p.markedAbsent.items, LIST_TEXT, p.markedAbsent.count)}); if some were deleted there on purpose, list them in --skip-users FILE`
    );
  }
  if (p.skippedListed.count) out.line(`${p.skippedListed.count} user(s) skipped by your --skip-users list: ${sample(p.skippedListed.items, LIST_TEXT, p.skippedListed.count)}`);
  if (p.unmatchedSkips.length)
    out.warn(`${p.unmatchedSkips.length} entr${p.unmatchedSkips.length === 1 ? 'y' : 'ies'} of --skip-users match no user of the old connection: ${sample(p.unmatchedSkips, LIST_TEXT)}`);

  const counts = {
    old: p.old,
    present: p.present.count,
    blocked: p.blocked.count,
    conflicts: p.conflicts.count,
    invalid: p.invalid.count + p.tooLarge.count,
    markedAbsent: p.markedAbsent.count,
    skippedListed: p.skippedListed.count,
    toImport: p.toImport.count,
    imported: 0,
    updated: 0,
    failed: 0,
    migratedMeanwhile: 0,
    resumedJobs: runReport.resumedJobs,
    importedByResumedJobs: 0,
  };
  const lists = {
    markedAbsent: p.markedAbsent.items.slice(0, LIST_JSON),
    skippedListed: p.skippedListed.items.slice(0, LIST_JSON),
    unmatchedSkips: p.unmatchedSkips.slice(0, LIST_JSON),
  };
  const toImport = p.toImport.items;
  // The plan ends with who would be imported; then plan.js decides (dry run, plan file, confirmation).
  if (p.toImport.count)
    out.line(
      `would import: ${sample(
        toImport.map((u) => u.user_id),
        LIST_DRY,
        p.toImport.count
      )}`
    );
  // A plan names its users up to IMPORT_LIST of them; a larger one holds their count and an
  // order-independent digest instead, so --plan applies it only to exactly the same users.
  const listed = p.toImport.count <= IMPORT_LIST;
  const doc = buildPlan(o.mode, {
    domain: newClient.domain,
    connection: { id: newExport.connectionId, name: o.target.connection },
    dist: distHash(ctx),
    settings: o.settings,
    change: { 'old tenant': o.oldKey, ...(listed ? {} : { 'users to import': { count: p.toImport.count, sha256Sum: p.digest.value() } }) },
    users: listed ? toImport : null,
  });
  const gate = await decide(ctx, o.mode, doc, {
    settings: o.settings,
    nothing: 'no import job was started, nothing was written',
    note: `This imports ${p.toImport.count} user(s) into "${o.target.connection}" of ${newClient.domain}; an import cannot be undone.`,
    empty: !p.toImport.count,
    result: {
      command: 'tail',
      state: o.stateFile,
      record: o.recordFile,
      counts,
      ...lists,
      wouldImport: toImport.slice(0, LIST_JSON),
      chunks: files.map((c) => ({ users: c.users, bytes: c.bytes })),
    },
  });
  if (!gate.apply) {
    removeRunDir();
    if (!o.dryRun && !fs.existsSync(o.stateFile)) fs.rmSync(o.workDir, { recursive: true, force: true });
    return gate.code;
  }
  // The old export is kept for a resumed run (reusableExport); the new one is read afresh each run.
  state.work = {
    runId,
    oldExport: { file: path.relative(o.workDir, oldExport.file), jobId: oldExport.jobId, createdAt: oldExport.createdAt, connectionId: oldExport.connectionId, wholeTenant: oldExport.wholeTenant },
  };
  // Users of jobs never confirmed who are in the new tenant now and never logged in there: imported by
  // that job, so without a password. One who has logged in since needs no reset email: not recorded.
  if (p.watchedLoggedIn.size) {
    out.info(`${p.watchedLoggedIn.size} user(s) of job(s) an earlier run could not confirm have logged in to the new tenant since: not in the record (they need no password reset)`);
  }
  for (const u of state.unconfirmed) {
    writeRecord(
      o,
      u.members.filter((m) => p.watchedPresent.has(m.user_id)),
      u.label
    );
  }
  o.claim();

  // 3. Import, at most `concurrency` jobs at a time; each file read back from disk when its turn comes.
  // The status line (progress.js): users done of all, jobs done/running/total, elapsed, ETA.
  const failures = new FailureLog(path.join(runDir, 'failures.ndjson'));
  const readBuf = Buffer.allocUnsafe(o.chunkBytes + 1); // each import file read through it (read synchronously)
  const progress = new Progress(out, { phase: 'import', total: counts.toImport, jobsTotal: files.length });
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const c = files[i];
      const rel = path.relative(o.workDir, path.join(runDir, c.name));
      const text = readText(path.join(runDir, c.name), readBuf);
      const externalId = `alm-tail-${runId}-${i + 1}`;
      // The intent is on disk (fsync'd) before the POST: a kill after it leaves a trace to resolve.
      state.intents[externalId] = { file: rel, users: c.users, bytes: c.bytes, at: new Date().toISOString(), externalId };
      save();
      const form = {
        connectionId: newExport.connectionId || (await connectionIdOf(newClient, o.target.connection)),
        externalId,
        file: { name: c.name, text },
      };
      const created = await submit(newClient, form, o, (err) => {
        // Refused with an answer (4xx): no job exists. Without one, the job may exist: the intent stays.
        if (err.status >= 400 && err.status < 500) {
          delete state.intents[externalId];
          save();
        }
      });
      // Its users stay in the state until the job is recorded, so a later run can record it.
      const members = membersOfText(text); // the file as sent, not read a second time
      state.jobs[created.id] = { status: 'submitted', chunk: i + 1, file: rel, users: c.users, bytes: c.bytes, submittedAt: new Date().toISOString(), members };
      delete state.intents[externalId];
      save();
      progress.track(created.id, { users: c.users, status: created.status });
      progress.note(`file ${i + 1}/${files.length}: job ${created.id} submitted (${c.users} users, ${c.bytes} bytes)`);
      const job = await bulk.waitForJob(newClient, created.id, { pollMs: o.pollMs, onPoll: (polled) => progress.update(created.id, polled) });
      await collect(newClient, state, created.id, job);
      const s = job.summary || {};
      counts.imported += s.inserted || 0;
      counts.updated += s.updated || 0;
      recordJob(o, created.id, failures);
      save();
      fs.rmSync(path.join(runDir, c.name), { force: true });
      runReport.jobs.push({ id: created.id, status: job.status, summary: s });
      progress.note(`file ${i + 1}/${files.length}: job ${created.id} ${job.status}: ${s.inserted || 0} inserted, ${s.failed || 0} failed`);
    }
  };
  try {
    if (files.length) progress.begin();
    await Promise.all(Array.from({ length: Math.min(o.concurrency, files.length) }, worker));
  } finally {
    progress.stop();
  }

  // 4. Results of this run's jobs (and of resumed ones); users a job refused as duplicates but who are
  // in the new tenant now (a login migrated them meanwhile, or a job never confirmed imported them)
  // are not failures. A resumed job's users were exported again above: who it imported counts as
  // already present, who it did not was planned (and tried) again in this run, so only this run's
  // jobs give failures.
  for (const [id] of pending) {
    const j = state.jobs[id];
    if (j.summary) counts.importedByResumedJobs += j.summary.inserted || 0;
  }
  let cleared = new Set();
  if (failures.duplicates.size) {
    cleared = await bulk.presentAmong(newClient, failures.duplicates, { connection: o.target.connection, pollMs: o.pollMs, out, dir: runDir });
    const unconfirmed = new Map();
    for (const u of state.unconfirmed) for (const m of u.members) unconfirmed.set(m.user_id, { m, label: u.label });
    for (const id of cleared) {
      const hit = unconfirmed.get(id);
      if (hit) writeRecord(o, [hit.m], hit.label);
      else counts.migratedMeanwhile += 1;
    }
  }
  const failuresFile = `${o.stateFile.replace(/\.json$/, '')}.failures.ndjson`;
  const fin = await failures.finish(failuresFile, cleared);
  counts.failed = fin.count;
  const notImported = counts.failed + counts.conflicts + counts.invalid;
  state.unconfirmed = [];
  state.runs.push({ at: runReport.at, resumedJobs: runReport.resumedJobs, jobs: runReport.jobs.length, counts });
  if (state.runs.length > 100) state.runs.splice(0, state.runs.length - 100);
  state.lastFailures = fin.sample.slice(0, LIST_JSON);
  // The run got to its end: the next one exports afresh.
  delete state.work;
  save();
  fs.rmSync(o.workDir, { recursive: true, force: true });

  // 5. The report.
  out.line('');
  out.line(
    `imported: ${counts.imported}${counts.resumedJobs ? ` (and ${counts.importedByResumedJobs} by ${counts.resumedJobs} job(s) of an earlier run, counted below as already in the new tenant)` : ''}`
  );
  out.line(
    `skipped: ${counts.present} already in the new tenant, ${counts.blocked} blocked${counts.skippedListed ? `, ${counts.skippedListed} by your --skip-users list` : ''}${counts.migratedMeanwhile ? `, ${counts.migratedMeanwhile} migrated by a login meanwhile` : ''}`
  );
  out.line(`failed: ${counts.failed} in import jobs, ${counts.conflicts} email conflict(s), ${counts.invalid} unmappable`);
  for (const [code, c] of Object.entries(fin.byCode)) out.line(`  ${code}: ${c.n} (e.g. ${c.example})`);
  if (fin.count) {
    // The first few here; the whole list, however long, in the failures file.
    out.line(
      `  failed users: ${sample(
        fin.sample.map((f) => f.user_id),
        LIST_TEXT,
        fin.count
      )}`
    );
    out.line(`  every failed user: ${failuresFile}`);
  }
  for (const c of p.conflicts.items.slice(0, 10)) out.line(`  email conflict: ${c.user_id}`);
  out.line(`state: ${o.stateFile}${notImported ? ' (run tail again after fixing the failures; it skips users already imported)' : ''}`);
  out.line(`record of imported users: ${o.recordFile} (${o.confirmedCount} user(s) confirmed by this run, ${o.recordSeen.count} in the file)`);
  out.line('');
  out.line(REMINDER);
  const nextStep = `next: send the imported users a password-reset email: ${BIN} reset-passwords --record ${o.recordFile}`;
  if (o.recordSeen.count) out.line(nextStep);
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
    failures: fin.sample,
    ...(fin.count ? { failuresFile } : {}),
    conflicts: p.conflicts.items,
    invalid: [...p.invalid.items, ...p.tooLarge.items.map((u) => ({ user_id: u, error: 'record larger than an import file' }))].slice(0, LIST_JSON),
    reminder: REMINDER,
    ...(o.recordSeen.count ? { next: nextStep } : {}),
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
      onRefused(err);
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
exports the old users; the scopes each app needs are listed below (from js/cli/command-facts.js).

--source rest, oidc, firebase or cognito: the users come from the source's own listing instead of an
export (the rest contract's optional list call; SCIM, Keycloak's admin API or Okta's Users API;
Firebase accounts:batchGet; Cognito ListUsers), mapped by the same
code as its scripts; a source that cannot list is refused, saying why (docs/runbook.md "Other sources").`,
  options: {
    ...SOURCE_OPTION,
    ...PLAN_OPTIONS,
    'dry-run': { type: 'boolean', help: 'export and plan, list who would be imported; start no job, write no file' },
    state: { type: 'string', arg: 'FILE', env: 'ALM_TAIL_STATE', help: 'state file (default ./alm-tail-state.json)' },
    record: { type: 'string', arg: 'FILE', env: 'ALM_TAIL_RECORD', help: 'record of imported users, appended (default alm-imported.ndjson beside the state file)' },
    'skip-users': { type: 'string', arg: 'FILE', help: 'old user ids or emails, one a line, NOT to import (e.g. deleted in the new tenant on purpose)' },
    concurrency: { type: 'string', arg: 'N', help: "import jobs at a time, 1 or 2 (default 2, Auth0's limit)" },
    'chunk-bytes': { type: 'string', arg: 'N', help: `largest import file in bytes (default ${bulk.DEFAULT_CHUNK_BYTES}, at most ${bulk.MAX_CHUNK_BYTES})` },
    'poll-interval': { type: 'string', arg: 'MS', help: 'how often to poll a job, in ms (default 3000)' },
  },
  groups: [["Old tenant (the scripts' settings)", OLD_TENANT], ...SOURCE_GROUPS, ['New tenant', NEW_TENANT], ['Build', DIST]],
  run,
};
