'use strict';
/**
 * The plan of `tail`, `status` and `retire`, streamed: which old users are in the new tenant already,
 * blocked, unmappable, in conflict, or to import, with memory that does not grow with the tenants.
 *
 * The join "is this old user's new id in the new tenant?" (and "is its email there under another id?")
 * is EXACT: a wrong "present" would leave a user behind for good, so no probabilistic structure
 * (a Bloom filter or a set of short hashes) decides it. Method: a hash-partitioned join on disk
 * (partitions.js). Both sides' keys go to 256 bucket files by a hash of the key; then one bucket at a
 * time, the new tenant's keys of that bucket are loaded into a Set and the old side's keys of the same
 * bucket are looked up in it, comparing the full strings. Memory: one bucket's keys (N/256: about 40k
 * ids at 10 M users), the write buffers (1 MB for each of the four key sets), and a bit per old user per key (2.5 MB at 10 M).
 * Disk: each key once more, plus the mapped old users (about the export's unzipped size).
 *
 * Passes: (1) the new export: ids and lowercased emails to buckets; (2) the old export: each record
 * mapped by the engine (dist/engine.js importRecord, the scripts' own code), the mapping written to a
 * sequential file, its new id and email to buckets; (3) the bucket joins set the bits; (4) the mapped
 * file is read again in order and each user is classified exactly as bulk.plan did in memory, the
 * users to import going to `onImport` (the import files). Only counts and the first SAMPLE of each
 * list are kept; `leftBehind` (retire, only when asked for) keeps IMPORT_LIST and, like the users to
 * import, an order-independent digest of all of them.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { Partitions, Bits } = require('./partitions');
const { fileLines } = require('./lines');

const SAMPLE = 1000;
/** Users to import kept by name (a reviewed plan lists them up to this many; see tail.js). */
const IMPORT_LIST = 10000;
const MASK128 = (1n << 128n) - 1n;

/** A list that keeps its count and its first `max` items. */
class Sample {
  constructor(max = SAMPLE) {
    this.max = max;
    this.items = [];
    this.count = 0;
  }

  push(x) {
    this.count += 1;
    if (this.items.length < this.max) this.items.push(x);
  }
}

/**
 * An order-independent digest of a set of user ids (the sum of their SHA-256 prefixes, mod 2^128): the
 * same users give the same digest whatever order the export lists them in.
 */
class SetDigest {
  constructor() {
    this.acc = 0n;
    this.count = 0;
  }

  add(id) {
    this.acc = (this.acc + BigInt(`0x${crypto.createHash('sha256').update(id).digest('hex').slice(0, 32)}`)) & MASK128;
    this.count += 1;
  }

  value() {
    return this.acc.toString(16).padStart(32, '0');
  }
}

/**
 * @param {object} o
 * @param {AsyncIterable<object>} o.oldRecords the old connection's export records
 * @param {AsyncIterable<object>} o.newRecords the new connection's export records
 * @param {string} o.dir an empty working folder (removed by the caller)
 * @param {Set<string>|null} o.skip the --skip-users list (bulk.readUserList)
 * @param {(user: object) => boolean} [o.onImport] each user to import (the mapped record); false: too large
 * @param {(newId: string) => boolean} [o.allow] with --plan: whether a user to import is in the reviewed plan
 * @param {boolean} [o.leftBehind] collect every old user neither present nor blocked (retire)
 * @param {Set<string>} [o.watch] new ids (a few: the users of a job tail could not confirm) whose
 *   presence in the new export is reported: `watchedPresent` (never logged in there: no password yet, as
 *   an import leaves them) and `watchedLoggedIn` (a login there since: a password, no reset needed)
 * @param {(rec: object) => object} [o.mapRecord] a listed source's records come mapped by the engine
 *   already (stream/listing.js: `rec.import`); default: the auth0 export record through importRecord
 */
