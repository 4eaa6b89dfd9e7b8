'use strict';
/**
 * `doctor`: checks a live setup and prints a checklist, each failure with its fix. The old tenant's
 * checks run when its settings are given, the new tenant's when its app is given (both usually).
 * Nothing is changed anywhere; the only side effect is one failed login for a user that cannot exist:
 * the built login.js probes the Password grant and the connection, and its own reading of the old
 * tenant's answer is the verdict (doctor classifies no Auth0 error itself).
 *
 * `--live` is another run altogether (live-commands.js): the built login.js on the new tenant's real
 * runtime, through a temporary connection that is always deleted.
 */

const crypto = require('node:crypto');
const { OLD_TENANT, NEW_TENANT, DIST, oldSettings, newTenant, hasAny } = require('../options');
const { distDir, readDist, isOurs, isRetired, describeScript, sha256, loadEngine } = require('../dist');
const { engineKeys, compareRecord, RECORD_KEY } = require('../settings');
const { describe, oldTenantClient, newTenantClient } = require('../auth0');
const { findConnection } = require('../connection');
const { runProbe } = require('../proof');
const fit = require('../fit');
const { EXIT, CliError, UsageError } = require('../errors');
const { runDoctorLive } = require('../live-commands');
const { SOURCE_OPTION, SOURCE_GROUPS, pickSource, sourceSettings, sourceScripts, hasSourceSettings } = require('../source');
const { scriptFile } = require('../../sources');
const { checkRestStore } = require('../rest-conformance');
const { checkSourceByScripts } = require('../source-check');
const { readPassword } = require('./try');

/** The deploy command line of the source, for fix lines: `auth0-lazy-migrate deploy [--source NAME]`. */
const deployCmd = (src) => `auth0-lazy-migrate deploy${src.name === 'auth0' ? '' : ` --source ${src.name}`}`;

/** The settings keys the source's scripts read, from dist/engine.js (the one list); null without a usable dist. */
function settingsKeys(ctx, src) {
  try {
    return engineKeys(loadEngine(distDir(ctx)), src.check);
  } catch {
    return null;
  }
}

/**
 * Whether the settings on the connection are the operator's: deploy stores a salted hash of what it
 * wrote in the connection's metadata (Auth0 returns the values themselves encrypted), recomputed here
 * from the settings given locally. Only when they are given and the scripts are not retired.
 */
function checkDeployedSettings(ctx, list, S, conn, src) {
  const given = src.name === 'auth0' ? hasAny(ctx, OLD_TENANT) || ctx.env.ALM_CLIENT_SECRET !== undefined : hasSourceSettings(ctx, src);
  if (!given) return;
  const name = 'deployed settings are yours';
  let local;
  try {
    local = sourceSettings(ctx, src);
  } catch (err) {
    list.add(S, name, 'skip', `your settings are incomplete (${errText(err)})`);
    return;
  }
  const record = conn.metadata && typeof conn.metadata === 'object' ? conn.metadata[RECORD_KEY] : undefined;
  const r = compareRecord(record, local);
  if (r === 'match') list.add(S, name, 'ok', `the connection's settings are the ones given here (metadata.${RECORD_KEY})`);
  else if (r === 'differ') list.add(S, name, 'fail', 'the deployed settings differ from yours', `run \`${deployCmd(src)}\` (or correct the settings given here)`);
  else if (r === 'none') list.add(S, name, 'warn', 'no record (deployed by hand or by an older version)', `run \`${deployCmd(src)}\` to write the settings and their record`);
  else list.add(S, name, 'warn', `metadata.${RECORD_KEY} is not a record this version reads`, `run \`${deployCmd(src)}\` to rewrite it`);
}

class Checklist {
  constructor() {
    this.items = [];
  }

  add(section, name, status, detail, fix) {
    this.items.push({ section, name, status, detail: detail || '', ...(fix ? { fix } : {}) });
    return status === 'ok';
  }

