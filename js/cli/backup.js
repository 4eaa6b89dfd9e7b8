'use strict';
/**
 * A local copy of the new tenant's connection as it was read, written before every PATCH (deploy,
 * deploy --force, deploy --restore, retire --deploy), so that a replaced hand-written script or a
 * changed option can be put back with `deploy --restore FILE`.
 *
 * `options.configuration` keeps its key names only: Auth0 returns the values encrypted, so they could
 * not be restored anyway, and a copy of ciphertexts (or, on another plan, of clear secrets) in a file
 * is a liability. The file is 0600 in a 0700 folder all the same: a hand-written script may hold
 * anything.
 */

const fs = require('node:fs');
const path = require('node:path');
const { UsageError, UpstreamError } = require('./errors');

const FORMAT = 'auth0-lazy-migrate connection backup';
const DEFAULT_DIR = 'alm-backups';

/** The option deploy and retire take (also in the environment as ALM_BACKUP_DIR). */
const BACKUP_OPTIONS = {
  'backup-dir': { type: 'string', arg: 'DIR', env: 'ALM_BACKUP_DIR', help: `where the connection is saved before it is changed (default ./${DEFAULT_DIR})` },
};

function backupDir(ctx) {
  const d = ctx.values['backup-dir'] || ctx.env.ALM_BACKUP_DIR;
  return path.resolve(d || DEFAULT_DIR);
}

/** The backup document: the connection as read, configuration values removed. */
function backupOf(conn, domain, savedAt) {
  const options = structuredClone(conn.options || {});
  if (options.configuration && typeof options.configuration === 'object') {
    options.configuration = Object.fromEntries(Object.keys(options.configuration).map((k) => [k, null]));
  }
  return {
    format: FORMAT,
    version: 1,
    savedAt,
    domain,
    connection: {
      id: conn.id,
      name: conn.name,
      strategy: conn.strategy,
      ...(conn.metadata && typeof conn.metadata === 'object' ? { metadata: conn.metadata } : {}),
    },
    note: 'options.configuration lists the settings keys only: Auth0 returns their values encrypted; `deploy --restore` asks for them again',
    options,
  };
}

/**
 * Writes the backup; returns its path. A failure is an UpstreamError (exit 3) raised before anything
 * was changed: no backup, no PATCH.
 */
function saveBackup(ctx, conn, domain) {
  const dir = backupDir(ctx);
  const savedAt = new Date().toISOString();
  const text = `${JSON.stringify(backupOf(conn, domain, savedAt), null, 2)}\n`;
  const stem = `${String(conn.id).replace(/[^A-Za-z0-9_.-]/g, '_')}-${savedAt.replace(/:/g, '-')}`;
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (let n = 1; ; n++) {
      const file = path.join(dir, `${stem}${n > 1 ? `-${n}` : ''}.json`);
      try {
        fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if (err.code === 'EEXIST' && n < 100) continue;
        throw err;
      }
      fs.chmodSync(file, 0o600);
      return file;
    }
  } catch (err) {
    throw new UpstreamError(`cannot save a backup of the connection in ${dir} (${err.code || err.message}); nothing was changed`, {
      hint: 'give a writable folder with --backup-dir DIR (or ALM_BACKUP_DIR)',
    });
  }
}

/** Reads and checks a backup file for `deploy --restore`. A wrong file is a usage error (exit 2). */
function readBackup(file) {
  let doc;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`--restore ${file}: ${err.code ? `cannot read it (${err.code})` : 'not valid JSON'}`, {
      hint: `give a file deploy wrote in ./${DEFAULT_DIR}/ (or --backup-dir)`,
    });
  }
  const ok =
    doc && doc.format === FORMAT && doc.version === 1 && doc.connection && typeof doc.connection.id === 'string' && doc.options && typeof doc.options === 'object' && !Array.isArray(doc.options);
  if (!ok) {
    throw new UsageError(`--restore ${file} is not a connection backup written by auth0-lazy-migrate`, {
      hint: `give a file deploy wrote in ./${DEFAULT_DIR}/ (or --backup-dir)`,
    });
  }
  return doc;
}

module.exports = { FORMAT, DEFAULT_DIR, BACKUP_OPTIONS, backupDir, backupOf, saveBackup, readBackup };
