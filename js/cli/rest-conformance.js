'use strict';
/**
 * `doctor --source rest`: the operator's user store checked against docs/rest-contract.md, one rule
 * per checklist line, each failure with its fix.
 *
 * Why this way:
 * - What the scripts would make of a reply is decided by the scripts: the built dist/rest/*.js run in
 *   the sandbox emulation (as `try` runs them) for a made-up user, a wrong password and the test
 *   user's right password; the profile schema, the identity check and every reply's reading stay in
 *   the Rust core. This module only compares outcomes, and records the requests the scripts made
 *   (their URL and path are the core's, never recomposed here).
 * - What no script ever sends (no signature, a wrong one, an old timestamp) is sent here, once each,
 *   to the same URL with the body the script sent: the only way to see that the store refuses it.
 *   Signing an old timestamp needs the contract's HMAC recipe, so it is written here too (four
 *   lines, the contract's own text); the script's first, fresh request proves the secret itself.
 * Side effects on the store: lookups of a made-up user, and with --user one wrong password (counted
 * by a store that locks after repeated failures) and one right one.
 */

const crypto = require('node:crypto');
const { createContainer } = require('../sandbox');
const net = require('./net');
const { checkFirstPage } = require('./listing-check');

/** The contract's numbers (src/rest/settings.rs `limits`), needed to build the requests sent here. */
const REPLAY_WINDOW_S = 300;
const MAX_REPLY_BYTES = 65_536;
/** Which error codes each status may carry (docs/rest-contract.md "Replies"); 429 and 5xx carry any. */
const CODES = { 401: ['wrong_credentials', 'bad_signature', 'stale_timestamp'], 403: ['blocked', 'password_reset_required'], 404: ['not_found'], 423: ['locked'] };

const FIX = {
  reach: 'check Base_URL (--rest-base-url) and Find_Path, that the store serves HTTPS with a certificate Auth0 trusts, and that it is up',
  secret: 'Shared_Secret (ALM_REST_SHARED_SECRET) must be the store\'s own secret, byte for byte; the signed text is "POST\\n<path>\\n<timestamp>\\n<body>" (docs/rest-contract.md "Authentication")',
  signature:
    'the store must recompute HMAC-SHA256 over "POST\\n<path>\\n<timestamp>\\n<body>" with the shared secret and compare it with X-ALM-Signature in constant time, answering 401 {"error":"bad_signature"} to a missing or different one, before anything else',
  window: 'after the signature, the store must refuse an X-ALM-Timestamp more than 300 s from its clock, either way: 401 {"error":"stale_timestamp"}',
  notFound: 'an unknown identifier on the lookup must be 404 {"error":"not_found"} (get_user then lets Auth0 create the user; any other answer is an Error)',
  wrong: 'a wrong password must be 401 {"error":"wrong_credentials"}: only that reply becomes "wrong email or password"',
  profile: 'the 200 reply must be the profile of docs/rest-contract.md "The profile": user_id a string, email equal to the identifier, known fields of their type',
  same: 'the password check and the lookup must return the same profile for a user (Auth0 compares them)',
  json: 'every reply must be a JSON object (content-type application/json) shorter than 64 KiB',
  list: 'serve POST {Base_URL}/list-users as docs/rest-contract.md "Listing users" says: signed like the others, {"users": [profile...], "next_cursor": "..." | null}, each profile as find-user returns it',
  listMissing: 'optional: tail, status and retire --deploy need it to find the users who never log in; implement docs/rest-contract.md "Listing users", or import those users yourself',
  agree: 'answer each code with its status (docs/rest-contract.md "Replies"): 401 wrong_credentials/bad_signature/stale_timestamp, 403 blocked/password_reset_required, 404 not_found, 423 locked',
};

/** A reply as read here: {status, text, bytes, json (object or undefined)}. */
async function readReply(res) {
  const buf = Buffer.from(await res.arrayBuffer());
  let json;
  try {
    json = JSON.parse(buf.toString('utf8'));
  } catch {
    json = undefined;
  }
  return { status: res.status, bytes: buf.length, json: json && typeof json === 'object' && !Array.isArray(json) ? json : undefined, parsed: json !== undefined };
}

/** "401 {"error":"bad_signature"}", or the status and what the body was. */
function shown(reply) {
  if (!reply) return 'no reply';
  if (reply.error) return `no reply (${reply.error})`;
  const code = reply.json && typeof reply.json.error === 'string' ? ` {"error":"${reply.json.error}"}` : reply.json ? ' (a JSON object)' : reply.parsed ? ' (JSON, not an object)' : ' (not JSON)';
  return `${reply.status}${code}`;
}

/**
 * Runs the built script `text` of `kind` in a fresh sandbox with `settings`, recording the requests it
 * makes through the global fetch (URL, headers, body) and each reply. Returns {report, requests}.
 */
