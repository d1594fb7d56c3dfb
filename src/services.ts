/** The composition root: builds every module's service once, from config, database and clock. */
import type { Config } from './config.ts';
import type { Db } from './db/pool.ts';
import { IdentityService } from './modules/identity/index.ts';
import { Ledger } from './modules/ledger/index.ts';
import { NotificationService } from './modules/notifications/index.ts';
import { SocialGraph } from './modules/social/graph.ts';
import { SandboxBankChannel, WalletService } from './modules/wallet/index.ts';
import type { Clock } from './platform/clock.ts';
import { IdempotencyStore } from './platform/idempotency.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';

export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  metrics: Metrics;
  ledger: Ledger;
  identity: IdentityService;
  graph: SocialGraph;
  notifications: NotificationService;
  idempotency: IdempotencyStore;
  bank: SandboxBankChannel;
  wallet: WalletService;
}

export function createServices(config: Config, db: Db, clock: Clock): Services {
  const metrics = createMetrics();
  const ledger = new Ledger(db, clock, config.ledger, metrics);
  const identity = new IdentityService(db, clock, {
    secret: config.secret,
    adminPhones: config.adminPhones,
    sessionDays: 30,
    pinMaxTries: 5,
    pinLockMinutes: 180,
  });
  const graph = new SocialGraph(db);
  const notifications = new NotificationService(db, clock, config.databaseUrl);
  const bank = new SandboxBankChannel(clock);
  const wallet = new WalletService(
    db,
    clock,
    ledger,
    identity,
    graph,
    bank,
    notifications,
    config.wallet,
  );
  return {
    config,
    db,
    clock,
    metrics,
    ledger,
    identity,
    graph,
    notifications,
    idempotency: new IdempotencyStore(db),
    bank,
    wallet,
  };
}

/** Background work every instance runs; all of it is safe to run in several processes at once. */
export function startBackgroundJobs(
  s: Services,
  onError: (err: unknown) => void,
): () => Promise<void> {
  s.ledger.startExpirySweeper(onError);
  void s.notifications.startListening(onError).catch(onError);
  const timers = [
    setInterval(() => s.wallet.settlePendingWithdrawals().catch(onError), 2_000),
    setInterval(() => s.idempotency.purgeOlderThan(48, s.clock.now()).catch(onError), 3_600_000),
  ];
  for (const t of timers) t.unref();
  return async () => {
    for (const t of timers) clearInterval(t);
    await s.ledger.stop();
    await s.notifications.stop();
  };
}
