'use strict';
/**
 * Third-party emulators the tests run (tests/emulators/NAME: each one's npm packages pinned in its
 * own lockfile, installed outside the clone by `scripts/emulator.sh NAME`, never by the project's
 * npm ci): where one is installed, the Node it runs on, and a free loopback port for it.
 *
 * Not installed: under CI=true the install runs (and its failure fails the test); otherwise
 * `install(NAME).skip` says how to install it, for the caller's `{ skip }`.
 */
const { execFileSync } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');
const IN_CI = /^(1|true)$/i.test(process.env.CI || '');

/**
 * The install of emulator `name` ({dir} or {why}), installing it only under CI=true; `skip` is a
 * reason to skip outside CI when it is missing, else false (CI fails instead). `what` names it in
 * the reason ("the Firebase Auth emulator, about 3 minutes, 312 MB").
 */
function install(name, what) {
  let found;
  try {
    const args = [name, ...(IN_CI ? [] : ['--no-install'])];
    found = { dir: execFileSync(path.join(ROOT, 'scripts', 'emulator.sh'), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() };
  } catch (e) {
    found = { why: `${what} is not installed: run scripts/emulator.sh ${name} (outside the clone) (${String(e.stderr || e.message).trim()})` };
  }
  return { ...found, skip: found.why && !IN_CI ? found.why : false };
}

/** The machine's node (PATH, or ALM_EMULATOR_NODE) for an emulator that needs Node 20 or later, whatever Node runs the test. */
function emulatorNode() {
  const node = process.env.ALM_EMULATOR_NODE || 'node';
  const v = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  if (Number(v.slice(1).split('.')[0]) < 20) throw new Error(`the emulators need Node 20 or later; ${node} is ${v} (set ALM_EMULATOR_NODE)`);
  return node;
}

/** A free loopback port (the OS picks it; closed again before the emulator takes it). */
const freePort = () =>
  new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

module.exports = { IN_CI, install, emulatorNode, freePort };