async function runRecorded(text, kind, args, settings) {
  const requests = [];
  const inner = globalThis.fetch;
  globalThis.fetch = async (url, init = {}) => {
    const body = typeof init.body === 'string' ? init.body : init.body ? Buffer.from(init.body).toString('utf8') : '';
    const entry = { url: String(url), headers: Object.fromEntries(new Headers(init.headers || {})), body, reply: null };
    requests.push(entry);
    try {
      const res = await inner(url, init);
      entry.reply = await readReply(res.clone());
      return res;
    } catch (err) {
      entry.reply = { error: net.failureCode(err) || err.message };
      throw err;
    }
  };
  try {
    const report = await createContainer({ configuration: settings }).invoke(text, { kind, args });
    return { report, requests };
  } finally {
    globalThis.fetch = inner;
  }
}

/** The contract's signature of a request to `path` with `body` at `ts`, keyed with `secret`. */
const sign = (secret, path, ts, body) => `v1=${crypto.createHmac('sha256', secret).update(`POST\n${path}\n${ts}\n${body}`).digest('hex')}`;

/** Sends the script's request again with other authentication headers; returns the reply as read here. */
async function resend(request, headers) {
  try {
    const res = await net.fetch(request.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: request.body });
    return await readReply(res);
  } catch (err) {
    return { error: net.failureCode(err) || err.message };
  }
}

const is = (reply, status, code) => !!reply && reply.status === status && !!reply.json && reply.json.error === code;
const scriptWhy = (report) => (report.error ? report.error.message : `the outcome was ${report.outcome}`);

/**
 * Adds the conformance checks to the checklist `list` (doctor's) under section `S`. `scripts`:
 * {login, get_user} texts of dist/rest; `settings` the checked rest settings; `user` and `password`
 * the operator's test user (both or neither). Returns nothing; every finding is a list item.
 */
