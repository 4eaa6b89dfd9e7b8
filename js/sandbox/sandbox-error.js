'use strict';
/**
 * SandboxError: the sandbox's own refusals, as opposed to anything the script itself throws.
 *
 * Why a module of its own: compiling (too_large, syntax, not_one_function, wrong_name), the container's
 * configuration (bad_configuration) and the invocation all refuse with it, and callers (tests, the CLI's
 * `try` and `deploy` proof) tell a refusal apart from a script's error by this one class and its `code`.
 */

/** Why the sandbox refused something (a script, a configuration). `code` is stable for tests and tools. */
class SandboxError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'SandboxError';
    this.code = code;
  }
}

module.exports = { SandboxError };
