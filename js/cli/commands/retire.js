'use strict';
/**
 * `retire`: the end of the migration. The retired scripts (dist/retired/) answer "no such user"
 * without asking the old tenant, so the old tenant can be switched off; Import Users stays on.
 * Without --deploy this only builds them if needed and says where they go; with --deploy it installs
 * them on the new tenant's connection (and removes the old tenant's settings, which they do not read).
 */

const fs = require('node:fs');
const path = require('node:path');
const { NEW_TENANT, DIST } = require('../options');
const { distDir, readDist, DEFAULT_DIST } = require('../dist');
const { deployToConnection } = require('./deploy');
const { runMake } = require('./build');
const { EXIT } = require('../errors');

async function run(ctx) {
  const { values, out } = ctx;
  const dir = distDir(ctx);
  const missing = ['retired/login.js', 'retired/get_user.js'].some((f) => !fs.existsSync(path.join(dir, f)));
  if (values.build || missing) {
    if (missing) out.info(`${path.join(dir, 'retired')} is missing: building`);
    await runMake({ out: dir === DEFAULT_DIST ? null : dir, dryRun: false, log: (m) => out.info(m) });
  }
  const login = readDist(dir, 'retired/login.js');
  const getUser = readDist(dir, 'retired/get_user.js');
  out.line('retired scripts (they answer "no such user" and call nothing):');
  out.line(`  ${login.file}  sha256 ${login.sha256.slice(0, 16)}  -> Custom Database > Login`);
  out.line(`  ${getUser.file}  sha256 ${getUser.sha256.slice(0, 16)}  -> Custom Database > Get User`);
  let code = EXIT.OK;
  if (values.deploy) {
    out.line('');
    code = await deployToConnection(ctx, {
      scripts: { login: login.text, get_user: getUser.text },
      configuration: {},
      what: 'the retired scripts',
      dropSettings: true,
    });
  } else {
    out.line('install them with `auth0-lazy-migrate retire --deploy`, or paste them in the dashboard');
    out.result({ command: 'retire', ok: true, exitCode: code, scripts: [login, getUser].map((s) => ({ file: s.rel, sha256: s.sha256 })) });
  }
  if (code === EXIT.OK && !values['dry-run']) {
    out.line('');
    out.line('Keep "Import Users to Auth0" on. Once no script calls the old tenant any more, delete the');
    out.line("Migration App's client secret (or the app) on the old tenant, and the post-login Action there.");
  }
  return code;
}

module.exports = {
  name: 'retire',
  summary: 'build and (with --deploy) install the retired scripts: the migration is over',
  usage: 'retire [--deploy [--dry-run] [--force]] [options]',
  description: `
At the end of the migration (after \`tail\`), the scripts stop asking the old tenant: dist/retired/login.js
answers every unknown user "wrong email or password" (logged as an unknown user) and
dist/retired/get_user.js answers "no such user". Builds them if they are missing (or with --build) and
prints where they go. With --deploy, installs them on the new tenant's connection like \`deploy\`
(same checks, --dry-run and --force) and removes the old tenant's settings from it.`,
  options: {
    deploy: { type: 'boolean', help: "install them on the new tenant's connection" },
    'dry-run': { type: 'boolean', help: 'with --deploy: print the changes and change nothing' },
    force: { type: 'boolean', help: 'with --deploy: replace scripts not written by auth0-lazy-migrate' },
    build: { type: 'boolean', help: 'rebuild first (make dist)' },
  },
  groups: [['New tenant (with --deploy)', NEW_TENANT], ['Build', DIST]],
  run,
};
