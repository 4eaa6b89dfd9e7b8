'use strict';
/**
 * A warm Auth0 container: what outlives one call. Its frozen `configuration`, its `global` (shared by the
 * calls it serves, emptied by a cold start: `fresh()`), the scripts it has compiled (each text once), the
 * console lines printed in it and the events that came too late for their call's report.
 *
 * Why: Auth0 reuses a container for many calls and throws it away at will, so tests must be able to run
 * both (token sharing across warm calls, a cold start losing `global`); the calls themselves are invoke.js's.
 *
 * With `documentedOnly`, the container's scripts run in a V8 context of their own that shows them only
 * what Auth0 documents (globals.js, makeRealm), plus `extraGlobals`; a cold start gets a new context.
 */
const { SandboxError } = require('./sandbox-error');
const { freezeConfiguration, makeScope, makeRealm } = require('./globals');
const { compileScript } = require('./compile');
const { invoke } = require('./invoke');

class Container {
  constructor(configuration, contextDefaults, graceMs, documented = null) {
    /** Auth0's `configuration`: frozen copy of the dashboard's string settings. */
    this.configuration = configuration;
    /** Auth0's `global`: shared by every invocation in this warm container, emptied by a cold start. */
    this.global = {};
    /** Every console line printed in this container ({ level, text }). */
    this.logs = [];
    /** Callbacks and refused requires that came after their invocation's report was final. */
    this.lateEvents = [];
    this.graceMs = graceMs;
    this.contextDefaults = contextDefaults;
    /** `{ extraGlobals }` when the scripts see only Auth0's documented globals (and those), else null. */
    this.documented = documented;
    /** That context and its built-ins (globals.js, makeRealm), or null: Node's own global scope. */
    this.realm = documented ? makeRealm(documented.extraGlobals, { wasm: documented.wasm !== false }) : null;
    this._scripts = new Map();
    this._scope = makeScope(this);
  }

  /** How many distinct script texts this container has compiled (each text once, like a warm container). */
  get compiledScripts() {
    return this._scripts.size;
  }

  /** A cold start: same configuration, empty `global`, nothing compiled, no logs. */
  fresh() {
    return new Container(this.configuration, this.contextDefaults, this.graceMs, this.documented);
  }

  _compile(text) {
    let entry = this._scripts.get(text);
    if (!entry) {
      try {
        const compiled = compileScript(text, undefined, this.realm && this.realm.context);
        entry = { ...compiled, run: compiled.fn(this._scope) };
      } catch (err) {
        if (!(err instanceof SandboxError)) throw err;
        entry = { error: err };
      }
      this._scripts.set(text, entry);
    }
    if (entry.error) throw entry.error;
    return entry;
  }

  /** One call of a script in this container, by Auth0's rules: see invoke.js for the options and the report. */
  invoke(scriptText, options = {}) {
    return invoke(this, scriptText, options);
  }
}

/**
 * A warm Auth0 container: see Container. `documentedOnly: true` runs its scripts with only the globals
 * Auth0 documents, plus `extraGlobals` (an object of names and values); `wasm: false` also forbids
 * compiling WebAssembly there (a runtime without it). Throws SandboxError for a non-string configuration value.
 */
function createContainer({ configuration, contextDefaults, graceMs = 50, documentedOnly = false, extraGlobals = {}, wasm = true } = {}) {
  // `wasm: false` (no WebAssembly compiles, globals.js makeRealm) needs a context of its own: it implies documentedOnly.
  const documented = documentedOnly || wasm === false ? { extraGlobals: { ...extraGlobals }, wasm: wasm !== false } : null;
  return new Container(freezeConfiguration(configuration), contextDefaults, graceMs, documented);
}

module.exports = { Container, createContainer };
