'use strict';
/**
 * `logs`: what the deployed scripts did, from the new tenant's log (GET /api/v2/logs, scope read:logs):
 * the events of the migrated connection, one line each, then a count by outcome (success, wrong
 * password, blocked, old tenant down, ...). `--follow` keeps polling; every run resumes after the last
 * event the previous one read (a checkpoint file), so nothing is shown twice or missed.
 *
 * The reading rules (checkpoint paging, first-run start) are in log-reader.js, the outcome classes in
 * log-events.js, the checkpoint file in log-checkpoint.js.
 */

const path = require('node:path');
const { NEW_TENANT, DIST, newTenant } = require('../options');
const { newTenantClient } = require('../auth0');
const lock = require('../lock');
const checkpoint = require('../log-checkpoint');
const { startingPoint, batchesAfter, MAX_TAKE } = require('../log-reader');
const events = require('../log-events');
const { EXIT, UsageError } = require('../errors');

const UNITS = { s: 1000, m: 60000, h: 3600000, d: 86400000 };
const CONSOLE_NOTE =
  "the scripts' own log line (auth0-lazy-migrate ... outcome=...) is console output, which Auth0 shows only in its real-time logs (Monitoring > Actions Logs), never through the Management API; these outcomes are read from Auth0's event types and descriptions";

/** --since: a duration back from now (90s, 30m, 12h, 7d) or a date / ISO time; returns an ISO time. */
function parseSince(value, nowMs) {
  const v = String(value).trim();
  const m = /^(\d+)([smhd])$/.exec(v);
  if (m) return new Date(nowMs - Number(m[1]) * UNITS[m[2]]).toISOString();
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) && !Number.isNaN(Date.parse(v))) return new Date(Date.parse(v)).toISOString();
  throw new UsageError(`--since takes a duration (30m, 12h, 7d) or a date (2024-05-01, 2024-05-01T08:00:00Z), not "${v}"`);
}

function intOption(values, name, { min, max, dflt }) {
  if (values[name] === undefined) return dflt;
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
    throw new UsageError(`--${name} must be an integer ${max === undefined ? `of at least ${min}` : `from ${min} to ${max}`}`);
  }
  return n;
}

function typesOption(value) {
  if (value === undefined) return [];
  const list = String(value)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const t of list) {
    if (!events.CLASSES.has(t) && !/^[a-z][a-z_]{0,30}$/.test(t)) {
      throw new UsageError(`--type: "${t}" is neither an Auth0 event type (s, fp, fu, f, ...) nor an outcome (${[...events.CLASSES].join(', ')})`);
    }
  }
  return list;
}

/** A sleep that Ctrl-C ends early. */
function waker() {
  let wake = () => {};
  return {
    sleep: (ms) =>
      new Promise((resolve) => {
        const t = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      }),
    wake: () => wake(),
  };
}

async function run(ctx) {
  const { values, out } = ctx;
  const target = newTenant(ctx);
  const now = () => Date.now();
  const take = intOption(values, 'take', { min: 1, max: MAX_TAKE, dflt: MAX_TAKE });
  const pollMs = intOption(values, 'poll-interval', { min: 10, dflt: 5000 });
  const types = typesOption(values.type);
  const sinceGiven = values.since !== undefined ? parseSince(values.since, now()) : null;
  const file = path.resolve(values.checkpoint || ctx.env.ALM_LOGS_CHECKPOINT || 'alm-logs-checkpoint.json');
  const client = newTenantClient(target, out);
  const key = `${client.domain}/${target.connection}`;
  // One reader per checkpoint file: two would both print the same events.
  const held = lock.acquire(file, { command: 'logs', out });
  try {
    const state = checkpoint.load(file, key, new Date(now()).toISOString());
    if (state.from && sinceGiven) out.info(`resuming after the last event read (${file}); --since applies to a new checkpoint only`);
    if (!state.from && !state.since) state.since = sinceGiven || parseSince('1d', now());
    return await follow(ctx, { client, target, state, file, take, pollMs, types, now });
  } finally {
    held.release();
  }
}

