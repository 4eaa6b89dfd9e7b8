'use strict';
/**
 * The shim pasted into every script's function body (`__ALM_RUNTIME__`): the files of
 * pkg-template/shim/, one job each, concatenated in a fixed order. Each module is plain function
 * declarations and one last line, `module.exports = { name: name, ... };`, naming every function
 * it declares in order, so tests and the build `require` the very code that ships. The build
 * removes that line after checking it is exactly that (a pasted script must carry no
 * `module.exports`, and a stray top-level statement or a function left out of the line fails the
 * build rather than shipping untested). `embedded.js` is the one template: the build's values
 * (version, glue, payload), never required, with no exports line.
 */
const fs = require('node:fs');
const path = require('node:path');

const SHIM_DIR = path.resolve(__dirname, '..', '..', 'pkg-template', 'shim');

/** The modules in the order they are pasted, then the template of build values. */
const MODULES = ['run.js', 'instance.js', 'decode91.js', 'transport.js', 'verify.js', 'log.js'];
/**
 * Modules only one source's scripts carry, pasted after the shared ones: the rest source signs
 * its requests (sign.js); the auth0 source's wasm never asks to, so its scripts go without
 * (118 bytes of minified script, measured). The firebase source signs its service account's
 * assertion with RS256 (sign-rs256.js, the same `almSign` for its own kind of signature).
 */
const SOURCE_MODULES = { auth0: [], rest: ['sign.js'], oidc: [], firebase: ['sign-rs256.js'], cognito: [] };
const TEMPLATE = 'embedded.js';

/** The exports line `file` must end with: each top-level function it declares, in order. */
function exportsLine(text) {
  const names = [...text.matchAll(/^(?:async )?function (\w+)\(/gm)].map((m) => m[1]);
  return `module.exports = { ${names.map((n) => `${n}: ${n}`).join(', ')} };`;
}

/** A module's text without its exports line; throws when the file is not of the expected shape. */
function moduleBody(file, text) {
  const fail = (why) => {
    throw new Error(`pkg-template/shim/${file} ${why}`);
  };
  const body = text.trimEnd();
  const cut = body.lastIndexOf('\n');
  const last = body.slice(cut + 1);
  const want = exportsLine(body);
  if (last !== want) fail(`must end with the line \`${want}\` (it ends with \`${last}\`)`);
  const code = body.slice(0, cut);
  if (code.includes('module.exports')) fail('has a second `module.exports`');
  // Top level: comments, blank lines and function declarations only (their bodies are indented).
  const stray = code.split('\n').find((l) => l && !/^(\/\/|(async )?function \w+\(|\}|\s)/.test(l));
  if (stray !== undefined) fail(`has a top-level line that is not a function declaration: \`${stray}\``);
  return code.trimEnd();
}

/** Indents every line but a lone placeholder (the glue is indented by the build itself). */
const indent = (text) =>
  text
    .split('\n')
    .map((l) => (l && !/^__ALM_[A-Z0-9_]+__$/.test(l) ? `  ${l}` : l))
    .join('\n');

/** The whole shim for `source`'s scripts, indented for a function body, its placeholders not yet filled. */
function shimText(source = 'auth0') {
  if (!SOURCE_MODULES[source]) throw new Error(`no shim for the source ${source}`);
  const parts = [...MODULES, ...SOURCE_MODULES[source]].map((f) => moduleBody(f, fs.readFileSync(path.join(SHIM_DIR, f), 'utf8')));
  const template = fs.readFileSync(path.join(SHIM_DIR, TEMPLATE), 'utf8').trimEnd();
  if (template.includes('module.exports')) throw new Error(`pkg-template/shim/${TEMPLATE} is a template and must not export`);
  const signs = parts.some((p) => /^function almSign\(/m.test(p));
  return indent([...parts, template.replace('__ALM_SIGNS__', String(signs))].join('\n\n'));
}

module.exports = { SHIM_DIR, MODULES, SOURCE_MODULES, TEMPLATE, exportsLine, moduleBody, shimText };
