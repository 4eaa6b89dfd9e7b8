'use strict';
/**
 * `status --html FILE`: the history as one self-contained page, for a wiki or an email: a chart of
 * migrated and remaining users at each run of status, the pace and the projected date the remaining
 * users fall below the tail threshold. One file, nothing fetched: the chart is inline SVG drawn here,
 * the page's Content-Security-Policy forbids every external load, and the short inline script only
 * adds hover labels in the reader's time zone. The page holds what status prints (tenant domains,
 * connection names, counts), never a secret or a user id.
 *
 * Each run is a pair of <circle class="point migrated|remaining"> carrying data-at, data-migrated and
 * data-remaining, so a test (tests/js/status-html.test.js, in headless Chromium) reads the points back.
 */

const W = 800;
const H = 360;
const PAD = { left: 64, right: 24, top: 20, bottom: 44 };
const DAY_MS = 86400000;
/** The projection is drawn at most this many history spans past the last run (else it flattens the chart). */
const MAX_AHEAD = 3;

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const num = (n) => Math.round(n).toLocaleString('en-US');
const fixed = (v) => Number(v.toFixed(1));

/** Round axis steps (1, 2, 5 x 10^k), about `want` of them, the last at or above `max`. */
function ticks(max, want = 5) {
  if (!(max > 0)) return [0];
  const raw = max / want;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
  const out = [0];
  while (out[out.length - 1] < max) out.push(out.length * step);
  return out;
}

/**
 * The chart's geometry: scales and every point's position. Exported for the test, which checks the
 * positions Chromium reports against these.
 */
function layout(history, estimate, below) {
  const times = history.map((h) => Date.parse(h.at));
  const t0 = times[0];
  const last = times[times.length - 1];
  const span = Math.max(last - t0, DAY_MS);
  let tEnd = last === t0 ? t0 + DAY_MS : last;
  const projected = estimate && !estimate.reached ? Date.parse(estimate.at) : null;
  if (projected !== null) tEnd = Math.max(tEnd, Math.min(projected, last + MAX_AHEAD * span));
  const yMax = Math.max(1, ...history.map((h) => Math.max(h.migrated, h.remaining)));
  const yTop = ticks(yMax).slice(-1)[0];
  const x = (t) => fixed(PAD.left + ((t - t0) / (tEnd - t0)) * (W - PAD.left - PAD.right));
  const y = (v) => fixed(PAD.top + (1 - v / yTop) * (H - PAD.top - PAD.bottom));
  const points = history.map((h, i) => ({ at: h.at, migrated: h.migrated, remaining: h.remaining, x: x(times[i]), yMigrated: y(h.migrated), yRemaining: y(h.remaining) }));
  let projection = null;
  if (projected !== null) {
    const lastRemaining = history[history.length - 1].remaining;
    // Clipped at the chart's right edge when the date lies further out.
    const tClip = Math.min(projected, tEnd);
    const vClip = lastRemaining - ((lastRemaining - below) * (tClip - last)) / (projected - last || 1);
    projection = { x1: x(last), y1: y(lastRemaining), x2: x(tClip), y2: y(vClip), clipped: projected > tEnd, at: estimate.at };
  }
  return { t0, tEnd, yTop, x, y, points, projection, below: below > 0 && below <= yTop ? y(below) : null };
}

function svg(history, estimate, below) {
  const g = layout(history, estimate, below);
  const parts = [];
  for (const v of ticks(g.yTop)) {
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${g.y(v)}" y2="${g.y(v)}"/>`);
    parts.push(`<text class="tick" x="${PAD.left - 6}" y="${g.y(v) + 4}" text-anchor="end">${num(v)}</text>`);
  }
  const days = (g.tEnd - g.t0) / DAY_MS;
  const step = Math.max(1, Math.ceil(days / 6)) * DAY_MS;
  for (let t = g.t0; t <= g.tEnd; t += step) {
    parts.push(`<text class="tick" x="${g.x(t)}" y="${H - PAD.bottom + 18}" text-anchor="middle">${new Date(t).toISOString().slice(0, 10)}</text>`);
  }
  if (g.below !== null) {
    parts.push(`<line class="threshold" x1="${PAD.left}" x2="${W - PAD.right}" y1="${g.below}" y2="${g.below}"/>`);
    parts.push(`<text class="tick" x="${W - PAD.right}" y="${g.below - 4}" text-anchor="end">tail below ${num(below)}</text>`);
  }
  const line = (cls, key) => `<polyline class="series ${cls}" points="${g.points.map((p) => `${p.x},${p[key]}`).join(' ')}"/>`;
  parts.push(line('migrated', 'yMigrated'), line('remaining', 'yRemaining'));
  if (g.projection) {
    const p = g.projection;
    parts.push(`<line id="projection" class="projection" x1="${p.x1}" y1="${p.y1}" x2="${p.x2}" y2="${p.y2}" data-at="${esc(p.at)}" data-clipped="${p.clipped}"/>`);
  }
  for (const [cls, key, field] of [
    ['migrated', 'yMigrated', 'migrated'],
    ['remaining', 'yRemaining', 'remaining'],
  ]) {
    g.points.forEach((p, i) => {
      parts.push(
        `<circle class="point ${cls}" r="3.5" cx="${p.x}" cy="${p[key]}" data-i="${i}" data-at="${esc(p.at)}" data-migrated="${p.migrated}" data-remaining="${p.remaining}"><title>${esc(p.at)}: ${num(p[field])} ${field}</title></circle>`
      );
    });
  }
  parts.push(`<line class="axis" x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}"/>`);
  return `<svg id="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="migrated and remaining users at each run of status">${parts.join('')}</svg>`;
}

