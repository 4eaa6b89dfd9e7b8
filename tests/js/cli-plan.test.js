'use strict';
/**
 * Plan, confirm, apply (js/cli/plan.js) for every command that changes a tenant, end to end against the
 * fake tenants: the plan is printed, then off a terminal without --yes the command refuses (exit 1) and
 * the fake new tenant is untouched; --yes applies; on a terminal `yes` applies and anything else aborts;
 * --plan-out writes a plan file (0600, no secret, no settings value) and changes nothing; --plan applies
 * exactly it without asking, and refuses it once the tenant or the inputs differ (a connection edited,
 * another setting value, other users left behind), when it is stale or was edited by hand, or when it
 * is another command's. For the user lists of `tail` and `reset-passwords`, --plan is a limit: who was
 * migrated (or sent an email) since is left out, who is not in the plan is never acted on; both said.
 * And the small trap: `tail --dry-run` writes no state file (no lock, no folder) and lists who would be
 * imported.
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');
const plan = require('../../js/cli/plan');

const U = h.SEED.users;
const LEGACY_ACTIVE = Object.values(U).filter((u) => u.connection === h.SEED.connections.legacy && u !== U.blocked);
const FAST = ['--poll-interval', '20'];
const DIST = path.join(h.ROOT, 'dist');
const read = (f) => fs.readFileSync(path.join(DIST, f), 'utf8');
const FIX = /fix: add --yes, or review with --plan-out FILE and apply with --plan FILE/;
const esc = (s) => s.replace(/[|.]/g, (c) => `\\${c}`);

let pair;
let tmp;
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-plan-'));
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
after(() => h.assertNoSecrets(h.allOutput()));

const STATE = () => path.join(tmp, 'state', 'tail.json');
const BACKUPS = () => path.join(tmp, 'backups');
const PLAN = () => path.join(tmp, 'reviewed.plan');
const env = (extraOld = {}, extraNew = {}) => ({
  ...h.oldEnv(pair.old, extraOld),
  ...h.newEnv(pair.new, extraNew),
  ALM_TAIL_STATE: STATE(),
  ALM_BACKUP_DIR: BACKUPS(),
});
const stored = () => pair.new.connection(h.NEW_CONNECTION);
const importJobs = () => pair.new.requests.filter((r) => r.method === 'POST' && r.path === '/api/v2/jobs/users-imports').length;
const inNew = (u) => pair.new.users.some((x) => x.user_id === u.user_id);

/** Puts old users into the new tenant as a login would have (same id). */
function migrated(users) {
  for (const u of users) {
    pair.new.addUser({ user_id: u.user_id, connection: h.NEW_CONNECTION, email: u.email.toLowerCase(), created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' });
  }
}

/** Rewrites a plan file with `edit` applied and a digest that matches again (as plan.js seals one). */
function resealed(file, edit) {
  const doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(doc);
  doc.digest = plan.digestOf(doc);
  fs.writeFileSync(file, JSON.stringify(doc, null, 2));
}

async function deployed() {
  const r = await h.runCli(['deploy', '--yes'], { env: env() });
  assert.equal(r.code, 0, r.stderr);
}

describe('deploy: plan, confirm, apply', () => {
  it('off a terminal without --yes: prints the plan, refuses (exit 1) with the fix, changes nothing; --yes applies', async () => {
    const r = await h.runCli(['deploy'], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /connection "Username-Password-Authentication" \(con_NewTenantUsers01\)/);
    assert.match(r.stdout, /\+ options\.customScripts\.login: \(none\) -> [\d,]+ bytes, sha256 [0-9a-f]{12}/);
    assert.match(r.stdout, /\+ options\.import_mode: \(none\) -> true/);
    assert.match(r.stdout, /settings: added Domain, Client_ID, Client_Secret, Connection/);
    assert.match(r.stdout, /Client_Secret = \*{8}/);
    assert.match(r.stderr, /not applied: this needs a confirmation and there is no terminal to ask on; nothing was changed/);
    assert.match(r.stderr, FIX);
    assert.equal(pair.new.connectionPatches, 0);
    assert.equal(stored().options.customScripts, undefined);
    assert.equal(fs.existsSync(BACKUPS()), false, 'no backup either');

    const json = await h.runCli(['deploy', '--json'], { env: env() });
    assert.equal(json.code, 1);
    assert.equal(json.json.ok, false);
    assert.equal(json.json.confirmed, false);
    assert.equal(json.json.plan.command, 'deploy');
    assert.match(json.json.error.hint, /--plan-out FILE/);
    assert.equal(pair.new.connectionPatches, 0);

    const yes = await h.runCli(['deploy', '--yes'], { env: env() });
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, /deployed the migration scripts/);
    assert.equal(stored().options.customScripts.login, read('login.js'));
    // Deployed again with the same values: the kept keys are known unchanged through the record.
    const again = await h.runCli(['deploy', '--dry-run'], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /settings: 4 unchanged \(the values match the record of the last deploy\)/);
    assert.match(again.stdout, /dry run: nothing was changed/);
  });

  it('on a terminal it asks "Type yes to apply:": anything else aborts (exit 1), yes applies', { skip: !h.HAS_SCRIPT && 'needs script(1)' }, async () => {
    const no = await h.runOnTerminal(['deploy'], { env: env(), answer: 'y' });
    assert.ok(no.asked, no.text);
    assert.equal(no.code, 1, no.text);
    assert.match(no.text, /not confirmed: nothing was changed/);
    assert.equal(pair.new.connectionPatches, 0);
    const yes = await h.runOnTerminal(['deploy'], { env: env(), answer: 'yes' });
    assert.ok(yes.asked, yes.text);
    assert.equal(yes.code, 0, yes.text);
    assert.match(yes.text, /deployed the migration scripts/);
    assert.equal(stored().options.customScripts.login, read('login.js'));
  });

  it('--plan-out writes the plan (0600, no secret, no settings value) and changes nothing; --plan applies exactly it without asking', async () => {
    const out = await h.runCli(['deploy', '--plan-out', PLAN(), '--setting', 'User_ID_Prefix=old-'], { env: env() });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`plan written to ${esc(PLAN())} \\(valid until .*\\); nothing was changed`));
    assert.match(out.stdout, new RegExp(`apply exactly this plan: auth0-lazy-migrate deploy --plan ${esc(PLAN())}`));
    assert.equal(pair.new.connectionPatches, 0);
    assert.equal(fs.existsSync(BACKUPS()), false);
    assert.equal(fs.statSync(PLAN()).mode & 0o777, 0o600);
    const text = fs.readFileSync(PLAN(), 'utf8');
    h.assertNoSecrets(text);
    for (const value of [h.SEED.clients.migrationApp.client_id, 'old-', pair.old.domain]) assert.equal(text.includes(value), false, `the plan holds no settings value (${value})`);
    const doc = JSON.parse(text);
    assert.equal(doc.command, 'deploy');
    assert.equal(doc.domain, pair.new.domain);
    assert.deepEqual(doc.connection, { id: h.NEW_CONNECTION_ID, name: h.NEW_CONNECTION });
    assert.match(doc.dist, /^[0-9a-f]{64}$/);
    assert.equal(Date.parse(doc.expiresAt) - Date.parse(doc.createdAt), plan.PLAN_TTL_MS);
    assert.deepEqual(Object.keys(doc.settings).sort(), ['Client_ID', 'Client_Secret', 'Connection', 'Domain', 'User_ID_Prefix']);
    for (const v of Object.values(doc.settings)) assert.match(v, /^v1:[0-9a-f]{16}:[0-9a-f]{64}$/);
    assert.equal(doc.change['options.customScripts.login'].toSha256, require('node:crypto').createHash('sha256').update(read('login.js')).digest('hex'));

    const apply = await h.runCli(['deploy', '--plan', PLAN(), '--setting', 'User_ID_Prefix=old-'], { env: env() });
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stdout, new RegExp(`this is the plan reviewed in ${esc(PLAN())} \\(made at ${esc(doc.createdAt)}\\): applying it`));
    assert.doesNotMatch(apply.stdout + apply.stderr, /Type yes/);
    assert.equal(pair.new.connectionPatches, 1);
    assert.equal(stored().options.customScripts.login, read('login.js'));
    assert.equal(stored().options.configuration.User_ID_Prefix, 'old-');

    // Applied once, the same plan no longer describes the tenant: a second --plan is refused.
    const twice = await h.runCli(['deploy', '--plan', PLAN(), '--setting', 'User_ID_Prefix=old-'], { env: env() });
    assert.equal(twice.code, 1, twice.stderr);
    assert.match(twice.stdout, /options\.customScripts\.login: add sha256 \(none\) -> [0-9a-f]{12} in the plan, \(no change\) now/);
    assert.equal(pair.new.connectionPatches, 1);
  });

  it('a plan is refused (exit 1, nothing changed) once the connection was edited or a setting has another value, naming what differs', async () => {
    assert.equal((await h.runCli(['deploy', '--plan-out', PLAN(), '--setting', 'User_ID_Prefix=old-'], { env: env() })).code, 0);
    stored().options.disable_signup = true; // someone edits the connection meanwhile
    const edited = await h.runCli(['deploy', '--plan', PLAN(), '--setting', 'User_ID_Prefix=old-', '--json'], { env: env() });
    assert.equal(edited.code, 1, edited.stderr);
    assert.equal(edited.json.ok, false);
    assert.deepEqual(edited.json.planDiffers, ['options.disable_signup: changed on the tenant since the plan']);
    assert.match(edited.stderr, /refused: the plan in .* is not what would be done now:\n {2}options\.disable_signup: changed on the tenant since the plan/);
    assert.match(edited.stderr, /fix: review what changed; write a new plan with --plan-out FILE/);
    assert.equal(pair.new.connectionPatches, 0);

    delete stored().options.disable_signup;
    const other = await h.runCli(['deploy', '--plan', PLAN(), '--setting', 'User_ID_Prefix=new-'], { env: env() });
    assert.equal(other.code, 1, other.stderr);
    assert.match(other.stdout, /setting User_ID_Prefix: another value than in the plan \(compared by its salted hash\)/);
    const secret = await h.runCli(['deploy', '--plan', PLAN()], { env: env() });
    assert.equal(secret.code, 1, secret.stderr);
    assert.match(secret.stdout, /setting User_ID_Prefix: in the plan, not given now/);
    assert.equal(pair.new.connectionPatches, 0);
    assert.equal(stored().options.customScripts, undefined);
  });

  it("a stale, an edited or another command's plan file is refused before any request, with the fix", async () => {
    assert.equal((await h.runCli(['deploy', '--plan-out', PLAN()], { env: env() })).code, 0);
    const requests = pair.new.requests.length;
    const oldRequests = pair.old.requests.length;

    const stale = path.join(tmp, 'stale.plan');
    fs.copyFileSync(PLAN(), stale);
    resealed(stale, (doc) => {
      doc.createdAt = new Date(Date.parse(doc.createdAt) - plan.PLAN_TTL_MS - 60000).toISOString();
      doc.expiresAt = new Date(Date.parse(doc.createdAt) + plan.PLAN_TTL_MS).toISOString();
    });
    const s = await h.runCli(['deploy', '--plan', stale], { env: env() });
    assert.equal(s.code, 1, s.stderr);
    assert.match(s.stderr, /was made at .*, valid until .*: too old to apply \(the tenant may have changed since\); nothing was changed/);
    assert.match(s.stderr, /fix: write a fresh plan with `auth0-lazy-migrate deploy --plan-out FILE`, review it, then apply it with --plan FILE/);

    const longer = path.join(tmp, 'longer.plan');
    fs.copyFileSync(PLAN(), longer);
    resealed(longer, (doc) => {
      doc.expiresAt = new Date(Date.parse(doc.createdAt) + 10 * plan.PLAN_TTL_MS).toISOString();
    });
    assert.equal((await h.runCli(['deploy', '--plan', longer], { env: env() })).code, 1, 'an expiry beyond the limit is stale too');

    const edited = path.join(tmp, 'edited.plan');
    fs.writeFileSync(edited, fs.readFileSync(PLAN(), 'utf8').replace(/"toSha256": "[0-9a-f]/, '"toSha256": "x'));
    const e = await h.runCli(['deploy', '--plan', edited], { env: env() });
    assert.equal(e.code, 1, e.stderr);
    assert.match(e.stderr, /was edited after it was written \(its digest does not match its content\)/);

    const t = await h.runCli(['tail', '--plan', PLAN()], { env: env() });
    assert.equal(t.code, 2, t.stderr);
    assert.match(t.stderr, /is a plan for `deploy`, not for `tail`/);

    const junk = path.join(tmp, 'junk.plan');
    fs.writeFileSync(junk, '{"format":"something else"}');
    assert.equal((await h.runCli(['deploy', '--plan', junk], { env: env() })).code, 2);
    const both = await h.runCli(['deploy', '--plan', PLAN(), '--plan-out', PLAN()], { env: env() });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--plan-out and --plan do not go together/);

    assert.equal(pair.new.requests.length, requests, 'no request to the new tenant');
    assert.equal(pair.old.requests.length, oldRequests, 'no request to the old tenant');
    assert.equal(pair.new.connectionPatches, 0);
  });

  it('deploy --restore is planned and confirmed the same way', async () => {
    await deployed();
    stored().options.customScripts.login = 'function login(email, password, callback) { callback(null); }';
    const forced = await h.runCli(['deploy', '--force', '--yes', '--json'], { env: env() });
    assert.equal(forced.code, 0, forced.stderr);
    const patches = pair.new.connectionPatches;
    const refused = await h.runCli(['deploy', '--restore', forced.json.backup], { env: env() });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, FIX);
    assert.equal(pair.new.connectionPatches, patches);
    const out = await h.runCli(['deploy', '--restore', forced.json.backup, '--plan-out', PLAN()], { env: env() });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(fs.readFileSync(PLAN(), 'utf8')).command, 'deploy --restore');
    const apply = await h.runCli(['deploy', '--restore', forced.json.backup, '--plan', PLAN()], { env: env() });
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(stored().options.customScripts.login, /callback\(null\)/);
  });
});