  count(status) {
    return this.items.filter((i) => i.status === status).length;
  }
}

const errText = (err) => (err instanceof CliError ? err.message.replace(/^(old|new) tenant: /, '') : String(err && err.message));
const errFix = (err, dflt) => (err instanceof CliError && err.hint) || dflt;

async function checkOld(ctx, list) {
  const S = 'old tenant';
  const settings = oldSettings(ctx);
  const client = oldTenantClient(settings, ctx.out);
  const base = client.base;

  // 1. Discovery and the signing keys.
  let discovery = null;
  try {
    const r = await client.publicJson(`${base}/.well-known/openid-configuration`);
    if (r.status === 200 && r.body && typeof r.body === 'object' && r.body.issuer) {
      discovery = r.body;
      list.add(S, 'discovery document reachable', 'ok', `${base}/.well-known/openid-configuration`);
      if (r.body.issuer !== `${base}/`) {
        list.add(
          S,
          'issuer matches the domain',
          'warn',
          `issuer is ${r.body.issuer}`,
          "set Domain to the tenant's own domain (a custom domain needs Audience set to https://TENANT.auth0.com/api/v2/)"
        );
      }
    } else {
      list.add(S, 'discovery document reachable', 'fail', describe(r.status, r.body), "check Domain: the old tenant's domain, e.g. old-tenant.eu.auth0.com");
    }
  } catch (err) {
    list.add(S, 'discovery document reachable', 'fail', errText(err), errFix(err, 'check Domain'));
    if (err.unreachable) {
      list.add(S, 'the other old-tenant checks', 'skip', `${base} cannot be reached`);
      return null;
    }
  }
  if (discovery) {
    try {
      const r = await client.publicJson(discovery.jwks_uri || `${base}/.well-known/jwks.json`);
      const keys = r.status === 200 && r.body && Array.isArray(r.body.keys) ? r.body.keys : [];
      const rsa = keys.filter((k) => k.kty === 'RSA' && (!k.use || k.use === 'sig') && (!k.alg || k.alg === 'RS256'));
      if (rsa.length) list.add(S, 'RS256 signing keys published', 'ok', `${rsa.length} key(s) in the JWKS`);
      else
        list.add(
          S,
          'RS256 signing keys published',
          'fail',
          r.status === 200 ? 'the JWKS has no RSA signing key' : describe(r.status, r.body),
          'the Migration App must sign ID tokens with RS256 (Applications > Migration App > Advanced Settings > OAuth)'
        );
    } catch (err) {
      list.add(S, 'RS256 signing keys published', 'fail', errText(err), errFix(err));
    }
  } else {
    list.add(S, 'RS256 signing keys published', 'skip', 'needs the discovery document');
  }

  // 2. Client credentials and the read:users scope.
  let token = false;
  try {
    await client.token();
    token = true;
    list.add(S, 'client credentials accepted', 'ok', `Migration App ${settings.Client_ID}`);
  } catch (err) {
    list.add(S, 'client credentials accepted', 'fail', errText(err), errFix(err, 'check Client_ID and ALM_CLIENT_SECRET'));
  }
  if (token) {
    if (client.grantedScopes.includes('read:users')) {
      const extra = client.grantedScopes.filter((s) => s !== 'read:users');
      list.add(S, 'token carries read:users', 'ok', extra.length ? `also: ${extra.join(' ')}` : 'read:users only');
      if (extra.length) {
        list.add(
          S,
          'least privilege',
          'warn',
          `the Migration App also has ${extra.join(' ')}`,
          'the scripts need read:users only; remove the other scopes (APIs > Auth0 Management API > Machine to Machine Applications)'
        );
      }
    } else {
      list.add(
        S,
        'token carries read:users',
        'fail',
        `granted: ${client.grantedScopes.join(' ') || '(none)'}`,
        'APIs > Auth0 Management API > Machine to Machine Applications: give the Migration App read:users'
      );
    }
    try {
      await client.usersByEmail(`alm-doctor-${crypto.randomBytes(6).toString('hex')}@example.invalid`);
      list.add(S, 'Management API user lookup works', 'ok', 'users-by-email answered');
    } catch (err) {
      list.add(S, 'Management API user lookup works', 'fail', errText(err), errFix(err, 'give the Migration App read:users'));
    }
  } else {
    list.add(S, 'token carries read:users', 'skip', 'needs a token');
    list.add(S, 'Management API user lookup works', 'skip', 'needs a token');
  }

  // 3. The password grant and the connection: the built login.js itself logs in a user that cannot
  // exist, in the sandbox emulation. "Wrong email or password" is the healthy answer; anything else
  // is the script's own reading of the old tenant's reply (its message names the fix), so doctor
  // classifies nothing itself.
  const realm = settings.Connection && settings.Connection.trim();
  const name = realm ? `Password grant allowed, connection "${realm}" enabled for the app` : 'Password grant allowed (Default Directory)';
  let login = null;
  try {
    login = readDist(distDir(ctx), 'login.js');
  } catch (err) {
    list.add(S, name, 'skip', `needs the built login.js (${errText(err)})`, errFix(err));
  }
  if (login) {
    try {
      const r = await runProbe(ctx.out, 'login', login.text, settings);
      if (r.ok) list.add(S, name, 'ok', 'dist/login.js, for a made-up user, answered "wrong email or password", as it should');
      // An Error from the script is its own diagnosis ("setup: ...; enable ..."): it is the fix.
      else list.add(S, name, 'fail', `dist/login.js, for a made-up user, answered ${r.outcome}`, r.outcome === 'error' ? r.why : r.fix);
    } catch (err) {
      list.add(S, name, 'fail', errText(err), errFix(err));
    }
  }

  // 4. Whether a claims producer (the post-login Action) marks migrated users.
  if (token) {
    try {
      // The whole tenant: the Action marks only the Migration App's logins, which use the migrated
      // connection, so no connection clause (and no query quoting here: lookup.rs owns that).
      const r = await client.searchUsers({ q: 'app_metadata.migration_complete:true', search_engine: 'v3', per_page: 1, include_totals: true, fields: 'user_id' });
      const total = r && typeof r.total === 'number' ? r.total : Array.isArray(r) ? r.length : 0;
      if (total > 0) list.add(S, 'claims producer (post-login Action) active', 'ok', `${total}${total >= 1000 ? '+' : ''} user(s) marked migration_complete`);
      else {
        list.add(
          S,
          'claims producer (post-login Action) active',
          'warn',
          'no user is marked migration_complete yet',
          'optional but recommended: deploy dist/metadata-action.js on the old tenant (Actions > Library), or ignore this until the first migrated login'
        );
      }
    } catch (err) {
      list.add(S, 'claims producer (post-login Action) active', 'warn', `could not search users (${errText(err)})`);
    }
  }

  // 5. Brute-force protection sees every check from Auth0's own IPs.
  list.add(
    S,
    "brute-force protection and Auth0's egress IPs",
    'warn',
    "every password check reaches the old tenant from the new tenant's Auth0 IPs, so one IP carries everyone's failures",
    "old tenant > Security > Attack Protection > Brute-force Protection > Allow List: add the Auth0 egress IPs of the new tenant's region"
  );
  // For the cross-check of the two connections (checkFit): the client, once it holds a token.
  return token ? { client, settings } : null;
}

