'use strict';
/**
 * A lock file beside a state file, so two runs of a resumable command never share one state.
 *
 * Two `tail` runs at once used to drop each other's jobs from the state and report false counts. The
 * lock is `<file>.lock`, created with O_EXCL ('wx': exists -> refused), holding who took it
 * `{pid, startedAt, host, command}`. A second run refuses (exit 3) and names the holder. A lock left by
 * a process that is gone (same host, `kill(pid, 0)` says ESRCH) is taken over, loudly. The lock is
 * removed on release, on process exit, and on SIGINT/SIGTERM (only if it is still ours).
 */

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { UpstreamError } = require('./errors');

/** True when `pid` is a live process on this machine (EPERM: alive but someone else's). */
function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code !== 'ESRCH';
  }
}

function readHolder(lockPath) {
  try {
    return JSON.parse(fs.readFileSync(lockPath, 'utf8'));
  } catch (err) {
    if (err.code === 'ENOENT') return undefined; // gone meanwhile: try again
    return null; // unreadable or half-written: treat as held, the operator decides
  }
}

function describe(holder) {
  if (!holder) return 'an unknown process (the lock file is unreadable)';
  const where = holder.host && holder.host !== os.hostname() ? ` on host ${holder.host}` : '';
  return `${holder.command ? `\`${holder.command}\` ` : ''}pid ${holder.pid}${where}, started ${holder.startedAt}`;
}

/**
 * Takes `<file>.lock` or throws an UpstreamError naming the holder.
 * @param {string} file the state file the lock protects
 * @param {{command?: string, out?: {warn(text: string): void}}} opts
 * @returns {{path: string, release(): void}}
 */
function acquire(file, { command, out } = {}) {
  const lockPath = `${path.resolve(file)}.lock`;
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  const mine = { pid: process.pid, startedAt: new Date().toISOString(), host: os.hostname(), command: command || null };
  const text = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; ; attempt++) {
    let fd;
    try {
      fd = fs.openSync(lockPath, 'wx', 0o600);
    } catch (err) {
      if (err.code !== 'EEXIST') {
        throw new UpstreamError(`cannot create the lock file ${lockPath}: ${err.code || err.message}`, { hint: 'make its directory writable, or give another --state file' });
      }
      const holder = readHolder(lockPath);
      if (holder === undefined && attempt < 3) continue;
      const stale = holder && holder.host === os.hostname() && !pidAlive(holder.pid);
      if (stale && attempt < 3) {
        if (out) out.warn(`taking over the stale lock ${lockPath} left by ${describe(holder)} (that process no longer exists)`);
        try {
          fs.unlinkSync(lockPath);
        } catch (e) {
          if (e.code !== 'ENOENT') throw e;
        }
        continue;
      }
      throw new UpstreamError(`${lockPath} is held by ${describe(holder)}: another run is using ${path.resolve(file)}`, {
        hint: `wait for that run to finish; if that process is gone, remove ${lockPath} and run again`,
      });
    }
    try {
      fs.writeSync(fd, text);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    break;
  }

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    try {
      const now = fs.readFileSync(lockPath, 'utf8');
      if (now === text) fs.unlinkSync(lockPath); // only if it is still ours
    } catch {
      /* already gone */
    }
  };
  // A command with its own signal handler (tail: saves its state, prints its result) exits from there,
  // and 'exit' releases the lock. Without one, this listener keeps the default behaviour: exit 130.
  const onSignal = (sig) => {
    if (process.listenerCount(sig) > 1) return;
    release();
    process.exit(130);
  };
  process.on('exit', release);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return { path: lockPath, release };
}

module.exports = { acquire, pidAlive };
