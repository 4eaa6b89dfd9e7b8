'use strict';
/**
 * The sources users are migrated from, and each one's pasteable scripts under dist/: the one list.
 *
 * Why one module: the command line (`--source`, js/cli/source.js), the demo and the bench all
 * ask "which scripts does source X have, and which engine export judges its settings". Each used to
 * spell `rest/login.js` itself. They now read it here, and js/cli/dist.js checks every file named
 * here against dist/manifest.json, so a source whose scripts a build did not write is said to be
 * missing from that build instead of failing on a missing file. The build
 * (js/build/assemble.js) takes its script entries from `scriptEntries()`.
 *
 * A source:
 * - `dir`: where its scripts live in dist/ ('' for the auth0 source, the first one);
 * - `check`: the dist/engine.js export that knows its settings keys and rules;
 * - `lists`: null when the command line can list its users (the auth0 source: export jobs; others:
 *   dist/engine.js listStep, src/listing.rs), else why it cannot: `status`, `tail` and `retire`
 *   need every user of the source (a listed source may still refuse once asked, e.g. a rest store
 *   without the contract's optional list call: js/cli/old-side.js says so then);
 * - `modules`: the wasm module (a key of MODULES below) each of its scripts carries;
 * - `from` and `setup`: the scripts' header (js/build/header.js): where the users come from, and
 *   the line pointing at the source's own setup (null: none).
 */

/** The two scripts every source has, as Auth0 names them (Login, Get User). */
const SCRIPTS = Object.freeze([
  { kind: 'login', file: 'login.js', functionName: 'login' },
  { kind: 'get_user', file: 'get_user.js', functionName: 'getByEmail' },
]);

const SOURCES = Object.freeze({
  auth0: {
    name: 'auth0',
    from: 'the old tenant',
    setup: null,
    dir: '',
    check: 'checkSettings',
    what: 'another Auth0 tenant (the old tenant)',
    lists: null,
    modules: { login: 'auth0', get_user: 'auth0' },
  },
  rest: {
    name: 'rest',
    from: 'a user store',
    setup: 'The user store must serve the contract in docs/rest-contract.md.',
    dir: 'rest/',
    check: 'checkRestSettings',
    what: 'a user store of your own behind docs/rest-contract.md (two signed POSTs)',
    // The contract's optional list call (docs/rest-contract.md "Listing users"); a store without it
    // answers 404, and tail/status/retire refuse then, naming the call.
    lists: null,
    modules: { login: 'rest', get_user: 'rest' },
  },
  oidc: {
    name: 'oidc',
    from: 'an OpenID provider',
    setup: 'Provider setup: docs/oidc-source.md.',
    dir: 'oidc/',
    check: 'checkOidcSettings',
    what: 'an OpenID Connect provider (password grant, then a lookup)',
    // Through the lookup's admin API (SCIM, Keycloak, Okta); `Lookup` none is refused when asked.
    lists: null,
    // One module per script: both flows in one module made a 50,310-byte script, over the ceiling
    // of js/build/checks.js.
    modules: { login: 'oidc-login', get_user: 'oidc-get-user' },
  },
  firebase: {
    name: 'firebase',
    from: 'Firebase Authentication',
    setup: 'Firebase setup: docs/firebase-source.md.',
    dir: 'firebase/',
    check: 'checkFirebaseSettings',
    what: 'Firebase Authentication (email/password accounts; docs/firebase-source.md)',
    // accounts:batchGet pages with the service account's token (src/firebase/list.rs), mapped as
    // get_user maps them; the emulator's `Bearer owner` with Emulator_Host.
    lists: null,
    // One module per script, as for oidc: both flows in one module measured about 1.2 KB of
    // brotli over the oidc login module, which already sits 241 bytes under the ceiling.
    modules: { login: 'firebase-login', get_user: 'firebase-get-user' },
  },
  cognito: {
    name: 'cognito',
    from: 'an Amazon Cognito user pool',
    setup: 'Cognito setup (app client, IAM policy): docs/cognito-source.md.',
    dir: 'cognito/',
    check: 'checkCognitoSettings',
    what: 'an Amazon Cognito user pool (USER_PASSWORD_AUTH, then ListUsers signed with an IAM key; docs/cognito-source.md)',
    // ListUsers pages signed with the IAM key (src/cognito/list.rs), mapped as get_user maps.
    lists: null,
    // One module per script, as for oidc: the get_user lookup carries SHA-256 for AWS Signature
    // Version 4, and both flows in one module measured 76,835 bytes of wasm (30.6 KB brotli).
    modules: { login: 'cognito-login', get_user: 'cognito-get-user' },
  },
});

/**
 * The wasm modules the build makes (the Makefile asks js/build/modules.js for this list): each is
 * the crate built with its `cargo` flags, optimised to target/wasm/NAME.wasm, and embedded in the
 * scripts whose source names it in `modules` (the engine in dist/engine.js). The auth0 source's
 * module keeps the crate's default features and cargo's default target folder; each other module
 * has a target folder of its own, so the builds do not invalidate each other.
 */
const MODULES = Object.freeze({
  auth0: { cargo: ['--features', 'bare'] },
  // The Node engine: the bulk tail's mapping and the settings checks, which scripts never call.
  engine: { cargo: ['--features', 'engine,bare'] },
  rest: { cargo: ['--no-default-features', '--features', 'source-rest,bare'] },
  'oidc-login': { cargo: ['--no-default-features', '--features', 'source-oidc,script-login,bare'] },
  'oidc-get-user': { cargo: ['--no-default-features', '--features', 'source-oidc,script-get-user,bare'] },
  'firebase-login': { cargo: ['--no-default-features', '--features', 'source-firebase,script-login,bare'] },
  'firebase-get-user': { cargo: ['--no-default-features', '--features', 'source-firebase,script-get-user,bare'] },
  'cognito-login': { cargo: ['--no-default-features', '--features', 'source-cognito,script-login,bare'] },
  'cognito-get-user': { cargo: ['--no-default-features', '--features', 'source-cognito,script-get-user,bare'] },
});

/** A module's key in dist/manifest.json: `wasm` for the auth0 source's (since v0.1), else `NAME_wasm`. */
function manifestKey(module) {
  return module === 'auth0' ? 'wasm' : `${module.replace(/-/g, '_')}_wasm`;
}

/** The engine export (snake case, as the wasm names it) that checks a source's settings: `check_rest_settings`. */
function engineCheck(name) {
  return SOURCES[name].check.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The source names, the default first. */
const NAMES = Object.freeze(Object.keys(SOURCES));
const DEFAULT = 'auth0';

/** `rest/login.js`: where a source's script of `kind` is in dist/. */
function scriptFile(name, kind) {
  const s = SCRIPTS.find((x) => x.kind === kind);
  return `${SOURCES[name].dir}${s.file}`;
}

/** Every source's scripts: [{source, kind, file, template, functionName}], for the build and the tools. */
function scriptEntries() {
  return NAMES.flatMap((name) =>
    SCRIPTS.map((s) => ({ source: name, kind: s.kind, file: scriptFile(name, s.kind), template: s.file, functionName: s.functionName, module: SOURCES[name].modules[s.kind] }))
  );
}

/** The source a dist/ file belongs to (by its folder), or null (the Action, the engine, retired/). */
function sourceOfFile(file) {
  const entry = scriptEntries().find((e) => e.file === file);
  return entry ? entry.source : null;
}

module.exports = { SCRIPTS, SOURCES, MODULES, NAMES, DEFAULT, scriptFile, scriptEntries, sourceOfFile, manifestKey, engineCheck };
