'use strict';
/**
 * The wasm's share of a warm login, alone: the five steps of a claims-mode login (password reply,
 * discovery, JWKS, signature verdict) replayed through dist/engine.js - the same wasm as the
 * scripts - from fixed replies, with no network, sandbox or crypto. Prints milliseconds per login.
 * The flow stays in the wasm between steps, named by the id `start` hands out (src/boundary.rs has
 * the measurement that chose this over a state travelling through the host).
 *
 * Usage: node bench/wasm-steps.js [path/to/engine.js]
 */
const path = require('node:path');

const engine = require(process.argv[2] ? path.resolve(process.argv[2]) : path.join(__dirname, '..', 'dist', 'engine.js'));
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = Date.now();
const claims = {
  iss: 'https://old.example.com/',
  aud: 'cid',
  sub: 'auth0|5f7c8ec7c33c6c004bbafe82',
  email: 'a@b.c',
  exp: Math.floor(now / 1000) + 3600,
  iat: Math.floor(now / 1000),
  name: 'Ada',
  'https://migrationapp/user_metadata': { plan: 'pro', prefs: { a: 1, b: [1, 2, 3] } },
  'https://migrationapp/app_metadata': { roles: ['x'] },
};
const idToken = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64(claims)}.${'s'.repeat(342)}`;
const key = (kid) => ({ kty: 'RSA', use: 'sig', kid, n: 'x'.repeat(342), e: 'AQAB', x5c: ['y'.repeat(1200)] });
const jwks = JSON.stringify({ keys: [key('k0'), key('k1')] });
const discovery = JSON.stringify({ issuer: 'https://old.example.com/', jwks_uri: 'https://old.example.com/.well-known/jwks.json' });
const settings = { Domain: 'old.example.com', Client_ID: 'cid', Client_Secret: 'sec', Connection: 'db' };
const reply = (body) => ({ status: 200, body });

function login() {
  let s = engine.start({ op: 'login', settings, now_ms: now, identifier: 'a@b.c', identifier_folded: 'a@b.c', password: 'pw' });
  const flow = s.flow;
  s = engine.resume({ flow, now_ms: now, reply: reply(JSON.stringify({ id_token: idToken, expires_in: 86400 })) });
  s = engine.resume({ flow, now_ms: now, reply: reply(discovery) });
  s = engine.resume({ flow, now_ms: now, reply: reply(jwks) });
  s = engine.resume({ flow, now_ms: now, verified: true });
  if (!s.done || s.done.kind !== 'profile') throw new Error(`unexpected step: ${JSON.stringify(s)}`);
}

for (let i = 0; i < 2000; i++) login(); // let V8 tier the wasm up
const runs = 5000;
const t0 = process.hrtime.bigint();
for (let i = 0; i < runs; i++) login();
console.log(`wasm steps per warm login: ${(Number(process.hrtime.bigint() - t0) / runs / 1e6).toFixed(3)} ms (${runs} logins)`);
