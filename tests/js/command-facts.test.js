'use strict';
/**
 * One source for what help, the runbook and the README say about the commands (js/cli/command-facts.js,
 * js/cli/environment.js), checked here against each of them:
 * - the runbook's scopes table is exactly `scopesTable()`, and each command's --help shows its scopes;
 * - every command has examples, its --help shows them, and each is an `alm` line of the runbook's sh
 *   blocks (tests/js/runbook.test.js runs those, so every example shown is known to work);
 * - one order: `orderLine()` is in the top-level help, the runbook and the README, the runbook's
 *   commands walk it, and the top-level help and the README's table list the commands in one order;
 * - the top-level help lists every ALM_* variable named anywhere in js/cli/.
 */

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const { COMMANDS } = require('../../js/cli/main');
const facts = require('../../js/cli/command-facts');
const { DEFAULT_SAMPLE_SIZE } = require('../../js/fakes/world');

const read = (f) => fs.readFileSync(path.join(h.ROOT, f), 'utf8');
const RUNBOOK = read('docs/runbook.md');
const README = read('README.md');

/** The `alm` lines of the runbook's sh blocks, without trailing comments. */
function runbookAlmLines() {
  const out = [];
  let inSh = false;
  for (const line of RUNBOOK.split('\n')) {
    if (/^\s*```/.test(line)) {
      inSh = !inSh && /^\s*```sh\s*$/.test(line);
      continue;
    }
    if (inSh && /^\s*alm\s/.test(line)) out.push(line.trim().replace(/\s+#.*$/, ''));
  }
  return out;
}

describe('scopes', () => {
  it("the runbook's table is the facts' table", () => {
    const start = RUNBOOK.indexOf('| command | old tenant');
    assert.ok(start >= 0, 'the runbook has the scopes table');
    const table = RUNBOOK.slice(start, RUNBOOK.indexOf('\n\n', start));
    assert.equal(table, facts.scopesTable(), `replace the runbook's table with:\n${facts.scopesTable()}`);
  });

  it('every command has facts, and its --help shows its scopes and examples', async () => {
    for (const c of COMMANDS) {
      const f = facts.factsOf(c);
      assert.ok(f, `js/cli/command-facts.js has no entry for \`${c}\``);
      assert.ok(f.examples.length > 0, `\`${c}\` has an example`);
      const r = await h.runCli([c, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Management API scopes/m, `${c} --help shows its scopes`);
      for (const line of facts.scopesHelp(c)) assert.ok(r.stdout.includes(line), `${c} --help shows "${line}"`);
      for (const e of f.examples) assert.ok(r.stdout.includes(`  auth0-lazy-migrate ${e}\n`), `${c} --help shows the example "${e}"`);
    }
  });
});

describe('examples', () => {
  it('each is a line of the runbook, which runs them', () => {
    const lines = runbookAlmLines();
    for (const [name, f] of Object.entries(facts.FACTS)) {
      assert.ok(COMMANDS.includes(name), `command-facts names \`${name}\`, which is not a command`);
      for (const e of f.examples) assert.ok(lines.includes(`alm ${e}`), `the runbook runs \`alm ${e}\` (an example of ${name})`);
    }
  });
});

describe('one order', () => {
  it('the top-level help, the runbook and the README show the same order line', async () => {
    const line = facts.orderLine();
    const top = await h.runCli(['--help']);
    assert.ok(top.stdout.includes(line), 'the top-level help');
    assert.ok(RUNBOOK.includes(`\`\`\`\n${line}\n\`\`\``), 'the runbook');
    assert.ok(README.includes(`\`\`\`\n${line}\n\`\`\``), 'the README');
  });

  it("the runbook's commands walk that order", () => {
    const lines = runbookAlmLines();
    const steps = facts.ORDER.map((s) => `alm ${s.replace(/ \(.*\)$/, '')}`);
    let at = 0;
    for (const l of lines) {
      if (at < steps.length && (l === steps[at] || l.startsWith(`${steps[at]} `))) at += 1;
    }
    assert.equal(at, steps.length, `the runbook reaches ${steps[at]} after ${steps.slice(0, at).join(', ')}`);
  });

  it("the top-level help and the README's table list the commands in one order", async () => {
    const top = await h.runCli(['--help']);
    const section = top.stdout.slice(top.stdout.indexOf('\nCommands:\n'), top.stdout.indexOf('\n\n', top.stdout.indexOf('\nCommands:\n') + 1));
    const listed = [...section.matchAll(/^ {2}([a-z-]+) +\S/gm)].map((m) => m[1]);
    assert.deepEqual(listed, COMMANDS);
    const rows = [...README.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]).filter((n) => COMMANDS.includes(n));
    assert.deepEqual(rows, COMMANDS, "the README's command table: one row per command, in the help's order");
  });
});

describe('environment', () => {
  it('the top-level help lists every ALM_* variable js/cli/ names', async () => {
    const top = (await h.runCli(['--help'])).stdout;
    const dir = path.join(h.ROOT, 'js', 'cli');
    const names = new Set();
    for (const f of fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js'))) {
      // Read as a string ('ALM_X', "ALM_X", `ALM_X`) or a property (env.ALM_X); prose in comments is not a read.
      for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/(?:['"`]|\benv\.)(ALM_[A-Z0-9_]*[A-Z0-9])\b/g)) names.add(m[1]);
    }
    assert.ok(names.size > 10, [...names].join(' '));
    for (const n of names) assert.match(top, new RegExp(`^ {2}${n} `, 'm'), `--help lists ${n}`);
  });

  it("rehearse's help states the world's sample size", async () => {
    const r = await h.runCli(['rehearse', '--help']);
    assert.match(r.stdout, new RegExp(`\\(default ${DEFAULT_SAMPLE_SIZE}\\)`));
  });
});
