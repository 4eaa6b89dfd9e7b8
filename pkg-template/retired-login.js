__ALM_HEADER__
function login(userNameOrEmail, password, context, callback) {
  // The migration has ended: users who logged in were moved then, the rest in bulk. Auth0 calls
  // this only for a user it does not hold, so the answer is "no such user" (a falsy first
  // argument logs the attempt as `fu`, unknown user), and nothing is asked of the old tenant.
  if (typeof callback !== 'function') {
    callback = context;
  }
  return callback(new WrongUsernameOrPasswordError(null, 'Wrong email or password.'));
}
