'use strict';
/**
 * Replaying the old tenant's replies in-process, to measure what the scripts themselves cost.
 *
 * `installReplay()` wraps the process's global `fetch` (which the scripts call inside the sandbox
 * emulation). In `record` mode each request goes to the real (fake) tenant and its reply is kept; in
 * `replay` mode the same request - same method, URL and body, body compared as JSON with sorted keys -
 * is answered at once from memory with a fresh `Response`, with no socket, TLS or HTTP parsing and no
 * wait. The scripts still read the body through its stream and see the same status and headers. Both
 * variants pay the same `new Response(...)` per request.
 */

function canonical(body) {
  if (typeof body !== 'string' || body === '') return '';
  try {
    const sort = (v) => {
      if (Array.isArray(v)) return v.map(sort);
      if (v && typeof v === 'object')
        return Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, sort(v[k])])
        );
      return v;
    };
    return JSON.stringify(sort(JSON.parse(body)));
  } catch {
    return body;
  }
}

function keyOf(url, init = {}) {
  return `${(init.method || 'GET').toUpperCase()} ${String(url)} ${canonical(init.body)}`;
}

function installReplay() {
  const realFetch = globalThis.fetch;
  const recorded = new Map();
  const state = { mode: 'off', misses: 0, served: 0 };
  globalThis.fetch = async function fetch(url, init = {}) {
    if (state.mode === 'off') return realFetch(url, init);
    const key = keyOf(url, init);
    if (state.mode === 'record') {
      const res = await realFetch(url, init);
      const body = await res.text();
      const entry = { status: res.status, headers: [...res.headers], body };
      recorded.set(key, entry);
      return new Response(body, { status: entry.status, headers: entry.headers });
    }
    const r = recorded.get(key);
    if (!r) {
      state.misses++;
      throw new TypeError(`fetch failed (replay: nothing recorded for ${key.slice(0, 120)})`);
    }
    state.served++;
    return new Response(r.body, { status: r.status, headers: r.headers });
  };
  return {
    state,
    record() {
      state.mode = 'record';
    },
    replay() {
      state.mode = 'replay';
    },
    off() {
      state.mode = 'off';
    },
    size: () => recorded.size,
    uninstall() {
      globalThis.fetch = realFetch;
    },
  };
}

module.exports = { installReplay };
