'use strict';
/**
 * `tail`: the bulk end of the migration. Exports the old connection and the new one, keeps the old users
 * who are not in the new tenant yet (and not blocked), maps each with the scripts' own Rust code
 * (dist/engine.js importRecord: same ids, same profile), imports them in files under 500 KB, at most two
 * jobs at a time, polls the jobs and collects per-user errors.
 *
 * Resumable and safe to run twice: every submitted job is written to the state file as soon as Auth0
 * accepts it; a later run first waits for those jobs, then exports both tenants again, so users already
 * imported (by a job, or by a login meanwhile) are simply skipped. Imported users have no password:
 * they use "Forgot password".
 */

const path = require('node:path');
const { OLD_TENANT, NEW_TENANT, DIST, oldSettings, newTenant } = require('../options');
const { distDir, loadEngine } = require('../dist');
const { Auth0Client, sleep } = require('../auth0');
const bulk = require('../bulk');
const { readState, writeState } = require('../state');
const { EXIT, UsageError, UpstreamError } = require('../errors');

const REMINDER = 'Imported users have no password in the new tenant: they must use "Forgot password" (or be sent a password-reset email) to log in.';

function intOption(values, name, dflt, { min, max }) {
  if (values[name] === undefined) return dflt;
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return n;
}

function clients(ctx, settings, target) {
  return {
    old: new Auth0Client({ domain: settings.Domain, clientId: settings.Client_ID, clientSecret: settings.Client_Secret, audience: settings.Audience, label: 'old tenant', secretEnv: 'ALM_CLIENT_SECRET', out: ctx.out }),
    neu: new Auth0Client({ domain: target.domain, clientId: target.clientId, clientSecret: target.clientSecret, label: 'new tenant', secretEnv: 'ALM_NEW_CLIENT_SECRET', out: ctx.out }),
  };
}

/** Records a finished import job in the state (summary, per-user errors). */
async function collect(client, state, id, job) {
  const entry = state.jobs[id];
  entry.status = job.status;
  entry.summary = job.summary || null;
  entry.finishedAt = new Date().toISOString();
  entry.errors = [];
  if (job.status === 'completed' && job.summary && job.summary.failed > 0) {
    const errs = await client.get(`jobs/${encodeURIComponent(id)}/errors`);
    for (const e of Array.isArray(errs) ? errs : []) {
      const uid = e && e.user && e.user.user_id !== undefined ? `auth0|${e.user.user_id}` : '(unknown)';
      const first = (e.errors && e.errors[0]) || {};
      entry.errors.push({ user_id: uid, code: first.code || 'UNKNOWN', message: first.message || '' });
    }
  } else if (job.status !== 'completed') {
    for (const uid of entry.userIds) entry.errors.push({ user_id: `auth0|${uid}`, code: 'JOB_FAILED', message: `the import job ended ${job.status}` });
  }
  delete entry.userIds; // only needed while the job runs; keeps the state file small
}

