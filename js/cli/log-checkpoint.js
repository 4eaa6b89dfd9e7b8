'use strict';
/**
 * The `logs` checkpoint file: where the next run resumes in the new tenant's log, so that a run stopped
 * by Ctrl-C, a crash or a kill neither repeats nor skips an event.
 *
 * It holds the checkpoint Auth0 hands out (the `from` of the Link header's next URL, i.e. the log_id
 * of the last event read: reading by checkpoint returns only events NEWER than it,
 * https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api), the --since bound
 * of the first run, and running totals by outcome. It is written atomically (state.js: temp file +
 * rename) right after each batch is printed, in the same tick as the print, so a kill leaves either
 * the old or the new checkpoint.
 */

const { readState, writeState } = require('./state');
const { UsageError } = require('./errors');
const { emptyCounts } = require('./log-events');

/**
 * The checkpoint of `key` ("domain/connection") in `file`, or a fresh one. A file of another tenant or
 * connection is refused (exit 2), as `status` refuses another migration's history.
 */
function load(file, key, nowIso) {
  const s = readState(file);
  if (!s) return { version: 1, key, from: null, since: null, startedAt: nowIso, updatedAt: nowIso, read: 0, shown: 0, totals: emptyCounts() };
  if (s.version !== 1 || typeof s.key !== 'string' || !(s.from === null || typeof s.from === 'string')) {
    throw new UsageError(`${file} is not a logs checkpoint`, { hint: 'give another --checkpoint file, or move this one away' });
  }
  if (s.key !== key) throw new UsageError(`${file} is the checkpoint of ${s.key}, not ${key}`, { hint: 'give another --checkpoint file' });
  s.totals = { ...emptyCounts(), ...(s.totals || {}) };
  return s;
}

function save(file, state, nowIso) {
  state.updatedAt = nowIso;
  writeState(file, state);
}

module.exports = { load, save };
