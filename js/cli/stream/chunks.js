'use strict';
/**
 * Import files written as users arrive: JSON arrays of at most `maxBytes` bytes, each written whole
 * (fsync'd) to `dir` the moment it is full, so only the file being filled is in memory (under 500 KB).
 * With `dir` null nothing is written: a dry run still learns how many files there would be.
 *
 * The import of a file reads it back from disk (tail.js), and a run that is killed keeps its files, so
 * a resumed run can still say which users a job it could not record was sent.
 */

const fs = require('node:fs');
const path = require('node:path');

const fileName = (n) => `users-${String(n).padStart(5, '0')}.json`;

class ChunkWriter {
  constructor({ dir, maxBytes }) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    this.cur = [];
    this.size = 2; // "[" and "]"
    this.files = [];
    this.users = 0;
  }

  /** Adds one mapped user; false (and nothing written) when its record alone is over the limit. */
  add(user) {
    const text = JSON.stringify(user);
    const n = Buffer.byteLength(text);
    if (2 + n > this.maxBytes) return false;
    if (this.cur.length && this.size + 1 + n > this.maxBytes) this.flush();
    this.size += n + (this.cur.length ? 1 : 0);
    this.cur.push(text);
    this.users += 1;
    return true;
  }

  flush() {
    if (!this.cur.length) return;
    const body = `[${this.cur.join(',')}]`;
    const name = fileName(this.files.length + 1);
    const bytes = Buffer.byteLength(body);
    if (this.dir) {
      const fd = fs.openSync(path.join(this.dir, name), 'w', 0o600);
      try {
        fs.writeSync(fd, body);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    this.files.push({ name, users: this.cur.length, bytes });
    this.cur = [];
    this.size = 2;
  }

  close() {
    this.flush();
    return this.files;
  }
}

/** Who an import file creates: [{user_id (with auth0|), email}], read back from the file. */
function membersOfFile(file) {
  const list = JSON.parse(fs.readFileSync(file, 'utf8'));
  return list.map((u) => ({ user_id: `auth0|${u.user_id}`, email: typeof u.email === 'string' ? u.email : null }));
}

module.exports = { ChunkWriter, membersOfFile, fileName };
