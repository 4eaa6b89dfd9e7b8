'use strict';
/**
 * `export`: the configuration `deploy` would apply, as files for the operator's own tooling:
 * - an Auth0 Deploy CLI directory: database-connections/<name>/database.json with
 *   options.customScripts pointing at ./login.js and ./get_user.js beside it;
 * - a Terraform `auth0_connection` resource reading the same script files.
 * Any source's (--source): its built scripts and its settings, judged by its own engine check.
 * A secret setting is never written: each is a keyword named after its variable (##ALM_CLIENT_SECRET##,
 * ##ALM_REST_SHARED_SECRET##, ...) for the Deploy CLI (AUTH0_KEYWORD_REPLACE_MAPPINGS) and a
 * sensitive variable for Terraform.
 */

const fs = require('node:fs');
const path = require('node:path');
const { OLD_TENANT, NEW_TENANT, DIST, oldSettings, requireValue, SECRET_SETTING } = require('../options');
const { distDir, readDist, sha256 } = require('../dist');
const { EXIT, UsageError, UpstreamError } = require('../errors');
const { SOURCE_OPTION, SOURCE_GROUPS, pickSource, requireBuilt, sourceSettings } = require('../source');
const { scriptFile } = require('../../sources');

/**
 * The Terraform variable of a secret: the auth0 source's keeps its name since v0.1; the others are
 * their environment variable's, in lower case (alm_rest_shared_secret).
 */
const tfVar = (env) => (env === 'ALM_CLIENT_SECRET' ? 'alm_old_client_secret' : env.toLowerCase());

