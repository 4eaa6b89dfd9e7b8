'use strict';
/**
 * The tenant's log events (`GET /api/v2/logs`), for when the fake plays the NEW tenant and the operator
 * runs `logs`: what Auth0 recorded for the custom-database scripts' calls. Tests and the rehearsal
 * world put events in with `tenant.addLog(event)` and read them with `tenant.logs`.
 *
 * CONFIRMED (sources named beside each):
 * - the route and its two ways of reading (https://auth0.com/docs/api/management/v2/logs/get-logs and
 *   https://auth0.com/docs/deploy-monitor/logs/retrieve-log-events-using-mgmt-api):
 *   - by checkpoint: `from` (a log_id) and `take`; the events NEWER than `from` (so `from` itself is
 *     not repeated), ordered by log_id, not by date ("to prevent skipping past records due to Auth0
 *     system delays"); any other parameter is ignored (`q` too); unbounded paging; the reply carries a
 *     `Link` header whose rel="next" URL is the next request, and an empty page's next URL is the same
 *     URL again;
 *   - by search: `q` (Lucene subset), `page` (from 0), `per_page` (default 50, max 100), `sort`
 *     (`date:1` / `date:-1`), `include_totals` (an object with the total instead of a bare array);
 *     at most 1,000 results can be paged through;
 *   - at most 100 events per request, either way;
 * - scope `read:logs` (https://auth0.github.io/auth0-PHP/classes/Auth0-SDK-Contract-API-Management-LogsInterface.html:
 *   "Required scope: read:logs");
 * - the event fields (date, type, description, connection, connection_id, client_id, client_name, ip,
 *   user_id, user_name, strategy, strategy_type, log_id, ...) from the reference's example reply, and
 *   `date` searched as YYYY-MM-DD (https://auth0.com/docs/deploy-monitor/logs/log-search-query-syntax);
 * - log_id: a long string of digits (`900` + a timestamp + more digits, e.g. the docs' example
 *   90020211201185132572079310688835925971249535794074878050).
 *
 * CHOSEN here (not found in Auth0's documentation):
 * - log ids: `900` + the ingestion time (yyyyMMddHHmmssSSS, never going back) + a 36-digit sequence, so
 *   string order is log_id order; an event added with an older `date` still gets a newer id (a late
 *   arrival, the case checkpoint ordering exists for);
 * - `take` defaults to 50 and is capped at 100; `take` without `from` reads from the oldest event;
 * - the checkpoint reply is a bare array whatever `include_totals` says (it is "ignored");
 * - search: `per_page` over 100 and paging past 1,000 results answer 400 (wording ours); the default
 *   sort is newest first; `q` supports only `field:value`, `field:"value"` and `field:[A TO B]`
 *   ranges (`*` open, `{}` exclusive) joined by AND; anything else answers 400 naming the fake, so a
 *   test never mistakes a limit of the fake for Auth0's behaviour.
 * - an event's `description` for a script's error is the error's message (UNCONFIRMED: Auth0 documents
 *   which type a custom-database error logs, fp/fu/f, not the description's exact text).
 */

const { authenticate, mgmtError } = require('./management');

const MAX_TAKE = 100;
const MAX_SEARCH_RESULTS = 1000;

/** yyyyMMddHHmmssSSS of a time in ms. */
function stamp(ms) {
  return new Date(ms)
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 17);
}

class LogStore {
  /** @param {{nowSec(): number, domain: string|null}} st */
  constructor(st) {
    this.st = st;
    this.events = [];
    this.seq = 0;
    this.lastStamp = '';
  }

  /**
   * Stores one event (Auth0's shape; `type` required) and returns it with its log_id. Missing fields get
   * Auth0-like defaults; `log_id` may be given (kept in log_id order).
   */
  add(event) {
    if (!event || typeof event.type !== 'string') throw new Error('addLog: an event needs a `type` (s, fp, fu, f, ...)');
    const nowMs = this.st.nowSec() * 1000;
    let s = stamp(nowMs);
    if (s < this.lastStamp) s = this.lastStamp;
    this.lastStamp = s;
    this.seq += 1;
    const stored = {
      date: new Date(nowMs).toISOString(),
      description: '',
      ip: '127.0.0.1',
      user_agent: 'Other 0.0.0 / Other 0.0.0',
      hostname: this.st.domain,
      strategy: 'auth0',
      strategy_type: 'database',
      details: {},
      ...structuredClone(event),
    };
    stored.log_id = event.log_id || `900${s}${String(this.seq).padStart(36, '0')}`;
    const at = this.events.findIndex((e) => e.log_id > stored.log_id);
    if (at < 0) this.events.push(stored);
    else this.events.splice(at, 0, stored);
    return stored;
  }
}

