import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { migrate } from './db/migrate.ts';
import { openDatabase } from './db/open.ts';
import { systemClock } from './platform/clock.ts';
import { logStream } from './platform/logging.ts';
import { createServices, startBackgroundJobs } from './services.ts';

async function main() {
  const config = loadConfig();
  const database = await openDatabase(config, (line) => {
    if (line && process.env.HEBAO_PG_LOG) console.error(`[postgres] ${line}`);
  });
  const applied = await migrate(database.db);
  const services = createServices(config, database.db, systemClock);
  await services.identity.promoteConfiguredAdmins();
  const app = await buildApp(config, services, { logStream: logStream() });
  app.log.info(
    {
      database: database.embedded ? `embedded (${config.dataDir}/pg)` : 'external',
      migrations: applied,
    },
    'database ready',
  );
  const stopJobs = startBackgroundJobs(services, (err) =>
    app.log.error({ err }, 'background job failed'),
  );

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    try {
      await app.close();
      await stopJobs();
      await database.close();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(`configuration error: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
