'use strict';
/**
 * POST /oauth/token of the fake tenant: the password, password-realm and client-credentials grants,
 * with Auth0's error replies (sources and confidence are listed in the report and in the test file).
 *
 * Order of checks, chosen to match what an Auth0 caller observes:
 *   client authentication -> grant allowed for the client -> parameters -> connection ->
 *   brute-force block -> credentials -> blocked -> breached password -> MFA -> tokens.
 */

const crypto = require('node:crypto');

const GRANT_PASSWORD = 'password';
const GRANT_REALM = 'http://auth0.com/oauth/grant-type/password-realm';
const GRANT_CC = 'client_credentials';
const OIDC_SCOPES = ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'];

const oauthError = (status, error, description, extra = {}) => ({
  status,
  body: { error, error_description: description, ...extra },
});

const TOO_MANY_ATTEMPTS = "Your account has been blocked after multiple consecutive login attempts. We've sent you an email with instructions on how to unblock it.";
const PASSWORD_LEAKED = 'This login has been blocked because your password has been leaked in another website. We’ve sent you an email with instructions on how to unblock it.';

function authenticateClient(st, params, headers) {
  let id = params.client_id;
  let secret = params.client_secret;
  const basic = /^Basic\s+(\S+)$/i.exec(headers.authorization || '');
  if (basic) {
    const [u, p] = Buffer.from(basic[1], 'base64').toString('utf8').split(':');
    id = id || decodeURIComponent(u || '');
    secret = secret || decodeURIComponent(p || '');
  }
  if (!id) return { error: oauthError(400, 'invalid_request', 'Missing required parameter: client_id') };
  const client = st.clients.find((c) => c.client_id === id);
  // Auth0 answers an unknown client and a wrong/missing secret alike.
  if (!client || typeof secret !== 'string' || !safeEqual(secret, client.client_secret)) {
    return { error: oauthError(401, 'access_denied', 'Unauthorized') };
  }
  return { client };
}

