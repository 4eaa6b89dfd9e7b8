'use strict';
/**
 * Faults under load: many login and get_user calls through the built dist scripts in the sandbox
 * emulation, at a fixed concurrency, against the fake old tenant behind js/fakes/fault-proxy.js,
 * with faults planned per call (or per container, for the requests a container shares). Used by
 * tests/js/faults-load.test.js (a bounded run in `make test`), tests/js/leaks.test.js and
 * tests/soak/run.js (`make soak`).
 *
 * For EVERY call the run checks: the callback ran exactly once (the sandbox report, and no late
 * callback afterwards); the outcome class is the one `expectedClass` derives from the user and the
 * fault; a profile is the planned user's own (id, email, metadata); the call answered within the
 * shim's 15 s deadline (plus a little scheduling slack). For the run: each container fetched the
 * Management API token, the discovery document and the keys once (plus exactly one more for each
 * fault that legitimately forces a fresh one), and the fake's own count of token requests equals the
 * proxy's.
 *
 * The expected class of a call, precisely (`expectedClass`):
 *   - no fault, or `latency` below the request timeout: the user's own outcome (profile, not_found,
 *     wrong_password, unauthorized);
 *   - ANY other fault on the password check: `error`. The password request is never repeated once
 *     sent, so nothing recovers it; and no fault is ever a wrong password or a profile;
 *   - a fault on an idempotent request (Management API token, discovery, JWKS, users-by-email,
 *     users search, users/{id}) that is transient - no answer (hang, stall: the request timeout),
 *     a reset, a reply cut short, a 5xx, a 429 whose Retry-After fits the 4 s retry budget, a reply
 *     that is not UTF-8 - recovers when it happens at most twice (2 retries) and is `error` when it
 *     persists;
 *   - a 401 on a user lookup once: the token is refreshed once and the call recovers (one more token
 *     request, counted); twice: `error`;
 *   - every other fault on an idempotent request (200 with HTML, broken or oversized JSON, a 4xx, a
 *     429 asking for 30 s): `error` at once.
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const { createContainer } = require('../../js/sandbox');
const { startFakeTenant } = require('../../js/fakes/fake-tenant');
const { startFaultProxy } = require('../../js/fakes/fault-proxy');
const { SEED } = require('../../js/fakes/seed');

const DIST = path.join(__dirname, '..', '..', 'dist');
const APP = SEED.clients.migrationApp;
const LEGACY = SEED.connections.legacy;
/** The whole-call deadline the core keeps (src/http.rs DEADLINE_MS). */
const DEADLINE_MS = 15000;
/** Scheduling slack on top of it: timers on a loaded 2-core machine fire late. */
const SLACK_MS = 1000;
const RETRY_BUDGET = 2;

const TRANSIENT = new Set(['hang', 'stall', 'reset', 'truncated', 'invalid_utf8']);
const RETRIED_ROUTES = new Set(['token', 'discovery', 'jwks', 'users-by-email', 'users-search', 'user']);
const LOOKUP_ROUTES = new Set(['users-by-email', 'users-search', 'user']);

/** The class a call must end with, given its user's own outcome and the fault planned for it. */
function expectedClass(baseline, route, fault) {
  if (!fault || fault.kind === 'latency') return baseline;
  if (!RETRIED_ROUTES.has(route)) return 'error';
  const recovers = (fault.times || 1) <= RETRY_BUDGET;
  if (TRANSIENT.has(fault.kind)) return recovers ? baseline : 'error';
  if (fault.kind === 'status' && fault.status >= 500) return recovers ? baseline : 'error';
  if (fault.kind === 'rate_limit' && (fault.retryAfter ?? 1) <= 4) return recovers ? baseline : 'error';
  if (fault.kind === 'status' && fault.status === 401 && LOOKUP_ROUTES.has(route)) return (fault.times || 1) === 1 ? baseline : 'error';
  return 'error';
}

/** What the sandbox report says, as a class. */
function classOf(report) {
  return { success: 'profile', found: 'profile' }[report.outcome] || report.outcome;
}

/** A small deterministic generator (mulberry32), so a run can be repeated with its seed. */
function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}

