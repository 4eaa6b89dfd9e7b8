'use strict';
/**
 * Runs the real command line as its own process and measures it from outside, as an operator's
 * machine would see it: peak resident memory (VmHWM from /proc/PID/status, polled, so the last
 * sample before exit holds the peak), CPU seconds (utime + stime of /proc/PID/stat) and wall time,
 * with each stderr line time-stamped (the tail's "job ... submitted" notes mark the pipeline's end).
 *
 * It never hangs and never takes the machine down: past `timeoutMs` or `ceilingMb` of RSS the child
 * is killed and the result says which limit stopped it.
 */

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const CLI = path.join(__dirname, '..', '..', 'js', 'cli', 'main.js');
const TICKS = 100; // USER_HZ: /proc's clock ticks per second on Linux
const SAMPLE_MS = 100;

/** {rssMb, hwmMb, cpuS} of a live process, or null once it is gone. */
function sample(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number((new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status) || [])[1] || 0);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024, cpuS: (Number(f[11]) + Number(f[12])) / TICKS };
  } catch {
    return null;
  }
}

/**
 * Runs `node js/cli/main.js ...args`. `onLine(text, msSinceStart, child)` sees each stderr line.
 * Resolves {code, signal, ms, peakMb, cpuS, lines, json, stoppedBy} (stoppedBy: null, 'timeout',
 * 'ceiling' or 'test' when onLine killed it).
 */
function runCli(args, { env, timeoutMs, ceilingMb, onLine }) {
  const started = process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - started) / 1e6;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let partial = '';
    const lines = [];
    let peakMb = 0;
    let cpuS = 0;
    let stoppedBy = null;
    const stop = (why) => {
      if (!stoppedBy) stoppedBy = why;
      child.kill('SIGKILL');
    };
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      const parts = `${partial}${c}`.split('\n');
      partial = parts.pop();
      for (const text of parts) {
        const t = since();
        lines.push({ t, text });
        if (onLine) onLine(text, t, { kill: () => stop('test') });
      }
    });
    const poll = setInterval(() => {
      const s = sample(child.pid);
      if (!s) return;
      peakMb = Math.max(peakMb, s.hwmMb);
      cpuS = s.cpuS;
      if (s.rssMb > ceilingMb) stop('ceiling');
    }, SAMPLE_MS);
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearInterval(poll);
      clearTimeout(timer);
      if (partial) lines.push({ t: since(), text: partial });
      let json;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, signal, ms: since(), peakMb, cpuS, lines, json, stoppedBy });
    });
  });
}

/** Time of the first stderr line matching `re`, or null. */
const firstAt = (lines, re) => {
  const hit = lines.find((l) => re.test(l.text));
  return hit ? hit.t : null;
};

module.exports = { runCli, sample, firstAt, CLI };
