'use strict';
/**
 * Argument parsing (node:util parseArgs, strict), help text, and where each value comes from.
 *
 * Values come from flags, then from environment variables. Secrets come ONLY from environment
 * variables or from the JSON file named by --secrets-file (an object of the same ALM_* names, which
 * wins over the environment): never from flags, which end up in shell history and process lists.
 *
 * Two sets of values:
 * - the OLD tenant, i.e. the settings the scripts read (Domain, Client_ID, Client_Secret, Connection, ...):
 *   --domain, --client-id, --connection, ... / ALM_DOMAIN, ALM_CLIENT_ID, ALM_CLIENT_SECRET, ...
 * - the NEW tenant, where the scripts are deployed, reached with a machine-to-machine app of its own:
 *   --new-domain, --new-client-id, --new-connection / ALM_NEW_DOMAIN, ALM_NEW_CLIENT_ID,
 *   ALM_NEW_CLIENT_SECRET, ALM_NEW_CONNECTION.
 */

const fs = require('node:fs');
const { parseArgs } = require('node:util');
const { UsageError } = require('./errors');
const { distDir, loadEngine, currentEngine } = require('./dist');
const settingsCheck = require('./settings');
const facts = require('./command-facts');
const { suggest, didYouMean } = require('./suggest');

const BIN = 'auth0-lazy-migrate';

/** Options every command takes. */
const COMMON = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
  json: { type: 'boolean', help: 'print one JSON object on stdout instead of text' },
  'secrets-file': { type: 'string', arg: 'FILE', help: 'JSON object of ALM_* secrets (e.g. ALM_CLIENT_SECRET); wins over the environment' },
  debug: { type: 'boolean', help: 'print each HTTP request on stderr (method, URL, status, ms, Auth0 request id; never a secret) and the proxy used (HTTPS_PROXY, NO_PROXY)' },
};

/** The old tenant: what the scripts read as `configuration`. */
const OLD_TENANT = {
  domain: { type: 'string', arg: 'DOMAIN', env: 'ALM_DOMAIN', setting: 'Domain', help: "old tenant's domain (setting Domain)" },
  'client-id': { type: 'string', arg: 'ID', env: 'ALM_CLIENT_ID', setting: 'Client_ID', help: "old tenant's Migration App client id (setting Client_ID); its secret: ALM_CLIENT_SECRET" },
  connection: { type: 'string', arg: 'NAME', env: 'ALM_CONNECTION', setting: 'Connection', help: "old tenant's database connection (setting Connection; empty: Default Directory)" },
  audience: { type: 'string', arg: 'URL', env: 'ALM_AUDIENCE', setting: 'Audience', help: 'old Management API audience (setting Audience; for custom domains)' },
  'claims-namespace': { type: 'string', arg: 'URL', env: 'ALM_CLAIMS_NAMESPACE', setting: 'Claims_Namespace', help: "namespace of the Action's claims (setting Claims_Namespace)" },
  setting: { type: 'string', multiple: true, arg: 'KEY=VALUE', help: 'any other setting, e.g. User_ID_Prefix=old- (repeatable; never a secret)' },
};

/** The new tenant and the M2M app the command line uses there. */
const NEW_TENANT = {
  'new-domain': { type: 'string', arg: 'DOMAIN', env: 'ALM_NEW_DOMAIN', help: "new tenant's domain (its canonical domain, not a custom one)" },
  'new-client-id': { type: 'string', arg: 'ID', env: 'ALM_NEW_CLIENT_ID', help: "new tenant's M2M app for this tool; its secret: ALM_NEW_CLIENT_SECRET" },
  'new-connection': { type: 'string', arg: 'NAME', env: 'ALM_NEW_CONNECTION', help: "new tenant's database connection that receives the users" },
};

const DIST = {
  dist: { type: 'string', arg: 'DIR', env: 'ALM_DIST', help: 'folder of the built scripts (default: dist/ beside this tool)' },
};

