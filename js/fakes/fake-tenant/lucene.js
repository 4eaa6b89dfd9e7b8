'use strict';
/**
 * A small subset of the Lucene query syntax used by Auth0 user search v3 (GET /api/v2/users?q=...).
 *
 * Supported: `field:value`, `field:"quoted value"`, backslash escapes, `AND` / `OR` / `NOT` (and `&&`,
 * `||`, `!`), parentheses, implicit OR between clauses (Lucene's default), `*`/`?` wildcards in
 * unquoted values, and bare terms (matched against the normalised profile fields, never metadata).
 *
 * Matching follows Auth0's documented v3 rules: a field matches the whole stored value (so
 * `user_id:auth0` does not match `auth0|123`); email, name, given_name, family_name and nickname compare
 * case-insensitively, every other field case-sensitively; name-like fields also match a contained
 * sequence of words. An unknown field matches nothing (as an unmapped field does).
 *
 * Real syntax errors throw LuceneSyntaxError (the route answers 400). Valid Lucene this fake does not
 * implement (ranges, boosts, fuzzy, regex, `+`/`-` prefixes) throws LuceneUnsupportedError, so a test
 * never mistakes a limit of the fake for Auth0 behaviour.
 */

class LuceneSyntaxError extends Error {}
class LuceneUnsupportedError extends Error {}

const CASE_INSENSITIVE = new Set(['email', 'name', 'given_name', 'family_name', 'nickname']);
const WORDY = new Set(['name', 'given_name', 'family_name', 'nickname']);
const DEFAULT_FIELDS = ['email', 'name', 'nickname', 'given_name', 'family_name', 'username', 'user_id'];
const UNSUPPORTED_CHARS = new Set(['^', '~', '[', ']', '{', '}', '/']);

/** Splits the query into tokens: '(', ')', 'AND', 'OR', 'NOT', {field?, value, quoted, wildcard}. */
function tokenize(q) {
  const out = [];
  let i = 0;
  const n = q.length;
  const isSpace = (c) => c === ' ' || c === '\t' || c === '\n' || c === '\r';
  // Reads an unquoted run; returns {text, wildcard} with escapes resolved and wildcard chars marked.
  const readBare = () => {
    let text = '';
    const wild = [];
    while (i < n) {
      const c = q[i];
      if (isSpace(c) || c === '(' || c === ')' || c === ':' || c === '"') break;
      if (c === '\\') {
        if (i + 1 >= n) throw new LuceneSyntaxError('Cannot parse query: it ends with an escape character');
        text += q[i + 1];
        wild.push(false);
        i += 2;
        continue;
      }
      if (UNSUPPORTED_CHARS.has(c)) throw new LuceneUnsupportedError(`fake tenant: '${c}' syntax is not supported`);
      if (c === '!') break; // NOT operator (Lucene ends a term there)
      if ((c === '+' || c === '-') && text === '') {
        throw new LuceneUnsupportedError(`fake tenant: '${c}' prefix operator is not supported`);
      }
      text += c;
      wild.push(c === '*' || c === '?');
      i++;
    }
    return { text, wild };
  };
  const readQuoted = () => {
    i++; // opening quote
    let text = '';
    while (i < n && q[i] !== '"') {
      if (q[i] === '\\') {
        if (i + 1 >= n) break;
        text += q[i + 1];
        i += 2;
      } else {
        text += q[i++];
      }
    }
    if (i >= n) throw new LuceneSyntaxError('Cannot parse query: unterminated quoted phrase');
    i++; // closing quote
    return text;
  };
  while (i < n) {
    const c = q[i];
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      out.push(c);
      i++;
      continue;
    }
    if (c === '"') {
      out.push({ value: readQuoted(), quoted: true });
      continue;
    }
    if (c === '!') {
      out.push('NOT');
      i++;
      continue;
    }
    if (c === ':') throw new LuceneSyntaxError("Cannot parse query: unexpected ':'");
    if (q.startsWith('&&', i) || q.startsWith('||', i)) {
      out.push(q[i] === '&' ? 'AND' : 'OR');
      i += 2;
      continue;
    }
    const bare = readBare();
    if (i < n && q[i] === ':') {
      i++;
      const field = bare.text;
      if (!field) throw new LuceneSyntaxError("Cannot parse query: missing field name before ':'");
      if (i >= n || isSpace(q[i])) throw new LuceneSyntaxError(`Cannot parse query: missing value for field '${field}'`);
      if (q[i] === '"') {
        out.push({ field, value: readQuoted(), quoted: true });
        continue;
      }
      if (q[i] === '(') throw new LuceneUnsupportedError('fake tenant: field grouping is not supported');
      const v = readBare();
      if (!v.text) throw new LuceneSyntaxError(`Cannot parse query: missing value for field '${field}'`);
      out.push({ field, value: v.text, wild: v.wild, quoted: false });
      continue;
    }
    if (!bare.text) throw new LuceneSyntaxError(`Cannot parse query: unexpected '${q[i]}'`);
    if (bare.text === 'AND' || bare.text === 'OR' || bare.text === 'NOT') out.push(bare.text);
    else out.push({ value: bare.text, wild: bare.wild, quoted: false });
  }
  return out;
}

