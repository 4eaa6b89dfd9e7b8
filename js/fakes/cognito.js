'use strict';
/**
 * A fake Amazon Cognito user pool of our own on loopback HTTPS, for dist/cognito/*.js, speaking
 * AWS JSON 1.1 (`POST /`, `X-Amz-Target: AWSCognitoIdentityProviderService.<Action>`):
 * `InitiateAuth` (`USER_PASSWORD_AUTH`, with `SECRET_HASH` checked when the app client has a
 * secret), `GetUser` (the access token `InitiateAuth` issued, else `NotAuthorizedException`),
 * `ListUsers` (AWS Signature Version 4 recomputed and checked, its `Filter` parsed
 * strictly: `email = "..."` or `username = "..."` with `\"` and `\\` escapes; without a `Filter`,
 * every user in pages of `min(Limit, pageSize)`, `Limit` at most 60, a `PaginationToken` honoured
 * only if this pool issued it), and the pool's JWKS
 * at `/{poolId}/.well-known/jwks.json` (RS256). The scripts reach it through the `Endpoint`
 * setting, so its ID tokens' issuer is `{origin}/{poolId}`.
 *
 * It answers as real Cognito does where the emulator (cognito-local) does not: a wrong password is
 * `NotAuthorizedException` "Incorrect username or password.", and so is an unknown user (the
 * pool hides user existence); a disabled user with the right password is `NotAuthorizedException`
 * "User is disabled."; an unconfirmed user is `UserNotConfirmedException` whatever the password.
 *
 * Users carry `state`: `disabled`, `locked` ("Password attempts exceeded"), `reset`
 * (`PasswordResetRequiredException`), `unconfirmed`, `force` (the `NEW_PASSWORD_REQUIRED`
 * challenge), and `mfa` (`SMS_MFA` or `SOFTWARE_TOKEN_MFA`, a challenge after the right password).
 *
 * Test hooks: `faults.set(endpoint, fault)` answers the next request(s) to `initiate`, `jwks`,
 * `getuser` or `list` with `{kind: 'status', status, body, headers}`, `{kind: 'text', status, text}` or
 * `{kind: 'hang'}` (`times`, default 1); `idTokenPatch(claims, header)` changes the next tokens;
 * `signWith: 'other'` signs with a key the JWKS does not publish; `requests` records each request
 * (endpoint, target, headers, body).
 */
const crypto = require('node:crypto');
const { listenHttps } = require('./loopback-https');
const { ensureTestCa } = require('./ca');

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const TARGET = 'AWSCognitoIdentityProviderService.';

/** Sample users: one per outcome the pool distinguishes. */
const SAMPLE_USERS = [
  {
    username: '7d1c0a3e-0001',
    sub: '7d1c0a3e-0001',
    password: 'cognito horse 1',
    attributes: { email: 'jane@example.com', email_verified: 'true', given_name: 'Jane', family_name: 'Doe', name: 'Jane Doe', phone_number: '+15550100', 'custom:plan': 'pro' },
  },
  { username: '7d1c0a3e-0002', sub: '7d1c0a3e-0002', password: 'cognito horse 2', state: 'disabled', attributes: { email: 'disabled@example.com', email_verified: 'true' } },
  { username: '7d1c0a3e-0003', sub: '7d1c0a3e-0003', password: 'cognito horse 3', state: 'locked', attributes: { email: 'locked@example.com', email_verified: 'true' } },
  { username: '7d1c0a3e-0004', sub: '7d1c0a3e-0004', password: 'cognito horse 4', state: 'reset', attributes: { email: 'reset@example.com', email_verified: 'true' } },
  { username: '7d1c0a3e-0005', sub: '7d1c0a3e-0005', password: 'cognito horse 5', state: 'unconfirmed', attributes: { email: 'unconfirmed@example.com', email_verified: 'false' } },
  { username: '7d1c0a3e-0006', sub: '7d1c0a3e-0006', password: 'cognito horse 6', state: 'force', attributes: { email: 'force@example.com', email_verified: 'true' } },
  { username: '7d1c0a3e-0007', sub: '7d1c0a3e-0007', password: 'cognito horse 7', state: 'mfa', mfa: 'SOFTWARE_TOKEN_MFA', attributes: { email: 'mfa@example.com', email_verified: 'true' } },
  { username: '7d1c0a3e-0008', sub: '7d1c0a3e-0008', password: 'cognito horse 8', attributes: { email: 'quote"back\\slash@example.com', email_verified: 'false' } },
];

