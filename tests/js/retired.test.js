'use strict';
/**
 * The retired scripts (end of the migration): both answer "no such user" without a request, with
 * and without the script-context argument.
 */
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { createContainer } = require('../../js/sandbox');

const DIST = path.join(__dirname, '..', '..', 'dist', 'retired');
const LOGIN = fs.readFileSync(path.join(DIST, 'login.js'), 'utf8');
const GET_USER = fs.readFileSync(path.join(DIST, 'get_user.js'), 'utf8');

for (const withContext of [false, true]) {
  test(`retired login says "unknown user" (fu)${withContext ? ' with context' : ''}`, async () => {
    const r = await createContainer({ configuration: {} }).invoke(LOGIN, { kind: 'login', args: ['a@example.com', 'Xq9-any'], withContext });
    assert.deepEqual(r.violations, []);
    assert.equal(r.outcome, 'wrong_password');
    assert.equal(r.event, 'fu');
    assert.equal(r.stored, null);
  });

  test(`retired get_user says "not found"${withContext ? ' with context' : ''}`, async () => {
    const r = await createContainer({ configuration: {} }).invoke(GET_USER, { kind: 'get_user', args: ['a@example.com'], withContext });
    assert.deepEqual(r.violations, []);
    assert.equal(r.outcome, 'not_found');
  });
}

test('the retired scripts make no request and read no setting', () => {
  for (const text of [LOGIN, GET_USER]) {
    assert.ok(!/fetch|require|configuration\./.test(text.replace(/\/\*[\s\S]*?\*\//, '')));
  }
});
