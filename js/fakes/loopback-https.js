'use strict';
/**
 * An HTTPS server on loopback with the test CA's certificate, for the fakes that stand in for a
 * source (rest-store.js, oidc-provider.js): `handle(req, res)` answers each request (a rejection
 * destroys that socket), TLS errors from clients that give up are ignored, and `close()` ends the
 * open sockets too, so a test's `after` never waits on a keep-alive connection.
 */
const https = require('node:https');

/** Listens; resolves {origin: 'https://host:port', close()}. `ca` as js/fakes/ca.js ensureTestCa gives it. */
async function listenHttps(ca, handle, { host = '127.0.0.1', port = 0 } = {}) {
  const sockets = new Set();
  const server = https.createServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => {});
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { address, port: bound } = server.address();
  const close = () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { origin: `https://${address}:${bound}`, close };
}

module.exports = { listenHttps };
