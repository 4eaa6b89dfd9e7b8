'use strict';
/**
 * Small local state files (tail progress, status history): JSON, written atomically (temp file +
 * rename, so an interruption leaves the old or the new file, never half of one) and readable by the
 * owner only (they name users and job ids, never secrets).
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

module.exports = { readState, writeState };