describe('tail: plan, confirm, apply', () => {
  it('--dry-run writes no state file (no lock, no folder) and lists who would be imported; --json lists them all', async () => {
    const r = await h.runCli(['tail', '--dry-run', ...FAST], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /to import: 7 user\(s\) in 1 file\(s\)/);
    const listed = /would import: (.*)/.exec(r.stdout);
    assert.ok(listed, r.stdout);
    assert.deepEqual(listed[1].split(', ').sort(), LEGACY_ACTIVE.map((u) => u.user_id).sort());
    assert.match(r.stdout, /dry run: no import job was started, nothing was written/);
    assert.equal(fs.existsSync(path.dirname(STATE())), false, 'no state file, no lock, not even their folder');
    assert.deepEqual(fs.readdirSync(tmp), []);
    const json = await h.runCli(['tail', '--dry-run', '--json', ...FAST], { env: env() });
    assert.equal(json.code, 0, json.stderr);
    assert.equal(json.json.dryRun, true);
    assert.deepEqual(
      json.json.plan.users.map((u) => u.user_id),
      LEGACY_ACTIVE.map((u) => u.user_id).sort()
    );
    assert.equal(importJobs(), 0);
    assert.deepEqual(fs.readdirSync(tmp), []);
  });

  it('off a terminal without --yes: the plan, then exit 1; nothing imported, no state file; --yes imports', async () => {
    const r = await h.runCli(['tail', ...FAST], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /to import: 7 user\(s\)/);
    assert.match(r.stdout, /would import: auth0\|/);
    assert.match(r.stderr, /not applied: .*; no import job was started, nothing was written/);
    assert.match(r.stderr, FIX);
    assert.equal(importJobs(), 0);
    assert.equal(fs.existsSync(STATE()), false);
    const yes = await h.runCli(['tail', '--yes', ...FAST], { env: env() });
    assert.equal(yes.code, 0, yes.stderr);
    for (const u of LEGACY_ACTIVE) assert.ok(inNew(u), u.email);
    // Nothing left to import: no question, and nothing is said to be done.
    const done = await h.runCli(['tail', ...FAST], { env: env() });
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /imported: 0/);
  });

  it('on a terminal: anything but yes imports nobody', { skip: !h.HAS_SCRIPT && 'needs script(1)' }, async () => {
    const no = await h.runOnTerminal(['tail', ...FAST], { env: env(), answer: 'no' });
    assert.ok(no.asked, no.text);
    assert.equal(no.code, 1, no.text);
    assert.match(no.text, /This imports 7 user\(s\) into "Username-Password-Authentication"/);
    assert.match(no.text, /not confirmed: no import job was started/);
    assert.equal(importJobs(), 0);
    assert.equal(fs.existsSync(STATE()), false);
  });

  it('--plan-out, then --plan: a user migrated by a login since is left out, a new old user is not imported; both said', async () => {
    const out = await h.runCli(['tail', '--plan-out', PLAN(), ...FAST], { env: env() });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(importJobs(), 0);
    assert.equal(fs.existsSync(path.dirname(STATE())), false);
    const doc = JSON.parse(fs.readFileSync(PLAN(), 'utf8'));
    assert.equal(doc.users.length, 7);
    assert.equal(fs.readFileSync(PLAN(), 'utf8').includes(h.SEED.clients.migrationApp.client_secret), false);

    migrated([U.minimal]); // a login meanwhile
    const late = { user_id: 'auth0|5f7c8ec7c33c6c004bbaff01', connection: h.SEED.connections.legacy, email: 'late.signup@example.com', email_verified: true, password: 'x' };
    pair.old.addUser(late);
    const apply = await h.runCli(['tail', '--plan', PLAN(), '--json', ...FAST], { env: env() });
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stderr, new RegExp(`1 user\\(s\\) of the reviewed plan are left out: no longer to import .*\\(${esc(U.minimal.user_id)}\\)`));
    assert.match(apply.stderr, new RegExp(`1 user\\(s\\) not in the reviewed plan are not imported \\(${esc(late.user_id)}\\): review them with --plan-out FILE`));
    assert.deepEqual(apply.json.reviewedPlan.dropped, [U.minimal.user_id]);
    assert.deepEqual(apply.json.reviewedPlan.notInPlan, [late.user_id]);
    assert.equal(apply.json.counts.imported, 6);
    assert.equal(inNew(late), false, 'nobody outside the reviewed plan is imported');
    for (const u of LEGACY_ACTIVE) assert.ok(inNew(u), u.email);
  });

  it('a tail plan for other settings is refused (exit 1), nothing imported', async () => {
    assert.equal((await h.runCli(['tail', '--plan-out', PLAN(), ...FAST], { env: env() })).code, 0);
    const r = await h.runCli(['tail', '--plan', PLAN(), '--setting', 'User_ID_Prefix=old-', ...FAST], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /setting User_ID_Prefix: given now, not in the plan/);
    assert.equal(importJobs(), 0);
    assert.equal(fs.existsSync(STATE()), false);
  });
});

