'use strict';
/**
 * What one Auth0 log event of the migrated connection says about the scripts: its outcome class, the
 * line `logs` prints for it, and the password-free fields it keeps for --json.
 *
 * Why classify Auth0's events and not the scripts' own line: the scripts' `console.log` line
 * (`auth0-lazy-migrate ... outcome=...`, pkg-template/shim/log.js) never reaches the tenant logs the
 * Management API serves. Auth0 sends custom-database console output only to its real-time logs
 * (Monitoring > Actions Logs, formerly the Real-time Webtask Logs extension:
 * https://auth0.com/docs/extensions/real-time-webtask-logs). What the API does hold is the event each
 * login produced, whose type follows from the script's callback
 * (https://auth0.com/docs/authenticate/database-connections/custom-db/error-handling):
 *   callback(null, profile)                      -> s  (Success Login)
 *   WrongUsernameOrPasswordError(identifier, m)  -> fp (Incorrect password); a falsy identifier -> fu
 *   UnauthorizedError(m), Error(m)               -> f  (Failed Login)
 * Get User runs, for users not yet imported, on sign-up, password reset and email change
 * (https://auth0.com/docs/authenticate/database-connections/custom-db/templates/get-user); those flows
 * log ss/fs and scpr/fcpr (and scp/fcp, sce/fce); the codes are Auth0's
 * (https://auth0.com/docs/customize/log-streams/event-filters, .../logs/references/log-events-data).
 *
 * UNCONFIRMED, chosen: that a sign-up Get User answers with a profile logs `fs` (Auth0 refuses the
 * sign-up as "user already exists": https://community.auth0.com/t/user-already-exists-error-is-shown-when-trying-to-create-a-new-user-but-cannot-find-user-with-email-in-searches/120220);
 * and that an `f` event's `description` carries the script's error message. The `f`
 * events are sorted by the scripts' own messages (src/oauth.rs, src/lookup.rs, src/flow.rs), found
 * anywhere in the description; an `f` whose description matches none is `error`.
 */

/** The outcome classes, in summary order, with what each means for the operator. */
const OUTCOMES = Object.freeze([
  ['success', 'logged in (migrated now, or already imported)'],
  ['wrong_password', 'wrong email or password (the old tenant cannot tell an unknown user from a wrong password)'],
  ['not_found', 'unknown user (fu)'],
  ['blocked', 'blocked, locked after failed attempts, or a breached password (told to the user)'],
  ['old_tenant_down', 'the old tenant did not answer, failed (5xx) or rate limited: an outage, never a wrong password'],
  ['setup', 'a setup error the scripts name (credentials, grant, connection, scope): fix the settings'],
  ['error', 'any other failed login (f)'],
  ['signup', 'signed up (ss)'],
  ['signup_failed', 'sign-up refused (fs), e.g. the user exists in the old tenant'],
  ['password_reset', 'password reset requested or changed (scpr, scp)'],
  ['password_reset_failed', 'password reset failed (fcpr, fcp)'],
  ['other', 'any other event of the connection'],
]);
const CLASSES = new Set(OUTCOMES.map(([k]) => k));

const BY_TYPE = Object.freeze({
  s: 'success',
  fp: 'wrong_password',
  fu: 'not_found',
  limit_wc: 'blocked', // the new tenant's own brute-force block of an account
  ss: 'signup',
  fs: 'signup_failed',
  scpr: 'password_reset',
  scp: 'password_reset',
  fcpr: 'password_reset_failed',
  fcp: 'password_reset_failed',
});

/** The scripts' `f` messages (UnauthorizedError and Error texts), by class. */
const F_RULES = [
  ['setup', /\bsetup: /],
  ['blocked', /account is blocked|temporarily locked|found in a data breach/i],
  ['old_tenant_down', /no answer from the old tenant|the old tenant is rate limiting|the old tenant failed \(HTTP/i],
];

/** The outcome class of one event. */
function classify(event) {
  const type = String((event && event.type) || '');
  if (type === 'f') {
    const d = String(event.description || '');
    for (const [cls, re] of F_RULES) if (re.test(d)) return cls;
    return 'error';
  }
  return BY_TYPE[type] || 'other';
}

/** Who the event is about, as Auth0 gives it (user_name, else user_id), or "-". */
function who(event) {
  return String(event.user_name || event.user_id || '-');
}

/** One printed line: time, type, outcome, user, description (one line, at most 200 characters). */
function line(event, cls = classify(event)) {
  const d = String(event.description || '')
    .replace(/\s+/g, ' ')
    .trim();
  return [event.date || '-', String(event.type || '-').padEnd(5), cls.padEnd(15), who(event), d.length > 200 ? `${d.slice(0, 197)}...` : d].join('  ').trimEnd();
}

/** The fields --json keeps: no IP, user agent or details (the tool shows outcomes, not tracking data). */
function publicEvent(event, cls = classify(event)) {
  const out = { log_id: event.log_id, date: event.date, type: event.type, outcome: cls };
  for (const k of ['connection', 'user_name', 'user_id', 'client_name', 'description']) if (event[k] !== undefined && event[k] !== '') out[k] = event[k];
  return out;
}

/**
 * The filter of --type / --user: `types` holds event types (s, fp, f...) and/or outcome classes; `user`
 * matches user_name (ignoring case) or user_id (whole, or without its `provider|` prefix).
 */
function matcher({ connection, types, user }) {
  const wanted = types && types.length ? new Set(types) : null;
  const u = user ? String(user).toLowerCase() : null;
  return (event, cls = classify(event)) => {
    if (event.connection !== connection) return false;
    if (wanted && !wanted.has(event.type) && !wanted.has(cls)) return false;
    if (u) {
      const id = String(event.user_id || '').toLowerCase();
      const ok = String(event.user_name || '').toLowerCase() === u || id === u || id.slice(id.indexOf('|') + 1) === u;
      if (!ok) return false;
    }
    return true;
  };
}

/** An empty count of every class. */
function emptyCounts() {
  return Object.fromEntries(OUTCOMES.map(([k]) => [k, 0]));
}

/** "12 event(s): success 7, wrong_password 3" (classes with none left out). */
function describeCounts(counts) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const parts = OUTCOMES.filter(([k]) => counts[k]).map(([k]) => `${k} ${counts[k]}`);
  return `${total} event(s)${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

module.exports = { OUTCOMES, CLASSES, classify, line, publicEvent, matcher, emptyCounts, describeCounts };