const ID_TOKEN_VARIANTS = [
  'unknown_kid',
  'wrong_key',
  'wrong_iss',
  'wrong_aud',
  'expired',
  'not_yet_valid',
  'issued_in_future',
  'no_expiry',
  'alg_none',
  'hs256',
  'other_user',
  'bad_signature',
  'no_id_token',
];

/**
 * Fault menus. `slow` faults (hang, stall: they wait out a request timeout) and `big` ones (5 MiB)
 * are rationed by the run's budget. `times` is drawn from [1, 2, Infinity] for the retried routes.
 */
function drawFault(r, route, budget) {
  const slowOk = budget.slow > 0;
  const bigOk = budget.big > 0;
  const menu = [
    { kind: 'latency', ms: 20 + r.int(400) },
    { kind: 'status', status: r.pick([500, 502, 503, 504]) },
    { kind: 'status', status: r.pick([500, 502, 503, 504]), body: '<html>Bad Gateway</html>' },
    { kind: 'rate_limit', retryAfter: 1 },
    { kind: 'reset' },
    { kind: 'truncated' },
    { kind: 'malformed' },
    { kind: 'malformed_json' },
    { kind: 'invalid_utf8' },
  ];
  if (route === 'password') {
    menu.push({ kind: 'status', status: 401, body: { error: 'access_denied', error_description: 'Unauthorized' } });
    menu.push({ kind: 'status', status: 400, body: { error: 'something_new', error_description: 'surprise' } });
  } else {
    menu.push({ kind: 'rate_limit', retryAfter: 30 });
    menu.push({ kind: 'status', status: 403 });
    if (LOOKUP_ROUTES.has(route)) menu.push({ kind: 'status', status: 401 }, { kind: 'status', status: 401 });
  }
  if (slowOk) menu.push({ kind: 'hang' }, { kind: 'stall' });
  if (bigOk) menu.push({ kind: 'oversize' });
  const f = { ...r.pick(menu) };
  if (f.kind === 'hang' || f.kind === 'stall') budget.slow -= 1;
  if (f.kind === 'oversize') budget.big -= 1;
  if (RETRIED_ROUTES.has(route) && f.kind !== 'latency') {
    f.times = f.kind === 'status' && f.status === 401 ? r.pick([1, 1, 2]) : r.pick([1, 2, Infinity]);
    // Two slow attempts and a third that succeeds still fit the deadline; so does a slow fault that
    // never clears (it ends at the deadline). Nothing else is planned slower than that.
  }
  return f;
}

function makeUser(tag, i, extra = {}) {
  const id = `${tag}${String(i).padStart(5, '0')}`;
  return {
    user_id: `auth0|${id}`,
    connection: LEGACY,
    password: `pw-${crypto.randomBytes(9).toString('base64url')}`,
    email: `${id}@load.example.com`,
    email_verified: i % 2 === 0,
    username: `${id}_name`,
    name: `Load User ${id}`,
    nickname: id,
    picture: `https://img.example.com/${id}.png`,
    user_metadata: { i, tag, prefs: { theme: i % 3 ? 'dark' : 'light' } },
    app_metadata: { plan: i % 2 ? 'pro' : 'free' },
    created_at: '2022-01-01T00:00:00.000Z',
    updated_at: '2022-01-01T00:00:00.000Z',
    logins_count: 1,
    ...extra,
  };
}

/**
 * Runs a load. Options: calls, concurrency, seed, faultShare (share of main-container calls with a
 * per-call fault), isolatedShare (share of calls run in a fresh container with a fault on a shared
 * request), slow (budget of hang/stall faults), big (budget of 5 MiB replies), progress (fn).
 * Returns { records, summary, violations, secrets, tenant data } after closing everything.
 */
