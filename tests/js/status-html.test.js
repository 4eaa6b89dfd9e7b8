'use strict';
/**
 * `status --html FILE` in a real browser: Debian's Chromium, headless, driven by playwright-core (no
 * browser of its own is ever downloaded). The page must render from file:// with nothing fetched, draw
 * one point per run of status where the history says, state the pace and the projected date, and log no
 * console error and throw no page error. The history comes from real status runs against the fake
 * tenants (the count methods `ids` and `--full` must agree) and, for many points, from a crafted one.
 *
 * Chromium missing: outside CI the browser tests are skipped with a loud reason (apt-get install -y
 * chromium); in CI (CI=true, where .ci/run installs it) they fail.
 */

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const h = require('../support/fake-tenant/cli-harness');
const statusHtml = require('../../js/cli/status-html');
const status = require('../../js/cli/commands/status');

const CHROMIUM = process.env.ALM_CHROMIUM || '/usr/bin/chromium';
const IN_CI = /^(1|true)$/i.test(process.env.CI || '');
const HAVE = fs.existsSync(CHROMIUM);
// The flags a machine without network needs (no background fetches, no QUIC, no first-run UI).
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SKIP = !HAVE && !IN_CI ? `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set ALM_CHROMIUM; CI installs it and fails without it` : false;
if (SKIP) process.stderr.write(`\n*** status-html.test.js: BROWSER TESTS SKIPPED: ${SKIP} ***\n\n`);

const DAY = 86400000;
const FAST = ['--poll-interval', '20'];
const U = h.SEED.users;

let tmp;
let browser = null;
before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-status-html-'));
  if (SKIP) return;
  assert.ok(HAVE, `CI=true and no Chromium at ${CHROMIUM}: .ci/run installs Debian's chromium`);
  const { chromium } = require('playwright-core');
  const profile = fs.mkdtempSync(path.join(tmp, 'profile-'));
  browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS });
});
after(async () => {
  if (browser) await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  h.assertNoSecrets(h.allOutput());
});

/**
 * Opens a file in a new tab and reads back what the chart drew. Every console error, page error and
 * request to anything but the file itself is collected for the caller to assert empty.
 */
async function open(file) {
  const page = await browser.newPage();
  const problems = [];
  const fetched = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => fetched.push(r.url()));
  const url = pathToFileURL(file).href;
  await page.goto(url);
  await page.waitForSelector('html[data-ready="1"]');
  const drawn = await page.evaluate(() => {
    const read = (sel) =>
      [...document.querySelectorAll(sel)].map((c) => {
        const box = c.getBoundingClientRect();
        return {
          at: c.dataset.at,
          migrated: Number(c.dataset.migrated),
          remaining: Number(c.dataset.remaining),
          cx: Number(c.getAttribute('cx')),
          cy: Number(c.getAttribute('cy')),
          screen: { x: box.x + box.width / 2, y: box.y + box.height / 2, w: box.width },
          title: c.querySelector('title').textContent,
        };
      });
    const proj = document.getElementById('projection');
    return {
      migrated: read('circle.point.migrated'),
      remaining: read('circle.point.remaining'),
      projection: proj ? { at: proj.dataset.at, x2: Number(proj.getAttribute('x2')), y2: Number(proj.getAttribute('y2')) } : null,
      projected: document.getElementById('projected').textContent,
      pace: document.getElementById('pace').textContent,
      points: document.documentElement.dataset.points,
      chart: document.getElementById('chart').getBoundingClientRect().width,
    };
  });
  await page.close();
  return { drawn, problems, foreign: fetched.filter((u) => u !== url) };
}

/** The points are the history, in order, where layout() puts them, and the browser drew them there. */
function assertPoints(drawn, history, estimate, below) {
  const g = statusHtml.layout(history, estimate, below);
  for (const [series, key] of [
    ['migrated', 'yMigrated'],
    ['remaining', 'yRemaining'],
  ]) {
    const pts = drawn[series];
    assert.equal(pts.length, history.length, `one ${series} point per run`);
    pts.forEach((p, i) => {
      assert.deepEqual({ at: p.at, migrated: p.migrated, remaining: p.remaining }, { at: history[i].at, migrated: history[i].migrated, remaining: history[i].remaining });
      assert.equal(p.cx, g.points[i].x);
      assert.equal(p.cy, g.points[i][key]);
      assert.ok(p.screen.w > 0, 'drawn with a size');
      assert.match(p.title, /migrated, .* remaining/, 'the script labelled it');
      // Later runs are further right (runs seconds apart may share a pixel column).
      if (i > 0) assert.ok(p.screen.x >= pts[i - 1].screen.x - 0.01, 'later runs are not further left on screen');
      // A larger value is drawn higher (smaller screen y), on screen as in the layout.
      if (i > 0 && history[i][series] !== history[i - 1][series]) {
        assert.equal(Math.sign(pts[i - 1].screen.y - p.screen.y), Math.sign(history[i][series] - history[i - 1][series]));
      }
    });
    assert.ok(pts[pts.length - 1].screen.x > pts[0].screen.x, 'the history spans the chart from left to right');
  }
}

