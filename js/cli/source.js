'use strict';
/**
 * `--source auth0|rest|oidc`: which source the scripts migrate users from, and for that source the
 * built scripts and the settings, read the way the auth0 source's are (flags, then the environment
 * or --secrets-file for the secret) and judged by the engine export js/sources.js names.
 *
 * Why here and not in each command: try, deploy and doctor need the same three answers (which
 * scripts, which settings, is this source in this build) and the commands that need every user of
 * the source (export, status, tail, retire) the same refusal, worded once.
 */

const { SOURCES, NAMES, DEFAULT, SCRIPTS, scriptFile } = require('../sources');
const { UsageError, UpstreamError } = require('./errors');
const { didYouMean } = require('./suggest');
const { distDir, readDist, loadEngine, manifestOf } = require('./dist');
const settingsCheck = require('./settings');
const { OLD_TENANT, pickValue, requireSecret, oldSettings, applySettingFlags, settingSource } = require('./options');

/** The option itself (commands add it to their `options`). */
const SOURCE_OPTION = {
  source: {
    type: 'string',
    arg: NAMES.join('|'),
    env: 'ALM_SOURCE',
    help: `where the users come from (default ${DEFAULT}): ${NAMES.join(', ')}; docs/runbook.md "Other sources"`,
  },
};

/** --source rest: the store serving docs/rest-contract.md. */
const REST_STORE = {
  'rest-base-url': {
    type: 'string',
    arg: 'URL',
    env: 'ALM_REST_BASE_URL',
    setting: 'Base_URL',
    help: "the user store's base URL, https://host[:port][/path] (setting Base_URL); its secret: ALM_REST_SHARED_SECRET",
  },
  'rest-verify-path': {
    type: 'string',
    arg: 'PATH',
    env: 'ALM_REST_VERIFY_PATH',
    setting: 'Verify_Path',
    help: 'the password check under the base URL (setting Verify_Path; default /verify-password)',
  },
  'rest-find-path': { type: 'string', arg: 'PATH', env: 'ALM_REST_FIND_PATH', setting: 'Find_Path', help: 'the user lookup under the base URL (setting Find_Path; default /find-user)' },
};

/** --source oidc: the provider (the settings its engine check will judge once it is built). */
const OIDC_PROVIDER = {
  'oidc-issuer': { type: 'string', arg: 'URL', env: 'ALM_OIDC_ISSUER', setting: 'Issuer', help: "the provider's issuer URL (setting Issuer)" },
  'oidc-client-id': { type: 'string', arg: 'ID', env: 'ALM_OIDC_CLIENT_ID', setting: 'Client_ID', help: 'the client the scripts log in with (setting Client_ID); its secret: ALM_OIDC_CLIENT_SECRET' },
};

/**
 * --source firebase: the project. The Web API key is not a secret (apps ship it) and may be a flag;
 * the service account's private key is one: only ALM_FIREBASE_SERVICE_ACCOUNT_KEY (environment or
 * --secrets-file). The emulator host has a variable of its own, not Firebase's
 * FIREBASE_AUTH_EMULATOR_HOST: that one, left set for other tools, would silently turn a real
 * migration's checks into emulator checks.
 */
const FIREBASE_PROJECT = {
  'firebase-project-id': { type: 'string', arg: 'ID', env: 'ALM_FIREBASE_PROJECT_ID', setting: 'Project_ID', help: 'the Firebase project id (setting Project_ID)' },
  'firebase-api-key': { type: 'string', arg: 'KEY', env: 'ALM_FIREBASE_API_KEY', setting: 'API_Key', help: "the project's Web API key (setting API_Key; not a secret)" },
  'firebase-service-account': {
    type: 'string',
    arg: 'EMAIL',
    env: 'ALM_FIREBASE_SERVICE_ACCOUNT_EMAIL',
    setting: 'Service_Account_Email',
    help: 'the service account get_user reads users with (setting Service_Account_Email); its private key: ALM_FIREBASE_SERVICE_ACCOUNT_KEY',
  },
  'firebase-emulator-host': {
    type: 'string',
    arg: 'HOST:PORT',
    env: 'ALM_FIREBASE_EMULATOR_HOST',
    setting: 'Emulator_Host',
    help: 'tests only: a Firebase Auth emulator on loopback, e.g. 127.0.0.1:9099 (setting Emulator_Host)',
  },
};

