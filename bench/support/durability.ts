/**
 * What every bench prints about the PostgreSQL it measures, and the settings it insists on:
 * with fsync or synchronous_commit off, a figure would measure a database that can lose
 * acknowledged commits.
 */
import pg from 'pg';

export interface ServerFacts {
  version: string;
  fsync: string;
  synchronousCommit: string;
  walSyncMethod: string;
  fullPageWrites: string;
}

export async function serverFacts(url: string): Promise<ServerFacts> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const show = async (setting: string): Promise<string> =>
      (await c.query<Record<string, string>>(`SHOW ${setting}`)).rows[0]![setting]!;
    return {
      version: await show('server_version'),
      fsync: await show('fsync'),
      synchronousCommit: await show('synchronous_commit'),
      walSyncMethod: await show('wal_sync_method'),
      fullPageWrites: await show('full_page_writes'),
    };
  } finally {
    await c.end();
  }
}

export function reportServer(
  label: string,
  facts: ServerFacts,
  log: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): void {
  log(
    `${label}: PostgreSQL ${facts.version}; fsync=${facts.fsync} synchronous_commit=${facts.synchronousCommit} wal_sync_method=${facts.walSyncMethod} full_page_writes=${facts.fullPageWrites}`,
  );
  // Anything else would measure a ledger that can lose acknowledged transfers.
  if (facts.fsync !== 'on' || facts.synchronousCommit !== 'on') {
    throw new Error(`${label}: durable settings required (fsync and synchronous_commit on)`);
  }
}
