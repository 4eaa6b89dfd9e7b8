'use strict';
/**
 * Everything the command line prints goes through here, so that one place redacts secrets.
 *
 * - Human mode: results on stdout, notes/warnings/progress on stderr.
 * - --json: exactly one JSON object on stdout at the end (`result`), notes and warnings on stderr.
 * - Every string is redacted first: each registered secret (client secrets, the tried password, access
 *   tokens) and anything shaped like a JWT is replaced, whatever path it took (an upstream error body
 *   echoing a token, a setting printed in a diff...).
 * - The progress bar and the status line of a wait (progress.js) are drawn only when stderr is a
 *   terminal, never wider than it nor than MAX_COLUMNS; otherwise progress is plain lines. A line
 *   printed while one is drawn clears it first and draws it again below, so notes (a 429 wait
 *   announced by auth0.js) never run into it.
 */

const { MAX_COLUMNS, fit } = require('./progress');

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
const MASK = '********';

class Output {
  constructor({ json = false, stdout = process.stdout, stderr = process.stderr, env = process.env } = {}) {
    this.json = json;
    this.stdout = stdout;
    this.stderr = stderr;
    this.env = env;
    this.tty = !!stderr.isTTY;
    this.secrets = new Set();
    this.barShown = false;
    this.pinned = null;
  }

  /**
   * The widest line to draw in place: one column short of the terminal (or of MAX_COLUMNS), so the
   * cursor never reaches the edge, where some terminals wrap. A pseudo-terminal of unknown size (0
   * columns, e.g. under script(1)) falls back to $COLUMNS, then MAX_COLUMNS.
   */
  get width() {
    const cols = this.stderr.columns || Number(this.env.COLUMNS) || MAX_COLUMNS;
    return Math.max(1, Math.min(MAX_COLUMNS, cols) - 1);
  }

  /** Keeps `render(width)` drawn as the status line (terminal only) until unpin(). */
  pin(render) {
    this.pinned = render;
    this.drawPinned();
  }

  unpin() {
    this.pinned = null;
    this.clearBar();
  }

  drawPinned() {
    if (!this.pinned || !this.tty || this.json) return;
    this.draw(this.pinned(this.width));
  }

  draw(text) {
    this.stderr.write(`\r\x1b[2K${fit(this.redact(text), this.width)}`);
    this.barShown = true;
  }

  /** Registers a value that must never be printed (ignored when too short to be meaningful). */
  addSecret(value) {
    if (typeof value === 'string' && value.length >= 4) this.secrets.add(value);
  }

  redact(text) {
    let s = String(text);
    // Longest first, so a secret that contains another is replaced whole.
    for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) s = s.split(secret).join(MASK);
    return s.replace(JWT, '[token redacted]');
  }

  /** A deep copy of a JSON value with every string redacted. */
  redactDeep(v) {
    if (typeof v === 'string') return this.redact(v);
    if (Array.isArray(v)) return v.map((x) => this.redactDeep(x));
    if (v && typeof v === 'object') {
      const out = {};
      for (const [k, x] of Object.entries(v)) out[this.redact(k)] = this.redactDeep(x);
      return out;
    }
    return v;
  }

  clearBar() {
    if (this.barShown) {
      this.stderr.write('\r\x1b[2K');
      this.barShown = false;
    }
  }

  /** A result line for humans (stdout); in --json mode it goes to stderr so stdout stays one object. */
  line(text = '') {
    this.clearBar();
    (this.json ? this.stderr : this.stdout).write(`${this.redact(text)}\n`);
    this.drawPinned();
  }

  /** A note about what is happening (stderr). */
  info(text) {
    this.clearBar();
    this.stderr.write(`${this.redact(text)}\n`);
    this.drawPinned();
  }

  warn(text) {
    this.clearBar();
    this.stderr.write(`warning: ${this.redact(text)}\n`);
    this.drawPinned();
  }

  /** The final machine-readable result (only in --json mode). */
  result(obj) {
    if (!this.json) return;
    this.clearBar();
    this.stdout.write(`${JSON.stringify(this.redactDeep(obj), null, 2)}\n`);
  }

  /**
   * Progress: a bar redrawn in place on a terminal, cut to the terminal's width; otherwise the `plain`
   * line, if any, as a line (so logs of a non-interactive run stay readable).
   */
  progress({ done, total, label, plain }) {
    if (this.tty && !this.json) {
      const width = 20;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const fill = Math.round(frac * width);
      this.draw(`[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${done}/${total} ${label || ''}`);
    } else if (plain) {
      this.info(plain);
    }
  }
}

module.exports = { Output, MASK };