/** The rest and oidc sources' secrets (js/cli/source.js) are here too: masked, refused as flags, allowed in --secrets-file. */
const SECRET_ENV = Object.freeze([
  'ALM_CLIENT_SECRET',
  'ALM_NEW_CLIENT_SECRET',
  'ALM_REST_SHARED_SECRET',
  'ALM_OIDC_CLIENT_SECRET',
  'ALM_OIDC_OKTA_API_TOKEN',
  'ALM_COGNITO_CLIENT_SECRET',
  'ALM_COGNITO_SECRET_ACCESS_KEY',
  'ALM_FIREBASE_SERVICE_ACCOUNT_KEY',
]);
/** Setting keys that hold secrets: refused from --setting, masked in output. */
const SECRET_SETTING = /secret|password|token|private|credential/i;

/**
 * Reads --secrets-file: a JSON object of ALM_* strings. Warns (via `warn`) if others can read it.
 * `known` (every name the commands read, derived from their option specs and SECRET_ENV by main.js with
 * environment.js): a key outside it is refused with the closest known name, because a mistyped
 * key (ALM_CLIENT_SECRT) would otherwise be ignored and the error would name only the missing one.
 */
function loadSecretsFile(file, warn, known = null) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --secrets-file ${file}: ${err.code || err.message}`);
  }
  let obj;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new UsageError(`--secrets-file ${file} is not valid JSON (expected an object like {"ALM_CLIENT_SECRET": "..."})`);
  }
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new UsageError(`--secrets-file ${file} must hold a JSON object`);
  for (const [k, v] of Object.entries(obj)) {
    if (!/^ALM_[A-Z0-9_]+$/.test(k)) throw new UsageError(`--secrets-file ${file}: key "${k}" is not an ALM_* variable name`);
    if (typeof v !== 'string') throw new UsageError(`--secrets-file ${file}: the value of ${k} must be a string`);
    if (known && !known.includes(k)) {
      throw new UsageError(`--secrets-file ${file}: unknown key "${k}"${didYouMean(k, known)}`, {
        hint: `correct the key; this tool reads ${SECRET_ENV.join(', ')} (and the other ALM_* names in \`--help\`), nothing else`,
      });
    }
  }
  try {
    if (process.platform !== 'win32' && fs.statSync(file).mode & 0o077) {
      warn(`${file} can be read by other users; chmod 600 it`);
    }
  } catch {
    /* stat failed after a successful read: ignore */
  }
  return obj;
}

/**
 * The usage error for what parseArgs refused. An unknown flag that looks like a secret (--client-secret,
 * --password, --token...) gets the one way secrets come in; any other unknown flag the closest real one.
 * Only the flag's name is ever repeated, never what follows it (it may be a secret).
 */
function unknownOption(err, spec) {
  const message = String(err.message).replace(/\. To specify a positional argument.*$/s, '');
  const m = err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /Unknown option '([^']+)'/.exec(message) : null;
  if (!m) return new UsageError(message);
  const flag = m[1];
  const name = flag.replace(/^-+/, '');
  if (SECRET_SETTING.test(name)) {
    // --client-secret -> ALM_CLIENT_SECRET, --new-client-secret -> ALM_NEW_CLIENT_SECRET; else all of them.
    const asEnv = `ALM_${name.toUpperCase().replace(/-/g, '_')}`;
    const env = SECRET_ENV.includes(asEnv) ? asEnv : suggest(asEnv, SECRET_ENV);
    const where = env ? `set ${env}` : `set ${SECRET_ENV.join(' or ')}`;
    // `try login` is the one command that takes a user's password: never as a flag either.
    const tryPassword = /pass/i.test(name) ? '; the password `try login` checks is asked without echo on a terminal, or read as the first line of stdin' : '';
    return new UsageError(`${message}: secrets are never taken from flags (they end up in shell history and process lists)`, {
      hint: `secrets come only from the environment or --secrets-file: ${where} in the environment, or put it in a JSON file given with --secrets-file FILE (e.g. {"${env || SECRET_ENV[0]}": "..."}, chmod 600)${tryPassword}`,
    });
  }
  const flags = Object.entries(spec).flatMap(([n, o]) => [`--${n}`, ...(o.short ? [`-${o.short}`] : [])]);
  return new UsageError(`${message}${didYouMean(flag, flags)}`);
}

/**
 * Parses argv for a command. Returns {values, positionals}. Throws UsageError on anything unknown.
 * `spec` maps option name -> {type, short?, multiple?, arg?, env?, help}.
 */
