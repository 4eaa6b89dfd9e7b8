'use strict';
/**
 * The fake tenant playing the NEW tenant (js/fakes/fake-tenant/connections.js and jobs.js), tested on
 * its own so the command line's tests can trust it: connections read and PATCHed (options replaced
 * whole, configuration returned encrypted, scopes enforced), export jobs (gzipped NDJSON behind a
 * 60-second link that refuses bearer tokens), import jobs (multipart, DUPLICATED_USER, 2 at a time,
 * 512000-byte files), job errors, and fault injection on these routes.
 */

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const zlib = require('node:zlib');
const { startFakeTenant, SEED } = require('../../js/fakes/fake-tenant');
const { newTenantSeed, NEW_CONNECTION, NEW_CONNECTION_ID } = require('../support/fake-tenant/cli-harness');
const { multipart } = require('../../js/cli/multipart');
const { Auth0Client } = require('../../js/cli/auth0');
const { Output } = require('../../js/cli/output');

const quiet = { write: () => true, isTTY: false };

const CLI = SEED.clients.cli;

async function call(t, pathname, { method = 'GET', json, body, headers = {}, bearer } = {}) {
  const init = { method, headers: { ...headers } };
  if (bearer) init.headers.authorization = `Bearer ${bearer}`;
  if (json !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  if (body !== undefined) init.body = body;
  const res = await fetch(pathname.startsWith('https://') ? pathname : `${t.url}${pathname}`, init);
  const buf = Buffer.from(await res.arrayBuffer());
  let parsed;
  try {
    parsed = JSON.parse(buf.toString('utf8'));
  } catch {
    parsed = buf;
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

async function token(t, client = CLI, scope) {
  const r = await call(t, '/oauth/token', {
    method: 'POST',
    json: { grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, audience: t.audience, ...(scope ? { scope } : {}) },
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.access_token;
}

async function untilJob(t, bearer, id, statuses = ['completed', 'failed']) {
  for (let i = 0; i < 200; i++) {
    const r = await call(t, `/api/v2/jobs/${id}`, { bearer });
    if (statuses.includes(r.body.status)) return r.body;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`job ${id} never finished`);
}

describe('fake new tenant: the connection list, bare or in checkpoint pages', () => {
  let t;
  let bearer;
  const extra = Array.from({ length: 120 }, (_, i) => ({ id: `con_extra${String(i).padStart(3, '0')}`, name: `extra-${i}`, strategy: 'auth0', enabled_clients: [] }));
  before(async () => {
    const seed = newTenantSeed();
    t = await startFakeTenant({ seed: { ...seed, connections: [...seed.connections, ...extra] } });
    bearer = await token(t);
  });
  after(() => t.close());

  it('answers a bare array without include_totals, and {connections, next} pages with it', async () => {
    const bare = await call(t, '/api/v2/connections?strategy=auth0&fields=id', { bearer });
    assert.equal(bare.status, 200);
    assert.ok(Array.isArray(bare.body) && bare.body.length === 121);
    const ids = [];
    let from = null;
    for (let pages = 1; ; pages++) {
      const r = await call(t, `/api/v2/connections?include_totals=true&take=50&strategy=auth0&fields=id${from ? `&from=${from}` : ''}`, { bearer });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      ids.push(...r.body.connections.map((c) => c.id));
      if (!r.body.next) {
        assert.equal(pages, 3);
        break;
      }
      assert.equal(r.body.connections.length, 50);
      from = r.body.next;
    }
    assert.deepEqual(
      ids,
      bare.body.map((c) => c.id),
      'every connection once, in order'
    );
    const one = await call(t, `/api/v2/connections?include_totals=true&name=${encodeURIComponent(NEW_CONNECTION)}`, { bearer });
    assert.deepEqual([one.body.connections.length, 'next' in one.body], [1, false]);
    for (const q of ['take=0', 'take=x', 'from=bm9wZQ']) {
      const r = await call(t, `/api/v2/connections?include_totals=true&${q}`, { bearer });
      assert.deepEqual([r.status, r.body.errorCode], [400, 'invalid_query_string'], q);
    }
  });

  it('the command line reads every page through the SDK', async () => {
    const client = new Auth0Client({
      domain: t.domain,
      clientId: CLI.client_id,
      clientSecret: CLI.client_secret,
      label: 'new tenant',
      secretEnv: 'X',
      out: new Output({ stdout: quiet, stderr: quiet }),
    });
    const mark = t.requests.length;
    const all = await client.listConnections({ strategy: 'auth0', fields: 'id,name' });
    assert.equal(all.length, 121);
    assert.equal(new Set(all.map((c) => c.id)).size, 121);
    const named = await client.listConnections({ name: 'extra-7', strategy: 'auth0' });
    assert.deepEqual(
      named.map((c) => c.id),
      ['con_extra007']
    );
    const lists = t.requests.slice(mark).filter((r) => r.path === '/api/v2/connections');
    assert.equal(lists.length, 4, 'three pages, then one');
    assert.ok(
      lists.every((r) => r.query.include_totals === 'true' && r.query.take === '50'),
      'the SDK asks for checkpoint pages'
    );
  });
});

describe('fake new tenant: connections', () => {
  let t;
  let bearer;
  before(async () => {
    t = await startFakeTenant({ seed: newTenantSeed() });
    bearer = await token(t);
  });
  after(() => t.close());

  it('finds a connection by name, with options only for read:connections_options', async () => {
    const r = await call(t, `/api/v2/connections?name=${encodeURIComponent(NEW_CONNECTION)}&strategy=auth0`, { bearer });
    assert.equal(r.status, 200);
    assert.equal(r.body.length, 1);
    assert.equal(r.body[0].id, NEW_CONNECTION_ID);
    assert.equal(r.body[0].options.brute_force_protection, true);
    const narrow = await token(t, CLI, 'read:connections');
    const r2 = await call(t, `/api/v2/connections/${NEW_CONNECTION_ID}`, { bearer: narrow });
    assert.equal(r2.status, 200);
    assert.equal('options' in r2.body, false);
    const none = await call(t, '/api/v2/connections?name=nope', { bearer });
    assert.deepEqual(none.body, []);
    const noScope = await call(t, '/api/v2/connections', { bearer: await token(t, CLI, 'read:users') });
    assert.equal(noScope.status, 403);
    assert.equal(noScope.body.errorCode, 'insufficient_scope');
  });

  it('PATCH replaces the whole options object; configuration comes back encrypted', async () => {
    const r = await call(t, `/api/v2/connections/${NEW_CONNECTION_ID}`, {
      method: 'PATCH',
      bearer,
      json: { options: { import_mode: true, configuration: { Domain: 'old.example.com', Client_Secret: 'shh-not-in-replies' } } },
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(Object.keys(r.body.options).sort(), ['configuration', 'import_mode']);
    assert.ok(r.body.options.configuration.Client_Secret.startsWith(t.encryptedPrefix));
    assert.equal(JSON.stringify(r.body).includes('shh-not-in-replies'), false);
    assert.equal(t.connection(NEW_CONNECTION).options.configuration.Client_Secret, 'shh-not-in-replies');
    assert.equal(t.connectionPatches, 1);
  });

  it('PATCH refuses read-only properties, bad options, and options without update:connections_options', async () => {
    const id = await call(t, `/api/v2/connections/${NEW_CONNECTION_ID}`, { method: 'PATCH', bearer, json: { name: 'x', options: {} } });
    assert.equal(id.status, 400);
    assert.match(id.body.message, /Additional properties not allowed: name/);
    const bad = await call(t, `/api/v2/connections/${NEW_CONNECTION_ID}`, { method: 'PATCH', bearer, json: { options: { configuration: { A: 1 } } } });
    assert.equal(bad.status, 400);
    const script = await call(t, `/api/v2/connections/${NEW_CONNECTION_ID}`, { method: 'PATCH', bearer, json: { options: { customScripts: { nope: 'x' } } } });
    assert.equal(script.status, 400);
    const noOpt = await call(t, `/api/v2/connections/${NEW_CONNECTION_ID}`, { method: 'PATCH', bearer: await token(t, CLI, 'update:connections'), json: { options: {} } });
    assert.equal(noOpt.status, 403);
    const missing = await call(t, '/api/v2/connections/con_nope', { method: 'PATCH', bearer, json: { options: {} } });
    assert.equal(missing.status, 404);
  });

  it('fault injection and the rate limiter reach these routes', async () => {
    t.faults.set('connections', { kind: 'status', status: 503, times: 1 });
    assert.equal((await call(t, '/api/v2/connections', { bearer })).status, 503);
    assert.equal((await call(t, '/api/v2/connections', { bearer })).status, 200);
    t.faults.set('connection-update', { kind: 'rate_limit', retryAfter: 2, times: 1 });
    const r = await call(t, `/api/v2/connections/${NEW_CONNECTION_ID}`, { method: 'PATCH', bearer, json: { options: {} } });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '2');
  });
});

describe('fake new tenant: jobs', () => {
  let t;
  let bearer;
  before(async () => {
    t = await startFakeTenant();
    bearer = await token(t);
  });
  after(() => t.close());

  it('an export job yields gzipped NDJSON with the requested fields at a link that refuses tokens', async () => {
    const created = await call(t, '/api/v2/jobs/users-exports', {
      method: 'POST',
      bearer,
      json: {
        connection_id: 'con_LegacyDb00000002',
        format: 'json',
        fields: [{ name: 'user_id' }, { name: 'email' }, { name: 'user_metadata' }, { name: 'identities[0].connection', export_as: 'connection' }],
      },
    });
    assert.equal(created.status, 201);
    assert.equal(created.body.type, 'users_export');
    assert.equal(created.body.status, 'pending');
    const job = await untilJob(t, bearer, created.body.id);
    assert.equal(job.status, 'completed');
    assert.match(job.location, /^https:\/\/127\.0\.0\.1:\d+\/exports\//);
    const withToken = await call(t, job.location, { bearer });
    assert.equal(withToken.status, 400);
    const file = await call(t, job.location);
    assert.equal(file.status, 200);
    const lines = zlib
      .gunzipSync(file.body)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, t.users.filter((u) => u.connection === 'legacy-db').length);
    const ada = lines.find((l) => l.email === SEED.users.full.email);
    assert.deepEqual(Object.keys(ada).sort(), ['connection', 'email', 'user_id', 'user_metadata']);
    assert.equal(ada.connection, 'legacy-db');
    assert.equal(JSON.stringify(lines).includes(SEED.users.full.password), false);
  });

  it('the export link expires after 60 s', async () => {
    const created = await call(t, '/api/v2/jobs/users-exports', { method: 'POST', bearer, json: { format: 'json' } });
    const job = await untilJob(t, bearer, created.body.id);
    const realNow = Date.now;
    try {
      Date.now = () => realNow() + 61000;
      assert.equal((await call(t, job.location)).status, 403);
    } finally {
      Date.now = realNow;
    }
  });

  it('imports a multipart file, adds auth0| to ids, and reports existing users as DUPLICATED_USER', async () => {
    const users = [
      { user_id: 'imp0000000000000000001', email: 'new.one@example.com', email_verified: true, name: 'New One', user_metadata: { a: 1 } },
      { user_id: '5f7c8ec7c33c6c004bbafe99', email: SEED.users.defaultDirectory.email.toUpperCase() },
    ];
    const f = multipart({ connection_id: 'con_UPAdefault000001', upsert: 'false' }, { name: 'u.json', text: JSON.stringify(users) });
    const created = await call(t, '/api/v2/jobs/users-imports', { method: 'POST', bearer, body: f.body, headers: { 'content-type': f.contentType } });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.equal(created.body.type, 'users_import');
    const job = await untilJob(t, bearer, created.body.id);
    assert.deepEqual(job.summary, { failed: 1, updated: 0, inserted: 1, total: 2 });
    const stored = t.findUser('auth0|imp0000000000000000001');
    assert.equal(stored.connection, 'Username-Password-Authentication');
    assert.equal(stored.password, undefined);
    const errors = await call(t, `/api/v2/jobs/${created.body.id}/errors`, { bearer });
    assert.equal(errors.body.length, 1);
    assert.equal(errors.body[0].errors[0].code, 'DUPLICATED_USER');
    assert.equal(errors.body[0].user.user_id, '5f7c8ec7c33c6c004bbafe99');
    const login = await call(t, '/oauth/token', {
      method: 'POST',
      json: { grant_type: 'password', username: 'new.one@example.com', password: 'undefined', client_id: SEED.clients.migrationApp.client_id, client_secret: SEED.clients.migrationApp.client_secret },
    });
    assert.equal(login.status, 403, 'an imported user has no password until reset');
  });

  it('runs at most 2 import jobs at once (429), refuses files over 512000 bytes, needs create:users', async () => {
    t.jobs.hold('users_import');
    try {
      const f = () => multipart({ connection_id: 'con_UPAdefault000001' }, { name: 'u.json', text: '[]' });
      const post = (form, b = bearer) => call(t, '/api/v2/jobs/users-imports', { method: 'POST', bearer: b, body: form.body, headers: { 'content-type': form.contentType } });
      assert.equal((await post(f())).status, 202);
      assert.equal((await post(f())).status, 202);
      const third = await post(f());
      assert.equal(third.status, 429);
      assert.match(third.body.message, /There are 2 active import users jobs/);
      assert.equal(t.jobs.active(), 2);
      const big = multipart({ connection_id: 'con_UPAdefault000001' }, { name: 'u.json', text: `[${'"x",'.repeat(130000)}"x"]` });
      assert.equal((await post(big)).status, 413);
      assert.equal((await post(f(), await token(t, CLI, 'read:users'))).status, 403);
    } finally {
      t.jobs.release();
    }
    for (const j of t.jobs.list()) if (j.type === 'users_import') await untilJob(t, bearer, j.id);
    assert.equal(t.jobs.active(), 0);
    assert.equal(t.jobs.maxActiveImports, 2);
  });

  it('failNext makes a whole job fail; a non-array file fails the job', async () => {
    t.jobs.failNext('users_import');
    const f = multipart({ connection_id: 'con_UPAdefault000001' }, { name: 'u.json', text: JSON.stringify([{ email: 'x.y@example.com' }]) });
    const a = await call(t, '/api/v2/jobs/users-imports', { method: 'POST', bearer, body: f.body, headers: { 'content-type': f.contentType } });
    const ja = await untilJob(t, bearer, a.body.id);
    assert.equal(ja.status, 'failed');
    assert.equal(t.findUser('x.y@example.com'), undefined);
    const g = multipart({ connection_id: 'con_UPAdefault000001' }, { name: 'u.json', text: '{"not":"an array"}' });
    const b = await call(t, '/api/v2/jobs/users-imports', { method: 'POST', bearer, body: g.body, headers: { 'content-type': g.contentType } });
    assert.equal((await untilJob(t, bearer, b.body.id)).status, 'failed');
    assert.equal((await call(t, '/api/v2/jobs/job_doesnotexist0000', { bearer })).status, 404);
  });

  it('faults apply to the job routes', async () => {
    t.faults.set('users-exports', { kind: 'rate_limit', retryAfter: 1, times: 1 });
    const r = await call(t, '/api/v2/jobs/users-exports', { method: 'POST', bearer, json: { format: 'json' } });
    assert.equal(r.status, 429);
    t.faults.set('export-file', { kind: 'status', status: 500, times: 1 });
    const created = await call(t, '/api/v2/jobs/users-exports', { method: 'POST', bearer, json: { format: 'json' } });
    const job = await untilJob(t, bearer, created.body.id);
    assert.equal((await call(t, job.location)).status, 500);
    assert.equal((await call(t, job.location)).status, 200);
  });
});
