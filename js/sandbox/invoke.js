'use strict';
/**
 * One call of a script, by the rules Auth0 enforces on it, each broken rule reported as a violation: the
 * callback is called exactly once (a second call, a throw besides a callback, a callback after the report
 * is final are all recorded), within 20 s (Auth0 stops the script after about 20 s), with the arguments
 * Auth0 passes for the kind (plus `context` when script context is on); the function's name is the
 * dashboard tab's. `require` of anything but a Node built-in is recorded by the require in globals.js.
 *
 * Why: a script that breaks one of these rules may still look fine in a unit test, and Auth0 would log the
 * user in twice, hang the login page or fail it; the report says so in words a test can assert on.
 */
const { performance } = require('node:perf_hooks');
const { SandboxError } = require('./sandbox-error');
const { DEFAULT_CONTEXT, current, mergeContext, cloneContext } = require('./globals');
const { classify, summarise, isA } = require('./report');
const { finishLeaks } = require('./redact');
const { SCRIPT_TIMEOUT_MS } = require('../auth0-limits');

/** The canonical function name for each script kind (the dashboard's Login and Get User tabs). */
const EXPECTED_NAMES = Object.freeze({ login: 'login', get_user: 'getByEmail' });

function round(ms) {
  return Math.round(ms * 10) / 10;
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
async function invoke(container, scriptText, options = {}) {
  const { kind, args = [], timeoutMs = SCRIPT_TIMEOUT_MS } = options;
  if (!(kind in EXPECTED_NAMES)) throw new TypeError(`kind must be 'login' or 'get_user' (got ${kind})`);
  const wanted = kind === 'login' ? 2 : 1;
  if (!Array.isArray(args) || args.length !== wanted) {
    throw new TypeError(`${kind} takes args ${kind === 'login' ? '[identifier, password]' : '[email]'}`);
  }
  const withContext = options.withContext === undefined ? options.context !== undefined : Boolean(options.withContext);
  const expectedName = options.expectedName === undefined ? EXPECTED_NAMES[kind] : options.expectedName;
  const secret = kind === 'login' && typeof args[1] === 'string' && args[1].length >= 4 ? args[1] : null;
  const inv = {
    container,
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
    entry = container._compile(scriptText);
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
  const context = withContext ? cloneContext(options.context !== undefined ? options.context : mergeContext(DEFAULT_CONTEXT, container.contextDefaults)) : undefined;

  // The script's own built-ins when it runs in a context of its own (report.js, isA).
  const realm = container.realm ? container.realm.builtins : null;
  const calls = [];
  let thrown = null;
  let wake;
  const woken = new Promise((resolve) => {
    wake = resolve;
  });
  const callback = (...a) => {
    if (inv.closed) {
      container.lateEvents.push(`${entry.name}: callback called after its report was final (first argument: ${inv.redact(summarise(a[0], realm))})`);
      return;
    }
    let result = null;
    if (calls.length === 0 && !thrown) {
      try {
        result = classify(kind, a, realm);
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
  if (why !== 'timeout') await new Promise((resolve) => setTimeout(resolve, container.graceMs));
  inv.closed = true;

  report.callbackCalls = calls.length;
  if (why === 'timeout') {
    report.violations.push(`callback never called within ${timeoutMs} ms (Auth0 stops a script after about 20 s)`);
    report.event = kind === 'login' ? 'f' : null;
  } else if (thrown && thrown.before === 0) {
    const r = classify(kind, [isA(thrown.err, 'Error', realm) ? thrown.err : new Error(String(thrown.err))], realm);
    Object.assign(report, { callbackOutcome: r.callbackOutcome, event: r.event, error: r.error });
    if (calls.length === 0) report.warnings.push(`${entry.name} ${thrown.how} instead of calling back; Auth0 treats that as callback(error)`);
  } else {
    const r = calls[0].result;
    Object.assign(report, { callbackOutcome: r.callbackOutcome, event: r.event, error: r.error, profile: r.profile, stored: r.stored });
    report.violations.push(...r.violations);
    report.warnings.push(...r.warnings);
  }
  if (thrown && calls.length > 0) {
    report.violations.push(`${entry.name} ${thrown.how} (${summarise(thrown.err, realm)}) and also called back (with ${summarise(calls[0].args[0], realm)})`);
  }
  if (calls.length > 1) {
    report.violations.push(
      `callback called ${calls.length} times (must be exactly once): ` +
        calls
          .slice(0, 3)
          .map((c, i) => `call ${i + 1} with ${summarise(c.args[0], realm)}`)
          .join(', ')
    );
  }
  finishLeaks(report, inv);
  report.outcome = report.violations.length > 0 ? 'violation' : report.callbackOutcome;
  return report;
}

module.exports = { EXPECTED_NAMES, invoke };
