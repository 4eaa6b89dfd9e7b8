'use strict';
/**
 * Auth0's numbers this project relies on, each written once: the build, the sandbox emulation,
 * the fake tenants, the command line and the benchmark import them from here.
 */
module.exports = Object.freeze({
  /**
   * Auth0 documents "100 KB per script". We read it as 100,000 bytes of UTF-8 (not 102,400 bytes,
   * not 100,000 characters): the stricter reading, so a script that passes here passes there.
   */
  SCRIPT_LIMIT_BYTES: 100000,
  /**
   * Auth0 stops a custom-database script after about 20 s without a callback. The sandbox emulation
   * enforces it; the Rust flows end well before (src/http.rs DEADLINE_MS).
   */
  SCRIPT_TIMEOUT_MS: 20000,
  /** The users-imports file: Auth0 documents 500 KB; the bulk tail's files stay under this. */
  IMPORT_FILE_BYTES: 500000,
  /** ...and the API's own refusal names 512000 bytes (what the fake tenant enforces). */
  IMPORT_FILE_API_BYTES: 512000,
  /** Import jobs a tenant runs at once; a third is refused with 429 until one finishes. */
  IMPORT_JOBS_AT_ONCE: 2,
});
