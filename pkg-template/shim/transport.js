// Sending one request as a step asks, and the container's cache of replies.

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

// Keeps `reply` as the flow's `store` says: under its key, until its instant.
function almRemember(store, reply) {
  almStore('cache')[store.key] = { reply: reply, until: store.until_ms };
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
    return { status: res.status, headers: hints, body: await almReadText(res, request.max_body_bytes, timeout.expired) };
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

// Reads at most `limit` bytes of a response body (the request's `max_body_bytes`); the rest is
// discarded unread. A body that is not UTF-8 is no JSON at all: it is reported as a failed reply
// (decoding it with replacement characters would hand the flow - and then the new tenant -
// silently altered user data).
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

module.exports = { almRequest: almRequest, almRemember: almRemember, almWithin: almWithin, almStore: almStore, almSend: almSend, almTimeout: almTimeout, almReadText: almReadText };
