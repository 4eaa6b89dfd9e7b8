'use strict';
/**
 * A fake OpenID provider of our own on loopback HTTPS, for dist/oidc/*.js: discovery, a JWKS with an
 * RS256 and an ES256 key, the token endpoint (password and client_credentials grants, client
 * authentication by HTTP Basic), userinfo, and the three admin APIs the oidc source looks users up
 * with: SCIM 2.0 `/scim/v2/Users?filter=`, Keycloak's `/admin/realms/{realm}/users`, Okta's
 * `/api/v1/users?search=`. Each admin API parses its filter strictly (the `attr eq "value"` grammar,
 * `\"` and `\\` unescaped), so a filter the scripts failed to escape is refused or finds no one.
 *
 * It behaves like Keycloak where providers differ: `invalid_grant` for a wrong password or an
 * unknown user, `invalid_grant` "Account disabled" for a disabled user with the right password.
 *
 * Test hooks: `faults.set(endpoint, fault)` answers the next request(s) to `discovery`, `jwks`,
 * `token`, `userinfo`, `scim`, `keycloak` or `okta` with `{kind: 'status', status, body, headers}`,
 * `{kind: 'text', status, text}`, `{kind: 'json', body}` or `{kind: 'hang'}` (`times`, default 1);
 * `idTokenPatch(claims, header)` and `userinfoPatch(body)` change what is issued; `signWith`
 * picks the key: `RS256` (default), `ES256`, `other-RS256` (a key the JWKS does not publish under
 * that kid's material), `ES256-as-RS256` (an ES256 signature under the RSA key's kid);
 * `requests` records each request (endpoint, method, url, headers, body).
 *
 * Listing (the command line's tail): without a filter each admin API pages through every user, as
 * strictly as its lookups parse filters: SCIM `startIndex` (1-based) and `count`, Keycloak `first`
 * and `max`, Okta `limit` and `after` with a `Link: <..>; rel="next"` header; a page holds at most
 * `pageCap` users (option, default 100), as real providers cap what they serve. A paging value
 * that is not a number in range is a 400.
 */
const crypto = require('node:crypto');
const { listenHttps } = require('./loopback-https');
const { ensureTestCa } = require('./ca');

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** Sample users: one per outcome the admin APIs distinguish. */
const SAMPLE_USERS = [
  {
    sub: 'f1d3c0de-0001',
    email: 'jane@example.com',
    username: 'jane',
    password: 'oidc horse 1',
    email_verified: true,
    given_name: 'Jane',
    family_name: 'Doe',
    extra: { locale: 'en-GB', plan: 'pro', groups: ['staff'] },
  },
  { sub: 'f1d3c0de-0002', email: 'disabled@example.com', username: 'dis', password: 'oidc horse 2', email_verified: true, given_name: 'Dee', family_name: 'Sabled', state: 'disabled', extra: {} },
  { sub: 'f1d3c0de-0003', email: 'quote"back\\slash@example.com', username: 'quirky', password: 'oidc horse 3', email_verified: false, given_name: 'Q', family_name: 'Uirky', extra: {} },
];

