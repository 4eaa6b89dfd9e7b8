'use strict';
/**
 * Bulk reads and the migration arithmetic shared by `tail` and `status`:
 * - exportUsers: a users-exports job, polled, its gzipped NDJSON downloaded to disk as it arrives (no
 *   Authorization header: the link is pre-signed and the token must not leave the tenant) within the
 *   60 s it is valid, then read back as a stream. Real exports take minutes: each poll feeds a status
 *   line (progress.js), both tenants' jobs on one line;
 * - exportAndPlan: which old users are already in the new tenant, which are blocked, which to import
 *   (stream/join.js: an exact join on disk, memory independent of the tenants' size). Each record goes
 *   through dist/engine.js `importRecord`, the Rust code the scripts run, so ids and profiles are
 *   exactly what login/get_user would have produced. A user the old tenant marked
 *   `migration_complete` but who is not in the new tenant is imported (the mark only proves a password
 *   check, e.g. by `try login`), and listed; only the operator's --skip-users list leaves users out.
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { UpstreamError, UsageError } = require('./errors');
const { sleep } = require('./auth0');
const { downloadTo } = require('./stream/download');
const { gzipRecords } = require('./stream/lines');
const { planFromExports } = require('./stream/join');
const { didYouMean } = require('./suggest');
const { Progress } = require('./progress');

/** Auth0's documented import file limit (500 KB; its API names 512000 bytes): we stay under both. */
const MAX_CHUNK_BYTES = require('../auth0-limits').IMPORT_FILE_BYTES;
const DEFAULT_CHUNK_BYTES = 480000;

const OLD_FIELDS = ['user_id', 'email', 'email_verified', 'username', 'name', 'nickname', 'given_name', 'family_name', 'picture', 'user_metadata', 'app_metadata', 'blocked'];
/** logins_count: a user of an unconfirmed import job who has logged in since has a password (join.js `watch`). */
const NEW_FIELDS = ['user_id', 'email', 'logins_count'];
const CONNECTION_FIELD = { name: 'identities[0].connection', export_as: 'connection' };

/**
 * The id of a connection by name, or null when the app may not read connections (403): the export then
 * covers the whole tenant and is filtered by each user's connection.
 */
async function connectionId(client, name) {
  let list;
  try {
    list = await client.listConnections({ name, strategy: 'auth0', fields: 'id,name' });
  } catch (err) {
    if (err.status === 403) return null;
    throw err;
  }
  const c = (Array.isArray(list) ? list : []).find((x) => x && x.name === name);
  if (!c) {
    const names = await connectionNames(client);
    throw new UpstreamError(`${client.label}: no database connection named "${name}"${didYouMean(name, names)}${names.length ? `; its database connections: ${names.join(', ')}` : ''}`, {
      hint: 'correct the connection name (Auth0 connection names are case-sensitive)',
    });
  }
  return c.id;
}

/** The tenant's database connection names, for a did-you-mean; [] when they cannot be listed. */
async function connectionNames(client) {
  try {
    const all = await client.listConnections({ strategy: 'auth0', fields: 'id,name' });
    return (Array.isArray(all) ? all : []).map((x) => x && x.name).filter((n) => typeof n === 'string');
  } catch {
    return [];
  }
}

/**
 * Refuses an export that kept no user. Without read:connections the export covers the whole tenant
 * and is filtered by exact name, so a mistyped connection used to read as "0 of 0 migrated (100%)"
 * or "imported: 0". The message lists the connections the export did see (`stats`: exportHandle's).
 */
function requireUsers(client, connection, stats, { wholeTenant, optionHint }) {
  if (stats.kept) return;
  const fix = `correct ${optionHint || 'the connection name'} (Auth0 connection names are case-sensitive)`;
  if (!wholeTenant) {
    throw new UpstreamError(`${client.label}: the connection "${connection}" has no users: nothing to count or migrate there`, {
      hint: `check that ${optionHint || 'the connection name'} names the connection your users are in`,
    });
  }
  const seen = stats.byConnection;
  const list = [...seen].map(([c, n]) => `${c} (${n} user${n === 1 ? '' : 's'})`).join(', ');
  throw new UpstreamError(
    `${client.label}: no user of the export is in the connection "${connection}"${didYouMean(connection, [...seen.keys()])}; connections seen in the export: ${list || 'none (the tenant has no users)'}`,
    { hint: fix }
  );
}