async function runLoad(opts = {}) {
  const calls = opts.calls || 2000;
  const concurrency = opts.concurrency || 100;
  const r = rng(opts.seed ?? 20260601);
  const budget = { slow: opts.slow ?? 6, big: opts.big ?? 4 };
  const faultShare = opts.faultShare ?? 0.13;
  const isolatedShare = opts.isolatedShare ?? 0.02;
  const LOGIN = fs.readFileSync(path.join(DIST, 'login.js'), 'utf8');
  const GET_USER = fs.readFileSync(path.join(DIST, 'get_user.js'), 'utf8');

  const tenant = await startFakeTenant({ bruteForceLimit: 1e9 });
  const proxy = await startFaultProxy(tenant);
  const passwords = new Set();
  let serial = 0;
  const add = (tag, extra) => {
    const u = makeUser(tag, serial++, extra);
    tenant.addUser(u);
    passwords.add(u.password);
    return { ...u, email: u.email.toLowerCase(), username: u.username.toLowerCase() };
  };
  const loginPool = Array.from({ length: 40 }, () => add('lp'));
  const getPool = Array.from({ length: 40 }, () => add('gp'));
  const blockedPool = Array.from({ length: 5 }, () => add('bp', { blocked: true }));
  for (const u of Object.values(SEED.users)) passwords.add(u.password);

  const settings = (lane, extra = {}) => ({
    Domain: lane.domain,
    Client_ID: APP.client_id,
    Client_Secret: APP.client_secret,
    Connection: LEGACY,
    Audience: tenant.audience,
    ...extra,
  });
  const laneA = await proxy.lane('mainA');
  const laneB = await proxy.lane('mainB');
  const mainA = createContainer({ configuration: settings(laneA) });
  const mainB = createContainer({ configuration: settings(laneB, { Profile_Source: 'management' }) });
  const containers = [mainA, mainB];
  const isolatedLanes = [];
  for (let i = 0; i < 6; i++) isolatedLanes.push(await proxy.lane(`iso${i}`));
  const freeLanes = isolatedLanes.slice();
  const laneWaiters = [];
  const takeLane = () => (freeLanes.length ? Promise.resolve(freeLanes.pop()) : new Promise((resolve) => laneWaiters.push(resolve)));
  const giveLane = (l) => {
    l.clearShared();
    if (laneWaiters.length) laneWaiters.shift()(l);
    else freeLanes.push(l);
  };

  // ---- plan every call --------------------------------------------------------------------------
  const jobs = [];
  const records = [];
  let planned = 0;
  while (planned < calls) {
    if (r.chance(isolatedShare) && calls - planned >= 3) {
      const route = r.pick(['token', 'token', 'discovery', 'jwks']);
      const fault = drawFault(r, route, budget);
      const members = [];
      if (route === 'token') {
        const k = 1 + r.int(3);
        for (let j = 0; j < k; j++) {
          if (r.chance(0.7)) {
            const u = add('it');
            members.push({ op: 'get_user', user: u, identifier: u.email, baseline: 'profile' });
          } else {
            members.push({ op: 'get_user', user: null, identifier: `nobody-${serial++}@load.example.com`, baseline: 'not_found' });
          }
        }
      } else {
        const u = add('il');
        members.push({ op: 'login', user: u, identifier: u.email, password: u.password, baseline: 'profile' });
      }
      const recs = members.map((m) => ({ ...m, container: 'isolated', route, fault, expected: expectedClass(m.baseline, route, fault) }));
      records.push(...recs);
      jobs.push({ type: 'isolated', route, fault, recs });
      planned += recs.length;
      continue;
    }
    const faulted = r.chance(faultShare);
    const rec = planMainCall(r, faulted);
    records.push(rec);
    jobs.push({ type: 'main', recs: [rec] });
    planned += 1;
  }

  function planMainCall(rr, faulted) {
    const kind = rr.next();
    let rec;
    if (kind < 0.45) {
      // login, good password
      const viaB = rr.chance(0.25);
      const u = faulted ? add('fl') : rr.pick(loginPool);
      const byName = !viaB && rr.chance(0.15);
      rec = { op: 'login', user: u, identifier: byName ? u.username.toUpperCase() : u.email, password: u.password, baseline: 'profile', container: viaB ? 'mainB' : 'mainA' };
      if (faulted) {
        const onUser = viaB && rr.chance(0.5);
        rec.route = onUser ? 'user' : 'password';
        const idTok = rec.route === 'password' && rr.chance(0.35);
        rec.fault = idTok ? { kind: 'id_token', variant: rr.pick(ID_TOKEN_VARIANTS) } : drawFault(rr, rec.route, budget);
      }
    } else if (kind < 0.6) {
      // login that must not succeed
      const what = rr.pick(['wrong', 'unknown', 'blocked', 'leaked']);
      let u = null;
      if (what === 'wrong') u = faulted ? add('fw') : rr.pick(loginPool);
      if (what === 'blocked') u = faulted ? add('fb', { blocked: true }) : rr.pick(blockedPool);
      const identifier = what === 'unknown' ? `ghost-${serial++}@load.example.com` : what === 'leaked' ? SEED.users.leaked.email : u.email;
      const password = what === 'wrong' ? `not-${u.password}` : what === 'leaked' ? SEED.users.leaked.password : u ? u.password : 'whatever-pw';
      rec = {
        op: 'login',
        user: null,
        identifier,
        password,
        baseline: { wrong: 'wrong_password', unknown: 'wrong_password', blocked: 'unauthorized', leaked: 'unauthorized' }[what],
        container: 'mainA',
      };
      if (faulted && what !== 'leaked') {
        rec.route = 'password';
        rec.fault = drawFault(rr, 'password', budget);
      }
    } else if (kind < 0.63) {
      // MFA: the password is right, the profile comes from users-by-email
      const u = SEED.users.mfa;
      rec = { op: 'login', user: { ...u, email: u.email.toLowerCase(), user_metadata: { plan: 'free' } }, identifier: u.email, password: u.password, baseline: 'profile', container: 'mainA' };
    } else {
      // get_user
      const what = rr.pick(['email', 'email', 'email', 'username', 'unknown', 'blocked']);
      let u = null;
      if (what === 'email' || what === 'username') u = faulted ? add('fg') : rr.pick(getPool);
      if (what === 'blocked') u = faulted ? add('fgb', { blocked: true }) : rr.pick(blockedPool);
      const identifier = what === 'username' ? u.username : what === 'unknown' ? `nobody-${serial++}@load.example.com` : u.email;
      rec = {
        op: 'get_user',
        user: what === 'blocked' ? null : u,
        identifier,
        baseline: { email: 'profile', username: 'profile', unknown: 'not_found', blocked: 'unauthorized' }[what],
        container: 'mainA',
      };
      if (faulted) {
        rec.route = what === 'username' ? 'users-search' : 'users-by-email';
        rec.fault = drawFault(rr, rec.route, budget);
      }
    }
    rec.expected = expectedClass(rec.baseline, rec.route, rec.fault);
    return rec;
  }

  function planFault(rec) {
    if (!rec.fault || rec.container === 'isolated') return;
    const key = rec.route === 'user' ? rec.user.user_id : rec.route === 'password' ? rec.identifier.toLowerCase() : rec.identifier.toLowerCase();
    rec.plan = proxy.planCall(rec.route, key, rec.fault);
  }

  function invoke(container, rec) {
    const t0 = Date.now();
    const p = rec.op === 'login' ? container.invoke(LOGIN, { kind: 'login', args: [rec.identifier, rec.password] }) : container.invoke(GET_USER, { kind: 'get_user', args: [rec.identifier] });
    return p.then((report) => {
      rec.report = report;
      rec.wallMs = Date.now() - t0;
    });
  }

  // ---- run ----------------------------------------------------------------------------------------
  const started = Date.now();
  let next = 0;
  let done = 0;
  const isoSummaries = [];
  async function worker() {
    while (next < jobs.length) {
      const job = jobs[next++];
      if (job.type === 'main') {
        const rec = job.recs[0];
        planFault(rec);
        await invoke(rec.container === 'mainB' ? mainB : mainA, rec);
      } else {
        const lane = await takeLane();
        const before = { ...(proxy.counts[lane.name] || {}) };
        const beforeFwd = { ...(proxy.forwarded[lane.name] || {}) };
        lane.planShared(job.route, job.fault);
        job.plan = lane.shared.get(job.route);
        const c = createContainer({ configuration: settings(lane) });
        containers.push(c);
        await Promise.all(job.recs.map((rec) => invoke(c, rec)));
        const after = proxy.counts[lane.name] || {};
        const afterFwd = proxy.forwarded[lane.name] || {};
        job.requests = Object.fromEntries(['token', 'discovery', 'jwks'].map((k) => [k, (after[k] || 0) - (before[k] || 0)]));
        job.forwardedTokens = (afterFwd.token || 0) - (beforeFwd.token || 0);
        job.fired = job.plan.fired;
        isoSummaries.push(job);
        giveLane(lane);
      }
      done += job.recs.length;
      if (opts.progress) opts.progress(done, calls);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  const elapsedMs = Date.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 300)); // time for any late callback to show

  // ---- check ------------------------------------------------------------------------------------
  const violations = [];
  const v = (rec, why) => violations.push(`${rec.op} ${rec.identifier} [${rec.container}${rec.fault ? ` ${rec.route}:${describe(rec.fault)}` : ''}]: ${why}`);
  for (const rec of records) {
    const rep = rec.report;
    if (!rep) {
      v(rec, 'never ran');
      continue;
    }
    if (rep.callbackCalls !== 1) v(rec, `callback called ${rep.callbackCalls} times`);
    for (const x of rep.violations) v(rec, `sandbox: ${x}`);
    const got = classOf(rep);
    if (got !== rec.expected) v(rec, `expected ${rec.expected}, got ${got}${rep.error ? ` (${rep.error.name}: ${rep.error.message})` : ''}`);
    if (got === 'wrong_password' && rec.fault && rec.fault.kind !== 'latency') v(rec, 'a fault became a wrong password');
    if (got === 'profile') {
      const u = rec.user;
      const want = u && `auth0|${u.user_id.slice('auth0|'.length)}`;
      if (!u || !rep.stored || rep.stored.user_id !== want) v(rec, `profile of the wrong user: ${rep.stored && rep.stored.user_id}`);
      else {
        if (rep.profile.email !== u.email) v(rec, `profile email ${rep.profile.email} != ${u.email}`);
        if (JSON.stringify(rep.profile.user_metadata) !== JSON.stringify(u.user_metadata || {})) v(rec, "user_metadata differs from the old tenant's");
      }
    }
    if (rep.durationMs > DEADLINE_MS + SLACK_MS) v(rec, `answered after ${rep.durationMs} ms (deadline ${DEADLINE_MS} ms)`);
    if (rec.plan && rec.fault.kind !== 'id_token' && rec.plan.fired === 0) v(rec, 'the planned fault never fired');
  }
  for (const c of containers) for (const e of c.lateEvents) violations.push(`late: ${e}`);

  // The Management API token, discovery and keys: shared per container.
  const fired = proxy.fired;
  const firedOn = (lane, pred) => fired.filter((f) => f.lane === lane && pred(f)).length;
  for (const lane of ['mainA', 'mainB']) {
    const fwd = proxy.forwarded[lane] || {};
    // A 401 on a lookup forces one fresh token (the cached one was refused); nothing else may.
    const refreshes = firedOn(lane, (f) => f.kind === 'status' && LOOKUP_ROUTES.has(f.route) && f.status === 401);
    const want = 1 + refreshes;
    if ((fwd.token || 0) > want) violations.push(`${lane}: ${fwd.token} Management API token requests, expected at most ${want} (1 + ${refreshes} forced by 401s)`);
    if ((fwd.discovery || 0) > 1) violations.push(`${lane}: ${fwd.discovery} discovery requests, expected 1`);
    const unknownKid = firedOn(lane, (f) => f.kind === 'id_token' && f.variant === 'unknown_kid');
    if ((fwd.jwks || 0) > 1 + unknownKid) violations.push(`${lane}: ${fwd.jwks} JWKS requests, expected at most ${1 + unknownKid}`);
  }
  for (const job of isoSummaries) {
    const attempts = job.requests[job.route];
    if (attempts > 1 + RETRY_BUDGET) violations.push(`isolated ${job.route}:${describe(job.fault)} x${job.recs.length}: ${attempts} attempts (shared by the calls, at most ${1 + RETRY_BUDGET})`);
    if (job.requests.token > 1 + RETRY_BUDGET) violations.push(`isolated ${job.route}: ${job.requests.token} token requests for ${job.recs.length} calls`);
    if (job.fired === 0 && job.fault.kind !== 'latency') violations.push(`isolated ${job.route}:${describe(job.fault)}: the planned fault never fired`);
  }
  const atFake = tenant.requests.filter((q) => q.path === '/oauth/token' && q.grant_type === 'client_credentials').length;
  const viaProxy = Object.values(proxy.forwarded).reduce((n, t) => n + (t.token || 0), 0);
  if (atFake !== viaProxy) violations.push(`the fake saw ${atFake} token requests, the proxy forwarded ${viaProxy}`);

  const summary = summarise(records, fired, { elapsedMs, concurrency, atFake, containers: containers.length, isoSummaries });
  const secrets = {
    passwords: [...passwords],
    clientSecrets: Object.values(SEED.clients).map((c) => c.client_secret),
    tokens: [...proxy.tokens],
  };
  const logs = containers.flatMap((c) => c.logs.map((l) => l.text));
  const fakeRequests = tenant.requests.slice();
  await proxy.close();
  await tenant.close();
  return { records, violations, summary, secrets, logs, fakeRequests };
}