describe('retire --deploy: plan, confirm, apply', () => {
  it('a reviewed plan is refused once other users would be left behind, even with the same count', async () => {
    await deployed();
    migrated(LEGACY_ACTIVE.filter((u) => u !== U.minimal));
    const out = await h.runCli(['retire', '--deploy', '--accept-loss', '1', '--plan-out', PLAN(), ...FAST], { env: env() });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(fs.readFileSync(PLAN(), 'utf8')).change['left behind'], [U.minimal.user_id]);
    assert.doesNotMatch(out.stdout, /Keep "Import Users to Auth0" on/, 'nothing was retired');

    migrated([U.minimal]);
    pair.new.users.splice(
      pair.new.users.findIndex((u) => u.user_id === U.full.user_id),
      1
    ); // someone deletes another user in the new tenant
    const patches = pair.new.connectionPatches;
    const r = await h.runCli(['retire', '--deploy', '--accept-loss', '1', '--plan', PLAN(), ...FAST], { env: env() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, new RegExp(`left behind: 1: ${esc(U.minimal.user_id)} in the plan, 1: ${esc(U.full.user_id)} now`));
    assert.equal(pair.new.connectionPatches, patches);
    assert.equal(stored().options.customScripts.login, read('login.js'));

    // The plan of what is true now goes through.
    assert.equal((await h.runCli(['retire', '--deploy', '--accept-loss', '1', '--plan-out', PLAN(), ...FAST], { env: env() })).code, 0);
    const ok = await h.runCli(['retire', '--deploy', '--accept-loss', '1', '--plan', PLAN(), ...FAST], { env: env() });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(stored().options.customScripts.login, read('retired/login.js'));
  });
});

