'use strict';
/**
 * An emulation of Auth0's custom-database action-script sandbox.
 *
 * Why: the scripts we ship are text that an operator pastes into the dashboard, and Auth0 compiles and calls
 * that text in a container we cannot run. Every end-to-end test (and the operator's `try` command) runs our
 * built scripts here instead, so this folder enforces the contract in /work/shared/docs/auth0-contract.md as
 * strictly as we can: one function, at most 100 000 bytes, exactly one callback, plain-JSON profiles, no
 * third-party `require`. Where Auth0's behaviour is unpublished we pick the stricter reading and say so
 * (search for UNCONFIRMED).
 *
 * What the script sees: `configuration`, `global`, the three Auth0 error classes, `require` and `console` are
 * parameters of the compiled wrapper (so they shadow Node's own `global`/`require`/`console`); everything else
 * (fetch, WebAssembly, TextDecoder, AbortSignal, crypto on Node 19+, Buffer, setTimeout, globalThis...) is the
 * real Node global scope (so `globalThis` is Node's, not the container's `global`) - unless the container is
 * made with `documentedOnly`: then the script runs in a V8 context of its own that has only what Auth0
 * documents (the ECMAScript built-ins, setTimeout and clearTimeout, the names above) plus the container's
 * `extraGlobals`, which shows whether a script leans on a Node global Auth0 never promised. This is no security
 * boundary: it runs trusted text in-process, and an exception a script throws from its own timer after the
 * call has returned crashes this process, as it would crash the Auth0 container.
 *
 * One job per module: compile.js (the text as exactly one function, 100 KB), globals.js (what the script
 * sees), container.js (a warm container), invoke.js (one call's rules: callback exactly once, 20 s),
 * report.js (outcome, log event, stored user), redact.js (no password in a report), format.js (a report
 * for a human), sandbox-error.js (the sandbox's refusals). This file is the public surface: what
 * `require('js/sandbox')` has always exported.
 */
const { SandboxError } = require('./sandbox-error');
const { DEFAULT_CONTEXT, WrongUsernameOrPasswordError, UnauthorizedError, ValidationError } = require('./globals');
const { SCRIPT_LIMIT_BYTES, compileScript } = require('./compile');
const { PROFILE_FIELDS } = require('./report');
const { createContainer } = require('./container');
const { formatReport } = require('./format');

module.exports = {
  SCRIPT_LIMIT_BYTES,
  PROFILE_FIELDS,
  DEFAULT_CONTEXT,
  SandboxError,
  WrongUsernameOrPasswordError,
  UnauthorizedError,
  ValidationError,
  compileScript,
  createContainer,
  formatReport,
};
