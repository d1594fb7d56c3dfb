import { inject } from 'vitest';
import { createPool, type Db } from '../../src/db/pool.ts';

export function testDatabaseUrl(): string {
  return inject('databaseUrl');
}

export function testPool(max = 10): Db {
  return createPool(testDatabaseUrl(), max);
}

/** A prefix that keeps one test's account codes apart from every other test's. */
export function uniquePrefix(name: string): string {
  return `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.${name}`;
}
