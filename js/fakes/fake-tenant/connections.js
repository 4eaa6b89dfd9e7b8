'use strict';
/**
 * The connection routes of the fake tenant, for when it plays the NEW tenant (the operator's `deploy`,
 * `doctor`, `retire` and `tail` commands): `GET /api/v2/connections?name=`, `GET /api/v2/connections/{id}`
 * and `PATCH /api/v2/connections/{id}`; `POST /api/v2/connections` and `DELETE /api/v2/connections/{id}`
 * for the temporary probe connections of `doctor --live` and `try --remote`.
 *
 * Auth0 behaviour copied here (sources: the Management API reference and the connection-options scope
 * migration notice):
 * - reads need `read:connections`; `options` is only in the reply with `read:connections_options`;
 * - a PATCH needs `update:connections`, and `update:connections_options` when the body has `options`;
 * - a PATCH **replaces the whole `options` object** (what is not sent is gone);
 * - `options.configuration` values come back encrypted, never as sent (the Deploy CLI notes this, and that
 *   sending such a value back stores the ciphertext as the new value). The ciphertext format here is the
 *   fake's own (`fake-encrypted:` + base64): Auth0's is not documented;
 * - unknown top-level properties (`id`, `name`, `strategy`...) are refused with a 400 payload error;
 * - the list answers a bare array, or with `include_totals=true` (the official SDK's way) a page
 *   `{connections, next}` of `take` (default 50) from the checkpoint `from`;
 * - `metadata` is an object of at most 10 string values of at most 255 characters, returned as stored
 *   (a PATCH with `metadata` replaces the whole object, like `options`).
 * The exact 400 wording is UNCONFIRMED.
 */

const crypto = require('node:crypto');
const { authenticate, mgmtError, project } = require('./management');
const { SCRIPT_LIMIT_BYTES } = require('../../auth0-limits');

const ENCRYPTED_PREFIX = 'fake-encrypted:';
const PATCHABLE = new Set(['options', 'enabled_clients', 'display_name', 'metadata', 'is_domain_connection', 'realms', 'show_as_button', 'authentication', 'connected_accounts']);
const SCRIPT_NAMES = new Set(['login', 'get_user', 'create', 'verify', 'change_password', 'delete', 'change_email', 'change_phone_number']);

/** The options a freshly created Auth0 database connection has, before anyone customises it. */
function defaultOptions(conn) {
  return {
    mfa: { active: true, return_enroll_settings: true },
    passwordPolicy: 'good',
    strategy_version: 2,
    requires_username: !!conn.requires_username,
    brute_force_protection: true,
    password_history: { enable: false, size: 5 },
    password_dictionary: { enable: false, dictionary: [] },
    password_no_personal_info: { enable: false },
    password_complexity_options: { min_length: 8 },
  };
}

/** Gives every stored connection an options object (seed connections have none). */
function normaliseConnection(conn) {
  if (!conn.options) conn.options = defaultOptions(conn);
  return conn;
}

function encrypt(st, value) {
  const iv = crypto.randomBytes(12);
  const c = crypto.createCipheriv('aes-256-gcm', st.configKey, iv);
  const body = Buffer.concat([c.update(String(value), 'utf8'), c.final()]);
  return ENCRYPTED_PREFIX + Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

/** The API view of a stored connection. */
function publicConnection(st, conn, withOptions) {
  normaliseConnection(conn);
  const out = {
    id: conn.id,
    options: undefined,
    strategy: conn.strategy,
    name: conn.name,
    is_domain_connection: !!conn.is_domain_connection,
    enabled_clients: (conn.enabled_clients || []).slice(),
    display_name: conn.display_name || conn.name,
    realms: conn.realms || [conn.name],
    ...(conn.metadata ? { metadata: structuredClone(conn.metadata) } : {}),
  };
  if (withOptions) {
    const options = structuredClone(conn.options);
    if (options.configuration && typeof options.configuration === 'object') {
      for (const k of Object.keys(options.configuration)) options.configuration[k] = encrypt(st, options.configuration[k]);
    }
    out.options = options;
  } else delete out.options;
  return out;
}

function payloadError(message) {
  return mgmtError(400, 'Bad Request', `Payload validation error: '${message}'.`, 'invalid_body');
}

function validateOptions(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    return payloadError(`Expected type object but found type ${Array.isArray(options) ? 'array' : typeof options} on property options`);
  }
  const cfg = options.configuration;
  if (cfg !== undefined && cfg !== null) {
    if (typeof cfg !== 'object' || Array.isArray(cfg)) return payloadError('Expected type object on property options.configuration');
    for (const [k, v] of Object.entries(cfg)) {
      if (typeof v !== 'string' && v !== null) return payloadError(`Expected type string but found type ${typeof v} on property options.configuration.${k}`);
    }
  }
  const scripts = options.customScripts;
  if (scripts !== undefined) {
    if (scripts === null || typeof scripts !== 'object' || Array.isArray(scripts)) return payloadError('Expected type object on property options.customScripts');
    for (const [k, v] of Object.entries(scripts)) {
      if (!SCRIPT_NAMES.has(k)) return payloadError(`Additional properties not allowed: ${k} on property options.customScripts`);
      if (typeof v !== 'string') return payloadError(`Expected type string on property options.customScripts.${k}`);
      if (Buffer.byteLength(v, 'utf8') > SCRIPT_LIMIT_BYTES) return payloadError(`String is too long on property options.customScripts.${k}`);
    }
  }
  for (const k of ['enabledDatabaseCustomization', 'import_mode']) {
    if (options[k] !== undefined && typeof options[k] !== 'boolean') return payloadError(`Expected type boolean on property options.${k}`);
  }
  return null;
}

