'use strict';
/**
 * A synthetic population for the large-tenant benchmark (`make bench-tail`, bench/tail/): the fake
 * tenant's export jobs serve N generated users and its import jobs keep what they import in two compact
 * indexes, so a fake can stand for a tenant of a million users without holding a million profiles.
 *
 * Why not seed the fake with N users: each stored user is a full object (about 1 KB of heap), the
 * export builds every line and the whole gzip Buffer at once, and the import looks each user up
 * linearly, O(N^2) (docs in shared/: large-tenants-measured.md). Here:
 * - the export file is a gzip STREAM generated line by line when it is downloaded (backpressure from
 *   the socket), never whole in memory; user i is a pure function of i, so two downloads are the same;
 * - imported users are kept as id -> email plus an email set, and each job drops its parsed file once
 *   done, so the fake new tenant holds about 100 bytes per imported user.
 *
 * Auth0 facts kept (https://auth0.com/docs/manage-users/user-migration/bulk-user-exports): the file
 * is gzipped NDJSON with the requested `fields` (`export_as` renames one); imports answer a user
 * already there (same id or email) with DUPLICATED_USER unless `upsert`. Only what the CLI reads is
 * checked; the field-by-field validation of an import stays with jobs.js for the seeded fakes.
 *
 * Plugged in by startFakeTenant({ synthetic: { users, connection } }) (one hook in jobs.js).
 */

const { Readable } = require('node:stream');
const zlib = require('node:zlib');
const crypto = require('node:crypto');

/** Lines generated per chunk pushed to the gzip stream: large enough to amortise, small in memory. */
const BATCH = 512;
const BLOCKED_EVERY = 500;
const DAY = 86400000;
const EPOCH = Date.parse('2021-01-01T00:00:00.000Z');

/** Old-tenant id of synthetic user i: `auth0|` and 24 hex digits, as Auth0's database ids look. */
const syntheticId = (i) => `auth0|5f${i.toString(16).padStart(22, '0')}`;

/**
 * The Management API view of synthetic user i (the shape publicUser gives a stored user), about 610
 * bytes of NDJSON with the tail's export fields: a realistic profile, not a minimal one, so the
 * benchmark moves as many bytes per user as a real tenant would.
 */
function syntheticUser(i, connection) {
  const user_id = syntheticId(i);
  const hash = crypto.createHash('md5').update(user_id).digest('hex');
  const created = new Date(EPOCH + (i % 1000) * DAY).toISOString();
  const view = {
    created_at: created,
    email: `user.${i}@example.com`,
    email_verified: i % 3 !== 0,
    identities: [{ connection, provider: 'auth0', user_id: user_id.slice(6), isSocial: false }],
    name: `Synthetic User ${i}`,
    nickname: `user.${i}`,
    given_name: 'Synthetic',
    family_name: `User ${i}`,
    picture: `https://s.gravatar.com/avatar/${hash}?s=480&r=pg&d=https%3A%2F%2Fcdn.auth0.com%2Favatars%2Fsu.png`,
    updated_at: created,
    user_id,
    user_metadata: { locale: i % 2 ? 'en-GB' : 'fr-FR', newsletter: i % 5 === 0, signup_source: 'web', theme: 'light', timezone: 'Europe/Paris' },
    app_metadata: { plan: i % 7 === 0 ? 'pro' : 'basic', roles: ['user'], customer_id: `cus_${hash.slice(0, 14)}` },
    last_login: created,
    logins_count: i % 40,
  };
  if (i % BLOCKED_EVERY === BLOCKED_EVERY - 1) view.blocked = true;
  return view;
}

/** One NDJSON line: the job's fields picked from a user view (as jobs.js finishExport does). */
function exportLine(view, fields, pick) {
  const rec = {};
  for (const f of fields) {
    const v = pick(view, f.name);
    if (v !== undefined) rec[f.export_as || f.name] = v;
  }
  return JSON.stringify(rec);
}

