'use strict';
/**
 * `doctor` compares the two connections' settings that decide whether the old users fit the new
 * connection (issue #16, point 7), end to end against the fakes, after a deploy so that only the
 * comparison can fail:
 * - old users with usernames, a new connection that takes none: FAIL, with the setting to turn on;
 *   matching settings: ok (exit 0);
 * - the newer identifier attributes count as taking usernames; a username length the new connection
 *   refuses: FAIL with the range to set;
 * - the Migration App reads users only (by design): the old connection is never requested, its users are
 *   sampled; when its token may read connections, the old connection's own settings are compared too
 *   (a narrower username range fails, a different sign-up setting warns);
 * - a stricter password policy is said, never failed (Auth0 applies it when a password is set);
 * - without --connection (the Default Directory) the comparison is skipped, saying why.
 */

const { describe, it, beforeEach, afterEach, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('../support/fake-tenant/cli-harness');
const { seed } = require('../../js/fakes/seed');
const { normaliseConnection } = require('../../js/fakes/fake-tenant/connections');

const FIT = 'fit';
let pair;
afterEach(() => pair && pair.close());
after(() => h.assertNoSecrets(h.allOutput()));

const env = (extra = {}) => ({ ...h.oldEnv(pair.old, extra), ...h.newEnv(pair.new) });
/** The new connection's stored options (the fake's defaults once normalised). */
const newOptions = () => normaliseConnection(pair.new.connection(h.NEW_CONNECTION)).options;
const fitChecks = (r) => r.json.checks.filter((c) => c.section === FIT);
const check = (r, name) => fitChecks(r).find((c) => c.name.startsWith(name));
const connectionReads = () => pair.old.requests.filter((r) => r.path.startsWith('/api/v2/connections')).length;

async function deployed() {
  const d = await h.runCli(['deploy', '--yes'], { env: env() });
  assert.equal(d.code, 0, d.stderr);
}

describe('doctor: do the old users fit the new connection?', () => {
  beforeEach(async () => {
    pair = await h.startPair();
    await deployed();
  });

  it('usernames in the old tenant, none taken by the new connection: FAIL with the fix; matching: ok', async () => {
    newOptions().requires_username = false;
    const bad = await h.runCli(['doctor', '--json'], { env: env() });
    assert.equal(bad.code, 1, bad.stdout);
    const u = check(bad, 'usernames: old users can log in with theirs');
    assert.equal(u.status, 'fail');
    assert.match(u.detail, /8 of 8 sampled old user\(s\) have a username/);
    assert.match(u.detail, /does not take usernames \(requires_username is off\)/);
    assert.match(u.fix, /new tenant > Authentication > Database > Username-Password-Authentication: turn on Requires Username \(Management API: options\.requires_username = true\)/);
    assert.deepEqual(
      bad.json.checks.filter((c) => c.status === 'fail').map((c) => c.name),
      [u.name],
      'only the comparison fails'
    );
    assert.match(check(bad, 'old side read').detail, /8 sampled old user\(s\) of "legacy-db" \(the Migration App reads users only, by design/);
    assert.equal(connectionReads(), 0, 'read:users only: the old connection is not requested (it would be a 403)');
    const text = await h.runCli(['doctor'], { env: env() });
    assert.match(
      text.stdout,
      /Old users in the new connection[^\n]*\n[\s\S]*\[FAIL\] usernames: old users can log in with theirs: [^\n]+\n\s+fix: new tenant > Authentication > Database > Username-Password-Authentication: turn on Requires Username/
    );

    newOptions().requires_username = true;
    const good = await h.runCli(['doctor', '--json'], { env: env() });
    assert.equal(good.code, 0, good.stdout);
    assert.equal(check(good, 'usernames').status, 'ok');
    assert.match(check(good, 'username length').detail, /sampled usernames are 7 to 12 characters long; the new connection allows 1 to 15 \(Auth0's default\)/);
    assert.equal(check(good, 'password policy').status, 'ok');
  });

  it('identifier attributes count as taking usernames; a length range the usernames do not fit: FAIL with the range to set', async () => {
    const o = newOptions();
    o.requires_username = false;
    o.attributes = { email: { identifier: { active: true } }, username: { identifier: { active: true }, validation: { min_length: 8, max_length: 10 } } };
    const r = await h.runCli(['doctor', '--json'], { env: env() });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(check(r, 'usernames').status, 'ok');
    const len = check(r, 'username length');
    assert.equal(len.status, 'fail');
    assert.match(len.detail, /sampled usernames are 7 to 12 characters long \(4 sampled outside the new range\); the new connection "Username-Password-Authentication" allows 8 to 10/);
    assert.match(len.fix, /set Username Length to min 7, max 12 \(Management API: options\.attributes\.username\.validation \{min_length, max_length\}; at most 128\)/);

    delete o.attributes;
    o.requires_username = true;
    o.validation = { username: { min: 1, max: 10 } };
    const legacy = await h.runCli(['doctor', '--json'], { env: env() });
    assert.match(check(legacy, 'username length').fix, /min 1, max 12 \(Management API: options\.validation\.username \{min, max\}/);
  });

  it('a stricter password policy is said, not failed; an old user without email is counted', async () => {
    Object.assign(newOptions(), {
      passwordPolicy: 'excellent',
      password_complexity_options: { min_length: 12 },
      password_history: { enable: true, size: 5 },
      password_dictionary: { enable: true, dictionary: [] },
    });
    pair.old.addUser({
      user_id: 'auth0|nomail0000000000000001',
      connection: 'legacy-db',
      username: 'no_mail',
      password: 'irrelevant here 1',
      created_at: '2022-01-01T00:00:00.000Z',
      updated_at: '2022-01-01T00:00:00.000Z',
    });
    const r = await h.runCli(['doctor', '--json'], { env: env() });
    assert.equal(r.code, 0, r.stdout);
    const p = check(r, 'password policy does not keep old users out');
    assert.equal(p.status, 'ok');
    assert.match(p.detail, /strength excellent, min length 12, history 5, dictionary/);
    assert.match(p.detail, /Auth0 applies it when a password is set \(sign-up, change, reset\)/);
    newOptions().requires_username = false;
    const bad = await h.runCli(['doctor', '--json'], { env: env() });
    assert.match(check(bad, 'usernames').detail, /9 of 9 sampled old user\(s\) have a username; 1 sampled old user\(s\) have no email and can log in with a username only/);
  });

  it('without --connection (Default Directory) the comparison is skipped, saying why', async () => {
    const r = await h.runCli(['doctor', '--json'], { env: env({ ALM_CONNECTION: '' }) });
    const s = fitChecks(r);
    assert.equal(s.length, 1);
    assert.equal(s[0].status, 'skip');
    assert.match(s[0].detail, /needs --connection/);
  });
});

describe('doctor: with a Migration App that may read connections, the old connection itself', () => {
  beforeEach(async () => {
    const old = seed();
    const app = old.clients.find((c) => c.client_id === h.SEED.clients.migrationApp.client_id);
    app.management_api_scopes = [...app.management_api_scopes, 'read:connections', 'read:connections_options'];
    const legacy = old.connections.find((c) => c.name === 'legacy-db');
    normaliseConnection(legacy);
    Object.assign(legacy.options, { validation: { username: { min: 3, max: 20 } }, disable_signup: true });
    pair = await h.startPair({ oldOptions: { seed: old } });
    await deployed();
  });

  it('compares its settings: a narrower username range fails, a different sign-up setting warns', async () => {
    const r = await h.runCli(['doctor', '--json'], { env: env() });
    assert.equal(r.code, 1, r.stdout);
    assert.ok(connectionReads() > 0, 'the old connection was read');
    assert.match(check(r, 'old side read').detail, /the old connection "legacy-db"'s settings and 8 sampled old user\(s\)/);
    assert.match(check(r, 'usernames').detail, /the old connection requires usernames/);
    const len = check(r, 'username length');
    assert.equal(len.status, 'fail');
    assert.match(len.detail, /the old connection allows 3 to 20; the new connection "Username-Password-Authentication" allows 1 to 15/);
    assert.match(len.fix, /set Username Length to min 1, max 20/);
    const signup = check(r, 'sign-ups as on the old connection');
    assert.equal(signup.status, 'warn');
    assert.match(signup.detail, /disable_signup is false on the new connection, true on the old one/);
    assert.match(signup.fix, /Disable Sign Ups \(Management API: options\.disable_signup\) = true/);

    newOptions().validation = { username: { min: 1, max: 20 } };
    newOptions().disable_signup = true;
    const good = await h.runCli(['doctor', '--json'], { env: env() });
    assert.equal(good.code, 0, good.stdout);
    assert.equal(check(good, 'sign-ups as on the old connection'), undefined);
  });
});
