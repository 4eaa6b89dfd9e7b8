'use strict';
/**
 * Bulk reads and the migration arithmetic shared by `tail` and `status`:
 * - exportUsers: a users-exports job, polled, its gzipped NDJSON downloaded (no Authorization header:
 *   the link is pre-signed and the token must not leave the tenant) within the 60 s it is valid. Real
 *   exports take minutes: each poll feeds a status line (progress.js), both tenants' jobs on one line;
 * - plan: which old users are already in the new tenant, which are blocked, which to import. Each
 *   record goes through dist/engine.js `importRecord`, the Rust code the scripts run, so ids and
 *   profiles are exactly what login/get_user would have produced. A user the old tenant marked
 *   `migration_complete` but who is not in the new tenant is imported (the mark only proves a password
 *   check, e.g. by `try login`), and listed; only the operator's --skip-users list leaves users out;
 * - chunk: JSON array files under the import size limit;
 * - multipart: a users-imports request body built by hand; the command line sends its imports through
 *   the SDK (auth0.js createUsersImport), this is for tests that drive the fake tenant directly.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const zlib = require('node:zlib');
const { UpstreamError, UsageError } = require('./errors');
const { download, sleep } = require('./auth0');
const { didYouMean } = require('./suggest');
const { Progress } = require('./progress');

/** Auth0's documented import file limit (500 KB; its API names 512000 bytes): we stay under both. */
const MAX_CHUNK_BYTES = require('../auth0-limits').IMPORT_FILE_BYTES;
const DEFAULT_CHUNK_BYTES = 480000;

const OLD_FIELDS = ['user_id', 'email', 'email_verified', 'username', 'name', 'nickname', 'given_name', 'family_name', 'picture', 'user_metadata', 'app_metadata', 'blocked'];
const NEW_FIELDS = ['user_id', 'email'];
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
 * or "imported: 0". The message lists the connections the export did see, closest first.
 */
function requireUsers(client, connection, records, kept, { wholeTenant, optionHint }) {
  if (kept.length) return;
  const fix = `correct ${optionHint || 'the connection name'} (Auth0 connection names are case-sensitive)`;
  if (!wholeTenant) {
    throw new UpstreamError(`${client.label}: the connection "${connection}" has no users: nothing to count or migrate there`, {
      hint: `check that ${optionHint || 'the connection name'} names the connection your users are in`,
    });
  }
  const seen = new Map();
  for (const r of records) {
    const c = typeof r.connection === 'string' ? r.connection : '(none)';
    seen.set(c, (seen.get(c) || 0) + 1);
  }
  const list = [...seen].map(([c, n]) => `${c} (${n} user${n === 1 ? '' : 's'})`).join(', ');
  throw new UpstreamError(
    `${client.label}: no user of the export is in the connection "${connection}"${didYouMean(connection, [...seen.keys()])}; connections seen in the export: ${list || 'none (the tenant has no users)'}`,
    { hint: fix }
  );
}

/** Polls a job until it is completed or failed; `onPoll` sees each answer (progress.js shows it). */
async function waitForJob(client, id, { pollMs, timeoutMs = 4 * 3600 * 1000, onPoll } = {}) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.getJob(id);
    if (onPoll) onPoll(job);
    if (job.status === 'completed' || job.status === 'failed' || job.status === 'expired') return job;
    if (Date.now() > until) throw new UpstreamError(`${client.label}: job ${id} did not finish in time (status ${job.status})`);
    await sleep(pollMs);
  }
}

/**
 * Exports the users of a connection: an array of records with `fields` (plus `connection`).
 * With `require`, a connection that matches no user is an error naming the connections seen
 * (`optionHint` names the option to correct, e.g. "--connection / ALM_CONNECTION").
 * `progress`: the export phase's status line, shared by both tenants' jobs (exportAndPlan); without
 * one the job gets a line of its own.
 * @returns {Promise<{records: object[], jobId: string, wholeTenant: boolean}>}
 */
async function exportUsers(client, { connection, fields, pollMs, out, require: mustHaveUsers = false, optionHint, progress }) {
  const connId = await connectionId(client, connection);
  if (connId === null) {
    out.info(`${client.label}: the app may not read connections; exporting the whole tenant and keeping "${connection}"`);
  }
  const body = { format: 'json', fields: [...fields.map((name) => ({ name })), CONNECTION_FIELD] };
  if (connId) body.connection_id = connId;
  const created = await client.createUsersExport(body);
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
  const gz = await download(job.location, { label: client.label });
  let text;
  try {
    text = zlib.gunzipSync(gz).toString('utf8');
  } catch {
    throw new UpstreamError(`${client.label}: the export file is not gzip data`);
  }
  const records = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      throw new UpstreamError(`${client.label}: the export file has a line that is not JSON`);
    }
  }
  const kept = connId ? records : records.filter((r) => r.connection === connection);
  if (mustHaveUsers) requireUsers(client, connection, records, kept, { wholeTenant: connId === null, optionHint });
  return { records: kept, jobId: created.id, connectionId: connId, wholeTenant: connId === null };
}

/**
 * What `tail`, `status` and `retire` each start from: fresh exports of both tenants and the plan.
 * The old connection must hold users (`require`): a typo is refused with the connections the export
 * did see (exit 3), never read as "100% migrated", "nothing to import" or "nobody left behind".
 */
