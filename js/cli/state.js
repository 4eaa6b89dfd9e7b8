'use strict';
/**
 * Small local state files (tail progress, status history): JSON, written atomically (temp file +
 * rename, so an interruption leaves the old or the new file, never half of one) and readable by the
 * owner only (they name users and job ids, never secrets).
 *
 * And the record of imported users (`tail` appends, `reset-passwords` reads): NDJSON, one line per user
 * `{"user_id","email","job","at"}`, mode 0600, appended and fsync'd before the state calls a job
 * recorded, so a crash can repeat lines but never lose one; repeats are dropped by user id on write.
 */

const fs = require('node:fs');
const path = require('node:path');
const { UsageError } = require('./errors');

function readState(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return null;
    throw new UsageError(`cannot read state file ${file}: ${err.code || err.message}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`state file ${file} is not valid JSON; move it away to start over`);
  }
}

function writeState(file, obj) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(obj, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/**
 * The user ids already in a record file (a missing file is empty). A last line without its newline
 * is a write cut short by a crash: if it is not a whole entry, `cut` is where it starts, and the next
 * append removes it first (its job was not marked recorded, so its users are written again whole);
 * if it is whole, `torn` says the next append must start on a fresh line.
 */
function readRecordIds(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return { ids: new Set(), torn: false, cut: null };
    throw new UsageError(`cannot read the record file ${file}: ${err.code || err.message}`, { hint: 'make it readable, or give another --record file' });
  }
  const ids = new Set();
  const lines = text.split('\n');
  let torn = false;
  let cut = null;
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let o;
    try {
      o = JSON.parse(line);
    } catch {
      o = undefined;
    }
    const last = i === lines.length - 1;
    if (o && typeof o.user_id === 'string') {
      ids.add(o.user_id);
      if (last) torn = true;
    } else if (last) {
      cut = Buffer.byteLength(text) - Buffer.byteLength(line);
    }
    // A bad line in the middle is left for the operator (reset-passwords names it).
  });
  return { ids, torn, cut };
}

/** Creates the record file (0600) if missing, so an unwritable path is found before any job. */
function touchRecord(file) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
}

/**
 * Appends the entries whose user_id is not in `seen.ids` (updated), then fsyncs.
 * @returns {object[]} the entries written
 */
function appendRecord(file, entries, seen) {
  const fresh = [];
  for (const e of entries) {
    if (seen.ids.has(e.user_id)) continue;
    seen.ids.add(e.user_id);
    fresh.push(e);
  }
  if (!fresh.length) return fresh;
  const text = `${seen.torn ? '\n' : ''}${fresh.map((e) => JSON.stringify(e)).join('\n')}\n`;
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  if (seen.cut !== null && seen.cut !== undefined) {
    fs.truncateSync(file, seen.cut);
    seen.cut = null;
  }
  const fd = fs.openSync(file, 'a', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  seen.torn = false;
  return fresh;
}

module.exports = { readState, writeState, readRecordIds, touchRecord, appendRecord };
