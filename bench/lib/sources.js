'use strict';
/**
 * `make bench`, per source: every source's script sizes, and each other source's cold and warm
 * figures beside the auth0 source's (bench/run.js measures those), against the fake its demo uses
 * (js/demo-source.js DEMOS: the rest contract's reference store, the fake OpenID provider set up as
 * Keycloak, ...), on loopback.
 *
 * Why beside and not instead: the auth0 table (dist against the plain-JS baseline, with the budgets) is
 * what the README quotes; the other sources have no plain baseline, so the fair comparison is with the
 * auth0 source's own figures, measured the same way in the same run:
 * - cold: the first call of a new container, end to end, in a fresh child process (cold-child.js
 *   `first`, both starting points), paired run by run with nothing;
 * - warm: CPU per call in one warm container, the upstream's replies replayed from memory
 *   (replay.js: the request's method, URL and body are its key; headers such as the rest source's
 *   signatures, new each call, are not), so only the script and the sandbox are counted. The oidc
 *   scripts cache discovery, the JWKS and the client-credentials token as in a warm Auth0 container,
 *   so a warm login is the password grant and userinfo, a warm get_user the Keycloak lookup.
 * The list of sources and their files is js/sources.js's.
 */
const fs = require('node:fs');
const path = require('node:path');
const { createContainer } = require('../../js/sandbox');
const { DEMOS } = require('../../js/demo-source');
const { NAMES, SCRIPTS, scriptFile } = require('../../js/sources');
const { SCRIPT_LIMIT_BYTES } = require('../../js/auth0-limits');
const { installReplay } = require('./replay');
const { median, percentile } = require('./common');

/** The cases every measured source runs, and the auth0 case each is set beside: a first (or warm) login with the right password, and a lookup that finds the user. */
const CASES = [
  { key: 'login', kind: 'login', expect: 'success', auth0Cold: 'login_full', auth0Warm: 'login_claims' },
  { key: 'get_user', kind: 'get_user', expect: 'found', auth0Cold: 'get_user_full', auth0Warm: 'get_user' },
];
/** The cases with a source's sample user as the arguments. */
const casesFor = (email, password) => CASES.map((c) => ({ ...c, args: c.kind === 'login' ? [email, password] : [email] }));

/**
 * The measured sources: each one's cases and how to start its fake upstream, which resolves to
 * {settings, close}. Both come from the source's demo (js/demo-source.js DEMOS: the same fake, the
 * same settings, secrets random per run); its first step, a login with the right password, names
 * the sample user.
 */
const MEASURED = Object.fromEntries(
  DEMOS.filter((demo) => demo.bench !== false).map((demo) => {
    const [, email, password] = demo.steps[0];
    const start = async () => {
      const server = await demo.start();
      return { settings: demo.configuration(server), close: () => server.close() };
    };
    return [demo.source, { cases: casesFor(email, password), start }];
  })
);
/** The sources with a demo the bench does not time, and why (their demo's file says it). */
const UNTIMED =
  DEMOS.filter((d) => d.bench === false)
    .map((d) => `${d.source} (its fake is reached through the container's own fetch, which the cold runs' fresh processes cannot share)`)
    .join('; ') || 'none';
/** The sources measured beside auth0, in js/sources.js's order. */
const MEASURED_NAMES = NAMES.filter((n) => MEASURED[n]);

/** Copies each source's built scripts into the snapshot `dir`/dist (bench/run.js freezes dist/ there). */
function snapshotSources(root, dir) {
  for (const name of NAMES) {
    for (const s of SCRIPTS) {
      const from = path.join(root, 'dist', scriptFile(name, s.kind));
      if (!fs.existsSync(from)) continue;
      const to = path.join(dir, 'dist', scriptFile(name, s.kind));
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.copyFileSync(from, to);
    }
  }
}

