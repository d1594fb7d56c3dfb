/** The composition root: builds every module's service once, from config, database and clock. */
import type { Config } from './config.ts';
import type { Db } from './db/pool.ts';
import { GroupsService } from './modules/groups/index.ts';
import { IdentityService } from './modules/identity/index.ts';
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
  redPackets: RedPacketService;
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
    moderate: (text, context) => moderation.check(text, context),
    secret: config.secret,
    dataDir: config.dataDir,
  });
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
    {
      screenNote: async (note, userId) => {
        const verdict = await moderation.checkOrRefuse(note, 'note', userId);
        return verdict.action === 'review' ? 'review' : 'allow';
      },
      defaultVisibility: (userId) => social.privacy.defaultPaymentVisibility(userId),
      recordPayment: (payment) => social.feed.recordPayment(payment),
    },
  );
  const groups = new GroupsService(db, clock, identity, graph, config.groups);
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
        : { allowed: true };
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
    redPackets,
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
    // Photos and videos uploaded for a post that was never sent.
    setInterval(() => s.social.media.purgeUnused(24).catch(onError), 3_600_000),
    setInterval(
      () => s.redPackets.refundExpired().catch(onError),
      s.config.redPackets.expirySweepMs,
    ),
  ];
  for (const t of timers) t.unref();
  return async () => {
    for (const t of timers) clearInterval(t);
    await s.ledger.stop();
    await s.notifications.stop();
  };
}