/**
 * One deployed script against dist/. `retiredOn`: a retired script (of any build) is on the connection,
 * i.e. the migration is over; then no fix may say `deploy`, which would switch the lazy migration back
 * on (and call an old tenant that may be gone): the way forward is `retire --deploy`, never back.
 */
async function checkScript(list, S, name, deployed, current, retired, retiredOn, src) {
  const title = `${name} script deployed and current`;
  if (typeof deployed !== 'string' || deployed.trim() === '') {
    return list.add(S, `${name} script deployed`, 'fail', 'empty', retiredOn ? 'run `auth0-lazy-migrate retire --deploy` (the migration is retired)' : `run \`${deployCmd(src)}\``);
  }
  const sha = sha256(deployed);
  if (isRetired(deployed)) {
    if (retired && sha === retired.sha256) return list.add(S, title, 'ok', `the retired script (dist/${retired.rel}): the migration is over`);
    const ok = list.add(S, `${name} script retired`, 'ok', `the retired script of auth0-lazy-migrate ${describeScript(deployed)}, sha256 ${sha.slice(0, 16)}: the migration is over`);
    if (retired) {
      list.add(
        S,
        `${name} retired script is the current build`,
        'warn',
        `dist/${retired.rel} has sha256 ${retired.sha256.slice(0, 16)} (${describeScript(retired.text) || 'unknown build'})`,
        'optional: `auth0-lazy-migrate retire --deploy` installs the current retired build'
      );
    }
    return ok;
  }
  if (retiredOn) {
    const what = isOurs(deployed) ? `auth0-lazy-migrate ${describeScript(deployed)}` : 'a script auth0-lazy-migrate did not write';
    return list.add(S, title, 'fail', `${what} while the other script is retired`, `run \`auth0-lazy-migrate retire --deploy${isOurs(deployed) ? '' : ' --force'}\` to retire both scripts`);
  }
  if (current && sha === current.sha256) return list.add(S, title, 'ok', `sha256 ${sha.slice(0, 16)} = dist/${current.rel}`);
  if (isOurs(deployed)) {
    return list.add(
      S,
      title,
      'fail',
      `deployed ${describeScript(deployed)} sha256 ${sha.slice(0, 16)}, dist has ${current ? current.sha256.slice(0, 16) : '(missing)'}`,
      `run \`${deployCmd(src)}\` to install the current build`
    );
  }
  return list.add(S, title, 'fail', 'the connection holds a script auth0-lazy-migrate did not write', `run \`${deployCmd(src)} --force\` to replace it`);
}