/** A file name for a connection name, as the Deploy CLI sanitises it (no path separators or specials). */
function folderName(name) {
  return name.replace(/[\\/:*?"<>|]/g, '-');
}

/** A Terraform (HCL) string literal. */
function hcl(s) {
  return `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\$\{/g, '$${').replace(/%\{/g, '%%{')}"`;
}

function write(files, file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  files.push({ file, bytes: Buffer.byteLength(text), sha256: sha256(text) });
}

async function run(ctx) {
  const { values, out } = ctx;
  const src = pickSource(ctx);
  if (!values.out) throw new UsageError('missing --out DIR (where to write the files)');
  const format = values.format || 'both';
  if (!['deploy-cli', 'terraform', 'both'].includes(format)) throw new UsageError('--format is deploy-cli, terraform or both');
  const connection = requireValue(ctx, NEW_TENANT, 'new-connection', "the new tenant's connection the files configure");
  const dir = distDir(ctx);
  // Another source's scripts must be in this build (requireBuilt says which build has them).
  if (!values.retired && src.name !== 'auth0') requireBuilt(ctx, src);
  const fileOf = (kind) => (values.retired ? `retired/${kind}.js` : scriptFile(src.name, kind));
  const login = readDist(dir, fileOf('login'));
  const getUser = readDist(dir, fileOf('get_user'));
  for (const s of [login, getUser]) {
    // The Deploy CLI rewrites ##KEY## and @@KEY@@ inside script files; the build refuses them too.
    if (/##|@@/.test(s.text)) throw new UpstreamError(`${s.rel} contains ## or @@, which the Deploy CLI would rewrite`, { hint: 'rebuild with `make dist`' });
  }
  // The auth0 source's settings are judged without its secret; another source's with its secrets (their
  // rules, e.g. a shared secret's length, need the value), which are then left out like the auth0 one.
  const settings = values.retired ? {} : src.name === 'auth0' ? oldSettings(ctx, { secret: false }) : sourceSettings(ctx, src);
  const secrets = values.retired ? [] : src.secrets.filter((x) => src.name === 'auth0' || settings[x.setting] !== undefined);
  const plain = Object.fromEntries(Object.entries(settings).filter(([k]) => !secrets.some((x) => x.setting === k)));
  for (const k of Object.keys(plain)) {
    if (SECRET_SETTING.test(k)) throw new UsageError(`setting ${k} looks like a secret; export writes secrets only as variables`);
  }
  const outDir = path.resolve(values.out);
  const files = [];
  const configuration = { ...plain, ...Object.fromEntries(secrets.map((x) => [x.setting, `##${x.env}##`])) };
  const secretOf = (key) => secrets.find((x) => x.setting === key);

  if (format !== 'terraform') {
    const base = path.join(outDir, 'deploy-cli');
    const folder = path.join(base, 'database-connections', folderName(connection));
    const database = {
      name: connection,
      strategy: 'auth0',
      options: {
        customScripts: { login: './login.js', get_user: './get_user.js' },
        enabledDatabaseCustomization: true,
        import_mode: true,
        configuration,
      },
    };
    write(files, path.join(folder, 'database.json'), `${JSON.stringify(database, null, 2)}\n`);
    write(files, path.join(folder, 'login.js'), login.text);
    write(files, path.join(folder, 'get_user.js'), getUser.text);
    write(
      files,
      path.join(base, 'config.example.json'),
      `${JSON.stringify(
        {
          AUTH0_DOMAIN: 'NEW-TENANT.eu.auth0.com',
          AUTH0_CLIENT_ID: 'the Deploy CLI app of the new tenant',
          AUTH0_KEYWORD_REPLACE_MAPPINGS: Object.fromEntries(secrets.map((x) => [x.env, 'fill in from your secret store at deploy time; never commit it'])),
          AUTH0_INCLUDED_ONLY: ['databases'],
          AUTH0_ALLOW_DELETE: false,
        },
        null,
        2
      )}\n`
    );
  }

  if (format !== 'deploy-cli') {
    const base = path.join(outDir, 'terraform');
    const cfgLines = Object.entries(configuration).map(([k, v]) => {
      const value = secretOf(k) ? `var.${tfVar(secretOf(k).env)}` : hcl(v);
      return `      ${k.padEnd(Math.max(...Object.keys(configuration).map((x) => x.length)))} = ${value}`;
    });
    const tf = [
      "# Generated by auth0-lazy-migrate export: the new tenant's connection for the lazy migration.",
      `# The ${src.name} source's scripts are read from the files beside this one${values.retired ? ' (the retired ones: no settings).' : secrets.length ? '; each secret is a sensitive variable.' : '.'}`,
      '# If the connection exists already: terraform import auth0_connection.lazy_migration <con_id>.',
      "# Auth0 replaces the whole options block on update: add the connection's other options here",
      '# (password policy, MFA, ...) or Terraform will reset them.',
      '',
      ...secrets.flatMap((x) => [
        `variable ${hcl(tfVar(x.env))} {`,
        `  description = ${hcl(x.env === 'ALM_CLIENT_SECRET' ? "The old tenant's Migration App client secret (setting Client_Secret)." : `The ${src.name} source's setting ${x.setting} (${x.env}).`)}`,
        '  type        = string',
        '  sensitive   = true',
        '}',
        '',
      ]),
      'resource "auth0_connection" "lazy_migration" {',
      `  name     = ${hcl(connection)}`,
      '  strategy = "auth0"',
      '',
      '  options {',
      '    enabled_database_customization = true',
      '    import_mode                    = true',
      '    custom_scripts = {',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's own interpolation, written out literally
      '      login    = file("${path.module}/login.js")',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's own interpolation, written out literally
      '      get_user = file("${path.module}/get_user.js")',
      '    }',
      ...(cfgLines.length ? ['    configuration = {', ...cfgLines, '    }'] : []),
      '  }',
      '}',
      '',
    ].join('\n');
    write(files, path.join(base, 'auth0_connection.tf'), tf);
    write(files, path.join(base, 'login.js'), login.text);
    write(files, path.join(base, 'get_user.js'), getUser.text);
  }

  out.line(`wrote ${files.length} file(s) under ${outDir}:`);
  for (const f of files) out.line(`  ${path.relative(outDir, f.file)} (${f.bytes} bytes)`);
  if (secrets.length) {
    out.line('');
    for (const x of secrets) {
      if (format !== 'terraform') out.line(`Deploy CLI: set AUTH0_KEYWORD_REPLACE_MAPPINGS {"${x.env}": ...} from your secret store; database.json holds ##${x.env}##.`);
      if (format !== 'deploy-cli') out.line(`Terraform: set the sensitive variable ${tfVar(x.env)} (e.g. TF_VAR_${tfVar(x.env)}) from your secret store.`);
    }
  }
  out.result({
    command: 'export',
    ok: true,
    exitCode: EXIT.OK,
    source: src.name,
    out: outDir,
    format,
    retired: !!values.retired,
    files: files.map((f) => ({ ...f, file: path.relative(outDir, f.file) })),
  });
  return EXIT.OK;
}

module.exports = {
  name: 'export',
  summary: 'write the same configuration as an Auth0 Deploy CLI directory and as Terraform',
  usage: 'export --out DIR [--format deploy-cli|terraform|both] [options]',
  description: `
Writes what \`deploy\` would apply, for teams that manage the tenant as code:
  DIR/deploy-cli/database-connections/<connection>/database.json, login.js, get_user.js
      (the Auth0 Deploy CLI directory format), and config.example.json
  DIR/terraform/auth0_connection.tf, login.js, get_user.js
      (an auth0_connection resource of the Auth0 Terraform provider)
The old tenant's client secret is never written: ##ALM_CLIENT_SECRET## (Deploy CLI keyword) and
var.alm_old_client_secret (sensitive Terraform variable) stand for it. Both tools replace the whole
options object of the connection: merge these options with the ones you already manage.

With --source rest, oidc, firebase or cognito the files carry that source's scripts and settings,
checked by its own rules (its secrets are read for that, from the environment or --secrets-file, as
deploy reads them); each secret is written only as a keyword named after its variable
(##ALM_REST_SHARED_SECRET##, ...) and a sensitive Terraform variable (alm_rest_shared_secret, ...).`,
  options: {
    ...SOURCE_OPTION,
    out: { type: 'string', arg: 'DIR', help: 'folder to write into' },
    format: { type: 'string', arg: 'FORMAT', help: 'deploy-cli, terraform or both (default both)' },
    retired: { type: 'boolean', help: 'export the retired scripts (no settings) instead' },
  },
  groups: [['Old tenant (the settings written; never the secret)', OLD_TENANT], ...SOURCE_GROUPS, ['New tenant', { 'new-connection': NEW_TENANT['new-connection'] }], ['Build', DIST]],
  run,
  hcl,
};
