import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { openDatabase } from '../db/open.ts';
import { systemClock } from '../platform/clock.ts';
import { createServices } from '../services.ts';

const USAGE = `hebao — Hebao's operator command line

  hebao migrate                      apply database migrations
  hebao ledger verify                check the ledger's invariants (exit 1 on problems)
  hebao admin create --phone P [--password W] [--nickname N]
                                     make a user an admin (creating it if needed)

Uses DATABASE_URL, or the embedded PostgreSQL under HEBAO_DATA_DIR (default ./data).`;

async function run(argv: string[]): Promise<number> {
  const [group, command, ...rest] = argv;
  if (!group || group === 'help' || group === '--help') {
    console.log(USAGE);
    return group ? 0 : 2;
  }
  const config = loadConfig();
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
    console.error(`unknown command: ${argv.join(' ')}\n\n${USAGE}`);
    return 2;
  } finally {
    await database.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error((err as Error).message);
    process.exit(1);
  },
);