function safeEqual(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** The identity claims Auth0 puts in an ID token for the `profile` and `email` scopes. */
function profileClaims(st, user, scopes) {
  const c = {};
  if (scopes.includes('profile')) {
    for (const k of ['given_name', 'family_name', 'nickname', 'name', 'picture']) if (user[k] !== undefined) c[k] = user[k];
    c.updated_at = user.updated_at;
    // `username` is not an OIDC claim; Auth0 leaves it out. Opt-in only, for experiments.
    if (st.opts.idTokenUsername && user.username) c.username = user.username;
  }
  if (scopes.includes('email') && user.email !== undefined) {
    c.email = user.email;
    c.email_verified = !!user.email_verified;
  }
  return c;
}

/** Builds and signs the ID token, applying a test-requested tampering variant if any. */
function buildIdToken(st, user, client, scopes, variant) {
  const now = Math.floor(st.nowSec());
  let subject = user;
  if (variant === 'other_user') {
    subject = st.users.find((u) => u.user_id !== user.user_id && u.connection === user.connection) || st.users.find((u) => u.user_id !== user.user_id);
  }
  const payload = {
    ...profileClaims(st, subject, scopes),
    iss: st.issuer,
    aud: client.client_id,
    iat: now,
    exp: now + st.opts.idTokenLifetime,
    sub: subject.user_id,
  };
  const cp = st.opts.claimsProducer;
  if (cp && cp.enabled !== false && (cp.clientIds || ['migration-app-client-id']).includes(client.client_id)) {
    // As the post-login Action does: claims carry the metadata as it was when the login started.
    payload[`${cp.namespace}user_metadata`] = structuredClone(subject.user_metadata || {});
    payload[`${cp.namespace}app_metadata`] = structuredClone(subject.app_metadata || {});
    // Auth0's ID token has no username claim; our Action adds it (dist/metadata-action.js).
    if (subject.username) payload[`${cp.namespace}username`] = subject.username;
  }
  switch (variant) {
    case 'wrong_iss':
      payload.iss = 'https://wrong-issuer.example.com/';
      break;
    case 'wrong_aud':
      payload.aud = 'some-other-client-id';
      break;
    case 'expired':
      payload.iat = now - 7200;
      payload.exp = now - 3600;
      break;
    default:
      break;
  }
  const es256 = st.opts.idTokenAlg === 'ES256';
  const kind =
    {
      unknown_kid: 'unknown_kid',
      wrong_key: es256 ? 'es256_rogue' : 'rogue',
      alg_none: 'none',
      hs256: 'hs256',
      // The other algorithm named in the header, on the kid of a published key of this one's kind.
      alg_swap: es256 ? 'rs256_on_ec_kid' : 'es256_on_rsa_kid',
    }[variant] || (es256 ? 'es256' : 'active');
  return st.signWith(kind, payload, { secret: client.client_secret });
}

/** What the claims producer (Rule / post-login Action) does to the stored user after a login. */
function runClaimsProducerSideEffects(st, user, client) {
  const cp = st.opts.claimsProducer;
  if (!cp || cp.enabled === false || !(cp.clientIds || ['migration-app-client-id']).includes(client.client_id)) return;
  user.app_metadata = { ...(user.app_metadata || {}), migration_complete: true };
  user.updated_at = new Date(st.nowSec() * 1000).toISOString();
}

function clientIp(client, headers, remoteIp) {
  const fwd = headers['auth0-forwarded-for'];
  if (fwd && client.token_endpoint_ip_header_trusted) return String(fwd).split(',')[0].trim();
  return remoteIp;
}

function passwordGrant(st, client, params, ctx) {
  const realmGrant = params.grant_type === GRANT_REALM;
  for (const k of ['username', 'password']) {
    if (typeof params[k] !== 'string' || params[k] === '') {
      return oauthError(400, 'invalid_request', `Missing required parameter: ${k}`);
    }
  }
  let connName;
  if (realmGrant) {
    if (!params.realm) return oauthError(400, 'invalid_request', 'Missing required parameter: realm');
    connName = params.realm;
  } else {
    if (!st.defaultDirectory) {
      return oauthError(500, 'server_error', 'Authorization server not configured with default connection.');
    }
    connName = st.defaultDirectory;
  }
  const conn = st.connections.find((c) => c.name === connName);
  if (!conn) return oauthError(400, 'invalid_request', `Unknown realm: ${connName}`);
  if (!(conn.enabled_clients || []).includes(client.client_id)) {
    return oauthError(400, 'invalid_request', 'the connection was disabled');
  }
  if (params.audience !== undefined && params.audience !== st.mgmtAudience) {
    return oauthError(403, 'access_denied', `Service not found: ${params.audience}`);
  }
  const scopes = String(params.scope || '')
    .split(/\s+/)
    .filter((s) => OIDC_SCOPES.includes(s));

  // Auth0 database connections store email and username lower-cased and match the login identifier
  // case-insensitively against either.
  const ident = params.username.toLowerCase();
  const user = st.users.find((u) => u.connection === conn.name && (u.email === ident || (u.username && u.username === ident)));
  // "Use my own database": the Login script decides, unless Import Users has already stored this user
  // with a password (then Auth0 checks it itself and never runs the script for them again).
  const o = conn.options || {};
  if (o.enabledDatabaseCustomization === true && typeof (o.customScripts || {}).login === 'string' && !(o.import_mode === true && user && typeof user.password === 'string')) {
    return customDbLogin(st, client, conn, params, scopes);
  }
  const ip = clientIp(client, ctx.headers, ctx.remoteIp);
  const bfKey = user ? `${user.user_id}|${ip}` : null;
  if (bfKey && (st.bruteForce.get(bfKey) || 0) >= st.opts.bruteForceLimit) {
    return oauthError(429, 'too_many_attempts', TOO_MANY_ATTEMPTS);
  }
  // A bulk-imported user has no password until they reset it: nothing matches.
  if (!user || typeof user.password !== 'string' || !safeEqual(params.password, user.password)) {
    if (bfKey) st.bruteForce.set(bfKey, (st.bruteForce.get(bfKey) || 0) + 1);
    return oauthError(403, 'invalid_grant', 'Wrong email or password.');
  }
  st.bruteForce.delete(bfKey);
  if (user.blocked) return oauthError(401, 'unauthorized', 'user is blocked');
  if (user.password_leaked) return oauthError(401, 'password_leaked', PASSWORD_LEAKED);
  if (user.mfa_enrolled) {
    return oauthError(403, 'mfa_required', 'Multifactor authentication required', {
      mfa_token: `Fe26.2**${crypto.randomBytes(24).toString('base64url')}`,
    });
  }

  const nowIso = new Date(st.nowSec() * 1000).toISOString();
  user.last_login = nowIso;
  user.updated_at = nowIso;
  user.last_ip = ip;
  user.logins_count = (user.logins_count || 0) + 1;

  const body = {
    access_token: crypto.randomBytes(24).toString('base64url'),
  };
  if (params.audience === st.mgmtAudience) {
    const now = Math.floor(st.nowSec());
    body.access_token = st.signWith('active', {
      iss: st.issuer,
      sub: user.user_id,
      aud: [st.mgmtAudience, `${st.issuer}userinfo`],
      iat: now,
      exp: now + 86400,
      scope: scopes.join(' '),
      azp: client.client_id,
      gty: 'password',
    });
  }
  let consumedFault = false;
  if (scopes.includes('openid')) {
    const f = ctx.fault && ctx.fault.fault.kind === 'id_token' ? ctx.fault : null;
    body.id_token = buildIdToken(st, user, client, scopes, f && f.fault.variant);
    consumedFault = !!f;
  }
  if (scopes.length) body.scope = scopes.join(' ');
  body.expires_in = 86400;
  body.token_type = 'Bearer';
  runClaimsProducerSideEffects(st, user, client);
  return { status: 200, body, consumedFault };
}

/**
 * The password(-realm) grant on a custom-database connection: the connection's Login script runs with
 * its configuration in the sandbox emulation (fake-tenant/scripts.js), and its callback is the answer.
 * A profile becomes the user (`auth0|` + its user_id; with Import Users on, stored with the password,
 * else as a profile only) and an ID token carrying the profile's standard claims. An error answers:
 * WrongUsernameOrPasswordError 403 invalid_grant "Wrong email or password." (the contract's shape);
 * UnauthorizedError 401 unauthorized with its message (as for a blocked user); any other error, a
 * throw, an unusable profile or a script that outlives the limit 403 access_denied with the message
 * (Auth0's shape for these is UNCONFIRMED; readers take any error with its description).
 */
async function customDbLogin(st, client, conn, params, scopes) {
  const configuration = Object.fromEntries(Object.entries(conn.options.configuration || {}).filter(([, v]) => typeof v === 'string'));
  let r;
  try {
    r = await st.scripts.run({ connectionId: conn.id, script: conn.options.customScripts.login, configuration, identifier: params.username, password: params.password });
  } catch (err) {
    return oauthError(500, 'server_error', `the custom database script's container failed: ${err.message}`);
  }
  // Deleted while its script ran (a client's cleanup): nothing is stored for a connection that is gone.
  if (!st.connections.includes(conn)) return oauthError(400, 'invalid_request', `Unknown realm: ${conn.name}`);
  if (r.timedOut) return oauthError(403, 'access_denied', 'Script execution time exceeded');
  if (r.outcome === 'wrong_password') return oauthError(403, 'invalid_grant', 'Wrong email or password.');
  if (r.outcome === 'unauthorized') return oauthError(401, 'unauthorized', r.error.message);
  if (r.outcome !== 'success' || !r.profile) {
    const why = r.error ? r.error.message : r.violations[0] || `the script answered ${r.outcome}`;
    return oauthError(403, 'access_denied', why);
  }
  const p = r.profile;
  const nowIso = new Date(st.nowSec() * 1000).toISOString();
  const userId = `auth0|${p.user_id}`;
  let user = st.users.find((u) => u.user_id === userId && u.connection === conn.name);
  if (!user) {
    user = { user_id: userId, connection: conn.name, created_at: nowIso };
    st.users.push(user);
  }
  for (const k of ['email', 'username', 'name', 'nickname', 'given_name', 'family_name', 'picture', 'email_verified', 'user_metadata', 'app_metadata']) {
    if (p[k] !== undefined) user[k] = k === 'email' || k === 'username' ? String(p[k]).toLowerCase() : structuredClone(p[k]);
  }
  if (conn.options.import_mode === true) user.password = params.password;
  user.updated_at = nowIso;
  user.last_login = nowIso;
  user.logins_count = (user.logins_count || 0) + 1;
  const body = { access_token: crypto.randomBytes(24).toString('base64url') };
  if (scopes.includes('openid')) body.id_token = buildIdToken(st, user, client, scopes);
  if (scopes.length) body.scope = scopes.join(' ');
  body.expires_in = 86400;
  body.token_type = 'Bearer';
  return { status: 200, body };
}

function clientCredentialsGrant(st, client, params) {
  const aud = params.audience;
  if (!aud) {
    return oauthError(403, 'access_denied', 'No audience parameter was provided, and no default audience has been configured');
  }
  if (aud !== st.mgmtAudience) return oauthError(403, 'access_denied', `Service not found: ${aud}`);
  if (!Array.isArray(client.management_api_scopes)) {
    return oauthError(403, 'access_denied', `Client is not authorized to access "${aud}". You need to create a "client-grant" associated to this API.`);
  }
  let granted = client.management_api_scopes.slice();
  if (params.scope) {
    const requested = String(params.scope).split(/\s+/).filter(Boolean);
    const missing = requested.filter((s) => !granted.includes(s));
    if (missing.length) return oauthError(403, 'access_denied', `Client has not been granted scopes: ${missing.join(' ')}`);
    granted = requested;
  }
  const now = Math.floor(st.nowSec());
  const expiresIn = st.opts.accessTokenLifetime;
  const token = st.signWith('active', {
    iss: st.issuer,
    sub: `${client.client_id}@clients`,
    aud,
    iat: now,
    exp: now + expiresIn,
    scope: granted.join(' '),
    gty: 'client-credentials',
    azp: client.client_id,
  });
  return { status: 200, body: { access_token: token, scope: granted.join(' '), expires_in: expiresIn, token_type: 'Bearer' } };
}

/**
 * @param st tenant state
 * @param params parsed body
 * @param ctx {headers, remoteIp, fault: {key, fault}|null}
 * @returns {{status:number, body:object, consumedFault?:boolean}}
 */
function handleToken(st, params, ctx) {
  if (!params.grant_type) return oauthError(400, 'invalid_request', 'Missing required parameter: grant_type');
  const auth = authenticateClient(st, params, ctx.headers);
  if (auth.error) return auth.error;
  const { client } = auth;
  if (!(client.grant_types || []).includes(params.grant_type)) {
    return oauthError(403, 'unauthorized_client', `Grant type '${params.grant_type}' not allowed for the client.`);
  }
  switch (params.grant_type) {
    case GRANT_PASSWORD:
    case GRANT_REALM:
      return passwordGrant(st, client, params, ctx);
    case GRANT_CC:
      return clientCredentialsGrant(st, client, params);
    default:
      return oauthError(400, 'unsupported_grant_type', `Unsupported grant type: ${params.grant_type}`);
  }
}

module.exports = { handleToken, buildIdToken, GRANT_PASSWORD, GRANT_REALM, GRANT_CC };
