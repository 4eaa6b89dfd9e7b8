'use strict';
/**
 * The wasm modules the build makes, for the Makefile (js/sources.js MODULES is the list):
 *   node js/build/modules.js names        every module's name, space-separated
 *   node js/build/modules.js cargo NAME   the cargo flags NAME is built with
 * Why a script: make reads the list at parse time, so adding a source's module is one entry in
 * js/sources.js, not a new block of rules.
 */
const { MODULES } = require('../sources');

const [what, name] = process.argv.slice(2);
if (what === 'names') {
  console.log(Object.keys(MODULES).join(' '));
} else if (what === 'cargo' && MODULES[name]) {
  console.log(MODULES[name].cargo.join(' '));
} else {
  console.error('usage: node js/build/modules.js names | cargo NAME (a module of js/sources.js MODULES)');
  process.exit(2);
}
