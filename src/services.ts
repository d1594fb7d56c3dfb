/** The composition root: builds every module's service once, from config, database and clock. */
import type { Config } from './config.ts';
import type { Db } from './db/pool.ts';
import { FamilyService } from './modules/family/index.ts';
import {
  CollectionService,
  ExpenseService,
  GroupFundService,
  GroupsService,
} from './modules/groups/index.ts';
import { IdentityService } from './modules/identity/index.ts';
import { IouService } from './modules/ious/index.ts';
import { Ledger } from './modules/ledger/index.ts';
import { ModerationService } from './modules/moderation/index.ts';
import { NotificationService } from './modules/notifications/index.ts';
import { RedPacketService } from './modules/redpackets/index.ts';
import { SocialGraph } from './modules/social/graph.ts';
import { createSocialServices, type SocialServices } from './modules/social/index.ts';
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
  social: SocialServices;
  notifications: NotificationService;
  moderation: ModerationService;
  idempotency: IdempotencyStore;
  bank: SandboxBankChannel;
  wallet: WalletService;
  groups: GroupsService;
  groupFund: GroupFundService;
  collections: CollectionService;
  expenses: ExpenseService;
  redPackets: RedPacketService;
  ious: IouService;
  family: FamilyService;
}

export function createServices(config: Config, db: Db, clock: Clock): Services {
  const metrics = createMetrics();
  const ledger = new Ledger(db, clock, config.ledger, metrics);
  const moderation = new ModerationService(db, clock, config.dataDir);
  const identity = new IdentityService(db, clock, {
    secret: config.secret,
    adminPhones: config.adminPhones,
    sessionDays: 30,
    pinMaxTries: 5,
    pinLockMinutes: 180,
    screenNickname: async (nickname) => {
      await moderation.checkOrRefuse(nickname, 'nickname');
    },
  });
  const graph = new SocialGraph(db);
  const notifications = new NotificationService(db, clock, config.databaseUrl);
  const social = createSocialServices(db, clock, {
    graph,
    identity,
    notifications,
    moderate: (text, context, userId) => moderation.check(text, context, userId),
    secret: config.secret,
    dataDir: config.dataDir,
  });
  const bank = new SandboxBankChannel(clock);
  // A refused note is 422 content_rejected; one held for review is stored but not shown around.
  const screenNote = async (note: string, userId: string) => {
    const verdict = await moderation.checkOrRefuse(note, 'note', userId);
    return verdict.action === 'review' ? ('review' as const) : ('allow' as const);
  };
  const wallet = new WalletService(
    db,
    clock,
    ledger,
    identity,
    graph,
    bank,
    notifications,
    config.wallet,
    {
      screenNote,
      defaultVisibility: (userId) => social.privacy.defaultPaymentVisibility(userId),
      recordPayment: (payment) => social.feed.recordPayment(payment),
    },
  );
  const groups = new GroupsService({
    db,
    clock,
    identity,
    graph,
    notifications,
    config: config.groups,
    screenName: async (name, userId) => {
      await moderation.checkOrRefuse(name, 'nickname', userId);
    },
  });
  const groupMoney = {
    db,
    clock,
    ledger,
    identity,
    groups,
    wallet,
    notifications,
    graph,
    limits: {
      perTransfer: config.wallet.verified.perTransfer,
      daily: config.wallet.verified.daily,
      timeZone: config.wallet.timeZone,
      reminderMinutes: config.groups.collectionReminderMinutes,
    },
    screenNote,
  };
  const groupFund = new GroupFundService(groupMoney);
  const collections = new CollectionService(groupMoney);
  const expenses = new ExpenseService({ ...groupMoney, config: config.expenses });
  const redPackets = new RedPacketService({
    db,
    clock,
    ledger,
    identity,
    graph,
    groups,
    wallet,
    notifications,
    config: config.redPackets,
    timeZone: config.wallet.timeZone,
    screenGreeting: async (greeting, senderId) => {
      const verdict = await moderation.check(greeting, 'greeting', senderId);
      return verdict.action === 'reject'
        ? {
            allowed: false,
            reason: 'this greeting was refused by moderation',
            categories: verdict.categories,
          }
        : { allowed: true, held: verdict.action === 'review' };
    },
  });
  const ious = new IouService({
    db,
    clock,
    ledger,
    identity,
    graph,
    wallet,
    notifications,
    config: config.ious,
    dailyLimit: config.wallet.verified.daily,
    walletTimeZone: config.wallet.timeZone,
    // Screened like a transfer note: refused → 422 content_rejected; held for review → kept.
    screenPurpose: async (purpose, borrowerId) => {
      await moderation.checkOrRefuse(purpose, 'note', borrowerId);
    },
  });
  return {
    config,
    db,
    clock,
    metrics,
    ledger,
    identity,
    graph,
    social,
    notifications,
    moderation,
    idempotency: new IdempotencyStore(db),
    bank,
    wallet,
    groups,
    groupFund,
    collections,
    expenses,
    redPackets,
    ious,
    family: new FamilyService({
      db,
      clock,
      ledger,
      identity,
      graph,
      wallet,
      notifications,
      config: config.family,
    }),
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
    // Top-ups charged but never credited (a crash in between): credited or closed, once.
    setInterval(() => s.wallet.reconcileTopups().catch(onError), 30_000),
    setInterval(() => s.idempotency.purgeOlderThan(48, s.clock.now()).catch(onError), 3_600_000),
    // Photos and videos uploaded for a post that was never sent.
    setInterval(() => s.social.media.purgeUnused(24).catch(onError), 3_600_000),
    setInterval(
      () => s.redPackets.refundExpired().catch(onError),
      s.config.redPackets.expirySweepMs,
    ),
    // Overdue IOUs and due-date reminders, each effect once whichever process gets there.
    setInterval(() => s.ious.runScheduledWork().catch(onError), s.config.ious.sweepMs),
  ];
  for (const t of timers) t.unref();
  return async () => {
    for (const t of timers) clearInterval(t);
    await s.ledger.stop();
    await s.notifications.stop();
  };
}
