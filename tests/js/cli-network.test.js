'use strict';
/**
 * The command line on a corporate network, end to end against the fake tenants and a loopback CONNECT
 * proxy (tests/support/connect-proxy.js): every request (the SDK's, the export download, the built
 * scripts' in the sandbox) goes through HTTPS_PROXY and none through it for a NO_PROXY host; a proxy's
 * credentials are never printed; a dead or refusing proxy is named in the error (exit 3). --debug
 * prints one line per request (method, URL, status, ms, Auth0's request id) and nothing secret; an
 * unreachable tenant's retries are announced before the error.
 */

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { startConnectProxy } = require('../support/connect-proxy');
const { shownUrl } = require('../../js/cli/net');

const PROXY_USER = 'alice';
const PROXY_PASSWORD = 'proxy-PASSWORD-9f3k';
const DEBUG_LINE = /^debug: (GET|POST|PATCH|PUT|DELETE) https:\/\/\S+( \(pre-signed link; path and query not shown\))? -> \d{3}, \d+ ms, request id ([0-9a-f]{20})$/;

let pair;
let proxy;
let tmp;
/** The export links' secret path tokens seen by the fakes: never in any output. */
const linkTokens = () => [...pair.old.requests, ...pair.new.requests].filter((r) => r.path.startsWith('/exports/')).map((r) => r.path.split('/')[3].replace(/\.json\.gz$/, ''));

before(async () => {
  pair = await h.startPair();
  proxy = await startConnectProxy();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-network-'));
});
after(async () => {
  const tokens = linkTokens();
  await proxy.close();
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  assert.ok(tokens.length > 0, 'an export link was downloaded');
  h.assertNoSecrets(h.allOutput(), [...h.seedSecrets(), PROXY_PASSWORD, ...tokens]);
});

const env = (extra = {}) => ({
  ...h.oldEnv(pair.old),
  ...h.newEnv(pair.new),
  ALM_TAIL_STATE: path.join(tmp, 'tail.json'),
  ALM_STATUS_STATE: path.join(tmp, 'status.json'),
  ...extra,
});
const mark = () => ({ old: pair.old.requests.length, new: pair.new.requests.length, tunnels: proxy.tunnels.length });
/** What the fakes received since `m`. */
const since = (m) => [...pair.old.requests.slice(m.old), ...pair.new.requests.slice(m.new)];
/** Whether the fake saw request `r` on one of the proxy's tunnels (the tunnel's local port). */
const tunnelled = (r) => proxy.tunnels.some((t) => t.localPort === r.remotePort);
const debugLines = (stderr) => stderr.split('\n').filter((l) => l.startsWith('debug: ') && !l.startsWith('debug: proxy') && !l.startsWith('debug: no proxy'));
const check = (r, name) => r.json.checks.find((c) => c.name.startsWith(name));

/** Each request the fakes saw has its --debug line (its request id), and each debug line is well formed. */
function assertDebugCovers(stderr, requests) {
  const lines = debugLines(stderr);
  for (const l of lines) assert.match(l, DEBUG_LINE);
  const ids = lines.map((l) => DEBUG_LINE.exec(l)[3]);
  for (const r of requests) assert.ok(ids.includes(r.requestId), `a debug line for ${r.method} ${r.path} (request id ${r.requestId})`);
  assert.equal(lines.length, requests.length, 'one debug line per request');
  assert.doesNotMatch(lines.join('\n'), /authorization|bearer|client_secret|password=/i);
}

// tail asks for a confirmation off a terminal in builds that have one.
const tailYes = () => (require('../../js/cli/commands/tail').options.yes ? ['--yes'] : []);

