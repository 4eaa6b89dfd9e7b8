'use strict';
/**
 * The rehearsal world's traffic: users logging in to the NEW tenant by themselves, the lazy migration's
 * own work. Once the new tenant's connection runs our login script ("Use my own database" on, a login
 * script whose header names auth0-lazy-migrate: the migration's or the retired one), every
 * 60/perMinute seconds one user who is not in the new tenant yet tries to log in (js/fakes/traffic-pick.js:
 * seeded; mostly the right password, sometimes a wrong one, sometimes an unknown email). The DEPLOYED
 * script runs with the DEPLOYED configuration in the sandbox emulation, in a child process
 * (js/fakes/traffic-worker.js says why), and Auth0's part follows (js/fakes/login-outcome.js): the user
 * stored when "Import Users to Auth0" is on, one log event (s, fp, fu, f) that `logs` reads and a
 * stored user that `status` and `tail` count.
 *
 * Why: without it a rehearsal's `logs` shows nothing and `status` no progress until `tail`, which is
 * not what an operator sees on a real migration (issue #16, point 5).
 *
 * One login at a time, in order (a tick that finds one running is skipped), so a seed replays the same
 * attempts against the same state. `loginOnce()` runs one now, for tests, whatever the rate (0: no timer).
 * A user the tail imported while the script ran is not stored twice (the login still logs `s`: the
 * password was right); a container that crashed fails that login (counted in `errors`, nothing logged)
 * and the next one starts a fresh container, as Auth0 does.
 */

const path = require('node:path');
const { fork } = require('node:child_process');
const { seededRandom, pickAttempt } = require('./traffic-pick');
const { auth0Outcome } = require('./login-outcome');

const WORKER = path.join(__dirname, 'traffic-worker.js');
/** Only the first part of a script is its header comment; the marker further down proves nothing. */
const HEADER_CHARS = 2000;

/** The login script and settings Auth0 would run now, or null while our script is not deployed. */
function deployedLogin(newTenant, connectionName) {
  const conn = newTenant.connection(connectionName);
  const o = (conn && conn.options) || {};
  const script = o.customScripts && o.customScripts.login;
  if (o.enabledDatabaseCustomization !== true || typeof script !== 'string' || !/auth0-lazy-migrate/.test(script.slice(0, HEADER_CHARS))) return null;
  // Auth0 passes the settings as strings; a key PATCHed to null is no setting.
  const configuration = Object.fromEntries(Object.entries(o.configuration || {}).filter(([, v]) => typeof v === 'string'));
  return { script, configuration, importMode: o.import_mode === true, connection: { name: conn.name, id: conn.id } };
}

/** Users of the old connection the new one lacks (by id or email), in user_id order, as {identifier, password}. */
function candidates(oldTenant, newTenant, oldConnection, newConnection) {
  const here = newTenant.users.filter((u) => u.connection === newConnection);
  const ids = new Set(here.map((u) => u.user_id));
  const emails = new Set(here.map((u) => u.email).filter(Boolean));
  return oldTenant.users
    .filter((u) => u.connection === oldConnection && typeof u.password === 'string' && !ids.has(u.user_id) && !(u.email && emails.has(u.email)))
    .sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0))
    .map((u) => ({ identifier: u.email || u.username, password: u.password }));
}

/** Whether the connection already holds `user` (same id, email or username: what an import refuses too). */
function holds(newTenant, connection, user) {
  const email = typeof user.email === 'string' ? user.email.toLowerCase() : null;
  const username = typeof user.username === 'string' ? user.username.toLowerCase() : null;
  return newTenant.users.some((u) => u.connection === connection && (u.user_id === user.user_id || (email && u.email === email) || (username && u.username === username)));
}

