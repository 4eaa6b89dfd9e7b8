'use strict';
/**
 * Two builds of one commit give byte-identical dist/: the tree is copied to another folder (so
 * absolute paths differ, as between two clones), built there from scratch with its own cargo
 * target dir, and every dist file is compared with the one `make dist` made here.
 * Slow (a full release build): about a minute on two cores.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..', '..');

/** The files a clone would have: tracked plus untracked-but-not-ignored (the change under test). */
function projectFiles() {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT });
  return out
    .toString('utf8')
    .split('\0')
    .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
}

test('a second build in another folder is byte-identical', { timeout: 15 * 60 * 1000 }, () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist', 'manifest.json'), 'utf8'));
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-repro-'));
  try {
    for (const f of projectFiles()) {
      fs.mkdirSync(path.dirname(path.join(copy, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(copy, f));
    }
    execFileSync('make', ['dist'], {
      cwd: copy,
      env: { ...process.env, ALM_GIT_COMMIT: manifest.commit, MAKEFLAGS: '' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const files = [...manifest.artifacts.map((a) => a.file), 'manifest.json'];
    for (const f of files) {
      const a = fs.readFileSync(path.join(ROOT, 'dist', f));
      const b = fs.readFileSync(path.join(copy, 'dist', f));
      assert.ok(a.equals(b), `dist/${f} differs between two builds of the same tree`);
    }
  } finally {
    fs.rmSync(copy, { recursive: true, force: true });
  }
});
