'use strict';
/**
 * The per-user failures of a `tail` run: every one written to a file as it comes (an import job's
 * error report, a job that failed as a whole), only counts, one example per code and the first
 * SAMPLE kept in memory. Nothing is dropped: at the end the whole list is in `<state>.failures.ndjson`
 * (one JSON line per user: user_id, code, message, job), however many there are.
 *
 * DUPLICATED_USER needs a second look (the user may be in the new tenant by now: a login migrated them,
 * or a job tail could not confirm imported them), so their ids are kept apart for tail to check; they
 * are as many as such users, normally few.
 */

const fs = require('node:fs');
const { fileLines } = require('./lines');

const SAMPLE = 1000;

class FailureLog {
  constructor(file) {
    this.file = file;
    this.count = 0;
    this.duplicates = new Set();
  }

  /** Appends failures ({user_id, code, message, job}); one write per job. */
  addAll(list) {
    if (!list.length) return;
    fs.appendFileSync(this.file, `${list.map((f) => JSON.stringify(f)).join('\n')}\n`, { mode: 0o600 });
    this.count += list.length;
    for (const f of list) if (f.code === 'DUPLICATED_USER') this.duplicates.add(f.user_id);
  }

  /**
   * Writes the final list to `out`, leaving out the DUPLICATED_USER failures of users in `cleared`
   * (a Set), and returns {count, byCode: {code: {n, example}}, sample}. `out` is removed when empty.
   */
  async finish(out, cleared = new Set()) {
    const summary = { count: 0, byCode: {}, sample: [] };
    fs.rmSync(out, { force: true });
    if (!this.count) return summary;
    const fd = fs.openSync(out, 'w', 0o600);
    try {
      for await (const line of fileLines(this.file)) {
        if (!line) continue;
        const f = JSON.parse(line);
        if (f.code === 'DUPLICATED_USER' && cleared.has(f.user_id)) continue;
        fs.writeSync(fd, `${line}\n`);
        summary.count += 1;
        if (!summary.byCode[f.code]) summary.byCode[f.code] = { n: 0, example: f.user_id };
        summary.byCode[f.code].n += 1;
        if (summary.sample.length < SAMPLE) summary.sample.push({ user_id: f.user_id, code: f.code, message: f.message });
      }
    } finally {
      fs.closeSync(fd);
    }
    if (!summary.count) fs.rmSync(out, { force: true });
    return summary;
  }
}

module.exports = { FailureLog };