async function planFromExports({ oldRecords, newRecords, engine, settings, dir, skip = null, onImport = null, allow = null, leftBehind = false, watch = null, mapRecord = null }) {
  const newIds = new Partitions(dir, 'new-id');
  const newEmails = new Partitions(dir, 'new-email');
  let newCount = 0;
  const watchedPresent = new Set();
  const watchedLoggedIn = new Set();
  for await (const r of newRecords) {
    newCount += 1;
    if (watch && watch.has(r.user_id)) (r.logins_count > 0 ? watchedLoggedIn : watchedPresent).add(r.user_id);
    if (typeof r.user_id === 'string') newIds.add(r.user_id, r.user_id);
    if (typeof r.email === 'string') {
      const e = r.email.toLowerCase();
      newEmails.add(e, e);
    }
  }
  newIds.close();
  newEmails.close();

  // Pass 2: the old users, mapped once; the mapping is kept on disk for pass 4.
  const oldIds = new Partitions(dir, 'old-id');
  const oldEmails = new Partitions(dir, 'old-email');
  const mappedFile = path.join(dir, 'old-mapped.ndjson');
  const mapped = fs.openSync(mappedFile, 'w', 0o600);
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
  let seq = 0;
  let pending = [];
  let pendingBytes = 0;
  const writeMapped = (force) => {
    if (!pending.length || (!force && pendingBytes < 1 << 20)) return;
    fs.writeSync(mapped, `${pending.join('\n')}\n`);
    pending = [];
    pendingBytes = 0;
  };
  try {
    for await (const rec of oldRecords) {
      const r = mapRecord ? mapRecord(rec) : engine.importRecord({ settings, user: rec });
      const newId = r.user ? `auth0|${r.user.user_id}` : null;
      const hit = listed(rec.user_id, newId, rec.email);
      if (hit) skipUsed.add(hit);
      const line = JSON.stringify({
        o: rec.user_id,
        x: typeof rec.email === 'string' ? rec.email : null,
        n: newId,
        e: r.error || null,
        b: r.skip === 'blocked',
        m: r.marked === true,
        h: !!hit,
        u: r.user || null,
      });
      pending.push(line);
      pendingBytes += line.length;
      writeMapped(false);
      if (newId) oldIds.add(newId, `${seq}\t${newId}`);
      if (r.user && typeof r.user.email === 'string') {
        const e = r.user.email.toLowerCase();
        oldEmails.add(e, `${seq}\t${e}`);
      }
      seq += 1;
    }
    writeMapped(true);
  } finally {
    fs.closeSync(mapped);
  }
  oldIds.close();
  oldEmails.close();

  // Pass 3: the exact joins, one bucket at a time.
  const present = new Bits();
  const emailTaken = new Bits();
  let matchedNew = 0;
  for (let b = 0; b < newIds.buckets; b++) {
    const keys = new Set();
    for await (const id of newIds.read(b)) keys.add(id);
    const matched = new Set();
    for await (const line of oldIds.read(b)) {
      const tab = line.indexOf('\t');
      const id = line.slice(tab + 1);
      if (keys.has(id)) {
        present.set(Number(line.slice(0, tab)));
        matched.add(id);
      }
    }
    matchedNew += matched.size;
  }
  for (let b = 0; b < newEmails.buckets; b++) {
    const keys = new Set();
    for await (const e of newEmails.read(b)) keys.add(e);
    for await (const line of oldEmails.read(b)) {
      const tab = line.indexOf('\t');
      if (keys.has(line.slice(tab + 1))) emailTaken.set(Number(line.slice(0, tab)));
    }
  }
  for (const p of [newIds, newEmails, oldIds, oldEmails]) p.remove();

  // Pass 4: each old user, in export order, decided as bulk.plan did.
  const out = {
    old: seq,
    newTotal: newCount,
    newOnly: newCount - matchedNew,
    present: new Sample(),
    blocked: new Sample(),
    invalid: new Sample(),
    conflicts: new Sample(),
    markedAbsent: new Sample(),
    skippedListed: new Sample(),
    toImport: new Sample(IMPORT_LIST),
    tooLarge: new Sample(),
    notInPlan: new Sample(),
    unmatchedSkips: skip ? [...skip].filter((k) => !skipUsed.has(k)) : [],
    leftBehind: leftBehind ? new Sample(IMPORT_LIST) : null,
    leftBehindDigest: leftBehind ? new SetDigest() : null,
    digest: new SetDigest(),
    watchedPresent,
    watchedLoggedIn,
  };
  let i = 0;
  for await (const line of fileLines(mappedFile)) {
    if (!line) continue;
    const m = JSON.parse(line);
    const k = i++;
    const behind = () => {
      if (!out.leftBehind) return;
      out.leftBehind.push({ user_id: m.o, email: m.x });
      out.leftBehindDigest.add(m.o);
    };
    if (m.n && present.has(k)) {
      out.present.push(m.o);
      continue;
    }
    if (m.e) {
      out.invalid.push({ user_id: m.o, error: m.e });
      behind();
      continue;
    }
    if (m.b) {
      out.blocked.push(m.o);
      continue;
    }
    behind();
    if (m.h) {
      out.skippedListed.push(m.o);
      continue;
    }
    if (typeof m.u.email === 'string' && emailTaken.has(k)) {
      out.conflicts.push({ user_id: m.o, newUserId: m.n, reason: 'the new tenant has a user with this email under another id' });
      continue;
    }
    if (allow && !allow(m.n)) {
      out.notInPlan.push(m.n);
      continue;
    }
    if (m.m) out.markedAbsent.push(m.o);
    if (onImport && onImport(m.u) === false) {
      out.tooLarge.push(m.n);
      continue;
    }
    out.toImport.push({ user_id: m.n, email: typeof m.u.email === 'string' ? m.u.email : null });
    out.digest.add(m.n);
  }
  fs.rmSync(mappedFile, { force: true });
  return out;
}

module.exports = { planFromExports, Sample, SetDigest, SAMPLE, IMPORT_LIST };
