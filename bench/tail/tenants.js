'use strict';
/**
 * The tail benchmark's fake tenant pair, in a child process of its own (forked by bench/tail/run.js),
 * so what the benchmark measures (the CLI's memory and time) never includes the fakes':
 * - the OLD tenant serves N synthetic users in "legacy-db" (js/fakes/fake-tenant/synthetic.js: the
 *   export is a gzip stream made as it is sent);
 * - the NEW tenant's import jobs finish after a few ms and keep imported users in indexes, so a
 *   million imports stay about 100 MB here.
 *
 * IPC: sends {ready, old, new} once both listen; answers {stats} with the new tenant's synthetic
 * counters and this process's memory; exits when the channel closes (the parent died or finished).
 */

const { startFakeTenant } = require('../../js/fakes/fake-tenant');
const { newTenantSeed, NEW_CONNECTION } = require('../../js/fakes/world');
const { SEED } = require('../../js/fakes/seed');

async function main() {
  const users = Number(process.argv[2]);
  const jobMs = Number(process.argv[3] || 10);
  const [oldT, newT] = await Promise.all([
    startFakeTenant({ synthetic: { users, connection: SEED.connections.legacy } }),
    startFakeTenant({ seed: newTenantSeed(), synthetic: { users: 0, connection: NEW_CONNECTION } }),
  ]);
  oldT.jobs.durationMs = jobMs;
  newT.jobs.durationMs = jobMs;
  process.on('message', (m) => {
    if (m && m.type === 'stats') {
      process.send({ type: 'stats', new: newT.jobs.synthetic, old: oldT.jobs.synthetic, rssMb: process.memoryUsage().rss / 1048576 });
    }
  });
  process.on('disconnect', () => {
    Promise.all([oldT.close(), newT.close()]).finally(() => process.exit(0));
  });
  process.send({ type: 'ready', old: oldT.domain, new: newT.domain });
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
