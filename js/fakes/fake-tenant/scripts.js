'use strict';
/**
 * Custom-database Login scripts for the fake tenant's password grants: a connection with "Use my own
 * database" on (options.enabledDatabaseCustomization) and a Login script runs that script, with its
 * configuration, in the sandbox emulation, in a child process (fake-tenant/script-worker.js says why),
 * and the token endpoint answers from its callback (token.js, customDbLogin).
 *
 * `timeoutMs` is Auth0's limit (about 20 s, js/auth0-limits.js) unless a test shortens it; `wasm: false`
 * runs the scripts where no WebAssembly compiles, as on a runtime that forbids it. Both can be changed
 * on a running tenant (`tenant.scriptRuntime`); a change starts fresh containers. `hold()` keeps logins
 * waiting before their script runs until `release()` (a test's window to interrupt a client mid-login).
 */

const crypto = require('node:crypto');
const path = require('node:path');
const { fork } = require('node:child_process');
const { SCRIPT_TIMEOUT_MS } = require('../../auth0-limits');

const WORKER = path.join(__dirname, 'script-worker.js');

class ScriptRunner {
  /** @param {{caPath: string, timeoutMs?: number, wasm?: boolean}} o */
  constructor({ caPath, timeoutMs = SCRIPT_TIMEOUT_MS, wasm = true }) {
    this.caPath = caPath;
    this.timeoutMs = timeoutMs;
    this.wasm = wasm;
    this.worker = null;
    this.nextId = 0;
    this.runs = 0;
    /** While set (hold()), logins wait before their script runs: a test's window for Ctrl-C. */
    this.gate = null;
    this.waiting = 0;
  }

  hold() {
    if (this.gate) return;
    let open;
    const p = new Promise((resolve) => {
      open = resolve;
    });
    this.gate = { p, open };
  }

  release() {
    if (!this.gate) return;
    this.gate.open();
    this.gate = null;
  }

  /**
   * Runs `script` for one login. Resolves with the worker's report ({outcome, timedOut, error, profile
   * (the profile as returned, plain JSON), violations}); rejects when the container itself failed.
   */
  async run({ connectionId, script, configuration, identifier, password }) {
    this.runs += 1;
    if (this.gate) {
      this.waiting += 1;
      await this.gate.p;
      this.waiting -= 1;
    }
    if (!this.worker) this.worker = this.start();
    const id = ++this.nextId;
    // The container outlives the call while nothing it depends on changes (Auth0 keeps warm ones).
    const key = JSON.stringify([connectionId, crypto.createHash('sha256').update(script).digest('hex'), configuration, this.wasm]);
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      worker.replies.set(id, { resolve, reject });
      worker.send({ id, key, script, configuration, identifier, password, timeoutMs: this.timeoutMs, wasm: this.wasm });
    });
  }

  start() {
    const child = fork(WORKER, [], { env: { ...process.env, NODE_EXTRA_CA_CERTS: this.caPath }, execArgv: [], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    // Each container's own calls: one that ends (a restart) fails only what it was running.
    child.replies = new Map();
    child.stderr.on('data', (c) => {
      stderr = (stderr + c).slice(-2000);
    });
    child.on('message', (m) => {
      const r = child.replies.get(m.id);
      if (!r) return;
      child.replies.delete(m.id);
      if (m.failure) r.reject(new Error(`the login script's container failed: ${m.failure}`));
      else r.resolve(m.report);
    });
    const ended = (why) => {
      if (this.worker === child) this.worker = null;
      for (const r of child.replies.values()) r.reject(new Error(`the login script's container ended (${why})${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
      child.replies.clear();
    };
    child.on('exit', (code, signal) => ended(signal || `exit ${code}`));
    child.on('error', (err) => ended(err.message));
    return child;
  }

  /** Starts fresh containers (after a change of `timeoutMs` or `wasm`). */
  restart() {
    if (this.worker) this.worker.kill();
    this.worker = null;
  }

  close() {
    this.release();
    this.restart();
  }
}

module.exports = { ScriptRunner };
