'use strict';
/**
 * Whether the old tenant's users fit the new tenant's connection: `doctor`'s cross-check of the two
 * connections' settings that decide whether an imported user can log in there, each mismatch with what
 * is different and what to change.
 *
 * What can be learnt of the old side: the Migration App has read:users only (by design), so the old
 * connection's own options are read only when its token also carries read:connections (and
 * read:connections_options); otherwise the old users say it themselves: a sample of the connection's
 * users (one user search page) shows whether they have usernames, how long they are, and whether some
 * have no email.
 *
 * Auth0 facts used here:
 * - users log in with a username only on a connection that requires one ("Requires Username"); its
 *   length is 1 to 15 characters by default, settable up to 128
 *   (https://auth0.com/docs/connections/database/require-username);
 * - the length lives in options.validation.username {min, max}
 *   (https://auth0.github.io/node-auth0/interfaces/management.Management.ConnectionUsernameValidationOptions.html);
 *   connections with the newer identifier attributes say it in options.attributes.username:
 *   identifier.active "determines if the attribute is used for identification", validation
 *   {min_length, max_length}
 *   (https://auth0.github.io/node-auth0/interfaces/management.Management.ConnectionAttributeIdentifier.html,
 *   https://auth0.github.io/node-auth0/interfaces/management.Management.UsernameValidation.html);
 * - password strength applies to "passwords entered during user sign-up"
 *   (https://auth0.auth0-mintlify.app/docs/authenticate/database-connections/password-strength); history,
 *   dictionary and personal data disallow "setting" such passwords, history "only password changes going
 *   forward" (https://auth0.auth0-mintlify.app/docs/authenticate/database-connections/password-options);
 *   an automatic migration creates the user "using the same ID and password that was supplied during
 *   authentication" (https://auth0.auth0-mintlify.app/docs/authenticate/database-connections/custom-db/custom-database-connections-scripts/anatomy).
 *   Auth0 documents no policy check at that moment, so a stricter new policy is reported, not failed;
 *   UNCONFIRMED either way by a live tenant;
 * - the user search filters a connection with q=identities.connection:"name"
 *   (https://auth0.github.io/node-auth0/interfaces/management.Management.ListUsersRequestParameters.html),
 *   at most 100 per page; connection names are letters, digits and dashes
 *   (https://auth0-migration.mintlify.app/docs/authenticate/database-connections/custom-db/create-db-connection),
 *   so the name goes into the query as it is, and anything else is not searched.
 */

const SAMPLE_SIZE = 100;
const DEFAULT_USERNAME_LENGTH = Object.freeze({ min: 1, max: 15 });
const MAX_USERNAME_LENGTH = 128;
const CONNECTION_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;

const obj = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? v : {});

/** Whether users of a connection with these options log in with a username. */
function takesUsernames(options) {
  const o = obj(options);
  return o.requires_username === true || obj(obj(obj(o.attributes).username).identifier).active === true;
}

/** The username length a connection allows, and where it is set (`path`, for the fix). */
function usernameLength(options) {
  const o = obj(options);
  const attr = obj(obj(obj(o.attributes).username).validation);
  if (typeof attr.min_length === 'number' || typeof attr.max_length === 'number') {
    return { min: attr.min_length || 1, max: attr.max_length || MAX_USERNAME_LENGTH, path: 'options.attributes.username.validation {min_length, max_length}', set: true };
  }
  const v = obj(obj(o.validation).username);
  if (typeof v.min === 'number' || typeof v.max === 'number') {
    return { min: v.min || 1, max: v.max || MAX_USERNAME_LENGTH, path: 'options.validation.username {min, max}', set: true };
  }
  return { ...DEFAULT_USERNAME_LENGTH, path: 'options.validation.username {min, max}', set: false };
}

/** A connection's password policy in one line (legacy options, or the flexible password_options). */
function passwordPolicy(options) {
  const o = obj(options);
  if (o.password_options && typeof o.password_options === 'object') return 'the flexible password policy (password_options)';
  const parts = [`strength ${o.passwordPolicy || 'none'}`];
  const min = obj(o.password_complexity_options).min_length;
  if (typeof min === 'number') parts.push(`min length ${min}`);
  if (obj(o.password_history).enable) parts.push(`history ${obj(o.password_history).size || 5}`);
  if (obj(o.password_dictionary).enable) parts.push('dictionary');
  if (obj(o.password_no_personal_info).enable) parts.push('no personal data');
  return parts.join(', ');
}

