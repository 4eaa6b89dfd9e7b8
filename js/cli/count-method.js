'use strict';
/**
 * How `status` counts, and what each way can tell. Only an export job sees every user of a large
 * connection, so the choice is which fields it exports:
 *
 * - Auth0's user search stops at 1000: "Auth0 limits the total number of users you can retrieve to
 *   1000" (https://auth0.com/docs/manage-users/user-search/view-search-results-by-page), and the
 *   `total` of include_totals stops there too (https://community.auth0.com/t/paging-the-list-users-query/18983).
 *   It cannot count a tenant of millions, nor tell a migrated user from another.
 * - GET /api/v2/stats/active-users is "the number of active users that logged in during the last 30
 *   days" (https://auth0.com/docs/api/management/v2/stats/get-active-users): tenant-wide, a login
 *   count, not who is in the new tenant.
 * - An export job takes the list of `fields` to export
 *   (https://auth0.com/docs/manage-users/user-migration/bulk-user-exports). `ids`, the default,
 *   exports only what the counts read; `full` exports every profile field the tail imports.
 *
 * Both are exact for every figure status prints: an old user is migrated when the new tenant holds
 * the id the scripts give it, and that id depends on user_id (and the User_ID_Prefix setting) alone;
 * `blocked`, the email conflicts and the old tenant's migration_complete mark ride along. What `ids`
 * cannot tell is whether each whole profile maps as the tail would import it (a malformed record):
 * `--full` checks that, at the cost of downloading every profile.
 */

const bulk = require('./bulk');

const METHODS = {
  ids: {
    name: 'ids',
    oldFields: ['user_id', 'email', 'blocked', 'app_metadata'],
    newFields: bulk.NEW_FIELDS,
    label: 'export jobs of user_id, email, blocked and app_metadata only (old tenant) and user_id, email (new tenant)',
    cannotTell: 'whether each whole profile maps as the tail imports it: run status --full for that',
  },
  full: {
    name: 'full',
    oldFields: bulk.OLD_FIELDS,
    newFields: bulk.NEW_FIELDS,
    label: 'export jobs of every profile field the tail imports (--full)',
    cannotTell: null,
  },
  // A rest or oidc source has no export job: its listing (stream/listing.js) carries whole
  // profiles, mapped as the tail imports them, so it tells everything --full does.
  listed: {
    name: 'listing',
    oldFields: [],
    newFields: bulk.NEW_FIELDS,
    label: "the source's own listing of every user, whole profiles mapped as the tail imports them (old side), and an export job of user_id, email (new tenant)",
    cannotTell: null,
  },
};

/** The method a run uses: --full, else the cheaper `ids`. */
const countMethod = (values) => (values.full ? METHODS.full : METHODS.ids);

module.exports = { METHODS, countMethod };
