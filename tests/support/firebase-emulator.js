'use strict';
/**
 * The real Firebase Auth emulator for the tests (firebase-tools, pinned in
 * tests/emulators/firebase/package-lock.json, installed outside the clone: ./emulators.js): one
 * running instance per test file on free loopback ports, in a folder of its own, with the machine's
 * `node` (firebase-tools 15 needs Node 20 or later), whatever Node runs the test. Readiness is
 * polled, never waited for blindly. Not installed: the caller skips with `SKIP` outside CI.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { IN_CI, install, emulatorNode, freePort } = require('./emulators');

const INSTALL = install('firebase', 'the Firebase Auth emulator (about 3 minutes, 312 MB)');
/** A skip reason outside CI when the emulator is missing; false otherwise (CI fails instead). */
const SKIP = INSTALL.skip;

/**
 * Starts the emulator for `project` (a `demo-` id: no credentials); resolves when it answers.
 * Returns {host: '127.0.0.1:PORT', api(method, body, {owner, key}), stop()}.
 */
async function startEmulator(project) {
  if (!INSTALL.dir) throw new Error(`CI=true: ${INSTALL.why}`);
  const node = emulatorNode();
  const [auth, hub, logging] = [await freePort(), await freePort(), await freePort()];
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-firebase-emulator-'));
  const config = { emulators: { auth: { port: auth, host: '127.0.0.1' }, hub: { port: hub, host: '127.0.0.1' }, logging: { port: logging, host: '127.0.0.1' }, ui: { enabled: false } } };
  fs.writeFileSync(path.join(home, 'firebase.json'), JSON.stringify(config));
  const bin = path.join(INSTALL.dir, 'node_modules', 'firebase-tools', 'lib', 'bin', 'firebase.js');
  let log = '';
  // Its own HOME: firebase-tools keeps its configuration there, not in the user's.
  const child = spawn(node, [bin, 'emulators:start', '--only', 'auth', '--project', project], {
    cwd: home,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: home, CI: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const host = `127.0.0.1:${auth}`;
  for (;;) {
    const up = await fetch(`http://${host}/`).then(
      (r) => r.ok,
      () => false
    );
    if (up) break;
    const gone = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(r, 250, false))]);
    if (gone) throw new Error(`the Firebase Auth emulator exited before it was ready:\n${log}`);
  }
  /** One call to the emulator's REST API (`owner`: as an admin; `key`: with a Web API key). */
  async function api(method, body, { owner = false, key = true } = {}) {
    const url = `http://${host}/identitytoolkit.googleapis.com/v1/${method}${key ? '?key=emulator-key' : ''}`;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(owner ? { authorization: 'Bearer owner' } : {}) }, body: JSON.stringify(body) });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method}: HTTP ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
  async function stop() {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(home, { recursive: true, force: true });
  }
  return { host, api, stop };
}

/** Makes `users` ({email, password, displayName?, customAttributes?, disabled?}) in `project`; sets each `localId`. */
async function seedUsers(emulator, project, users) {
  for (const u of users) {
    u.localId = (await emulator.api('accounts:signUp', { email: u.email, password: u.password, displayName: u.displayName })).localId;
    const update = { ...(u.customAttributes ? { customAttributes: u.customAttributes } : {}), ...(u.disabled ? { disableUser: true } : {}) };
    if (Object.keys(update).length) await emulator.api(`projects/${project}/accounts:update`, { localId: u.localId, ...update }, { owner: true, key: false });
  }
}

module.exports = { SKIP, IN_CI, startEmulator, seedUsers };
