'use strict';
/**
 * The old tenant's routes the scripts call, named once: the labels the tests and the benchmark count
 * requests by (fake-tenant.js `requestLabel`) and the fault proxy plans faults by (fault-proxy.js). They
 * are the labels the Rust flows give their requests (src/http.rs `Request::label`).
 */

/** `password`, `token`, `discovery`, `jwks`, `users-by-email`, `users-search`, `user`, or null. */
function oldTenantRoute(pathname, grantType) {
  if (pathname === '/oauth/token') return grantType === 'client_credentials' ? 'token' : 'password';
  if (pathname === '/.well-known/openid-configuration') return 'discovery';
  if (pathname === '/.well-known/jwks.json') return 'jwks';
  if (pathname === '/api/v2/users-by-email') return 'users-by-email';
  if (pathname === '/api/v2/users') return 'users-search';
  if (pathname.startsWith('/api/v2/users/')) return 'user';
  return null;
}

module.exports = { oldTenantRoute };
