'use strict';
/**
 * Live feedback while the command line waits on Auth0 jobs (issue #16): a real export or import takes
 * minutes, and a command that says nothing meanwhile looks hung to an operator and trips CI's
 * "no output" timeouts.
 *
 * One `Progress` per phase that waits (the exports of `status`, `tail` and `retire`; `tail`'s imports
 * and the jobs of an earlier run it resumes). It tracks the phase's jobs as polled and says:
 * - on a terminal (without --json): one status line redrawn in place every REDRAW_MS, never wider than
 *   the terminal nor MAX_COLUMNS (an 88-column bar wrapped and smeared on an 80-column terminal): the
 *   phase, each job's status (or, for imports, users and jobs done/running/total), elapsed time, ETA.
 *   Notes printed meanwhile (a 429 wait announced by auth0.js) clear it and it is drawn again below;
 * - otherwise (a pipe, a CI log, --json): the same facts as a plain line at each change of an export
 *   job's status, and a heartbeat line whenever HEARTBEAT_MS passed without one.
 *
 * Auth0's GET /api/v2/jobs/{id} may carry `percentage_done` and `time_left_seconds`; both are optional
 * and used when present (https://auth0.com/docs/api/management/v2/jobs/get-jobs-by-id). Without them
 * the ETA of an import comes from the users done so far, and an export's is unknown.
 *
 * Time comes from an injected clock ({now, setInterval, clearInterval}), so tests drive it.
 */

/** Off a terminal, the longest silence while waiting (CI runners kill jobs silent for minutes). */
const HEARTBEAT_MS = 30000;
/** On a terminal, how often the line is drawn again (elapsed time and ETA move). */
const REDRAW_MS = 1000;
/** The widest line drawn, whatever the terminal says: 80 columns is the common smallest. */
const MAX_COLUMNS = 80;
const FINISHED = new Set(['completed', 'failed', 'expired']);
const SHORT_STATUS = { pending: 'wait', processing: 'run', completed: 'done', failed: 'FAIL', expired: 'FAIL' };

const SYSTEM_CLOCK = { now: () => Date.now(), setInterval: (fn, ms) => setInterval(fn, ms), clearInterval: (h) => clearInterval(h) };

/**
 * The heartbeat interval: HEARTBEAT_MS, or ALM_PROGRESS_INTERVAL_MS, a test-only knob (10 ms to
 * HEARTBEAT_MS; anything else is ignored) so end-to-end tests see heartbeats without waiting 30 s.
 */
function heartbeatMs(env = process.env) {
  const n = Number(env.ALM_PROGRESS_INTERVAL_MS);
  return env.ALM_PROGRESS_INTERVAL_MS && Number.isInteger(n) && n >= 10 && n <= HEARTBEAT_MS ? n : HEARTBEAT_MS;
}

