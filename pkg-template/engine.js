__ALM_HEADER__
'use strict';
// The migration module for tools running on Node (the command line, tests): the same Rust crate
// as the pasteable scripts, built with the `engine` feature (two more exports the scripts never
// call), so bulk imports map users and settings are checked exactly as login and get_user do.

const ALM_WASM_SHA256 = '__ALM_WASM_SHA256__';
let almLoaded = null;

function almGlue() {
__ALM_GLUE__
  return wasm_bindgen;
}

function almEngine() {
  if (!almLoaded) {
    const bytes = require('zlib').brotliDecompressSync(Buffer.from(ALM_WASM_BASE64, 'base64'));
    const glue = almGlue();
    glue.initSync({ module: new WebAssembly.Module(bytes) });
    almLoaded = glue;
  }
  return almLoaded;
}

const call = (name) => (input) => JSON.parse(almEngine()[name](JSON.stringify(input)));

module.exports = {
  wasmSha256: ALM_WASM_SHA256,
  version: '__ALM_VERSION__',
  /** `{op, settings, now_ms, identifier, identifier_folded, password}` -> a step naming its `flow` (see src/boundary.rs). */
  start: call('start'),
  /** `{flow, now_ms, reply | verified}` -> the next step (the flow is forgotten when it is done). */
  resume: call('resume'),
  /** Forgets a flow that will not be resumed to its outcome. */
  release: (flow) => almEngine().release(flow),
  /** `{settings, user}` -> `{user}` to import (`marked: true` if the old tenant marked it migrated), `{user, skip: 'blocked'}` not to, or `{error}`. */
  importRecord: call('import_record'),
  /** `{settings}` -> `{keys: [{name, required}], unknown: [..], error?}`: the scripts' own settings rules and key list. */
  checkSettings: call('check_settings'),
  /** `{settings}` -> the same for the rest source's scripts (dist/rest/*.js): its keys and rules (src/rest/settings.rs). */
  checkRestSettings: call('check_rest_settings'),
  /** `{settings}` -> the same for the oidc source's scripts (dist/oidc/*.js): its keys and rules (src/oidc/settings.rs). */
  checkOidcSettings: call('check_oidc_settings'),
  /** `{settings}` -> the same for the cognito source's scripts (dist/cognito/*.js): its keys and rules (src/cognito/settings.rs). */
  checkCognitoSettings: call('check_cognito_settings'),
  /** `{settings}` -> the same for the firebase source's scripts (dist/firebase/*.js): its keys and rules (src/firebase/settings.rs). */
  checkFirebaseSettings: call('check_firebase_settings'),
  /** `{source, settings, state, now_ms, reply?, signed?}` -> `{sign|send|page, state}`, `{done}`, `{error}` or `{refused}`: one step of listing a rest or oidc source's users (src/listing.rs). */
  listStep: call('list_step'),
  /** `{domain}` -> `{domain: 'host[:port]'}` or `{error}`: the `Domain` setting's rules, for any tenant domain. */
  normaliseDomain: call('normalise_domain'),
  /** `{retry_after, rate_limit_reset, now_ms}` -> `{wait_ms | null}`: what a 429 asks, as the scripts read it. */
  retryAfterMs: call('retry_after_ms'),
  /** `{status, body}` -> `{refusal}`: what a refused client-credentials request means (src/oauth.rs). */
  classifyTokenRefusal: call('classify_token_refusal'),
  /** `{status, body}` -> `{refusal, scopes?}`: what a refusal of the command line's own request means (src/refusal.rs). */
  classifyApiRefusal: call('classify_api_refusal'),
  buildInfo: () => almEngine().build_info()
};

const ALM_WASM_BASE64 = '__ALM_WASM_BASE64__';