class Traffic {
  /**
   * @param {object} o
   * @param {object} o.oldTenant, o.newTenant  fake tenants (js/fakes/fake-tenant.js)
   * @param {string} o.caPath  the fakes' CA: the script's process trusts it (NODE_EXTRA_CA_CERTS)
   * @param {string} o.oldConnection, o.newConnection  connection names
   * @param {number} [o.perMinute]  attempts a minute; 0 (default): only loginOnce()
   * @param {number} [o.seed]  the PRNG seed of the attempts
   * @param {(result) => void} [o.onLogin]  told each login's result (no password in it)
   */
  constructor({ oldTenant, newTenant, caPath, oldConnection, newConnection, perMinute = 0, seed = 0, onLogin = null }) {
    Object.assign(this, { oldTenant, newTenant, caPath, oldConnection, newConnection, perMinute, seed, onLogin });
    this.rng = seededRandom(seed);
    this.events = { s: 0, fp: 0, fu: 0, f: 0 };
    this.logins = 0;
    this.migrated = 0;
    this.errors = 0;
    this.ticks = 0;
    this.waitingTicks = 0;
    this.pending = 0;
    this.queue = Promise.resolve();
    this.closed = false;
    this.worker = null;
    this.replies = new Map();
    this.nextId = 0;
    this.timer = perMinute > 0 ? setInterval(() => this.tick(), 60000 / perMinute) : null;
    if (this.timer && this.timer.unref) this.timer.unref();
  }

  tick() {
    this.ticks += 1;
    if (this.closed || this.pending > 0) return;
    if (!deployedLogin(this.newTenant, this.newConnection)) {
      this.waitingTicks += 1;
      return;
    }
    this.loginOnce().catch(() => {
      this.errors += 1;
    });
  }

  /** One login now, after any running one; resolves with its result, or null while our script is not deployed. */
  loginOnce() {
    this.pending += 1;
    const p = this.queue.then(() => this.login());
    this.queue = p.catch(() => {});
    return p.finally(() => {
      this.pending -= 1;
    });
  }

  async login() {
    if (this.closed) return null;
    const d = deployedLogin(this.newTenant, this.newConnection);
    if (!d) return null;
    const attempt = pickAttempt(this.rng, candidates(this.oldTenant, this.newTenant, this.oldConnection, this.newConnection));
    const report = await this.run({ script: d.script, configuration: d.configuration, identifier: attempt.identifier, password: attempt.password });
    if (this.closed) return null;
    const nowIso = new Date().toISOString();
    const { event, user } = auth0Outcome(report, { identifier: attempt.identifier, password: attempt.password, connection: d.connection, importMode: d.importMode, nowIso });
    let stored = false;
    if (user && !holds(this.newTenant, d.connection.name, user)) {
      this.newTenant.addUser(user);
      this.migrated += 1;
      stored = true;
    }
    const logged = this.newTenant.addLog(event);
    this.events[logged.type] += 1;
    this.logins += 1;
    const result = { attempt: attempt.kind, type: logged.type, outcome: report.outcome, user_name: logged.user_name, user_id: logged.user_id, stored, event: logged };
    if (this.onLogin) this.onLogin(result);
    return result;
  }

  /** The script's report from the worker (started on first use, and again after it ended). */
  run(message) {
    if (!this.worker) this.worker = this.startWorker();
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.replies.set(id, { resolve, reject });
      this.worker.send({ id, ...message });
    });
  }

  startWorker() {
    const child = fork(WORKER, [], { env: { ...process.env, NODE_EXTRA_CA_CERTS: this.caPath }, execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr.on('data', (c) => {
      stderr = (stderr + c).slice(-2000);
    });
    child.on('message', (m) => {
      const r = this.replies.get(m.id);
      if (!r) return;
      this.replies.delete(m.id);
      if (m.failure) r.reject(new Error(`the login script's container failed: ${m.failure}`));
      else r.resolve(m.report);
    });
    const ended = (why) => {
      if (this.worker === child) this.worker = null;
      for (const r of this.replies.values()) r.reject(new Error(`the login script's container ended (${why})${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
      this.replies.clear();
    };
    child.on('exit', (code, signal) => ended(signal || `exit ${code}`));
    child.on('error', (err) => ended(err.message));
    return child;
  }

  /** What the traffic did so far. */
  summary() {
    const { perMinute, seed, ticks, waitingTicks, logins, migrated, errors } = this;
    return { perMinute, seed, ticks, waitingTicks, logins, events: { ...this.events }, migrated, errors };
  }

  /** Stops the timer and the script's process; a login still running is dropped (nothing logged). */
  async close() {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.worker) this.worker.kill();
    await this.queue;
  }
}

module.exports = { Traffic, deployedLogin, candidates };
