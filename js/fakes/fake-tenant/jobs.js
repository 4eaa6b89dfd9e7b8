'use strict';
/**
 * The bulk job routes of the fake tenant (the operator's `tail` and `status` commands):
 *   POST /api/v2/jobs/users-exports   JSON {connection_id?, format, limit?, fields?}      scope read:users
 *   POST /api/v2/jobs/users-imports   multipart {users, connection_id, upsert, ...}       scope create:users
 *   GET  /api/v2/jobs/{id}            the job                                             read:users or create:users
 *   GET  /api/v2/jobs/{id}/errors     per-user errors of an import                        read:users or create:users
 *   GET  /exports/{id}/{token}.json.gz  the export file (the job's `location`), no auth, valid 60 s
 *
 * Auth0 facts copied (bulk import/export guides and the Management API reference): jobs go pending ->
 * processing -> completed | failed; an export's result is gzipped NDJSON at a `location` URL valid for
 * 60 s, without password hashes; imports take a JSON array file of at most 500 KB (the API's own limit
 * message says 512000 bytes), add `auth0|` to each given `user_id`, and answer a user that already exists
 * (same id, email or username in the connection) with a DUPLICATED_USER error unless `upsert`; a tenant
 * runs at most 2 import jobs at once, a third gets 429 "There are 2 active import users jobs...".
 * UNCONFIRMED and chosen here: the DUPLICATED_USER message text; the reply of /errors for a job without
 * errors (the job itself, not an empty array); the export's status code (201); the download host's
 * refusals (an Authorization header is refused, as presigned-URL stores do; an expired link is 403).
 *
 * Tests steer the jobs through `tenant.jobs` (see fake-tenant.js): how long a job takes, holding jobs
 * until released, making the next job of a type fail as a whole, and the jobs' clock (advanceClock):
 * a job is forgotten 24 h after its creation (404) and an import still running after 2 h fails, as
 * Auth0 documents; each user an import creates is counted (creations), and list() names each import
 * file's user ids.
 */

const crypto = require('node:crypto');
const zlib = require('node:zlib');
const { authenticate, publicUser, mgmtError } = require('./management');

const { IMPORT_FILE_API_BYTES: IMPORT_FILE_LIMIT, IMPORT_JOBS_AT_ONCE: MAX_ACTIVE_IMPORTS } = require('../../auth0-limits');
const EXPORT_LINK_SECONDS = 60;
/** Auth0 keeps a job 24 h (then GET /jobs/{id} is 404) and fails an import job that runs over 2 h. */
const JOB_TTL_MS = 24 * 3600 * 1000;
const IMPORT_TIMEOUT_MS = 2 * 3600 * 1000;
const DEFAULT_EXPORT_FIELDS = ['user_id', 'email', 'email_verified', 'name', 'nickname', 'picture', 'created_at', 'updated_at', 'last_login', 'logins_count'];
const IMPORT_FIELDS = new Set([
  'user_id',
  'email',
  'email_verified',
  'username',
  'given_name',
  'family_name',
  'name',
  'nickname',
  'picture',
  'blocked',
  'user_metadata',
  'app_metadata',
  'custom_password_hash',
  'password_hash',
  'mfa_factors',
  'phone_number',
  'phone_verified',
]);
const UPSERTABLE = ['email_verified', 'given_name', 'family_name', 'name', 'nickname', 'picture', 'blocked', 'user_metadata', 'app_metadata'];

const jobId = () =>
  `job_${crypto
    .randomBytes(12)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16)
    .padEnd(16, 'x')}`;

