__ALM_HEADER__
/**
 * Post-login Action for the OLD tenant. For the Migration App only, it copies the user's
 * metadata and username (Auth0's ID token has no username claim) into namespaced ID-token claims
 * (so the new tenant's login script gets the whole profile in one call) and marks the user `app_metadata.migration_complete = true` (so the new
 * tenant's get_user script does not offer a user twice).
 * Secrets (Action > Secrets): MIGRATION_APP_CLIENT_ID (required), CLAIMS_NAMESPACE (optional,
 * default https://migrationapp/ - must match the new tenant's `Claims_Namespace` setting).
 */
exports.onExecutePostLogin = async (event, api) => {
  const migrationApp = event.secrets.MIGRATION_APP_CLIENT_ID;
  if (!migrationApp || event.client.client_id !== migrationApp) {
    return;
  }
  const namespace = event.secrets.CLAIMS_NAMESPACE || 'https://migrationapp/';
  const appMetadata = event.user.app_metadata || {};
  api.idToken.setCustomClaim(namespace + 'user_metadata', event.user.user_metadata || {});
  api.idToken.setCustomClaim(namespace + 'app_metadata', appMetadata);
  if (event.user.username) {
    api.idToken.setCustomClaim(namespace + 'username', event.user.username);
  }
  if (appMetadata.migration_complete !== true) {
    api.user.setAppMetadata('migration_complete', true);
  }
};