describe('reset-passwords: plan, confirm, apply', () => {
  const USERS = [
    { user_id: 'auth0|planned00000000000000001', email: 'ana.planned@example.com' },
    { user_id: 'auth0|planned00000000000000002', email: 'bo.planned@example.com' },
  ];
  const LATE = { user_id: 'auth0|planned00000000000000003', email: 'cy.late@example.com' };
  const RECORD = () => path.join(tmp, 'alm-imported.ndjson');
  const write = (users) => fs.writeFileSync(RECORD(), users.map((u) => `${JSON.stringify({ ...u, job: 'job_a', at: '2026-03-01T10:00:00.000Z' })}\n`).join(''));

  it('--plan sends only to users of the reviewed plan, says who else is in the record now; off a terminal without --yes: exit 1', async () => {
    write(USERS);
    const refused = await h.runCli(['reset-passwords', '--record', RECORD(), '--rate', '1000'], { env: h.newEnv(pair.new) });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /not applied: .*; no email was sent/);
    assert.match(refused.stderr, FIX);
    assert.equal(pair.new.passwordResets.length, 0);

    const out = await h.runCli(['reset-passwords', '--record', RECORD(), '--plan-out', PLAN()], { env: h.newEnv(pair.new) });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(pair.new.passwordResets.length, 0);
    assert.equal(fs.existsSync(`${RECORD()}.sent.ndjson`), false);

    write([...USERS, LATE]); // tail imported another user since
    const apply = await h.runCli(['reset-passwords', '--record', RECORD(), '--rate', '1000', '--plan', PLAN()], { env: h.newEnv(pair.new) });
    assert.equal(apply.code, 0, apply.stderr);
    assert.match(apply.stdout, new RegExp(`1 user\\(s\\) not in the reviewed plan are not sent an email \\(${esc(LATE.user_id)}\\)`));
    assert.deepEqual(
      pair.new.passwordResets.map((r) => r.email).sort(),
      USERS.map((u) => u.email)
    );
  });
});
