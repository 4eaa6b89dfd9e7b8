'use strict';
/**
 * Bulk reads and the migration arithmetic shared by `tail` and `status`:
 * - exportUsers: a users-exports job, polled, its gzipped NDJSON downloaded (no Authorization header:
 *   the link is pre-signed and the token must not leave the tenant) within the 60 s it is valid;
 * - plan: which old users are already in the new tenant, which are blocked, which to import. Each
 *   record goes through dist/engine.js `importRecord`, the Rust code the scripts run, so ids and
 *   profiles are exactly what login/get_user would have produced;
 * - chunk: JSON array files under the import size limit;
 * - multipart: the users-imports request body.
 */

const crypto = require('node:crypto');
const zlib = require('node:zlib');
const { UpstreamError } = require('./errors');
const { download, sleep } = require('./auth0');

/** Auth0's documented import file limit is 500 KB; its API names 512000 bytes. We stay under both. */
const MAX_CHUNK_BYTES = 500000;
const DEFAULT_CHUNK_BYTES = 480000;

const OLD_FIELDS = ['user_id', 'email', 'email_verified', 'username', 'name', 'nickname', 'given_name', 'family_name',
  'picture', 'user_metadata', 'app_metadata', 'blocked'];
const NEW_FIELDS = ['user_id', 'email'];
const CONNECTION_FIELD = { name: 'identities[0].connection', export_as: 'connection' };

/**
 * The id of a connection by name, or null when the app may not read connections (403): the export then
 * covers the whole tenant and is filtered by each user's connection.
 */
async function connectionId(client, name) {
  let list;
  try {
    list = await client.get('connections', { name, strategy: 'auth0', fields: 'id,name' });
  } catch (err) {
    if (err.status === 403) return null;
    throw err;
  }
  const c = (Array.isArray(list) ? list : []).find((x) => x && x.name === name);
  if (!c) throw new UpstreamError(`${client.label}: no database connection named "${name}"`, { hint: 'check the connection name' });
  return c.id;
}

/** Polls a job until it is completed or failed. */
async function waitForJob(client, id, { pollMs, timeoutMs = 4 * 3600 * 1000, onPoll } = {}) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.get(`jobs/${encodeURIComponent(id)}`);
    if (onPoll) onPoll(job);
    if (job.status === 'completed' || job.status === 'failed' || job.status === 'expired') return job;
    if (Date.now() > until) throw new UpstreamError(`${client.label}: job ${id} did not finish in time (status ${job.status})`);
    await sleep(pollMs);
  }
}

/**
 * Exports the users of a connection: an array of records with `fields` (plus `connection`).
 * @returns {Promise<{records: object[], jobId: string, wholeTenant: boolean}>}
 */
async function exportUsers(client, { connection, fields, pollMs, out }) {
  const connId = await connectionId(client, connection);
  if (connId === null) {
    out.info(`${client.label}: the app may not read connections; exporting the whole tenant and keeping "${connection}"`);
  }
  const body = { format: 'json', fields: [...fields.map((name) => ({ name })), CONNECTION_FIELD] };
  if (connId) body.connection_id = connId;
  const created = (await client.api('POST', 'jobs/users-exports', { json: body })).body;
  out.info(`${client.label}: export job ${created.id} started`);
  const job = await waitForJob(client, created.id, { pollMs });
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
  return { records: kept, jobId: created.id, connectionId: connId, wholeTenant: connId === null };
}

/**
 * Decides, for each old user, what the tail does with it.
 * @returns {{toImport: object[], present: string[], blocked: string[], conflicts: object[], invalid: object[], markedAbsent: string[], newOnly: number}}
 */
function plan(oldRecords, newRecords, { engine, settings }) {
  const newIds = new Set(newRecords.map((r) => r.user_id));
  const newEmails = new Set(newRecords.filter((r) => typeof r.email === 'string').map((r) => r.email.toLowerCase()));
  const out = { toImport: [], present: [], blocked: [], conflicts: [], invalid: [], markedAbsent: [], skippedMarked: [], matched: new Set() };
  for (const rec of oldRecords) {
    // The Rust mapping (the same as login and get_user) decides the record and whether to skip it.
    const r = engine.importRecord({ settings, user: rec });
    const newId = r.user ? `auth0|${r.user.user_id}` : null;
    if (newId && newIds.has(newId)) {
      out.present.push(rec.user_id);
      out.matched.add(newId);
      continue;
    }
    if (r.error) { out.invalid.push({ user_id: rec.user_id, error: r.error }); continue; }
    if (r.skip === 'blocked') { out.blocked.push(rec.user_id); continue; }
    if (r.skip === 'migrated') {
      // Marked by the old tenant but not in the new one (deleted there?): not brought back while
      // Skip_Migrated_Users is on, as get_user would not offer them either.
      out.markedAbsent.push(rec.user_id);
      out.skippedMarked.push(rec.user_id);
      continue;
    }
    const marked = !!(rec.app_metadata && rec.app_metadata.migration_complete === true);
    if (typeof r.user.email === 'string' && newEmails.has(r.user.email.toLowerCase())) {
      out.conflicts.push({ user_id: rec.user_id, newUserId: newId, reason: 'the new tenant has a user with this email under another id' });
      continue;
    }
    if (marked) out.markedAbsent.push(rec.user_id);
    out.toImport.push(r.user);
  }
  out.newOnly = newRecords.filter((r) => !out.matched.has(r.user_id)).length;
  delete out.matched;
  return out;
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
    if (2 + Buffer.byteLength(text) > maxBytes) { tooLarge.push(rec.user_id); continue; }
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
      return { text: body, bytes: Buffer.byteLength(body), userIds: texts.map((t) => JSON.parse(t).user_id) };
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
  MAX_CHUNK_BYTES, DEFAULT_CHUNK_BYTES, OLD_FIELDS, NEW_FIELDS,
  connectionId, waitForJob, exportUsers, plan, chunk, multipart,
};
