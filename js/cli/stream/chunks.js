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
    // The file being filled, as bytes: "[" and the records so far ("]" is added when it is written).
    // Records kept as strings until their file was full outlived V8's young generation and left the
    // old space full of garbage (issue 14); a fixed Buffer of maxBytes holds them instead.
    this.buf = dir ? Buffer.allocUnsafe(maxBytes) : null;
    this.count = 0; // users in the file being filled
    this.size = 2; // "[" and "]"
    this.files = [];
    this.users = 0;
  }

  /** Adds one mapped user; false (and nothing written) when its record alone is over the limit. */
  add(user) {
    const text = JSON.stringify(user);
    const n = Buffer.byteLength(text);
    if (2 + n > this.maxBytes) return false;
    if (this.count && this.size + 1 + n > this.maxBytes) this.flush();
    if (this.buf) {
      // "[" before the first record; "," before the others, where "]" would have gone (size - 1).
      const at = this.count ? this.size : 1;
      this.buf[at - 1] = this.count ? 0x2c : 0x5b;
      this.buf.write(text, at, n, 'utf8');
    }
    this.size += n + (this.count ? 1 : 0);
    this.count += 1;
    this.users += 1;
    return true;
  }

  flush() {
    if (!this.count) return;
    const name = fileName(this.files.length + 1);
    const bytes = this.size;
    if (this.dir) {
      this.buf[bytes - 1] = 0x5d; // "]"
      const fd = fs.openSync(path.join(this.dir, name), 'w', 0o600);
      try {
        fs.writeSync(fd, this.buf, 0, bytes);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    this.files.push({ name, users: this.count, bytes });
    this.count = 0;
    this.size = 2;
  }

  close() {
    this.flush();
    return this.files;
  }
}

/** Who an import file creates: [{user_id (with auth0|), email}], from its text. */
function membersOfText(text) {
  return JSON.parse(text).map((u) => ({ user_id: `auth0|${u.user_id}`, email: typeof u.email === 'string' ? u.email : null }));
}

/**
 * The text of an import file, read through `buf` (one Buffer reused from file to file; a file larger
 * than it is read whole as before). A new Buffer per file, garbage as soon as decoded, is what V8
 * collects last (only once such memory outside its heap has grown by tens of MB).
 */
function readText(file, buf) {
  const fd = fs.openSync(file, 'r');
  try {
    let n = 0;
    for (;;) {
      if (n === buf.length) return fs.readFileSync(file, 'utf8');
      const r = fs.readSync(fd, buf, n, buf.length - n, null);
      if (!r) break;
      n += r;
    }
    return buf.toString('utf8', 0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Who an import file creates, read back from the file. */
const membersOfFile = (file) => membersOfText(fs.readFileSync(file, 'utf8'));

module.exports = { ChunkWriter, membersOfFile, membersOfText, readText, fileName };
