/**
 * The process that test/ledger/crash.test.ts kills. It streams transfers through a Ledger from
 * many concurrent callers and writes `ack <id>` on stdout the moment a transfer's promise
 * resolves ok: from then on the transfer must survive any crash.
 *
 * Environment:
 *   CRASH_ACCOUNT_PREFIX  account codes to use (created here)
 *   CRASH_DATABASE_URL    an existing database, migrated; or, instead,
 *   CRASH_EMBEDDED_DIR and CRASH_EMBEDDED_PORT: start the embedded PostgreSQL there and migrate it
 *   CRASH_CALLERS         concurrent callers (default 32)
 */
import { writeSync } from 'node:fs';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';
import { Ledger } from '../../src/modules/ledger/ledger.ts';
import {
  type Account,
  AccountFlags,
  type TransferId,
  type TransferRequest,
} from '../../src/modules/ledger/types.ts';
import { systemClock } from '../../src/platform/clock.ts';
import { newId } from '../../src/platform/ids.ts';

// A synchronous write: once it returns, the line is in the pipe even if this process dies next.
const say = (line: string): void => {
  writeSync(1, `${line}\n`);
};
const log = (line: string): void => {
  writeSync(2, `${line}\n`);
};

const prefix = process.env.CRASH_ACCOUNT_PREFIX ?? 'crash';
const callers = Number(process.env.CRASH_CALLERS ?? 32);
// If the test that should kill this process died first, do not stream forever.
const deadline = Date.now() + 60_000;

let url = process.env.CRASH_DATABASE_URL;
let stopEmbedded: (() => Promise<void>) | undefined;
if (!url) {
  const dir = process.env.CRASH_EMBEDDED_DIR;
  const port = Number(process.env.CRASH_EMBEDDED_PORT);
  if (!dir || !port) throw new Error('set CRASH_DATABASE_URL or CRASH_EMBEDDED_DIR and _PORT');
  // In this process's group: the test kills the group and expects the database to die with it.
  const embedded = await startEmbeddedPostgres(dir, port, (line) => log(`[pg] ${line}`), {
    detached: false,
  });
  url = embedded.url;
  stopEmbedded = embedded.stop;
}

const db = createPool(url, 8);
if (stopEmbedded) await migrate(db);
const ledger = new Ledger(db, systemClock, {
  maxBatchTransfers: 4000,
  maxInFlightBatches: 2,
  expirySweepMs: 60_000,
});

const bank = await ledger.ensureAccount({
  code: `${prefix}:bank`,
  currency: 'CNY',
  flags: AccountFlags.none,
});
const wallets: Account[] = [];
for (let i = 0; i < 20; i++) {
  wallets.push(
    await ledger.ensureAccount({
      code: `${prefix}:wallet${i}`,
      currency: 'CNY',
      flags: AccountFlags.debitsMustNotExceedCredits,
    }),
  );
}
say(`ready ${bank.id}`);

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const move = (debit: Account, credit: Account, mode: 'single' | 'pending' = 'single') =>
  ({
    id: newId() as TransferId,
    mode,
    debitAccountId: debit.id,
    creditAccountId: credit.id,
    amount: BigInt(1 + Math.floor(Math.random() * 100)),
    kind: 'test.crash',
  }) satisfies TransferRequest;

async function send(requests: TransferRequest[]): Promise<boolean[]> {
  const results = await ledger.createTransfers(requests);
  return results.map((r, i) => {
    if (r.ok && !r.replayed) say(`ack ${requests[i]!.id}`);
    return r.ok;
  });
}

async function caller(): Promise<void> {
  while (Date.now() < deadline) {
    const r = Math.random();
    const wallet = pick(wallets);
    let other = pick(wallets);
    while (other === wallet) other = pick(wallets);
    if (r < 0.5) {
      await send([move(bank, wallet)]);
    } else if (r < 0.75) {
      // May be refused for want of funds; only what succeeds is acknowledged.
      await send([move(wallet, other)]);
    } else if (r < 0.9) {
      await send([{ ...move(bank, wallet), linked: true }, move(wallet, other)]);
    } else {
      const pending = move(bank, wallet, 'pending');
      const [opened] = await send([pending]);
      if (opened) {
        await send([
          {
            id: newId() as TransferId,
            mode: Math.random() < 0.5 ? 'post' : 'void',
            pendingId: pending.id,
            kind: 'test.crash',
          },
        ]);
      }
    }
  }
}

try {
  await Promise.all(Array.from({ length: callers }, caller));
} finally {
  await db.end();
  await stopEmbedded?.();
}