/**
 * What the old side shows: its connection's options when the token may read them, and a sample of its
 * users. Never throws: what cannot be read is said in `notes`.
 * @returns {Promise<{connection: object|null, sample: {users: object[], total: number|null}|null, notes: string[]}>}
 */
async function readOldSide(client, name) {
  const notes = [];
  let connection = null;
  if ((client.grantedScopes || []).includes('read:connections')) {
    try {
      const list = await client.listConnections({ name, strategy: 'auth0' });
      const c = (Array.isArray(list) ? list : []).find((x) => x && x.name === name);
      if (c && c.options) connection = c;
      else notes.push(`the old connection's options are not in the reply${c ? ' (read:connections_options missing)' : ''}`);
    } catch (err) {
      notes.push(`the old connection could not be read (${err.message})`);
    }
  }
  let sample = null;
  if (!CONNECTION_NAME.test(name)) {
    notes.push(`"${name}" is not an Auth0 connection name (letters, digits, dashes), so its users were not searched`);
  } else {
    try {
      const r = await client.searchUsers({
        q: `identities.connection:"${name}"`,
        search_engine: 'v3',
        per_page: SAMPLE_SIZE,
        page: 0,
        include_totals: true,
        fields: 'user_id,username,email',
      });
      const users = Array.isArray(r) ? r : Array.isArray(r && r.users) ? r.users : [];
      sample = { users, total: r && typeof r.total === 'number' ? r.total : null };
    } catch (err) {
      notes.push(`the old users could not be searched (${err.message})`);
    }
  }
  return { connection, sample, notes };
}

/** The facts of a sample: how many users, with a username, without an email, username lengths. */
function sampleFacts(sample) {
  const users = sample ? sample.users : [];
  const names = users.map((u) => u && u.username).filter((n) => typeof n === 'string' && n !== '');
  const lengths = names.map((n) => [...n].length);
  return {
    size: users.length,
    total: sample ? sample.total : null,
    withUsername: names.length,
    withoutEmail: users.filter((u) => !u || typeof u.email !== 'string' || u.email === '').length,
    lengths,
    shortest: lengths.length ? Math.min(...lengths) : null,
    longest: lengths.length ? Math.max(...lengths) : null,
  };
}

/**
 * The findings: [{name, status: ok|fail|warn|skip, detail, fix?}].
 * @param {{name: string, options: object}} newConn the new tenant's connection as read
 * @param {{connection: object|null, sample: object|null, notes: string[]}} old what readOldSide found
 * @param {string} oldName the old connection's name
 */
