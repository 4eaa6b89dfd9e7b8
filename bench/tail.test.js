'use strict';
/**
 * The bulk tail's benchmark measures what it says (`node bench/tail/run.js --users 1500,3000 --json`):
 * for each size a whole run that exits 0 with every expected user imported, a peak RSS and CPU time read
 * from /proc, a run SIGKILLed past half its files and resumed with no user lost or doubled; and the
 * table's budget rows say PASS or MISS from those numbers. No figure is asserted against a threshold.
 * Also: `bench/run.js --record` rewrites BENCHMARKS.md around the tail's section, never over it.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { render, recordBeside, section } = require('./tail/report');

const SIZES = [1500, 3000];
let result;
test.before(
  async () => {
    const so = await new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [path.join(__dirname, 'tail', 'run.js'), '--users', SIZES.join(','), '--json', '--timeout-s', '240'],
        { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, timeout: 600000 },
        (err, out, se) => (err ? reject(new Error(`bench/tail/run.js failed: ${se || err.message}`)) : resolve(out))
      );
    });
    result = JSON.parse(so);
  },
  { timeout: 620000 }
);

test('each size: a whole run imports every expected user, measured from outside', () => {
  assert.deepEqual(
    result.sizes.map((s) => s.users),
    SIZES
  );
  for (const s of result.sizes) {
    assert.equal(s.expected, s.users - Math.floor(s.users / 500) + 7, 'every 500th user is blocked; the seed adds 7');
    assert.equal(s.run.outcome, 'exit 0');
    assert.equal(s.run.imported, s.expected);
    assert.ok(s.run.jobs >= 1);
    assert.ok(s.run.peakMb > 0 && s.run.cpuS > 0 && s.run.wallS > 0, JSON.stringify(s.run));
    assert.ok(s.run.firstJobS > 0 && s.run.firstJobS <= s.run.wallS);
  }
});

test('each size: killed past half its files, the rerun ends with every user once', () => {
  for (const s of result.sizes) {
    const r = s.resume;
    assert.ok(r.killedAt, `${s.users}: ${r.outcome}`);
    assert.ok(r.killedAt.file >= Math.ceil(r.killedAt.of / 2));
    assert.equal(r.outcome, 'exit 0');
    assert.equal(r.imported, s.expected);
    assert.equal(r.duplicates, 0);
    assert.equal(r.ok, true);
  }
});

test('the table: the budget rows decided from the measured peaks (the 256 MB one only at 1M users)', () => {
  const text = render(result, 'text');
  const [small, large] = result.sizes.map((s) => s.run.peakMb);
  const row = (start) => text.split('\n').find((l) => l.startsWith(start));
  assert.match(row('peak RSS of the CLI'), new RegExp(`${Math.round(small)} MB +${Math.round(large)} MB .*n/a \\(largest size 3,000\\)$`));
  const flat = row('peak RSS, 3,000 over 1,500');
  assert.ok(flat, text);
  assert.match(flat, new RegExp(`${(large / small).toFixed(2)}× .*${large / small <= 1.25 ? 'PASS$' : 'MISS'}`));
  assert.match(row('users in the new tenant of those expected; refused as duplicates'), /PASS$/);
  const million = { ...result.sizes[1], users: 1000000, run: { ...result.sizes[1].run, peakMb: 300 } };
  assert.match(render({ ...result, sizes: [result.sizes[0], million] }, 'text'), /^peak RSS of the CLI .*MISS \(\+44 MB\)$/m);
});

test('bench/run.js --record keeps the tail section of BENCHMARKS.md', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-bench-record-'));
  try {
    const file = path.join(dir, 'BENCHMARKS.md');
    const tail = section(fs.readFileSync(path.join(__dirname, '..', 'BENCHMARKS.md'), 'utf8'));
    assert.ok(tail.length > 0, 'the repository records a tail section');
    fs.writeFileSync(file, `# old table\n\n${tail}\n`);
    recordBeside('# new table\n', file);
    assert.equal(fs.readFileSync(file, 'utf8'), `# new table\n\n${tail}\n`);
    fs.writeFileSync(file, '# only a table\n');
    recordBeside('# newer table\n', file);
    assert.equal(fs.readFileSync(file, 'utf8'), '# newer table\n');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
