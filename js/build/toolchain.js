'use strict';
/**
 * Prints the versions of every tool that shaped dist/, for manifest.json. Only versions: no
 * paths and no dates, so the manifest stays byte-identical across clones.
 * Usage: node js/build/toolchain.js WASM_PACK WASM_BINDGEN WASM_OPT
 */
const { execFileSync } = require('node:child_process');

const version = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8' }).trim().split('\n')[0];
const [wasmPack, wasmBindgen, wasmOpt] = process.argv.slice(2);
const toolchain = {
  rustc: version('rustc', ['--version']),
  'wasm-pack': version(wasmPack, ['--version']),
  'wasm-bindgen': version(wasmBindgen, ['--version']),
  'wasm-opt': version(wasmOpt, ['--version']),
  node_build: process.version
};
process.stdout.write(`${JSON.stringify(toolchain, null, 2)}\n`);