/**
 * --source cognito: the user pool. The app client's secret and the IAM key's secret are secrets:
 * only ALM_COGNITO_CLIENT_SECRET and ALM_COGNITO_SECRET_ACCESS_KEY (environment or --secrets-file).
 */
const COGNITO_POOL = {
  'cognito-region': { type: 'string', arg: 'REGION', env: 'ALM_COGNITO_REGION', setting: 'Region', help: "the user pool's AWS region, e.g. eu-west-1 (setting Region)" },
  'cognito-user-pool-id': { type: 'string', arg: 'ID', env: 'ALM_COGNITO_USER_POOL_ID', setting: 'User_Pool_ID', help: 'the user pool id (setting User_Pool_ID)' },
  'cognito-client-id': {
    type: 'string',
    arg: 'ID',
    env: 'ALM_COGNITO_CLIENT_ID',
    setting: 'Client_ID',
    help: 'the app client with USER_PASSWORD_AUTH (setting Client_ID); its secret, if any: ALM_COGNITO_CLIENT_SECRET',
  },
  'cognito-access-key-id': {
    type: 'string',
    arg: 'ID',
    env: 'ALM_COGNITO_ACCESS_KEY_ID',
    setting: 'Access_Key_ID',
    help: 'the IAM access key allowed cognito-idp:ListUsers (setting Access_Key_ID); its secret: ALM_COGNITO_SECRET_ACCESS_KEY',
  },
  'cognito-endpoint': { type: 'string', arg: 'URL', env: 'ALM_COGNITO_ENDPOINT', setting: 'Endpoint', help: 'tests only: an emulator instead of Cognito (setting Endpoint)' },
};

/**
 * What the command line adds to each source of js/sources.js: its options group, its secret, and
 * the fix lines of deploy's settings probes (proof.js) when they are not the auth0 source's.
 */
