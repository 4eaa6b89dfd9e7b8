'use strict';
/**
 * The rehearsal traffic's Auth0 container (js/fakes/traffic.js forks it): runs the new tenant's DEPLOYED
 * login script with the DEPLOYED configuration in the sandbox emulation (js/sandbox, what `try` uses)
 * and sends back what Auth0 needs to act on the outcome. One message in, one out, over IPC:
 *   in  {id, script, configuration, identifier, password}
 *   out {id, report: {outcome, event, error, stored, violations}}  (the sandbox redacts the password)
 *
 * Why a child process: the script calls the old tenant with Node's own `fetch`, as in Auth0, and Node's
 * fetch trusts the fakes' test CA only when NODE_EXTRA_CA_CERTS was set when the process started (the
 * parent starts this one with it). Handing the script another fetch (an undici Agent trusting the CA)
 * would change the global the script sees in the world's process for everything else too, and npm
 * undici's fetch is not Node's. A child also keeps the world up when a script's late timer throws
 * (that crashes its process, as it would an Auth0 container: the parent starts a fresh one).
 *
 * Warm like Auth0's containers: one per configuration, kept while the configuration stays the same,
 * so the script's `global` (its cached token) is shared by consecutive logins.
 */

const { createContainer } = require('../sandbox');

const containers = new Map();

function containerFor(configuration) {
  const key = JSON.stringify(Object.entries(configuration).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  let c = containers.get(key);
  if (!c) {
    containers.clear(); // a new configuration: Auth0 starts new containers
    c = createContainer({ configuration });
    containers.set(key, c);
  }
  return c;
}

process.on('message', async (msg) => {
  const { id, script, configuration, identifier, password } = msg;
  try {
    const r = await containerFor(configuration).invoke(script, { kind: 'login', args: [identifier, password] });
    process.send({ id, report: { outcome: r.outcome, event: r.event, error: r.error, stored: r.stored, violations: r.violations } });
  } catch (err) {
    process.send({ id, failure: String((err && err.message) || err) });
  }
});

// Ctrl-C reaches the whole process group: rehearse decides when the world ends, and then kills this
// process (or, killed itself, disconnects it).
process.on('SIGINT', () => {});
process.on('disconnect', () => process.exit(0));
