'use strict';
/**
 * Compiling the pasted text the way Auth0 does: as exactly one named function declaration, at most
 * 100 KB, with only comments and whitespace around it.
 *
 * Why: the operator pastes the whole text into the dashboard and Auth0 compiles it as one function, so a
 * second declaration, a statement before or after it, a syntax error or a text over the limit is a script
 * Auth0 would refuse or misrun. Refusing it here, with the line and the reason, is what lets the tests
 * and the CLI's `try`/`deploy` proof stand in for the dashboard.
 */
const vm = require('node:vm');
const { SandboxError } = require('./sandbox-error');
const { SCOPE_NAMES } = require('./globals');
/** Auth0's "100 KB per script", read as 100,000 bytes of UTF-8 (js/auth0-limits.js says why). */
const { SCRIPT_LIMIT_BYTES } = require('../auth0-limits');

/** Index just past whitespace and comments from `i`, or -1 inside an unterminated block comment. */
function skipTrivia(text, i) {
  while (i < text.length) {
    if (/\s/.test(text[i])) i += 1;
    else if (text.startsWith('//', i)) {
      const m = /[\n\r\u2028\u2029]/.exec(text.slice(i));
      i = m ? i + m.index : text.length;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 2;
    } else break;
  }
  return i;
}

function lineOf(text, offset) {
  return text.slice(0, offset).split(/\r\n|[\n\r\u2028\u2029]/).length;
}

/** "line N" from a V8 SyntaxError thrown by vm (its stack starts with "file:N"). */
function whereOf(err) {
  const m = /^[^\n]*:(\d+)\n/.exec(String(err && err.stack));
  return m ? `line ${m[1]}` : 'unknown line';
}

/** Parameter names from a function's source (defaults dropped; destructured parameters kept as text). */
function paramsOf(src) {
  const open = src.indexOf('(');
  const parts = [];
  let depth = 0;
  let cur = '';
  for (let i = open + 1; i < src.length; i += 1) {
    const c = src[i];
    if ('([{'.includes(c)) depth += 1;
    if (')]}'.includes(c)) {
      if (depth === 0) break;
      depth -= 1;
    }
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts.map((p) => p.split('=')[0].trim()).filter(Boolean);
}

/** For the refusal message: what a text that parses as statements but not as one function declares. */
function describeStatements(text) {
  try {
    const ctx = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
    try {
      vm.runInContext(text, ctx, { timeout: 1000 });
    } catch (_) {
      /* declarations are hoisted anyway */
    }
    const fns = Object.keys(ctx).filter((k) => typeof ctx[k] === 'function');
    if (fns.length > 1) return `it declares ${fns.length} top-level functions (${fns.join(', ')})`;
  } catch (_) {
    /* fall through to the generic reason */
  }
  return 'it has statements besides the function declaration';
}

/**
 * Checks that `text` is exactly one named function declaration, with only comments and whitespace around it,
 * and returns `{ name, params }`. Auth0 compiles the pasted text as one function, so a second declaration, a
 * statement before or after it, or a syntax error is a script Auth0 would refuse or misrun.
 *
 * How: the text is evaluated as a parenthesised expression in an empty, separate V8 context (no require, no
 * fetch, 1 s timeout) so that trailing code such as `function f(){}(1)` cannot touch anything real; then the
 * function's own source (Function.prototype.toString) must be all of the text except comments/whitespace.
 */
function analyseScript(text) {
  if (typeof text !== 'string') throw new TypeError('script text must be a string');
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > SCRIPT_LIMIT_BYTES) {
    throw new SandboxError('too_large', `script is ${bytes} bytes; the limit is ${SCRIPT_LIMIT_BYTES} bytes ` + `(Auth0 allows 100 KB per script), ${bytes - SCRIPT_LIMIT_BYTES} bytes over`);
  }
  const start = skipTrivia(text, 0);
  if (start < 0) throw new SandboxError('syntax', 'syntax error: unterminated /* comment');
  if (start === text.length) throw new SandboxError('not_one_function', 'script is empty (only comments or blanks)');
  let value;
  try {
    const ctx = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
    value = vm.runInContext(`(${text}\n)`, ctx, { filename: 'script.js', timeout: 1000 });
  } catch (err) {
    if (!(err && err.name === 'SyntaxError')) {
      // err comes from the other context: no instanceof
      throw new SandboxError('not_one_function', `not exactly one function: code around the function ran and threw (${err && err.message})`);
    }
    try {
      new vm.Script(text, { filename: 'script.js' }); // eslint-disable-line no-new
    } catch (err2) {
      throw new SandboxError('syntax', `syntax error at ${whereOf(err2)}: ${err2.message}`);
    }
    throw new SandboxError('not_one_function', `not exactly one function: ${describeStatements(text)}; Auth0 takes exactly one function declaration, with only comments before or after it`);
  }
  if (typeof value !== 'function') {
    throw new SandboxError('not_one_function', `not exactly one function: the text as a whole evaluates to ${typeof value} (is code after the function calling or combining it?)`);
  }
  const src = Function.prototype.toString.call(value);
  const end = start + src.length;
  if (!text.startsWith(src, start)) {
    throw new SandboxError('not_one_function', `not exactly one function: unexpected code at line ${lineOf(text, start)} ` + `before the function (${JSON.stringify(text.slice(start, start + 40))})`);
  }
  const after = skipTrivia(text, end);
  if (after !== text.length) {
    const at = after < 0 ? end : after;
    throw new SandboxError('not_one_function', `not exactly one function: code after the function's closing brace at line ${lineOf(text, at)} (${JSON.stringify(text.slice(at, at + 40))})`);
  }
  if (!/^(async\s+)?function\b/.test(src) || /^(async\s+)?function\s*\*/.test(src)) {
    throw new SandboxError('not_one_function', 'not a function declaration: use `function name(...) { ... }` ' + '(no arrow function, class or generator)');
  }
  if (!value.name) throw new SandboxError('not_one_function', 'the function has no name; Auth0 expects e.g. `function login(...)`');
  return { name: value.name, params: paramsOf(src) };
}

/**
 * Validates `text` (see analyseScript) and, when `expectedName` is given, its function name; returns
 * `{ fn, name, params }` where `fn(scope)` returns the script's function with `scope`'s values
 * (`configuration`, `global`, the error classes, `require`, `console`) as its Auth0 globals.
 * With `context` (a vm context, globals.js makeRealm) the function is compiled and runs in it, so
 * every other global name it reads is that context's; without, Node's own global scope.
 * Throws SandboxError (code too_large | syntax | not_one_function | wrong_name) with the reason.
 */
function compileScript(text, expectedName, context) {
  const { name, params } = analyseScript(text);
  if (expectedName != null && name !== expectedName) {
    throw new SandboxError('wrong_name', `the function is named "${name}"; expected "${expectedName}"`);
  }
  // `return (` on the script's first line keeps stack-trace line numbers equal to the pasted text's.
  const raw = vm.compileFunction(`return (${text}\n);`, SCOPE_NAMES.slice(), { filename: `${name}.js`, ...(context ? { parsingContext: context } : {}) });
  const fn = (scope) =>
    raw.apply(
      undefined,
      SCOPE_NAMES.map((k) => scope[k])
    );
  return { fn, name, params };
}

module.exports = { SCRIPT_LIMIT_BYTES, analyseScript, compileScript };
