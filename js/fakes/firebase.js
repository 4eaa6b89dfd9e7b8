'use strict';
/**
 * A fake of the Google services the firebase scripts call, on loopback HTTPS (the test CA), for
 * dist/firebase/*.js: Identity Toolkit's `accounts:signInWithPassword` and `accounts:lookup` (by
 * ID token with the Web API key; by email as an admin with a bearer token), `accounts:batchGet`
 * for the command line's listing (admin, paged: `maxResults` checked, at most `pageSize` a page,
 * a `nextPageToken` honoured only if issued here), Google's OAuth token
 * endpoint (the JWT-bearer grant, the assertion's RS256 signature checked against the service
 * account's public key) and the secure-token key set (JWKS).
 *
 * The scripts call Google's fixed https addresses; the fake cannot take those names, so
 * `fetchVia()` gives the test a `fetch` that sends each of those addresses to this server instead,
 * path and body unchanged (what a hosts-file entry would do): the scripts run exactly as built, with
 * no setting for tests. What is checked here and not by the real emulator: the signed ID tokens,
 * the key set, the service account's assertion and token, throttling (`TOO_MANY_ATTEMPTS_TRY_LATER`
 * after `lockAfter` wrong passwords), faults and hostile tokens.
 *
 * Its answers follow Firebase's documented shapes: `{"error": {"code", "message", "errors"}}`
 * with the code as `message`; `enumerationProtection` (default on, as for new projects) answers
 * both a wrong password and an unknown email with `INVALID_LOGIN_CREDENTIALS`.
 *
 * Test hooks: `faults.set(endpoint, fault)` answers the next request(s) to `sign-in`, `account`,
 * `lookup`, `batch-get`, `token` or `jwks` with `{kind: 'status', status, body}`, `{kind: 'text', status, text}`
 * or `{kind: 'hang'}` (`times`, default 1); `idTokenPatch(claims, header)` changes what is issued;
 * `signWith`: `RS256` (default), `other` (a key the set does not publish, under a published kid),
 * `none` (unsigned, as the emulator issues); `requests` records each request (endpoint, url,
 * headers, body).
 */
const crypto = require('node:crypto');
const { listenHttps } = require('./loopback-https');
const { ensureTestCa } = require('./ca');

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** Google's addresses the scripts call, and where on the fake each path lives. */
const GOOGLE = Object.freeze({
  'https://identitytoolkit.googleapis.com/': '/',
  'https://oauth2.googleapis.com/token': '/token',
  'https://www.googleapis.com/service_accounts/': '/service_accounts/',
});
const JWKS_PATH = '/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com';

/** Sample accounts: one per outcome. */
const SAMPLE_USERS = [
  {
    localId: 'fb-uid-0001',
    email: 'jane@example.com',
    password: 'firebase horse 1',
    emailVerified: true,
    displayName: 'Jane Doe',
    photoUrl: 'https://example.com/jane.png',
    phoneNumber: '+15555550100',
    customAttributes: '{"role":"editor","plan":{"tier":2}}',
  },
  { localId: 'fb-uid-0002', email: 'disabled@example.com', password: 'firebase horse 2', emailVerified: true, disabled: true },
  { localId: 'fb-uid-0003', email: 'plain@example.com', password: 'firebase horse 3' },
];

const fail = (status, message) => ({ status, body: { error: { code: status, message, errors: [{ message, domain: 'global', reason: 'invalid' }] } } });

