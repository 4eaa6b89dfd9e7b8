'use strict';
/**
 * Certificate authority for the offline fake Auth0 tenants (tests, bench and `make demo`; never production).
 *
 * Why: the migration scripts talk to the old tenant over HTTPS with Node's global `fetch`, and they
 * must keep certificate verification on (turning it off in tests would hide real bugs). So the tests
 * run a local HTTPS server whose certificate chains to a throw-away CA, and Node is told to trust that
 * CA with `NODE_EXTRA_CA_CERTS=<dir>/ca.pem` (read once, at process start).
 *
 * The CA and the server certificate are generated once and reused (keys are made with Node's crypto,
 * which is much faster than pure-JS key generation; node-forge only builds the X.509 certificates).
 * Generation is guarded by a lock file and every file is written to a temporary name and renamed, so
 * two test processes starting together never see half-written files or a server certificate that was
 * signed by the other process's CA.
 *
 * Nothing here is secret: the keys protect nothing but 127.0.0.1 in tests.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const forge = require('node-forge');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const DEFAULT_DIR = path.join(REPO_ROOT, 'target', 'test-ca');

// Fixed validity window: a fixed past start keeps certificates byte-stable in meaning across runs
// and avoids "not yet valid" surprises on machines whose clock is a little behind.
const NOT_BEFORE = new Date('2024-01-01T00:00:00Z');
const NOT_AFTER = new Date('2034-01-01T00:00:00Z');
const LOCK_STALE_MS = 30_000;
const WAIT_LIMIT_MS = 60_000;

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function filesOf(dir) {
  return {
    caPath: path.join(dir, 'ca.pem'),
    keyPath: path.join(dir, 'server.key'),
    certPath: path.join(dir, 'server.pem'),
  };
}

/** Reads the three files; returns null unless they exist and form a consistent chain. */
function readConsistent(dir) {
  const f = filesOf(dir);
  let caPem, keyPem, certPem;
  try {
    caPem = fs.readFileSync(f.caPath, 'utf8');
    keyPem = fs.readFileSync(f.keyPath, 'utf8');
    certPem = fs.readFileSync(f.certPath, 'utf8');
  } catch {
    return null;
  }
  try {
    const ca = new crypto.X509Certificate(caPem);
    const cert = new crypto.X509Certificate(certPem);
    if (!cert.verify(ca.publicKey)) return null;
    if (!cert.checkPrivateKey(crypto.createPrivateKey(keyPem))) return null;
    if (new Date(cert.validTo) < new Date()) return null;
  } catch {
    return null;
  }
  return { ...f, keyPem, certPem, caPem };
}

function writeAtomic(file, text, mode) {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

function newRsaKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' });
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  return { pem, priv: forgeKey, pub: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function serial() {
  // Positive serial: clear the top bit of the first byte.
  const bytes = crypto.randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}

function generate() {
  const caKey = newRsaKey();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKey.pub;
  ca.serialNumber = serial();
  ca.validity.notBefore = NOT_BEFORE;
  ca.validity.notAfter = NOT_AFTER;
  const caName = [
    { name: 'commonName', value: 'auth0-lazy-migrate TEST CA (never trust outside tests)' },
    { name: 'organizationName', value: 'auth0-lazy-migrate tests' },
  ];
  ca.setSubject(caName);
  ca.setIssuer(caName);
  ca.setExtensions([{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }, { name: 'subjectKeyIdentifier' }]);
  ca.sign(caKey.priv, forge.md.sha256.create());

  const srvKey = newRsaKey();
  const srv = forge.pki.createCertificate();
  srv.publicKey = srvKey.pub;
  srv.serialNumber = serial();
  srv.validity.notBefore = NOT_BEFORE;
  srv.validity.notAfter = NOT_AFTER;
  srv.setSubject([{ name: 'commonName', value: 'localhost' }]);
  srv.setIssuer(caName);
  srv.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
        { type: 2, value: 'localhost' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  srv.sign(caKey.priv, forge.md.sha256.create());

  return {
    caPem: forge.pki.certificateToPem(ca),
    keyPem: srvKey.pem,
    certPem: forge.pki.certificateToPem(srv),
  };
}

/**
 * Ensures `dir` holds ca.pem, server.key and server.pem (a server certificate for 127.0.0.1, ::1 and
 * localhost signed by the CA), generating them if missing or inconsistent. Synchronous so it can run
 * from a CLI or at module load.
 * @param {string} [dir] default `<repo>/target/test-ca`
 * @returns {{caPath:string, keyPath:string, certPath:string, keyPem:string, certPem:string, caPem:string}}
 */
function ensureTestCa(dir = DEFAULT_DIR) {
  dir = path.resolve(dir);
  const existing = readConsistent(dir);
  if (existing) return existing;
  fs.mkdirSync(dir, { recursive: true });
  const lock = path.join(dir, '.lock');
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    let fd = null;
    try {
      fd = fs.openSync(lock, 'wx');
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    if (fd !== null) {
      try {
        const again = readConsistent(dir); // someone may have finished between our check and the lock
        if (again) return again;
        const made = generate();
        const f = filesOf(dir);
        writeAtomic(f.keyPath, made.keyPem, 0o600);
        writeAtomic(f.certPath, made.certPem, 0o644);
        writeAtomic(f.caPath, made.caPem, 0o644);
        return { ...f, ...made };
      } finally {
        fs.closeSync(fd);
        fs.rmSync(lock, { force: true });
      }
    }
    // Another process holds the lock: wait for its files, or break a lock left by a crashed process.
    const done = readConsistent(dir);
    if (done) return done;
    try {
      if (Date.now() - fs.statSync(lock).mtimeMs > LOCK_STALE_MS) fs.rmSync(lock, { force: true });
    } catch {
      /* lock vanished: loop and try to take it */
    }
    if (Date.now() > deadline) throw new Error(`ensureTestCa: timed out waiting for ${lock}`);
    sleepSync(25);
  }
}

module.exports = { ensureTestCa, DEFAULT_CA_DIR: DEFAULT_DIR };

if (require.main === module) {
  const dir = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_DIR;
  const { caPath } = ensureTestCa(dir);
  process.stdout.write(`${caPath}\n`);
}
