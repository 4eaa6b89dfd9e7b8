'use strict';
/**
 * The users-imports request body (multipart/form-data), built into one Buffer.
 *
 * Why by hand: the SDK wraps the file in a Blob inside a FormData, copies Node keeps outside V8's heap
 * and gives back only when a collection happens to run. The bulk tail sends a 500 KB file every few
 * seconds for hours (on the fake tenants, every few milliseconds): those copies were the growth of its
 * peak RSS from 100k to 1M users (bench-tail). One allocation per file, sized exactly, is the least
 * this body can cost: fetch copies it once more and both are collected as plain Buffers.
 */

const crypto = require('node:crypto');

/**
 * `fields` as text parts and `file` as the `users` part: `{body: Buffer, contentType}`.
 * @param {Record<string, string|boolean>} fields
 * @param {{name: string, text: string}} file the file's name and its JSON text
 */
function multipart(fields, file) {
  const boundary = `----alm${crypto.randomBytes(12).toString('hex')}`;
  let head = '';
  for (const [name, value] of Object.entries(fields)) head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  head += `--${boundary}\r\nContent-Disposition: form-data; name="users"; filename="${file.name}"\r\nContent-Type: application/json\r\n\r\n`;
  const tail = `\r\n--${boundary}--\r\n`;
  const headBytes = Buffer.byteLength(head);
  const fileBytes = Buffer.byteLength(file.text);
  const body = Buffer.allocUnsafe(headBytes + fileBytes + Buffer.byteLength(tail));
  body.write(head, 0, 'utf8');
  body.write(file.text, headBytes, 'utf8');
  body.write(tail, headBytes + fileBytes, 'utf8');
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

module.exports = { multipart };