async function exportAndPlan(oldClient, newClient, { settings, target, engine, pollMs, out, skip = null }) {
  const progress = new Progress(out, { phase: 'export' });
  let oldExport;
  let newExport;
  try {
    [oldExport, newExport] = await Promise.all([
      exportUsers(oldClient, { connection: settings.Connection, fields: OLD_FIELDS, pollMs, out, require: true, optionHint: '--connection / ALM_CONNECTION', progress }),
      exportUsers(newClient, { connection: target.connection, fields: NEW_FIELDS, pollMs, out, progress }),
    ]);
  } finally {
    progress.stop();
  }
  return { oldExport, newExport, plan: plan(oldExport.records, newExport.records, { engine, settings, skip }) };
}

/**
 * Decides, for each old user, what the tail does with it.
 * `skip`: the operator's --skip-users list (see readUserList), matched on the old id, the new id or the
 * email; users it names are left out and listed, never silently.
 * @returns {{toImport: object[], present: string[], blocked: string[], conflicts: object[], invalid: object[],
 *   markedAbsent: string[], skippedListed: string[], unmatchedSkips: string[], newOnly: number}}
 */
function plan(oldRecords, newRecords, { engine, settings, skip = null }) {
  const newIds = new Set(newRecords.map((r) => r.user_id));
  const newEmails = new Set(newRecords.filter((r) => typeof r.email === 'string').map((r) => r.email.toLowerCase()));
  const out = { toImport: [], present: [], blocked: [], conflicts: [], invalid: [], markedAbsent: [], skippedListed: [], unmatchedSkips: [], matched: new Set() };
  const skipUsed = new Set();
  const listed = (...keys) => {
    if (!skip) return null;
    for (const k of keys) {
      if (typeof k !== 'string') continue;
      const key = k.includes('@') ? k.toLowerCase() : k;
      if (skip.has(key)) return key;
    }
    return null;
  };
  for (const rec of oldRecords) {
    // The Rust mapping (the same as login and get_user) decides the record and whether to skip it.
    const r = engine.importRecord({ settings, user: rec });
    const newId = r.user ? `auth0|${r.user.user_id}` : null;
    const hit = listed(rec.user_id, newId, rec.email);
    if (hit) skipUsed.add(hit);
    if (newId && newIds.has(newId)) {
      out.present.push(rec.user_id);
      out.matched.add(newId);
      continue;
    }
    if (r.error) {
      out.invalid.push({ user_id: rec.user_id, error: r.error });
      continue;
    }
    if (r.skip === 'blocked') {
      out.blocked.push(rec.user_id);
      continue;
    }
    // The mark is set on a successful password check, which does not prove the new tenant stored the
    // user: a marked user absent from the new tenant is imported like any other, and listed.
    // The engine says whether the old tenant marked the user (src/boundary.rs import_record).
    const marked = r.marked === true;
    if (hit) {
      out.skippedListed.push(rec.user_id);
      continue;
    }
    if (typeof r.user.email === 'string' && newEmails.has(r.user.email.toLowerCase())) {
      out.conflicts.push({ user_id: rec.user_id, newUserId: newId, reason: 'the new tenant has a user with this email under another id' });
      continue;
    }
    if (marked) out.markedAbsent.push(rec.user_id);
    out.toImport.push(r.user);
  }
  if (skip) out.unmatchedSkips = [...skip].filter((k) => !skipUsed.has(k));
  out.newOnly = newRecords.filter((r) => !out.matched.has(r.user_id)).length;
  delete out.matched;
  return out;
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

/** Splits records into JSON array texts of at most `maxBytes` bytes each. */
function chunk(records, maxBytes) {
  const chunks = [];
  const tooLarge = [];
  let cur = [];
  let size = 2; // "[" and "]"
  for (const rec of [...records].sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0))) {
    const text = JSON.stringify(rec);
    const n = Buffer.byteLength(text) + (cur.length ? 1 : 0);
    if (2 + Buffer.byteLength(text) > maxBytes) {
      tooLarge.push(rec.user_id);
      continue;
    }
    if (size + n > maxBytes) {
      chunks.push(cur);
      cur = [];
      size = 2;
    }
    cur.push(text);
    size += Buffer.byteLength(text) + (cur.length > 1 ? 1 : 0);
  }
  if (cur.length) chunks.push(cur);
  return {
    chunks: chunks.map((texts) => {
      const body = `[${texts.join(',')}]`;
      const recs = texts.map((t) => JSON.parse(t));
      return {
        text: body,
        bytes: Buffer.byteLength(body),
        userIds: recs.map((r) => r.user_id),
        // Who the file creates in the new tenant, for the record of imported users.
        users: recs.map((r) => ({ user_id: `auth0|${r.user_id}`, email: typeof r.email === 'string' ? r.email : null })),
      };
    }),
    tooLarge,
  };
}

/** A multipart/form-data body: `fields` as text parts, `file` as the `users` file part. */
function multipart(fields, file) {
  const boundary = `----alm${crypto.randomBytes(12).toString('hex')}`;
  const parts = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="users"; filename="${file.name}"\r\nContent-Type: application/json\r\n\r\n`));
  parts.push(Buffer.from(file.text, 'utf8'));
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

module.exports = {
  MAX_CHUNK_BYTES,
  DEFAULT_CHUNK_BYTES,
  OLD_FIELDS,
  NEW_FIELDS,
  connectionId,
  waitForJob,
  exportUsers,
  exportAndPlan,
  plan,
  readUserList,
  chunk,
  multipart,
};
