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
 * - `lists`: null when the command line can list its users (export jobs), else why it cannot:
 *   `export`, `status`, `tail` and `retire` need every user of the source;
 * - `modules`: the wasm module (a key of MODULES below) each of its scripts carries.
 */

/** The two scripts every source has, as Auth0 names them (Login, Get User). */
const SCRIPTS = Object.freeze([
  { kind: 'login', file: 'login.js', functionName: 'login' },
  { kind: 'get_user', file: 'get_user.js', functionName: 'getByEmail' },
]);

const SOURCES = Object.freeze({
  auth0: {
    name: 'auth0',
    dir: '',
    check: 'checkSettings',
    what: 'another Auth0 tenant (the old tenant)',
    lists: null,
    modules: { login: 'auth0', get_user: 'auth0' },
  },
  rest: {
    name: 'rest',
    dir: 'rest/',
    check: 'checkRestSettings',
    what: 'a user store of your own behind docs/rest-contract.md (two signed POSTs)',
    lists: 'docs/rest-contract.md has no call that lists users (only a password check and a lookup of one user), so nothing can find the users who never log in',
    modules: { login: 'rest', get_user: 'rest' },
  },
  oidc: {
    name: 'oidc',
    dir: 'oidc/',
    check: 'checkOidcSettings',
    what: 'an OpenID Connect provider (password grant, then a lookup)',
    lists: 'listing the users of an OpenID Connect provider (through SCIM, Keycloak or Okta) is not built yet: the oidc scripts look users up one at a time',
    // One module per script: both flows in one module made a 50,310-byte script, over the ceiling
    // of js/build/checks.js.
    modules: { login: 'oidc-login', get_user: 'oidc-get-user' },
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
  auth0: { cargo: [] },
  // The Node engine: the bulk tail's mapping and the settings checks, which scripts never call.
  engine: { cargo: ['--features', 'engine'] },
  rest: { cargo: ['--no-default-features', '--features', 'source-rest'] },
  'oidc-login': { cargo: ['--no-default-features', '--features', 'source-oidc,script-login'] },
  'oidc-get-user': { cargo: ['--no-default-features', '--features', 'source-oidc,script-get-user'] },
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
