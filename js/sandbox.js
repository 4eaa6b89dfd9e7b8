'use strict';
/**
 * An emulation of Auth0's custom-database action-script sandbox.
 *
 * Why: the scripts we ship are text that an operator pastes into the dashboard, and Auth0 compiles and calls
 * that text in a container we cannot run. Every end-to-end test (and the operator's `try` command) runs our
 * built scripts here instead, so this file enforces the contract in /work/shared/docs/auth0-contract.md as
 * strictly as we can: one function, at most 100 000 bytes, exactly one callback, plain-JSON profiles, no
 * third-party `require`. Where Auth0's behaviour is unpublished we pick the stricter reading and say so
 * (search for UNCONFIRMED).
 *
 * What the script sees: `configuration`, `global`, the three Auth0 error classes, `require` and `console` are
 * parameters of the compiled wrapper (so they shadow Node's own `global`/`require`/`console`); everything else
 * (fetch, WebAssembly, TextDecoder, AbortSignal, crypto on Node 19+, Buffer, setTimeout, globalThis...) is the
 * real Node global scope (so `globalThis` is Node's, not the container's `global`). This is no security
 * boundary: it runs trusted text in-process, and an exception a script throws from its own timer after the
 * call has returned crashes this process, as it would crash the Auth0 container.
 */
const vm = require('node:vm');
const util = require('node:util');
const nodeModule = require('node:module');
const { AsyncLocalStorage } = require('node:async_hooks');
const { performance } = require('node:perf_hooks');
const { formatReport } = require('./sandbox-report');

/**
 * Auth0 documents "100 KB per script". We read it as 100 000 bytes of UTF-8 (not 102 400 bytes, not 100 000
 * characters): the smallest of the plausible readings, so any script we accept Auth0 accepts too.
 */
const SCRIPT_LIMIT_BYTES = 100000;

/** Fields Auth0 accepts at the top level of a returned profile; anything else only earns a warning. */
const PROFILE_FIELDS = Object.freeze(['user_id', 'email', 'email_verified', 'username', 'name', 'nickname', 'given_name', 'family_name', 'picture', 'user_metadata', 'app_metadata', 'mfa_factors']);

/** The canonical function name for each script kind (the dashboard's Login and Get User tabs). */
const EXPECTED_NAMES = Object.freeze({ login: 'login', get_user: 'getByEmail' });

/**
 * A plausible `context` for connections with "script context" enabled. Auth0 only says the flag injects a
 * context into the scripts; we found no published shape, so EVERY field here is UNCONFIRMED and exists only
 * so that a script reading e.g. `context.connection.name` has something to read. Scripts must not depend on it.
 */
const DEFAULT_CONTEXT = Object.freeze({
  connection: Object.freeze({ id: 'con_sandbox0000000', name: 'Username-Password-Authentication' }),
  request: Object.freeze({ ip: '192.0.2.10', language: 'en' }),
});

/** Why the sandbox refused something (a script, a configuration). `code` is stable for tests and tools. */
class SandboxError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'SandboxError';
    this.code = code;
  }
}

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

// --- compiling ------------------------------------------------------------------------------------------

/** Index just past whitespace and comments from `i`, or -1 inside an unterminated block comment. */
function skipTrivia(text, i) {
  while (i < text.length) {
    if (/\s/.test(text[i])) i += 1;
    else if (text.startsWith('//', i)) {
      const m = /[\n\r\u2028\u2029]/.exec(text.slice(i));
      i = m ? i + m.index : text.length;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 2;
    } else break;
  }
  return i;
}

function lineOf(text, offset) {
  return text.slice(0, offset).split(/\r\n|[\n\r\u2028\u2029]/).length;
}

/** "line N" from a V8 SyntaxError thrown by vm (its stack starts with "file:N"). */
function whereOf(err) {
  const m = /^[^\n]*:(\d+)\n/.exec(String(err && err.stack));
  return m ? `line ${m[1]}` : 'unknown line';
}

/** Parameter names from a function's source (defaults dropped; destructured parameters kept as text). */
function paramsOf(src) {
  const open = src.indexOf('(');
  const parts = [];
  let depth = 0;
  let cur = '';
  for (let i = open + 1; i < src.length; i += 1) {
    const c = src[i];
    if ('([{'.includes(c)) depth += 1;
    if (')]}'.includes(c)) {
      if (depth === 0) break;
      depth -= 1;
    }
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.split('=')[0].trim()).filter(Boolean);
}

