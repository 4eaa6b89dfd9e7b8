__ALM_HEADER__
function migrationMetadata(user, context, callback) {
  // Legacy Rule for the OLD tenant (Rules reached end of life on 18 Nov 2026: prefer
  // metadata-action.js). Same job as the Action: for the Migration App only, put the metadata
  // into namespaced ID-token claims and mark the user as handed over. Unlike the seed's rule,
  // it calls back exactly once on every path.
  // Rule settings (Rules > Settings): MIGRATION_APP_CLIENT_ID (required), CLAIMS_NAMESPACE (optional).
  var migrationApp = configuration.MIGRATION_APP_CLIENT_ID;
  if (!migrationApp || context.clientID !== migrationApp) {
    return callback(null, user, context);
  }
  var namespace = configuration.CLAIMS_NAMESPACE || 'https://migrationapp/';
  user.app_metadata = user.app_metadata || {};
  context.idToken[namespace + 'user_metadata'] = user.user_metadata || {};
  context.idToken[namespace + 'app_metadata'] = user.app_metadata;
  if (user.username) {
    context.idToken[namespace + 'username'] = user.username;
  }
  if (user.app_metadata.migration_complete === true) {
    return callback(null, user, context);
  }
  user.app_metadata.migration_complete = true;
  auth0.users.updateAppMetadata(user.user_id, user.app_metadata).then(
    function () {
      callback(null, user, context);
    },
    function (err) {
      callback(err);
    }
  );
}