describe('status --html', { skip: SKIP }, () => {
  it('renders the history of real status runs: one point per run, the pace, the projected date, no error', async () => {
    const pair = await h.startPair();
    try {
      const env = { ...h.oldEnv(pair.old), ...h.newEnv(pair.new), ALM_STATUS_STATE: path.join(tmp, 'status.json') };
      const page = path.join(tmp, 'status.html');
      const first = await h.runCli(['status', ...FAST, '--html', page], { env });
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^count method: ids: export jobs of user_id, email, blocked and app_metadata only/m);
      assert.match(first.stdout, new RegExp(`chart: ${page.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

      // Two days later three users have logged in; the --full count must agree with the cheap one.
      const file = path.join(tmp, 'status.json');
      const s = JSON.parse(fs.readFileSync(file, 'utf8'));
      s.history[0].at = new Date(Date.now() - 2 * DAY).toISOString();
      fs.writeFileSync(file, JSON.stringify(s));
      for (const u of [U.full, U.minimal, U.username]) {
        pair.new.addUser({ user_id: u.user_id, connection: h.NEW_CONNECTION, email: u.email, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
      }
      const full = await h.runCli(['status', ...FAST, '--full', '--tail-below', '2', '--json'], { env });
      assert.equal(full.code, 0, full.stderr);
      assert.equal(full.json.countMethod.name, 'full');
      const cheap = await h.runCli(['status', ...FAST, '--tail-below', '2', '--json', '--html', page], { env });
      assert.equal(cheap.code, 0, cheap.stderr);
      assert.equal(cheap.json.countMethod.name, 'ids');
      assert.deepEqual(cheap.json.countMethod.fields.old, ['user_id', 'email', 'blocked', 'app_metadata']);
      assert.deepEqual(cheap.json.counts, full.json.counts, 'the cheap count is exact');
      assert.equal(cheap.json.counts.migrated, 3);
      assert.equal(cheap.json.html, page);

      const history = JSON.parse(fs.readFileSync(file, 'utf8')).history;
      assert.deepEqual(
        history.map((x) => x.method),
        ['ids', 'full', 'ids'],
        'each run records its count method'
      );
      const html = fs.readFileSync(page, 'utf8');
      h.assertNoSecrets(html);
      assert.doesNotMatch(html, /\s(src|href)=/i, 'nothing to fetch');

      const { drawn, problems, foreign } = await open(page);
      assert.deepEqual(problems, []);
      assert.deepEqual(foreign, [], 'nothing requested but the file');
      assert.equal(drawn.points, String(history.length));
      assertPoints(drawn, history, cheap.json.estimate, cheap.json.tailBelow);
      assert.ok(cheap.json.estimate && !cheap.json.estimate.reached, 'a projection');
      assert.ok(drawn.projection, 'the projection is drawn');
      assert.equal(drawn.projection.at, cheap.json.estimate.at);
      assert.match(drawn.projected, new RegExp(`fall below 2 on ${cheap.json.estimate.at.slice(0, 10)}`));
      assert.match(drawn.pace, new RegExp(`Pace: ${cheap.json.rate.perDay.toFixed(1)} user\\(s\\)/day`));
    } finally {
      await pair.close();
    }
  });

  it('draws a long crafted history (120 runs) where its layout says, with the projection', async () => {
    const t0 = Date.parse('2026-09-01T06:00:00.000Z');
    const old = 1200000;
    const history = Array.from({ length: 120 }, (_, i) => {
      const migrated = Math.round(old * 0.8 * (1 - Math.exp(-i / 60)));
      return { at: new Date(t0 + i * DAY * 0.5).toISOString(), method: 'ids', old, blocked: 1000, migrated, remaining: old - 1000 - migrated };
    });
    const now = Date.parse(history[history.length - 1].at);
    const below = Math.ceil(old * 0.05);
    const { rate, estimate } = status.estimate(history, now, { windowDays: 7, below });
    assert.ok(rate && estimate && !estimate.reached);
    const file = path.join(tmp, 'crafted.html');
    fs.writeFileSync(file, statusHtml.render({ key: { old: 'old.example/legacy-db', new: 'new.example/Users' }, history, rate, estimate, below, method: 'ids' }));
    const { drawn, problems, foreign } = await open(file);
    assert.deepEqual(problems, []);
    assert.deepEqual(foreign, []);
    assertPoints(drawn, history, estimate, below);
    const g = statusHtml.layout(history, estimate, below);
    assert.deepEqual(drawn.projection, { at: estimate.at, x2: g.projection.x2, y2: g.projection.y2 });
    assert.match(drawn.projected, new RegExp(`on ${estimate.at.slice(0, 10)}`));
  });

  it('shows names as text: markup in a connection name neither renders nor runs', async () => {
    const history = [{ at: '2026-10-01T00:00:00.000Z', old: 10, blocked: 0, migrated: 1, remaining: 9 }];
    const evil = '</script><img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    const file = path.join(tmp, 'evil.html');
    fs.writeFileSync(file, statusHtml.render({ key: { old: `old.example/${evil}`, new: 'new.example/Users' }, history, rate: null, estimate: null, below: 1 }));
    const { drawn, problems, foreign } = await open(file);
    assert.deepEqual(problems, []);
    assert.deepEqual(foreign, []);
    assert.equal(drawn.migrated.length, 1);
    assert.match(drawn.projected, /Projected date: none/);
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    assert.equal(await page.evaluate(() => window.pwned), undefined);
    assert.match(await page.textContent('h1'), /<\/script><img src=x/);
    await page.close();
  });
});