/** For the refusal message: what a text that parses as statements but not as one function declares. */
function describeStatements(text) {
  try {
    const ctx = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
    try {
      vm.runInContext(text, ctx, { timeout: 1000 });
    } catch (_) {
      /* declarations are hoisted anyway */
    }
    const fns = Object.keys(ctx).filter((k) => typeof ctx[k] === 'function');
    if (fns.length > 1) return `it declares ${fns.length} top-level functions (${fns.join(', ')})`;
  } catch (_) {
    /* fall through to the generic reason */
  }
  return 'it has statements besides the function declaration';
}

/**
 * Checks that `text` is exactly one named function declaration, with only comments and whitespace around it,
 * and returns `{ name, params }`. Auth0 compiles the pasted text as one function, so a second declaration, a
 * statement before or after it, or a syntax error is a script Auth0 would refuse or misrun.
 *
 * How: the text is evaluated as a parenthesised expression in an empty, separate V8 context (no require, no
 * fetch, 1 s timeout) so that trailing code such as `function f(){}(1)` cannot touch anything real; then the
 * function's own source (Function.prototype.toString) must be all of the text except comments/whitespace.
 */
function analyseScript(text) {
  if (typeof text !== 'string') throw new TypeError('script text must be a string');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > SCRIPT_LIMIT_BYTES) {
    throw new SandboxError('too_large', `script is ${bytes} bytes; the limit is ${SCRIPT_LIMIT_BYTES} bytes ` + `(Auth0 allows 100 KB per script), ${bytes - SCRIPT_LIMIT_BYTES} bytes over`);
  }
  const start = skipTrivia(text, 0);
  if (start < 0) throw new SandboxError('syntax', 'syntax error: unterminated /* comment');
  if (start === text.length) throw new SandboxError('not_one_function', 'script is empty (only comments or blanks)');
  let value;
  try {
    const ctx = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
    value = vm.runInContext(`(${text}\n)`, ctx, { filename: 'script.js', timeout: 1000 });
  } catch (err) {
    if (!(err && err.name === 'SyntaxError')) {
      // err comes from the other context: no instanceof
      throw new SandboxError('not_one_function', `not exactly one function: code around the function ran and threw (${err && err.message})`);
    }
    try {
      new vm.Script(text, { filename: 'script.js' }); // eslint-disable-line no-new
    } catch (err2) {
      throw new SandboxError('syntax', `syntax error at ${whereOf(err2)}: ${err2.message}`);
    }
    throw new SandboxError('not_one_function', `not exactly one function: ${describeStatements(text)}; Auth0 takes exactly one function declaration, with only comments before or after it`);
  }
  if (typeof value !== 'function') {
    throw new SandboxError('not_one_function', `not exactly one function: the text as a whole evaluates to ${typeof value} (is code after the function calling or combining it?)`);
  }
  const src = Function.prototype.toString.call(value);
  const end = start + src.length;
  if (!text.startsWith(src, start)) {
    throw new SandboxError('not_one_function', `not exactly one function: unexpected code at line ${lineOf(text, start)} ` + `before the function (${JSON.stringify(text.slice(start, start + 40))})`);
  }
  const after = skipTrivia(text, end);
  if (after !== text.length) {
    const at = after < 0 ? end : after;
    throw new SandboxError('not_one_function', `not exactly one function: code after the function's closing brace at line ${lineOf(text, at)} (${JSON.stringify(text.slice(at, at + 40))})`);
  }
  if (!/^(async\s+)?function\b/.test(src) || /^(async\s+)?function\s*\*/.test(src)) {
    throw new SandboxError('not_one_function', 'not a function declaration: use `function name(...) { ... }` ' + '(no arrow function, class or generator)');
  }
  if (!value.name) throw new SandboxError('not_one_function', 'the function has no name; Auth0 expects e.g. `function login(...)`');
  return { name: value.name, params: paramsOf(src) };
}

/**
 * Validates `text` (see analyseScript) and, when `expectedName` is given, its function name; returns
 * `{ fn, name, params }` where `fn(scope)` returns the script's function with `scope`'s values
 * (`configuration`, `global`, the error classes, `require`, `console`) as its Auth0 globals.
 * Throws SandboxError (code too_large | syntax | not_one_function | wrong_name) with the reason.
 */
