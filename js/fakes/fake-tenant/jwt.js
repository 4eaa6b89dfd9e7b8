'use strict';
/**
 * JWT and signing-key helpers for the fake tenant, built on node:crypto only.
 *
 * Signing keys come from a process-wide pool: RSA-2048 generation costs ~100 ms on this machine, and a
 * test file may start a dozen tenants, so tenants share pooled keys (tenant N's key 0 is the same key as
 * tenant M's key 0; they differ in issuer/audience, which is all the tests rely on). One extra "rogue"
 * key is never published in any JWKS; it signs tokens that must fail signature checks.
 *
 * Each published RSA key carries a self-signed certificate in `x5c`/`x5t`, as Auth0's JWKS entries do.
 * The P-256 keys (ecKey, for tenants that sign ID tokens with ES256 as other OpenID providers do)
 * are cheap to make, so they are made on first use and carry no certificate.
 */

const crypto = require('node:crypto');
const forge = require('node-forge');

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const b64uJson = (obj) => b64u(JSON.stringify(obj));

function makeKey({ privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })) {
  const jwk = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint, shortened: stable per key, opaque like Auth0's kids.
  const thumb = crypto
    .createHash('sha256')
    .update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n }))
    .digest();
  const kid = b64u(thumb).slice(0, 22);
  const fkey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }));
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(fkey.n, fkey.e);
  cert.serialNumber = `01${thumb.subarray(0, 8).toString('hex')}`;
  cert.validity.notBefore = new Date('2024-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2034-01-01T00:00:00Z');
  const name = [{ name: 'commonName', value: 'fake-tenant signing key (test only)' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.sign(fkey, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    kid,
    privateKey,
    publicKey,
    jwk: {
      kty: 'RSA',
      use: 'sig',
      n: jwk.n,
      e: jwk.e,
      kid,
      x5t: b64u(crypto.createHash('sha1').update(der).digest()),
      x5c: [der.toString('base64')],
      alg: 'RS256',
    },
  };
}

/** A P-256 signing key for ES256, published as other OpenID providers publish theirs. */
function makeEcKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { crv, x, y } = publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint of an EC key (members in lexical order), shortened like the RSA kids.
  const kid = b64u(
    crypto
      .createHash('sha256')
      .update(JSON.stringify({ crv, kty: 'EC', x, y }))
      .digest()
  ).slice(0, 22);
  return { kid, privateKey, publicKey, jwk: { kty: 'EC', use: 'sig', crv, x, y, kid, alg: 'ES256' } };
}

const ecKeys = new Map(); // 'active' | 'rogue' -> key

/** The published P-256 key ('active') or one no tenant publishes ('rogue'). */
function ecKey(which = 'active') {
  if (!ecKeys.has(which)) ecKeys.set(which, makeEcKey());
  return ecKeys.get(which);
}

const pool = []; // ready keys
const pending = new Map(); // slot ('0', '1', ..., 'rogue') -> Promise<key>, for background generation
let rogue = null;

function generateAsync(slot) {
  if (!pending.has(slot)) {
    pending.set(
      slot,
      new Promise((resolve, reject) => {
        crypto.generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) => {
          if (err) return reject(err);
          const key = makeKey({ privateKey, publicKey });
          resolve(key);
        });
      })
    );
  }
  return pending.get(slot);
}

/** The i-th pooled signing key (generated synchronously if it is not ready yet). */
function poolKey(i) {
  while (pool.length <= i) pool.push(makeKey());
  return pool[i];
}

/** A key that no tenant ever publishes. */
function rogueKey() {
  if (!rogue) rogue = makeKey();
  return rogue;
}

/**
 * Makes pooled keys 0..upTo ready without blocking the event loop (key generation runs on libuv's
 * thread pool), and the rogue key too when asked. Resolves when they are ready.
 */
async function prefetchKeys(upTo, withRogue = false) {
  const jobs = [];
  for (let i = 0; i <= upTo; i++) {
    if (pool.length > i) continue;
    jobs.push(generateAsync(String(i)).then((k) => ({ i, k })));
  }
  if (withRogue && !rogue) jobs.push(generateAsync('rogue').then((k) => ({ i: 'rogue', k })));
  for (const { i, k } of await Promise.all(jobs)) {
    if (i === 'rogue') rogue = rogue || k;
  }
  // Fill the pool in index order; a slot filled synchronously meanwhile wins.
  for (let i = pool.length; i <= upTo; i++) {
    if (!pending.has(String(i))) break;
    pool.push(await pending.get(String(i)));
  }
}

/**
 * Signs a compact JWT.
 * @param {object} header must include alg: 'RS256' or 'ES256' (needs key), 'HS256' (needs secret) or 'none'
 * @param {object} payload
 * @param {{key?: {privateKey: crypto.KeyObject}, secret?: string}} with
 */
function signJwt(header, payload, { key, secret } = {}) {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  let sig;
  if (header.alg === 'RS256') sig = crypto.sign('sha256', Buffer.from(input), key.privateKey);
  // JWS ES256 is the raw r||s (64 bytes), not the DER that crypto.sign gives by default.
  else if (header.alg === 'ES256') sig = crypto.sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  else if (header.alg === 'HS256') sig = crypto.createHmac('sha256', secret).update(input).digest();
  else if (header.alg === 'none') sig = Buffer.alloc(0);
  else throw new Error(`signJwt: unsupported alg ${header.alg}`);
  return `${input}.${b64u(sig)}`;
}

/** Splits and decodes a compact JWT without verifying it; null when it is not one. */
function decodeJwt(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return {
      header: JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')),
      payload: JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')),
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return null;
  }
}

/**
 * Verifies an RS256 JWT against a list of published keys (by kid). Returns the decoded token or null.
 * Claims are not checked here.
 */
function verifyRs256(token, keys) {
  const d = decodeJwt(token);
  if (!d || d.header.alg !== 'RS256') return null;
  const key = keys.find((k) => k.kid === d.header.kid);
  if (!key) return null;
  return crypto.verify('sha256', Buffer.from(d.signingInput), key.publicKey, d.signature) ? d : null;
}

module.exports = { poolKey, rogueKey, ecKey, prefetchKeys, signJwt, decodeJwt, verifyRs256, b64u };
