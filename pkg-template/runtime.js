// ---- auth0-lazy-migrate runtime: loads the embedded WebAssembly, runs the migration flow, and
// ---- answers Auth0's callback exactly once. The decisions are all in the wasm (Rust): what to
// ---- send, how long to wait and to try, what to cache until when. This part only performs the
// ---- steps it is given and maps the outcome to Auth0's error classes.

  function almRun(op, input, callback) {
    var started = Date.now();
    var count = { upstream: 0 };
    var answered = false;
    var settings = almSettings();
    var engine;

    function answer(outcome) {
      if (answered) return;
      answered = true;
      almLog(op, input.identifier, outcome.kind, started, count.upstream, settings);
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
        var step = almCall(engine, 'start', { op: op, settings: settings, now_ms: Date.now(), identifier: identifier, identifier_folded: identifier.toLowerCase(), password: input.password == null ? null : String(input.password) });
        flow = step.flow;
        for (;;) {
          if (step.send) {
            var reply = await almRequest(step.send.request, count);
            step = almCall(engine, 'resume', { flow: flow, now_ms: Date.now(), reply: reply });
            if (step.store) almStore('cache')[step.store.key] = { reply: reply, until: step.store.until_ms };
          } else if (step.verify) {
            step = almCall(engine, 'resume', { flow: flow, now_ms: Date.now(), verified: almVerify(step.verify) });
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

  // Auth0's `configuration`, as plain strings (missing keys are simply absent).
  function almSettings() {
    var out = {};
    var source = typeof configuration === 'object' && configuration !== null ? configuration : {};
    Object.keys(source).forEach(function (k) {
      out[k] = source[k];
    });
    return out;
  }

  // Calls into the wasm instance the call started with, where its flow lives. A trap (a Rust
  // panic) drops that instance, and with it every flow in it, so the next call starts clean; it
  // surfaces as an Error, never as a wrong password. A call whose instance another call's trap
  // dropped fails the same way at its next step.
  function almCall(engine, fn, payload) {
    var why = 'dropped after a trap';
    try {
      if (global[ALM_CACHE_KEY] === engine) return JSON.parse(engine[fn](JSON.stringify(payload)));
    } catch (e) {
      delete global[ALM_CACHE_KEY];
      why = e && e.name ? e.name : 'error';
    }
    return { done: { kind: 'error', message: 'internal: the migration module failed (' + why + ')' } };
  }

  // The compiled and instantiated module, cached on Auth0's per-container `global` under the
  // hash of the wasm it holds, so a new script version never reuses an old instance.
  function almEngine() {
    var cached = global[ALM_CACHE_KEY];
    if (cached) return cached;
    if (typeof WebAssembly !== 'object' || typeof WebAssembly.Module !== 'function') {
      throw new Error('this Auth0 runtime has no WebAssembly support; the migration scripts cannot run here (select Node 18 or later in the tenant settings)');
    }
    var bytes = require('zlib').brotliDecompressSync(almDecode91(ALM_WASM_TEXT91, ALM_WASM_PACKED_BYTES));
    var glue = almGlue();
    glue.initSync({ module: new WebAssembly.Module(bytes) });
    global[ALM_CACHE_KEY] = glue;
    return glue;
  }

  // Decodes the embedded module's text: two characters from printable ASCII less ' \ @ # (91)
  // carry 13 bits (see js/build/text91.js, which encodes it).
  function almDecode91(text, length) {
    var index = new Int8Array(128).fill(-1);
    for (var c = 32, i = 0; c < 127; c++) if (c !== 39 && c !== 92 && c !== 64 && c !== 35) index[c] = i++;
    var out = Buffer.alloc(length);
    var acc = 0;
    var bits = 0;
    var o = 0;
    for (var k = 0; k + 1 < text.length && o < length; k += 2) {
      acc |= (index[text.charCodeAt(k)] + index[text.charCodeAt(k + 1)] * 91) << bits;
      bits += 13;
      while (bits >= 8 && o < length) {
        out[o++] = acc & 255;
        acc >>>= 8;
        bits -= 8;
      }
    }
    return out;
  }

  // Sends one request as the flow asked: after its delay, within its timeout. A request with a
  // cache key is answered from Auth0's per-container `global` while an entry stored under that
  // key has not expired (the flow says what to store, until when), and concurrent invocations
  // asking for the same key share one network call: 50 cold get_user calls make one Management API
  // token request, not 50. Such replies are marked `shared`.
  async function almRequest(request, count) {
    if (request.delay_ms > 0) {
      await new Promise(function (resolve) {
        setTimeout(resolve, request.delay_ms);
      });
    }
    var hint = request.cache;
    if (!hint) {
      count.upstream++;
      return almSend(request);
    }
    var inflight = almStore('inflight');
    var entry = almStore('cache')[hint.key];
    if (!hint.refresh) {
      if (entry && entry.until > Date.now()) return Object.assign({ shared: true }, entry.reply);
      // Joining another call's request: waiting no longer than this request's own timeout.
      if (inflight[hint.key]) return almWithin(inflight[hint.key], request.timeout_ms);
    }
    count.upstream++;
    var pending = almSend(request).then(function (reply) {
      if (inflight[hint.key] === pending) delete inflight[hint.key];
      return reply;
    });
    inflight[hint.key] = pending;
    return pending;
  }

  // `promise`'s reply marked shared, or a timeout if it has not settled within `ms`.
  function almWithin(promise, ms) {
    return new Promise(function (resolve) {
      var timer = setTimeout(resolve, ms, { failure: 'timeout' });
      promise.then(function (reply) {
        clearTimeout(timer);
        resolve(Object.assign({ shared: true }, reply));
      });
    });
  }

  // A named object on Auth0's `global`, shared by all invocations in this container.
  function almStore(name) {
    var key = 'auth0-lazy-migrate/' + name;
    if (!global[key]) global[key] = {};
    return global[key];
  }

  // One HTTPS request. Any failure to get an answer is reported as such, so the Rust side can
  // tell "the old tenant said no" from "the old tenant did not answer".
  async function almSend(request) {
    var headers = {};
    request.headers.forEach(function (h) {
      headers[h[0]] = h[1];
    });
    var timeout = almTimeout(request.timeout_ms);
    try {
      var res = await Promise.race([fetch(request.url, {
        method: request.method,
        headers: headers,
        body: request.body,
        redirect: 'error',
        signal: timeout.signal
      }), timeout.expired]);
      var hints = {};
      ['retry-after', 'x-ratelimit-reset'].forEach(function (h) {
        var v = res.headers.get(h);
        if (v !== null) hints[h] = v;
      });
      return { status: res.status, headers: hints, body: await almReadText(res, ALM_MAX_BODY_BYTES, timeout.expired) };
    } catch (e) {
      var name = e && e.name;
      if (e && e.code === 'ERR_ENCODING_INVALID_ENCODED_DATA') return { failure: 'malformed reply: not UTF-8' };
      return { failure: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network' };
    } finally {
      timeout.clear();
    }
  }

  // A request's time limit, kept by our own timer rather than AbortSignal.timeout: on Node 20 and
  // 22, once the headers are in, a garbage collection can leave that signal without effect, and a
  // reply whose body stalled was never abandoned - the call hung past Auth0's limit without
  // calling back (found under load by tests/js/faults-load.test.js). `expired` rejects when the
  // time is up; the body read races it too.
  function almTimeout(ms) {
    var controller = new AbortController();
    var fail;
    var expired = new Promise(function (resolve, reject) {
      fail = reject;
    });
    expired.catch(function () {});
    var timer = setTimeout(function () {
      var e = new Error('the request timed out');
      e.name = 'TimeoutError';
      controller.abort(e);
      fail(e);
    }, ms);
    return { signal: controller.signal, expired: expired, clear: function () { clearTimeout(timer); } };
  }

  // The RS256 check the flow asks for: the ID token's signature against the old tenant's key.
  // Node's own crypto does the RSA arithmetic, so the wasm carries none.
  // The key object is kept per modulus for the container's life: importing the JWK on every
  // login was a sixth of a warm login's CPU.
  function almVerify(v) {
    try {
      var crypto = require('crypto');
      var keys = almStore('keys');
      var id = v.jwk.n + '.' + v.jwk.e;
      var key = keys[id] || (keys[id] = crypto.createPublicKey({ key: v.jwk, format: 'jwk' }));
      return crypto.verify('sha256', Buffer.from(v.input), key, Buffer.from(v.signature, 'base64url'));
    } catch (e) {
      return false;
    }
  }

  // Reads at most `limit` bytes of a response body; the rest is discarded unread. A body that is
  // not UTF-8 is no JSON at all: it is reported as a failed reply (decoding it with replacement
  // characters would hand the flow - and then the new tenant - silently altered user data).
  async function almReadText(res, limit, expired) {
    if (!res.body) return '';
    var reader = res.body.getReader();
    var chunks = [];
    var size = 0;
    for (;;) {
      var r;
      try {
        r = await Promise.race([reader.read(), expired]);
      } catch (e) {
        reader.cancel().catch(function () {});
        throw e;
      }
      if (r.done) break;
      var take = Math.min(r.value.length, limit - size);
      chunks.push(r.value.subarray(0, take));
      size += take;
      if (size >= limit) {
        reader.cancel().catch(function () {});
        break;
      }
    }
    // ignoreBOM: a byte-order mark stays in the text (and fails the JSON parse) as before.
    var decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    // At the read limit the cut may split a character: that tail is left out, not an error.
    return decoder.decode(Buffer.concat(chunks), { stream: size >= limit });
  }

  // Auth0's error classes are globals of its sandbox; outside it (a plain Node test) a named
  // Error stands in, so the outcome is still visible.
  function almError(name, args) {
    if (name === 'WrongUsernameOrPasswordError' && typeof WrongUsernameOrPasswordError === 'function') {
      return new WrongUsernameOrPasswordError(args[0], args[1]);
    }
    if (name === 'UnauthorizedError' && typeof UnauthorizedError === 'function') {
      return new UnauthorizedError(args[0]);
    }
    var err = new Error(args[args.length - 1]);
    err.name = name;
    return err;
  }

  // One line per invocation: what happened, how long it took, how many upstream requests went
  // out (cache hits not counted). The identifier appears only as a short hash unless the
  // `Log_Identifiers` setting is `true`; passwords, secrets and tokens never.
  function almLog(op, identifier, kind, started, upstream, settings) {
    var named = String(settings.Log_Identifiers || '').toLowerCase() === 'true';
    var who = named ? JSON.stringify(String(identifier)) : require('crypto').createHash('sha256').update(String(identifier)).digest('hex').slice(0, 12);
    console.log('auth0-lazy-migrate ' + ALM_VERSION + ' ' + op + ' outcome=' + kind + ' ms=' + (Date.now() - started) + ' upstream=' + upstream + ' user=' + who);
  }

  var ALM_VERSION = '__ALM_VERSION__';
  var ALM_CACHE_KEY = 'auth0-lazy-migrate/wasm/__ALM_WASM_SHA256__';
  var ALM_MAX_BODY_BYTES = 1048576;

  // wasm-bindgen's generated glue (target no-modules), kept verbatim and run once per container.
  function almGlue() {
__ALM_GLUE__
    return wasm_bindgen;
  }

  // The migration module: Rust compiled to WebAssembly, brotli-compressed, in text91.
  var ALM_WASM_PACKED_BYTES = __ALM_WASM_PACKED_BYTES__;
  var ALM_WASM_TEXT91 = '__ALM_WASM_TEXT91__';