/** {source: {login: {bytes, shareOfLimit}, get_user: ...} | null (not in this build)}. */
function sizes(dir) {
  const out = {};
  for (const name of NAMES) {
    const files = SCRIPTS.map((s) => [s.kind, path.join(dir, 'dist', scriptFile(name, s.kind))]);
    out[name] = files.every(([, f]) => fs.existsSync(f))
      ? Object.fromEntries(files.map(([kind, f]) => [kind, { file: scriptFile(name, kind), bytes: fs.statSync(f).size, shareOfLimit: fs.statSync(f).size / SCRIPT_LIMIT_BYTES }]))
      : null;
  }
  return out;
}

/** CPU milliseconds of `n` calls, one by one, in the warm container `c`; counts outcomes other than `expect`. */
async function cpuOf(c, text, cs, n, tally) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const a = process.cpuUsage();
    const r = await c.invoke(text, { kind: cs.kind, args: cs.args, timeoutMs: 19000 });
    const d = process.cpuUsage(a);
    out.push((d.user + d.system) / 1000);
    if (r.outcome !== cs.expect) tally.errors++;
    if (c.logs.length > 1000) c.logs.length = 0;
  }
  return out;
}

/**
 * A measured source's cold and warm figures. `name`: rest or oidc; `dir`: the snapshot; `plan`:
 * bench/run.js's PLAN (coldRuns, warmup, warmCalls); `runChild(args)` runs a child and parses its
 * JSON line; `warmUrl`: another origin the 'loaded' starting point fetches first (as cold-child.js
 * documents).
 */
async function sourceFigures(name, { dir, plan, runChild, warmUrl, progress }) {
  const { cases } = MEASURED[name];
  const upstream = await MEASURED[name].start();
  const { settings } = upstream;
  const child = path.join(__dirname, 'cold-child.js');
  const out = { cold: {}, warm: {} };
  try {
    for (const modules of ['fresh', 'loaded']) {
      out.cold[modules] = {};
      for (const cs of cases) {
        const totals = [];
        for (let i = 0; i < plan.coldRuns; i++) {
          const r = await runChild([child, 'first', JSON.stringify({ script: path.join(dir, 'dist', scriptFile(name, cs.kind)), kind: cs.kind, settings, args: cs.args, modules, warmUrl })]);
          if (r.outcome !== cs.expect || typeof r.totalMs !== 'number')
            throw new Error(`cold ${name} ${cs.key} (${modules}) ended ${r.outcome}${r.error ? ` (${r.error})` : ''}, expected ${cs.expect}`);
          totals.push(r.totalMs);
        }
        out.cold[modules][cs.key] = { medianMs: median(totals), minMs: Math.min(...totals), maxMs: Math.max(...totals), n: totals.length, auth0Case: cs.auth0Cold };
      }
    }
    progress(`${name} source cold: ${plan.coldRuns} run(s) per case`);
    const replay = installReplay();
    try {
      for (const cs of cases) {
        const text = fs.readFileSync(path.join(dir, 'dist', scriptFile(name, cs.kind)), 'utf8');
        const c = createContainer({ configuration: settings, graceMs: 0 });
        replay.record();
        const first = await c.invoke(text, { kind: cs.kind, args: cs.args, timeoutMs: 19000 });
        if (first.outcome !== cs.expect) throw new Error(`warm ${name} ${cs.key}: ${first.outcome} ${first.error ? first.error.message : ''}`);
        replay.replay();
        const tally = { errors: 0 };
        await cpuOf(c, text, cs, plan.warmup, tally);
        const samples = await cpuOf(c, text, cs, plan.warmCalls, tally);
        replay.off();
        out.warm[cs.key] = { calls: samples.length, errors: tally.errors, replayMisses: replay.state.misses, medianMs: median(samples), p99Ms: percentile(samples, 0.99), auth0Case: cs.auth0Warm };
      }
    } finally {
      replay.uninstall();
    }
    progress(`${name} source warm: login ${out.warm.login.medianMs.toFixed(3)} ms, get_user ${out.warm.get_user.medianMs.toFixed(3)} ms CPU (median)`);
  } finally {
    await upstream.close();
  }
  return out;
}

