import pg from 'pg';
import type { Config } from '../config.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { createPool, type Db } from './pool.ts';

export interface OpenDatabase {
  db: Db;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * DATABASE_URL if set; otherwise Hebao's embedded PostgreSQL under the data dir, started here
 * unless another Hebao process (the server, when this is the CLI) already runs it.
 */
export async function openDatabase(
  config: Config,
  log: (line: string) => void,
): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    const db = createPool(config.databaseUrl, config.dbPoolSize);
    return { db, url: config.databaseUrl, embedded: false, close: () => db.end() };
  }
  const sharedUrl = `postgres://hebao:hebao@127.0.0.1:${config.embeddedPgPort}/hebao`;
  if (await reachable(sharedUrl)) {
    const db = createPool(sharedUrl, config.dbPoolSize);
    return { db, url: sharedUrl, embedded: true, close: () => db.end() };
  }
  const embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log);
  const db = createPool(embedded.url, config.dbPoolSize);
  return {
    db,
    url: embedded.url,
    embedded: true,
    close: async () => {
      await db.end();
      await embedded.stop();
    },
  };
}