function describe(f) {
  if (!f) return 'none';
  const bits = [f.kind];
  if (f.variant) bits.push(f.variant);
  if (f.status) bits.push(String(f.status));
  if (f.kind === 'rate_limit') bits.push(`ra${f.retryAfter ?? 1}`);
  if (f.times !== undefined && f.times !== 1) bits.push(f.times === Infinity ? 'always' : `x${f.times}`);
  return bits.join('/');
}

function percentile(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summarise(records, fired, meta) {
  const count = (list, key) =>
    list.reduce((m, x) => {
      const k = key(x);
      m[k] = (m[k] || 0) + 1;
      return m;
    }, {});
  const durations = records
    .filter((x) => x.report)
    .map((x) => x.report.durationMs)
    .sort((a, b) => a - b);
  const faulted = records.filter((x) => x.fault && x.fault.kind !== 'latency');
  return {
    calls: records.length,
    byOp: count(records, (x) => x.op),
    faultedCalls: faulted.length,
    faultedShare: faulted.length / records.length,
    latencyCalls: records.filter((x) => x.fault && x.fault.kind === 'latency').length,
    faultsFiredByKind: count(fired, (f) => (f.kind === 'id_token' ? `id_token:${f.variant}` : f.kind)),
    faultsFiredByRoute: count(fired, (f) => f.route),
    outcomes: count(
      records.filter((x) => x.report),
      (x) => classOf(x.report)
    ),
    expected: count(records, (x) => x.expected),
    p50: percentile(durations, 50),
    p99: percentile(durations, 99),
    max: durations[durations.length - 1] || 0,
    ...meta,
    isoSummaries: undefined,
    isolatedScenarios: meta.isoSummaries.length,
  };
}

/** The summary as a Markdown table (what `make soak` prints). */
function formatSummary(s, violations) {
  const rows = [];
  const row = (k, val) => rows.push(`| ${k} | ${val} |`);
  row(
    'calls',
    `${s.calls} (${Object.entries(s.byOp)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}), concurrency ${s.concurrency}, ${(s.elapsedMs / 1000).toFixed(1)} s`
  );
  row('faulted calls', `${s.faultedCalls} (${(100 * s.faultedShare).toFixed(1)}%), plus ${s.latencyCalls} with added latency only`);
  row('containers', `${s.containers} (2 warm main containers, ${s.isolatedScenarios} cold ones with a fault on a shared request)`);
  for (const [k, n] of Object.entries(s.faultsFiredByKind).sort()) row(`faults fired: ${k}`, n);
  row(
    'faults fired by route',
    Object.entries(s.faultsFiredByRoute)
      .sort()
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')
  );
  for (const [k, n] of Object.entries(s.outcomes).sort()) row(`outcome: ${k}`, `${n} (expected ${s.expected[k] || 0})`);
  row('duration p50 / p99 / max', `${s.p50} / ${s.p99} / ${s.max} ms`);
  row('Management API token requests at the fake', s.atFake);
  row('violations', violations.length);
  return ['| what | value |', '|---|---|', ...rows].join('\n');
}

module.exports = { runLoad, expectedClass, classOf, formatSummary, describe, DEADLINE_MS, SLACK_MS, ID_TOKEN_VARIANTS };
