'use strict';
/**
 * Reading the new tenant's log in order, the way Auth0 documents for exports
 * (https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api):
 * - by checkpoint: `from` = a log_id, `take` at most 100; the reply holds the events newer than `from`,
 *   ordered by log_id (not by date, so an event indexed late is not skipped), and a Link header whose
 *   rel="next" URL is the next request; an empty page means "nothing newer yet". Paging this way is
 *   unbounded, where a search stops at 1,000 results; `q` is ignored, so filters are applied here;
 * - a first run has no log_id yet: a search by date (`q=date:[...]`, YYYY-MM-DD,
 *   https://auth0.com/docs/deploy-monitor/logs/log-search-query-syntax) finds the last event before
 *   --since's day to start after, or, when the log starts later, its oldest event.
 * Retention limits how far back any of this reaches (1 day on free plans, 30 on Enterprise:
 * https://auth0.com/docs/deploy-monitor/logs/log-data-retention), and Auth0 indexes events with some
 * delay, so an event can show up a poll later than it happened.
 */

const MAX_TAKE = 100;

/** True when `id` is at or before `from` (Auth0 log ids: digit strings of one length, ordered). */
function notNewer(id, from) {
  return typeof id === 'string' && typeof from === 'string' && id.length === from.length && /^\d+$/.test(id) && /^\d+$/.test(from) && id <= from;
}

/**
 * Where a first run starts: `{from, first}`: read after `from` (null: nothing to start after), and
 * `first`, an event to take before that (the log's oldest, when it is the start), or null.
 * `sinceIso` is the --since bound.
 */
async function startingPoint(client, sinceIso) {
  const day = new Date(Date.parse(`${sinceIso.slice(0, 10)}T00:00:00Z`) - 86400000).toISOString().slice(0, 10);
  const before = await client.listLogs({ q: `date:[* TO ${day}]`, sort: 'date:-1', page: 0, perPage: 1 });
  if (before.logs.length) return { from: before.logs[0].log_id, first: null };
  const oldest = await client.listLogs({ sort: 'date:1', page: 0, perPage: 1 });
  if (oldest.logs.length) return { from: oldest.logs[0].log_id, first: oldest.logs[0] };
  return { from: null, first: null };
}

/**
 * The batches after checkpoint `from`, `take` events a request, until a page comes back empty. Yields
 * `{logs, from}`: the events (none at or before the checkpoint, even if a server repeated it) and the
 * checkpoint after them (the Link header's next `from`, else the last event's log_id).
 */
async function* batchesAfter(client, from, take = MAX_TAKE) {
  let at = from;
  for (;;) {
    const { logs, next } = await client.listLogs({ from: at, take });
    const fresh = logs.filter((e) => e && typeof e.log_id === 'string' && !notNewer(e.log_id, at));
    const last = logs.length ? logs[logs.length - 1].log_id : at;
    const nextFrom = next && next.from ? next.from : last;
    yield { logs: fresh, from: nextFrom };
    if (!logs.length || nextFrom === at) return;
    at = nextFrom;
  }
}

module.exports = { MAX_TAKE, startingPoint, batchesAfter, notNewer };
