'use strict';
/**
 * `status`: how far the lazy migration has come. Exports both connections (an export job each: Auth0's
 * user search counts stop at 1000; only the fields the counts read unless --full: count-method.js), counts the old users already in the new tenant with the scripts' own
 * id mapping, and keeps each run in a small history file to show the pace and estimate when the rest is
 * small enough for `tail`.
 */

const fs = require('node:fs');
const path = require('node:path');
const { OLD_TENANT, NEW_TENANT, DIST, newTenant } = require('../options');
const { distDir, loadEngine } = require('../dist');
const { newTenantClient } = require('../auth0');
const bulk = require('../bulk');
const lock = require('../lock');
const { readState, writeState } = require('../state');
const { EXIT, UsageError } = require('../errors');
const { SOURCE_OPTION, SOURCE_GROUPS } = require('../source');
const { oldSide } = require('../old-side');
const { countMethod, METHODS } = require('../count-method');
const statusHtml = require('../status-html');

const DAY_MS = 86400000;
const MAX_HISTORY = 500;

function threshold(value, oldTotal) {
  const v = value === undefined ? '5%' : String(value).trim();
  const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(v);
  if (!m) throw new UsageError('--tail-below takes a number of users or a percentage, e.g. 500 or 2%');
  return m[2] ? Math.ceil((Number(m[1]) / 100) * oldTotal) : Math.floor(Number(m[1]));
}

/**
 * The shortest history a pace is computed from. Logins follow the day (office hours, time zones), so a
 * rate from two runs minutes apart is noise: two runs right after setup once printed
 * "19919.3 user(s)/day over 0.0 day(s)". Below this span there is no pace, only how long the history is.
 */
const MIN_PACE_DAYS = 1;

/**
 * Pace over the history window and the estimate of when `remaining` drops below `below`. `spanDays`:
 * how much history the window holds (null with a single run); `rate` is null while it is under minDays.
 */
function estimate(history, now, { windowDays, below, minDays = MIN_PACE_DAYS }) {
  const latest = history[history.length - 1];
  // Already small enough: that needs no pace.
  const reached = latest.remaining <= below ? { below, days: 0, at: latest.at, reached: true } : null;
  const since = now - windowDays * DAY_MS;
  const first = history.find((h) => Date.parse(h.at) >= since && h !== latest);
  if (!first) return { rate: null, estimate: reached, spanDays: null };
  const days = (Date.parse(latest.at) - Date.parse(first.at)) / DAY_MS;
  if (!(days >= minDays)) return { rate: null, estimate: reached, spanDays: Math.max(0, days) };
  const perDay = (latest.migrated - first.migrated) / days;
  const rate = { perDay, days, runs: history.filter((h) => Date.parse(h.at) >= Date.parse(first.at)).length };
  if (reached) return { rate, estimate: reached };
  if (perDay <= 0) return { rate, estimate: null };
  const d = (latest.remaining - below) / perDay;
  return { rate, estimate: { below, days: d, at: new Date(Date.parse(latest.at) + d * DAY_MS).toISOString(), reached: false } };
}

async function run(ctx) {
  const { values, out } = ctx;
  const side = oldSide(ctx, 'status', { connection: 'status counts the users of this connection of the old tenant' });
  const { settings } = side;
  const target = newTenant(ctx);
  const pollMs = values['poll-interval'] === undefined ? 3000 : Number(values['poll-interval']);
  if (!Number.isInteger(pollMs) || pollMs < 10) throw new UsageError('--poll-interval must be an integer of at least 10 (ms)');
  const windowDays = values['window-days'] === undefined ? 7 : Number(values['window-days']);
  if (!(windowDays >= MIN_PACE_DAYS)) throw new UsageError(`--window-days must be a number of at least ${MIN_PACE_DAYS} (a pace needs that much history)`);
  const stateFile = path.resolve(values.state || ctx.env.ALM_STATUS_STATE || 'alm-status.json');
  const htmlFile = values.html === undefined ? null : path.resolve(values.html);
  const engine = loadEngine(distDir(ctx));
  const oldClient = side.client;
  const newClient = newTenantClient(target, out);
  // One run at a time on this history file (a concurrent run would lose the other's entry).
  const held = lock.acquire(stateFile, { command: 'status', out });
  try {
    return await report(ctx, { settings, target, pollMs, windowDays, stateFile, htmlFile, engine, oldClient, newClient, side });
  } finally {
    held.release();
  }
}

