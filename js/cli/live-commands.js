'use strict';
/**
 * The two runs on Auth0's real runtime (issue 11), each through a temporary connection (live.js):
 * - `doctor --live`: the probe (probe-script.js) logs in twice and its facts come back in the ID
 *   token; each fact is printed, then a PASS/FAIL verdict per requirement of the scripts, each FAIL
 *   with its fix;
 * - `try --remote`: the built login.js with the real settings, one real login of a test user; the
 *   outcome and the profile Auth0 built from the ID token's claims.
 *
 * What this proves and what it cannot is in the README ("Proof on Auth0's runtime").
 */

const crypto = require('node:crypto');
const { newTenant } = require('./options');
const { distDir, readDist, describeScript } = require('./dist');
const { newTenantClient } = require('./auth0');
const { EXIT } = require('./errors');
const { MARKER_KEY, PROBE_USER_ID, probeScript, expectedAnswer, factsOf } = require('./probe-script');
const { withTemporaryConnection, loginThrough } = require('./live');

/** The oldest Node major the scripts are built and tested for (Auth0 offers 18 and 22). */
const MIN_NODE_MAJOR = 18;
const NO_WASM =
  "this tenant's runtime cannot run the scripts: it does not compile WebAssembly, and the migration logic is WebAssembly; no setting of the scripts works around it: ask Auth0 support whether WebAssembly can be allowed for this tenant's extensibility runtime, and do not switch any connection to the scripts";

/** PASS/FAIL/WARN/INFO lines of the probe, each FAIL with its fix. */
function judge(first, second, expected, marker) {
  const checks = [];
  const add = (status, name, detail, fix) => checks.push({ status, name, detail, ...(fix && status !== 'pass' && status !== 'info' ? { fix } : {}) });
  const f = first.facts;
  const major = typeof f.n === 'string' ? Number((/^v(\d+)/.exec(f.n) || [])[1]) : NaN;
  add(major >= MIN_NODE_MAJOR ? 'pass' : 'fail', 'Node version', f.n || 'unknown', `the scripts need Node ${MIN_NODE_MAJOR} or later: Settings > Advanced > Runtime: choose Node 22 (tenant-wide)`);
  const wasmOk = f.w === 1 && f.wc === 1;
  add(wasmOk ? 'pass' : 'fail', 'WebAssembly compiles', wasmOk ? 'a trivial module compiled' : f.w !== 1 ? 'there is no WebAssembly global' : `a trivial module did not compile: ${f.wc}`, NO_WASM);
  const same = f.a === expected.kind && f.m === expected.message;
  add(
    same ? 'pass' : 'fail',
    'the built login.js answered from its WebAssembly core',
    same ? `in ${f.ms} ms, with its known settings error ("${f.m}")` : `it answered ${f.a}: "${f.m}" (expected ${expected.kind}: "${expected.message}")`,
    wasmOk ? 'the script did not run as it does here: rebuild (`auth0-lazy-migrate build`) and run the probe again; if it persists, report this output' : NO_WASM
  );
  add(
    f.cf === marker ? 'pass' : 'fail',
    'configuration arrives',
    f.cf === marker ? 'the connection setting reached the script' : `the script saw ${f.cf === null ? 'no' : 'another'} setting`,
    'the scripts read their settings from `configuration`: report this output (the runtime does not pass connection settings)'
  );
  const builtins = [
    ['zlib', f.z],
    ['crypto', f.c],
  ];
  const missing = builtins.filter(([, v]) => v !== 1).map(([n]) => n);
  add(
    missing.length ? 'fail' : 'pass',
    "require('zlib') and require('crypto')",
    missing.length ? `missing: ${missing.join(', ')}` : 'both load',
    "the scripts unpack their WebAssembly with zlib and hash with crypto: choose Node 22 in the tenant's runtime settings"
  );
  add('info', 'fetch', f.f === 1 ? 'global fetch exists (the scripts use it)' : "no global fetch (the scripts use Node's https instead)");
  add('info', 'Buffer', f.b === 1 ? 'global Buffer exists' : 'no global Buffer (the scripts do not need it)');
  const kept = second && second.facts && second.facts.g >= 1;
  add(
    kept ? 'pass' : 'warn',
    '`global` kept between two logins',
    kept ? 'the second login ran warm: the wasm is compiled once per container' : 'the second login started cold: each login pays the load time below',
    'nothing to fix: Auth0 decides when a container is reused; logins are only slower'
  );
  add('info', 'load time', `first login ${f.ms} ms (to the core's answer)${second && second.facts ? `, second ${second.facts.ms} ms` : ''}`);
  return checks;
}

