'use strict';
/**
 * formatReport: a sandbox report (invoke.js) as a few lines for a human, e.g. the
 * operator's `try` command or a failing test's message.
 *
 * Why a separate printer: it only ever reads the report's own fields (outcome, event, stored user, error,
 * violations, warnings, logs), and the report never carries the call's arguments, so the password cannot be
 * printed from here even by mistake. `profile` is not printed either: `stored` is its JSON copy, which is what
 * Auth0 would keep.
 */

const MAX_LOG_LINES = 20;
const MAX_LINE = 300;

function clip(s, n = MAX_LINE) {
  const text = String(s);
  return text.length > n ? `${text.slice(0, n)}... (${text.length - n} more chars)` : text;
}

function formatReport(report) {
  const r = report || {};
  const out = [];
  const what = `${r.kind || 'script'}${r.name ? ` (function ${r.name})` : ''}`;
  out.push(`${what}: ${r.outcome}${r.event ? `, Auth0 log event "${r.event}"` : ''}`);
  if (r.outcome === 'violation' && r.callbackOutcome) out.push(`  the callback itself said: ${r.callbackOutcome}`);
  if (r.stored) out.push(`stored user: ${clip(JSON.stringify(r.stored), 2000)}`);
  if (r.error) {
    const extra = r.error.identifier !== undefined ? ` [identifier: ${JSON.stringify(r.error.identifier)}]` : r.error.code !== undefined ? ` [code: ${JSON.stringify(r.error.code)}]` : '';
    out.push(`error: ${r.error.name}: ${clip(r.error.message)}${extra}`);
  }
  for (const [title, list] of [
    ['violations', r.violations],
    ['warnings', r.warnings],
  ]) {
    if (list && list.length) {
      out.push(`${title}:`);
      for (const v of list) out.push(`  - ${clip(v)}`);
    }
  }
  const logs = r.logs || [];
  if (logs.length) {
    out.push(`logs (${logs.length} line${logs.length === 1 ? '' : 's'}):`);
    for (const l of logs.slice(0, MAX_LOG_LINES)) out.push(`  [${l.level}] ${clip(l.text)}`);
    if (logs.length > MAX_LOG_LINES) out.push(`  ... ${logs.length - MAX_LOG_LINES} more`);
  }
  out.push(`callback called ${r.callbackCalls || 0} time${r.callbackCalls === 1 ? '' : 's'}; ${r.durationMs || 0} ms`);
  return out.join('\n');
}

module.exports = { formatReport };
