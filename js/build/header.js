'use strict';
/**
 * The comment each dist script starts with: what it is, which build, where it goes, what it reads.
 * An operator looking at a pasted script months later must be able to tell exactly which release
 * and which wasm it runs.
 */

/** "Domain, Client_ID, Client_Secret; optional: Connection, ..." from the engine's own key list. */
function settingsLine(keys) {
  const names = (required) =>
    keys
      .filter((k) => k.required === required)
      .map((k) => k.name)
      .join(', ');
  return `${names(true)}; optional: ${names(false)}`;
}
const SETTINGS = '__SETTINGS__';
const { SOURCES, scriptEntries } = require('../sources');

/**
 * Each source's Login and Get User scripts (js/sources.js: `from` says where the users come from,
 * `setup` the line that points at the source's own setup, if any): the paste lines are the same for
 * every source, as the scripts go to the same place.
 */
const PASTE = {
  login: [
    'NEW tenant > Authentication > Database > (your connection) > Custom Database:',
    'turn on "Use my own database", paste into Database Action Scripts > Login,',
    'and turn on "Import Users to Auth0" on the Settings tab.'
  ],
  get_user: ['NEW tenant > Authentication > Database > (your connection) > Custom Database:', 'paste into Database Action Scripts > Get User.']
};
const TITLE = { login: 'Login script', get_user: 'Get User script' };
const SOURCE_SCRIPTS = Object.fromEntries(
  scriptEntries().map((e) => {
    const src = SOURCES[e.source];
    const setup = e.kind === 'login' && src.setup ? [src.setup] : [];
    return [
      e.file,
      {
        title: `${TITLE[e.kind]} for lazy migration from ${src.from} (source: ${e.source})`,
        paste: [...PASTE[e.kind], ...setup],
        reads: `connection settings (Custom Database > Settings): ${SETTINGS}`
      }
    ];
  })
);

const WHERE = {
  ...SOURCE_SCRIPTS,
  'metadata-action.js': {
    title: 'post-login Action for the OLD tenant: metadata claims + migration mark',
    paste: ['OLD tenant > Actions > Library > Create Action > Build from scratch, trigger Login / Post Login;', 'paste, add the secrets, Deploy, then add it to Actions > Triggers > post-login.'],
    reads: 'Action secrets: MIGRATION_APP_CLIENT_ID, CLAIMS_NAMESPACE (optional)'
  },
  'retired/login.js': {
    title: 'retired Login script: the migration has ended, every unknown user is "no such user"',
    paste: ['NEW tenant, same place as login.js, at the end of the migration (keep Import Users on).'],
    reads: 'nothing'
  },
  'retired/get_user.js': {
    title: 'retired Get User script: the migration has ended, every unknown user is "no such user"',
    paste: ['NEW tenant, same place as get_user.js, at the end of the migration.'],
    reads: 'nothing'
  },
  'engine.js': {
    title: 'the migration module for Node tools (not an Auth0 script)',
    paste: ['nowhere: `require` it from Node (the command line does).'],
    reads: 'nothing by itself: callers pass the settings'
  },
  'metadata-rule.js': {
    title: 'legacy Rule for the OLD tenant (Rules reached end of life on 18 Nov 2026: use metadata-action.js)',
    paste: ['OLD tenant > Auth Pipeline > Rules, only where Rules still run.'],
    reads: 'Rules settings: MIGRATION_APP_CLIENT_ID, CLAIMS_NAMESPACE (optional)'
  }
};

/**
 * @param {string} file   dist file name
 * @param {object} build  { version, commit, wasmSha256 (or null for scripts without wasm) }
 */
function header(file, build) {
  const w = WHERE[file];
  if (!w) throw new Error(`no header text for ${file}`);
  if (!Array.isArray(build.settingsKeys)) throw new Error("the header needs the engine's settings keys");
  const lines = [
    `auth0-lazy-migrate ${build.version} - ${w.title}`,
    `commit ${build.commit}`,
    ...(build.wasmSha256 ? [`embedded wasm sha256 ${build.wasmSha256}`] : []),
    'Paste into:',
    ...w.paste.map((l) => `  ${l}`),
    `Reads: ${w.reads.replace(SETTINGS, settingsLine(build.settingsKeys))}`,
    'Generated file: do not edit. Rebuild with `make dist`.'
  ];
  return ['/*', ...lines.map((l) => ` * ${l}`), ' */'].join('\n');
}

module.exports = { header, FILES: Object.keys(WHERE) };