/** Starts the fake. options: projectId, apiKey, users, enumerationProtection (true), lockAfter (5). */
async function startFirebase(options = {}) {
  const ca = ensureTestCa();
  const projectId = options.projectId || 'alm-test-project';
  const apiKey = options.apiKey || `AIza${crypto.randomBytes(18).toString('base64url')}`;
  const users = (options.users || SAMPLE_USERS).map((u) => ({ ...u }));
  const signing = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const account = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serviceAccount = {
    email: `alm-migrate@${projectId}.iam.gserviceaccount.com`,
    privateKey: account.privateKey.export({ type: 'pkcs8', format: 'pem' }),
  };
  const accessTokens = new Set();
  const pageTokens = new Map(); // nextPageToken -> the index of the page's first account
  const failures = new Map();
  const faults = new Map();
  const fake = {
    requests: [],
    pageSize: options.pageSize || 1000,
    projectId,
    apiKey,
    serviceAccount,
    users,
    signWith: 'RS256',
    idTokenPatch: null,
    lockAfter: options.lockAfter || 5,
    enumerationProtection: options.enumerationProtection !== false,
    faults: { set: (endpoint, f) => faults.set(endpoint, { times: 1, ...f }), clear: () => faults.clear() },
    /** Forgets the access tokens issued, as a revocation would. */
    revokeTokens: () => accessTokens.clear(),
    reset() {
      faults.clear();
      failures.clear();
      this.signWith = 'RS256';
      this.idTokenPatch = null;
    },
  };

  function idToken(u) {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      iss: `https://securetoken.google.com/${projectId}`,
      aud: projectId,
      auth_time: now,
      user_id: u.localId,
      sub: u.localId,
      iat: now,
      exp: now + 3600,
      email: u.email,
      email_verified: !!u.emailVerified,
      firebase: { identities: { email: [u.email] }, sign_in_provider: 'password' },
    };
    const header = fake.signWith === 'none' ? { alg: 'none', typ: 'JWT' } : { alg: 'RS256', kid: 'sk-1', typ: 'JWT' };
    if (fake.idTokenPatch) fake.idTokenPatch(claims, header);
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    if (fake.signWith === 'none') return `${input}.`;
    return `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), fake.signWith === 'other' ? other.privateKey : signing.privateKey))}`;
  }

  /** The user an ID token issued here names, or null when it was not issued here (a forged one). */
  function userOfToken(token) {
    const [h, p, s] = String(token || '').split('.');
    if (!s || !crypto.verify('sha256', Buffer.from(`${h}.${p}`), signing.publicKey, Buffer.from(s, 'base64url'))) return null;
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    return users.find((u) => u.localId === claims.sub) || null;
  }

  /** An account as accounts:lookup returns it (the password never; a hash placeholder as Google's). */
  const record = (u) => {
    const { password, ...rest } = u;
    return { ...rest, passwordHash: 'UkVEQUNURUQ=', passwordUpdatedAt: 1700000000000, providerUserInfo: [{ providerId: 'password', email: u.email }] };
  };

  /** Checks the service account's assertion (RFC 7523): signature, issuer, audience, scope, times. */
  function assertionOk(assertion) {
    const [h, p, s] = String(assertion || '').split('.');
    if (!s) return 'Invalid JWT';
    if (!crypto.verify('sha256', Buffer.from(`${h}.${p}`), account.publicKey, Buffer.from(s, 'base64url'))) return 'Invalid JWT Signature.';
    const c = JSON.parse(Buffer.from(p, 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    if (c.iss !== serviceAccount.email) return 'Invalid grant: account not found';
    if (c.aud !== 'https://oauth2.googleapis.com/token' || c.scope !== 'https://www.googleapis.com/auth/identitytoolkit') return 'Invalid JWT: bad aud or scope';
    if (!(c.iat <= now + 60 && c.exp > now && c.exp - c.iat <= 3600))
      return 'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';
    return null;
  }

  function answer(endpoint, url, headers, body) {
    const keyOk = url.searchParams.get('key') === apiKey;
    if (endpoint === 'jwks') return { status: 200, body: { keys: [{ ...signing.publicKey.export({ format: 'jwk' }), kid: 'sk-1', alg: 'RS256', use: 'sig' }] } };
    if (endpoint === 'token') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return { status: 400, body: { error: 'unsupported_grant_type' } };
      const why = assertionOk(form.get('assertion'));
      if (why) return { status: 400, body: { error: 'invalid_grant', error_description: why } };
      const token = `ya29.${crypto.randomBytes(24).toString('base64url')}`;
      accessTokens.add(token);
      return { status: 200, body: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
    }
    const json = JSON.parse(body || '{}');
    if (endpoint === 'sign-in') {
      if (!keyOk) return fail(400, 'API key not valid. Please pass a valid API key.');
      const u = users.find((x) => x.email.toLowerCase() === String(json.email).toLowerCase());
      const count = failures.get(String(json.email).toLowerCase()) || 0;
      if (u && count >= fake.lockAfter) return fail(400, 'TOO_MANY_ATTEMPTS_TRY_LATER : Access to this account has been temporarily disabled due to many failed login attempts.');
      if (!u || u.password !== json.password) {
        if (u) failures.set(u.email.toLowerCase(), count + 1);
        if (fake.enumerationProtection) return fail(400, 'INVALID_LOGIN_CREDENTIALS');
        return fail(400, u ? 'INVALID_PASSWORD : The password is invalid or the user does not have a password.' : 'EMAIL_NOT_FOUND : There is no user record corresponding to this identifier.');
      }
      if (u.disabled) return fail(400, 'USER_DISABLED : The user account has been disabled by an administrator.');
      return {
        status: 200,
        body: {
          kind: 'identitytoolkit#VerifyPasswordResponse',
          localId: u.localId,
          email: u.email,
          displayName: u.displayName || '',
          idToken: idToken(u),
          registered: true,
          refreshToken: 'refresh',
          expiresIn: '3600',
        },
      };
    }
    if (endpoint === 'account') {
      if (!keyOk) return fail(400, 'API key not valid. Please pass a valid API key.');
      const u = userOfToken(json.idToken);
      return u ? { status: 200, body: { kind: 'identitytoolkit#GetAccountInfoResponse', users: [record(u)] } } : fail(400, 'INVALID_ID_TOKEN');
    }
    // The admin lookup: a bearer token from the token endpoint, this project only.
    const bearer = /^Bearer (.+)$/.exec(headers.authorization || '');
    if (!bearer || !accessTokens.has(bearer[1])) return { status: 401, body: { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } } };
    if (!url.pathname.startsWith(`/v1/projects/${projectId}/`))
      return { status: 403, body: { error: { code: 403, message: 'Caller does not have required permission to use project.', status: 'PERMISSION_DENIED' } } };
    if (endpoint === 'batch-get') {
      // Every account, `maxResults` (1 to 1000) at most, and at most `pageSize` (the fake's knob, so
      // a few users span pages); `nextPageToken` honoured only if this project issued it, blank on
      // the last page (Google's DownloadAccountResponse).
      const max = Number(url.searchParams.get('maxResults') || 20);
      if (!Number.isInteger(max) || max < 1 || max > 1000) return fail(400, 'INVALID_MAX_RESULTS : maxResults must be between 1 and 1000');
      const token = url.searchParams.get('nextPageToken');
      let start = 0;
      if (token !== null) {
        if (!pageTokens.has(token)) return fail(400, 'INVALID_PAGE_SELECTION');
        start = pageTokens.get(token);
      }
      const page = users.slice(start, start + Math.min(max, fake.pageSize));
      let next = '';
      if (start + page.length < users.length) {
        next = crypto.randomBytes(18).toString('base64');
        pageTokens.set(next, start + page.length);
      }
      return { status: 200, body: { kind: 'identitytoolkit#DownloadAccountResponse', users: page.map(record), nextPageToken: next } };
    }
    const wanted = (Array.isArray(json.email) ? json.email : []).map((e) => String(e).toLowerCase());
    const found = users.filter((u) => wanted.includes(u.email.toLowerCase())).map(record);
    return { status: 200, body: found.length ? { kind: 'identitytoolkit#GetAccountInfoResponse', users: found } : { kind: 'identitytoolkit#GetAccountInfoResponse' } };
  }

  function endpointOf(url) {
    if (url.pathname === JWKS_PATH) return 'jwks';
    if (url.pathname === '/token') return 'token';
    if (url.pathname === '/v1/accounts:signInWithPassword') return 'sign-in';
    if (url.pathname === '/v1/accounts:lookup') return 'account';
    if (/^\/v1\/projects\/[^/]+\/accounts:lookup$/.test(url.pathname)) return 'lookup';
    if (/^\/v1\/projects\/[^/]+\/accounts:batchGet$/.test(url.pathname)) return 'batch-get';
    return null;
  }

  const server = await listenHttps(ca, async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = Buffer.concat(chunks).toString();
    const url = new URL(req.url, 'https://fake');
    const endpoint = endpointOf(url);
    fake.requests.push({ endpoint, method: req.method, url: url.pathname + url.search, headers: req.headers, body });
    const fault = endpoint && faults.get(endpoint);
    if (fault) {
      if (--fault.times <= 0) faults.delete(endpoint);
      if (fault.kind === 'hang') return;
      if (fault.kind === 'text') return res.writeHead(fault.status || 200).end(fault.text);
      return res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.headers || {}) }).end(JSON.stringify(fault.body || {}));
    }
    const a = endpoint ? answer(endpoint, url, req.headers, body) : { status: 404, body: { error: { code: 404, message: 'Not Found' } } };
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
  });
  fake.origin = server.origin;
  fake.close = server.close;
  /** A fetch that sends Google's addresses to this fake (anything else as asked). */
  fake.fetchVia = () => (input, init) => {
    let url = String(input);
    for (const [google, local] of Object.entries(GOOGLE)) if (url.startsWith(google)) url = server.origin + local + url.slice(google.length);
    return globalThis.fetch(url, init);
  };
  return fake;
}

module.exports = { startFirebase, SAMPLE_USERS, GOOGLE };
