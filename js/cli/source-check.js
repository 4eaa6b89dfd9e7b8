'use strict';
/**
 * `doctor --source NAME` for a source without a contract of its own to check rule by rule (oidc,
 * and any source added later; rest has rest-conformance.js): each credential the scripts use is
 * checked by running the built scripts as Auth0 would, with the fix printed.
 *
 * Why by the scripts: what a reply means (a refused client secret, a lookup token without the
 * right, an unknown user) is decided by the Rust core, and its messages name the setting and the
 * setup step. This module only runs the scripts in the sandbox emulation (as `try` does) and says
 * which outcome was expected; it reads no reply itself.
 *
 * The checks:
 * 1. get_user for a made-up user must answer "no such user": the lookup's credentials (a client
 *    credentials token, an API token, a signing key) were accepted and the lookup works.
 * 2. login for that made-up user with a made-up password must answer "wrong email or password":
 *    the login client's credentials were accepted (a refused client is an Error naming them).
 * 3. The listing `tail`, `status` and `retire` read (the engine's, as those commands run it): its
 *    first page must come back, each user importable. A source that cannot list (oidc with
 *    `Lookup=none`) is a warning: the users who never log in must then be moved some other way.
 * 4. With --user: a wrong password must be "wrong email or password" (one failure counted by the
 *    source), the right one must migrate, and get_user must find the same profile.
 * Side effects at the source: lookups and a failed login of a made-up user, one page of users
 * read; with --user, one wrong password and one login of the test user.
 */

const crypto = require('node:crypto');
const { runRecorded } = require('./rest-conformance');
const { checkFirstPage } = require('./listing-check');
const { describeListed } = require('./old-side');

const why = (report) => (report.error ? report.error.message : `the outcome was ${report.outcome}`);

/** "GET https://host/path answered 401", for the last request a script made (no query: it may carry a key). */
function lastCall(requests) {
  const r = requests[requests.length - 1];
  if (!r) return 'no request was made';
  const u = new URL(r.url);
  const reply = r.reply ? (r.reply.error ? `no reply (${r.reply.error})` : `answered ${r.reply.status}`) : 'no reply';
  return `${u.origin}${u.pathname} ${reply}`;
}

/**
 * Adds the checks to doctor's checklist `list` under section `S`. `src`: the source (js/cli/source.js
 * pickSource, for its fix lines); `scripts`: {login, get_user} texts; `settings`: the checked
 * settings; `user`/`password`: the test user (both or neither); `out`: the output (secrets masked);
 * `engine`: dist/engine.js loaded, for the listing check.
 */
async function checkSourceByScripts(list, S, { src, scripts, settings, user, password, out, engine }) {
  const fixes = src.fixes || {};
  const madeUp = `alm-doctor-${crypto.randomBytes(6).toString('hex')}@example.invalid`;
  const madeUpPassword = `alm-doctor-${crypto.randomBytes(12).toString('base64url')}`;
  out.addSecret(madeUpPassword);

  const find = await runRecorded(scripts.get_user, 'get_user', [madeUp], settings);
  if (find.report.outcome === 'not_found') {
    list.add(S, 'lookup credentials accepted', 'ok', `get_user.js answered "no such user" for a made-up user (${lastCall(find.requests)})`);
  } else {
    list.add(
      S,
      'lookup credentials accepted',
      'fail',
      `get_user.js for a made-up user: ${why(find.report)} (${lastCall(find.requests)})`,
      fixes.get_user || `check the ${src.name} source's lookup settings (${src.doc || 'its docs'})`
    );
  }

  const guess = await runRecorded(scripts.login, 'login', [madeUp, madeUpPassword], settings);
  if (guess.report.outcome === 'wrong_password') {
    list.add(S, 'login credentials accepted', 'ok', `login.js answered "wrong email or password" for a made-up user (${lastCall(guess.requests)})`);
  } else {
    list.add(
      S,
      'login credentials accepted',
      'fail',
      `login.js for a made-up user: ${why(guess.report)} (${lastCall(guess.requests)})`,
      fixes.login || `check the ${src.name} source's login settings (${src.doc || 'its docs'})`
    );
  }

  await checkListing(list, S, { src, settings, engine });

  const names = ['test user: wrong password refused', 'test user: migrates, and get_user finds the same profile'];
  if (!user) {
    for (const n of names) list.add(S, n, 'skip', 'needs a test user: --user ID (its password is asked, or read from stdin)');
    return;
  }
  const wrongPw = `alm-doctor-wrong-${crypto.randomBytes(9).toString('base64url')}`;
  out.addSecret(wrongPw);
  const wrong = await runRecorded(scripts.login, 'login', [user, wrongPw], settings);
  if (wrong.report.outcome === 'wrong_password') list.add(S, names[0], 'ok', `login.js answered "wrong email or password" for ${user} (one failure counted by the source)`);
  else list.add(S, names[0], 'fail', `login.js with a wrong password for ${user}: ${why(wrong.report)}`, fixes.login || 'only a wrong password may read as one');
  const right = await runRecorded(scripts.login, 'login', [user, password], settings);
  const lookup = await runRecorded(scripts.get_user, 'get_user', [user], settings);
  if (right.report.outcome !== 'success') {
    list.add(
      S,
      names[1],
      'fail',
      `login.js with the right password: ${why(right.report)}`,
      right.report.outcome === 'wrong_password' ? 'check the test user and its password' : fixes.login || 'see the message'
    );
  } else if (lookup.report.outcome !== 'found') {
    list.add(S, names[1], 'fail', `get_user.js for ${user}: ${why(lookup.report)}`, fixes.get_user || 'see the message');
  } else if (right.report.stored.user_id !== lookup.report.stored.user_id) {
    // The user id only: the login's profile (token claims) and the lookup's (an admin API) may carry
    // different optional fields, but they must be the same account.
    list.add(
      S,
      names[1],
      'fail',
      `login.js read ${right.report.stored.user_id}, get_user.js ${lookup.report.stored.user_id}`,
      'the login and the lookup must read the same account: check that the lookup settings point at the same provider and realm'
    );
  } else {
    list.add(S, names[1], 'ok', `login.js and get_user.js both read the profile of ${right.report.stored.user_id}`);
  }
}

/** Check 3: the first page of the listing, read as `tail`, `status` and `retire` read it. */
async function checkListing(list, S, { src, settings, engine }) {
  const fix = (src.fixes && src.fixes.list) || `check the ${src.name} source's lookup settings (${src.doc || 'its docs'}): the listing uses the same credentials`;
  await checkFirstPage(list, S, {
    name: 'users listed for tail, status and retire',
    engine,
    source: src.name,
    settings,
    label: describeListed(src, settings).label,
    unfit: 'cannot be imported',
    fix,
    badFix: fix,
    cannot: (err) => ({
      detail: `this source cannot list its users: ${err.message}`,
      fix: 'tail, status and retire --deploy need a listing to find the users who never log in; move those users yourself',
    }),
  });
}

module.exports = { checkSourceByScripts };