async function follow(ctx, { client, target, state, file, take, pollMs, types, now }) {
  const { values, out } = ctx;
  const keep = events.matcher({ connection: target.connection, types, user: values.user });
  const sinceMs = state.since ? Date.parse(state.since) : null;
  const counts = events.emptyCounts();
  const shown = [];
  const nap = waker();
  let stopping = false;
  const onSignal = (sig) => {
    if (stopping) {
      // Second Ctrl-C: the checkpoint already covers every printed batch; stop at once.
      out.info(`${sig} again: stopping now (checkpoint: ${file})`);
      process.exit(EXIT.INTERRUPTED);
    }
    stopping = true;
    out.info(`${sig}: stopping after the current request; the checkpoint keeps the last event shown (${file})`);
    nap.wake();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  /** Prints the events of one batch and saves the checkpoint after them, in one tick. */
  const emit = (batch, from) => {
    const lines = [];
    for (const e of batch) {
      state.read += 1;
      if (sinceMs !== null && !(Date.parse(e.date) >= sinceMs)) continue;
      const cls = events.classify(e);
      if (!keep(e, cls)) continue;
      counts[cls] += 1;
      state.totals[cls] += 1;
      state.shown += 1;
      if (out.json) shown.push(events.publicEvent(e, cls));
      else lines.push(events.line(e, cls));
    }
    if (lines.length) out.line(lines.join('\n'));
    state.from = from;
    checkpoint.save(file, state, new Date(now()).toISOString());
  };

  try {
    if (!values.json)
      out.info(
        `new tenant ${client.domain}, connection "${target.connection}": events ${state.from ? 'after the checkpoint' : `since ${state.since}`}${values.follow ? ' (following; Ctrl-C to stop)' : ''}`
      );
    for (;;) {
      if (!state.from) {
        const start = await startingPoint(client, state.since);
        // Saved even when the log is empty, so the next run keeps this --since; never before Auth0
        // answered, so a mistyped domain leaves no checkpoint behind.
        emit(start.first ? [start.first] : [], start.from);
      }
      if (state.from && !stopping) {
        for await (const b of batchesAfter(client, state.from, take)) {
          emit(b.logs, b.from);
          if (stopping) break;
        }
      }
      if (!values.follow || stopping) break;
      await nap.sleep(pollMs);
      if (stopping) break;
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }

  const code = stopping ? EXIT.INTERRUPTED : EXIT.OK;
  out.line(`this run: ${events.describeCounts(counts)}`);
  out.line(`every run on this checkpoint (events since ${state.since}; ${file}): ${events.describeCounts(state.totals)}`);
  out.info(`note: ${CONSOLE_NOTE}`);
  out.result({
    command: 'logs',
    ok: code === EXIT.OK,
    exitCode: code,
    ...(stopping ? { interrupted: true } : {}),
    checkpoint: file,
    connection: target.connection,
    since: state.since,
    events: shown,
    counts,
    totals: state.totals,
    totalsSince: state.since,
    note: CONSOLE_NOTE,
  });
  return code;
}

module.exports = {
  name: 'logs',
  summary: "the new tenant's log events for the scripts: one line each, counts by outcome, --follow, resumable",
  usage: 'logs [--since 1d] [--type LIST] [--user ID] [--follow] [--checkpoint FILE] [options]',
  description: `
Reads the new tenant's log (Management API GET /api/v2/logs; the tool's app needs read:logs) and shows
the events of the migrated connection (--new-connection): time, event type, outcome, user (as Auth0
gives it), description; then the count by outcome:
${events.OUTCOMES.map(([k, d]) => `  ${k.padEnd(22)} ${d}`).join('\n')}

The scripts' own line ("auth0-lazy-migrate ... outcome=...") is console output: Auth0 shows it only in
its real-time logs (Monitoring > Actions Logs), not through the API. The outcomes above are read from
the events Auth0 logs for each login (s, fp, fu, f and the f event's description) and for the sign-ups
and password resets where Get User takes part.

Every run resumes after the last event the previous run read (the checkpoint file, written after each
printed batch), so repeated runs and --follow after a Ctrl-C neither repeat nor skip an event; the
first run starts at --since. Filters (--type, --user) only hide events: the checkpoint moves past them
too, so use another --checkpoint for a filtered view you want to keep. Auth0 keeps logs 1 to 30 days
depending on the plan, and indexes them with some delay. --json prints one object when the run ends
(with --follow: after Ctrl-C), the events in it. Exit 0; 130 after Ctrl-C (checkpoint saved).`,
  options: {
    since: { type: 'string', arg: 'WHEN', help: 'first run only: start at this age (30m, 12h, 7d) or date (default 1d)' },
    type: { type: 'string', arg: 'LIST', help: 'only these event types or outcomes, comma-separated (e.g. f,fp or old_tenant_down)' },
    user: { type: 'string', arg: 'ID', help: "only this user (Auth0's user_name or user_id)" },
    follow: { type: 'boolean', short: 'f', help: 'keep polling for new events until Ctrl-C' },
    checkpoint: { type: 'string', arg: 'FILE', env: 'ALM_LOGS_CHECKPOINT', help: 'where the last event read is kept (default ./alm-logs-checkpoint.json)' },
    'poll-interval': { type: 'string', arg: 'MS', help: 'with --follow: wait between polls, in ms (default 5000)' },
    take: { type: 'string', arg: 'N', help: `events per request, 1 to ${MAX_TAKE} (default ${MAX_TAKE}, Auth0's maximum)` },
  },
  groups: [
    ['New tenant', NEW_TENANT],
    ['Build', DIST],
  ],
  run,
  parseSince,
};
