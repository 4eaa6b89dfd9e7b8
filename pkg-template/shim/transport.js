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
// tell "the old tenant said no" from "the old tenant did not answer". Global `fetch` where the
// runtime has one; Node's `https` module where it has not (Auth0 documents Node's built-in
// modules, not the globals): both answer in fetch's shape, so the timing, the reading and the
// failures below are one code for both.
async function almSend(request) {
  var init = { method: request.method, headers: Object.fromEntries(request.headers), body: request.body };
  var timeout = almTimeout(request.timeout_ms);
  try {
    var res = await Promise.race([(typeof fetch === 'function' ? almFetch : almHttps)(request.url, init, timeout.expired), timeout.expired]);
    var hints = {};
    ['retry-after', 'x-ratelimit-reset'].forEach(function (h) {
      var v = res.headers.get(h);
      if (v != null) hints[h] = v;
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

// The request (`init`: method, headers, body) with global fetch, abandoned (aborted) when
// `expired` rejects.
function almFetch(url, init, expired) {
  var controller = new AbortController();
  expired.catch(function (e) {
    controller.abort(e);
  });
  init.redirect = 'error';
  init.signal = controller.signal;
  return fetch(url, init);
}

// The request with Node's https module, for a runtime without global fetch, answered in fetch's
// shape: `status`, `headers.get` (a Map of Node's lower-case names: absent is undefined, which
// the caller treats as fetch's null) and `body` as a web stream. A redirect is no answer, as
// fetch's `redirect: 'error'` makes it; the request is destroyed when `expired` rejects.
function almHttps(url, init, expired) {
  return new Promise(function (resolve, reject) {
    var req = require('https').request(url, init, function (res) {
      // Rejected with the response itself, destroyed: no name, no code, so a "network" failure.
      if (/^30[12378]$/.test(res.statusCode)) return reject(res.destroy());
      resolve({ status: res.statusCode, headers: new Map(Object.entries(res.headers)), body: require('stream').Readable.toWeb(res) });
    });
    req.on('error', reject);
    expired.catch(function (e) {
      req.destroy(e);
    });
    req.end(init.body);
  });
}

// A request's time limit, kept by our own timer rather than AbortSignal.timeout: on Node 20 and
// 22, once the headers are in, a garbage collection can leave that signal without effect, and a
// reply whose body stalled was never abandoned - the call hung past Auth0's limit without
// calling back (found under load by tests/js/faults-load.test.js). `expired` rejects when the
// time is up (the request, its body read, and whichever transport sent it race it).
function almTimeout(ms) {
  var fail;
  var expired = new Promise(function (resolve, reject) {
    fail = reject;
  });
  var timer = setTimeout(function () {
    // Its name is all that is read: almSend reports it as a "timeout".
    var e = new Error();
    e.name = 'TimeoutError';
    fail(e);
  }, ms);
  return { expired: expired, clear: function () { clearTimeout(timer); } };
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
  var decoder = new (require('util').TextDecoder)('utf-8', { fatal: true, ignoreBOM: true });
  // At the read limit the cut may split a character: that tail is left out, not an error.
  return decoder.decode(require('buffer').Buffer.concat(chunks), { stream: size >= limit });
}

module.exports = { almRequest: almRequest, almRemember: almRemember, almWithin: almWithin, almStore: almStore, almSend: almSend, almFetch: almFetch, almHttps: almHttps, almTimeout: almTimeout, almReadText: almReadText };
