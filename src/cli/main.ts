import { parseArgs } from 'node:util';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { BackupError, backup, restore } from '../db/backup.ts';
import { EmbeddedStartError } from '../db/embedded.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase } from '../db/open.ts';
import { systemClock } from '../platform/clock.ts';
import { createServices } from '../services.ts';
import { DEMO_PASSWORD, DEMO_PIN, seedDemo } from './demo.ts';

const USAGE = `hebao — Hebao's operator command line

  hebao migrate                      apply database migrations
  hebao ledger verify                check the ledger's invariants (exit 1 on problems)
  hebao admin create --phone P [--password W] [--nickname N]
                                     make a user an admin (creating it if needed)
  hebao backup DIR                   copy the embedded database (online) and the data dir to DIR
  hebao restore DIR [--force]        put a backup back into the data dir (Hebao stopped);
                                     --force moves an existing data dir aside first
  hebao campaign verify ID           recompute a card campaign from its revealed seed: every
                                     draw, every holding, the pool split (exit 1 on problems)
  hebao demo [--force]               seed a demo world (users, friends, a group, a red
                                     envelope, an IOU, a family link, posts) and print the
                                     logins; does nothing if it is there already, and refuses
                                     a database with other users unless --force

Uses DATABASE_URL, or the embedded PostgreSQL under HEBAO_DATA_DIR (default ./data).`;

async function run(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (!group || group === 'help' || group === '--help') {
    console.log(USAGE);
    return group ? 0 : 2;
  }
  // Restore fills the data dir from the backup, secret included: loading the config must not
  // first create a new secret there (it needs none).
  const config = loadConfig(
    group === 'restore' ? { ...process.env, HEBAO_SECRET: 'restore'.repeat(6) } : process.env,
  );
  if (group === 'backup' || group === 'restore') {
    const { values, positionals } = parseArgs({
      args: argv.slice(1),
      options: { force: { type: 'boolean' } },
      allowPositionals: true,
    });
    if (positionals.length !== 1) {
      console.error(`hebao ${group} needs one directory\n\n${USAGE}`);
      return 2;
    }
    if (group === 'backup') await backup(config, positionals[0]!, console.log);
    else restore(config, positionals[0]!, { force: values.force ?? false }, console.log);
    return 0;
  }
  const database = await openDatabase(config, () => {});
  try {
    if (group === 'migrate') {
      const applied = await migrate(database.db);
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'up to date');
      return 0;
    }
    await migrate(database.db);
    const services = createServices(config, database.db, systemClock);
    if (group === 'ledger' && command === 'verify') {
      const report = await services.ledger.verify();
      console.log(JSON.stringify(report, null, 2));
      return report.ok ? 0 : 1;
    }
    if (group === 'admin' && command === 'create') {
      const { values } = parseArgs({
        args: rest,
        options: {
          phone: { type: 'string' },
          password: { type: 'string' },
          nickname: { type: 'string' },
        },
      });
      if (!values.phone) {
        console.error('--phone is required');
        return 2;
      }
      const outcome = await services.identity.createAdmin(
        values.phone,
        values.password,
        values.nickname,
      );
      console.log(`${values.phone}: ${outcome}`);
      return 0;
    }
    if (group === 'campaign' && command === 'verify') {
      if (!rest[0]) {
        console.error('hebao campaign verify needs a campaign id');
        return 2;
      }
      const report = await services.campaigns.verify(rest[0]);
      console.log(JSON.stringify(report, null, 2));
      return report.ok ? 0 : 1;
    }
    if (group === 'demo') {
      const { values } = parseArgs({
        args: [command, ...rest].filter((a) => a !== undefined),
        options: { force: { type: 'boolean' } },
      });
      const app = await buildApp({ ...config, logLevel: 'warn' }, services);
      try {
        // With phone ownership (a sandbox SMS channel on the services), demo users prove their
        // phones like anyone else; without it, there is nothing to prove.
        const sms = (services as { sms?: { lastCodeTo(phone: string): string | undefined } }).sms;
        const outcome = await seedDemo(app, database.db, {
          force: values.force ?? false,
          ...(sms ? { readSms: (phone: string) => sms.lastCodeTo(phone) } : {}),
        });
        if (outcome.status === 'refused') {
          console.error(
            `this database already has ${outcome.otherUsers} real user(s); the demo world goes into an empty one (or add --force)`,
          );
          return 1;
        }
        console.log(
          outcome.status === 'seeded' ? 'demo world seeded.' : 'demo world already there.',
        );
        console.log(`logins (password ${DEMO_PASSWORD}, payment PIN ${DEMO_PIN}):`);
        for (const l of outcome.logins) console.log(`  ${l.phone}  ${l.nickname}`);
        return 0;
      } finally {
        await app.close();
        await services.ledger.stop();
      }
    }
    console.error(`unknown command: ${argv.join(' ')}\n\n${USAGE}`);
    return 2;
  } finally {
    await database.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    // Operator errors are one line; anything else keeps its stack (and is never `undefined`).
    if (err instanceof BackupError || err instanceof EmbeddedStartError) console.error(err.message);
    else
      console.error(err instanceof Error ? (err.stack ?? err.message) : `failed: ${String(err)}`);
    process.exit(1);
  },
);