function validateMetadata(metadata) {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return payloadError('Expected type object on property metadata');
  const entries = Object.entries(metadata);
  if (entries.length > 10) return payloadError(`Too many properties defined (${entries.length}), must be less than or equal to 10 on property metadata`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string') return payloadError(`Expected type string but found type ${typeof v} on property metadata.${k}`);
    if (v.length > 255) return payloadError(`String is too long (${v.length} chars), maximum 255 on property metadata.${k}`);
  }
  return null;
}

/**
 * Checkpoint paging, as Auth0 answers `include_totals=true` (what the official SDK sends, with
 * `take=50`): `{connections: [...], next}`, `next` an opaque checkpoint to pass back as `from`, absent on
 * the last page. The checkpoint here is the next connection's id, base64url (Auth0's is opaque too).
 */
function checkpointPage(found, query, shown) {
  const take = query.has('take') ? Number(query.get('take')) : 50;
  const bad = (m) => mgmtError(400, 'Bad Request', `Query validation error: '${m}'.`, 'invalid_query_string');
  if (!Number.isInteger(take) || take < 1 || take > 1000) return bad('take must be an integer from 1 to 1000');
  let start = 0;
  if (query.get('from')) {
    const id = Buffer.from(query.get('from'), 'base64url').toString('utf8');
    start = found.findIndex((c) => c.id === id);
    if (start < 0) return bad('from is not a checkpoint of this list');
  }
  const page = found.slice(start, start + take);
  const body = { connections: shown(page) };
  if (start + take < found.length) body.next = Buffer.from(found[start + take].id, 'utf8').toString('base64url');
  return { status: 200, body };
}

/** Properties a POST may carry (Auth0's create body; `strategy` and `name` are required). */
const CREATABLE = new Set([...PATCHABLE, 'name', 'strategy']);

/**
 * POST /api/v2/connections (scope create:connections): a new connection, answered 201 with it. Auth0
 * refuses a taken name with 409; the wording of that 409 is UNCONFIRMED. Only the `auth0` strategy
 * (database connections) is kept here; the id is the fake's own shape (`con_` + 16 characters).
 */
function createConnection(st, headers, body) {
  const auth = authenticate(st, headers, 'create:connections');
  if (auth.error) return auth.error;
  if (body === undefined) return mgmtError(400, 'Bad Request', 'Invalid request payload JSON format', 'invalid_body');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return payloadError(`Expected type object but found type ${typeof body}`);
  for (const k of Object.keys(body)) if (!CREATABLE.has(k)) return payloadError(`Additional properties not allowed: ${k}`);
  for (const k of ['name', 'strategy']) if (typeof body[k] !== 'string' || body[k] === '') return payloadError(`Missing required property: ${k}`);
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(body.name) || body.name.length > 128) return payloadError(`String does not match pattern on property name`);
  if (body.strategy !== 'auth0') return payloadError(`the fake tenant creates only strategy auth0 (got ${body.strategy})`);
  if (body.options !== undefined) {
    const bad = validateOptions(body.options);
    if (bad) return bad;
  }
  if (body.metadata !== undefined) {
    const bad = validateMetadata(body.metadata);
    if (bad) return bad;
  }
  if (body.enabled_clients !== undefined && (!Array.isArray(body.enabled_clients) || body.enabled_clients.some((c) => typeof c !== 'string'))) {
    return payloadError('Expected type array of strings on property enabled_clients');
  }
  if (st.connections.some((c) => c.name === body.name)) return mgmtError(409, 'Conflict', 'A connection with the same name already exists', 'connection_conflict');
  const conn = { id: `con_${crypto.randomBytes(12).toString('base64url').slice(0, 16)}`, ...structuredClone(body), enabled_clients: body.enabled_clients ? body.enabled_clients.slice() : [] };
  if (conn.options) conn.options = { ...defaultOptions(conn), ...conn.options };
  normaliseConnection(conn);
  st.connections.push(conn);
  return { status: 201, body: publicConnection(st, conn, true) };
}