function judge(newConn, old, oldName) {
  const out = [];
  const add = (name, status, detail, fix) => out.push({ name, status, detail, ...(fix ? { fix } : {}) });
  const n = newConn.options || {};
  const where = `new tenant > Authentication > Database > ${newConn.name}`;
  const f = sampleFacts(old.sample);
  const o = old.connection ? old.connection.options : null;
  const sampled = old.sample ? `${f.size}${f.total !== null && f.total > f.size ? ` of ${f.total >= 1000 ? '1000+' : f.total}` : ''} sampled old user(s)` : null;

  // How the old side was read.
  const how = o
    ? `the old connection "${oldName}"'s settings${sampled ? ` and ${sampled}` : ''}`
    : sampled
      ? `${sampled} of "${oldName}" (the Migration App reads users only, by design, not the old connection's settings)`
      : null;
  if (!how) {
    add('old users fit the new connection', 'skip', `nothing of the old side could be read: ${old.notes.join('; ')}`);
    return out;
  }
  if (old.sample && f.size === 0 && !o) {
    add('old users fit the new connection', 'skip', `the old connection "${oldName}" has no user to compare`);
    return out;
  }
  add('old side read for the comparison', 'ok', `${how}${old.notes.length ? `; ${old.notes.join('; ')}` : ''}`);

  // 1. Usernames: users who log in with one need a new connection that takes one.
  const oldUses = (o && takesUsernames(o)) || f.withUsername > 0;
  const evidence = [o && takesUsernames(o) ? `the old connection requires usernames` : null, f.withUsername ? `${f.withUsername} of ${f.size} sampled old user(s) have a username` : null]
    .filter(Boolean)
    .join('; ');
  const noEmail = f.withoutEmail ? `; ${f.withoutEmail} sampled old user(s) have no email and can log in with a username only` : '';
  if (oldUses && !takesUsernames(n)) {
    add(
      'usernames: old users can log in with theirs',
      'fail',
      `${evidence}${noEmail}; the new connection "${newConn.name}" does not take usernames (requires_username is off), so they could log in with their email only`,
      `${where}: turn on Requires Username (Management API: options.requires_username = true), before users start to migrate`
    );
  } else if (oldUses) {
    add('usernames: old users can log in with theirs', 'ok', `${evidence}; the new connection takes usernames`);
  } else {
    add('usernames: old users can log in with theirs', 'ok', `no sampled old user has a username${o ? ' and the old connection requires none' : ''}`);
  }

  // 2. Username length: every old username inside the new connection's range.
  if (oldUses) {
    const range = usernameLength(n);
    const oldRange = o && takesUsernames(o) ? usernameLength(o) : null;
    const outside = f.lengths.filter((l) => l < range.min || l > range.max).length;
    const narrower = oldRange && (oldRange.min < range.min || oldRange.max > range.max);
    const need = {
      min: Math.min(range.min, ...(f.shortest !== null ? [f.shortest] : []), ...(oldRange ? [oldRange.min] : [])),
      max: Math.min(MAX_USERNAME_LENGTH, Math.max(range.max, ...(f.longest !== null ? [f.longest] : []), ...(oldRange ? [oldRange.max] : []))),
    };
    const rangeText = `${range.min} to ${range.max}${range.set ? '' : " (Auth0's default)"}`;
    const seen = f.lengths.length ? `sampled usernames are ${f.shortest} to ${f.longest} characters long` : null;
    const oldText = oldRange ? `the old connection allows ${oldRange.min} to ${oldRange.max}` : null;
    const facts = [seen, oldText].filter(Boolean).join('; ');
    if (outside || narrower) {
      add(
        'username length: old usernames fit',
        'fail',
        `${facts}${outside ? ` (${outside} sampled outside the new range)` : ''}; the new connection "${newConn.name}" allows ${rangeText}`,
        `${where}: set Username Length to min ${need.min}, max ${need.max} (Management API: ${range.path}; at most ${MAX_USERNAME_LENGTH})`
      );
    } else {
      add('username length: old usernames fit', 'ok', `${facts || 'no username sampled'}; the new connection allows ${rangeText}`);
    }
  }

  // 3. The password policy: not a reason for a failure (see the header), but said, with the difference.
  const newPolicy = passwordPolicy(n);
  const oldPolicy = o ? passwordPolicy(o) : null;
  add(
    'password policy does not keep old users out',
    'ok',
    `new connection: ${newPolicy}${oldPolicy && oldPolicy !== newPolicy ? ` (old: ${oldPolicy})` : ''}. Auth0 applies it when a password is set (sign-up, change, reset); a migrating login stores the password the old tenant accepted, so nothing to change (users meet the new policy at their next password change)`
  );

  // 4. With the old connection's settings: sign-up and brute-force protection as before, or said.
  if (o) {
    for (const [key, label, fix] of [
      ['disable_signup', 'sign-ups as on the old connection', `${where}: Disable Sign Ups (Management API: options.disable_signup)`],
      ['brute_force_protection', 'brute-force protection as on the old connection', `Management API: PATCH the new connection's options.brute_force_protection`],
    ]) {
      const was = o[key] === true;
      const is = n[key] === true;
      if (was !== is) add(label, 'warn', `${key} is ${is} on the new connection, ${was} on the old one`, `if that is not intended: ${fix} = ${was}`);
    }
  }
  return out;
}

module.exports = { readOldSide, judge, takesUsernames, usernameLength, passwordPolicy, sampleFacts, SAMPLE_SIZE, CONNECTION_NAME };
