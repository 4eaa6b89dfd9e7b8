'use strict';
/**
 * A loopback HTTP proxy that tunnels HTTPS (CONNECT host:port) and records each tunnel: its target,
 * whether credentials came with it, and the local port of its connection to the target, so a test can
 * tell that a request the fake tenant saw (its `remotePort`) came through here.
 *
 * Why not an npm package: the well-known one (`proxy`) is ESM-only and needs Node 20; the tests run
 * on Node 18 too, and a CONNECT tunnel is a few lines of node:http and node:net.
 *
 * `auth: 'user:password'` answers 407 to a CONNECT without those Basic credentials.
 */

const http = require('node:http');
const net = require('node:net');

async function startConnectProxy({ auth } = {}) {
  const tunnels = [];
  const sockets = new Set();
  const server = http.createServer((_req, res) => {
    res.writeHead(405, { 'content-type': 'text/plain' });
    res.end('this test proxy only tunnels (CONNECT)\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, client, head) => {
    const given = req.headers['proxy-authorization'] || '';
    const tunnel = { target: req.url, credentials: given !== '', localPort: null };
    tunnels.push(tunnel);
    client.on('error', () => {});
    if (auth && given !== `Basic ${Buffer.from(auth).toString('base64')}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host, port] = [req.url.slice(0, req.url.lastIndexOf(':')), Number(req.url.slice(req.url.lastIndexOf(':') + 1))];
    const upstream = net.connect(port, host.replace(/^\[|\]$/g, ''), () => {
      tunnel.localPort = upstream.localPort;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head && head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    tunnels,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

module.exports = { startConnectProxy };