/** A gzip stream of the lines a generator of user views gives, BATCH lines at a time. */
function gzipStream(views, fields, pick) {
  function* text() {
    let batch = [];
    for (const view of views()) {
      batch.push(exportLine(view, fields, pick));
      if (batch.length === BATCH) {
        yield `${batch.join('\n')}\n`;
        batch = [];
      }
    }
    if (batch.length) yield `${batch.join('\n')}\n`;
  }
  return Readable.from(text(), { objectMode: false }).pipe(zlib.createGzip({ level: 6 }));
}

/**
 * Attaches the synthetic population to a tenant's state `st` (jobs.js calls it). `users`: how many synthetic users
 * the connection named `connection` holds beside the seeded ones (0 for a new tenant that only
 * imports). Returns the handle jobs.js calls: finishExport, finishImport, and `stats` for a harness.
 */
function attach(st, { users = 0, connection }, { pick, publicUser }) {
  const imported = new Map(); // `auth0|id` -> email, in insertion order (the export's snapshot)
  const emails = new Set();
  const stats = { exportsServed: 0, importJobs: 0, inserted: 0, duplicates: 0 };
  const seededOf = (conn) => st.users.filter((u) => !conn || u.connection === conn.name);
  const known = (id, email) => imported.has(id) || emails.has(email) || st.users.some((u) => u.user_id === id || u.email === email);

  return {
    stats,
    imported,
    finishExport(job) {
      const conn = job.connection_id ? st.connections.find((c) => c.id === job.connection_id) : null;
      const seeded = seededOf(conn).map((u) => publicUser(u));
      const mine = !conn || conn.name === connection;
      const n = mine ? users : 0;
      const upTo = mine ? imported.size : 0; // the snapshot: users imported by the time the job finished
      const limit = job.limit || Number.POSITIVE_INFINITY;
      const fields = job.fields;
      function* views() {
        let k = 0;
        for (const v of seeded) if (k++ < limit) yield v;
        for (let i = 0; i < n && k < limit; i++, k++) yield syntheticUser(i, connection);
        let j = 0;
        for (const [user_id, email] of imported) {
          if (j++ >= upTo || k++ >= limit) break;
          yield { user_id, email, identities: [{ connection, provider: 'auth0', user_id: user_id.slice(6), isSocial: false }] };
        }
      }
      stats.exportsServed += 1;
      return () => gzipStream(views, fields, pick);
    },
    finishImport(job) {
      const list = job.parsed;
      job.parsed = null; // the file is not kept: a million imported users stay about 100 bytes each
      if (!Array.isArray(list)) {
        job.status = 'failed';
        job.summary = { failed: 0, updated: 0, inserted: 0, total: 0 };
        return;
      }
      const summary = { failed: 0, updated: 0, inserted: 0, total: list.length };
      for (const given of list) {
        const email = given && typeof given.email === 'string' ? given.email.toLowerCase() : null;
        if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) {
          summary.failed += 1;
          job.errors.push({ user: given, errors: [{ code: 'INVALID_FORMAT', message: "Object didn't pass validation for format email", path: 'email' }] });
          continue;
        }
        const id = `auth0|${given.user_id}`;
        if (known(id, email)) {
          if (job.upsert) summary.updated += 1;
          else {
            summary.failed += 1;
            stats.duplicates += 1;
            job.errors.push({ user: { user_id: given.user_id, email }, errors: [{ code: 'DUPLICATED_USER', message: 'The user already exists.', path: '' }] });
          }
          continue;
        }
        imported.set(id, email);
        emails.add(email);
        summary.inserted += 1;
      }
      stats.importJobs += 1;
      stats.inserted += summary.inserted;
      job.summary = summary;
      job.status = 'completed';
    },
  };
}

module.exports = { attach, syntheticUser, syntheticId, BLOCKED_EVERY };