async function checkNew(ctx, list, src) {
  const S = 'new tenant';
  const t = newTenant(ctx);
  const client = newTenantClient(t, ctx.out);
  try {
    await client.token();
    list.add(S, 'client credentials accepted', 'ok', `app ${t.clientId}`);
  } catch (err) {
    list.add(S, 'client credentials accepted', 'fail', errText(err), errFix(err, 'check ALM_NEW_CLIENT_ID and ALM_NEW_CLIENT_SECRET'));
    list.add(S, `connection "${t.connection}" checks`, 'skip', 'needs a token');
    return;
  }
  const need = ['read:connections', 'read:connections_options'];
  const missing = need.filter((s) => !client.grantedScopes.includes(s));
  if (missing.length) list.add(S, 'scopes to read the connection', 'fail', `missing ${missing.join(' ')}`, 'APIs > Auth0 Management API > Machine to Machine Applications: grant them to this app');
  else list.add(S, 'scopes to read the connection', 'ok', need.join(' '));
  const later = ['update:connections', 'update:connections_options', 'read:users', 'create:users'].filter((s) => !client.grantedScopes.includes(s));
  if (later.length) list.add(S, 'scopes for deploy and tail', 'warn', `missing ${later.join(' ')}`, 'deploy needs update:connections(+_options); tail and status need read:users and create:users');

  let conn;
  try {
    conn = await findConnection(client, t.connection);
    list.add(S, `connection "${t.connection}" exists`, 'ok', conn.id);
  } catch (err) {
    list.add(S, `connection "${t.connection}" exists`, 'fail', errText(err), errFix(err));
    return;
  }
  const o = conn.options || {};
  const scripts = o.customScripts || {};
  // A retired script of any build on the connection: the migration is over (see checkScript).
  const retiredDeployed = isRetired(scripts.login) || isRetired(scripts.get_user);
  const setupFix = retiredDeployed ? 'run `auth0-lazy-migrate retire --deploy`' : `run \`${deployCmd(src)}\``;
  list.add(S, 'database connection (strategy auth0)', conn.strategy === 'auth0' ? 'ok' : 'fail', conn.strategy, 'use an Auth0 database connection (Authentication > Database)');
  list.add(
    S,
    'custom database on ("Use my own database")',
    o.enabledDatabaseCustomization === true ? 'ok' : 'fail',
    String(!!o.enabledDatabaseCustomization),
    `${setupFix} (or Custom Database > Use my own database)`
  );
  list.add(S, 'import mode on ("Import Users to Auth0")', o.import_mode === true ? 'ok' : 'fail', String(!!o.import_mode), `${setupFix} (or the connection's Settings > Import Users to Auth0)`);

  const dir = distDir(ctx);
  const maybe = (rel) => {
    try {
      return readDist(dir, rel);
    } catch {
      return null;
    }
  };
  await checkScript(list, S, 'login', scripts.login, maybe(scriptFile(src.name, 'login')), maybe('retired/login.js'), retiredDeployed, src);
  await checkScript(list, S, 'get_user', scripts.get_user, maybe(scriptFile(src.name, 'get_user')), maybe('retired/get_user.js'), retiredDeployed, src);

  const cfg = o.configuration && typeof o.configuration === 'object' ? o.configuration : {};
  const keys = Object.keys(cfg);
  if (retiredDeployed) {
    list.add(S, 'settings keys', 'ok', keys.length ? `${keys.join(', ')} (no longer read)` : 'none (the retired scripts read none)');
  } else if (!settingsKeys(ctx, src)) {
    list.add(S, 'settings keys present', 'skip', 'needs dist/engine.js, which knows the keys', 'build first: `auth0-lazy-migrate build` (or `make dist`)');
  } else {
    const REQUIRED_SETTINGS = settingsKeys(ctx, src)
      .filter((k) => k.required)
      .map((k) => k.name);
    const KNOWN_SETTINGS = settingsKeys(ctx, src).map((k) => k.name);
    const missingKeys = REQUIRED_SETTINGS.filter((k) => !(k in cfg) || cfg[k] === '' || cfg[k] === null);
    const miscased = keys.filter((k) => !KNOWN_SETTINGS.includes(k) && KNOWN_SETTINGS.some((K) => K.toLowerCase() === k.toLowerCase()));
    if (missingKeys.length) {
      list.add(
        S,
        'settings keys present',
        'fail',
        `missing ${missingKeys.join(', ')}${miscased.length ? `; found ${miscased.join(', ')} (keys are case-sensitive)` : ''}`,
        `run \`${deployCmd(src)}\`, or add them under Custom Database > Settings with these exact names`
      );
    } else {
      list.add(S, 'settings keys present', 'ok', `${keys.join(', ')} (values are stored encrypted; \`try\` checks them)`);
    }
    const unknown = keys.filter((k) => !KNOWN_SETTINGS.includes(k) && !miscased.includes(k));
    if (unknown.length) list.add(S, 'no unknown settings keys', 'warn', unknown.join(', '), `the scripts read only ${KNOWN_SETTINGS.join(', ')}`);
    checkDeployedSettings(ctx, list, S, conn, src);
  }
  if (Array.isArray(conn.enabled_clients) && conn.enabled_clients.length === 0) {
    list.add(S, 'connection enabled for an application', 'warn', 'no application', 'enable the connection for your applications (its Applications tab)');
  }
  return conn;
}

