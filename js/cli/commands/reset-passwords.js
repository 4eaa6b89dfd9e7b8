'use strict';
/**
 * `reset-passwords`: sends each user `tail` imported a password-reset email, since imported users have
 * no password in the new tenant.
 *
 * The endpoint: the Authentication API's `POST https://{new-domain}/dbconnections/change_password`
 * with JSON `{client_id, email, connection}` (https://auth0.com/docs/api/authentication#change-password).
 * It is the only Auth0 call that SENDS the change-password email for a database connection; it answers
 * 200 with a plain-text body ("We've just sent you an email to reset your password.") and is rate
 * limited (429 with Retry-After or X-RateLimit-Reset). It needs no client secret, but `client_id` must
 * be an application the connection is enabled for (default the CLI's own new-tenant app). The
 * Management API's `POST /api/v2/tickets/password-change` is NOT used: it only returns a ticket URL and
 * sends nothing, so this tool would have to mail it itself. The request goes through the auth0 SDK's
 * AuthenticationClient (`database.changePassword`, see auth0.js changePasswordSender), with the SDK's
 * retry off: the waits below are this command's.
 *
 * Emails cannot be unsent, so: a plan first, then plan.js decides as for every command that changes a
 * tenant (--dry-run stops, --plan-out FILE writes the plan, --plan FILE sends only to users of a
 * reviewed plan, else `yes` typed on a terminal or --yes off one), a lock so two runs never send at once, and a sent log (<record>.sent.ndjson)
 * fsynced after each accepted request so a rerun, after Ctrl-C, a crash or an outage, skips everyone
 * already sent one. Requests are paced to --rate per minute; a 429 is waited out and the same user tried
 * again; any other refusal is listed per user (exit 1) and that user is tried again by the next run.
 */

const path = require('node:path');
const { NEW_TENANT, requireValue, pickValue, newDomain } = require('../options');
const { changePasswordSender, retryAfterMs, classifyRefusal, describe } = require('../auth0');
const { EXIT, UsageError, UpstreamError } = require('../errors');
const { PLAN_OPTIONS, planMode, buildPlan, decide, planResult, restrictToPlan } = require('../plan');
const { sentLogPath, readRecord, readSent, SentLog, plan } = require('../reset-record');
const { heartbeatMs } = require('../progress');

const DEFAULT_RATE = 20;
/** Longest wait a 429 can ask of us; Auth0's windows are short, a longer ask is capped. */
const MAX_WAIT_MS = 60000;
/** 429s in a row for one user before the run stops (exit 3, progress kept). */
const MAX_429_IN_A_ROW = 10;
const LIST_MAX = 1000;
const SHOW_MAX = 20;

const OPTIONS = {
  record: { type: 'string', arg: 'FILE', env: 'ALM_TAIL_RECORD', help: 'the record of imported users `tail` wrote (default alm-imported.ndjson beside the tail state file)' },
  rate: { type: 'string', arg: 'N', help: `requests per minute, an integer from 1 to 1000 (default ${DEFAULT_RATE})` },
  'reset-client-id': { type: 'string', arg: 'ID', env: 'ALM_RESET_CLIENT_ID', help: 'application the connection is enabled for, named in the request (default --new-client-id)' },
  ...PLAN_OPTIONS,
  'dry-run': { type: 'boolean', help: 'print the plan and send nothing' },
};

function parseRate(values) {
  if (values.rate === undefined) return DEFAULT_RATE;
  const s = String(values.rate).trim();
  const n = /^\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new UsageError(`--rate must be an integer from 1 to 1000 (got "${values.rate}")`, { hint: `requests per minute, e.g. --rate ${DEFAULT_RATE}` });
  }
  return n;
}

/** The record's path: --record, ALM_TAIL_RECORD, else where `tail` puts it by default. */
function recordPath(ctx) {
  const given = pickValue(ctx, OPTIONS, 'record');
  if (given !== undefined) return path.resolve(String(given));
  const state = ctx.env.ALM_TAIL_STATE || 'alm-tail-state.json';
  return path.resolve(path.dirname(path.resolve(state)), 'alm-imported.ndjson');
}

/** Where the requests go: {base, domain, connection, clientId}. Needs no secret. */
function target(ctx) {
  const domain = newDomain(ctx);
  const connection = requireValue(ctx, NEW_TENANT, 'new-connection', 'the database connection the users were imported into');
  const reset = pickValue(ctx, OPTIONS, 'reset-client-id');
  const clientId =
    reset !== undefined && String(reset).trim() !== '' ? String(reset).trim() : requireValue(ctx, NEW_TENANT, 'new-client-id', 'the application named in the reset request; or give --reset-client-id');
  return { base: `https://${domain}`, domain, connection, clientId };
}

