'use strict';
/**
 * The rules every emitted script must pass before it is written to dist/. Each failure names the
 * file and what is wrong, because a script Auth0 refuses (or silently rewrites) is found only
 * after an operator has pasted it.
 */
const { isBuiltin } = require('node:module');

/** Auth0 refuses scripts over 100 KB. We read that as 100,000 bytes, the stricter reading. */
const SCRIPT_LIMIT_BYTES = 100000;

/**
 * Throws when `text` breaks a rule.
 * @param {string} file      name for messages, e.g. "login.js"
 * @param {string} text      the script as it will be pasted
 * @param {object} expect    { functionName } for a one-function script, { actionExport } for an
 *                           Action, { module: true } for a Node module (no Auth0 size limit)
 */
function checkScript(file, text, expect) {
  const problems = [];
  const bytes = Buffer.byteLength(text, 'utf8');
  if (!expect.module && bytes > SCRIPT_LIMIT_BYTES) {
    problems.push(`is ${bytes} bytes, over Auth0's script limit of ${SCRIPT_LIMIT_BYTES} bytes`);
  }
  // The Auth0 Deploy CLI replaces @@KEY@@ and ##KEY## inside script files; refuse both markers.
  for (const marker of ['@@', '##']) {
    const at = text.indexOf(marker);
    if (at !== -1) problems.push(`contains "${marker}" at offset ${at}, which the Auth0 Deploy CLI would rewrite`);
  }
  const leftover = text.match(/__ALM_[A-Z0-9_]+__/);
  if (leftover) problems.push(`still holds the placeholder ${leftover[0]}`);
  for (const m of text.matchAll(/\brequire\s*\(\s*([^)]*)\)/g)) {
    const arg = m[1].trim();
    const lit = arg.match(/^['"]([^'"]+)['"]$/);
    if (!lit) problems.push(`calls require(${arg}) with a computed name`);
    else if (!isBuiltin(lit[1])) problems.push(`requires "${lit[1]}", which is not a Node built-in module`);
  }
  if (expect.functionName) {
    const name = oneFunctionName(text);
    if (name instanceof Error) problems.push(`is not exactly one function declaration: ${name.message}`);
    else if (name !== expect.functionName) problems.push(`declares function "${name}", Auth0 expects "${expect.functionName}"`);
  }
  if (expect.actionExport && !text.includes(`exports.${expect.actionExport} =`)) {
    problems.push(`does not export ${expect.actionExport}`);
  }
  if (problems.length) {
    throw new Error(`${file} ${problems.join('; ')}`);
  }
  return bytes;
}

/** The name of the single function the text declares, or an Error saying why it is not one. */
function oneFunctionName(text) {
  let fn;
  try {
    // Compiled as one parenthesised expression: a second statement or declaration is a syntax
    // error, exactly what we want to catch. The function itself is not run.
    fn = new Function(`return (\n${text}\n);`)();
  } catch (e) {
    return new Error(e.message);
  }
  if (typeof fn !== 'function') return new Error('the text is not a function');
  return fn.name;
}

module.exports = { SCRIPT_LIMIT_BYTES, checkScript, oneFunctionName };
