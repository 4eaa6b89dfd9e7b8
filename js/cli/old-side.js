'use strict';
/**
 * Where `tail`, `status` and `retire` read every user to migrate: the old Auth0 tenant (an export
 * job, bulk.js), or a rest, oidc, cognito or firebase source listed page by page (stream/listing.js, the engine's
 * listStep). The commands ask this module once and then treat both alike: the same join, the same
 * plan, the same import jobs; only the old side's records come from somewhere else.
 *
 * Why one module: the three commands used to read the old tenant's settings and make its client
 * each; a second kind of old side would otherwise be three copies of the same branch.
 */

const path = require('node:path');
const { oldSettings } = require('./options');
const { oldTenantClient } = require('./auth0');
const { distDir, loadEngine } = require('./dist');
const { UpstreamError } = require('./errors');
const { refuseUnlisted, cannotList, sourceSettings } = require('./source');
const { listTo, listHandle, CannotList } = require('./stream/listing');

/** What a listed source is called in messages, and what identifies it (no secret). */
function describeListed(src, s) {
  if (src.name === 'rest') return { label: 'user store', where: s.Base_URL };
  if (src.name === 'firebase') return { label: 'Firebase project', where: `${s.Project_ID}${s.Emulator_Host ? ` at the emulator ${s.Emulator_Host}` : ''}` };
  if (src.name === 'cognito') return { label: 'Cognito user pool', where: `${s.User_Pool_ID}${s.Endpoint ? ` at ${s.Endpoint}` : ''}` };
  const where = s.Issuer || (s.Org_URL ? s.Org_URL : `${s.Base_URL || ''}/realms/${s.Realm || ''}`);
  return { label: 'OpenID provider', where };
}

/**
 * The old side of `command`: {src, settings, client ({label, domain} for a listed source), key (the
 * state files' name of it), title (for the report lines), listed (null for the auth0 source)}. A
 * source that cannot list is refused here (exit 2) before any request; `connection` is the auth0
 * source's reason for needing --connection.
 */
function oldSide(ctx, command, { connection }) {
  const src = refuseUnlisted(ctx, command);
  if (src.name === 'auth0') {
    const settings = oldSettings(ctx, { connection });
    const client = oldTenantClient(settings, ctx.out);
    return { src, settings, client, key: `${client.domain}/${settings.Connection}`, title: `old tenant "${settings.Connection}"`, listed: null };
  }
  const settings = sourceSettings(ctx, src);
  const engine = loadEngine(distDir(ctx));
  if (typeof engine.listStep !== 'function') {
    throw new UpstreamError(`${command} --source ${src.name}: dist/engine.js has no listStep (it was built before sources could be listed)`, { hint: 'build again (`make dist`)' });
  }
  const { label, where } = describeListed(src, settings);
  const client = { label, domain: where };
  const listed = {
    emptyHint: `check the ${src.name} source's settings: ${command} found no user to migrate there`,
    async list({ dir, name }) {
      const file = path.join(dir, `${name}.ndjson`);
      const createdAt = new Date().toISOString();
      ctx.out.info(`${label}: listing every user (${where})`);
      try {
        const done = await listTo(engine, { source: src.name, settings, file, label });
        ctx.out.info(`${label}: ${done.users} user(s) listed in ${done.pages} page(s)`);
      } catch (err) {
        if (err instanceof CannotList) throw cannotList(command, src, `this source cannot list its users: ${err.message}`);
        throw err;
      }
      return listHandle(file, createdAt);
    },
  };
  return { src, settings, client, key: `${src.name}:${where}`, title: `${label} ${where}`, listed };
}

module.exports = { oldSide, describeListed };