/** 45s, 2m05s, 3h07m, 4d02h. */
function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${String(h % 24).padStart(2, '0')}h`;
}

/** A count in at most about 6 characters: 9999, 12.3k, 7.4M. */
function shortCount(n) {
  if (n < 10000) return String(n);
  for (const [unit, size] of [
    ['k', 1e3],
    ['M', 1e6],
    ['G', 1e9],
  ]) {
    if (n < size * 1000) return `${(n / size).toFixed(n < size * 100 ? 1 : 0)}${unit}`;
  }
  return `${(n / 1e12).toFixed(0)}T`;
}

/** Printable ASCII only: then a character is a column, and nothing from a reply can move the cursor. */
const printable = (text) => String(text).replace(/[^\x20-\x7e]/g, '?');

/** `text` cut to `width` columns, with "..." when cut. */
function fit(text, width) {
  const s = printable(text);
  if (s.length <= width) return s;
  return width > 3 ? `${s.slice(0, width - 3)}...` : s.slice(0, Math.max(0, width));
}

/**
 * Milliseconds left, or null when unknown. Aggregate mode (imports): from the users done, counting
 * running jobs by their percentage_done; else (or before any is done) the largest time_left_seconds
 * once every job is submitted. List mode (exports): the largest job's time left, from
 * time_left_seconds or its percentage_done; unknown when one job says neither.
 */
function eta(state, now) {
  const items = [...state.items.values()];
  const open = items.filter((j) => !FINISHED.has(j.status));
  const elapsed = now - state.startedAt;
  if (state.total != null) {
    let done = state.done;
    for (const j of open) if (j.percent != null && j.users) done += (j.users * j.percent) / 100;
    if (done >= state.total) return 0;
    if (done > 0 && elapsed > 0) return (elapsed * (state.total - done)) / done;
    if (state.jobsTotal != null && items.length < state.jobsTotal) return null;
  }
  if (!open.length) return state.total != null ? null : 0;
  let most = 0;
  for (const j of open) {
    let left = null;
    if (j.timeLeftS != null) left = Math.max(0, j.timeLeftS * 1000 - (now - j.polledAt));
    else if (j.percent > 0) left = ((now - j.startedAt) * (100 - j.percent)) / j.percent;
    if (left == null) return null;
    most = Math.max(most, left);
  }
  return most;
}

/** What the phase's jobs are at: 'full' for a log, 'short' and 'tiny' for narrow terminals. */
function jobsText(state, form) {
  const items = [...state.items.values()];
  if (state.total != null) {
    const finished = items.filter((j) => FINISHED.has(j.status)).length;
    const running = items.length - finished;
    const jobsTotal = state.jobsTotal != null ? state.jobsTotal : items.length;
    if (form === 'full') return `${state.done}/${state.total} ${state.unit}, jobs ${finished} done ${running} running of ${jobsTotal}`;
    if (form === 'short') return `${state.done}/${state.total} ${state.unit}, jobs ${finished}+${running}/${jobsTotal}`;
    return `${shortCount(state.done)}/${shortCount(state.total)}, jobs ${finished}+${running}/${jobsTotal}`;
  }
  return items
    .map((j) => {
      const status = form === 'tiny' ? SHORT_STATUS[j.status] || j.status : j.status;
      const percent = j.percent != null && !FINISHED.has(j.status) ? ` ${Math.floor(j.percent)}%` : '';
      return `${form === 'full' ? j.label : j.short} ${status}${percent}`;
    })
    .join(', ');
}

/** The status line, from the most detailed form (0, for a log) to the most compact (3). */
function describe(state, now, level) {
  const elapsed = duration(now - state.startedAt);
  const left = eta(state, now);
  const etaText = left == null ? (level ? 'ETA ?' : 'ETA unknown') : `ETA ${duration(left)}`;
  if (level === 0) return `${state.phase}: ${jobsText(state, 'full')}; ${elapsed} elapsed, ${etaText}`;
  if (level === 1) return `${state.phase}: ${jobsText(state, 'full')} | ${elapsed}, ${etaText}`;
  if (level === 2) return `${state.phase}: ${jobsText(state, 'short')} | ${elapsed}, ${etaText}`;
  return `${state.phase} ${jobsText(state, 'tiny')} ${elapsed} ${etaText}`;
}

/** The status line in at most `width` columns: the most detailed form that fits, else cut. */
function render(state, now, width = Number.POSITIVE_INFINITY) {
  for (const level of [0, 1, 2, 3]) {
    const text = printable(describe(state, now, level));
    if (text.length <= width) return text;
  }
  return fit(describe(state, now, 3), width);
}

class Progress {
  /**
   * @param {import('./output').Output} out
   * @param {object} o
   * @param {string} o.phase 'export', 'import', ...: the line's first word
   * @param {number} [o.total] users to go through (aggregate mode: users and jobs counted, not listed)
   * @param {string} [o.unit] what `total` counts ('users')
   * @param {number} [o.jobsTotal] jobs the phase will run in all (aggregate mode)
   * @param {{now: function, setInterval: function, clearInterval: function}} [o.clock]
   * @param {number} [o.intervalMs] heartbeat interval off a terminal
   */
  constructor(out, { phase, total, unit = 'users', jobsTotal, clock = SYSTEM_CLOCK, intervalMs = heartbeatMs() }) {
    this.out = out;
    this.clock = clock;
    this.intervalMs = Math.min(intervalMs, HEARTBEAT_MS);
    this.state = { phase, total: total == null ? null : total, unit, jobsTotal: jobsTotal == null ? null : jobsTotal, items: new Map(), done: 0, startedAt: null };
    this.timer = null;
    this.started = false;
    this.stopped = false;
  }

  /** Whether the line is redrawn in place (a terminal, not --json) rather than printed as lines. */
  get live() {
    return this.out.tty && !this.out.json;
  }

  /** The status line now, in at most `width` columns. */
  line(width) {
    return render(this.state, this.clock.now(), width);
  }

  /**
   * Starts the clock and the timers before any job exists (tail waits for a free import slot, maybe
   * for long, before its first job); else the first track() does.
   */
  begin() {
    if (this.stopped || this.started) return;
    this.state.startedAt = this.clock.now();
    this.start();
  }

  /** Starts watching a job (`users`: how many it imports). */
  track(key, { label = key, short, users = 0, status = 'pending' } = {}) {
    if (this.stopped) return;
    const now = this.clock.now();
    if (this.state.startedAt === null) this.state.startedAt = now;
    this.state.items.set(key, { label, short: short || String(label).split(' ')[0], users, status, percent: null, timeLeftS: null, polledAt: now, startedAt: now });
    if (this.started) this.draw();
    else this.start();
  }

  /** A poll's answer for a tracked job: its status, percentage_done and time_left_seconds if given. */
  update(key, job) {
    const j = this.state.items.get(key);
    if (this.stopped || !j || !job) return;
    const was = j.status;
    if (typeof job.status === 'string') j.status = job.status;
    j.percent = Number.isFinite(job.percentage_done) ? Math.min(100, Math.max(0, job.percentage_done)) : null;
    j.timeLeftS = Number.isFinite(job.time_left_seconds) ? Math.max(0, job.time_left_seconds) : null;
    j.polledAt = this.clock.now();
    if (FINISHED.has(j.status) && !FINISHED.has(was)) this.state.done += j.users;
    // Off a terminal an export job's change of status is a line; an import's, the caller's note.
    if (j.status !== was && !this.live && this.state.total == null) this.print();
    else this.draw();
  }

  /** A line for a log (off a terminal only: on one, the status line says it). */
  note(text) {
    if (this.stopped) return;
    if (this.live) this.draw();
    else {
      this.out.info(text);
      if (this.started) this.restartHeartbeat();
    }
  }

  /** Stops the timers and takes the line away; later calls do nothing. */
  stop() {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) this.clock.clearInterval(this.timer);
    this.timer = null;
    if (this.started && this.live) this.out.unpin();
  }

  start() {
    this.started = true;
    if (this.live) {
      this.out.pin((width) => this.line(width));
      this.timer = this.every(REDRAW_MS, () => this.draw());
    } else {
      this.restartHeartbeat();
    }
  }

  every(ms, fn) {
    const h = this.clock.setInterval(fn, ms);
    if (h && typeof h.unref === 'function') h.unref(); // never what keeps the process alive
    return h;
  }

  draw() {
    if (this.live && !this.stopped) this.out.drawPinned();
  }

  print() {
    this.out.info(this.line());
    this.restartHeartbeat();
  }

  /** The next heartbeat comes one interval after the last line this phase printed. */
  restartHeartbeat() {
    if (this.timer) this.clock.clearInterval(this.timer);
    this.timer = this.every(this.intervalMs, () => this.out.info(this.line()));
  }
}

module.exports = { Progress, HEARTBEAT_MS, REDRAW_MS, MAX_COLUMNS, heartbeatMs, duration, shortCount, fit, render, eta };
