'use strict';
/**
 * The Authentication API's `POST /dbconnections/change_password` on the fake tenant, for when it plays
 * the NEW tenant (the operator's `reset-passwords`).
 *
 * Auth0 behaviour copied here (source: https://auth0.com/docs/api/authentication#change-password):
 * - the body names `client_id`, `email` and `connection` (a database connection); no client secret;
 * - the application must exist and the connection must be enabled for it;
 * - the reply is 200 with a plain-text body, whether or not a user has that email (Auth0 does not tell
 *   who exists); a real tenant then emails the user. The fake records every accepted request in
 *   `st.passwordResets` ({email, connection, client_id, known}) instead: `known` says whether the
 *   connection has a user with that email, which is when Auth0 would actually send one.
 * The 400 bodies follow the Authentication API's `{error, error_description}` shape; their exact
 * wording is UNCONFIRMED. 429s come from the fault registry (route name 'change-password').
 */

const SENT_TEXT = "We've just sent you an email to reset your password.";

const bad = (error, description) => ({ status: 400, body: { error, error_description: description } });

/**
 * @param {object} st the fake tenant's state (clients, connections, users, passwordResets)
 * @param {any} body the parsed JSON body, undefined when it was not JSON
 * @returns {{status:number, body:any, headers?:object}}
 */
function handleChangePassword(st, body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return bad('invalid_request', 'Invalid request body: expected JSON');
  for (const k of ['client_id', 'email', 'connection']) {
    if (typeof body[k] !== 'string' || body[k] === '') return bad('invalid_request', `Missing required parameter: ${k}`);
  }
  const client = st.clients.find((c) => c.client_id === body.client_id);
  if (!client) return bad('invalid_request', `Unknown client: ${body.client_id}`);
  const conn = st.connections.find((c) => c.name === body.connection && c.strategy === 'auth0');
  if (!conn) return bad('invalid_request', 'connection not found');
  if (!(conn.enabled_clients || []).includes(client.client_id)) {
    return bad('unauthorized_client', `The connection ${conn.name} is not enabled for client ${client.client_id}`);
  }
  const email = body.email.toLowerCase();
  const known = st.users.some((u) => u.connection === conn.name && u.email === email);
  st.passwordResets.push({ email: body.email, connection: conn.name, client_id: client.client_id, known });
  return { status: 200, body: SENT_TEXT, headers: { 'content-type': 'text/plain; charset=utf-8' } };
}

module.exports = { handleChangePassword, SENT_TEXT };