/**
 * Whether the old users fit the new connection (js/cli/fit.js): usernames, their length, the password
 * policy; with the old connection's settings when its token may read them. Needs both tenants.
 */
async function checkFit(list, oldSide, conn) {
  const S = 'fit';
  const name = oldSide.settings.Connection;
  if (!name) {
    list.add(S, 'old users fit the new connection', 'skip', "needs --connection: the Default Directory's name is a tenant setting the Migration App cannot read");
    return;
  }
  const old = await fit.readOldSide(oldSide.client, name);
  for (const f of fit.judge(conn, old, name)) list.add(S, f.name, f.status, f.detail, f.fix);
}

/**
 * A source other than auth0: the rest store's conformance check (rest-conformance.js), or for any
 * other source each credential checked by its built scripts (source-check.js). Its settings and
 * scripts are read as try and deploy read them.
 */
async function checkSource(ctx, list, src) {
  const settings = sourceSettings(ctx, src);
  const built = sourceScripts(ctx, src);
  const user = ctx.values.user;
  const password = user === undefined ? undefined : await readPassword(ctx.out, user, src.name === 'rest' ? 'the user store' : `the ${src.name} source`);
  const scripts = { login: built.login.text, get_user: built.get_user.text };
  if (src.name === 'rest') await checkRestStore(list, 'user store', { scripts, settings, user, password, out: ctx.out, engine: loadEngine(distDir(ctx)) });
  else await checkSourceByScripts(list, 'user store', { src, scripts, settings, user, password, out: ctx.out, engine: loadEngine(distDir(ctx)) });
}