async function report(ctx, { settings, target, pollMs, windowDays, stateFile, htmlFile, engine, oldClient, newClient, side }) {
  const { values, out } = ctx;
  const key = { old: side.key, new: `${newClient.domain}/${target.connection}` };
  const state = readState(stateFile) || { version: 1, key, history: [] };
  if (state.key.old !== key.old || state.key.new !== key.new) {
    throw new UsageError(`${stateFile} belongs to another migration (${state.key.old} -> ${state.key.new})`, { hint: 'give another --state file' });
  }

  // The cheapest exact count (count-method.js): only the fields the counts read, unless --full.
  const method = side.listed ? METHODS.listed : countMethod(values);
  // Streamed (bulk.js, stream/join.js): the exports go to a temporary folder, the plan keeps counts.
  const work = bulk.tempWorkDir();
  let p;
  try {
    ({ plan: p } = await bulk.exportAndPlan(oldClient, newClient, {
      settings,
      target,
      engine,
      pollMs,
      out,
      oldFields: method.oldFields,
      newFields: method.newFields,
      dir: work.dir,
      listed: side.listed,
    }));
  } finally {
    work.done();
  }
  const counts = {
    old: p.old,
    blocked: p.blocked.count,
    migrated: p.present.count,
    remaining: p.old - p.present.count - p.blocked.count,
    // Marked migrated by the old tenant (a password check passed) but not in the new tenant: the mark
    // proves nothing about the new tenant, so they are remaining, and the tail imports them.
    markedAbsent: p.markedAbsent.count,
    newTotal: p.newTotal,
    newOnly: p.newOnly,
    emailConflicts: p.conflicts.count,
  };
  const now = Date.now();
  state.history.push({ at: new Date(now).toISOString(), method: method.name, ...counts });
  if (state.history.length > MAX_HISTORY) state.history.splice(0, state.history.length - MAX_HISTORY);
  writeState(stateFile, state);

  const below = threshold(values['tail-below'], counts.old);
  const { rate, estimate: est, spanDays } = estimate(state.history, now, { windowDays, below });
  const eligible = counts.old - counts.blocked;
  // No eligible user: no percentage (0 of 0 is not "100% migrated").
  const share = eligible > 0 ? counts.migrated / eligible : null;

  out.line(`count method: ${method.name}: ${method.label}`);
  out.line(`${side.listed ? side.title : `${side.title} (${oldClient.domain})`}: ${counts.old} user(s), ${counts.blocked} blocked`);
  out.line(`new tenant "${target.connection}" (${newClient.domain}): ${counts.newTotal} user(s)${counts.newOnly ? `, ${counts.newOnly} of them not from the old tenant (signed up there)` : ''}`);
  if (share === null) out.line(`migrated: ${counts.migrated}; no user left to migrate: all ${counts.old} old user(s) are blocked`);
  else out.line(`migrated: ${counts.migrated} of ${eligible} (${(share * 100).toFixed(1)}%); remaining: ${counts.remaining}`);
  if (counts.markedAbsent) {
    out.line(
      `  ${counts.markedAbsent} of the remaining are marked migrated by the old tenant but are not in the new tenant (counted as remaining; tail imports them), e.g. ${p.markedAbsent.items.slice(0, 3).join(', ')}`
    );
  }
  if (counts.emailConflicts) out.warn(`${counts.emailConflicts} old user(s) have their email in the new tenant under another id; tail will not import them`);
  if (rate) out.line(`pace: ${rate.perDay.toFixed(1)} user(s)/day over ${rate.days.toFixed(1)} day(s) (${rate.runs} runs of status)`);
  else if (spanDays !== null && spanDays !== undefined) {
    out.line(`pace: not known yet (history spans ${(spanDays * 24).toFixed(1)} h; needs at least ${MIN_PACE_DAYS} day); run status again later (history: ${stateFile})`);
  } else out.line(`pace: not known yet; run status again later (history: ${stateFile})`);
  if (est && est.reached) out.line(`the remaining ${counts.remaining} user(s) are at or below ${below}: time for \`auth0-lazy-migrate tail\``);
  else if (est) out.line(`estimate: the remaining users fall below ${below} in about ${est.days.toFixed(1)} day(s) (${est.at.slice(0, 10)}), if logins keep this pace (they usually slow down)`);
  else if (rate) out.line('estimate: none (no progress in the window)');
  // The plan's lists are arrays, or {count, items} once streamed (bulk.js): read both.
  const unmappable = method.name !== 'ids' ? (p.invalid.count ?? p.invalid.length) : null;
  if (unmappable) {
    const e = (p.invalid.items || p.invalid)[0];
    out.warn(`${unmappable} old user(s) have a profile the tail cannot map (counted as remaining), e.g. ${e.user_id}: ${e.error}`);
  }
  if (htmlFile) {
    fs.writeFileSync(htmlFile, statusHtml.render({ key: state.key, history: state.history, rate, estimate: est, below, method: method.name }));
    out.line(`chart: ${htmlFile}`);
  }

  out.result({
    command: 'status',
    ok: true,
    exitCode: EXIT.OK,
    state: stateFile,
    countMethod: { name: method.name, fields: { old: method.oldFields, new: method.newFields }, cannotTell: method.cannotTell },
    counts,
    share,
    ...(unmappable === null ? {} : { unmappable }),
    ...(htmlFile ? { html: htmlFile } : {}),
    rate,
    ...(rate ? {} : { pace: { known: false, historySpanHours: spanDays === null ? null : spanDays * 24, needsDays: MIN_PACE_DAYS } }),
    estimate: est,
    tailBelow: below,
    markedAbsent: p.markedAbsent.items.slice(0, 1000),
  });
  return EXIT.OK;
}