function compileScript(text, expectedName) {
  const { name, params } = analyseScript(text);
  if (expectedName != null && name !== expectedName) {
    throw new SandboxError('wrong_name', `the function is named "${name}"; expected "${expectedName}"`);
  }
  // `return (` on the script's first line keeps stack-trace line numbers equal to the pasted text's.
  const raw = vm.compileFunction(`return (${text}\n);`, SCOPE_NAMES.slice(), { filename: `${name}.js` });
  const fn = (scope) =>
    raw.apply(
      undefined,
      SCOPE_NAMES.map((k) => scope[k])
    );
  return { fn, name, params };
}

// --- the container ------------------------------------------------------------------------------------------

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

/** A short, password-free description of a callback's first argument (for violation messages). */
function summarise(v) {
  if (v === null || v === undefined) return String(v);
  if (v instanceof Error) return `${v.name}(${JSON.stringify(String(v.message)).slice(0, 120)})`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v).slice(0, 120)}`;
  if (typeof v === 'object') return `an object {${Object.keys(v).slice(0, 6).join(', ')}}`;
  return `${typeof v} ${String(v).slice(0, 60)}`;
}

function errorInfo(err) {
  if (!(err instanceof Error)) return { name: typeof err, message: String(err) };
  const info = { name: String(err.name), message: String(err.message) };
  if (err instanceof WrongUsernameOrPasswordError) info.identifier = err.identifier;
  if (err instanceof ValidationError) info.code = err.code;
  return info;
}

function pathOf(path, key) {
  return typeof key === 'number' ? `${path}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Walks a value the way JSON.stringify will and records what would not survive it: problems go to
 * `bad` (Map/Set/class instances, functions, undefined inside objects/arrays, NaN, BigInt, cycles),
 * harmless changes to `warn` (a Date becomes a string; an undefined top-level field is just dropped).
 */
function checkJson(value, path, depth, stack, bad, warn) {
  const t = typeof value;
  if (value === null || t === 'string' || t === 'boolean') return;
  if (t === 'number') {
    if (!Number.isFinite(value)) bad.push(`${path} is ${value}; JSON stores null`);
    return;
  }
  if (t === 'undefined') {
    if (depth === 1) warn.push(`${path} is undefined; JSON drops it`);
    else bad.push(`${path} is undefined; JSON drops it (or stores null in an array)`);
    return;
  }
  if (t === 'function' || t === 'symbol') {
    bad.push(`${path} is a ${t}; JSON drops it`);
    return;
  }
  if (t === 'bigint') {
    bad.push(`${path} is a BigInt; JSON.stringify throws`);
    return;
  }
  if (stack.includes(value)) {
    bad.push(`${path} refers back to an enclosing object (a cycle); JSON.stringify throws`);
    return;
  }
  if (value instanceof Date) {
    warn.push(`${path} is a Date; stored as its ISO string`);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) {
    const kind = (value.constructor && value.constructor.name) || 'non-plain object';
    let json;
    try {
      json = JSON.stringify(value);
    } catch (_) {
      json = 'nothing (it throws)';
    }
    bad.push(`${path} is a ${kind}, not plain JSON; Auth0 would store ${String(json).slice(0, 60)}`);
    return;
  }
  stack.push(value);
  if (Array.isArray(value))
    value.forEach((v, i) => {
      checkJson(v, pathOf(path, i), depth + 1, stack, bad, warn);
    });
  else for (const k of Object.keys(value)) checkJson(value[k], pathOf(path, k), depth + 1, stack, bad, warn);
  stack.pop();
}

const STRING_FIELDS = ['email', 'username', 'name', 'nickname', 'given_name', 'family_name', 'picture'];