/** A `q` clause -> predicate, or throws {status: 400} for what the fake does not parse. */
function clause(text) {
  const range = /^([a-z_]+):([[{])(\S+) TO (\S+)([\]}])$/.exec(text);
  if (range) {
    const [, field, open, lo, hi, close] = range;
    const cut = (v, bound) => (field === 'date' && bound.length === 10 ? String(v || '').slice(0, 10) : String(v || ''));
    return (e) => {
      const v = e[field];
      if (lo !== '*' && (open === '[' ? cut(v, lo) < lo : cut(v, lo) <= lo)) return false;
      if (hi !== '*' && (close === ']' ? cut(v, hi) > hi : cut(v, hi) >= hi)) return false;
      return true;
    };
  }
  const term = /^([a-z_]+):(?:"((?:[^"\\]|\\.)*)"|([^\s"[\]{}()*?]+))$/.exec(text);
  if (term) {
    const [, field, quoted, bare] = term;
    const value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare;
    return (e) => (field === 'date' ? String(e.date || '').slice(0, 10) === value : String(e[field] ?? '') === value);
  }
  throw Object.assign(new Error(`fake tenant: log search clause "${text}" is not supported (field:value, field:"value", field:[A TO B], joined by AND)`), { status: 400 });
}

function compileQuery(q) {
  const preds = String(q)
    .trim()
    .split(/\s+AND\s+/)
    .filter(Boolean)
    .map(clause);
  return (e) => preds.every((p) => p(e));
}

function byCheckpoint(st, store, query) {
  const from = query.get('from');
  const asked = query.get('take');
  const take = Math.min(MAX_TAKE, Math.max(1, Number.parseInt(asked || '50', 10) || 50));
  const start = from ? store.events.findIndex((e) => e.log_id > from) : 0;
  const page = start < 0 ? [] : store.events.slice(start, start + take);
  const nextFrom = page.length ? page[page.length - 1].log_id : from;
  const next = new URL(`https://${st.domain}/api/v2/logs`);
  if (nextFrom) next.searchParams.set('from', nextFrom);
  next.searchParams.set('take', String(take));
  return { status: 200, body: structuredClone(page), headers: { link: `<${next.href}>; rel="next"` } };
}

function bySearch(store, query) {
  const perPage = query.get('per_page') === null ? 50 : Number(query.get('per_page'));
  const page = query.get('page') === null ? 0 : Number(query.get('page'));
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_TAKE) {
    return mgmtError(400, 'Bad Request', `Query validation error: per_page must be an integer from 1 to ${MAX_TAKE}`, 'invalid_query_string');
  }
  if (!Number.isInteger(page) || page < 0) return mgmtError(400, 'Bad Request', 'Query validation error: page must be an integer >= 0', 'invalid_query_string');
  if ((page + 1) * perPage > MAX_SEARCH_RESULTS) {
    return mgmtError(400, 'Bad Request', `You can only page through the first ${MAX_SEARCH_RESULTS} results; narrow the search or read by checkpoint`, 'invalid_paging');
  }
  let matches = store.events;
  const q = query.get('q');
  if (q) {
    try {
      matches = matches.filter(compileQuery(q));
    } catch (err) {
      if (err.status === 400) return mgmtError(400, 'Bad Request', err.message, 'invalid_query_string');
      throw err;
    }
  }
  const sort = query.get('sort') || 'date:-1';
  const m = /^([a-z_]+):(-?1)$/.exec(sort);
  if (!m) return mgmtError(400, 'Bad Request', `Query validation error: sort must be field:1 or field:-1 (got ${sort})`, 'invalid_query_string');
  const dir = Number(m[2]);
  // Equal keys keep log_id order (a stable sort over the stored order), newest last.
  const sorted = [...matches].sort((a, b) => dir * (String(a[m[1]] ?? '') < String(b[m[1]] ?? '') ? -1 : String(a[m[1]] ?? '') > String(b[m[1]] ?? '') ? 1 : 0));
  const slice = structuredClone(sorted.slice(page * perPage, page * perPage + perPage));
  if (query.get('include_totals') === 'true') {
    return { status: 200, body: { start: page * perPage, limit: perPage, length: slice.length, total: matches.length, logs: slice } };
  }
  return { status: 200, body: slice };
}

/** GET /api/v2/logs. */
function handleLogs(st, store, { headers, query }) {
  const auth = authenticate(st, headers, 'read:logs');
  if (auth.error) return auth.error;
  if (query.get('from') !== null || query.get('take') !== null) return byCheckpoint(st, store, query);
  return bySearch(store, query);
}

module.exports = { LogStore, handleLogs };