/**
 * Polls a job until it is completed or failed; `onPoll` sees each answer (progress.js shows it). A 429
 * that outlasted the SDK's own retries is waited out here too (Retry-After when given): an import can
 * be polled for hours, and a rate limit on the way must not end the run.
 */
async function waitForJob(client, id, { pollMs, timeoutMs = 4 * 3600 * 1000, onPoll } = {}) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    let job;
    try {
      job = await client.getJob(id);
    } catch (err) {
      if (err.status !== 429 || Date.now() > until) throw err;
      await sleep(err.retryAfterMs != null ? Math.min(err.retryAfterMs, 60000) : Math.max(pollMs, 1000));
      continue;
    }
    if (onPoll) onPoll(job);
    if (job.status === 'completed' || job.status === 'failed' || job.status === 'expired') return job;
    if (Date.now() > until) throw new UpstreamError(`${client.label}: job ${id} did not finish in time (status ${job.status})`);
    await sleep(pollMs);
  }
}

/**
 * Runs an export job of a connection and downloads its file to `dir` (stream/download.js: streamed to
 * disk, never held in memory). Returns a handle whose `records()` streams the export's records,
 * keeping only the connection's users when the whole tenant had to be exported (the app may not read
 * connections), and counting what it saw in `stats` (requireUsers reads them).
 * `progress`: the export phase's status line, shared by both tenants' jobs (exportAndPlan); without
 * one the job gets a line of its own.
 */
async function exportUsers(client, { connection, fields, pollMs, out, progress, dir, name }) {
  const connId = await connectionId(client, connection);
  if (connId === null) {
    out.info(`${client.label}: the app may not read connections; exporting the whole tenant and keeping "${connection}"`);
  }
  const body = { format: 'json', fields: [...fields.map((n) => ({ name: n })), CONNECTION_FIELD] };
  if (connId) body.connection_id = connId;
  const created = await client.createUsersExport(body);
  const createdAt = new Date().toISOString();
  out.info(`${client.label}: export job ${created.id} started`);
  const shown = progress || new Progress(out, { phase: 'export' });
  shown.track(client.label, { status: created.status });
  let job;
  try {
    job = await waitForJob(client, created.id, { pollMs, onPoll: (j) => shown.update(client.label, j) });
  } finally {
    if (!progress) shown.stop();
  }
  if (job.status !== 'completed' || !job.location) {
    throw new UpstreamError(`${client.label}: the export job ${created.id} ended ${job.status}`, { hint: 'run the command again; if it keeps failing, check the tenant logs' });
  }
  const file = path.join(dir, `${name}.json.gz`);
  await downloadTo(job.location, file, { label: client.label });
  return exportHandle(client.label, { file, jobId: created.id, connectionId: connId, wholeTenant: connId === null, createdAt, connection });
}

/** An export file on disk, as exportUsers returns it (also one kept from an interrupted `tail`). */
function exportHandle(label, { file, jobId, connectionId: connId, wholeTenant, createdAt, connection }) {
  const stats = { total: 0, kept: 0, byConnection: new Map() };
  return {
    file,
    jobId,
    connectionId: connId,
    wholeTenant,
    createdAt,
    stats,
    /** The users kept, once records() has been read through. */
    get count() {
      return stats.kept;
    },
    async *records() {
      for await (const r of gzipRecords(file, { label })) {
        stats.total += 1;
        if (wholeTenant) {
          const c = typeof r.connection === 'string' ? r.connection : '(none)';
          stats.byConnection.set(c, (stats.byConnection.get(c) || 0) + 1);
          if (r.connection !== connection) continue;
        }
        stats.kept += 1;
        yield r;
      }
    },
  };
}