module.exports = {
  name: 'status',
  summary: 'migration progress: users migrated, pace over time, when the tail is small',
  usage: 'status [--state FILE] [options]',
  description: `
Counts the old connection's users, how many are in the new tenant already (matched by the id the
scripts give them), the blocked ones and the rest, from an export job on each tenant (user search
totals stop at 1000). The export carries only the fields the counts read (user_id, email, blocked,
app_metadata); --full exports whole profiles, as tail does, and also checks each maps. It prints the
count method it used. Each run is kept in a small history file, so repeated runs (e.g. daily) show the
pace and estimate when the remaining users fall below --tail-below, the moment to run \`tail\`;
--html FILE writes that history as one self-contained page (chart, pace, projected date).

--source rest, oidc, firebase or cognito: the old side is the source's own listing of every user (count method
"listing": whole profiles, each mapped as the tail imports it), not an export job.`,
  options: {
    ...SOURCE_OPTION,
    state: { type: 'string', arg: 'FILE', env: 'ALM_STATUS_STATE', help: 'history file (default ./alm-status.json)' },
    'tail-below': { type: 'string', arg: 'N|P%', help: 'remaining users small enough for tail (default 5%)' },
    'window-days': { type: 'string', arg: 'DAYS', help: 'history window for the pace (default 7; the pace needs runs at least 1 day apart)' },
    'poll-interval': { type: 'string', arg: 'MS', help: 'how often to poll the export jobs, in ms (default 3000)' },
    full: { type: 'boolean', help: 'export every profile field (as tail does) and check each maps; default: only the fields the counts read' },
    html: { type: 'string', arg: 'FILE', help: 'also write the history as one self-contained page: chart, pace, projected date' },
  },
  groups: [["Old tenant (the scripts' settings)", OLD_TENANT], ...SOURCE_GROUPS, ['New tenant', NEW_TENANT], ['Build', DIST]],
  run,
  estimate,
  MIN_PACE_DAYS,
};