const CLI = {
  auth0: { group: OLD_TENANT, title: "Old tenant (the scripts' settings, --source auth0)", secrets: [{ env: 'ALM_CLIENT_SECRET', setting: 'Client_Secret' }] },
  rest: {
    group: REST_STORE,
    title: 'User store (--source rest; optional settings with --setting, e.g. Log_Identifiers=true)',
    secrets: [{ env: 'ALM_REST_SHARED_SECRET', setting: 'Shared_Secret' }],
    fixes: {
      get_user:
        'check Base_URL (--rest-base-url), Find_Path and ALM_REST_SHARED_SECRET (the same secret as the store); `auth0-lazy-migrate doctor --source rest` checks the store rule by rule against docs/rest-contract.md',
      login: 'check Verify_Path (--rest-verify-path) and that the store answers an unknown user 404 {"error":"not_found"}; `auth0-lazy-migrate doctor --source rest` names the rule',
    },
  },
  oidc: {
    group: OIDC_PROVIDER,
    title: 'OpenID Connect provider (--source oidc; other settings with --setting, e.g. Lookup=scim)',
    // The Okta API token (Lookup okta) is a secret too: never a flag, like the client secret.
    secrets: [
      { env: 'ALM_OIDC_CLIENT_SECRET', setting: 'Client_Secret' },
      { env: 'ALM_OIDC_OKTA_API_TOKEN', setting: 'Okta_API_Token' },
    ],
    fixes: {
      get_user: 'check Lookup and its settings: SCIM, the bearer client and its scope; Keycloak, the client\'s view-users role; Okta, ALM_OIDC_OKTA_API_TOKEN (docs/oidc-source.md "At the provider")',
      login:
        'check Issuer (--oidc-issuer), Client_ID and ALM_OIDC_CLIENT_SECRET, and that the client may use the password grant (Keycloak: Direct access grants; Okta: Resource Owner Password) (docs/oidc-source.md "At the provider")',
    },
  },
  firebase: {
    group: FIREBASE_PROJECT,
    title: 'Firebase project (--source firebase; other settings with --setting, e.g. User_ID_Prefix=fb-)',
    secrets: [{ env: 'ALM_FIREBASE_SERVICE_ACCOUNT_KEY', setting: 'Service_Account_Private_Key' }],
    doc: 'docs/firebase-source.md',
    fixes: {
      get_user:
        'check Project_ID (--firebase-project-id), Service_Account_Email (--firebase-service-account) and ALM_FIREBASE_SERVICE_ACCOUNT_KEY, and that the service account has the Firebase Authentication Viewer role (docs/firebase-source.md "In Firebase")',
      login: 'check API_Key (--firebase-api-key) and Project_ID, and that Email/Password sign-in is enabled (docs/firebase-source.md "In Firebase")',
    },
  },
  cognito: {
    group: COGNITO_POOL,
    title: 'Amazon Cognito user pool (--source cognito; other settings with --setting, e.g. User_ID_Prefix=cog-)',
    secrets: [
      { env: 'ALM_COGNITO_CLIENT_SECRET', setting: 'Client_Secret' },
      { env: 'ALM_COGNITO_SECRET_ACCESS_KEY', setting: 'Secret_Access_Key' },
    ],
    doc: 'docs/cognito-source.md',
    fixes: {
      get_user:
        'check Region, User_Pool_ID, Access_Key_ID (--cognito-access-key-id) and ALM_COGNITO_SECRET_ACCESS_KEY, and that the IAM key may call cognito-idp:ListUsers on the pool (docs/cognito-source.md "In AWS")',
      login: 'check Client_ID (--cognito-client-id) and ALM_COGNITO_CLIENT_SECRET, and that the app client allows USER_PASSWORD_AUTH (docs/cognito-source.md "In AWS")',
    },
  },
};

/**
 * The settings options of the sources other than auth0, as [title, spec] groups for a command's
 * `groups` (the auth0 source's, OLD_TENANT, keep their place and title in each command).
 */
const SOURCE_GROUPS = NAMES.filter((n) => n !== DEFAULT).map((n) => [CLI[n].title, CLI[n].group]);

/** The source asked for: {name, dir, check, lists, what, ...}. An unknown name is exit 2. */
function pickSource(ctx) {
  const raw = pickValue(ctx, SOURCE_OPTION, 'source');
  const name = raw === undefined ? DEFAULT : String(raw).trim().toLowerCase();
  if (!NAMES.includes(name)) {
    throw new UsageError(`--source "${raw}" is not a source${didYouMean(name, NAMES)}`, { hint: `give one of ${NAMES.join(', ')} (--source or ALM_SOURCE)` });
  }
  return { ...SOURCES[name], ...CLI[name] };
}

/**
 * Refuses a source this build does not have (exit 3, the local setup): its scripts missing from
 * dist/manifest.json or its settings check missing from dist/engine.js. Returns the engine.
 */
function requireBuilt(ctx, src) {
  const dir = distDir(ctx);
  const listed = manifestOf(dir).artifacts.map((a) => a && a.file);
  const files = SCRIPTS.map((s) => scriptFile(src.name, s.kind));
  const missing = files.filter((f) => !listed.includes(f));
  const engine = loadEngine(dir);
  if (missing.length || typeof engine[src.check] !== 'function') {
    const why = missing.length ? `dist/manifest.json lists no ${missing.join(' or ')}` : `dist/engine.js has no ${src.check}`;
    throw new UpstreamError(`the ${src.name} source is not in this build yet (${why})`, {
      hint: `build a version that has it (\`make dist\`), or use --source ${NAMES.filter((n) => n !== src.name).join(' or ')}`,
    });
  }
  return engine;
}

