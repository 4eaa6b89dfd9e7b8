'use strict';
/**
 * The loss issue 15 found: `try login` is a real login on the old tenant, so the post-login Action
 * marks the user migration_complete, but the new tenant never stores them. Before the fix, get_user
 * then said "not found" with no reason, `tail` skipped the user with a warning and exit 0, and after
 * `retire` the user could not log in anywhere. End to end against the fake tenants (the old one runs
 * the Action's marking on every successful password check).
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const h = require('../support/fake-tenant/cli-harness');

const U = h.SEED.users;
let pair;
let tmp;
beforeEach(async () => {
  pair = await h.startPair();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-try-'));
});
afterEach(async () => {
  await pair.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});
after(() => h.assertNoSecrets(h.allOutput()));

const env = () => ({
  ...h.oldEnv(pair.old),
  ...h.newEnv(pair.new),
  ALM_TAIL_STATE: path.join(tmp, 'tail.json'),
  ALM_BACKUP_DIR: path.join(tmp, 'backups'),
});
const FAST = ['--poll-interval', '20'];

describe('try login, then tail, then retire', () => {
  it('try says the login was real; get_user explains the mark; tail imports the marked user; retire finds nobody left', async () => {
    const u = U.username;
    const tried = await h.runCli(['try', 'login', '--user', u.email], { env: env(), input: `${u.password}\n` });
    assert.equal(tried.code, 0, tried.stderr);
    assert.match(tried.stdout, /real login on the old tenant/);
    assert.equal(pair.old.findUser(u.user_id).app_metadata.migration_complete, true, 'the Action marked the user');
    assert.equal(
      pair.new.users.find((x) => x.user_id === u.user_id),
      undefined,
      'but the new tenant has no such user'
    );

    const lookedUp = await h.runCli(['try', 'get_user', '--user', u.email, '--expect', 'not_found', '--json'], { env: env() });
    assert.equal(lookedUp.code, 0, lookedUp.stderr);
    assert.equal(lookedUp.json.outcome, 'not_found');
    assert.equal(lookedUp.json.reason, 'marked_migrated');
    assert.match(lookedUp.stderr, /why: the old tenant has this user, marked migration_complete/);
    const nobody = await h.runCli(['try', 'get_user', '--user', 'nobody@example.com', '--expect', 'not_found', '--json'], { env: env() });
    assert.equal(nobody.json.reason, undefined, 'an unknown user has no such reason');

    const tail = await h.runCli(['tail', '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(tail.code, 0, tail.stderr);
    assert.ok(
      pair.new.users.find((x) => x.user_id === u.user_id),
      'the marked user was imported'
    );

    const retire = await h.runCli(['retire', '--deploy', '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(retire.code, 0, retire.stderr);
    assert.equal(retire.json.leftBehindCount, 0);
  });

  it('a marked user missing from the new tenant stops retire until tail has run', async () => {
    const u = U.username;
    await h.runCli(['try', 'login', '--user', u.email], { env: env(), input: `${u.password}\n` });
    const retire = await h.runCli(['retire', '--deploy', '--yes', ...FAST, '--json'], { env: env() });
    assert.equal(retire.code, 1, retire.stderr);
    assert.ok(
      retire.json.leftBehind.some((x) => x.user_id === u.user_id),
      'the marked user is named as left behind'
    );
    assert.equal(pair.new.connectionPatches, 0, 'nothing was deployed');
  });
});
