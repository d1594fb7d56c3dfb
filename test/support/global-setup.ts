import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * Tests run against a real PostgreSQL: the machine's (127.0.0.1:5432, user postgres) unless
 * TEST_PG_URL names another server. Each run gets a fresh database, dropped at the end.
 */
export default async function setup(project: TestProject) {
  // Once, before any worker starts: browser test files in parallel workers would otherwise
  // build web/dist at the same moment, and a server started mid-build serves no app.
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'ensure-web-build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const serverUrl = process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (err) {
    throw new Error(
      `Tests need PostgreSQL at ${serverUrl.replace(/:[^:@/]*@/, ':***@')} (set TEST_PG_URL to use another): ${(err as Error).message}`,
    );
  }
  const name = `hebao_test_${Date.now()}_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const pool = createPool(databaseUrl, 2);
  await migrate(pool);
  await pool.end();
  project.provide('databaseUrl', databaseUrl);
  return async () => {
    if (process.env.HEBAO_KEEP_TEST_DB) return;
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  };
}
