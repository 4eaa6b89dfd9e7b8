'use strict';
/**
 * The records of a gzipped NDJSON export file, one at a time, never the whole file in memory.
 *
 * Why: Auth0 exports run to gigabytes. Reading one into a Buffer and then a string failed past about
 * 0.88 M users (Node refuses strings over 512 MiB) and reported it as "not gzip data"
 * (docs/large-tenants-measured.md). Here the file is read through zlib's gunzip stream and split on
 * newlines; only the current chunk and one partial line are held. A line longer than MAX_LINE_CHARS
 * (no Auth0 user record comes near it) is refused rather than buffered without end.
 */

const fs = require('node:fs');
const zlib = require('node:zlib');
const { pipeline } = require('node:stream');
const { StringDecoder } = require('node:string_decoder');
const { UpstreamError } = require('../errors');

const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** The lines of a gzipped file (without their newline), as an async iterator. */
async function* gzipLines(file, { label }) {
  const gunzip = zlib.createGunzip();
  pipeline(fs.createReadStream(file), gunzip, () => {});
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const buf of gunzip) {
      const parts = (rest + decoder.write(buf)).split('\n');
      rest = parts.pop();
      if (rest.length > MAX_LINE_CHARS) throw new UpstreamError(`${label}: the export file has a line longer than ${MAX_LINE_CHARS} characters`);
      for (const line of parts) yield line;
    }
  } catch (err) {
    gunzip.destroy();
    if (err instanceof UpstreamError) throw err;
    if (err.code === 'Z_BUF_ERROR' || /unexpected end/i.test(err.message)) throw new UpstreamError(`${label}: the export file is cut short (its gzip data ends early)`);
    if (typeof err.code === 'string' && err.code.startsWith('Z_')) throw new UpstreamError(`${label}: the export file is not gzip data`);
    throw err;
  }
  rest += decoder.end();
  if (rest) yield rest;
}

/** The JSON records of a gzipped NDJSON file; blank lines skipped, a line that is not JSON refused. */
async function* gzipRecords(file, { label }) {
  let n = 0;
  for await (const line of gzipLines(file, { label })) {
    n += 1;
    if (!line.trim()) continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      throw new UpstreamError(`${label}: the export file has a line that is not JSON (line ${n})`);
    }
    yield rec;
  }
}

/** The lines of a plain text file, streamed (the join's bucket files, the record file). */
async function* fileLines(file) {
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const buf of fs.createReadStream(file)) {
    const parts = (rest + decoder.write(buf)).split('\n');
    rest = parts.pop();
    for (const line of parts) yield line;
  }
  rest += decoder.end();
  if (rest) yield rest;
}

module.exports = { gzipLines, gzipRecords, fileLines, MAX_LINE_CHARS };