async function run(ctx) {
  const { values, out } = ctx;
  const settings = oldSettings(ctx, { connection: 'the tail exports this connection of the old tenant' });
  const target = newTenant(ctx);
  const pollMs = intOption(values, 'poll-interval', 3000, { min: 10, max: 600000 });
  const chunkBytes = intOption(values, 'chunk-bytes', bulk.DEFAULT_CHUNK_BYTES, { min: 1000, max: bulk.MAX_CHUNK_BYTES });
  const concurrency = intOption(values, 'concurrency', 2, { min: 1, max: 2 });
  const stateFile = path.resolve(values.state || ctx.env.ALM_TAIL_STATE || 'alm-tail-state.json');
  const engine = loadEngine(distDir(ctx));
  const { old: oldClient, neu: newClient } = clients(ctx, settings, target);

  // The state: which migration it belongs to, the jobs submitted so far.
  const key = { old: `${oldClient.domain}/${settings.Connection}`, new: `${newClient.domain}/${target.connection}` };
  let state = readState(stateFile);
  if (state && (state.key.old !== key.old || state.key.new !== key.new)) {
    throw new UsageError(`${stateFile} belongs to another migration (${state.key.old} -> ${state.key.new})`, { hint: 'give another --state file' });
  }
  if (!state) state = { version: 1, key, createdAt: new Date().toISOString(), jobs: {}, runs: [], intents: {} };
  if (!state.intents) state.intents = {};
  const save = () => { state.updatedAt = new Date().toISOString(); writeState(stateFile, state); };
  save(); // claims the file for this migration at once (and finds an unwritable path before any job)

  let interrupted = false;
  const onSignal = (sig) => {
    if (interrupted) return;
    interrupted = true;
    out.clearBar();
    out.info(`${sig}: stopping; jobs already submitted keep running at Auth0 and are picked up by the next run (state: ${stateFile})`);
    try { save(); } catch { /* the last save stands */ }
    process.exitCode = EXIT.INTERRUPTED;
    process.stderr.write('', () => process.exit(EXIT.INTERRUPTED));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    return await tail(ctx, { settings, target, pollMs, chunkBytes, concurrency, stateFile, engine, oldClient, newClient, state, save, out: ctx.out });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

async function tail(ctx, o) {
  const { values, out } = ctx;
  const { state, save, newClient, oldClient } = o;
  const runReport = { at: new Date().toISOString(), resumedJobs: 0, jobs: [] };

  // 1. Jobs an earlier run submitted: wait for them, do not submit their users again.
  const pending = Object.entries(state.jobs).filter(([, j]) => j.status === 'submitted');
  if (pending.length) out.info(`resuming: waiting for ${pending.length} job(s) submitted by an earlier run`);
  if (Object.keys(state.intents).length) {
    out.warn('an earlier run stopped while submitting a job; if Auth0 accepted it, its users show up as already present');
    state.intents = {};
  }
  await Promise.all(pending.map(async ([id]) => {
    const job = await bulk.waitForJob(newClient, id, { pollMs: o.pollMs });
    await collect(newClient, state, id, job);
    runReport.resumedJobs += 1;
    save();
  }));

  // 2. Fresh exports of both tenants, then the plan.
  const [oldExport, newExport] = await Promise.all([
    bulk.exportUsers(oldClient, { connection: o.settings.Connection, fields: bulk.OLD_FIELDS, pollMs: o.pollMs, out }),
    bulk.exportUsers(newClient, { connection: o.target.connection, fields: bulk.NEW_FIELDS, pollMs: o.pollMs, out }),
  ]);
  const p = bulk.plan(oldExport.records, newExport.records, { engine: o.engine, settings: o.settings });
  const { chunks, tooLarge } = bulk.chunk(p.toImport, o.chunkBytes);
  out.line(`old tenant "${o.settings.Connection}": ${oldExport.records.length} user(s); already in the new tenant: ${p.present.length}; blocked (skipped): ${p.blocked.length}`);
  out.line(`to import: ${p.toImport.length - tooLarge.length} user(s) in ${chunks.length} file(s) of at most ${o.chunkBytes} bytes`);
  if (p.conflicts.length) out.warn(`${p.conflicts.length} user(s) not imported: the new tenant has their email under another user id`);
  if (p.invalid.length) out.warn(`${p.invalid.length} record(s) could not be mapped (e.g. ${p.invalid[0].user_id}: ${p.invalid[0].error})`);
  if (tooLarge.length) out.warn(`${tooLarge.length} user(s) have a record larger than one import file; not imported`);
  if (p.markedAbsent.length) {
    out.warn(`${p.markedAbsent.length} user(s) are marked migrated by the old tenant but are not in the new tenant (deleted there?); ${p.skippedMarked.length ? 'skipped, as get_user would (--setting Skip_Migrated_Users=false imports them)' : 'imported again (Skip_Migrated_Users=false)'}`);
  }

  const counts = {
    old: oldExport.records.length, present: p.present.length, blocked: p.blocked.length, conflicts: p.conflicts.length,
    invalid: p.invalid.length + tooLarge.length, skippedMarked: p.skippedMarked.length, toImport: p.toImport.length - tooLarge.length,
    imported: 0, updated: 0, failed: 0, migratedMeanwhile: 0, resumedJobs: runReport.resumedJobs, importedByResumedJobs: 0,
  };
  const failures = [];
  if (values['dry-run']) {
    out.line('dry run: no import job was started');
    out.result({ command: 'tail', ok: true, exitCode: EXIT.OK, dryRun: true, state: o.stateFile, counts, chunks: chunks.map((c) => ({ users: c.userIds.length, bytes: c.bytes })) });
    return EXIT.OK;
  }

  // 3. Import, at most `concurrency` jobs at a time.
  let doneUsers = 0;
  const total = counts.toImport;
  const runId = Date.now().toString(36);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const i = next++;
      const c = chunks[i];
      state.intents[i + 1] = { users: c.userIds.length, at: new Date().toISOString() };
      save();
      const form = bulk.multipart({
        connection_id: newExport.connectionId || await connectionIdOf(newClient, o.target.connection),
        upsert: 'false',
        send_completion_email: 'false',
        external_id: `alm-tail-${runId}-${i + 1}`,
      }, { name: `users-${i + 1}.json`, text: c.text });
      const created = await submit(newClient, form, o, () => {
        delete state.intents[i + 1]; // refused: no job exists
        save();
      });
      state.jobs[created.id] = { status: 'submitted', chunk: i + 1, users: c.userIds.length, bytes: c.bytes, submittedAt: new Date().toISOString(), userIds: c.userIds.map((u) => u.replace(/^auth0\|/, '')) };
      delete state.intents[i + 1];
      save();
      out.progress({ done: doneUsers, total, label: `users; job ${created.id} submitted`, plain: `file ${i + 1}/${chunks.length}: job ${created.id} submitted (${c.userIds.length} users, ${c.bytes} bytes)` });
      const job = await bulk.waitForJob(newClient, created.id, { pollMs: o.pollMs });
      await collect(newClient, state, created.id, job);
      save();
      doneUsers += c.userIds.length;
      const s = job.summary || {};
      runReport.jobs.push({ id: created.id, status: job.status, summary: s });
      out.progress({ done: doneUsers, total, label: 'users imported or tried', plain: `file ${i + 1}/${chunks.length}: job ${created.id} ${job.status}: ${s.inserted || 0} inserted, ${s.failed || 0} failed` });
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, chunks.length) }, worker));
  out.clearBar();

  // 4. Results of this run's jobs (and of resumed ones); users a job refused as duplicates but who are
  // in the new tenant now (a login migrated them meanwhile) are not failures.
  // A resumed job's users were exported again above: who it imported counts as already present, who
  // it did not was planned (and tried) again in this run, so only this run's jobs give failures.
  for (const [id] of pending) {
    const j = state.jobs[id];
    if (j.summary) counts.importedByResumedJobs += j.summary.inserted || 0;
  }
  for (const { id } of runReport.jobs) {
    const j = state.jobs[id];
    if (j.summary) { counts.imported += j.summary.inserted || 0; counts.updated += j.summary.updated || 0; }
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
  out.line(`imported: ${counts.imported}${counts.resumedJobs ? ` (and ${counts.importedByResumedJobs} by ${counts.resumedJobs} job(s) of an earlier run, counted below as already in the new tenant)` : ''}`);
  out.line(`skipped: ${counts.present} already in the new tenant, ${counts.blocked} blocked${counts.skippedMarked ? `, ${counts.skippedMarked} marked migrated` : ''}${counts.migratedMeanwhile ? `, ${counts.migratedMeanwhile} migrated by a login meanwhile` : ''}`);
  out.line(`failed: ${counts.failed} in import jobs, ${counts.conflicts} email conflict(s), ${counts.invalid} unmappable`);
  const byCode = {};
  for (const f of failures) byCode[f.code] = (byCode[f.code] || 0) + 1;
  for (const [code, n] of Object.entries(byCode)) out.line(`  ${code}: ${n} (e.g. ${failures.find((f) => f.code === code).user_id})`);
  for (const c of p.conflicts.slice(0, 10)) out.line(`  email conflict: ${c.user_id}`);
  out.line(`state: ${o.stateFile}${notImported ? ' (run tail again after fixing the failures; it skips users already imported)' : ''}`);
  out.line('');
  out.line(REMINDER);
  const code = notImported ? EXIT.FAILED : EXIT.OK;
  out.result({
    command: 'tail', ok: code === EXIT.OK, exitCode: code, state: o.stateFile, counts,
    jobs: runReport.jobs, failures: failures.slice(0, 1000), conflicts: p.conflicts.slice(0, 1000),
    invalid: [...p.invalid, ...tooLarge.map((u) => ({ user_id: u, error: 'record larger than an import file' }))].slice(0, 1000),
    reminder: REMINDER,
  });
  return code;
}

