'use strict';
/**
 * One source's part of `make demo` (js/demo.js), for every source but auth0: its fake server on
 * loopback with its sample users, and its built scripts in the sandbox emulation, one step per
 * outcome a newcomer should see, printed as rows of js/demo.js's table.
 *
 * A source's demo (js/demo-rest.js, js/demo-oidc.js, ...) is only its data: `DEMOS` lists them, in
 * the order they are shown. Why `documentedOnly` with RUNTIME_EXTRAS (js/fakes/dist-harness.js): as
 * in the end-to-end tests, the scripts see only Auth0's documented globals and the runtime's fetch,
 * so the demo shows what would run in a tenant. Nothing secret is printed: secrets are random per
 * run, passwords are never in a row.
 *
 * A demo: {source, start() -> server ({requests, close()}, each request with `endpoint` and, where
 * the fake records it, `status`), configuration(server), about(server) -> the two lines under the
 * title, noun ('store', 'provider', ...), steps: [script, identifier, password (null for get_user),
 * what it shows, expected outcome], and optionally globals(server) (the container's globals besides
 * Auth0's documented ones; default the runtime's fetch) and bench: false (bench/lib/sources.js does
 * not time it; the demo says why)}.
 */
const fs = require('node:fs');
const path = require('node:path');
const { createContainer } = require('./sandbox');
const { RUNTIME_EXTRAS } = require('./fakes/dist-harness');
const { scriptFile } = require('./sources');

/** Runs `demo`'s steps; prints each with `row` and `log`. Returns the number of steps not as expected. */
async function sourceDemo(demo, { root, row, log = console.log }) {
  const name = demo.source;
  const read = (kind) => fs.readFileSync(path.join(root, 'dist', scriptFile(name, kind)), 'utf8');
  const scripts = { login: read('login'), get_user: read('get_user') };
  const server = await demo.start();
  let unexpected = 0;
  try {
    const globals = demo.globals ? demo.globals(server) : RUNTIME_EXTRAS;
    const container = createContainer({ configuration: demo.configuration(server), documentedOnly: true, extraGlobals: globals });
    const [title, note] = demo.about(server);
    log('');
    log(`${name} source: ${scriptFile(name, 'login')} and ${scriptFile(name, 'get_user')} ${title}`);
    log(`  (${note})`);
    for (const [i, [kind, who, password, what, expected]] of demo.steps.entries()) {
      const from = server.requests.length;
      const r = await container.invoke(scripts[kind], { kind, args: password === null ? [who] : [who, password], timeoutMs: 19000 });
      const ok = r.outcome === expected && r.violations.length === 0;
      if (!ok) unexpected += 1;
      const requests = server.requests.slice(from).map((q) => (q.status === undefined ? q.endpoint : `${q.endpoint}:${q.status}`));
      log(
        row([
          [i + 1, 2],
          [kind, 8],
          [who, 26],
          [what, 31],
          [r.outcome, 14],
          [r.event || '-', 5],
          [r.stored ? r.stored.user_id : '-', 37],
          [requests.join(' ') || '-', 0],
        ])
      );
      if (!ok) log(`${' '.repeat(12)}UNEXPECTED: the story expects ${expected}${r.error ? ` (${r.error.message})` : ''}${r.violations.length ? ` (sandbox: ${r.violations.join('; ')})` : ''}`);
    }
    log(`${name} source: ${demo.steps.length - unexpected} of ${demo.steps.length} steps as expected, ${server.requests.length} requests to the ${demo.noun}`);
  } finally {
    await server.close();
  }
  return unexpected;
}

/** The sources' demos, in the order `make demo` shows them. */
const DEMOS = [require('./demo-rest').DEMO, require('./demo-oidc').DEMO, require('./demo-firebase').DEMO, require('./demo-cognito').DEMO];

module.exports = { sourceDemo, DEMOS };