/** `attr = "value"` with `\"` and `\\` escapes, as ListUsers' Filter reads it; null otherwise. */
function parseFilter(filter) {
  const m = /^(email|username) = "((?:[^"\\]|\\["\\])*)"$/.exec(filter || '');
  return m ? { attr: m[1], value: m[2].replace(/\\(["\\])/g, '$1') } : null;
}

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

/** Whether `req` carries a valid SigV4 signature for `body` with `keyId`/`secret` in `region`; else the AWS exception. */
function sigv4Problem(req, body, { keyId, secret, region }) {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization || '');
  if (!m) return ['IncompleteSignature', 'Authorization header requires Credential, SignedHeaders and Signature.'];
  const [, id, date, reg, service, signed, signature] = m;
  if (id !== keyId) return ['UnrecognizedClientException', 'The security token included in the request is invalid.'];
  const stamp = req.headers['x-amz-date'] || '';
  if (reg !== region || service !== 'cognito-idp' || !stamp.startsWith(date)) return ['InvalidSignatureException', 'Credential should be scoped correctly.'];
  const names = signed.split(';');
  if (!names.includes('host') || !names.includes('x-amz-date')) return ['InvalidSignatureException', 'host and x-amz-date must be signed.'];
  const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${String(req.headers[n] || '').trim()}`), '', signed, sha256(body)].join('\n');
  const scope = `${date}/${reg}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', stamp, scope, sha256(canonical)].join('\n');
  let k = hmac(`AWS4${secret}`, date);
  for (const part of [reg, service, 'aws4_request']) k = hmac(k, part);
  const want = hmac(k, toSign).toString('hex');
  if (!crypto.timingSafeEqual(Buffer.from(want), Buffer.from(signature))) {
    return ['InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.'];
  }
  return null;
}

/** Starts a pool. options: users, pageSize (ListUsers' page without a Filter, default 60), clientId, clientSecret (none by default), accessKeyId, secretAccessKey, region, poolId. */
async function startCognito(options = {}) {
  const ca = ensureTestCa();
  const region = options.region || 'eu-west-1';
  const poolId = options.poolId || `${region}_FakePool1`;
  const clientId = options.clientId || 'fakeclient1234567890';
  const clientSecret = options.clientSecret || null;
  const accessKeyId = options.accessKeyId || 'AKIAFAKECOGNITO00001';
  const secretAccessKey = options.secretAccessKey || crypto.randomBytes(30).toString('base64');
  const users = (options.users || SAMPLE_USERS).map((u) => ({ ...u, attributes: { ...u.attributes } }));
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const faults = new Map();
  const tokens = new Map(); // PaginationToken -> the index of the page's first user
  const accessTokens = new Map(); // AccessToken -> its user
  const pool = {
    pageSize: options.pageSize || 60,
    requests: [],
    region,
    poolId,
    clientId,
    clientSecret,
    accessKeyId,
    secretAccessKey,
    users,
    idTokenPatch: null,
    signWith: 'pool',
    faults: { set: (endpoint, f) => faults.set(endpoint, { times: 1, ...f }), clear: () => faults.clear() },
    reset() {
      faults.clear();
      this.idTokenPatch = null;
      this.signWith = 'pool';
    },
  };

  const jwks = () => ({ keys: [{ ...rsa.publicKey.export({ format: 'jwk' }), kid: 'pool-key-1', alg: 'RS256', use: 'sig' }] });

  function idToken(u) {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: u.sub, aud: clientId, iss: pool.issuer, token_use: 'id', auth_time: now, iat: now, exp: now + 3600, 'cognito:username': u.username };
    for (const [k, v] of Object.entries(u.attributes)) claims[k] = k === 'email_verified' ? v === 'true' : v;
    const header = { kid: 'pool-key-1', alg: 'RS256' };
    if (pool.idTokenPatch) pool.idTokenPatch(claims, header);
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const key = pool.signWith === 'other' ? other.privateKey : rsa.privateKey;
    return `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), key))}`;
  }

  const byIdentifier = (id) => {
    const low = String(id).toLowerCase();
    return users.find((u) => u.username.toLowerCase() === low || (u.attributes.email || '').toLowerCase() === low);
  };
  const refuse = (type, message) => [400, { __type: type, message }];

  function initiateAuth(q) {
    if (q.AuthFlow !== 'USER_PASSWORD_AUTH') return refuse('InvalidParameterException', 'Unsupported auth flow');
    if (q.ClientId !== clientId) return refuse('ResourceNotFoundException', `User pool client ${q.ClientId} does not exist.`);
    const p = q.AuthParameters || {};
    if (clientSecret) {
      const want = crypto.createHmac('sha256', clientSecret).update(`${p.USERNAME}${clientId}`).digest('base64');
      if (p.SECRET_HASH !== want) return refuse('NotAuthorizedException', `Unable to verify secret hash for client ${clientId}`);
    }
    const u = byIdentifier(p.USERNAME);
    if (!u) return refuse('NotAuthorizedException', 'Incorrect username or password.');
    // Real Cognito says so whatever the password.
    if (u.state === 'unconfirmed') return refuse('UserNotConfirmedException', 'User is not confirmed.');
    if (u.state === 'locked') return refuse('NotAuthorizedException', 'Password attempts exceeded');
    if (p.PASSWORD !== u.password) return refuse('NotAuthorizedException', 'Incorrect username or password.');
    if (u.state === 'disabled') return refuse('NotAuthorizedException', 'User is disabled.');
    if (u.state === 'reset') return refuse('PasswordResetRequiredException', 'Password reset required for the user');
    if (u.state === 'force') return [200, { ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: 'session', ChallengeParameters: { USER_ID_FOR_SRP: u.username } }];
    if (u.state === 'mfa') return [200, { ChallengeName: u.mfa, Session: 'session', ChallengeParameters: { USER_ID_FOR_SRP: u.username } }];
    const at = crypto.randomBytes(16).toString('hex');
    accessTokens.set(at, u);
    return [200, { AuthenticationResult: { IdToken: idToken(u), AccessToken: at, RefreshToken: 'r', ExpiresIn: 3600, TokenType: 'Bearer' }, ChallengeParameters: {} }];
  }

  /** The user's attributes as the pool holds them (no IAM: the access token authorises). */
  function getUser(q) {
    const u = accessTokens.get(q.AccessToken);
    if (!u) return refuse('NotAuthorizedException', 'Invalid Access Token');
    const UserAttributes = Object.entries({ sub: u.sub, ...u.attributes }).map(([Name, Value]) => ({ Name, Value }));
    return [200, { Username: u.username, UserAttributes, MFAOptions: [] }];
  }

  function listUsers(req, raw, q) {
    const problem = sigv4Problem(req, raw, { keyId: accessKeyId, secret: secretAccessKey, region });
    if (problem) return [problem[0] === 'UnrecognizedClientException' ? 400 : 403, { __type: problem[0], message: problem[1] }];
    if (q.UserPoolId !== poolId) return refuse('ResourceNotFoundException', `User pool ${q.UserPoolId} does not exist.`);
    if (q.Limit !== undefined && !(Number.isInteger(q.Limit) && q.Limit >= 0 && q.Limit <= 60)) {
      return refuse('InvalidParameterException', "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60");
    }
    let hits;
    let start = 0;
    if (q.Filter === undefined) {
      // Every user, in pages of min(Limit, pageSize); a token is one this pool issued, else refused.
      if (q.PaginationToken !== undefined) {
        if (!tokens.has(q.PaginationToken)) return refuse('InvalidParameterException', 'Invalid pagination token.');
        start = tokens.get(q.PaginationToken);
      }
      hits = users.slice(start, start + Math.min(q.Limit || 60, pool.pageSize));
    } else {
      const f = parseFilter(q.Filter);
      if (!f) return refuse('InvalidParameterException', 'Invalid search filter');
      hits = users.filter((u) => (f.attr === 'email' ? u.attributes.email === f.value : u.username === f.value));
    }
    let next;
    if (q.Filter === undefined && start + hits.length < users.length) {
      next = crypto.randomBytes(24).toString('base64');
      tokens.set(next, start + hits.length);
    }
    return [
      200,
      {
        ...(next ? { PaginationToken: next } : {}),
        Users: hits.map((u) => ({
          Username: u.username,
          Attributes: Object.entries({ sub: u.sub, ...u.attributes }).map(([Name, Value]) => ({ Name, Value })),
          Enabled: u.state !== 'disabled',
          UserStatus: u.state === 'unconfirmed' ? 'UNCONFIRMED' : u.state === 'force' ? 'FORCE_CHANGE_PASSWORD' : u.state === 'reset' ? 'RESET_REQUIRED' : 'CONFIRMED',
        })),
      },
    ];
  }

  async function handle(req, res) {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    const target = String(req.headers['x-amz-target'] || '');
    const endpoint =
      req.method === 'GET' && req.url === `/${poolId}/.well-known/jwks.json`
        ? 'jwks'
        : target === `${TARGET}InitiateAuth`
          ? 'initiate'
          : target === `${TARGET}ListUsers`
            ? 'list'
            : target === `${TARGET}GetUser`
              ? 'getuser'
              : 'other';
    pool.requests.push({ endpoint, method: req.method, url: req.url, target, headers: { ...req.headers }, body: raw });
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const f = faults.get(endpoint);
    if (f) {
      if (--f.times <= 0) faults.delete(endpoint);
      if (f.kind === 'hang') return new Promise(() => {});
      if (f.kind === 'text') return send(f.status || 200, f.text);
      return send(f.status, f.body || {}, f.headers);
    }
    if (endpoint === 'jwks') return send(200, jwks(), { 'content-type': 'application/json' });
    if (req.method !== 'POST' || req.url !== '/' || req.headers['content-type'] !== 'application/x-amz-json-1.1') {
      return send(400, { __type: 'SerializationException', message: 'not AWS JSON 1.1' });
    }
    let q;
    try {
      q = JSON.parse(raw);
    } catch {
      return send(400, { __type: 'SerializationException', message: 'malformed JSON' });
    }
    if (endpoint === 'initiate') return send(...initiateAuth(q));
    if (endpoint === 'list') return send(...listUsers(req, raw, q));
    if (endpoint === 'getuser') return send(...getUser(q));
    return send(400, { __type: 'UnknownOperationException' });
  }

  const server = await listenHttps(ca, handle, { host: options.host, port: options.port });
  pool.origin = server.origin;
  pool.issuer = `${server.origin}/${poolId}`;
  pool.close = server.close;
  /** The settings the cognito scripts need for this pool (with `extra` merged in). */
  pool.settings = (extra = {}) => ({
    Region: region,
    User_Pool_ID: poolId,
    Client_ID: clientId,
    ...(clientSecret ? { Client_Secret: clientSecret } : {}),
    Access_Key_ID: accessKeyId,
    Secret_Access_Key: secretAccessKey,
    Endpoint: server.origin,
    ...extra,
  });
  return pool;
}

module.exports = { startCognito, parseFilter, sigv4Problem, SAMPLE_USERS };