async function checkRestStore(list, S, { scripts, settings, user, password, out, engine = null }) {
  const replies = [];
  const madeUp = `alm-doctor-${crypto.randomBytes(6).toString('hex')}@example.invalid`;

  // 1. The lookup of a made-up user, by the built get_user.js: reachability, the secret, not_found.
  const find = await runRecorded(scripts.get_user, 'get_user', [madeUp], settings);
  const first = find.requests[0];
  if (!first || !first.reply || first.reply.error) {
    list.add(S, 'store reachable', 'fail', first ? `${first.url}: ${shown(first.reply)}` : `get_user made no request: ${scriptWhy(find.report)}`, FIX.reach);
    list.add(S, 'the other contract rules', 'skip', 'needs the store to answer');
    return;
  }
  list.add(S, 'store reachable', 'ok', `${first.url} answered ${first.reply.status}`);
  for (const r of find.requests) replies.push(['find-user (made-up user)', r.reply]);
  // A store that refuses the scripts' own signature answers everything else the same: the rules
  // that need a signed request are skipped rather than failed, so the one fix shows.
  const secretOk = !is(first.reply, 401, 'bad_signature');
  const needsSecret = "needs the store to accept the scripts' signature (see above)";
  if (!secretOk) {
    list.add(S, "the store accepts the scripts' signature", 'fail', `a signed lookup got ${shown(first.reply)}`, FIX.secret);
  } else {
    list.add(S, "the store accepts the scripts' signature", 'ok', `a signed lookup got ${shown(first.reply)}`);
  }
  if (!secretOk) {
    list.add(S, 'unknown user on find-user: 404 not_found', 'skip', needsSecret);
  } else if (is(first.reply, 404, 'not_found') && find.report.outcome === 'not_found') {
    list.add(S, 'unknown user on find-user: 404 not_found', 'ok', 'get_user.js answered "no such user"');
  } else {
    list.add(S, 'unknown user on find-user: 404 not_found', 'fail', `got ${shown(first.reply)}; get_user.js: ${scriptWhy(find.report)}`, FIX.notFound);
  }

  // 2. What the scripts never send: no signature, a wrong one, an old and a future timestamp.
  const path = new URL(first.url).pathname;
  const now = Math.floor(Date.now() / 1000);
  const unsigned = await resend(first, {});
  const forged = await resend(first, { 'x-alm-timestamp': String(now), 'x-alm-signature': sign(crypto.randomBytes(32).toString('hex'), path, now, first.body) });
  replies.push(['unsigned', unsigned], ['wrongly signed', forged]);
  const sigOk = is(unsigned, 401, 'bad_signature') && is(forged, 401, 'bad_signature');
  list.add(
    S,
    'signature enforced (401 bad_signature)',
    sigOk ? 'ok' : 'fail',
    sigOk ? 'an unsigned and a wrongly signed lookup were refused' : `unsigned: ${shown(unsigned)}; wrongly signed: ${shown(forged)}`,
    FIX.signature
  );
  const lag = 2 * REPLAY_WINDOW_S + 60;
  const old = await resend(first, { 'x-alm-timestamp': String(now - lag), 'x-alm-signature': sign(settings.Shared_Secret, path, now - lag, first.body) });
  const ahead = await resend(first, { 'x-alm-timestamp': String(now + lag), 'x-alm-signature': sign(settings.Shared_Secret, path, now + lag, first.body) });
  replies.push(['old timestamp', old], ['future timestamp', ahead]);
  const windowOk = is(old, 401, 'stale_timestamp') && is(ahead, 401, 'stale_timestamp');
  if (!secretOk) list.add(S, `replay window enforced (401 stale_timestamp beyond ${REPLAY_WINDOW_S} s)`, 'skip', needsSecret);
  else
    list.add(
      S,
      `replay window enforced (401 stale_timestamp beyond ${REPLAY_WINDOW_S} s)`,
      windowOk ? 'ok' : 'fail',
      windowOk ? `lookups signed ${lag} s in the past and in the future were refused` : `${lag} s old: ${shown(old)}; ${lag} s ahead: ${shown(ahead)}`,
      FIX.window
    );

  // 3. The test user: a wrong password, then the right one, by the built login.js; the lookup too.
  if (!user || !secretOk) {
    for (const n of ['wrong password: 401 wrong_credentials', "the test user's profile passes the contract"]) {
      list.add(S, n, 'skip', secretOk ? 'needs a test user: --user ID (its password is asked, or read from stdin)' : needsSecret);
    }
  } else {
    const wrongPw = `alm-doctor-wrong-${crypto.randomBytes(9).toString('base64url')}`;
    out.addSecret(wrongPw);
    const wrong = await runRecorded(scripts.login, 'login', [user, wrongPw], settings);
    const w = wrong.requests[0];
    for (const r of wrong.requests) replies.push(['verify-password (wrong password)', r.reply]);
    if (w && is(w.reply, 401, 'wrong_credentials') && wrong.report.outcome === 'wrong_password') {
      list.add(S, 'wrong password: 401 wrong_credentials', 'ok', `login.js answered "wrong email or password" for ${user} (one failure counted by the store)`);
    } else {
      list.add(S, 'wrong password: 401 wrong_credentials', 'fail', `got ${shown(w && w.reply)}; login.js: ${scriptWhy(wrong.report)}`, FIX.wrong);
    }
    const right = await runRecorded(scripts.login, 'login', [user, password], settings);
    const lookup = await runRecorded(scripts.get_user, 'get_user', [user], settings);
    for (const r of right.requests) replies.push(['verify-password (right password)', r.reply]);
    for (const r of lookup.requests) replies.push(['find-user (test user)', r.reply]);
    const name = "the test user's profile passes the contract";
    if (right.report.outcome !== 'success') {
      list.add(S, name, 'fail', `login.js with the right password: ${scriptWhy(right.report)}`, right.report.outcome === 'wrong_password' ? 'check the test user and its password' : FIX.profile);
    } else if (lookup.report.outcome !== 'found') {
      list.add(S, name, 'fail', `get_user.js for ${user}: ${scriptWhy(lookup.report)}`, FIX.profile);
    } else if (JSON.stringify(right.report.profile) !== JSON.stringify(lookup.report.profile)) {
      list.add(S, name, 'fail', 'the password check and the lookup returned different profiles', FIX.same);
    } else {
      list.add(S, name, 'ok', `login.js and get_user.js both read the profile of ${right.report.stored.user_id}`);
    }
  }

  // 4. Every reply seen: a JSON object under the limit, its status and code agreeing.
  const bad = replies.filter(([, r]) => r && !r.error && (r.bytes >= MAX_REPLY_BYTES || !r.json));
  list.add(
    S,
    'replies are JSON objects under 64 KiB',
    bad.length ? 'fail' : 'ok',
    bad.length ? bad.map(([what, r]) => `${what}: ${r.bytes} bytes, ${shown(r)}`).join('; ') : `${replies.length} replies`,
    FIX.json
  );
  const disagree = replies.filter(([, r]) => {
    if (!r || r.error || !r.json) return false;
    const code = r.json.error;
    if (r.status === 200) return code !== undefined;
    if (r.status === 429 || r.status >= 500) return false;
    return !(CODES[r.status] || []).includes(code);
  });
  list.add(
    S,
    'status and code agree',
    disagree.length ? 'fail' : 'ok',
    disagree.length ? disagree.map(([what, r]) => `${what}: ${shown(r)}`).join('; ') : 'every error reply carries a code of its status',
    FIX.agree
  );

  // 5. The optional list call (the command line's tail, status, retire): its first page, read and
  // mapped by the engine exactly as tail reads it (stream/listing.js, src/rest/list.rs).
  await checkListCall(list, S, { settings, engine, secretOk, needsSecret });
}

/** The optional rule: the first page of `POST /list-users`, or why the store has none. */
async function checkListCall(list, S, { settings, engine, secretOk, needsSecret }) {
  await checkFirstPage(list, S, {
    name: 'optional list call: POST /list-users (tail, status, retire)',
    engine,
    source: 'rest',
    settings,
    label: 'list-users',
    skipWhy: secretOk ? null : needsSecret,
    unfit: 'do not pass the profile schema',
    fix: FIX.list,
    badFix: FIX.profile,
    cannot: () => ({ detail: 'not served (HTTP 404)', fix: FIX.listMissing }),
  });
}

module.exports = { checkRestStore, runRecorded, REPLAY_WINDOW_S };
