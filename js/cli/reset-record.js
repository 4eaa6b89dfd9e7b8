'use strict';
/**
 * The two files `reset-passwords` works from, both NDJSON (one JSON object a line):
 *
 * - the record of imported users that `tail` appends to (`{"user_id","email","job","at"}`). After a
 *   crash a user may be there twice, so users are deduplicated by user_id; a user without an email
 *   cannot be sent anything and is listed instead.
 * - the sent log `<record>.sent.ndjson`: one line per user once Auth0 accepted the reset request,
 *   appended and fsynced before the next request, so a rerun (after Ctrl-C, a crash, an outage) skips
 *   them and nobody gets two emails from two runs.
 */

const fs = require('node:fs');
const { UsageError } = require('./errors');

/** Where the sent log of a record lives. */
const sentLogPath = (record) => `${record}.sent.ndjson`;

/**
 * Splits NDJSON text into [{n, value}] (1-based line numbers, blank lines skipped). A line that is not
 * a JSON object throws a UsageError naming `file:line`, unless it is the last line, has no newline
 * after it and `tolerateTornTail` is set (a write cut short by a crash; reported as `torn`).
 */
function parseLines(text, file, { tolerateTornTail = false, what }) {
  const lines = text.split('\n');
  const out = [];
  let torn = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw === '') continue;
    let value;
    try {
      value = JSON.parse(raw);
    } catch {
      value = undefined;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value) || typeof value.user_id !== 'string' || !value.user_id) {
      const last = i === lines.length - 1; // no newline after it
      if (tolerateTornTail && last) {
        torn = i + 1;
        continue;
      }
      throw new UsageError(`${file}:${i + 1} is not ${what} (expected one JSON object a line with a "user_id")`, {
        hint: last ? `the last line looks cut short (a crash while writing?): remove line ${i + 1} and run again` : `fix or remove line ${i + 1}; the file must be NDJSON as \`tail\` writes it`,
      });
    }
    out.push({ n: i + 1, value });
  }
  return { entries: out, torn };
}

/**
 * Reads tail's record. Returns {users: [{user_id, email|null}], lines, duplicates} in file order,
 * deduplicated by user_id (a later line gives the email if the first had none).
 */
function readRecord(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the record of imported users ${file}: ${err.code || err.message}`, {
      hint: err.code === 'ENOENT' ? '`tail` writes it (its --record / ALM_TAIL_RECORD); give its path with --record FILE' : 'check the path and its permissions',
    });
  }
  const { entries } = parseLines(text, file, { what: 'a record of an imported user' });
  const byId = new Map();
  let duplicates = 0;
  for (const { value } of entries) {
    const email = typeof value.email === 'string' && value.email.trim() !== '' ? value.email.trim() : null;
    const seen = byId.get(value.user_id);
    if (seen) {
      duplicates += 1;
      if (!seen.email && email) seen.email = email;
    } else {
      byId.set(value.user_id, { user_id: value.user_id, email });
    }
  }
  return { users: [...byId.values()], lines: entries.length, duplicates };
}

/**
 * Reads the sent log: Map user_id -> {email, at} (empty when the file does not exist yet). A torn last
 * line (a crash mid-write) is ignored: that user's reset was accepted but not recorded, so a rerun
 * sends them one more; there is no way to know better.
 */
function readSent(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return { sent: new Map(), torn: null };
    throw new UsageError(`cannot read the sent log ${file}: ${err.code || err.message}`, { hint: 'check its permissions' });
  }
  const { entries, torn } = parseLines(text, file, { tolerateTornTail: true, what: 'a sent-log line' });
  const sent = new Map();
  for (const { value } of entries) if (!sent.has(value.user_id)) sent.set(value.user_id, { email: value.email || null, at: value.at || null });
  return { sent, torn };
}

/**
 * Appends to the sent log, durably: each line is on disk (fsync) before `append` returns, i.e. before
 * the next request. Opened once per run; a torn last line left by a crash is ended first so the next
 * line stays whole.
 */
class SentLog {
  constructor(file) {
    this.file = file;
    this.fd = fs.openSync(file, 'a+', 0o600);
    const size = fs.fstatSync(this.fd).size;
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(this.fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) this.write('\n');
    }
  }

  write(text) {
    fs.appendFileSync(this.fd, text);
    fs.fsyncSync(this.fd);
  }

  append({ user_id, email }) {
    this.write(`${JSON.stringify({ user_id, email, at: new Date().toISOString() })}\n`);
  }

  close() {
    if (this.fd !== null) {
      try {
        fs.closeSync(this.fd);
      } catch {
        /* already closed */
      }
      this.fd = null;
    }
  }
}

/**
 * Who gets an email now: users with an email not in the sent log. Returns
 * {toSend, alreadySent, withoutEmail} (lists of record users).
 */
function plan(users, sent) {
  const toSend = [];
  const alreadySent = [];
  const withoutEmail = [];
  for (const u of users) {
    if (sent.has(u.user_id)) alreadySent.push(u);
    else if (!u.email) withoutEmail.push(u);
    else toSend.push(u);
  }
  return { toSend, alreadySent, withoutEmail };
}

module.exports = { sentLogPath, readRecord, readSent, SentLog, plan };
