__ALM_HEADER__
function login(userNameOrEmail, password, context, callback) {
  // Auth0 passes `context` only when "script context" is on; the callback is always last.
  if (typeof callback !== 'function') {
    callback = context;
  }

  __ALM_RUNTIME__

  return almRun('login', { identifier: userNameOrEmail, password: password }, callback);
}
