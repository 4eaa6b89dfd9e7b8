'use strict';
/**
 * What Auth0 does after a custom-database login script answered, for the rehearsal world's traffic
 * (js/fakes/traffic.js): the tenant log event it records and, on a success with "Import Users to
 * Auth0" on, the user it stores in the connection. Pure: the caller adds both to the fake new tenant.
 *
 * Why apart: this is the one place where the sandbox's report (js/sandbox/report.js: the callback's
 * meaning, s / fp / fu / f) becomes tenant state, and `logs` (js/cli/log-events.js) and `status` read
 * that state back; keeping the mapping here keeps it checkable against those readers.
 *
 * The event's fields follow Auth0's (https://auth0.com/docs/api/management/v2/logs/get-logs example
 * reply): type, description, connection, connection_id, client_id, client_name, user_id, user_name;
 * `date`, `log_id`, ip and strategy are filled by the fake's log store (fake-tenant/logs.js), on the
 * tenant's clock. fp and fu carry Auth0's login-page text "Wrong email or password."; an `f` carries
 * the script's error message (UNCONFIRMED, as in fake-tenant/logs.js), which is how `logs` tells
 * blocked, old-tenant-down and setup failures apart. The stored user's id is `auth0|` + the returned
 * user_id, as the sandbox's report and the fake's import job (fake-tenant/jobs.js) both make it.
 */

const WRONG = 'Wrong email or password.';

/**
 * The application the rehearsal's users log in through. Made up: the world's new tenant only holds
 * machine-to-machine apps, and an event without an application would look unlike Auth0's.
 */
const APP = Object.freeze({ client_id: 'rehearsalWebApp0000000000000001', client_name: 'Rehearsal Web App' });

/**
 * The stored user (the fake's seed shape: the password kept as given, as Auth0 keeps its hash; the
 * defaults of the fake's import for a missing name or nickname), or null when nothing is stored.
 */
function storedUser(report, { connection, password, importMode, nowIso }) {
  if (!importMode || report.event !== 's' || !report.stored) return null;
  const p = report.stored;
  const email = typeof p.email === 'string' ? p.email.toLowerCase() : undefined;
  return {
    ...p,
    connection,
    password,
    ...(p.name === undefined && email ? { name: email } : {}),
    ...(p.nickname === undefined && email ? { nickname: email.split('@')[0] } : {}),
    created_at: nowIso,
    updated_at: nowIso,
    last_login: nowIso,
    logins_count: 1,
  };
}

/**
 * {event, user}: the log event for `report` (the sandbox's login report) of a login as `identifier`
 * on `connection` ({name, id}), and the user to store (or null).
 */
function auth0Outcome(report, { identifier, password, connection, importMode, nowIso }) {
  const base = { connection: connection.name, connection_id: connection.id, ...APP, user_name: identifier };
  const type = report.event === 's' && !report.stored ? 'f' : report.event || 'f';
  let event;
  if (type === 's') event = { type, ...base, user_id: report.stored.user_id, user_name: report.stored.email || identifier };
  else if (type === 'fp' || type === 'fu') event = { type, ...base, description: WRONG };
  else {
    const why = report.error ? report.error.message : (report.violations || [])[0] || 'the login script failed';
    event = { type: 'f', ...base, description: why };
  }
  return { event, user: storedUser(report, { connection: connection.name, password, importMode, nowIso }) };
}

module.exports = { WRONG, APP, auth0Outcome };
