/** A migrated database of its own, for a test whose ledger state must not meet other tests'. */
import pg from 'pg';
import { migrate } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';
import { testDatabaseUrl } from './db.ts';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates and migrates a new database on the test server; `drop` removes it. */
export async function scratchDatabase(name: string): Promise<ScratchDatabase> {
  const server = new URL(testDatabaseUrl());
  const dbName = `${server.pathname.slice(1)}_${name}_${Math.random().toString(36).slice(2, 8)}`;
  server.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(dbName)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${dbName}`;
  const pool = createPool(url.toString(), 1);
  try {
    await migrate(pool);
  } finally {
    await pool.end();
  }
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: server.toString() });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(dbName)} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