/** Pace and projection as sentences (the same wording as status prints). */
function sentences({ latest, rate, estimate, below }) {
  const eligible = latest.old - latest.blocked;
  const share = eligible > 0 ? `${((latest.migrated / eligible) * 100).toFixed(1)}%` : 'no eligible user';
  const out = {
    progress: `Migrated ${num(latest.migrated)} of ${num(eligible)} (${share}); remaining ${num(latest.remaining)}; ${num(latest.blocked)} blocked.`,
    pace: rate
      ? `Pace: ${rate.perDay.toFixed(1)} user(s)/day over ${rate.days.toFixed(1)} day(s) (${rate.runs} runs of status).`
      : 'Pace: not known yet (the history needs runs at least a day apart).',
    projected: 'Projected date: none (no pace, or no progress in the window).',
  };
  if (estimate && estimate.reached) out.projected = `The remaining users are at or below ${num(below)}: time for the tail.`;
  else if (estimate)
    out.projected = `Projected date: the remaining users fall below ${num(below)} on ${estimate.at.slice(0, 10)} (in about ${estimate.days.toFixed(1)} day(s)), if logins keep this pace.`;
  return out;
}

/**
 * The page. `history`: status's entries ({at, old, blocked, migrated, remaining, method?}), oldest
 * first; `rate`, `estimate`, `below`: as status computed them for the latest run.
 */
function render({ key, history, rate, estimate, below, method, generatedAt = new Date().toISOString() }) {
  const latest = history[history.length - 1];
  const s = sentences({ latest, rate, estimate, below });
  // Data for the script, inside a JSON script element: '<' escaped so no text can close the element.
  const data = JSON.stringify({ generatedAt, points: history.map((h) => ({ at: h.at, migrated: h.migrated, remaining: h.remaining })) }).replace(/</g, '\\u003c');
  const rows = history
    .slice()
    .reverse()
    .map((h) => `<tr><td>${esc(h.at)}</td><td>${num(h.migrated)}</td><td>${num(h.remaining)}</td><td>${num(h.old)}</td><td>${esc(h.method || 'full')}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Migration status: ${esc(key.old)} to ${esc(key.new)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #1d2330; max-width: 860px; }
h1 { font-size: 18px; margin: 0 0 4px; } p { margin: 4px 0; } .muted { color: #5b6475; }
svg { display: block; margin: 12px 0; max-width: 100%; height: auto; background: #fff; }
.grid { stroke: #e4e7ee; } .axis { stroke: #8a93a5; } .tick { font-size: 11px; fill: #5b6475; }
.series { fill: none; stroke-width: 2; } .series.migrated { stroke: #2563eb; } .series.remaining { stroke: #ea580c; }
.point.migrated { fill: #2563eb; } .point.remaining { fill: #ea580c; }
.projection { stroke: #ea580c; stroke-dasharray: 6 4; stroke-width: 2; } .threshold { stroke: #16a34a; stroke-dasharray: 2 3; }
.legend span { margin-right: 16px; } .key { display: inline-block; width: 12px; height: 3px; vertical-align: middle; margin-right: 4px; }
table { border-collapse: collapse; font-size: 12px; } td, th { padding: 2px 10px; text-align: right; border-bottom: 1px solid #eef0f4; }
td:first-child, th:first-child { text-align: left; }
</style>
</head>
<body>
<h1>Lazy migration: ${esc(key.old)} &rarr; ${esc(key.new)}</h1>
<p id="progress">${esc(s.progress)}</p>
<p id="pace">${esc(s.pace)}</p>
<p id="projected" data-at="${estimate && !estimate.reached ? esc(estimate.at) : ''}">${esc(s.projected)}</p>
<p class="legend"><span><i class="key" style="background:#2563eb"></i>migrated</span><span><i class="key" style="background:#ea580c"></i>remaining</span><span><i class="key" style="background:#16a34a"></i>tail threshold</span><span class="muted">dashed: projection at the current pace</span></p>
${svg(history, estimate, below)}
<p class="muted">${history.length} run(s) of status; latest ${esc(latest.at)}; count method of the latest: ${esc(method || latest.method || 'full')}. Generated ${esc(generatedAt)}.</p>
<table id="runs"><thead><tr><th>run</th><th>migrated</th><th>remaining</th><th>old users</th><th>method</th></tr></thead><tbody>${rows}</tbody></table>
<script type="application/json" id="data">${data}</script>
<script>
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('data').textContent);
  var points = document.querySelectorAll('circle.point');
  for (var i = 0; i < points.length; i++) {
    var c = points[i];
    c.querySelector('title').textContent = new Date(c.getAttribute('data-at')).toLocaleString() + ': ' +
      Number(c.getAttribute('data-migrated')).toLocaleString() + ' migrated, ' + Number(c.getAttribute('data-remaining')).toLocaleString() + ' remaining';
  }
  document.documentElement.setAttribute('data-points', String(data.points.length));
  document.documentElement.setAttribute('data-ready', '1');
})();
</script>
</body>
</html>
`;
}

module.exports = { render, layout, sentences };
