'use strict';
/**
 * doctor's listing line, one for every listed source (rest-conformance.js for the rest store,
 * source-check.js for the others): the first page of the listing `tail`, `status` and `retire`
 * read (stream/listing.js `firstPage`, the engine's listStep), each listed user importable. Only
 * the words differ by source: the line's name, what an unfit user breaks, the fixes, and what a
 * source that cannot list means.
 */

const { firstPage, CannotList } = require('./stream/listing');

/**
 * Adds the line `name` to doctor's checklist `list` under section `S`. `skipWhy`: a reason to skip
 * (the check cannot run yet); `unfit`: what a listed user that cannot be imported fails;
 * `cannot(err)`: {detail, fix} for a source that cannot list; `fix`/`badFix`: the fixes of a
 * failed page and of unfit users.
 */
async function checkFirstPage(list, S, { name, engine, source, settings, label, skipWhy, unfit, fix, badFix, cannot }) {
  if (!engine || typeof engine.listStep !== 'function') return list.add(S, name, 'skip', 'dist/engine.js has no listStep; build again (`make dist`)');
  if (skipWhy) return list.add(S, name, 'skip', skipWhy);
  try {
    const page = await firstPage(engine, { source, settings, label });
    const bad = page.records.filter((r) => r.import && r.import.error);
    if (bad.length) return list.add(S, name, 'fail', `${bad.length} listed user(s) ${unfit}, e.g. ${bad[0].id}: ${bad[0].import.error}`, badFix);
    return list.add(S, name, 'ok', `the first page lists ${page.records.length} user(s)${page.more ? ', and names a next page' : ', the last'}`);
  } catch (err) {
    if (err instanceof CannotList) {
      const c = cannot(err);
      return list.add(S, name, 'warn', c.detail, c.fix);
    }
    return list.add(S, name, 'fail', err.message, fix);
  }
}

module.exports = { checkFirstPage };