/**
 * POSTs an import job. A 429 is waited out here rather than in the client: Auth0 answers one both for
 * its rate limit (with Retry-After) and when two import jobs already run on the tenant (without; an
 * import can take minutes), so the wait follows Retry-After, else grows from the poll interval.
 */
async function submit(client, form, o, onRefused) {
  const deadline = Date.now() + 2 * 3600 * 1000;
  for (let k = 0; ; k++) {
    try {
      return (await client.api('POST', 'jobs/users-imports', { body: form.body, headers: { 'content-type': form.contentType }, max429: 0 })).body;
    } catch (err) {
      if (err.status === 429 && Date.now() < deadline) {
        const wait = err.retryAfterMs != null ? Math.min(err.retryAfterMs, 60000) : Math.min(o.pollMs * 2 ** Math.min(k, 10), 30000);
        const busy = /active import users jobs/i.test(err.message);
        o.out.info(`new tenant: ${busy ? 'import jobs of someone else fill the tenant\'s 2 slots' : `rate limited (${err.message.replace(/^.*failed \(|\)$/g, '')})`}; waiting ${(wait / 1000).toFixed(1)} s`);
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
  usage: 'tail [--dry-run] [--state FILE] [options]',
  description: `
The bulk end of the migration, when few users are left to log in. Exports the old connection and the
new one, keeps the old users who are not in the new tenant and not blocked, maps each exactly as the
scripts would (same user id, same profile: the scripts' Rust code, through dist/engine.js), writes
them in files under 500 KB and runs import jobs on the new tenant, two at a time (Auth0's limit),
then prints imported, skipped and failed users.

Resumable: every accepted job is recorded in the state file at once; after an interruption, run the
same command again: it waits for the recorded jobs, exports again and imports only who is missing.
Safe to run twice. Exit 0 when every remaining user was imported, 1 when some were not.

Imported users have no password: they must use "Forgot password". The old tenant's Migration App
(read:users) exports the old users; the new tenant's app needs read:users, create:users and
read:connections.`,
  options: {
    'dry-run': { type: 'boolean', help: 'export and plan, print what would be imported, start no import job' },
    state: { type: 'string', arg: 'FILE', env: 'ALM_TAIL_STATE', help: 'state file (default ./alm-tail-state.json)' },
    concurrency: { type: 'string', arg: 'N', help: 'import jobs at a time, 1 or 2 (default 2, Auth0\'s limit)' },
    'chunk-bytes': { type: 'string', arg: 'N', help: `largest import file in bytes (default ${bulk.DEFAULT_CHUNK_BYTES}, at most ${bulk.MAX_CHUNK_BYTES})` },
    'poll-interval': { type: 'string', arg: 'MS', help: 'how often to poll a job, in ms (default 3000)' },
  },
  groups: [["Old tenant (the scripts' settings)", OLD_TENANT], ['New tenant', NEW_TENANT], ['Build', DIST]],
  run,
};