/** `attr eq "value"` with `\"` and `\\` escapes, as SCIM (RFC 7644 3.4.2.2) and Okta's search write it; null otherwise. */
function parseEq(filter) {
  const m = /^([A-Za-z.]+) eq "((?:[^"\\]|\\["\\])*)"$/.exec(filter || '');
  return m ? { attr: m[1], value: m[2].replace(/\\(["\\])/g, '$1') } : null;
}

/** Starts a provider. options: users, clientId, clientSecret, realm ('acme'), issuerPath ('/realms/{realm}'), oktaToken, host, port. */
async function startOidcProvider(options = {}) {
  const ca = ensureTestCa();
  const realm = options.realm || 'acme';
  const issuerPath = options.issuerPath || `/realms/${realm}`;
  const clientId = options.clientId || 'migration-client';
  const clientSecret = options.clientSecret || crypto.randomBytes(24).toString('base64url');
  const oktaToken = options.oktaToken || crypto.randomBytes(24).toString('base64url');
  const users = (options.users || SAMPLE_USERS).map((u) => ({ ...u }));
  const pageCap = options.pageCap || 100;
  /** A paging query value: an integer from `min` to `max`, `dflt` when absent, else null (a 400). */
  const intParam = (q, name, dflt, min, max) => {
    const v = q.get(name);
    if (v === null) return dflt;
    return /^\d{1,9}$/.test(v) && Number(v) >= min && Number(v) <= max ? Number(v) : null;
  };
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const accessTokens = new Map(); // token -> user (password grant) or null (client credentials)
  const faults = new Map();
  const provider = {
    requests: [],
    clientId,
    clientSecret,
    oktaToken,
    realm,
    users,
    signWith: 'RS256',
    idTokenPatch: null,
    userinfoPatch: null,
    faults: { set: (endpoint, f) => faults.set(endpoint, { times: 1, ...f }), clear: () => faults.clear() },
    reset() {
      faults.clear();
      this.signWith = 'RS256';
      this.idTokenPatch = null;
      this.userinfoPatch = null;
    },
  };

  const jwk = (key, kid, alg) => ({ ...key.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' });
  const jwks = () => ({ keys: [jwk(rsa, 'rs-1', 'RS256'), jwk(ec, 'es-1', 'ES256')] });

  function sign(claims) {
    const how = provider.signWith;
    const es = how === 'ES256' || how === 'ES256-as-RS256';
    const header = { typ: 'JWT', alg: how === 'ES256' ? 'ES256' : 'RS256', kid: how === 'ES256' ? 'es-1' : 'rs-1' };
    if (provider.idTokenPatch) provider.idTokenPatch(claims, header);
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const key = es ? ec.privateKey : how === 'other-RS256' ? other.privateKey : rsa.privateKey;
    const sig = crypto.sign('sha256', Buffer.from(input), es ? { key, dsaEncoding: 'ieee-p1363' } : key);
    return `${input}.${b64url(sig)}`;
  }

  /** The claims the provider issues for `u` (ID token and userinfo alike). */
  const claimsOf = (u) => ({
    sub: u.sub,
    email: u.email,
    email_verified: u.email_verified,
    preferred_username: u.username,
    given_name: u.given_name,
    family_name: u.family_name,
    name: `${u.given_name} ${u.family_name}`,
    ...u.extra,
  });

  const byIdentifier = (id) => users.find((u) => u.email.toLowerCase() === String(id).toLowerCase() || u.username === String(id).toLowerCase());

  function clientAuthOk(req) {
    const m = /^Basic (.+)$/.exec(req.headers.authorization || '');
    if (!m) return false;
    const [id, secret] = Buffer.from(m[1], 'base64').toString('utf8').split(':').map(decodeURIComponent);
    return id === clientId && secret === clientSecret;
  }

  function token(req, body) {
    const form = new URLSearchParams(body);
    if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return [400, { error: 'invalid_request' }];
    if (!clientAuthOk(req)) return [401, { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' }];
    const grant = form.get('grant_type');
    if (grant === 'client_credentials') {
      const at = crypto.randomBytes(16).toString('hex');
      accessTokens.set(at, null);
      return [200, { access_token: at, token_type: 'Bearer', expires_in: 300 }];
    }
    if (grant !== 'password') return [400, { error: 'unsupported_grant_type' }];
    const u = byIdentifier(form.get('username'));
    const pw = Buffer.from(String(form.get('password')));
    if (!u || pw.length !== Buffer.byteLength(u.password) || !crypto.timingSafeEqual(pw, Buffer.from(u.password))) {
      return [400, { error: 'invalid_grant', error_description: 'Invalid user credentials' }];
    }
    if (u.state === 'disabled') return [400, { error: 'invalid_grant', error_description: 'Account disabled' }];
    const now = Math.floor(Date.now() / 1000);
    const at = crypto.randomBytes(16).toString('hex');
    accessTokens.set(at, u);
    const claims = { iss: provider.issuer, aud: clientId, azp: clientId, iat: now, exp: now + 300, ...claimsOf(u) };
    for (const k of Object.keys(u.extra)) delete claims[k]; // extra claims only in userinfo, as Keycloak's custom mappers may do
    return [200, { access_token: at, token_type: 'Bearer', expires_in: 300, id_token: sign(claims), scope: form.get('scope') }];
  }

  function bearer(req) {
    const m = /^Bearer (.+)$/.exec(req.headers.authorization || '');
    return m && accessTokens.has(m[1]) ? { user: accessTokens.get(m[1]) } : null;
  }

  function userinfo(req) {
    const b = bearer(req);
    if (!b || !b.user) return [401, { error: 'invalid_token' }];
    const body = claimsOf(b.user);
    if (provider.userinfoPatch) provider.userinfoPatch(body);
    return [200, body];
  }

  const scimUser = (u) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id: u.sub,
    userName: u.username,
    name: { givenName: u.given_name, familyName: u.family_name, formatted: `${u.given_name} ${u.family_name}` },
    emails: [{ value: u.email, primary: true }],
    active: u.state !== 'disabled',
    ...u.extra,
  });
  const keycloakUser = (u) => ({
    id: u.sub,
    username: u.username,
    email: u.email,
    emailVerified: u.email_verified,
    firstName: u.given_name,
    lastName: u.family_name,
    enabled: u.state !== 'disabled',
    attributes: Object.fromEntries(Object.entries(u.extra).map(([k, v]) => [k, Array.isArray(v) ? v : [v]])),
  });
  const oktaUser = (u) => ({
    id: u.sub,
    status: u.oktaStatus || (u.state === 'disabled' ? 'SUSPENDED' : 'ACTIVE'),
    profile: { login: u.username, email: u.email, firstName: u.given_name, lastName: u.family_name, ...u.extra },
  });

  function scim(req, url) {
    const b = bearer(req);
    if (!b || b.user) return [401, { schemas: [], status: '401', detail: 'a client-credentials token is required' }];
    if (url.searchParams.get('filter') === null) {
      const start = intParam(url.searchParams, 'startIndex', 1, 1, 1e9);
      const count = intParam(url.searchParams, 'count', pageCap, 0, 1e9);
      if (start === null || count === null) return [400, { schemas: [], status: '400', scimType: 'invalidValue' }];
      const page = users.slice(start - 1, start - 1 + Math.min(count, pageCap));
      return [200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: users.length, itemsPerPage: page.length, startIndex: start, Resources: page.map(scimUser) }];
    }
    const f = parseEq(url.searchParams.get('filter'));
    if (!f || !['emails.value', 'userName'].includes(f.attr)) return [400, { schemas: [], status: '400', scimType: 'invalidFilter' }];
    const found = users.filter((u) => (f.attr === 'userName' ? u.username === f.value.toLowerCase() : u.email.toLowerCase() === f.value.toLowerCase()));
    return [200, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: found.length, Resources: found.map(scimUser) }];
  }

  function keycloak(req, url) {
    const b = bearer(req);
    if (!b || b.user) return [401, { error: 'HTTP 401 Unauthorized' }];
    const q = url.searchParams;
    if (q.get('email') === null && q.get('username') === null) {
      const first = intParam(q, 'first', 0, 0, 1e9);
      const max = intParam(q, 'max', 100, 1, 1e9);
      if (first === null || max === null) return [400, { error: 'invalid paging' }];
      return [200, users.slice(first, first + Math.min(max, pageCap)).map(keycloakUser)];
    }
    if (q.get('exact') !== 'true') return [400, { error: 'the scripts always ask for exact matches' }];
    const email = q.get('email');
    const username = q.get('username');
    const found = users.filter((u) => (email !== null ? u.email.toLowerCase() === email.toLowerCase() : u.username === String(username).toLowerCase()));
    return [200, found.map(keycloakUser)];
  }

  function okta(req, url) {
    if (req.headers.authorization !== `SSWS ${oktaToken}`) return [401, { errorCode: 'E0000011', errorSummary: 'Invalid token provided' }];
    if (url.searchParams.get('search') === null) {
      const limit = intParam(url.searchParams, 'limit', 200, 1, 200);
      const after = url.searchParams.get('after');
      const from = after === null ? 0 : users.findIndex((u) => u.sub === after) + 1;
      if (limit === null || from < 0 || (after !== null && from === 0)) return [400, { errorCode: 'E0000031', errorSummary: 'Invalid paging' }];
      const page = users.slice(from, from + Math.min(limit, pageCap));
      const more = from + page.length < users.length;
      const link = more ? { link: `<${provider.origin}/api/v1/users?after=${encodeURIComponent(page[page.length - 1].sub)}&limit=${limit}>; rel="next"` } : {};
      return [200, page.map(oktaUser), { link: `<${provider.origin}${url.pathname}${url.search}>; rel="self"${link.link ? `, ${link.link}` : ''}` }];
    }
    const f = parseEq(url.searchParams.get('search'));
    if (!f || !['profile.email', 'profile.login'].includes(f.attr)) return [400, { errorCode: 'E0000031', errorSummary: 'Invalid search' }];
    const found = users.filter((u) => (f.attr === 'profile.login' ? u.username : u.email.toLowerCase()) === f.value.toLowerCase());
    return [200, found.map(oktaUser)];
  }

  function route(method, path) {
    const routes = [
      ['GET', `${issuerPath}/.well-known/openid-configuration`, 'discovery'],
      ['GET', `${issuerPath}/certs`, 'jwks'],
      ['POST', `${issuerPath}/token`, 'token'],
      ['GET', `${issuerPath}/userinfo`, 'userinfo'],
      ['GET', '/scim/v2/Users', 'scim'],
      ['GET', `/admin/realms/${realm}/users`, 'keycloak'],
      ['GET', '/api/v1/users', 'okta'],
    ];
    const r = routes.find(([m, p]) => m === method && p === path);
    return r ? r[2] : null;
  }

  async function handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url, 'https://fake');
    const endpoint = route(req.method, url.pathname);
    const entry = { endpoint, method: req.method, url: req.url, headers: { ...req.headers }, body, status: null };
    provider.requests.push(entry);
    const answer = (status, reply, headers = {}) => {
      const text = typeof reply === 'string' ? reply : JSON.stringify(reply);
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    if (!endpoint) return answer(404, { error: 'not_found' });
    const f = faults.get(endpoint);
    if (f) {
      f.times -= 1;
      if (f.times <= 0) faults.delete(endpoint);
      entry.fault = f.kind;
      if (f.kind === 'hang') return;
      if (f.kind === 'status') return answer(f.status, f.body || {}, f.headers);
      if (f.kind === 'text') return answer(f.status || 200, f.text);
      if (f.kind === 'json') return answer(200, typeof f.body === 'function' ? f.body(provider) : f.body);
    }
    const handlers = {
      discovery: () => [200, provider.discovery()],
      jwks: () => [200, jwks()],
      token: () => token(req, body),
      userinfo: () => userinfo(req),
      scim: () => scim(req, url),
      keycloak: () => keycloak(req, url),
      okta: () => okta(req, url),
    };
    const [status, reply, headers] = handlers[endpoint]();
    return answer(status, reply, headers);
  }

  const listening = await listenHttps(ca, handle, { host: options.host, port: options.port });
  provider.origin = listening.origin;
  provider.issuer = `${provider.origin}${issuerPath}`;
  provider.discovery = () => ({
    issuer: provider.issuer,
    jwks_uri: `${provider.issuer}/certs`,
    token_endpoint: `${provider.issuer}/token`,
    userinfo_endpoint: `${provider.issuer}/userinfo`,
    grant_types_supported: ['password', 'client_credentials'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
  });
  provider.close = listening.close;
  return provider;
}

module.exports = { startOidcProvider, parseEq, SAMPLE_USERS };
