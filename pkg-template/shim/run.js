// ---- auth0-lazy-migrate shim: loads the embedded WebAssembly, runs the migration flow, and
// ---- answers Auth0's callback exactly once. Every decision is in the wasm (Rust): what to send,
// ---- how long to wait and to try, what to cache until when, how much of a reply to read,
// ---- whether the log line may name the user. The shim performs the steps it is given.
// ---- Files by job (pkg-template/shim/, concatenated in this order by js/build/assemble.js):
// ---- run.js (the step loop and the callback), instance.js (the wasm instance and its
// ---- traps), decode91.js (the payload's text encoding), transport.js (one request, by
// ---- fetch or https; the container's cache), verify.js (RS256, ES256), log.js (the log
// ---- line), embedded.js (build values), and in the scripts of a source that signs, its
// ---- signer (js/build/shim.js SOURCE_MODULES: sign.js, HMAC-SHA256, for rest; sign-rs256.js
// ---- for firebase).

// Runs one invocation: `start`, then each step the flow asks for until it is done, then the
// callback, once.
function almRun(op, input, callback) {
  var started = Date.now();
  var count = { upstream: 0 };
  var answered = false;
  var named = false;
  var engine;

  function answer(outcome) {
    if (answered) return;
    answered = true;
    almLog(op, input.identifier, outcome.kind, started, count.upstream, named);
    var cb = callback;
    if (outcome.kind === 'profile') return cb(null, outcome.profile);
    if (outcome.kind === 'not_found') return cb(null);
    if (outcome.kind === 'wrong_password') {
      return cb(almError('WrongUsernameOrPasswordError', [input.identifier, outcome.message]));
    }
    if (outcome.kind === 'unauthorized') return cb(almError('UnauthorizedError', [outcome.message]));
    return cb(new Error('auth0-lazy-migrate: ' + outcome.message));
  }

  if (typeof callback !== 'function') {
    throw new Error('auth0-lazy-migrate: Auth0 gave no callback');
  }
  try {
    engine = almEngine();
  } catch (e) {
    return answer({ kind: 'error', message: e.message });
  }

  (async function () {
    var identifier = String(input.identifier == null ? '' : input.identifier);
    var flow;
    try {
      // Lower case as Auth0 stores emails and usernames; folded here so the wasm needs no Unicode tables.
      var step = almCall(engine, 'start', { op: op, settings: almSettings(), now_ms: Date.now(), identifier: identifier, identifier_folded: identifier.toLowerCase(), password: input.password == null ? null : String(input.password) });
      flow = step.flow;
      // The flow's settings say whether the log line may name the user (Rust: `name_user`).
      named = step.name_user === true;
      for (;;) {
        if (step.send) {
          var reply = await almRequest(step.send.request, count);
          step = almCall(engine, 'resume', { flow: flow, now_ms: Date.now(), reply: reply });
          if (step.store) almRemember(step.store, reply);
        } else if (step.verify) {
          step = almCall(engine, 'resume', { flow: flow, now_ms: Date.now(), verified: almVerify(step.verify) });
        } else if (ALM_SIGNS && step.sign) {
          step = almCall(engine, 'resume', { flow: flow, now_ms: Date.now(), signed: almSign(step.sign) });
        } else {
          return answer(step.done || { kind: 'error', message: 'internal: the migration module gave no outcome' });
        }
      }
    } finally {
      if (flow && global[ALM_CACHE_KEY] === engine) engine.release(flow);
    }
  })().catch(function (e) {
    answer({ kind: 'error', message: 'internal: ' + (e && e.message ? e.message : 'unexpected failure') });
  });
}

// Auth0's `configuration` (its keys and text values), for `start` as it is: `JSON.stringify` reads
// its own keys, as the copy this replaced did. The shim reads no setting itself.
function almSettings() {
  return typeof configuration === 'object' && configuration !== null ? configuration : {};
}

// Auth0's error classes are globals of its sandbox; outside it (a plain Node test) a named
// Error stands in, so the outcome is still visible.
function almError(name, args) {
  var Class = name === 'UnauthorizedError' ? typeof UnauthorizedError === 'function' && UnauthorizedError : typeof WrongUsernameOrPasswordError === 'function' && WrongUsernameOrPasswordError;
  // UnauthorizedError(message): its args hold the message only, args[1] is undefined.
  if (Class) return new Class(args[0], args[1]);
  var err = new Error(args[args.length - 1]);
  err.name = name;
  return err;
}

module.exports = { almRun: almRun, almSettings: almSettings, almError: almError };
