'use strict';
/**
 * Hash-partitioned files on disk, for the exact join of two exports (join.js).
 *
 * Lines are appended to one of BUCKETS files chosen by a hash of their key. Every key lands in the
 * same bucket on both sides, so a join can then take one bucket at a time: only one bucket's keys are
 * ever in memory (N / 256 of them: about 40,000 ids, a few MB, at 10 million users). Writes are
 * buffered per bucket with a fixed budget for all buckets together (BUDGET_BYTES), so the buffers do
 * not grow with the number of users either. Bucket files are created at their first flush only.
 */

const fs = require('node:fs');
const path = require('node:path');
const { fileLines } = require('./lines');

const BUCKETS = 256;
const BUDGET_BYTES = 1024 * 1024;

/** FNV-1a over the UTF-16 code units: fast, stable across runs and Node versions. */
function bucketOf(key, buckets = BUCKETS) {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % buckets;
}

class Partitions {
  /** `dir`: an existing folder; `name`: the file prefix of this set of buckets. */
  constructor(dir, name, { buckets = BUCKETS, budgetBytes = BUDGET_BYTES } = {}) {
    this.dir = dir;
    this.name = name;
    this.buckets = buckets;
    this.flushAt = Math.max(1024, Math.floor(budgetBytes / buckets));
    // One Buffer for all buckets, bucket b at b * flushAt: each line is copied in as UTF-8 bytes the
    // moment it is added. Kept as strings until a flush, the lines outlived the young generation and
    // piled up in V8's old space as garbage, which it let grow by tens of MB before a full GC (issue
    // 14: that, not any per-user data, raised the peak RSS).
    this.buf = Buffer.allocUnsafe(this.flushAt * buckets);
    this.bytes = new Array(buckets).fill(0);
    this.lines = 0;
  }

  file(b) {
    return path.join(this.dir, `${this.name}-${String(b).padStart(3, '0')}.txt`);
  }

  /** Appends `line` (no newline in it) to the bucket of `key`. */
  add(key, line) {
    const b = bucketOf(key, this.buckets);
    this.lines += 1;
    let room = this.flushAt - this.bytes[b];
    if (line.length * 3 + 1 > room) {
      const n = Buffer.byteLength(line) + 1;
      if (n > room) {
        this.flush(b);
        room = this.flushAt;
      }
      if (n > room) {
        fs.appendFileSync(this.file(b), `${line}\n`, { mode: 0o600 });
        return;
      }
    }
    const at = b * this.flushAt + this.bytes[b];
    const n = this.buf.write(line, at, room, 'utf8');
    this.buf[at + n] = 0x0a;
    this.bytes[b] += n + 1;
  }

  flush(b) {
    if (!this.bytes[b]) return;
    const at = b * this.flushAt;
    fs.appendFileSync(this.file(b), this.buf.subarray(at, at + this.bytes[b]), { mode: 0o600 });
    this.bytes[b] = 0;
  }

  close() {
    for (let b = 0; b < this.buckets; b++) this.flush(b);
  }

  /** The lines of bucket `b` (none when it was never written). */
  async *read(b) {
    if (!fs.existsSync(this.file(b))) return;
    for await (const line of fileLines(this.file(b))) if (line) yield line;
  }

  remove() {
    for (let b = 0; b < this.buckets; b++) fs.rmSync(this.file(b), { force: true });
  }
}

/** A bit per index, growing as needed: 1 bit per old user (1.25 MB at 10 million). */
class Bits {
  constructor() {
    this.a = new Uint8Array(1024);
  }

  set(i) {
    if (i >> 3 >= this.a.length) {
      const b = new Uint8Array(Math.max(this.a.length * 2, (i >> 3) + 1));
      b.set(this.a);
      this.a = b;
    }
    this.a[i >> 3] |= 1 << (i & 7);
  }

  has(i) {
    return i >> 3 < this.a.length && (this.a[i >> 3] & (1 << (i & 7))) !== 0;
  }
}

module.exports = { Partitions, Bits, bucketOf, BUCKETS, BUDGET_BYTES };
