__ALM_HEADER__
function getByEmail(email, context, callback) {
  // Auth0 passes `context` only when "script context" is on; the callback is always last.
  if (typeof callback !== 'function') {
    callback = context;
  }

  __ALM_RUNTIME__

  return almRun('get_user', { identifier: email }, callback);
}