/** The source's two built scripts: {login, get_user}, each as js/cli/dist.js readDist returns it. */
function sourceScripts(ctx, src) {
  requireBuilt(ctx, src);
  const dir = distDir(ctx);
  return Object.fromEntries(SCRIPTS.map((s) => [s.kind, readDist(dir, scriptFile(src.name, s.kind))]));
}

/** Where the operator sets a key of `src`: its flag and variable, its secret's variable, or --setting. */
function whereOf(src) {
  if (src.name === 'auth0') return settingSource;
  return (key) => {
    const secret = src.secrets.find((x) => x.setting === key);
    if (secret) return `${secret.env} (environment or --secrets-file)`;
    const [flag, o] = Object.entries(src.group).find(([, x]) => x.setting === key) || [];
    return flag ? `--${flag} or ${o.env}` : `--setting ${key}=...`;
  };
}

/**
 * The settings the source's scripts will read, from flags, the environment and --secrets-file, judged
 * by the engine (an unknown key or a value the scripts would refuse: exit 2). The auth0 source's are
 * options.oldSettings, unchanged.
 */
function sourceSettings(ctx, src) {
  if (src.name === 'auth0') return oldSettings(ctx);
  const engine = requireBuilt(ctx, src);
  const s = {};
  for (const [flag, o] of Object.entries(src.group)) {
    const v = pickValue(ctx, src.group, flag);
    if (v !== undefined) s[o.setting] = String(v).trim();
  }
  for (const x of src.secrets) {
    const secret = ctx.env[x.env];
    if (secret !== undefined && secret !== '') s[x.setting] = requireSecret(ctx, x.env, `setting ${x.setting}`);
  }
  applySettingFlags(ctx, s, src.secrets.map((x) => x.env).join(' or '));
  settingsCheck.checkSettings(engine, s, { where: whereOf(src), check: src.check });
  return s;
}

/** Whether any of the source's settings were given (doctor decides what to check from this). */
function hasSourceSettings(ctx, src) {
  return Object.keys(src.group).some((k) => pickValue(ctx, src.group, k) !== undefined) || src.secrets.some((x) => ctx.env[x.env] !== undefined && ctx.env[x.env] !== '');
}

/**
 * For the commands that need every user of the source (an export job for the auth0 source, the
 * engine's listing for the others): a source that cannot list them (`lists`, js/sources.js) is
 * refused (exit 2) before any request, with why and what to do instead.
 */
function refuseUnlisted(ctx, command) {
  const src = pickSource(ctx);
  if (!src.lists) return src;
  throw cannotList(command, src, `this source cannot list its users: ${src.lists}`);
}

/**
 * The refusal of a source that cannot list its users, for a reason known only once it was asked
 * (stream/listing.js: a rest store without the optional list call, an oidc `Lookup` of none).
 */
function cannotList(command, src, reason) {
  const fix =
    src.name === 'rest'
      ? 'implement the optional list call of docs/rest-contract.md ("Listing users") in your store (`doctor --source rest` checks it), or'
      : src.name === 'oidc'
        ? 'set Lookup to scim, keycloak or okta (docs/oidc-source.md), or'
        : '';
  return new UsageError(`${command} --source ${src.name}: ${reason}; nothing was done`, {
    hint: `${fix ? `${fix} ` : ''}users who never log in stay in your ${src.name} source: keep it serving until they have, or import them yourself (Auth0's bulk user import), then deploy the retired scripts by hand (dist/retired/)`,
  });
}

module.exports = {
  SOURCE_OPTION,
  REST_STORE,
  OIDC_PROVIDER,
  FIREBASE_PROJECT,
  COGNITO_POOL,
  SOURCE_GROUPS,
  CLI,
  pickSource,
  requireBuilt,
  sourceScripts,
  sourceSettings,
  hasSourceSettings,
  refuseUnlisted,
  cannotList,
  whereOf,
};
