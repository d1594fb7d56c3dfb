import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { EmbeddedStartError } from './db/embedded.ts';
import { migrate } from './db/migrate.ts';
import { type OpenDatabase, openDatabase } from './db/open.ts';
import { systemClock } from './platform/clock.ts';
import { logStream } from './platform/logging.ts';
import { createServices, startBackgroundJobs } from './services.ts';

async function main() {
  const config = loadConfig();
  let app: FastifyInstance | undefined;
  let database: OpenDatabase | undefined;
  let stopJobs: (() => Promise<void>) | undefined;

  // Registered first: a signal once the database is up stops it even if startup is not done
  // (one that comes while it is starting leaves it running, to be adopted by the next start).
  // Order: stop accepting, let in-flight requests finish (bounded), flush the ledger and stop
  // background work, then stop the database this process started.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const log = (msg: string, extra: object = {}) =>
      app ? app.log.info({ signal, ...extra }, msg) : console.error(msg);
    log('shutting down');
    let code = 0;
    try {
      if (app) {
        const server = app.server;
        const force = setTimeout(() => {
          app?.log.warn('shutdown grace period over: closing the remaining connections');
          server.closeAllConnections();
        }, config.shutdownGraceMs);
        // A keep-alive connection whose request finishes after close() began stays open
        // until its client hangs up: close each as soon as it is idle.
        const idle = setInterval(() => server.closeIdleConnections(), 100);
        await app.close();
        clearTimeout(force);
        clearInterval(idle);
      }
      await stopJobs?.();
      await database?.close();
      log('stopped');
    } catch (err) {
      console.error('shutdown failed:', err);
      code = 1;
    } finally {
      process.exit(code);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  // The terminal closed: stop as cleanly (the default would leave the database running).
  process.on('SIGHUP', () => void shutdown('SIGHUP'));

  database = await openDatabase(
    config,
    (line) => {
      if (line && process.env.HEBAO_PG_LOG) console.error(`[postgres] ${line}`);
      else if (line.startsWith('hebao: ')) console.error(`[embedded] ${line.slice(7)}`);
    },
    { supervise: true },
  );
  try {
    await serve();
  } catch (err) {
    // The embedded database this process started must not outlive a failed start.
    await database.close().catch(() => {});
    throw err;
  }

  async function serve() {
    if (!database) return;
    const applied = await migrate(database.db);
    const services = createServices(config, database.db, systemClock, {
      databaseUrl: database.url,
    });
    await services.identity.promoteConfiguredAdmins();
    app = await buildApp(config, services, { logStream: logStream() });
    app.log.info(
      {
        database: database.embedded ? `embedded (${config.dataDir}/pg)` : 'external',
        migrations: applied,
      },
      'database ready',
    );
    stopJobs = startBackgroundJobs(services, (err) =>
      app?.log.error({ err }, 'background job failed'),
    );
    await app.listen({ port: config.port, host: config.host });
  }
}

main().catch((err) => {
  if (err instanceof ConfigError) console.error(`configuration error: ${err.message}`);
  else if (err instanceof EmbeddedStartError) console.error(`embedded PostgreSQL: ${err.message}`);
  else if (err instanceof Error) console.error(err.stack ?? err.message);
  else console.error('startup failed:', err);
  process.exit(1);
});
