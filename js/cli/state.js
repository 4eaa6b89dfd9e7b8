'use strict';
/**
 * Small local state files (tail progress, status history): JSON, written atomically and durably
 * (temp file, fsync, rename, fsync of the folder: a crash or a SIGKILL at any moment leaves the old
 * or the new file, never half of one, and a renamed file survives a power cut) and readable by the
 * owner only (they name users and job ids, never secrets).
 *
 * And the record of imported users (`tail` appends, `reset-passwords` reads): NDJSON, one line per user
 * `{"user_id","email","job","at"}`, mode 0600, appended and fsync'd before the state calls a job
 * recorded, so a crash can repeat a job's lines but never lose one. The file can hold millions of
 * lines, so it is never loaded: scanRecord streams it once per run, counting lines and finding which
 * of a few candidate ids (the users of jobs a crash may have left half recorded) are in it already;
 * appendRecord skips those.
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

/** fsync of a file or folder by path (a folder's fsync makes a rename in it durable; not on Windows). */
function fsyncPath(p) {
  let fd;
  try {
    fd = fs.openSync(p, 'r');
    fs.fsyncSync(fd);
  } catch {
    /* a folder cannot be opened for fsync on some systems: the rename is still atomic */
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function writeState(file, obj) {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, `${JSON.stringify(obj, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncPath(dir);
}

/**
 * Streams a record file once. Returns {count: whole entries, ids: those of `candidates` (a Set of user
 * ids) found in it, torn, cut}. A last line without its newline is a write cut short by a crash: if it
 * is not a whole entry, `cut` is where it starts, and the next append removes it first (its job was
 * not marked recorded, so its users are written again whole); if it is whole, `torn` says the next
 * append must start on a fresh line. A missing file is empty.
 */
async function scanRecord(file, candidates = new Set()) {
  // `watch`: the candidates; appendRecord adds those it writes to `ids`, so one run never writes a
  // candidate twice (two unconfirmed files of earlier runs can both hold a user).
  const seen = { count: 0, ids: new Set(), watch: candidates, torn: false, cut: null };
  if (!fs.existsSync(file)) return seen;
  let rest = Buffer.alloc(0);
  let offset = 0; // bytes of the file before `rest`
  const take = (buf) => {
    const line = buf.toString('utf8');
    if (!line.trim()) return null;
    try {
      const o = JSON.parse(line);
      return o && typeof o.user_id === 'string' ? o : null;
    } catch {
      return null;
    }
  };
  try {
    for await (const chunk of fs.createReadStream(file)) {
      let buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
        const o = take(buf.subarray(0, nl));
        if (o) {
          seen.count += 1;
          if (candidates.has(o.user_id)) seen.ids.add(o.user_id);
        }
        offset += nl + 1;
        buf = buf.subarray(nl + 1);
      }
      rest = Buffer.from(buf);
    }
  } catch (err) {
    throw new UsageError(`cannot read the record file ${file}: ${err.code || err.message}`, { hint: 'make it readable, or give another --record file' });
  }
  if (rest.length) {
    const o = take(rest);
    if (o) {
      seen.count += 1;
      if (candidates.has(o.user_id)) seen.ids.add(o.user_id);
      seen.torn = true;
    } else if (rest.toString('utf8').trim()) {
      seen.cut = offset;
    }
  }
  return seen;
}

/** Creates the record file (0600) if missing, so an unwritable path is found before any job. */
function touchRecord(file) {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.closeSync(fs.openSync(file, 'a', 0o600));
}

/**
 * Appends the entries whose user_id is not in `seen.ids` (scanRecord's), then fsyncs; `seen.count`
 * grows by the lines written. Within one run no user is appended twice (each is in one job), so the
 * ids written are not remembered: the memory stays that of one job.
 * @returns {object[]} the entries written
 */
function appendRecord(file, entries, seen) {
  const batch = new Set();
  const fresh = entries.filter((e) => {
    if (seen.ids.has(e.user_id) || batch.has(e.user_id)) return false;
    batch.add(e.user_id);
    return true;
  });
  if (!fresh.length) return fresh;
  // Candidates (users an earlier run may have recorded, or that several unconfirmed files hold) are
  // remembered once written; anyone else is in exactly one job of this run, so the set stays bounded.
  if (seen.watch) for (const e of fresh) if (seen.watch.has(e.user_id)) seen.ids.add(e.user_id);
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
  seen.count += fresh.length;
  return fresh;
}

module.exports = { readState, writeState, scanRecord, touchRecord, appendRecord };