/**
 * What `tail`, `status` and `retire` each start from: exports of both tenants (for a resumed `tail`,
 * the old tenant's export of the interrupted run may be reused: `reuseOld`, a handle's fields) and
 * the plan (stream/join.js). The old connection must hold users: a typo is refused with the
 * connections the export did see (exit 3), never read as "100% migrated", "nothing to import" or
 * "nobody left behind". `dir`: a working folder (the downloads, the join's files); the new tenant's
 * export is removed after the plan, the old one kept (tail reuses it). `oldFields` / `newFields`: what
 * each export carries (status counts with fewer: count-method.js). `onImport`, `allow`, `leftBehind`,
 * `watch`: see join.js. `listed`: a source other than an Auth0 tenant (old-side.js): its listing
 * (stream/listing.js) takes the old export's place, its records mapped by the engine already, and
 * an empty listing is refused like an empty export. Returns {oldExport, newExport, plan}: the plan's
 * lists as {count, items (first 1000)}.
 */
async function exportAndPlan(
  oldClient,
  newClient,
  { settings, target, engine, pollMs, out, skip = null, oldFields = OLD_FIELDS, newFields = NEW_FIELDS, dir, reuseOld = null, onImport, allow, leftBehind = false, watch = null, listed = null }
) {
  const progress = new Progress(out, { phase: 'export' });
  let oldExport;
  let newExport;
  try {
    [oldExport, newExport] = await Promise.all([
      reuseOld
        ? exportHandle(oldClient.label, { ...reuseOld, connection: settings.Connection })
        : listed
          ? listed.list({ dir, name: 'old-list' })
          : exportUsers(oldClient, { connection: settings.Connection, fields: oldFields, pollMs, out, progress, dir, name: 'old-export' }),
      exportUsers(newClient, { connection: target.connection, fields: newFields, pollMs, out, progress, dir, name: 'new-export' }),
    ]);
  } finally {
    progress.stop();
  }
  const joinDir = fs.mkdtempSync(path.join(dir, 'join-'));
  let plan;
  try {
    const mapRecord = listed ? (rec) => rec.import : null;
    plan = await planFromExports({ oldRecords: oldExport.records(), newRecords: newExport.records(), engine, settings, dir: joinDir, skip, onImport, allow, leftBehind, watch, mapRecord });
  } finally {
    fs.rmSync(joinDir, { recursive: true, force: true });
    fs.rmSync(newExport.file, { force: true });
  }
  if (listed && !oldExport.stats.kept) {
    throw new UpstreamError(`${oldClient.label}: the listing holds no user: nothing to count or migrate`, { hint: listed.emptyHint });
  }
  if (!listed) requireUsers(oldClient, settings.Connection, oldExport.stats, { wholeTenant: oldExport.wholeTenant, optionHint: '--connection / ALM_CONNECTION' });
  return { oldExport, newExport, plan };
}

/**
 * Which of `candidates` (a Set of user ids, small: the users an import refused as duplicates) a
 * fresh export of the connection holds; the export is streamed, only the matches are kept.
 */
async function presentAmong(client, candidates, { connection, pollMs, out, dir }) {
  const exp = await exportUsers(client, { connection, fields: NEW_FIELDS, pollMs, out, dir, name: 'recheck-export' });
  const found = new Set();
  try {
    for await (const r of exp.records()) if (candidates.has(r.user_id)) found.add(r.user_id);
  } finally {
    fs.rmSync(exp.file, { force: true });
  }
  return found;
}

/**
 * A working folder for one command's downloads and join files, removed by `done()`: for `status`,
 * `retire` and tail's dry runs, under the system's temporary folder (TMPDIR).
 */
function tempWorkDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-work-'));
  return { dir, done: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Reads an operator's list of users: one old user id (e.g. auth0|abc) or email per line; blank lines
 * and `#` comments ignored. Emails are compared case-insensitively. Returns a Set.
 */
function readUserList(file, option) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${option} ${file}: ${err.code || err.message}`, { hint: `give a file with one user id (e.g. auth0|abc) or email per line` });
  }
  const set = new Set();
  text.split(/\r?\n/).forEach((raw, n) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    if (/\s/.test(line)) {
      throw new UsageError(`${option} ${file} line ${n + 1} is not one user id or email`, { hint: 'write one user id (e.g. auth0|abc) or email per line; # starts a comment' });
    }
    set.add(line.includes('@') ? line.toLowerCase() : line);
  });
  return set;
}

module.exports = {
  MAX_CHUNK_BYTES,
  DEFAULT_CHUNK_BYTES,
  OLD_FIELDS,
  NEW_FIELDS,
  connectionId,
  waitForJob,
  exportAndPlan,
  presentAmong,
  tempWorkDir,
  readUserList,
};
