__ALM_HEADER__
function getByEmail(email, context, callback) {
  // The migration has ended: no user remains to be found in the old tenant. `callback(null)` is
  // Auth0's "no such user", so sign-up and password reset behave as for any unknown email.
  if (typeof callback !== 'function') {
    callback = context;
  }
  return callback(null);
}
