'use strict';
/**
 * The shim's two transports (pkg-template/shim/transport.js) answer alike: global fetch, and Node's
 * https module where a runtime has no fetch. Each case runs almSend twice against one local HTTPS
 * server (the test CA's certificate; run with NODE_EXTRA_CA_CERTS trusting it), once with the global
 * fetch in place and once with it removed, and both replies must be the same: status and rate-limit
 * headers, the read limit with a split character left out, a body that is not UTF-8, a redirect, a
 * refused connection, and a server that stalls before or after its headers (the request's own
 * timeout; a short one, and servers that never answer, so no timing is asserted).
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const https = require('node:https');
const net = require('node:net');
const { ensureTestCa, DEFAULT_CA_DIR } = require('../../js/fakes/ca');
const { almSend } = require('../../pkg-template/shim/transport');

const ROUTES = {
  '/json': (req, res) => {
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2', 'x-ratelimit-reset': '1700000000' });
    res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'] || null }));
  },
  '/echo': (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => res.end(Buffer.concat(chunks)));
  },
  '/long': (_req, res) => res.end(`ab\u00e9${'x'.repeat(100000)}`),
  '/latin1': (_req, res) => res.end(Buffer.from([0x7b, 0xe9, 0x7d])),
  '/redirect': (_req, res) => {
    res.writeHead(302, { location: '/json' });
    res.end();
  },
  '/hang': () => {},
  '/stall-body': (_req, res) => {
    res.writeHead(200, { 'content-length': '100' });
    res.write('{"partial":');
  },
};

let server;
let base;
const sockets = new Set();
test.before(async () => {
  const ca = ensureTestCa(DEFAULT_CA_DIR);
  server = https.createServer({ key: ca.keyPem, cert: ca.certPem }, (req, res) => ROUTES[req.url](req, res));
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${server.address().port}`;
});
test.after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const request = (path, extra = {}) => ({ method: 'GET', url: `${base}${path}`, headers: [], body: null, timeout_ms: 2000, max_body_bytes: 65536, ...extra });

/** almSend's reply with global fetch, and with it removed (the https transport). */
async function both(req) {
  const withFetch = await almSend(typeof req === 'function' ? req() : req);
  const saved = globalThis.fetch;
  delete globalThis.fetch;
  try {
    const withHttps = await almSend(typeof req === 'function' ? req() : req);
    assert.deepEqual(withHttps, withFetch, 'https answers as fetch does');
    return withHttps;
  } finally {
    globalThis.fetch = saved;
  }
}

test('status, the rate-limit headers and a JSON body; method, headers and body are sent', async () => {
  assert.deepEqual(await both(request('/json', { headers: [['content-type', 'application/json']] })), {
    status: 429,
    headers: { 'retry-after': '2', 'x-ratelimit-reset': '1700000000' },
    body: '{"method":"GET","type":"application/json"}',
  });
  const posted = await both(request('/echo', { method: 'POST', headers: [['content-type', 'application/x-www-form-urlencoded']], body: 'a=1&b=%C3%A9' }));
  assert.deepEqual(posted, { status: 200, headers: {}, body: 'a=1&b=%C3%A9' });
});

test('a reply is read up to the limit, a character split by the cut left out', async () => {
  assert.deepEqual(await both(request('/long', { max_body_bytes: 3 })), { status: 200, headers: {}, body: 'ab' });
  assert.equal((await both(request('/long', { max_body_bytes: 4 }))).body, 'ab\u00e9');
});

test('a body that is not UTF-8 is a malformed reply', async () => {
  assert.deepEqual(await both(request('/latin1')), { failure: 'malformed reply: not UTF-8' });
});

test('a redirect is not followed: a network failure', async () => {
  assert.deepEqual(await both(request('/redirect')), { failure: 'network' });
});

test('a refused connection is a network failure', async () => {
  const free = net.createServer();
  await new Promise((resolve) => free.listen(0, '127.0.0.1', resolve));
  const { port } = free.address();
  await new Promise((resolve) => free.close(resolve));
  assert.deepEqual(await both({ ...request('/json'), url: `https://127.0.0.1:${port}/json` }), { failure: 'network' });
});

test('no headers, or a body that stalls, within the request timeout: a timeout', async () => {
  assert.deepEqual(await both(request('/hang', { timeout_ms: 150 })), { failure: 'timeout' });
  assert.deepEqual(await both(request('/stall-body', { timeout_ms: 150 })), { failure: 'timeout' });
});
