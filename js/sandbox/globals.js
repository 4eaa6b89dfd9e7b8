'use strict';
/**
 * What the pasted script sees besides its arguments: the names Auth0's container passes to it
 * (`configuration`, `global`, the three Auth0 error classes, `require`, `console`) and, with "script
 * context" on, the `context` argument.
 *
 * Why one module: this is the whole surface a script can reach that is not the real Node global scope
 * (fetch, WebAssembly, Buffer, setTimeout, globalThis... are Node's own), so what Auth0 documents about
 * those globals is kept, and checked, in one place. `require` gives Node built-ins only and records every
 * other id as a violation of the running invocation; `console` lines go to the container and to the
 * invocation that printed them (found through `current`, an AsyncLocalStorage, since a warm container's
 * scripts share one console and one require).
 */
const util = require('node:util');
const vm = require('node:vm');
const nodeModule = require('node:module');
const { AsyncLocalStorage } = require('node:async_hooks');
const { SandboxError } = require('./sandbox-error');

/**
 * A plausible `context` for connections with "script context" enabled. Auth0 only says the flag injects a
 * context into the scripts; we found no published shape, so EVERY field here is UNCONFIRMED and exists only
 * so that a script reading e.g. `context.connection.name` has something to read. Scripts must not depend on it.
 */
const DEFAULT_CONTEXT = Object.freeze({
  connection: Object.freeze({ id: 'con_sandbox0000000', name: 'Username-Password-Authentication' }),
  request: Object.freeze({ ip: '192.0.2.10', language: 'en' }),
});

// --- Auth0's error classes --------------------------------------------------------------------------------
// Constructor shapes as Auth0 documents them (custom DB "Troubleshoot" page). The property names that keep
// the arguments (`identifier`, `code`) are ours: UNCONFIRMED, and scripts should not read them.

/** Wrong credentials: a truthy identifier logs `fp` (user known, bad password), a falsy one `fu`. */
class WrongUsernameOrPasswordError extends Error {
  constructor(identifier, message) {
    super(message);
    this.name = 'WrongUsernameOrPasswordError';
    this.identifier = identifier;
  }
}

/** A message meant for the end user (blocked, must reset...); Auth0 shows it on the login page. */
class UnauthorizedError extends Error {
  constructor(message) {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

/** Used by the Create script (`user_exists`); harmless elsewhere, treated as a plain failure. */
class ValidationError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ValidationError';
    this.code = code;
  }
}

const AUTH0_ERRORS = { WrongUsernameOrPasswordError, UnauthorizedError, ValidationError };

/** Names the compiled wrapper takes as parameters, shadowing Node's globals of the same names. */
const SCOPE_NAMES = Object.freeze(['configuration', 'global', 'WrongUsernameOrPasswordError', 'UnauthorizedError', 'ValidationError', 'require', 'console']);

/** The invocation currently running (for console and require, which are shared by a container's scripts). */
const current = new AsyncLocalStorage();

const isBuiltin = typeof nodeModule.isBuiltin === 'function' ? nodeModule.isBuiltin : (id) => nodeModule.builtinModules.includes(String(id).replace(/^node:/, '')); // Node < 18.6

/** The dashboard stores configuration values as strings only; anything else is a mistake in the caller. */
function freezeConfiguration(configuration) {
  if (configuration == null) return Object.freeze({});
  if (typeof configuration !== 'object' || Array.isArray(configuration)) {
    throw new SandboxError('bad_configuration', 'configuration must be an object of string values');
  }
  const copy = {};
  for (const [key, value] of Object.entries(configuration)) {
    if (typeof value !== 'string') {
      throw new SandboxError('bad_configuration', `configuration key "${key}" is a ${value === null ? 'null' : typeof value}; the Auth0 dashboard stores strings only`);
    }
    copy[key] = value;
  }
  return Object.freeze(copy);
}

/** One-level merge of the default context with the container's overrides. */
function mergeContext(base, extra) {
  const out = {};
  for (const src of [base, extra || {}]) {
    for (const [k, v] of Object.entries(src)) {
      out[k] = v && typeof v === 'object' && !Array.isArray(v) && out[k] && typeof out[k] === 'object' ? { ...out[k], ...v } : v;
    }
  }
  return out;
}