describe('HTTPS_PROXY', () => {
  it('doctor: every request goes through the proxy, the built login.js probe included; --debug names the proxy', async () => {
    const m = mark();
    const r = await h.runCli(['doctor', '--json', '--debug'], { env: env({ HTTPS_PROXY: proxy.url }) });
    assert.notEqual(r.code, 3, r.stderr);
    for (const name of ['discovery document reachable', 'client credentials accepted', 'Password grant allowed']) {
      assert.equal(r.json.checks.find((c) => c.section === 'old tenant' && c.name.startsWith(name)).status, 'ok', name);
    }
    assert.equal(r.json.checks.find((c) => c.section === 'new tenant' && c.name.startsWith('client credentials accepted')).status, 'ok');
    const seen = since(m);
    assert.ok(
      seen.some((q) => q.grant_type === 'http://auth0.com/oauth/grant-type/password-realm'),
      "the sandboxed login.js's own request"
    );
    assert.deepEqual(
      seen.filter((q) => !tunnelled(q)).map((q) => `${q.method} ${q.path}`),
      [],
      'no request went around the proxy'
    );
    assert.deepEqual(new Set(proxy.tunnels.slice(m.tunnels).map((t) => t.target)), new Set([pair.old.domain, pair.new.domain]));
    assert.match(r.stderr, new RegExp(`^debug: proxy 127\\.0\\.0\\.1:${proxy.port} \\(from HTTPS_PROXY\\)$`, 'm'));
    assertDebugCovers(r.stderr, seen);
  });

  it('tail: the Management API calls, the import upload and the export download all go through the proxy', async () => {
    const m = mark();
    const r = await h.runCli(['tail', '--poll-interval', '20', ...tailYes(), '--debug'], { env: env({ https_proxy: proxy.url }) });
    assert.equal(r.code, 0, r.stderr);
    const seen = since(m);
    assert.ok(
      seen.some((q) => q.path.startsWith('/exports/')),
      'the export file was downloaded'
    );
    assert.ok(
      seen.some((q) => q.path === '/api/v2/jobs/users-imports' && q.status === 202),
      'an import was submitted'
    );
    assert.deepEqual(
      seen.filter((q) => !tunnelled(q)).map((q) => `${q.method} ${q.path}`),
      []
    );
    assertDebugCovers(r.stderr, seen);
    assert.match(r.stderr, /^debug: GET https:\/\/127\.0\.0\.1:\d+\/\.\.\. \(pre-signed link; path and query not shown\) -> 200, /m);
    assert.doesNotMatch(r.stderr, /\/exports\//, "the link's path (its token) is not shown");
  });

  it('NO_PROXY=127.0.0.1: no request goes through the proxy', async () => {
    const m = mark();
    const r = await h.runCli(['doctor', '--json', '--debug'], { env: env({ HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }) });
    assert.equal(check(r, 'discovery document reachable').status, 'ok', r.stderr);
    assert.ok(since(m).length > 0);
    assert.equal(proxy.tunnels.length, m.tunnels, 'no CONNECT');
    assert.match(r.stderr, /^debug: proxy 127\.0\.0\.1:\d+ \(from HTTPS_PROXY\); not for NO_PROXY 127\.0\.0\.1$/m);
  });

  it("a proxy URL's credentials are sent to the proxy and never printed; wrong ones are a named failure", async () => {
    const locked = await startConnectProxy({ auth: `${PROXY_USER}:${PROXY_PASSWORD}` });
    try {
      const good = `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${locked.port}`;
      const r = await h.runCli(['doctor', '--only', 'new', '--json', '--debug'], { env: env({ HTTPS_PROXY: good }) });
      assert.equal(check(r, 'client credentials accepted').status, 'ok', r.stderr);
      assert.ok(locked.tunnels.length > 0 && locked.tunnels.every((t) => t.credentials));
      assert.match(r.stderr, new RegExp(`debug: proxy 127\\.0\\.0\\.1:${locked.port} \\(from HTTPS_PROXY\\)`));
      assert.equal(`${r.stdout}${r.stderr}`.includes(PROXY_USER), false, 'not even the user name');

      const bad = await h.runCli(['status'], { env: env({ HTTPS_PROXY: `http://${PROXY_USER}:wrong-${PROXY_PASSWORD}@127.0.0.1:${locked.port}` }) });
      assert.equal(bad.code, 3, bad.stderr);
      assert.match(bad.stderr, new RegExp(`error: \\w+ tenant: cannot reach https://\\S+ \\(the proxy 127\\.0\\.0\\.1:${locked.port} \\(from HTTPS_PROXY\\) asked for credentials`));
      assert.match(bad.stderr, /fix: check HTTPS_PROXY/);
      assert.doesNotMatch(bad.stderr, /trying again/, 'a refused tunnel is not tried again');
    } finally {
      await locked.close();
    }
  });

  it('a dead proxy: exit 3 naming the proxy and the fix, for the Management API and for the probes', async () => {
    const port = await h.closedPort();
    const dead = { HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${port}` };
    const r = await h.runCli(['status'], { env: env(dead) });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`error: \\w+ tenant: cannot reach https://\\S+ \\(the proxy 127\\.0\\.0\\.1:${port} \\(from HTTPS_PROXY\\) cannot be reached \\(ECONNREFUSED\\)\\)`));
    assert.match(r.stderr, /fix: check HTTPS_PROXY \(and NO_PROXY for hosts reached directly\), or unset it/);
    const d = await h.runCli(['deploy', '--dry-run'], { env: env(dead) });
    assert.equal(d.code, 3, d.stderr);
    assert.match(d.stderr, new RegExp(`probe refused the settings: .*the proxy 127\\.0\\.0\\.1:${port} \\(from HTTPS_PROXY\\) cannot be reached`));
    assert.match(d.stderr, /fix: check HTTPS_PROXY/);
  });

  it('a dead proxy during the export download: exit 3 naming the proxy and the fix, not the file store', async () => {
    // The export links name another host than the API (as Auth0's file store is): only the download
    // goes through the proxy, so the API calls succeed and the download meets the dead proxy.
    const port = await h.closedPort();
    pair.old.jobs.linkHost = 'localhost';
    try {
      const m = mark();
      const r = await h.runCli(['status', '--poll-interval', '20'], { env: env({ HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@127.0.0.1:${port}`, NO_PROXY: '127.0.0.1' }) });
      assert.equal(r.code, 3, r.stderr);
      assert.ok(
        since(m).some((q) => q.path === '/api/v2/jobs/users-exports' && q.status === 201),
        'the export job was made'
      );
      assert.match(r.stderr, new RegExp(`error: old tenant: cannot download the export file \\(the proxy 127\\.0\\.0\\.1:${port} \\(from HTTPS_PROXY\\) cannot be reached \\(ECONNREFUSED\\)\\)`));
      assert.match(r.stderr, /fix: check HTTPS_PROXY \(and NO_PROXY for hosts reached directly\), or unset it/);
    } finally {
      pair.old.jobs.linkHost = null;
    }
  });

  it('a proxy variable that is not a URL is a usage error naming the variable, not its value', async () => {
    const r = await h.runCli(['status'], { env: env({ HTTPS_PROXY: `http://${PROXY_USER}:${PROXY_PASSWORD}@[not-a-host` }) });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error: HTTPS_PROXY is not a proxy URL/);
  });
});

describe('--debug', () => {
  it("deploy --dry-run: one line per request, the sandboxed probes included, with the fake tenants' request ids", async () => {
    const m = mark();
    const r = await h.runCli(['deploy', '--dry-run', '--debug'], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^debug: no proxy/m);
    const seen = since(m);
    assert.ok(
      seen.some((q) => q.grant_type === 'http://auth0.com/oauth/grant-type/password-realm'),
      'the login probe'
    );
    assertDebugCovers(r.stderr, seen);
    assert.match(r.stderr, /^debug: GET https:\/\/127\.0\.0\.1:\d+\/api\/v2\/users-by-email\?email=alm-deploy-probe-[0-9a-f]+%40example\.invalid -> 200, /m);
    assert.equal(proxy.tunnels.length, m.tunnels);
  });

  it('hides query values named like secrets and pre-signed paths', () => {
    assert.equal(shownUrl('https://h.example/a/b?email=x%40y.z&X-Amz-Signature=abc&X-Amz-Security-Token=def'), 'https://h.example/a/b?email=x%40y.z&X-Amz-Signature=***&X-Amz-Security-Token=***');
    assert.equal(shownUrl('https://s3.example/exports/job/t0ken.json.gz?sig=1', { presigned: true }), 'https://s3.example/... (pre-signed link; path and query not shown)');
  });
});

describe('an unreachable tenant', () => {
  it('each retry of a refused connection is announced before the error', async () => {
    const port = await h.closedPort();
    const r = await h.runCli(['status'], { env: env({ ALM_DOMAIN: `127.0.0.1:${port}` }) });
    assert.equal(r.code, 3, r.stderr);
    const lines = r.stderr.split('\n');
    const at = (re) => lines.findIndex((l) => re.test(l));
    const first = at(new RegExp(`^old tenant: no reply from https://127\\.0\\.0\\.1:${port}/oauth/token \\(ECONNREFUSED\\); trying again in 0\\.2 s \\(1 of 2\\)$`));
    const second = at(new RegExp(`^old tenant: no reply from https://127\\.0\\.0\\.1:${port}/oauth/token \\(ECONNREFUSED\\); trying again in 0\\.4 s \\(2 of 2\\)$`));
    const error = at(new RegExp(`^error: old tenant: cannot reach https://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)$`));
    assert.ok(first >= 0 && second > first && error > second, r.stderr);
    assert.match(r.stderr, /fix: check the domain and your network; behind a proxy, set HTTPS_PROXY/);
  });
});