/**
 * A refusal that is about the setup (the app, the connection), not the user: every other user would
 * get the same, so the run stops (exit 3) instead of listing each one.
 */
function setupError(t, res) {
  const what = describe(res.status, res.body);
  if (classifyRefusal(res.status, res.body).refusal === 'client_or_connection') {
    return new UpstreamError(`new tenant refused the reset request for connection "${t.connection}" with client id ${t.clientId} (${what})`, {
      hint: `enable the connection "${t.connection}" for that application (Authentication > Database > ${t.connection} > Applications), or name another application with --reset-client-id`,
      status: res.status,
    });
  }
  return null;
}

/** A sleep that ends early when `signal` aborts (Ctrl-C must not wait out a pacing interval). */
function interruptibleSleep(signal) {
  return (ms) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
}

/**
 * Sends to `users` in order, one request at a time, at most one every `intervalMs`.
 * Deps (injectable): post(user) -> {status, headers, body}, sleep(ms), now(), stopped(), onSent(user),
 * log(text), progress(done, total, user). Returns {sent, failures, waits, interrupted, error, unsure}.
 */
async function sendAll(users, d) {
  const r = { sent: [], failures: [], waits: 0, interrupted: false, error: null, unsure: null };
  let lastStart = -Infinity;
  for (let i = 0; i < users.length; i++) {
    const u = users[i];
    for (let limited = 0; ; ) {
      if (d.stopped()) {
        r.interrupted = true;
        return r;
      }
      const wait = lastStart + d.intervalMs - d.now();
      if (wait > 0) await d.sleep(wait);
      if (d.stopped()) {
        r.interrupted = true;
        return r;
      }
      lastStart = d.now();
      let res;
      try {
        res = await d.post(u);
      } catch (err) {
        r.error = err;
        r.unsure = u;
        return r;
      }
      if (res.status >= 200 && res.status < 300) {
        d.onSent(u);
        r.sent.push(u);
        break;
      }
      if (res.status === 429) {
        if (limited >= MAX_429_IN_A_ROW) {
          r.error = new UpstreamError(`new tenant: still rate limited after ${limited} waits (${describe(429, res.body)})`, {
            hint: 'another client may be using the same rate limit; run the same command again later, with a lower --rate',
          });
          return r;
        }
        limited += 1;
        let ms = retryAfterMs(res.headers);
        if (ms === null) ms = 1000 * 2 ** (limited - 1);
        ms = Math.min(ms, MAX_WAIT_MS);
        r.waits += 1;
        d.log(`new tenant: rate limited (${describe(429, res.body)}); waiting ${(ms / 1000).toFixed(1)} s, then ${u.email} again`);
        await d.sleep(ms);
        continue;
      }
      const setup = d.setupError(res);
      if (setup) {
        r.error = setup;
        return r;
      }
      r.failures.push({ user_id: u.user_id, email: u.email, status: res.status, error: describe(res.status, res.body) });
      break;
    }
    d.progress(i + 1, users.length, u);
  }
  return r;
}

function listSome(out, title, items, fmt) {
  if (!items.length) return;
  out.line(title);
  for (const x of items.slice(0, SHOW_MAX)) out.line(`  ${fmt(x)}`);
  if (items.length > SHOW_MAX) out.line(`  ... and ${items.length - SHOW_MAX} more (--json lists up to ${LIST_MAX})`);
}

