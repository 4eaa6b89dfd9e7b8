'use strict';
/**
 * Keeping the password out of a report: every string in it (error message, profile, stored user,
 * violations, warnings; console lines are redacted as they are printed, in globals.js) has the call's
 * password replaced, and each place the script leaked it becomes a violation.
 *
 * Why: reports are printed by the CLI's `try` and by failing tests, and kept in logs; a script that echoes
 * the password must be caught, and the report must not spread it further.
 */
const util = require('node:util');

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

module.exports = { finishLeaks };