function cloneContext(ctx) {
  try {
    return structuredClone(ctx);
  } catch (_) {
    return ctx;
  }
}

/** A container-wide console whose lines also go to the invocation running when they are printed. */
function makeConsole(container) {
  const emit = (level, text) => {
    const inv = current.getStore();
    const mine = inv && inv.container === container;
    const line = { level, text: mine ? inv.redact(text) : text };
    if (mine && line.text !== text) inv.leaks.add('a console line');
    container.logs.push(line);
    if (container.logs.length > 10000) container.logs.splice(0, container.logs.length - 10000);
    if (mine && !inv.closed) inv.logs.push(line);
  };
  const at =
    (level) =>
    (...a) =>
      emit(level, util.format(...a));
  return Object.freeze({
    log: at('log'),
    info: at('info'),
    debug: at('debug'),
    warn: at('warn'),
    error: at('error'),
    trace: at('trace'),
    dir: (v, opts) => emit('log', util.inspect(v, opts)),
    assert: (ok, ...a) => {
      if (!ok) emit('error', `Assertion failed${a.length ? `: ${util.format(...a)}` : ''}`);
    },
  });
}

/** Node built-ins only (with or without `node:`); anything else throws like Node and is recorded. */
function makeRequire(container) {
  return function require(id) {
    if (typeof id === 'string' && isBuiltin(id)) return module.require(id);
    const note = `require(${JSON.stringify(id)}) refused: only Node built-in modules are available (the project uses no npm module)`;
    const inv = current.getStore();
    if (inv && inv.container === container && !inv.closed) inv.violations.push(note);
    else container.lateEvents.push(note);
    const err = new Error(`Cannot find module '${id}'`);
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  };
}

/**
 * The global names Auth0 documents for these scripts besides SCOPE_NAMES: the timers. With the
 * ECMAScript built-ins every V8 context has (Object, JSON, Promise, typed arrays... and WebAssembly,
 * which V8 itself puts in each context) they are all a documented-only container shows the script.
 */
const DOCUMENTED_GLOBALS = Object.freeze({ setTimeout, clearTimeout });

/**
 * A V8 context of its own for a container's scripts, showing them only what Auth0 documents -
 * DOCUMENTED_GLOBALS beside SCOPE_NAMES - plus `extra` (e.g. `{ fetch, AbortController }`, to run
 * the scripts where a runtime has those too): no Buffer, TextDecoder, URL, process, fetch... from
 * Node's global scope. Why: a script that works here uses nothing Auth0 does not promise, where
 * one run against Node's real globals may lean on one unnoticed. Returns `{ context, builtins }`:
 * `builtins` is the context's own Object, Error and Date, which the objects the script makes are
 * instances of (report.js accepts them beside Node's).
 */
function makeRealm(extra = {}, { wasm = true } = {}) {
  // `wasm: false` compiles no WebAssembly in the context (V8's codeGeneration switch), as a runtime
  // that forbids it would: the fake tenant's probe connection (`doctor --live`) must say so plainly.
  const codeGeneration = wasm ? {} : { codeGeneration: { strings: true, wasm: false } };
  const context = vm.createContext({ ...DOCUMENTED_GLOBALS, ...extra }, { name: 'auth0-documented-globals', ...codeGeneration });
  const builtins = vm.runInContext('({ Object: Object, Error: Error, Date: Date })', context);
  return { context, builtins };
}

/** The values behind SCOPE_NAMES for one container: its configuration and `global`, its console and require. */
function makeScope(container) {
  return { configuration: container.configuration, global: container.global, ...AUTH0_ERRORS, require: makeRequire(container), console: makeConsole(container) };
}

module.exports = {
  DEFAULT_CONTEXT,
  WrongUsernameOrPasswordError,
  UnauthorizedError,
  ValidationError,
  AUTH0_ERRORS,
  SCOPE_NAMES,
  DOCUMENTED_GLOBALS,
  current,
  makeRealm,
  freezeConfiguration,
  mergeContext,
  cloneContext,
  makeScope,
};
