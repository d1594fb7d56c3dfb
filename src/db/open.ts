import type { Config } from '../config.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { createPool, type Db } from './pool.ts';

export interface OpenDatabase {
  db: Db;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * DATABASE_URL if set; otherwise the embedded PostgreSQL of the data dir: started here, adopted
 * if a crashed Hebao left it running, or shared with the Hebao process that runs it (the
 * server, when this is the CLI). Never a server that serves another data directory.
 */
export async function openDatabase(
  config: Config,
  log: (line: string) => void,
  options: { supervise?: boolean } = {},
): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    const db = createPool(config.databaseUrl, config.dbPoolSize);
    return { db, url: config.databaseUrl, embedded: false, close: () => db.end() };
  }
  const embedded = await startEmbeddedPostgres(config.dataDir, config.embeddedPgPort, log, {
    supervise: options.supervise ?? false,
  });
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
