'use strict';
/**
 * `build`: what `make dist` does, from the command line: builds the scripts into dist/ (or --out).
 * Build-time options are few on purpose: the claims namespace and the user-id prefix are settings the
 * scripts read at run time, so one build serves every tenant; this command says so instead of baking
 * them in.
 */

const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { ROOT } = require('../dist');
const { EXIT, UsageError, UpstreamError } = require('../errors');
const { SOURCES, NAMES, scriptEntries, sourceOfFile } = require('../../sources');

/** Each source's scripts this build wrote (js/sources.js names them; the manifest says which exist). */
function bySource(manifest) {
  const built = manifest.artifacts.map((a) => a.file);
  return Object.fromEntries(
    NAMES.map((n) => [
      n,
      scriptEntries()
        .filter((e) => e.source === n && built.includes(e.file))
        .map((e) => e.file),
    ])
  );
}

/** Runs `make dist` in the clone, the child's output on our stderr. Resolves with the output folder. */
function runMake({ out: outDir, dryRun, log }) {
  if (!fs.existsSync(path.join(ROOT, 'Makefile'))) {
    throw new UpstreamError(`no Makefile in ${ROOT}: this copy of the tool has no sources to build from`, {
      hint: 'use the prebuilt files in dist/, or build in a clone of the repository (needs Rust, Node 20 and npm)',
    });
  }
  const env = { ...process.env, ...(outDir ? { OUT: outDir } : {}) };
  const cmd = `make -C ${ROOT} dist${outDir ? ` OUT=${outDir}` : ''}`;
  if (dryRun) return Promise.resolve({ cmd, dir: outDir || path.join(ROOT, 'dist'), ran: false });
  log(`running: ${cmd}`);
  return new Promise((resolve, reject) => {
    const child = spawn('make', ['-C', ROOT, 'dist'], { env, stdio: ['ignore', 2, 2] });
    child.on('error', (err) => reject(new UpstreamError(`cannot run make (${err.code || err.message})`, { hint: 'install make, or run `make dist` yourself' })));
    child.on('close', (code) => {
      if (code === 0) resolve({ cmd, dir: outDir || path.join(ROOT, 'dist'), ran: true });
      else reject(new UpstreamError(`make dist failed (exit ${code})`, { hint: 'read the output above; `make dist` sets up what is missing (see the README)' }));
    });
  });
}

async function run(ctx) {
  const { values, out } = ctx;
  const explain = [];
  if (values['claims-namespace'] !== undefined) explain.push('the claims namespace is the setting Claims_Namespace, read at run time: give it to deploy/export with --claims-namespace');
  if (values['id-prefix'] !== undefined) explain.push('the user-id mode is the setting User_ID_Prefix, read at run time: give it to deploy/export with --setting User_ID_Prefix=...');
  if (explain.length) {
    throw new UsageError(`not a build option: ${explain.join('; ')}`, { hint: 'one build serves every tenant; the settings live in the connection' });
  }
  const outDir = values.out ? path.resolve(values.out) : null;
  const r = await runMake({ out: outDir, dryRun: !!values['dry-run'], log: (m) => out.info(m) });
  if (!r.ran) {
    out.line(`would run: ${r.cmd}`);
    out.result({ command: 'build', ok: true, exitCode: EXIT.OK, dryRun: true, make: r.cmd, out: r.dir });
    return EXIT.OK;
  }
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(r.dir, 'manifest.json'), 'utf8'));
  } catch {
    throw new UpstreamError(`the build wrote no ${path.join(r.dir, 'manifest.json')}`);
  }
  out.line(`built ${manifest.name} ${manifest.version} (commit ${String(manifest.commit).slice(0, 12)}) into ${r.dir}:`);
  for (const a of manifest.artifacts) {
    const source = sourceOfFile(a.file);
    out.line(`  ${a.file.padEnd(24)} ${String(a.bytes).padStart(7)} bytes  sha256 ${a.sha256.slice(0, 16)}${source ? `  (--source ${source})` : ''}`);
  }
  const sources = bySource(manifest);
  for (const [name, files] of Object.entries(sources)) {
    out.line(files.length ? `source ${name}: ${files.join(', ')} (${SOURCES[name].what})` : `source ${name}: not in this build`);
  }
  out.line('the retired scripts (end of the migration) are always built, in retired/');
  out.result({ command: 'build', ok: true, exitCode: EXIT.OK, out: r.dir, sources, manifest });
  return EXIT.OK;
}

module.exports = {
  name: 'build',
  summary: 'build the scripts into dist/ (runs make dist)',
  usage: 'build [--out DIR] [--dry-run]',
  description: `
Runs \`make dist\` in this clone: sets up what is missing (pinned Rust target, wasm tools, npm
packages), builds, and writes the pasteable scripts, dist/engine.js, dist/retired/ and
dist/manifest.json. Two builds of one commit are byte-identical.

Not build options, on purpose (one build serves every tenant): the claims namespace and the user-id
prefix are connection settings (Claims_Namespace, User_ID_Prefix) read at run time; give them to
\`deploy\` or \`export\`. The retired scripts are always built.`,
  options: {
    out: { type: 'string', arg: 'DIR', help: "output folder (make's OUT; default dist/)" },
    'dry-run': { type: 'boolean', help: 'print the make command and run nothing' },
    'claims-namespace': { type: 'string', arg: 'URL', help: 'explains where this setting goes (not a build option)' },
    'id-prefix': { type: 'string', arg: 'PREFIX', help: 'explains where this setting goes (not a build option)' },
  },
  run,
  runMake,
  bySource,
};
