'use strict';
/**
 * Every environment variable the command line reads, for the top-level help.
 *
 * Why derived: the variables are declared once, as the `env` of an option spec (options.js and each
 * command's options) or as a secret (options.SECRET_ENV, never a flag). Listing them from there means
 * a new option's variable shows in `--help` without anyone retyping it;
 * tests/js/command-facts.test.js checks that every ALM_* name in js/cli/ is listed.
 */

const { COMMON, SECRET_ENV } = require('./options');

/** What each secret is (variables without a flag: secrets never come from flags). */
const SECRET_HELP = {
  ALM_CLIENT_SECRET: "old tenant's Migration App client secret (setting Client_Secret)",
  ALM_NEW_CLIENT_SECRET: "new tenant's M2M app secret (this tool's app)",
  ALM_REST_SHARED_SECRET: '--source rest: the secret the user store and the scripts sign with (setting Shared_Secret)',
  ALM_OIDC_CLIENT_SECRET: '--source oidc: the OpenID Connect client secret (setting Client_Secret)',
  ALM_OIDC_OKTA_API_TOKEN: '--source oidc with Lookup okta: a read-only Okta API token (setting Okta_API_Token)',
  ALM_COGNITO_CLIENT_SECRET: "--source cognito: the app client's secret, if it has one (setting Client_Secret)",
  ALM_COGNITO_SECRET_ACCESS_KEY: "--source cognito: the IAM access key's secret, for ListUsers (setting Secret_Access_Key)",
  ALM_FIREBASE_SERVICE_ACCOUNT_KEY: "--source firebase: the service account's private key, the key file's private_key (setting Service_Account_Private_Key)",
};

/** The other variables without a flag, read directly by one module (named here so help lists them). */
const UNFLAGGED_HELP = {
  ALM_PROGRESS_INTERVAL_MS: 'test-only: the progress heartbeat interval in ms (js/cli/progress.js)',
};

/** All option specs of a command, as main.js merges them. */
function specsOf(cmd) {
  const spec = { ...COMMON, ...(cmd.options || {}) };
  for (const [, group] of cmd.groups || []) Object.assign(spec, group);
  return spec;
}

/**
 * [{name, flag, help, secret, commands}] for the given command modules, in first-seen order,
 * secrets last.
 */
function environmentVariables(cmds) {
  const byName = new Map();
  for (const cmd of cmds) {
    for (const [flag, o] of Object.entries(specsOf(cmd))) {
      if (!o.env) continue;
      if (!byName.has(o.env)) byName.set(o.env, { name: o.env, flag: `--${flag}`, help: o.help, secret: false, commands: [] });
      byName.get(o.env).commands.push(cmd.name);
    }
  }
  for (const name of SECRET_ENV) {
    byName.set(name, { name, flag: null, help: SECRET_HELP[name] || 'a secret', secret: true, commands: [] });
  }
  for (const [name, help] of Object.entries(UNFLAGGED_HELP)) byName.set(name, { name, flag: null, help, secret: false, commands: [] });
  return [...byName.values()];
}

/** The help lines: "  NAME  --flag  what it is". */
function environmentHelp(cmds) {
  const vars = environmentVariables(cmds);
  const width = Math.max(...vars.map((v) => v.name.length));
  return vars.map((v) => `  ${v.name.padEnd(width)}  ${(v.flag || (v.secret ? '(secret)' : '(no flag)')).padEnd(19)} ${v.help}`);
}

module.exports = { SECRET_HELP, UNFLAGGED_HELP, environmentVariables, environmentHelp };