const MARK = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', info: 'INFO' };

/** "Auth0 answered error: description" for a refused probe login. */
const answered = (r) => `Auth0 answered ${r.error}${r.description ? `: ${r.description}` : ''}`;

/** The fix for a probe login Auth0 refused: the time limit, the connection itself, or the runtime. */
function loginFix(r) {
  if (/time/i.test(r.description)) {
    return "this tenant's runtime did not finish the script within Auth0's limit (about 20 s): run the probe again; if it persists, the runtime is too slow for the scripts: report this output";
  }
  if (r.error === 'invalid_request') {
    return `the temporary connection could not be used for the login (${r.description || r.error}): check that this tool's app may use database connections, then run the probe again`;
  }
  return `this tenant's runtime cannot run the scripts: the probe script failed there (${r.description || r.error}); run \`auth0-lazy-migrate build\` and the probe again, and do not switch any connection to the scripts until it passes`;
}

/** `doctor --live`: the probe on the new tenant's runtime. */
async function runDoctorLive(ctx) {
  const { out } = ctx;
  const target = newTenant(ctx, { connection: false });
  const login = readDist(distDir(ctx), 'login.js');
  const script = probeScript(login.text);
  const expected = await expectedAnswer(login.text);
  const marker = crypto.randomBytes(8).toString('hex');
  const client = newTenantClient(target, out);
  out.info(`new tenant ${target.domain}: probing the runtime with ${login.rel} ${describeScript(login.text) || ''} (a temporary connection, deleted at the end)`);

  const run = await withTemporaryConnection(
    { client, out, command: 'doctor', script, configuration: { [MARKER_KEY]: marker }, purpose: 'auth0-lazy-migrate doctor --live, a runtime probe' },
    async (conn) => {
      const logins = [];
      // Twice: the second login shows whether `global` (the scripts' cache) survives between calls.
      for (let i = 0; i < 2; i++) {
        const r = await loginThrough(client, out, { realm: conn.name, username: 'alm-probe@example.com', password: `alm-probe-${crypto.randomBytes(8).toString('hex')}` });
        logins.push(r.ok ? { ok: true, facts: factsOf(r.claims), sub: r.claims.sub } : r);
        if (!r.ok) break;
      }
      return { conn, logins };
    }
  );

  const [first, second] = run.logins;
  let checks;
  if (!first.ok) {
    checks = [{ status: 'fail', name: 'the probe script ran in Auth0', detail: answered(first), fix: loginFix(first) }];
  } else if (!first.facts) {
    checks = [
      {
        status: 'fail',
        name: 'the probe script ran in Auth0',
        detail: `the ID token carries no probe facts (sub ${first.sub})`,
        fix: 'the nickname claim did not come back as the script set it: check that no Action or Rule rewrites nickname for this app, then run the probe again',
      },
    ];
  } else {
    checks = [{ status: 'pass', name: 'the probe script ran in Auth0', detail: `${run.logins.length} logins through "${run.conn.name}", profile ${first.sub || `auth0|${PROBE_USER_ID}`}` }];
    if (second && !second.ok) checks.push({ status: 'fail', name: 'a second login through the probe', detail: answered(second), fix: loginFix(second) });
    checks.push(...judge(first, second && second.ok ? second : null, expected, marker));
  }

  out.line(`Live probe of the new tenant's runtime (${target.domain})`);
  for (const c of checks) {
    out.line(`  ${MARK[c.status]}  ${c.name}: ${c.detail}`);
    if (c.fix) out.line(`        fix: ${c.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  out.line('');
  out.line(
    failed
      ? `verdict: FAIL (${failed} check${failed > 1 ? 's' : ''} failed): do not switch any connection to the scripts on this tenant yet`
      : "verdict: PASS: the built login.js compiles, instantiates and answers on this tenant's runtime"
  );
  const code = failed ? EXIT.FAILED : EXIT.OK;
  out.result({ command: 'doctor', live: true, ok: !failed, exitCode: code, connection: run.conn.name, removedLeftovers: run.conn.leftovers, facts: first.ok ? first.facts : null, checks });
  return code;
}

/** The standard claims of an ID token that are the profile Auth0 built (the protocol claims left out). */
function profileOf(claims) {
  const keep = ['sub', 'name', 'nickname', 'given_name', 'family_name', 'picture', 'email', 'email_verified', 'updated_at'];
  return Object.fromEntries(keep.filter((k) => claims[k] !== undefined).map((k) => [k, claims[k]]));
}

/**
 * `try --remote`: the source's built login.js (`src`, js/cli/source.js pickSource; dist/login.js for
 * the auth0 source) with the real settings on a temporary connection of the new tenant, one login of
 * `identifier` with `password`. Returns the exit code.
 */
async function runTryRemote(ctx, { identifier, password, expect, settings, script, src }) {
  const { out } = ctx;
  const target = newTenant(ctx, { connection: false });
  const client = newTenantClient(target, out);
  out.info(`new tenant ${target.domain}: running ${script.rel} ${describeScript(script.text) || ''} on Auth0 (a temporary connection, deleted at the end)`);
  const run = await withTemporaryConnection({ client, out, command: 'try', script: script.text, configuration: settings, purpose: 'auth0-lazy-migrate try --remote' }, async (conn) => ({
    conn,
    r: await loginThrough(client, out, { realm: conn.name, username: identifier, password }),
  }));
  const { r } = run;
  let outcome;
  let profile = null;
  const lines = [];
  if (r.ok) {
    outcome = 'success';
    profile = profileOf(r.claims);
  } else if (r.error === 'invalid_grant') outcome = 'wrong_password';
  else if (r.error === 'unauthorized') outcome = 'unauthorized';
  else outcome = 'error';
  const ok = outcome === expect;
  lines.push(`login for ${identifier} on Auth0 (new tenant, temporary connection "${run.conn.name}"): ${outcome}${ok ? '' : ` (expected ${expect})`}`);
  lines.push(`script: ${script.rel} ${describeScript(script.text) || ''}, sha256 ${script.sha256.slice(0, 16)}`);
  if (r.ok) {
    lines.push(`user id Auth0 gave it: ${profile.sub}`);
    lines.push("profile Auth0 built (the ID token's claims):");
    for (const l of JSON.stringify(profile, null, 2).split('\n')) lines.push(`  ${l}`);
    lines.push(
      src.name === 'auth0'
        ? 'note: this was a real login on the old tenant (its logs show it; a deployed post-login Action marked the user'
        : `note: this was a real password check on your ${src.name} source, made from Auth0's runtime (its logs show it).`,
      `${src.name === 'auth0' ? '  migration_complete). ' : ''}The temporary connection had import off and is deleted, with the user Auth0 built there.`
    );
  } else {
    const what = outcome === 'wrong_password' ? ' (the script called back WrongUsernameOrPasswordError)' : outcome === 'unauthorized' ? ' (the script called back UnauthorizedError)' : '';
    lines.push(`Auth0 answered: ${r.error}${r.description ? `: ${r.description}` : ''}${what}`);
  }
  for (const l of lines) out.line(l);
  const code = ok ? EXIT.OK : EXIT.FAILED;
  out.result({
    command: 'try',
    remote: true,
    source: src.name,
    ok,
    exitCode: code,
    script: script.rel,
    scriptSha256: script.sha256,
    identifier,
    connection: run.conn.name,
    outcome,
    expected: expect,
    profile,
    error: r.ok ? null : { error: r.error, description: r.description, status: r.status },
  });
  return code;
}

module.exports = { runDoctorLive, runTryRemote, judge };
