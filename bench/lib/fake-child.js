'use strict';
/**
 * The fake old tenant(s) for the benchmark, in a CHILD process, so that the benchmark process's CPU
 * time is only the scripts and the sandbox emulation. Started with `fork()` by bench/lib/fake.js.
 *
 * argv[2]: JSON `{ name: startFakeTenant options }`. Replies `{type: 'ready', tenants: {name: {domain}}}`,
 * then answers `{id, cmd, tenant}` messages with `{id, result}` (or `{id, error}`):
 *   count  -> requests received since the last `clear`, by label (password, token, discovery, jwks,
 *             users-by-email, users-search, user, other) plus `total`
 *   clear  -> forgets the request log (it would otherwise grow for every call of the run)
 *   cpu    -> this process's process.cpuUsage()
 *   close  -> closes the tenants and exits
 */
const { startFakeTenant, requestLabel } = require('../../js/fakes/fake-tenant');

const label = (r) => requestLabel(r) || 'other';

async function main() {
  const spec = JSON.parse(process.argv[2] || '{}');
  const tenants = {};
  for (const [name, options] of Object.entries(spec)) tenants[name] = await startFakeTenant(options);
  const handlers = {
    count(t) {
      const out = { total: t.requests.length };
      for (const r of t.requests) {
        const k = label(r);
        out[k] = (out[k] || 0) + 1;
      }
      return out;
    },
    clear(t) {
      t.requests.length = 0;
      return true;
    },
    cpu() {
      return process.cpuUsage();
    },
    async close() {
      for (const t of Object.values(tenants)) await t.close();
      setImmediate(() => process.exit(0));
      return true;
    },
  };
  process.on('message', async (m) => {
    try {
      const h = handlers[m.cmd];
      if (!h) throw new Error(`unknown command ${m.cmd}`);
      const t = m.tenant ? tenants[m.tenant] : null;
      if (m.tenant && !t) throw new Error(`unknown tenant ${m.tenant}`);
      process.send({ id: m.id, result: await h(t, m) });
    } catch (err) {
      process.send({ id: m.id, error: err.message });
    }
  });
  process.on('disconnect', () => process.exit(0));
  const ready = {};
  for (const [name, t] of Object.entries(tenants)) ready[name] = { domain: t.domain };
  process.send({ type: 'ready', tenants: ready });
}

main().catch((err) => {
  process.stderr.write(`fake tenant child: ${err.stack}\n`);
  process.exit(1);
});