/** Recursive descent: or := and (('OR' | implicit) and)* ; and := not ('AND' not)* ; not := 'NOT' not | atom */
function parse(q) {
  const toks = tokenize(q);
  let p = 0;
  const peek = () => toks[p];
  const isTerm = (t) => t === '(' || t === 'NOT' || (t && typeof t === 'object');
  function parseOr() {
    const parts = [parseAnd()];
    for (;;) {
      if (peek() === 'OR') {
        p++;
        parts.push(parseAnd());
        continue;
      }
      if (isTerm(peek())) {
        parts.push(parseAnd());
        continue;
      }
      break;
    }
    return parts.length === 1 ? parts[0] : { op: 'OR', parts };
  }
  function parseAnd() {
    const parts = [parseNot()];
    while (peek() === 'AND') {
      p++;
      parts.push(parseNot());
    }
    return parts.length === 1 ? parts[0] : { op: 'AND', parts };
  }
  function parseNot() {
    if (peek() === 'NOT') {
      p++;
      return { op: 'NOT', part: parseNot() };
    }
    return parseAtom();
  }
  function parseAtom() {
    const t = toks[p++];
    if (t === undefined) throw new LuceneSyntaxError('Cannot parse query: unexpected end of query');
    if (t === '(') {
      const inner = parseOr();
      if (toks[p++] !== ')') throw new LuceneSyntaxError("Cannot parse query: missing ')'");
      return inner;
    }
    if (typeof t === 'object') return { op: 'TERM', ...t };
    throw new LuceneSyntaxError(`Cannot parse query: unexpected '${t}'`);
  }
  if (toks.length === 0) throw new LuceneSyntaxError('Cannot parse query: empty query');
  const ast = parseOr();
  if (p !== toks.length) throw new LuceneSyntaxError(`Cannot parse query: unexpected '${toks[p]}'`);
  return ast;
}

function fieldValues(user, field) {
  if (field === 'identities.connection') return [user.connection];
  if (field === 'identities.user_id') return [user.user_id.slice(user.user_id.indexOf('|') + 1)];
  if (field === 'identities.provider') return ['auth0'];
  const path = field.split('.');
  let v = user;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return [];
    v = v[k];
  }
  return (Array.isArray(v) ? v : [v]).filter((x) => x !== undefined && x !== null).map(String);
}

function termMatches(term, field, stored) {
  const ci = CASE_INSENSITIVE.has(field);
  const norm = (s) => (ci ? s.toLowerCase() : s);
  const s = norm(stored);
  const v = norm(term.value);
  if (!term.quoted && term.wild && term.wild.some(Boolean)) {
    let re = '';
    for (let k = 0; k < term.value.length; k++) {
      const ch = norm(term.value[k]);
      if (term.wild[k]) re += ch === '*' ? '.*' : '.';
      else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    return new RegExp(`^${re}$`, 's').test(s);
  }
  if (s === v) return true;
  if (WORDY.has(field)) {
    const words = s.split(/\s+/);
    const want = v.split(/\s+/);
    for (let k = 0; k + want.length <= words.length; k++) {
      if (want.every((w, j) => words[k + j] === w)) return true;
    }
  }
  return false;
}

function evaluate(ast, user) {
  switch (ast.op) {
    case 'OR':
      return ast.parts.some((x) => evaluate(x, user));
    case 'AND':
      return ast.parts.every((x) => evaluate(x, user));
    case 'NOT':
      return !evaluate(ast.part, user);
    default: {
      const fields = ast.field ? [ast.field] : DEFAULT_FIELDS;
      return fields.some((f) => fieldValues(user, f).some((val) => termMatches(ast, f, val)));
    }
  }
}

/** Compiles `q` to a predicate over stored users. Throws LuceneSyntaxError / LuceneUnsupportedError. */
function compile(q) {
  const ast = parse(q);
  return (user) => evaluate(ast, user);
}

module.exports = { compile, LuceneSyntaxError, LuceneUnsupportedError };
