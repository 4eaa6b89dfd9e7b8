'use strict';
/**
 * Exit codes and the errors that carry them. Scripts driving the command line rely on these numbers;
 * they are listed in `auth0-lazy-migrate --help` and in docs/runbook.md.
 */

const EXIT = Object.freeze({
  OK: 0,
  /** A check failed, a tried login did not succeed, or some users could not be imported. */
  FAILED: 1,
  /** The command line itself is wrong: unknown option, missing value, bad combination. */
  USAGE: 2,
  /** Auth0 or the local setup refused or failed: credentials, scopes, network, missing dist files. */
  UPSTREAM: 3,
  /** Interrupted (Ctrl-C); a resumable command saved its state first. */
  INTERRUPTED: 130,
});

class CliError extends Error {
  constructor(message, exitCode, { hint, details } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.hint = hint;
    this.details = details;
  }
}

/** The command line is wrong (exit 2). */
class UsageError extends CliError {
  constructor(message, opts) {
    super(message, EXIT.USAGE, opts);
    this.name = 'UsageError';
  }
}

/** Auth0 or the local setup failed (exit 3). */
class UpstreamError extends CliError {
  constructor(message, opts = {}) {
    super(message, EXIT.UPSTREAM, opts);
    this.name = 'UpstreamError';
    this.status = opts.status;
    this.body = opts.body;
    this.unreachable = !!opts.unreachable;
  }
}

module.exports = { EXIT, CliError, UsageError, UpstreamError };