/** Parses a multipart/form-data body into {name: {value: Buffer, filename, contentType}}; null if malformed. */
function parseMultipart(contentType, buf) {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(String(contentType || ''));
  if (!/^multipart\/form-data/i.test(String(contentType || '')) || !m) return null;
  const boundary = Buffer.from(`--${(m[1] || m[2]).trim()}`);
  const parts = {};
  let pos = buf.indexOf(boundary);
  if (pos < 0) return null;
  for (;;) {
    pos += boundary.length;
    if (buf.slice(pos, pos + 2).toString() === '--') break; // closing boundary
    if (buf.slice(pos, pos + 2).toString() !== '\r\n') return null;
    pos += 2;
    const headEnd = buf.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) return null;
    const head = buf.slice(pos, headEnd).toString('utf8');
    const next = buf.indexOf(Buffer.concat([Buffer.from('\r\n'), boundary]), headEnd + 4);
    if (next < 0) return null;
    const disp = /content-disposition:\s*form-data;([^\r\n]*)/i.exec(head);
    if (!disp) return null;
    const name = /\bname="([^"]*)"/i.exec(disp[1]);
    const filename = /\bfilename="([^"]*)"/i.exec(disp[1]);
    const type = /content-type:\s*([^\r\n]+)/i.exec(head);
    if (!name) return null;
    parts[name[1]] = { value: buf.slice(headEnd + 4, next), filename: filename ? filename[1] : null, contentType: type ? type[1].trim() : null };
    pos = next + 2;
  }
  return parts;
}