/**
 * DELETE /api/v2/connections/{id} (scope delete:connections): Auth0 answers 202 and deletes the
 * connection and its users in the background; here both go at once (a test never sees it half-deleted).
 */
function deleteConnection(st, headers, connectionId) {
  const auth = authenticate(st, headers, 'delete:connections');
  if (auth.error) return auth.error;
  const i = st.connections.findIndex((c) => c.id === connectionId);
  if (i < 0) return mgmtError(404, 'Not Found', 'The connection does not exist', 'inexistent_connection');
  const [conn] = st.connections.splice(i, 1);
  for (let j = st.users.length - 1; j >= 0; j--) if (st.users[j].connection === conn.name) st.users.splice(j, 1);
  return { status: 202, body: { deleted_at: new Date(st.nowSec() * 1000).toISOString() } };
}

/**
 * @param {string} route 'connections' | 'connection' | 'connection-update' | 'connection-create' | 'connection-delete'
 * @param {{headers, query: URLSearchParams, connectionId?: string, body?: any}} req
 */
function handleConnections(st, route, { headers, query, connectionId, body }) {
  if (route === 'connection-create') return createConnection(st, headers, body);
  if (route === 'connection-delete') return deleteConnection(st, headers, connectionId);
  if (route === 'connections' || route === 'connection') {
    const auth = authenticate(st, headers, 'read:connections');
    if (auth.error) return auth.error;
    const withOptions = auth.scopes.includes('read:connections_options');
    if (route === 'connections') {
      const name = query.get('name');
      const strategies = query.getAll('strategy');
      const found = st.connections.filter((c) => (name === null || c.name === name) && (strategies.length === 0 || strategies.includes(c.strategy)));
      const shown = (list) => list.map((c) => project(publicConnection(st, c, withOptions), query));
      if (query.get('include_totals') !== 'true') return { status: 200, body: shown(found) };
      return checkpointPage(found, query, shown);
    }
    const conn = st.connections.find((c) => c.id === connectionId);
    if (!conn) return mgmtError(404, 'Not Found', 'The connection does not exist', 'inexistent_connection');
    return { status: 200, body: project(publicConnection(st, conn, withOptions), query) };
  }

  // PATCH
  const auth = authenticate(st, headers, 'update:connections');
  if (auth.error) return auth.error;
  if (body === undefined) return mgmtError(400, 'Bad Request', 'Invalid request payload JSON format', 'invalid_body');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return payloadError(`Expected type object but found type ${typeof body}`);
  for (const k of Object.keys(body)) if (!PATCHABLE.has(k)) return payloadError(`Additional properties not allowed: ${k}`);
  const conn = st.connections.find((c) => c.id === connectionId);
  if (!conn) return mgmtError(404, 'Not Found', 'The connection does not exist', 'inexistent_connection');
  if (body.options !== undefined) {
    if (!auth.scopes.includes('update:connections_options')) {
      return mgmtError(403, 'Forbidden', 'Insufficient scope, expected any of: update:connections_options', 'insufficient_scope');
    }
    const bad = validateOptions(body.options);
    if (bad) return bad;
  }
  if (body.metadata !== undefined) {
    const bad = validateMetadata(body.metadata);
    if (bad) return bad;
  }
  for (const [k, v] of Object.entries(body)) {
    // The whole object is replaced, as Auth0 does: what the caller did not send is gone.
    conn[k] = structuredClone(v);
  }
  if (conn.options === null) conn.options = {};
  st.connectionPatches += 1;
  return { status: 200, body: publicConnection(st, conn, auth.scopes.includes('read:connections_options')) };
}

module.exports = { handleConnections, normaliseConnection, publicConnection, ENCRYPTED_PREFIX };