const TITLES = {
  'old tenant': 'Old tenant (where the users are now)',
  'user store': 'Source (--source rest: docs/rest-contract.md, rule by rule; other sources: each credential, by the built scripts)',
  'new tenant': 'New tenant (where the users go)',
  fit: "Old users in the new connection (the two connections' settings compared)",
};

async function run(ctx) {
  const { out } = ctx;
  const only = ctx.values.only;
  if (only !== undefined && only !== 'old' && only !== 'new') throw new UsageError(`--only takes old or new (got "${only}")`);
  // --live: the runtime probe on the new tenant alone (live-commands.js), before anything is set up.
  if (ctx.values.live) {
    if (only === 'old') throw new UsageError('--live probes the new tenant: it cannot be combined with --only old');
    return runDoctorLive(ctx);
  }
  const src = pickSource(ctx);
  // --only: one side, whatever else the environment holds (an env file usually sets both).
  const given = src.name === 'auth0' ? hasAny(ctx, OLD_TENANT) || ctx.env.ALM_CLIENT_SECRET !== undefined : hasSourceSettings(ctx, src);
  const doOld = only ? only === 'old' : given;
  const doNew = only ? only === 'new' : hasAny(ctx, NEW_TENANT);
  if (!doOld && !doNew)
    throw new UsageError(`nothing to check: give the ${src.name === 'auth0' ? "old tenant's settings (--domain ...)" : `${src.name} source's settings`} and/or the new tenant (--new-domain ...)`);
  if (src.name !== 'auth0' && ctx.values.user !== undefined && !doOld) throw new UsageError("--user is the test user of the source: it goes with the source's settings");
  if (src.name === 'auth0' && ctx.values.user !== undefined) throw new UsageError('--user is for a --source other than auth0 (its test user); the auth0 source is probed with a made-up user');
  const list = new Checklist();
  const oldSide = doOld && src.name === 'auth0' ? await checkOld(ctx, list) : null;
  if (doOld && src.name !== 'auth0') await checkSource(ctx, list, src);
  const conn = doNew ? await checkNew(ctx, list, src) : null;
  if (oldSide && conn) await checkFit(list, oldSide, conn);

  const mark = { ok: '[ok]  ', fail: '[FAIL]', warn: '[warn]', skip: '[skip]' };
  let section = null;
  for (const i of list.items) {
    if (i.section !== section) {
      if (section) out.line('');
      section = i.section;
      out.line(TITLES[i.section] || i.section);
    }
    out.line(`  ${mark[i.status]} ${i.name}${i.detail ? `: ${i.detail}` : ''}`);
    if (i.fix && i.status !== 'ok') out.line(`         fix: ${i.fix}`);
  }
  const summary = { ok: list.count('ok'), fail: list.count('fail'), warn: list.count('warn'), skip: list.count('skip') };
  out.line('');
  out.line(`${summary.ok} passed, ${summary.fail} failed, ${summary.warn} warning(s)${summary.skip ? `, ${summary.skip} skipped` : ''}`);
  const code = summary.fail ? EXIT.FAILED : EXIT.OK;
  out.result({ command: 'doctor', ok: code === EXIT.OK, exitCode: code, source: src.name, summary, checks: list.items });
  return code;
}

module.exports = {
  name: 'doctor',
  summary: 'check a live setup (old and new tenant) and print the fix for each problem',
  usage: 'doctor [options]',
  description: `
Checks, on the old tenant: discovery and RS256 keys, the Migration App's client credentials and its
read:users scope, the Password grant and the Connection (probed with a login of a user that cannot
exist: "wrong password" is the healthy answer), whether a claims producer marks migrated users, and
warns about brute-force protection seeing all logins from Auth0's IPs. On the new tenant: the
connection exists, custom database and import mode are on, both scripts are deployed and equal to
dist/ (SHA-256), the settings keys are present, and (when the old tenant's settings are given here)
whether the deployed settings are exactly these, from the salted hash deploy records in the
connection's metadata (alm_settings). With both tenants: whether the old users fit the new
connection (usernames and their length, from the old connection's settings when the Migration App
may read them, else from a sample of its users; the password policy, which does not keep them out).

With --live (the new tenant's app only; nothing else is checked): proves on Auth0's own runtime,
before any connection uses the scripts, that the built login.js runs there. It creates a temporary
database connection (named alm-probe-..., enabled for this tool's app only, import off) whose Login
script is dist/login.js inside a probe, logs in through it twice (the Password grant of this tool's
app), reads the facts back from the ID token (Node version, WebAssembly, the real core's answer,
configuration, zlib/crypto/fetch/Buffer, whether \`global\` is kept, load time), prints a PASS/FAIL
verdict with each fix, and deletes the connection: at the end, on an error and on Ctrl-C. A connection
an interrupted run left is removed by the next run. Needs create:connections, read:connections,
update:connections and delete:connections, and the Password grant on this tool's app.

With --source rest: instead of the old tenant, your user store is checked against
docs/rest-contract.md, one line per rule, each failure with its fix: it is reachable and accepts the
scripts' signature (Shared_Secret), refuses an unsigned or wrongly signed request (401 bad_signature)
and a timestamp outside the 300 s window (401 stale_timestamp), answers an unknown user 404 not_found;
with --user (a test user of the store; its password is asked, or read from stdin) a wrong password is
401 wrong_credentials (one failure the store counts) and the right one returns a profile the built
scripts accept, the same from both endpoints; every reply is a JSON object under 64 KiB whose status
and code agree. The built dist/rest scripts make the requests and judge the replies, in the sandbox
emulation. With the new tenant's values, its connection is checked against dist/rest/.

With any other --source (oidc, ...): each credential the scripts use is checked by the built scripts
themselves: get_user for a made-up user must answer "no such user" (the lookup's credentials are
accepted) and login for it "wrong email or password" (the login client is accepted); an Error prints
the core's message, which names the setting, and the fix. With --user, a wrong password must be
refused (one failure the source counts) and the right one must migrate, with get_user finding the
same user.

Exit 0 when nothing failed (warnings allowed), 1 when a check failed (--live: a FAIL), 3 when Auth0
refused (credentials, scopes, grant), 130 when interrupted.`,
  options: {
    ...SOURCE_OPTION,
    user: { type: 'string', arg: 'ID', help: 'with --source other than auth0: a test user of the source (its password is asked, or read from stdin)' },
    only: { type: 'string', arg: 'old|new', help: 'check one tenant only (default: each tenant whose values are given)' },
    live: { type: 'boolean', help: "probe the new tenant's runtime with the built login.js on a temporary connection (then deleted)" },
  },
  groups: [["Old tenant (the scripts' settings)", OLD_TENANT], ...SOURCE_GROUPS, ['New tenant', NEW_TENANT], ['Build', DIST]],
  run,
};