async function run(ctx) {
  const { values, out } = ctx;
  const mode = planMode(ctx, 'reset-passwords'); // a stale or edited --plan file is refused before anything
  const rate = parseRate(values);
  const t = target(ctx);
  const record = recordPath(ctx);
  const sidecar = sentLogPath(record);
  const rec = readRecord(record);

  const show = (p, again) => {
    out.line(`${again ? 'now' : 'record'} ${record}: ${rec.users.length} user(s)${rec.duplicates ? ` (${rec.duplicates} duplicate line(s) ignored)` : ''}`);
    out.line(`  already sent a reset email by an earlier run: ${p.alreadySent.length}`);
    out.line(`  without an email (nothing can be sent): ${p.withoutEmail.length}`);
    // The n-th request starts (n - 1) intervals after the first.
    const minutes = Math.ceil((p.toSend.length - 1) / rate);
    const takes = !p.toSend.length ? '' : minutes < 1 ? ' (under a minute)' : ` (about ${minutes} min)`;
    out.line(`  to send now: ${p.toSend.length}, at most ${rate} per minute${takes}, through connection "${t.connection}" of ${t.domain} with client id ${t.clientId}`);
  };
  let sentBefore = readSent(sidecar);
  let p = plan(rec.users, sentBefore.sent);
  // --plan FILE: only users of the reviewed plan are sent one (plan.js).
  p = { ...p, toSend: restrictToPlan(ctx, mode, p.toSend, (u) => u.user_id, { verb: 'sent an email', why: 'sent one meanwhile, or no longer in the record with an email' }) };
  show(p);
  listSome(out, 'users without an email (they must use "Forgot password" once they have one):', p.withoutEmail, (u) => u.user_id);
  if (sentBefore.torn) out.warn(`${sidecar}:${sentBefore.torn} was cut short (a crash while writing); that user may be sent a second email`);

  const counts = () => ({
    users: rec.users.length,
    duplicates: rec.duplicates,
    alreadySent: p.alreadySent.length,
    withoutEmail: p.withoutEmail.length,
    toSend: p.toSend.length,
    sent: 0,
    failed: 0,
    remaining: p.toSend.length,
  });
  const doc = buildPlan(mode, {
    domain: t.domain,
    connection: { name: t.connection },
    change: { 'client id': t.clientId, record },
    users: p.toSend.map((u) => ({ user_id: u.user_id, email: u.email })),
  });
  const base = () => ({ command: 'reset-passwords', record, sentLog: sidecar, rate, ...planResult(mode, doc) });
  const withoutEmailList = () => p.withoutEmail.slice(0, LIST_MAX).map((u) => ({ user_id: u.user_id }));

  const gate = await decide(ctx, mode, doc, {
    nothing: 'no email was sent',
    note: `Emails cannot be unsent: this sends ${p.toSend.length} password-reset email(s).`,
    empty: !p.toSend.length,
    result: { ...base(), counts: counts(), toSend: p.toSend.slice(0, LIST_MAX), withoutEmail: withoutEmailList() },
  });
  if (!gate.apply) return gate.code;
  if (!p.toSend.length) {
    out.line(`nothing to send: every user with an email was sent one (sent log: ${sidecar})`);
    out.result({ ...base(), ok: true, exitCode: EXIT.OK, counts: counts(), sent: [], failures: [], withoutEmail: withoutEmailList() });
    return EXIT.OK;
  }
  // Only users confirmed above are sent one, whatever the record holds by now.
  const confirmed = new Set(p.toSend.map((u) => u.user_id));
  const { acquire } = require('../lock');
  const lock = acquire(sidecar, { command: 'reset-passwords', out });
  let log = null;
  const ac = new AbortController();
  let interrupted = false;
  let forced = false;
  const onSignal = (sig) => {
    if (interrupted) {
      if (forced) return;
      forced = true;
      out.info(`${sig} again: stopping now; a request in flight may have sent an email the sent log does not show`);
      try {
        if (log) log.close();
        lock.release();
      } catch {
        /* exiting anyway */
      }
      // The sent log is the count of record here: this run's tally is not final.
      out.result({ ...base(), ok: false, exitCode: EXIT.INTERRUPTED, interrupted: true, forced: true });
      process.stderr.write('', () => process.exit(EXIT.INTERRUPTED));
      return;
    }
    interrupted = true;
    ac.abort();
    out.clearBar();
    out.info(`${sig}: stopping after the current request; who was sent one is in ${sidecar} (run again to send the rest)`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Another run may have sent some while we waited for the lock: plan again from the sent log.
    sentBefore = readSent(sidecar);
    const again = plan(rec.users, sentBefore.sent);
    if (again.alreadySent.length !== p.alreadySent.length) {
      p = { ...again, toSend: again.toSend.filter((u) => confirmed.has(u.user_id)) };
      show(p, true);
    }
    if (!p.toSend.length) {
      out.line(`nothing to send: every user with an email was sent one (sent log: ${sidecar})`);
      out.result({ ...base(), ok: true, exitCode: EXIT.OK, counts: counts(), sent: [], failures: [], withoutEmail: withoutEmailList() });
      return EXIT.OK;
    }
    log = new SentLog(sidecar);
    const post = changePasswordSender({
      domain: t.domain,
      clientId: t.clientId,
      connection: t.connection,
      label: 'new tenant',
      unreachableHint: 'check the domain, your network and proxy settings, then run the same command again: it skips who was sent one',
    });
    let lastPlain = Date.now();
    const r = await sendAll(p.toSend, {
      intervalMs: 60000 / rate,
      post: (u) => post(u.email),
      sleep: interruptibleSleep(ac.signal),
      now: () => performance.now(),
      stopped: () => interrupted,
      onSent: (u) => log.append(u),
      setupError: (res) => setupError(t, res),
      log: (text) => out.info(text),
      // Off a terminal: a line at least every heartbeat (30 s), and at the end (issue #16: no long silence).
      progress: (done, total, u) => {
        const now = Date.now();
        const due = done === total || now - lastPlain >= heartbeatMs();
        if (due) lastPlain = now;
        out.progress({ done, total, label: 'emails sent or tried', plain: due ? `${done}/${total}: last ${u.email}` : undefined });
      },
    });
    out.clearBar();
    return report(ctx, { p, r, sidecar, counts, base, withoutEmailList });
  } finally {
    if (log) log.close();
    lock.release();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function report(ctx, { r, sidecar, counts, base, withoutEmailList }) {
  const { out } = ctx;
  const c = { ...counts(), sent: r.sent.length, failed: r.failures.length };
  c.remaining = c.toSend - c.sent - c.failed;
  out.line('');
  out.line(`sent: ${c.sent}`);
  out.line(`already sent before: ${c.alreadySent}`);
  out.line(`without an email: ${c.withoutEmail}`);
  out.line(`failed: ${c.failed}${r.waits ? ` (rate limited ${r.waits} time(s), waited out)` : ''}`);
  listSome(out, 'failed (not in the sent log: the next run tries them again):', r.failures, (f) => `${f.user_id} ${f.email}: ${f.error}`);
  if (c.remaining > 0) out.line(`not tried yet: ${c.remaining}`);
  out.line(`sent log: ${sidecar}`);
  let code = EXIT.OK;
  let error;
  if (r.error) {
    code = r.error.exitCode || EXIT.UPSTREAM;
    error = { message: r.error.message, ...(r.error.hint ? { hint: r.error.hint } : {}) };
    out.info(`error: ${r.error.message}`);
    if (r.error.hint) out.info(`  fix: ${r.error.hint}`);
    if (r.unsure && r.error.unreachable) out.warn(`the request for ${r.unsure.email} may have reached Auth0; a rerun sends them another`);
  } else if (r.interrupted) {
    code = EXIT.INTERRUPTED;
    out.info(`interrupted: run the same command again to send the remaining ${c.remaining}`);
  } else if (c.failed) {
    code = EXIT.FAILED;
  }
  out.result({
    ...base(),
    ok: code === EXIT.OK,
    exitCode: code,
    ...(r.interrupted ? { interrupted: true } : {}),
    ...(error ? { error } : {}),
    counts: c,
    rateLimitedWaits: r.waits,
    sent: r.sent.slice(0, LIST_MAX),
    failures: r.failures.slice(0, LIST_MAX),
    withoutEmail: withoutEmailList(),
  });
  return code;
}

module.exports = {
  name: 'reset-passwords',
  summary: 'email the users `tail` imported a password-reset link, rate-limited and resumable',
  usage: 'reset-passwords --record FILE [--rate N] [--dry-run | --plan-out FILE | --plan FILE | --yes] [options]',
  description: `
Users imported by \`tail\` have no password in the new tenant. This sends each of them, once, the
tenant's change-password email (Authentication API POST /dbconnections/change_password, on the new
tenant's database connection), reading the users from the record \`tail\` keeps (NDJSON; duplicates
are ignored; users without an email are listed, they cannot be sent anything).

Prints the plan first; --dry-run stops there. Emails cannot be unsent: on a terminal you type yes;
off a terminal --yes is required (exit 1 without). --plan-out FILE writes the plan (who would be sent
one) and sends nothing; --plan FILE sends only to users of that plan who have not been sent one since. At most --rate requests per minute; a
429 is waited out. Each accepted request is written at once to <record>.sent.ndjson, and a run skips
everyone in it, so running again (after Ctrl-C, an outage or failures) sends only the rest and nobody
gets two. Two runs at the same time are refused.

Exit 0 when everyone with an email was sent one (users without one are listed, not failures), 1 when
some requests were refused (listed; the next run tries them again), 3 when the tenant is unreachable
or refuses the setup (progress kept), 130 when interrupted. Needs no client secret; the request names
an application the connection is enabled for (default the new tenant's app of this tool).`,
  options: OPTIONS,
  groups: [['New tenant', NEW_TENANT]],
  run,
  // for unit tests
  sendAll,
};
