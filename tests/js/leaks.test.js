'use strict';
/**
 * Nothing leaked: after a run that exercises every outcome and every fault kind (the fault-load
 * workload, smaller), scan everything a person or a log pipeline could see - every log line, every
 * error message, every sandbox report (raw and as printed), the fake tenant's request log, every
 * emitted artifact (dist/**, target/skeleton/**) and every golden file - for every password, client
 * secret and token used: the seed's (js/fakes/seed.js), the run's own users', and every token
 * the fake minted during the run (access, ID and MFA tokens, and each JWT's payload and signature on
 * their own). Zero hits.
 *
 * The sandbox redacts the calling user's password from its reports and flags it as a violation
 * when it finds one, so the scan below also asserts that no report carries such a violation.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { runLoad } = require('../support/fault-load');
const { formatReport } = require('../../js/sandbox');
const { seed, SEED } = require('../../js/fakes/seed');

const ROOT = path.join(__dirname, '..', '..');

function filesUnder(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every secret as the strings to look for: whole, and for a JWT its payload and signature too. */
function needles(secrets) {
  const out = new Map();
  const add = (value, what) => {
    if (typeof value === 'string' && value.length >= 8) out.set(value, what);
  };
  for (const p of secrets.passwords) add(p, 'a password');
  for (const s of secrets.clientSecrets) add(s, 'a client secret');
  for (const t of secrets.tokens) {
    add(t, 'a token');
    const parts = t.split('.');
    if (parts.length === 3) {
      add(parts[1], 'a token payload');
      if (parts[2].length >= 20) add(parts[2], 'a token signature');
    }
  }
  return out;
}

/** [{where, what}] for every needle found in a haystack; the secret itself is never printed. */
function scan(haystacks, found) {
  const hits = [];
  for (const [where, text] of haystacks) {
    for (const [needle, what] of found) if (text.includes(needle)) hits.push(`${what} (${needle.slice(0, 3)}...) in ${where}`);
  }
  return hits;
}

let run;
test.before(async () => {
  run = await runLoad({ calls: 300, concurrency: 50, seed: 11, slow: 0, big: 1, faultShare: 0.3, isolatedShare: 0.05 });
});

test('the run behind the scan was clean and covered every outcome', () => {
  assert.deepEqual(run.violations, []);
  for (const cls of ['profile', 'not_found', 'wrong_password', 'unauthorized', 'error']) assert.ok(run.summary.outcomes[cls] > 0, cls);
  assert.ok(run.secrets.tokens.length > 50, `${run.secrets.tokens.length} tokens minted`);
  assert.ok(run.secrets.passwords.length > 100);
});

test('no password, client secret or token in any log line, error, report, request log, artifact or golden file', () => {
  const all = {
    passwords: [...run.secrets.passwords, ...seed().users.map((u) => u.password)],
    clientSecrets: [...run.secrets.clientSecrets, ...Object.values(SEED.clients).map((c) => c.client_secret)],
    tokens: run.secrets.tokens,
  };
  const found = needles(all);
  const haystacks = [];
  run.logs.forEach((line, i) => {
    haystacks.push([`log line ${i}`, line]);
  });
  for (const r of run.records) {
    const rep = r.report;
    haystacks.push([`report of ${r.op} ${r.identifier}`, JSON.stringify(rep)]);
    haystacks.push([`printed report of ${r.op} ${r.identifier}`, formatReport(rep)]);
    if (rep.error) haystacks.push([`error of ${r.op} ${r.identifier}`, `${rep.error.name}: ${rep.error.message}`]);
    assert.ok(!rep.violations.some((v) => /password appeared/.test(v)), `${r.identifier}: the sandbox found the password`);
  }
  haystacks.push(["the fake tenant's request log", JSON.stringify(run.fakeRequests)]);
  const artifacts = [...filesUnder(path.join(ROOT, 'dist')), ...filesUnder(path.join(ROOT, 'target', 'skeleton')), ...filesUnder(path.join(ROOT, 'tests', 'golden'))];
  assert.ok(artifacts.length >= 15, `${artifacts.length} artifacts`);
  for (const f of artifacts) haystacks.push([path.relative(ROOT, f), fs.readFileSync(f, 'latin1')]);
  assert.ok(found.size > 200);
  const hits = scan(haystacks, found);
  assert.deepEqual(hits.slice(0, 20), [], `${hits.length} leaks`);
});

test('the scanner itself finds a planted secret, in any of its forms', () => {
  const token = run.secrets.tokens.find((t) => t.split('.').length === 3);
  const found = needles({ passwords: ['hunter2-hunter2'], clientSecrets: [SEED.clients.migrationApp.client_secret], tokens: [token] });
  const payload = token.split('.')[1];
  assert.equal(scan([['x', `log: Bearer ${token}`]], found).length >= 1, true);
  assert.equal(scan([['x', `claims ${payload} ...`]], found).length, 1, 'a payload alone is found');
  assert.equal(scan([['x', `secret=${SEED.clients.migrationApp.client_secret}`]], found).length, 1);
  assert.equal(scan([['x', 'nothing to see']], found).length, 0);
});
