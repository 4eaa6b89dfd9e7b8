'use strict';
/**
 * "Did you mean ...?" for names the operator typed: connection names, settings keys, commands.
 *
 * A mistyped name is otherwise silently "nothing matched" (a wrong --connection used to report 100%
 * migrated), so every place that rejects a name offers the closest real one. Case-insensitive exact
 * match wins first (Auth0 names are case-sensitive, operators often are not), then the closest by
 * edit distance if it is close enough to be a plausible typo.
 */

/** Levenshtein distance (insert, delete, substitute; each costs 1). */
function editDistance(a, b) {
  const s = String(a);
  const t = String(b);
  if (s === t) return 0;
  if (!s.length) return t.length;
  if (!t.length) return s.length;
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[t.length];
}

/**
 * The candidate the operator most likely meant, or null.
 * A typo counts when its distance (compared case-insensitively) is at most 2, or a third of the
 * longer name for long names; ties go to the earlier candidate.
 */
function suggest(input, candidates) {
  if (typeof input !== 'string' || !input.length) return null;
  const list = [...new Set((candidates || []).filter((c) => typeof c === 'string' && c.length))];
  const lower = input.toLowerCase();
  const exact = list.find((c) => c.toLowerCase() === lower);
  if (exact !== undefined) return exact === input ? null : exact;
  let best = null;
  let bestDistance = Infinity;
  for (const c of list) {
    const d = editDistance(lower, c.toLowerCase());
    const limit = Math.max(2, Math.floor(Math.max(input.length, c.length) / 3));
    if (d <= limit && d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** ' (did you mean "X"?)' to append to an error message, or '' when nothing is close. */
function didYouMean(input, candidates) {
  const s = suggest(input, candidates);
  return s === null ? '' : ` (did you mean "${s}"?)`;
}

module.exports = { suggest, didYouMean, editDistance };
