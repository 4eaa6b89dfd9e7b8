'use strict';
/**
 * Node process warnings that say nothing to an operator, kept off stderr (every other warning is shown).
 *
 * Why: stderr carries the redrawn status line (progress.js), and a warning printed in the middle of it
 * both smears the line and reads like a fault. The ones filtered here come from our dependencies
 * doing what they should, on runtimes we support:
 * - Node 18 calls `buffer.File` experimental; the auth0 SDK's file uploads use it (seen on `tail`'s
 *   imports under Node 18.20 while they went through the SDK; they no longer do, multipart.js, but the
 *   SDK's other upload calls still would);
 * - undici 6 calls its EnvHttpProxyAgent experimental (code UNDICI-EHPA) when net.js makes the agent.
 */

/** Whether a warning (as given to process.emitWarning) is one of the known, harmless ones. */
function isNoise(warning, options) {
  const type = typeof options === 'string' ? options : options && options.type;
  const code = options && typeof options === 'object' ? options.code : undefined;
  const text = String(warning && warning.message !== undefined ? warning.message : warning);
  const kind = type || (warning && warning.name);
  if (code === 'UNDICI-EHPA') return true;
  return kind === 'ExperimentalWarning' && /^buffer\.File is an experimental feature/.test(text);
}

let installed = false;

/** Wraps process.emitWarning once so the known noise is dropped and everything else goes through. */
function install() {
  if (installed) return;
  installed = true;
  const emit = process.emitWarning;
  process.emitWarning = function emitWarning(warning, ...rest) {
    if (isNoise(warning, rest[0])) return undefined;
    return emit.call(process, warning, ...rest);
  };
}

module.exports = { install, isNoise };
