'use strict';
/**
 * The Management API v2 routes the migration scripts read: users-by-email, users/{id} and user search
 * (v3). Bearer tokens are checked the way the real API does: RS256 signature against the tenant's
 * published keys, issuer, audience `https://<domain>/api/v2/`, expiry, then the route's scope.
 */

const { verifyRs256 } = require('./jwt');
const { compile, LuceneSyntaxError, LuceneUnsupportedError } = require('./lucene');

const mgmtError = (status, error, message, errorCode, extra = {}) => {
  const body = { statusCode: status, error, message, ...extra };
  if (errorCode) body.errorCode = errorCode;
  return { status, body };
};
// Auth0's 401 bodies (hapi style) repeat the message under `attributes.error` and carry no errorCode.
const unauthorized = (message) => mgmtError(401, 'Unauthorized', message, null, { attributes: { error: message } });

/**
 * Checks the Authorization header; returns {token payload} or {error reply}. `scope` is one scope or a
 * list of which any one suffices (Auth0 documents e.g. the job reads as "read:users or create:users").
 */
function authenticate(st, headers, scope) {
  const h = headers.authorization;
  if (!h) return { error: mgmtError(401, 'Unauthorized', 'Missing authentication') };
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  if (!m) return { error: mgmtError(400, 'Bad Request', 'Bad HTTP authentication header format') };
  const d = verifyRs256(m[1], st.publishedKeys());
  if (!d) return { error: unauthorized('Invalid token') };
  const p = d.payload;
  const auds = Array.isArray(p.aud) ? p.aud : [p.aud];
  if (!auds.includes(st.mgmtAudience)) return { error: unauthorized(`Bad audience: ${auds.join(' ')}`) };
  if (p.iss !== st.issuer) return { error: unauthorized('Invalid token') };
  if (typeof p.exp !== 'number' || p.exp <= st.nowSec()) {
    return { error: unauthorized('Expired token received for JSON Web Token validation') };
  }
  const scopes = String(p.scope || '').split(/\s+/);
  const wanted = Array.isArray(scope) ? scope : [scope];
  if (!wanted.some((s) => scopes.includes(s))) {
    return { error: mgmtError(403, 'Forbidden', `Insufficient scope, expected any of: ${wanted.join(',')}`, 'insufficient_scope') };
  }
  return { payload: p, scopes };
}

/** The Management API view of a stored user: never the password or the fake's private flags. */
function publicUser(u) {
  const out = {
    created_at: u.created_at,
    email: u.email,
    email_verified: !!u.email_verified,
    identities: [
      {
        connection: u.connection,
        provider: 'auth0',
        user_id: u.user_id.slice(u.user_id.indexOf('|') + 1),
        isSocial: false,
      },
    ],
    name: u.name,
    nickname: u.nickname,
    picture: u.picture,
    updated_at: u.updated_at,
    user_id: u.user_id,
  };
  if (u.username !== undefined) out.username = u.username;
  if (u.given_name !== undefined) out.given_name = u.given_name;
  if (u.family_name !== undefined) out.family_name = u.family_name;
  if (u.user_metadata !== undefined) out.user_metadata = structuredClone(u.user_metadata);
  if (u.app_metadata !== undefined) out.app_metadata = structuredClone(u.app_metadata);
  if (u.blocked) out.blocked = true;
  if (u.mfa_enrolled) out.multifactor = ['guardian'];
  if (u.last_ip !== undefined) out.last_ip = u.last_ip;
  if (u.last_login !== undefined) out.last_login = u.last_login;
  out.logins_count = u.logins_count || 0;
  return out;
}

/** Applies the `fields` / `include_fields` query parameters Auth0 supports on user and connection reads. */
function project(obj, query) {
  const fields = query.get('fields');
  if (!fields) return obj;
  const list = fields
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const include = query.get('include_fields') !== 'false';
  const out = {};
  for (const [k, v] of Object.entries(obj)) if (list.includes(k) === include) out[k] = v;
  return out;
}

function usersByEmail(st, query) {
  const email = query.get('email');
  if (!email) {
    return mgmtError(400, 'Bad Request', "Query validation error: 'Missing required property: email' on property email (Email address to search for (case-sensitive)).", 'invalid_query_string');
  }
  // Auth0 stores database users' emails lower-cased and documents this lookup as case-sensitive, so by
  // default a mixed-case query finds nobody. `usersByEmailMatch: 'insensitive'` relaxes that.
  const insensitive = st.opts.usersByEmailMatch === 'insensitive';
  const found = st.users.filter((u) => (insensitive ? u.email === email.toLowerCase() : u.email === email));
  return { status: 200, body: found.map((u) => project(publicUser(u), query)) };
}

function getUser(st, id, query) {
  const u = st.users.find((x) => x.user_id === id);
  if (!u) return mgmtError(404, 'Not Found', 'The user does not exist.', 'inexistent_user');
  return { status: 200, body: project(publicUser(u), query) };
}

function searchUsers(st, query) {
  const engine = query.get('search_engine');
  if (engine && engine !== 'v3') {
    return mgmtError(400, 'Bad Request', `The search engine ${engine} is no longer available. Use search_engine=v3.`, 'invalid_query_string');
  }
  const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') || 50) || 50));
  const page = Math.max(0, Number(query.get('page') || 0) || 0);
  const q = query.get('q');
  let matches = st.users;
  if (q) {
    let pred;
    try {
      pred = compile(q);
    } catch (err) {
      if (err instanceof LuceneSyntaxError) return mgmtError(400, 'Bad Request', `Invalid query: ${err.message}`, 'invalid_query_string');
      if (err instanceof LuceneUnsupportedError) return mgmtError(400, 'Bad Request', err.message, 'fake_tenant_unsupported_query');
      throw err;
    }
    matches = st.users.filter((u) => pred(u) && !st.hiddenFromSearch.has(u.user_id));
  } else {
    matches = st.users.filter((u) => !st.hiddenFromSearch.has(u.user_id));
  }
  const slice = matches.slice(page * perPage, page * perPage + perPage).map((u) => project(publicUser(u), query));
  if (query.get('include_totals') === 'true') {
    return { status: 200, body: { start: page * perPage, limit: perPage, length: slice.length, total: matches.length, users: slice } };
  }
  return { status: 200, body: slice };
}

/**
 * Runs a Management API route. `route` is 'users-by-email' | 'user' | 'users-search'.
 * @returns {{status:number, body:any}}
 */
function handleManagement(st, route, { headers, query, userId }) {
  const auth = authenticate(st, headers, 'read:users');
  if (auth.error) return auth.error;
  if (route === 'users-by-email') return usersByEmail(st, query);
  if (route === 'user') return getUser(st, userId, query);
  return searchUsers(st, query);
}

module.exports = { handleManagement, authenticate, publicUser, mgmtError, project };