function parse(argv, spec, { positionals = 0 } = {}) {
  const options = {};
  for (const [name, o] of Object.entries(spec)) {
    options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: positionals > 0 });
  } catch (err) {
    throw unknownOption(err, spec);
  }
  if (parsed.positionals.length > positionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** The help text of a command, from its definition. */
function helpText(cmd) {
  const groups = [['Options', cmd.options || {}], ...(cmd.groups || []), ['Common', COMMON]];
  const lines = [`Usage: ${BIN} ${cmd.usage}`, '', ...cmd.description.trim().split('\n'), ''];
  for (const [title, spec] of groups) {
    const entries = Object.entries(spec);
    if (!entries.length) continue;
    lines.push(`${title}:`);
    for (const [name, o] of entries) {
      const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.arg ? ` ${o.arg}` : ''}`;
      const env = o.env ? ` [${o.env}]` : '';
      lines.push(`  ${flag.padEnd(30)} ${o.help}${env}`);
    }
    lines.push('');
  }
  // Scopes and examples are facts kept once, in command-facts.js (the runbook is checked against them).
  lines.push(...facts.scopesHelp(cmd.name), ...facts.examplesHelp(cmd.name, BIN));
  if (cmd.footer) lines.push(...cmd.footer.trim().split('\n'), '');
  return lines.join('\n');
}

/** One option for --help --json: what the text help shows, as data. */
function optionJson(name, o, group) {
  return {
    name,
    flag: `--${name}`,
    ...(o.short ? { short: `-${o.short}` } : {}),
    type: o.type,
    ...(o.multiple ? { multiple: true } : {}),
    ...(o.arg ? { arg: o.arg } : {}),
    ...(o.env ? { env: o.env } : {}),
    help: o.help,
    group,
  };
}

/** The help of a command as one JSON object (--help --json), from the same definition as helpText. */
function helpJson(cmd) {
  const groups = [['Options', cmd.options || {}], ...(cmd.groups || []), ['Common', COMMON]];
  return {
    command: cmd.name,
    usage: `${BIN} ${cmd.usage}`,
    summary: cmd.summary,
    description: cmd.description.trim(),
    options: groups.flatMap(([title, spec]) => Object.entries(spec).map(([name, o]) => optionJson(name, o, title))),
    secretsFromEnvironment: SECRET_ENV,
    ...(cmd.footer ? { footer: cmd.footer.trim() } : {}),
  };
}

/** A value from the flag, else the environment (merged with the secrets file), else undefined. */
function pickValue(ctx, spec, name) {
  const v = ctx.values[name];
  if (v !== undefined) return v;
  const env = spec[name] && spec[name].env;
  if (env && ctx.env[env] !== undefined && ctx.env[env] !== '') return ctx.env[env];
  return undefined;
}

function requireValue(ctx, spec, name, why) {
  const v = pickValue(ctx, spec, name);
  if (v === undefined || String(v).trim() === '') {
    const env = spec[name].env ? ` or ${spec[name].env}` : '';
    throw new UsageError(`missing --${name}${env}${why ? ` (${why})` : ''}`);
  }
  return String(v).trim();
}

function requireSecret(ctx, name, why) {
  const v = ctx.env[name];
  if (v === undefined || v === '') {
    throw new UsageError(`missing ${name} (${why}); set it in the environment or in --secrets-file, never as a flag`);
  }
  return v;
}

/** Where the operator sets a settings key: "--domain or ALM_DOMAIN", "ALM_CLIENT_SECRET", "--setting KEY=...". */
function settingSource(key) {
  if (key === 'Client_Secret') return 'ALM_CLIENT_SECRET (environment or --secrets-file)';
  const [flag, o] = Object.entries(OLD_TENANT).find(([, x]) => x.setting === key) || [];
  return flag ? `--${flag}${o.env ? ` or ${o.env}` : ''}` : `--setting ${key}=...`;
}

/**
 * The scripts' settings (the old tenant) from flags/env, checked by the scripts' own code
 * (dist/engine.js checkSettings) so that every command refuses the same mistake the same way (exit 2):
 * an unknown key (Auth0 would silently ignore it) or a value the scripts would refuse at every login.
 * `secret: false` leaves Client_Secret out (for commands that write files with the secret as a variable).
 */
function oldSettings(ctx, { secret = true, connection = false } = {}) {
  const s = {
    Domain: requireValue(ctx, OLD_TENANT, 'domain', "the old tenant's domain"),
    Client_ID: requireValue(ctx, OLD_TENANT, 'client-id', "the old tenant's Migration App"),
  };
  if (secret) s.Client_Secret = requireSecret(ctx, 'ALM_CLIENT_SECRET', "the old tenant's Migration App client secret");
  const conn = pickValue(ctx, OLD_TENANT, 'connection');
  if (connection && (conn === undefined || String(conn).trim() === '')) {
    throw new UsageError(`missing --connection or ALM_CONNECTION (${connection})`);
  }
  if (conn !== undefined) s.Connection = String(conn).trim();
  const aud = pickValue(ctx, OLD_TENANT, 'audience');
  if (aud !== undefined) s.Audience = String(aud).trim();
  const ns = pickValue(ctx, OLD_TENANT, 'claims-namespace');
  if (ns !== undefined) s.Claims_Namespace = String(ns).trim();
  applySettingFlags(ctx, s, 'ALM_CLIENT_SECRET');
  const engine = loadEngine(distDir(ctx));
  // Without the secret, a placeholder stands in so that only the values given here are judged.
  settingsCheck.checkSettings(engine, secret ? s : { ...s, Client_Secret: 'not-checked-here' }, { where: settingSource });
  return s;
}

/**
 * Adds each --setting KEY=VALUE to the settings `s` (any source's); a key named like a secret is refused,
 * with `secretEnv`, the variable that carries the source's secret, as the way to give it.
 */
function applySettingFlags(ctx, s, secretEnv) {
  for (const kv of ctx.values.setting || []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new UsageError(`--setting takes KEY=VALUE (got "${kv.replace(/=.*/, '=...')}")`);
    const key = kv.slice(0, i).trim();
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`--setting: "${key}" is not a settings key`);
    if (SECRET_SETTING.test(key)) {
      throw new UsageError(`--setting ${key}=...: secrets are never taken from flags; set ${secretEnv} in the environment or --secrets-file`);
    }
    s[key] = kv.slice(i + 1);
  }
  return s;
}

/** The new tenant: {domain, clientId, clientSecret, connection}. */
function newTenant(ctx, { connection = true } = {}) {
  const t = {
    domain: newDomain(ctx),
    clientId: requireValue(ctx, NEW_TENANT, 'new-client-id', "the new tenant's M2M app for this tool"),
    clientSecret: requireSecret(ctx, 'ALM_NEW_CLIENT_SECRET', "the new tenant's M2M app client secret"),
  };
  if (connection) t.connection = requireValue(ctx, NEW_TENANT, 'new-connection', "the new tenant's database connection");
  return t;
}

/**
 * The new tenant's domain, read with the rules of the scripts' `Domain` setting (the engine's):
 * a value of the wrong shape is exit 2, with what is wrong and the fix.
 */
function newDomain(ctx) {
  const raw = requireValue(ctx, NEW_TENANT, 'new-domain', "the new tenant's domain");
  // The dist's engine; without one there (doctor after retirement may point --dist at nothing),
  // the engine beside this tool: the domain rules are the same in every build.
  let engine;
  try {
    engine = loadEngine(distDir(ctx));
  } catch {
    engine = currentEngine();
  }
  const r = engine.normaliseDomain({ domain: raw });
  if (r.error) {
    throw new UsageError(`new tenant: "${raw}" is not a domain: it ${r.error}`, {
      hint: "correct --new-domain or ALM_NEW_DOMAIN: the tenant's canonical domain, e.g. tenant.eu.auth0.com or host:port",
    });
  }
  return r.domain;
}

/** Whether any value of a group was given (so a command can run only the parts it has values for). */
function hasAny(ctx, spec) {
  return Object.keys(spec).some((k) => pickValue(ctx, spec, k) !== undefined);
}

module.exports = {
  BIN,
  COMMON,
  OLD_TENANT,
  NEW_TENANT,
  DIST,
  SECRET_ENV,
  SECRET_SETTING,
  loadSecretsFile,
  parse,
  helpText,
  helpJson,
  optionJson,
  pickValue,
  requireValue,
  requireSecret,
  oldSettings,
  applySettingFlags,
  settingSource,
  newTenant,
  newDomain,
  hasAny,
};