/** Reads `a.b[0].c` from an object. */
function pick(obj, path) {
  let v = obj;
  for (const part of path.split('.')) {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    v = v === null || typeof v !== 'object' ? undefined : v[m[1]];
    for (const idx of m[2].match(/\d+/g) || []) v = Array.isArray(v) ? v[Number(idx)] : undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

function publicJob(job) {
  const out = { status: job.status, type: job.type, created_at: job.created_at, id: job.id };
  if (job.connection_id) out.connection_id = job.connection_id;
  if (job.type === 'users_export') {
    out.format = job.format;
    if (job.limit !== undefined) out.limit = job.limit;
    out.fields = job.fields;
    if (job.connection) out.connection = job.connection;
    if (job.status === 'completed') out.location = job.location;
  } else {
    out.upsert = job.upsert;
    if (job.external_id !== undefined) out.external_id = job.external_id;
    out.send_completion_email = job.send_completion_email;
    if (job.status === 'processing') {
      out.percentage_done = 0;
      out.time_left_seconds = 1;
    }
    if (job.summary) out.summary = { ...job.summary };
  }
  return out;
}

/** Job state and the routes. One per tenant. */
class Jobs {
  constructor(st, { delay, origin, synthetic }) {
    this.st = st;
    // The benchmark's N-user population (synthetic.js): exports streamed, imports kept in indexes.
    this.synthetic = synthetic ? require('./synthetic').attach(st, synthetic, { pick, publicUser }) : null;
    this.delay = delay; // (ms) => Promise, cancelled by tenant.close()
    this.origin = origin; // () => 'https://host:port/'
    this.byId = new Map();
    this.files = new Map(); // download token -> {job, gz, expiresAt}
    this.durationMs = 20;
    this.held = false;
    this.heldJobs = [];
    this.failNext = { users_import: 0, users_export: 0 };
    this.maxActiveImports = 0; // the most import jobs pending/processing at once, for tests
    // The jobs' clock: real time plus `clockOffsetMs`, so tests can age jobs by hours (expiry, timeout).
    this.clockOffsetMs = 0;
    this.creations = new Map(); // user id -> how many times an import created it (tests: never twice)
  }

  /**
   * Starts processing a job after `durationMs`, unless jobs are held. A held job that ended meanwhile
   * (an import failed for running over 2 h) stays ended when released: Auth0 never revives one.
   */
  schedule(job) {
    if (job.status !== 'pending') return;
    if (this.held === true || this.held === job.type) {
      this.heldJobs.push(job);
      return;
    }
    job.status = 'processing';
    this.delay(this.durationMs).then(
      () => this.finish(job),
      () => {}
    );
  }

  release() {
    this.held = false;
    const jobs = this.heldJobs.splice(0);
    for (const j of jobs) this.schedule(j);
  }

  finish(job) {
    if (job.status === 'completed' || job.status === 'failed') return;
    if (this.failNext[job.type] > 0) {
      this.failNext[job.type] -= 1;
      job.status = 'failed';
      if (job.type === 'users_import') {
        const total = Array.isArray(job.parsed) ? job.parsed.length : 0;
        job.summary = { failed: total, updated: 0, inserted: 0, total };
      }
      return;
    }
    if (job.type === 'users_export') this.finishExport(job);
    else this.finishImport(job);
  }

  finishExport(job) {
    if (this.synthetic) return this.publish(job, { stream: this.synthetic.finishExport(job) });
    const conn = job.connection_id ? this.st.connections.find((c) => c.id === job.connection_id) : null;
    const users = this.st.users.filter((u) => !conn || u.connection === conn.name);
    const limited = job.limit ? users.slice(0, job.limit) : users;
    const fields = job.fields && job.fields.length ? job.fields : DEFAULT_EXPORT_FIELDS.map((name) => ({ name }));
    const lines = limited.map((u) => {
      const view = publicUser(u);
      const rec = {};
      for (const f of fields) {
        const v = pick(view, f.name);
        if (v !== undefined) rec[f.export_as || f.name] = v;
      }
      return JSON.stringify(rec);
    });
    this.publish(job, { gz: zlib.gzipSync(Buffer.from(lines.length ? `${lines.join('\n')}\n` : '', 'utf8')) });
  }

  /** Completes an export: its file (`gz` bytes, or `stream()` making them) behind a 60 s link. */
  publish(job, file) {
    const token = crypto.randomBytes(16).toString('hex');
    this.files.set(token, { job, ...file, expiresAt: this.now() + EXPORT_LINK_SECONDS * 1000 });
    job.location = `${this.origin()}exports/${job.id}/${token}.json.gz`;
    job.status = 'completed';
  }

  finishImport(job) {
    if (this.synthetic) return this.synthetic.finishImport(job);
    const conn = this.st.connections.find((c) => c.id === job.connection_id);
    const list = job.parsed;
    if (!Array.isArray(list)) {
      job.status = 'failed';
      job.summary = { failed: 0, updated: 0, inserted: 0, total: 0 };
      job.failure = 'failed to parse the users JSON file';
      return;
    }
    const summary = { failed: 0, updated: 0, inserted: 0, total: list.length };
    const now = new Date(this.st.nowSec() * 1000).toISOString();
    for (const given of list) {
      const errors = [];
      if (!given || typeof given !== 'object' || Array.isArray(given)) {
        errors.push({ code: 'INVALID_FORMAT', message: 'Expected type object', path: '' });
      } else {
        for (const k of Object.keys(given)) {
          if (!IMPORT_FIELDS.has(k)) errors.push({ code: 'OBJECT_ADDITIONAL_PROPERTIES', message: `Additional properties not allowed: ${k}`, path: k });
        }
        if (typeof given.email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(given.email)) {
          errors.push({ code: 'INVALID_FORMAT', message: "Object didn't pass validation for format email", path: 'email' });
        }
      }
      if (errors.length === 0) {
        const id = `auth0|${given.user_id !== undefined ? given.user_id : crypto.randomBytes(12).toString('hex')}`;
        const email = given.email.toLowerCase();
        const username = typeof given.username === 'string' ? given.username.toLowerCase() : undefined;
        const existing = this.st.users.find((u) => u.connection === conn.name && (u.user_id === id || u.email === email || (username && u.username === username)));
        if (existing && !job.upsert) {
          errors.push({ code: 'DUPLICATED_USER', message: 'The user already exists.', path: '' });
        } else if (existing) {
          for (const k of UPSERTABLE) if (given[k] !== undefined) existing[k] = structuredClone(given[k]);
          existing.updated_at = now;
          summary.updated += 1;
        } else {
          this.st.users.push({
            user_id: id,
            connection: conn.name,
            email,
            email_verified: !!given.email_verified,
            ...(username !== undefined ? { username } : {}),
            name: given.name !== undefined ? given.name : email,
            nickname: given.nickname !== undefined ? given.nickname : email.split('@')[0],
            ...(given.given_name !== undefined ? { given_name: given.given_name } : {}),
            ...(given.family_name !== undefined ? { family_name: given.family_name } : {}),
            picture: given.picture,
            ...(given.user_metadata !== undefined ? { user_metadata: structuredClone(given.user_metadata) } : {}),
            ...(given.app_metadata !== undefined ? { app_metadata: structuredClone(given.app_metadata) } : {}),
            ...(given.blocked ? { blocked: true } : {}),
            created_at: now,
            updated_at: now,
            logins_count: 0,
            imported_by_job: job.id, // fake-only bookkeeping; no password: the user resets it
          });
          summary.inserted += 1;
          this.creations.set(id, (this.creations.get(id) || 0) + 1);
        }
      }
      if (errors.length) {
        summary.failed += 1;
        job.errors.push({ user: given, errors });
      }
    }
    job.summary = summary;
    job.status = 'completed';
  }

  activeImports() {
    return [...this.byId.values()].filter((j) => j.type === 'users_import' && (j.status === 'pending' || j.status === 'processing')).length;
  }

  createExport(headers, body) {
    const auth = authenticate(this.st, headers, 'read:users');
    if (auth.error) return auth.error;
    if (body === undefined) return mgmtError(400, 'Bad Request', 'Invalid request payload JSON format', 'invalid_body');
    if (!body || typeof body !== 'object' || Array.isArray(body)) return mgmtError(400, 'Bad Request', "Payload validation error: 'Expected type object'.", 'invalid_body');
    const format = body.format || 'csv';
    if (format !== 'json' && format !== 'csv') return mgmtError(400, 'Bad Request', `Payload validation error: 'No enum match for: "${format}"' on property format.`, 'invalid_body');
    if (format === 'csv') return mgmtError(400, 'Bad Request', 'fake tenant: csv exports are not implemented (use json)', 'fake_tenant_unsupported');
    let conn = null;
    if (body.connection_id !== undefined) {
      conn = this.st.connections.find((c) => c.id === body.connection_id);
      if (!conn) return mgmtError(400, 'Bad Request', 'The connection does not exist', 'invalid_body');
    }
    if (body.fields !== undefined && (!Array.isArray(body.fields) || body.fields.some((f) => !f || typeof f.name !== 'string'))) {
      return mgmtError(400, 'Bad Request', "Payload validation error: 'Expected type array' on property fields.", 'invalid_body');
    }
    const job = {
      id: jobId(),
      type: 'users_export',
      status: 'pending',
      created_at: new Date(this.now()).toISOString(),
      connection_id: conn ? conn.id : undefined,
      connection: conn ? conn.name : undefined,
      format,
      limit: body.limit,
      fields: body.fields || DEFAULT_EXPORT_FIELDS.map((name) => ({ name })),
      errors: [],
    };
    this.byId.set(job.id, job);
    const reply = publicJob(job); // as created: pending
    this.schedule(job);
    return { status: 201, body: reply };
  }

  createImport(headers, contentType, buf) {
    const auth = authenticate(this.st, headers, 'create:users');
    if (auth.error) return auth.error;
    const parts = parseMultipart(contentType, buf);
    if (!parts) return mgmtError(400, 'Bad Request', 'Invalid multipart payload format', 'invalid_body');
    if (!parts.users) return mgmtError(400, 'Bad Request', "Payload validation error: 'Missing required property: users'.", 'invalid_body');
    if (!parts.connection_id) return mgmtError(400, 'Bad Request', "Payload validation error: 'Missing required property: connection_id'.", 'invalid_body');
    if (parts.users.value.length > IMPORT_FILE_LIMIT) {
      return mgmtError(413, 'Request Entity Too Large', `Payload content length greater than maximum allowed: ${IMPORT_FILE_LIMIT}`);
    }
    const connectionId = parts.connection_id.value.toString('utf8');
    const conn = this.st.connections.find((c) => c.id === connectionId);
    if (!conn) return mgmtError(400, 'Bad Request', 'The connection does not exist', 'invalid_body');
    if (this.activeImports() >= MAX_ACTIVE_IMPORTS) {
      return mgmtError(429, 'Too Many Requests', `There are ${MAX_ACTIVE_IMPORTS} active import users jobs, please wait until some of them are finished and try again`);
    }
    let parsed;
    try {
      parsed = JSON.parse(parts.users.value.toString('utf8'));
    } catch {
      parsed = null;
    }
    const flag = (name, dflt) => (parts[name] ? parts[name].value.toString('utf8') === 'true' : dflt);
    const job = {
      id: jobId(),
      type: 'users_import',
      status: 'pending',
      created_at: new Date(this.now()).toISOString(),
      connection_id: conn.id,
      upsert: flag('upsert', false),
      send_completion_email: flag('send_completion_email', true),
      external_id: parts.external_id ? parts.external_id.value.toString('utf8') : undefined,
      parsed,
      errors: [],
      summary: null,
      fileBytes: parts.users.value.length,
    };
    this.byId.set(job.id, job);
    this.maxActiveImports = Math.max(this.maxActiveImports, this.activeImports());
    const reply = publicJob(job); // as created: pending
    this.schedule(job);
    return { status: 202, body: reply };
  }

  getJob(headers, id, withErrors) {
    const auth = authenticate(this.st, headers, ['read:users', 'create:users']);
    if (auth.error) return auth.error;
    const job = this.byId.get(id);
    if (!job || this.now() - Date.parse(job.created_at) > JOB_TTL_MS) return mgmtError(404, 'Not Found', 'The job does not exist.', 'inexistent_job');
    this.timeOut(job);
    if (!withErrors) return { status: 200, body: publicJob(job) };
    if (job.errors.length === 0) return { status: 200, body: publicJob(job) };
    return { status: 200, body: structuredClone(job.errors) };
  }

  /** The export file: raw bytes, so the caller writes the reply itself. */
  download(headers, token) {
    if (headers.authorization) {
      return { status: 400, text: 'InvalidArgument: only one auth mechanism allowed; this link is already signed' };
    }
    const f = this.files.get(token);
    if (!f) return { status: 404, text: 'NoSuchKey: the specified key does not exist' };
    if (this.now() > f.expiresAt) return { status: 403, text: 'AccessDenied: request has expired' };
    return f.stream ? { status: 200, stream: f.stream() } : { status: 200, gz: f.gz };
  }

  now() {
    return Date.now() + this.clockOffsetMs;
  }

  /** Auth0 fails an import job still pending or processing IMPORT_TIMEOUT_MS after its creation. */
  timeOut(job) {
    if (job.type !== 'users_import' || (job.status !== 'pending' && job.status !== 'processing')) return;
    if (this.now() - Date.parse(job.created_at) <= IMPORT_TIMEOUT_MS) return;
    const total = Array.isArray(job.parsed) ? job.parsed.length : 0;
    job.status = 'failed';
    job.summary = { failed: total, updated: 0, inserted: 0, total };
    job.timedOut = true;
  }

  list() {
    return [...this.byId.values()].map((j) => ({
      ...publicJob(j),
      errors: j.errors.length,
      ...(j.fileBytes !== undefined ? { fileBytes: j.fileBytes } : {}),
      // The user ids an import file named (tests: no accepted file is sent again).
      ...(j.type === 'users_import' ? { userIds: Array.isArray(j.parsed) ? j.parsed.map((u) => u && u.user_id) : [] } : {}),
    }));
  }
}

module.exports = { Jobs, parseMultipart, IMPORT_FILE_LIMIT, MAX_ACTIVE_IMPORTS, EXPORT_LINK_SECONDS };
