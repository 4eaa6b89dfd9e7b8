'use strict';
/**
 * Proves settings before `deploy` installs them: runs the real built scripts, in the sandbox emulation
 * `try` uses, against the old tenant, for users that cannot exist.
 *
 * Why: a wrong client secret or a mistyped domain is accepted by Auth0 without a word and only shows
 * when every unmigrated login fails. Two calls catch it while nothing has changed yet:
 * - get_user for a made-up email must answer "not found": the domain, the client credentials and
 *   read:users work;
 * - login for a made-up user with a random password must answer "wrong email or password": the
 *   password grant and the Connection work. This leaves one failed login for a made-up user in the
 *   old tenant's logs.
 * Anything else refuses the deploy (exit 3) with the script's own message.
 */

const crypto = require('node:crypto');
const { createContainer } = require('../sandbox');
const { UpstreamError } = require('./errors');
const net = require('./net');

const PROBES = [
  {
    kind: 'get_user',
    expect: 'not_found',
    proves: 'domain, client credentials, read:users',
    fix: 'check Domain (--domain), Client_ID (--client-id) and ALM_CLIENT_SECRET, and that the Migration App has read:users; `auth0-lazy-migrate doctor` names the exact problem',
  },
  {
    kind: 'login',
    expect: 'wrong_password',
    proves: 'password grant, connection',
    fix: 'check the Migration App allows the Password grant and that Connection (--connection) names a database connection enabled for it; `auth0-lazy-migrate doctor` names the exact problem',
  },
];

const madeUp = () => `alm-deploy-probe-${crypto.randomBytes(6).toString('hex')}@example.invalid`;

/**
 * Runs one probe: the built script `text` of `kind` ('get_user' | 'login') with `settings`, for a
 * made-up user. Returns {ok, kind, identifier, outcome, expected, why, proves, fix}: the script
 * decides what the old tenant's answer means; this only compares its outcome with the healthy one.
 */
async function runProbe(out, kind, text, settings, container = createContainer({ configuration: settings }), fixes = {}) {
  const p = { ...PROBES.find((x) => x.kind === kind), ...(fixes[kind] ? { fix: fixes[kind] } : {}) };
  const identifier = madeUp();
  let args = [identifier];
  if (kind === 'login') {
    const password = crypto.randomBytes(18).toString('base64url');
    out.addSecret(password);
    args = [identifier, password];
  }
  const proxyBefore = net.lastProxyError();
  const report = await container.invoke(text, { kind, args });
  let why = report.error ? report.error.message : report.violations.join('; ') || `the outcome was ${report.outcome}`;
  const ok = report.outcome === p.expect;
  // The script says only "network" when a request got no reply; a proxy that failed is named here.
  const proxy = net.lastProxyError() !== proxyBefore ? net.lastProxyError() : null;
  if (!ok && proxy) why = `${why} (${proxy.message})`;
  return { ok, kind, identifier, outcome: report.outcome, expected: p.expect, why, proves: p.proves, fix: !ok && proxy ? proxy.hint : p.fix };
}

/**
 * Runs both probes with `settings` and the script texts `scripts` ({login, get_user}). Returns
 * [{script, identifier, outcome, proves}]; throws UpstreamError at the first unexpected answer.
 * The healthy answers are the same for every source (a made-up user is unknown, and a login of an
 * unknown user is a wrong password); `fixes` ({login, get_user}) replaces the auth0 source's fix lines.
 */
async function proveSettings(out, scripts, settings, { fixes = {} } = {}) {
  const container = createContainer({ configuration: settings });
  const results = [];
  for (const p of PROBES) {
    const r = await runProbe(out, p.kind, scripts[p.kind], settings, container, fixes);
    if (!r.ok) {
      throw new UpstreamError(`the ${p.kind} probe refused the settings: ${p.kind}.js, run with them for a made-up user, answered ${r.outcome} instead of ${p.expect}: ${r.why}; nothing was changed`, {
        hint: r.fix,
        details: { probe: p.kind, identifier: r.identifier, outcome: r.outcome, expected: p.expect },
      });
    }
    out.info(`probe: ${p.kind} for a made-up user -> ${r.outcome}, as it should (proves: ${p.proves})`);
    results.push({ script: p.kind, identifier: r.identifier, outcome: r.outcome, proves: p.proves });
  }
  return results;
}

module.exports = { PROBES, runProbe, proveSettings };
