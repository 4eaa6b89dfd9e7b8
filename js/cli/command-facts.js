'use strict';
/**
 * What an operator must know about each command besides its options, written once: the Management API
 * scopes it needs on each tenant, its examples, and the order of a migration.
 *
 * Why here: `--help` (options.helpText, main.js's top-level help), docs/runbook.md and the README used
 * to say these things each in their own words, and drifted (two orders, a scope missing from one of
 * them). Now help renders them from this module, and tests/js/command-facts.test.js checks that the
 * runbook's scopes table is `scopesTable()` and its order line `orderLine()`, and that every example
 * is a line of the runbook's `sh` blocks, which tests/js/runbook.test.js runs against `rehearse`:
 * so every example shown by `--help` is known to work.
 *
 * Examples are written without the tool's name (help prefixes `auth0-lazy-migrate`, the runbook `alm`).
 */

/** The steps of a migration, in order (a command and, where it matters, its defining option). */
const ORDER = ['build', 'doctor --live', 'doctor --only old', 'try', 'deploy', 'doctor', 'status (repeatedly)', 'logs', 'tail', 'reset-passwords', 'retire'];

const OLD = 'old tenant (Migration App)';
const NEW = "new tenant (this tool's app)";

/**
 * Per command: `old` / `new` = {scopes: Management API scopes, why: what they are for} (absent: that
 * tenant is not reached with a token), `examples`: command lines without the tool's name.
 */
const FACTS = {
  rehearse: {
    note: 'none: it starts fake tenants on this machine',
    examples: ['rehearse'],
  },
  build: {
    note: 'none: it only builds',
    examples: ['build'],
  },
  doctor: {
    old: { scopes: ['read:users'], why: 'and the Password grant, probed with a made-up user' },
    new: {
      scopes: ['read:connections', 'read:connections_options', 'create:connections', 'update:connections', 'delete:connections'],
      why: 'create/update/delete and the Password grant for --live only: its temporary probe connection',
    },
    examples: ['doctor --live --secrets-file secrets.json', 'doctor --only old --secrets-file secrets.json', 'doctor --secrets-file secrets.json'],
  },
  try: {
    old: { scopes: ['read:users'], why: "the scripts' own calls, with the Password grant" },
    new: { scopes: ['read:connections', 'create:connections', 'update:connections', 'delete:connections'], why: 'with --remote only: its temporary connection, and the Password grant' },
    examples: ['try login --user ada.lovelace@example.com --secrets-file secrets.json', 'try login --remote --user ada.lovelace@example.com --secrets-file secrets.json'],
  },
  deploy: {
    old: { scopes: ['read:users'], why: "the scripts' own calls: its settings proof runs them once" },
    new: { scopes: ['read:connections', 'update:connections', 'read:connections_options', 'update:connections_options'] },
    examples: ['deploy --plan-out deploy-plan.json --secrets-file secrets.json', 'deploy --plan deploy-plan.json --secrets-file secrets.json'],
  },
  export: {
    note: 'none: it only writes files',
    examples: ['export --out ./tenant-config'],
  },
  status: {
    old: { scopes: ['read:users'], why: 'export job' },
    new: { scopes: ['read:users', 'read:connections'], why: 'export job' },
    examples: ['status --secrets-file secrets.json'],
  },
  logs: {
    new: { scopes: ['read:logs'] },
    examples: ['logs --secrets-file secrets.json'],
  },
  tail: {
    old: { scopes: ['read:users'], why: 'export job' },
    new: { scopes: ['read:users', 'create:users', 'read:connections'], why: 'export and import jobs' },
    examples: ['tail --dry-run --secrets-file secrets.json', 'tail --yes --secrets-file secrets.json'],
  },
  'reset-passwords': {
    new: { scopes: [], why: 'none: the Authentication API; the connection must be enabled for the app it names' },
    examples: ['reset-passwords --record alm-imported.ndjson --dry-run --secrets-file secrets.json', 'reset-passwords --record alm-imported.ndjson --yes --secrets-file secrets.json'],
  },
  retire: {
    old: { scopes: ['read:users'], why: 'with --deploy: export job, the left-behind check' },
    new: { scopes: ['read:users', 'read:connections', 'update:connections', 'read:connections_options', 'update:connections_options'], why: 'with --deploy' },
    examples: ['retire --deploy --dry-run --secrets-file secrets.json', 'retire --deploy --yes --secrets-file secrets.json'],
  },
};

/** One tenant's cell: "a, b (why)", "why" alone, or "-" when the command does not reach that tenant. */
function cell(side) {
  if (!side) return '-';
  const list = side.scopes.join(', ');
  if (!list) return side.why || '-';
  return side.why ? `${list} (${side.why})` : list;
}

/** The facts of a command, or null (a command without facts fails tests/js/command-facts.test.js). */
function factsOf(name) {
  return Object.hasOwn(FACTS, name) ? FACTS[name] : null;
}

/** "build -> doctor --live -> ... -> retire": the runbook's diagram, the README's and help's line. */
function orderLine() {
  return ORDER.join(' -> ');
}

/** The scopes part of a command's --help. */
function scopesHelp(name) {
  const f = factsOf(name);
  if (!f) return [];
  if (f.note) return ['Management API scopes:', `  ${f.note}`, ''];
  return ['Management API scopes (what each tenant must grant the app named):', `  ${OLD}: ${cell(f.old)}`, `  ${NEW}: ${cell(f.new)}`, ''];
}

/** The examples part of a command's --help, with the tool's name `bin`. */
function examplesHelp(name, bin) {
  const f = factsOf(name);
  if (!f || !f.examples.length) return [];
  return ['Examples (docs/runbook.md runs each one, offline, against `rehearse`):', ...f.examples.map((e) => `  ${bin} ${e}`), ''];
}

/** The runbook's scopes table (markdown), one row per command with facts, in this module's order. */
function scopesTable() {
  const rows = Object.entries(FACTS).map(([name, f]) => `| \`${name}\` | ${f.note ? f.note : cell(f.old)} | ${f.note ? '-' : cell(f.new)} |`);
  return [`| command | ${OLD} | ${NEW} |`, '|---|---|---|', ...rows].join('\n');
}

module.exports = { ORDER, FACTS, factsOf, orderLine, scopesHelp, examplesHelp, scopesTable };