/** Every measured source's figures, or null for one this build did not write (`sizes` says which). */
async function measuredFigures(sourceSizes, opts) {
  const out = {};
  for (const name of MEASURED_NAMES) out[name] = sourceSizes[name] ? await sourceFigures(name, opts) : null;
  return out;
}

/** What the cold rows compare: each source's first call with the requests it makes, not equal work. */
const COLD_NOTE =
  "Cold rows: a new container's first call, end to end, each source with its own requests (auth0 login: the password grant, discovery and JWKS; auth0 get_user: a token and the lookup; rest: one signed POST each; oidc login: discovery, the password grant, JWKS and userinfo; oidc get_user: a client-credentials token and Keycloak's user lookup; cognito login: InitiateAuth, the JWKS and GetUser; cognito get_user: one signed ListUsers).";

const ms = (n) => (typeof n === 'number' ? `${n.toFixed(n < 1 ? 3 : 1)} ms` : '-');

/** The per-source rows: [metric, auth0, rest, oidc] for the text and markdown outputs ('-' where a source has no figure). */
function tableRows(results) {
  const s = results.sources;
  const head = ['', ...NAMES];
  const rows = [];
  for (const s2 of SCRIPTS) {
    rows.push([
      `${s2.file} bytes (share of 100 KB)`,
      ...NAMES.map((n) => (s.sizes[n] ? `${s.sizes[n][s2.kind].bytes.toLocaleString('en-US')} (${(s.sizes[n][s2.kind].shareOfLimit * 100).toFixed(1)}%)` : 'not built')),
    ]);
  }
  // The other sources' figure for a case, by name: '-' for the auth0 source's own column or a source not measured.
  const others = (pick) => NAMES.slice(1).map((n) => (s[n] ? ms(pick(s[n])) : '-'));
  if (MEASURED_NAMES.some((n) => s[n])) {
    for (const modules of ['fresh', 'loaded']) {
      for (const cs of CASES) {
        const a = results.cold_start.cases[modules][cs.auth0Cold];
        rows.push([`cold ${cs.key}, ${modules} (median, end to end)`, ms(a && a.dist.medianMs), ...others((f) => f.cold[modules][cs.key].medianMs)]);
      }
    }
    for (const cs of CASES) {
      const a = results.warm_cpu[cs.auth0Warm];
      rows.push([`warm ${cs.key} CPU per call (median)`, ms(a && a.dist.medianMs), ...others((f) => f.warm[cs.key].medianMs)]);
    }
  }
  return { head, rows };
}

/** The per-source table as text lines. */
function textLines(results) {
  const { head, rows } = tableRows(results);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    `Per source (each against the fake its demo uses, js/demo-source.js; auth0 figures are the "dist" column above; not timed: ${UNTIMED})`,
    `  ${COLD_NOTE}`,
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ];
}

/** The per-source table as a markdown section. */
function markdown(results) {
  const { head, rows } = tableRows(results);
  const row = (cells) => `| ${cells.join(' | ')} |`;
  return [
    '## Per source',
    '',
    `Each source's scripts against the fake its demo uses (js/demo-source.js: the rest contract's reference store, a fake OpenID provider with the Keycloak preset, a fake Cognito pool), on loopback, measured in the same run and the same way as the auth0 source's dist figures above (\`bench/lib/sources.js\`); not timed: ${UNTIMED}. ${COLD_NOTE}`,
    '',
    row(head.map((h) => h || 'metric')),
    row(head.map(() => '---')),
    ...rows.map(row),
    '',
  ].join('\n');
}

module.exports = { MEASURED_NAMES, snapshotSources, sizes, sourceFigures, measuredFigures, tableRows, textLines, markdown };