/** Profile checks: { violations, warnings, stored } for a success/found profile. */
function checkProfile(profile) {
  const violations = [];
  const warnings = [];
  const proto = profile !== null && typeof profile === 'object' ? Object.getPrototypeOf(profile) : undefined;
  if (Array.isArray(profile) || (proto !== Object.prototype && proto !== null)) {
    const what = Array.isArray(profile)
      ? 'an array'
      : profile === null
        ? 'null'
        : typeof profile === 'object'
          ? `a ${(profile.constructor && profile.constructor.name) || 'non-plain object'}`
          : `a ${typeof profile}`;
    return { violations: [`profile is ${what}, not a plain object`], warnings, stored: null, fatal: true };
  }
  let fatal = false;
  if (typeof profile.user_id !== 'string' || profile.user_id === '') {
    fatal = true;
    violations.push(
      profile.user_id === undefined
        ? 'profile.user_id is missing (Auth0 requires it)'
        : `profile.user_id must be a non-empty string (got ${typeof profile.user_id === 'string' ? 'an empty string' : typeof profile.user_id})`
    );
  } else if (profile.user_id.startsWith('auth0|')) {
    warnings.push(`profile.user_id already starts with "auth0|"; Auth0 will store "auth0|${profile.user_id}"`);
  }
  checkJson(profile, 'profile', 0, [], violations, warnings);
  const unknown = Object.keys(profile).filter((k) => !PROFILE_FIELDS.includes(k));
  if (unknown.length > 0) {
    warnings.push(`profile has fields Auth0 does not accept: ${unknown.join(', ')} (it accepts ${PROFILE_FIELDS.join(', ')})`);
  }
  for (const k of STRING_FIELDS) {
    if (profile[k] !== undefined && typeof profile[k] !== 'string') warnings.push(`profile.${k} should be a string (got ${typeof profile[k]})`);
  }
  if (profile.email_verified !== undefined && typeof profile.email_verified !== 'boolean') {
    warnings.push(`profile.email_verified should be a boolean (got ${typeof profile.email_verified})`);
  }
  let stored = null;
  if (!fatal) {
    try {
      stored = JSON.parse(JSON.stringify(profile));
      stored.user_id = `auth0|${profile.user_id}`;
    } catch (_) {
      stored = null;
      fatal = true;
    } // a cycle or a BigInt: nothing Auth0 could store
  }
  return { violations, warnings, stored, fatal };
}

/**
 * What Auth0 makes of a callback's arguments: { callbackOutcome, event, error, profile, stored, violations,
 * warnings }. `event` is the tenant log event a login would produce (s, fp, fu, f); Get User produces no
 * login event, so it is null there (what Auth0 logs for a failing Get User depends on the flow: UNCONFIRMED).
 */
function classify(kind, args) {
  const [err, profile] = args;
  const r = { callbackOutcome: null, event: null, error: null, profile: null, stored: null, violations: [], warnings: [] };
  const login = kind === 'login';
  if (err) {
    r.error = errorInfo(err);
    if (err instanceof WrongUsernameOrPasswordError && login) {
      r.callbackOutcome = 'wrong_password';
      r.event = err.identifier ? 'fp' : 'fu';
    } else {
      r.callbackOutcome = err instanceof UnauthorizedError ? 'unauthorized' : 'error';
      r.event = login ? 'f' : null;
      if (err instanceof WrongUsernameOrPasswordError) r.warnings.push('WrongUsernameOrPasswordError means nothing to Get User; it is a plain failure there');
      if (!(err instanceof Error)) r.warnings.push(`the error is ${summarise(err)}, not an Error object`);
      else if (!Object.values(AUTH0_ERRORS).some((C) => err instanceof C) && err.name in AUTH0_ERRORS) {
        r.warnings.push(`the error is named ${err.name} but is not the sandbox's ${err.name} class; Auth0 may treat it as a plain error`);
      }
    }
    return r;
  }
  if (profile === null || profile === undefined) {
    if (login) {
      r.callbackOutcome = 'error';
      r.event = 'f';
      r.violations.push('login called back with neither an error nor a profile');
    } else r.callbackOutcome = 'not_found';
    return r;
  }
  const checked = checkProfile(profile);
  r.callbackOutcome = login ? 'success' : 'found';
  r.event = login ? (checked.fatal ? 'f' : 's') : null; // 'f' for an unusable profile: UNCONFIRMED
  r.profile = profile;
  r.stored = checked.stored;
  r.violations.push(...checked.violations);
  r.warnings.push(...checked.warnings);
  return r;
}

