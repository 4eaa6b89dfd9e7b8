'use strict';
/**
 * js/cli/warnings.js drops only the known-harmless runtime warnings (they smeared the status line on
 * Node 18: tests/js/cli-progress.test.js's 40-column tail); every other warning still reaches stderr.
 */

const { test } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { isNoise } = require('../../js/cli/warnings');

test('the known noise is recognised, and nothing else', () => {
  assert.equal(isNoise('buffer.File is an experimental feature and might change at any time', 'ExperimentalWarning'), true);
  assert.equal(isNoise('EnvHttpProxyAgent is experimental, expect them to change at any time.', { code: 'UNDICI-EHPA' }), true);
  assert.equal(isNoise('The Fetch API is an experimental feature.', 'ExperimentalWarning'), false);
  assert.equal(isNoise('buffer.File is an experimental feature', 'DeprecationWarning'), false);
  assert.equal(isNoise('Possible EventEmitter memory leak detected.', 'MaxListenersExceededWarning'), false);
});

test('installed, it drops the noise and lets other warnings through to stderr', () => {
  const script = `require(${JSON.stringify(path.join(__dirname, '..', '..', 'js', 'cli', 'warnings.js'))}).install();
process.emitWarning('buffer.File is an experimental feature and might change at any time', 'ExperimentalWarning');
process.emitWarning('something the operator should see', 'Warning');`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /buffer\.File/);
  assert.match(r.stderr, /something the operator should see/);
});
