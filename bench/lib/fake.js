'use strict';
/** Starts bench/lib/fake-child.js and talks to it over the IPC channel. */
const { fork } = require('node:child_process');
const path = require('node:path');

/**
 * @param {object} spec `{ name: startFakeTenant options }`
 * @returns {Promise<{tenants: object, count(name), clear(name), cpu(), close()}>}
 */
function startFakeChild(spec) {
  const child = fork(path.join(__dirname, 'fake-child.js'), [JSON.stringify(spec)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map();
  let nextId = 1;
  let exited = false;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      exited = true;
      for (const p of pending.values()) p.reject(new Error(`the fake tenant process exited (${code})`));
      reject(new Error(`the fake tenant process exited before it was ready (${code})`));
    });
    child.on('message', (m) => {
      if (m.type === 'ready') {
        const call = (cmd, tenant) => {
          if (exited) return Promise.reject(new Error('the fake tenant process has exited'));
          const id = nextId++;
          return new Promise((res, rej) => {
            pending.set(id, { resolve: res, reject: rej });
            child.send({ id, cmd, tenant });
          });
        };
        resolve({
          pid: child.pid,
          tenants: m.tenants,
          count: (tenant) => call('count', tenant),
          clear: (tenant) => call('clear', tenant),
          cpu: () => call('cpu'),
          close: async () => {
            if (exited) return;
            const gone = new Promise((res) => child.once('exit', res));
            call('close').catch(() => {});
            await gone;
          },
        });
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
  });
}

module.exports = { startFakeChild };
