'use strict';
/**
 * What Auth0 makes of a callback's arguments: the outcome (success, wrong_password, unauthorized, error,
 * found, not_found), the tenant log event a login produces (s, fp, fu, f), and the user Auth0 would store
 * (the profile through JSON, `auth0|` prefixed), with the profile's violations and warnings.
 *
 * Why apart from the invocation: this is Auth0's reading of ONE callback's values, whatever the timing;
 * the invocation (invoke.js) decides which call counts and adds the rules about how often and how late.
 */
const { WrongUsernameOrPasswordError, UnauthorizedError, ValidationError, AUTH0_ERRORS } = require('./globals');

/** Fields Auth0 accepts at the top level of a returned profile; anything else only earns a warning. */
const PROFILE_FIELDS = Object.freeze(['user_id', 'email', 'email_verified', 'username', 'name', 'nickname', 'given_name', 'family_name', 'picture', 'user_metadata', 'app_metadata', 'mfa_factors']);

/**
 * The script's own built-ins. A container that shows the script only what Auth0 documents runs it
 * in a V8 context of its own (globals.js, makeRealm), whose Object, Error and Date are not Node's:
 * a profile or an Error the script makes there is still plain JSON or an Error. `realm` is that
 * context's `{ Object, Error, Date }`, or null when the script runs in Node's.
 */
const NODE_BUILTINS = { Object, Error, Date };

/** Is `v` an instance of the built-in `name` (Error, Date) of Node's realm or of the script's? */
function isA(v, name, realm) {
  return v instanceof NODE_BUILTINS[name] || (realm != null && v instanceof realm[name]);
}

/** Is `proto` the Object.prototype of Node's realm or of the script's (a plain object)? */
function isPlainProto(proto, realm) {
  return proto === Object.prototype || (realm != null && proto === realm.Object.prototype);
}

/** A short, password-free description of a callback's first argument (for violation messages). */
function summarise(v, realm = null) {
  if (v === null || v === undefined) return String(v);
  if (isA(v, 'Error', realm)) return `${v.name}(${JSON.stringify(String(v.message)).slice(0, 120)})`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v).slice(0, 120)}`;
  if (typeof v === 'object') return `an object {${Object.keys(v).slice(0, 6).join(', ')}}`;
  return `${typeof v} ${String(v).slice(0, 60)}`;
}

function errorInfo(err, realm) {
  if (!isA(err, 'Error', realm)) return { name: typeof err, message: String(err) };
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
function checkJson(value, path, depth, stack, bad, warn, realm) {
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
  if (isA(value, 'Date', realm)) {
    warn.push(`${path} is a Date; stored as its ISO string`);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && !isPlainProto(proto, realm) && proto !== null) {
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
      checkJson(v, pathOf(path, i), depth + 1, stack, bad, warn, realm);
    });
  else for (const k of Object.keys(value)) checkJson(value[k], pathOf(path, k), depth + 1, stack, bad, warn, realm);
  stack.pop();
}

const STRING_FIELDS = ['email', 'username', 'name', 'nickname', 'given_name', 'family_name', 'picture'];

/** Profile checks: { violations, warnings, stored } for a success/found profile. */
function checkProfile(profile, realm) {
  const violations = [];
  const warnings = [];
  const proto = profile !== null && typeof profile === 'object' ? Object.getPrototypeOf(profile) : undefined;
  if (Array.isArray(profile) || (!isPlainProto(proto, realm) && proto !== null)) {
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
  checkJson(profile, 'profile', 0, [], violations, warnings, realm);
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
function classify(kind, args, realm = null) {
  const [err, profile] = args;
  const r = { callbackOutcome: null, event: null, error: null, profile: null, stored: null, violations: [], warnings: [] };
  const login = kind === 'login';
  if (err) {
    r.error = errorInfo(err, realm);
    if (err instanceof WrongUsernameOrPasswordError && login) {
      r.callbackOutcome = 'wrong_password';
      r.event = err.identifier ? 'fp' : 'fu';
    } else {
      r.callbackOutcome = err instanceof UnauthorizedError ? 'unauthorized' : 'error';
      r.event = login ? 'f' : null;
      if (err instanceof WrongUsernameOrPasswordError) r.warnings.push('WrongUsernameOrPasswordError means nothing to Get User; it is a plain failure there');
      if (!isA(err, 'Error', realm)) r.warnings.push(`the error is ${summarise(err, realm)}, not an Error object`);
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
  const checked = checkProfile(profile, realm);
  r.callbackOutcome = login ? 'success' : 'found';
  r.event = login ? (checked.fatal ? 'f' : 's') : null; // 'f' for an unusable profile: UNCONFIRMED
  // A profile made in the script's own context (a documented-only container) comes back as Node's
  // own objects, its JSON copy (what Auth0 keeps of it anyway), so callers compare it like any other.
  r.profile = realm != null && !checked.fatal && Object.getPrototypeOf(profile) === realm.Object.prototype ? JSON.parse(JSON.stringify(profile)) : profile;
  r.stored = checked.stored;
  r.violations.push(...checked.violations);
  r.warnings.push(...checked.warnings);
  return r;
}

module.exports = { PROFILE_FIELDS, classify, summarise, isA };
