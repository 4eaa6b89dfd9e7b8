'use strict';
/**
 * The fake tenant's custom-database container (fake-tenant/scripts.js forks it): runs a connection's
 * Login script with the connection's configuration in the sandbox emulation (js/sandbox, what `try`
 * and the rehearsal's traffic use) and sends back what the token endpoint needs. Over IPC:
 *   in  {id, key, script, configuration, identifier, password, timeoutMs, wasm}
 *   out {id, report: {outcome, timedOut, error, profile, violations}}  (the sandbox redacts the password)
 *
 * Why a child process (as js/fakes/traffic-worker.js): a script calls the old tenant with Node's own
 * `fetch`, which trusts the fakes' test CA only when NODE_EXTRA_CA_CERTS was set when the process
 * started; and a script's late timer that throws crashes this process, as it would an Auth0 container,
 * not the tenant serving the test.
 *
 * The script runs in a context of its own that has what Auth0's Node runtime has (the documented
 * globals and Node's fetch, Buffer, process, URL, text codecs, abort controllers), so `wasm: false`
 * (no WebAssembly compiles there: a runtime that forbids it) changes nothing else. Warm like Auth0's
 * containers: one per `key` (connection, settings, runtime), kept until a call runs out of time, when
 * Auth0 recycles the container.
 */

const { createContainer } = require('../../sandbox');

const NODE_GLOBALS = { fetch, Buffer, process, URL, URLSearchParams, TextEncoder, TextDecoder, AbortController, AbortSignal, setImmediate, structuredClone, crypto: globalThis.crypto };
const containers = new Map();

function containerFor(key, configuration, wasm) {
  let c = containers.get(key);
  if (!c) {
    c = createContainer({ configuration, documentedOnly: true, extraGlobals: NODE_GLOBALS, wasm });
    containers.set(key, c);
  }
  return c;
}

process.on('message', async (msg) => {
  const { id, key, script, configuration, identifier, password, timeoutMs, wasm } = msg;
  try {
    const r = await containerFor(key, configuration, wasm).invoke(script, { kind: 'login', args: [identifier, password], timeoutMs });
    // The sandbox's own words for a callback that never came (invoke.js): Auth0 stops the script.
    const timedOut = r.callbackCalls === 0 && r.violations.some((v) => /callback never called within/.test(v));
    if (timedOut) containers.delete(key);
    process.send({
      id,
      report: { outcome: r.outcome, timedOut, error: r.error, profile: r.stored ? { ...r.stored, user_id: r.stored.user_id.replace(/^auth0\|/, '') } : null, violations: r.violations },
    });
  } catch (err) {
    process.send({ id, failure: String((err && err.message) || err) });
  }
});

// Ctrl-C reaches the whole process group (a rehearsal): the tenant decides when this process ends.
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));