function round(ms) {
  return Math.round(ms * 10) / 10;
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

class Container {
  constructor(configuration, contextDefaults, graceMs) {
    /** Auth0's `configuration`: frozen copy of the dashboard's string settings. */
    this.configuration = configuration;
    /** Auth0's `global`: shared by every invocation in this warm container, emptied by a cold start. */
    this.global = {};
    /** Every console line printed in this container ({ level, text }). */
    this.logs = [];
    /** Callbacks and refused requires that came after their invocation's report was final. */
    this.lateEvents = [];
    this.graceMs = graceMs;
    this.contextDefaults = contextDefaults;
    this._scripts = new Map();
    this._scope = { configuration, global: this.global, ...AUTH0_ERRORS, require: makeRequire(this), console: makeConsole(this) };
  }

  /** How many distinct script texts this container has compiled (each text once, like a warm container). */
  get compiledScripts() {
    return this._scripts.size;
  }

  /** A cold start: same configuration, empty `global`, nothing compiled, no logs. */
  fresh() {
    return new Container(this.configuration, this.contextDefaults, this.graceMs);
  }

  _compile(text) {
    let entry = this._scripts.get(text);
    if (!entry) {
      try {
        const compiled = compileScript(text);
        entry = { ...compiled, run: compiled.fn(this._scope) };
      } catch (err) {
        if (!(err instanceof SandboxError)) throw err;
        entry = { error: err };
      }
      this._scripts.set(text, entry);
    }
    if (entry.error) throw entry.error;
    return entry;
  }

  /**
   * Runs one script call the way Auth0 would and reports what happened.
   * options: kind 'login' | 'get_user'; args [identifier, password] or [email]; withContext (default: whether
   * `context` was given); context (default DEFAULT_CONTEXT merged with contextDefaults); timeoutMs (20 000,
   * Auth0's limit); expectedName (default login / getByEmail; null skips the name check).
   * Report: { kind, name, outcome, callbackOutcome (what the first callback/throw alone meant), event, profile,
   * stored, error, violations, warnings, logs, callbackCalls, durationMs (to the first callback) }. The
   * arguments are not in it, and the password is redacted from every string in it.
   */
  async invoke(scriptText, options = {}) {
    const { kind, args = [], timeoutMs = 20000 } = options;
    if (!(kind in EXPECTED_NAMES)) throw new TypeError(`kind must be 'login' or 'get_user' (got ${kind})`);
    const wanted = kind === 'login' ? 2 : 1;
    if (!Array.isArray(args) || args.length !== wanted) {
      throw new TypeError(`${kind} takes args ${kind === 'login' ? '[identifier, password]' : '[email]'}`);
    }
    const withContext = options.withContext === undefined ? options.context !== undefined : Boolean(options.withContext);
    const expectedName = options.expectedName === undefined ? EXPECTED_NAMES[kind] : options.expectedName;
    const secret = kind === 'login' && typeof args[1] === 'string' && args[1].length >= 4 ? args[1] : null;
    const inv = {
      container: this,
      logs: [],
      violations: [],
      warnings: [],
      closed: false,
      leaks: new Set(),
      redact: (s) => (secret ? String(s).split(secret).join('[password redacted]') : String(s)),
    };
    const report = {
      kind,
      name: null,
      outcome: null,
      callbackOutcome: null,
      event: null,
      profile: null,
      stored: null,
      error: null,
      violations: inv.violations,
      warnings: inv.warnings,
      logs: inv.logs,
      callbackCalls: 0,
      durationMs: 0,
    };
    let entry;
    try {
      entry = this._compile(scriptText);
      if (expectedName != null && entry.name !== expectedName) {
        throw new SandboxError('wrong_name', `the function is named "${entry.name}"; expected "${expectedName}" for ${kind}`);
      }
    } catch (err) {
      if (!(err instanceof SandboxError)) throw err;
      inv.closed = true;
      report.outcome = 'violation';
      report.violations.push(`script refused: ${err.message}`);
      return report;
    }
    report.name = entry.name;
    const context = withContext ? cloneContext(options.context !== undefined ? options.context : mergeContext(DEFAULT_CONTEXT, this.contextDefaults)) : undefined;

    const calls = [];
    let thrown = null;
    let wake;
    const woken = new Promise((resolve) => {
      wake = resolve;
    });
    const callback = (...a) => {
      if (inv.closed) {
        this.lateEvents.push(`${entry.name}: callback called after its report was final (first argument: ${inv.redact(summarise(a[0]))})`);
        return;
      }
      let result = null;
      if (calls.length === 0 && !thrown) {
        try {
          result = classify(kind, a);
        } catch (err) {
          // e.g. a profile getter that throws
          result = {
            callbackOutcome: 'error',
            event: kind === 'login' ? 'f' : null,
            error: null,
            profile: null,
            stored: null,
            violations: [`the callback's arguments could not be read: ${err && err.message}`],
            warnings: [],
          };
        }
      }
      calls.push({ args: a, result }); // classified now: what Auth0 sees is the value at call time
      wake('callback');
    };
    const onThrow = (err, how) => {
      if (thrown || inv.closed) return;
      thrown = { err, how, before: calls.length };
      wake('threw');
    };
    const callArgs = [...args, ...(withContext ? [context] : []), callback];
    if (entry.run.length !== callArgs.length) {
      report.warnings.push(
        `${entry.name} declares ${entry.run.length} parameters but Auth0 passes ${callArgs.length}` +
          ` (script context ${withContext ? 'on' : 'off'}): fine only if it takes the callback from the last argument`
      );
    }

    const started = performance.now();
    current.run(inv, () => {
      try {
        const ret = entry.run.apply(undefined, callArgs);
        if (ret && typeof ret.then === 'function') ret.then(undefined, (e) => onThrow(e, 'returned a promise that rejected'));
      } catch (err) {
        onThrow(err, 'threw synchronously');
      }
    });
    let timer;
    const why = await Promise.race([
      woken,
      new Promise((resolve) => {
        timer = setTimeout(resolve, timeoutMs, 'timeout');
      }),
    ]);
    clearTimeout(timer);
    report.durationMs = round(performance.now() - started);
    if (why !== 'timeout') await new Promise((resolve) => setTimeout(resolve, this.graceMs));
    inv.closed = true;

    report.callbackCalls = calls.length;
    if (why === 'timeout') {
      report.violations.push(`callback never called within ${timeoutMs} ms (Auth0 stops a script after about 20 s)`);
      report.event = kind === 'login' ? 'f' : null;
    } else if (thrown && thrown.before === 0) {
      const r = classify(kind, [thrown.err instanceof Error ? thrown.err : new Error(String(thrown.err))]);
      Object.assign(report, { callbackOutcome: r.callbackOutcome, event: r.event, error: r.error });
      if (calls.length === 0) report.warnings.push(`${entry.name} ${thrown.how} instead of calling back; Auth0 treats that as callback(error)`);
    } else {
      const r = calls[0].result;
      Object.assign(report, { callbackOutcome: r.callbackOutcome, event: r.event, error: r.error, profile: r.profile, stored: r.stored });
      report.violations.push(...r.violations);
      report.warnings.push(...r.warnings);
    }
    if (thrown && calls.length > 0) {
      report.violations.push(`${entry.name} ${thrown.how} (${summarise(thrown.err)}) and also called back (with ${summarise(calls[0].args[0])})`);
    }
    if (calls.length > 1) {
      report.violations.push(
        `callback called ${calls.length} times (must be exactly once): ` +
          calls
            .slice(0, 3)
            .map((c, i) => `call ${i + 1} with ${summarise(c.args[0])}`)
            .join(', ')
      );
    }
    finishLeaks(report, inv);
    report.outcome = report.violations.length > 0 ? 'violation' : report.callbackOutcome;
    return report;
  }
}

/** A copy of `v` with every string redacted (Maps, Sets, arrays and objects rebuilt; cycles kept). */
function redactDeep(v, redact, seen) {
  if (typeof v === 'string') return redact(v);
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return seen.get(v);
  let out;
  if (v instanceof Map) {
    out = new Map();
    seen.set(v, out);
    for (const [k, x] of v) out.set(redactDeep(k, redact, seen), redactDeep(x, redact, seen));
  } else if (v instanceof Set) {
    out = new Set();
    seen.set(v, out);
    for (const x of v) out.add(redactDeep(x, redact, seen));
  } else {
    out = Array.isArray(v) ? [] : {};
    seen.set(v, out);
    for (const k of Object.keys(v)) out[k] = redactDeep(v[k], redact, seen);
  }
  return out;
}

/** The report never carries the password: redact it everywhere and flag where the script leaked it. */
function finishLeaks(report, inv) {
  if (report.error) {
    const msg = inv.redact(report.error.message);
    if (msg !== report.error.message) {
      inv.leaks.add('the error message');
      report.error.message = msg;
    }
  }
  if (report.profile !== null) {
    const deep = { depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity, breakLength: Infinity };
    const seen = util.inspect(report.profile, deep);
    if (inv.redact(seen) !== seen) {
      inv.leaks.add('the profile');
      report.profile = redactDeep(report.profile, inv.redact, new Map());
      report.stored = report.stored && JSON.parse(inv.redact(JSON.stringify(report.stored)));
    }
  }
  report.violations.forEach((v, i) => {
    report.violations[i] = inv.redact(v);
  });
  report.warnings.forEach((v, i) => {
    report.warnings[i] = inv.redact(v);
  });
  for (const where of inv.leaks) report.violations.push(`the password appeared in ${where} (redacted in this report)`);
}

/** A warm Auth0 container: see Container. Throws SandboxError for a non-string configuration value. */
function createContainer({ configuration, contextDefaults, graceMs = 50 } = {}) {
  return new Container(freezeConfiguration(configuration), contextDefaults, graceMs);
}

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
