/** The composition root: builds every module's service once, from config, database and clock. */
import type { Config } from './config.ts';
import type { Db, Queryable, Tx } from './db/pool.ts';
import { AuditLog } from './modules/audit/index.ts';
import { type AdminAction, CampaignService } from './modules/campaigns/index.ts';
import {
  CircleService,
  circleCommentTarget,
  circlePostTarget,
  circleTarget,
} from './modules/circles/index.ts';
import {
  ConversationLive,
  ConversationService,
  insertMoments,
  MESSAGE_TARGET,
  MOMENT_WRITER,
  type MomentRow,
  MoneyMoments,
  messageTarget,
} from './modules/conversations/index.ts';
import { CREDIT_INPUTS_CHANGED, CreditService } from './modules/credit/index.ts';
import { DEFAULT_DEVICE_OPTIONS, DeviceService } from './modules/devices/index.ts';
import {
  circleAndMerchantInterests,
  circleCandidates,
  DiscoveryService,
  merchantCandidates,
} from './modules/discovery/index.ts';
import { EnergyService } from './modules/energy/index.ts';
import { FamilyService } from './modules/family/index.ts';
import { FarmService } from './modules/farm/index.ts';
import {
  CollectionService,
  ExpenseService,
  GroupFundService,
  GroupsService,
} from './modules/groups/index.ts';
import { IdentityService, SandboxSmsChannel } from './modules/identity/index.ts';
import { IouService } from './modules/ious/index.ts';
import { Ledger } from './modules/ledger/index.ts';
import {
  EscrowService,
  LocalLifeService,
  MerchantService,
  reviewReportTarget,
} from './modules/merchants/index.ts';
import { type DecisionRow, ModerationService } from './modules/moderation/index.ts';
import { NotificationService } from './modules/notifications/index.ts';
import { PasskeyService } from './modules/passkeys/index.ts';
import { RedPacketService } from './modules/redpackets/index.ts';
import { RiskService } from './modules/risk/index.ts';
import {
  BanService,
  ReportTargets,
  ReviewService,
  redPacketTarget,
  userTarget,
} from './modules/safety/index.ts';
import { SocialGraph } from './modules/social/graph.ts';
import { createSocialServices, type SocialServices } from './modules/social/index.ts';
import { socialCommentTarget, socialPostTarget } from './modules/social/report-targets.ts';
import {
  FEED_PAYMENT_TOPIC,
  type FeedPayment,
  PaymentPipeline,
  type RiskHook,
  type RiskInput,
  SandboxBankChannel,
  WalletService,
} from './modules/wallet/index.ts';
import { CacheBus, registerCacheMetrics } from './platform/cache-bus.ts';
import type { Clock } from './platform/clock.ts';
import { IdempotencyStore } from './platform/idempotency.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import { enqueue, OutboxDispatcher } from './platform/outbox.ts';

export interface Services {
  config: Config;
  db: Db;
  clock: Clock;
  metrics: Metrics;
  /** Invalidation of the in-process caches across processes; started with the background jobs. */
  cacheBus: CacheBus;
  ledger: Ledger;
  identity: IdentityService;
  sms: SandboxSmsChannel;
  graph: SocialGraph;
  social: SocialServices;
  notifications: NotificationService;
  moderation: ModerationService;
  idempotency: IdempotencyStore;
  outbox: OutboxDispatcher;
  pipeline: PaymentPipeline;
  bank: SandboxBankChannel;
  wallet: WalletService;
  groups: GroupsService;
  groupFund: GroupFundService;
  collections: CollectionService;
  expenses: ExpenseService;
  redPackets: RedPacketService;
  ious: IouService;
  family: FamilyService;
  /** The devices each user used (X-Device-Id); `devices.isNew` is the risk fact deviceIsNew. */
  devices: DeviceService;
  audit: AuditLog;
  /** What users can report; modules register their own kinds of content. */
  reportTargets: ReportTargets;
  bans: BanService;
  reviews: ReviewService;
  circles: CircleService;
  campaigns: CampaignService;
  farm: FarmService;
  /** Green energy; merchant payments call `energy.onPayment(tx, …)` in their transaction. */
  energy: EnergyService;
  /** Circles and merchants add their candidates with `discovery.addSource(kind, …)`. */
  discovery: DiscoveryService;
  risk: RiskService;
  passkeys: PasskeyService;
  conversations: ConversationService;
  /** Pushes each committed message to its members' open streams in this process. */
  conversationLive: ConversationLive;
  merchants: MerchantService;
  escrow: EscrowService;
  localLife: LocalLifeService;
  credit: CreditService;
}

/** What the process gives its services beyond config, and what a test may replace. */
export interface ServiceOptions {
  /**
   * Where the LISTEN connections go (cache invalidation, live notifications): DATABASE_URL,
   * or the embedded PostgreSQL's URL that only `openDatabase` knows.
   */
  databaseUrl?: string;
  /** The payment pipeline's risk stage in place of the risk engine (tests). */
  risk?: RiskHook;
  /** The score circles' creditScore rules read (default: the credit module's stored score). */
  creditScoreOf?: (userId: string) => Promise<number | null>;
  /** With `risk`: what to read ahead while the PIN is checked (bench:risk). */
  riskPrefetch?: (input: RiskInput) => Promise<unknown> | undefined;
}

export function createServices(
  config: Config,
  db: Db,
  clock: Clock,
  overrides: ServiceOptions = {},
): Services {
  const metrics = createMetrics();
  const databaseUrl = overrides.databaseUrl ?? config.databaseUrl;
  const cacheBus = new CacheBus(databaseUrl, config.cache);
  registerCacheMetrics(metrics.registry, cacheBus);
  const ledger = new Ledger(db, clock, config.ledger, metrics);
  // Operators' actions, each written in the transaction of the action it records.
  const audit = new AuditLog(db, clock);
  const moderation = new ModerationService(db, clock, config.dataDir);
  const sms = new SandboxSmsChannel(clock);
  const identity = new IdentityService(db, clock, {
    secret: config.secret,
    adminPhones: config.adminPhones,
    sessionDays: 30,
    pinMaxTries: 5,
    pinLockMinutes: 180,
    pinKeys: config.pinKeys,
    cacheBus,
    screenNickname: async (nickname) => {
      await moderation.checkOrRefuse(nickname, 'nickname');
    },
    sms,
    smsSandboxCode: config.smsSandboxCode,
    loginThrottle: config.loginThrottle,
  });
  const graph = new SocialGraph(db, cacheBus);
  const notifications = new NotificationService(db, clock, databaseUrl);
  // Money moments ride the money's transaction: group-committed, or in a feature's own.
  ledger.registerBatchWriter(MOMENT_WRITER, (tx, rows) => insertMoments(tx, rows as MomentRow[]));
  const moments = new MoneyMoments();
  const social = createSocialServices(db, clock, {
    graph,
    identity,
    notifications,
    moderate: (text, context, userId) => moderation.check(text, context, userId),
    secret: config.secret,
    dataDir: config.dataDir,
    cacheBus,
    // The review queue is built below; held text reaches it through this late binding.
    holdForReview: (q, target, authorId) => reviews.holdForReview(q, target, authorId),
  });
  const bank = new SandboxBankChannel(clock);
  const idempotency = new IdempotencyStore(db);
  const passkeys = new PasskeyService(db, clock);
  const outbox = new OutboxDispatcher(db);
  // Set once the campaign services exist (below); the outbox delivers only after start.
  let paymentRewards: (tx: Tx, payments: FeedPayment[]) => Promise<void> = async () => {};
  outbox.on(FEED_PAYMENT_TOPIC, async (tx, payloads) => {
    const payments = payloads.map((payload) => {
      const p = payload as unknown as FeedPayment & { createdAt: string };
      return { ...p, createdAt: new Date(p.createdAt) };
    });
    await social.feed.recordPaymentsIn(tx, payments);
    // A payment is also the payer's daily action for campaigns (and feed for the farm).
    await paymentRewards(tx, payments);
  });
  const pipeline: PaymentPipeline = new PaymentPipeline({
    db,
    ledger,
    clock,
    identity,
    graph,
    idempotency,
    notifications,
    outbox: { enqueue, kick: () => outbox.kick() },
    timeZone: config.wallet.timeZone,
    fxRates: config.wallet.fxRates,
    // The risk engine's hook, made below (it needs the pipeline to settle holds).
    risk: (input) => decide(input),
    // Only for the engine's own hook (a test's hook has no use for it).
    riskPrefetch: overrides.risk
      ? (input) => overrides.riskPrefetch?.(input)
      : (input) => risk.prefetch(input),
    passkeys,
  });
  const risk: RiskService = new RiskService({
    db,
    clock,
    ledger,
    pipeline,
    timeZone: config.wallet.timeZone,
    rulesTtlMs: 2_000,
    // The stored score, one indexed read; called per payment, long after credit below exists.
    creditScoreOf: overrides.creditScoreOf ?? ((userId) => credit.scoreOf(userId)),
    // Called per payment, long after the devices module below exists.
    deviceIsNew: (userId, deviceId) => devices.isNew(userId, deviceId),
    audit,
  });
  const decide: RiskHook = overrides.risk ?? risk.decide;
  // A refused note is 422 content_rejected (and logged at once); one held for review is stored
  // but not shown around. A payment's note is logged by the payment's own commit.
  ledger.registerBatchWriter('moderation', (tx, rows) =>
    moderation.writeDecisions(tx, rows as DecisionRow[]),
  );
  const screenNote = async (note: string, userId: string) => {
    const verdict = await moderation.checkOrRefuse(note, 'note', userId);
    return verdict.action === 'review' ? ('review' as const) : ('allow' as const);
  };
  const screenPaymentNote = async (note: string, userId: string) => {
    const { verdict, log } = await moderation.judgeOrRefuse(note, 'note', userId);
    return {
      verdict: verdict.action === 'review' ? ('review' as const) : ('allow' as const),
      ...(log ? { log: { writer: 'moderation', row: log } } : {}),
    };
  };
  const wallet = new WalletService(
    db,
    clock,
    ledger,
    identity,
    bank,
    notifications,
    config.wallet,
    pipeline,
    {
      screenNote: screenPaymentNote,
      defaultVisibility: (userId) => social.privacy.defaultPaymentVisibility(userId),
      findByPhone: (callerId, phone) => social.privacy.findByPhone(callerId, phone),
      transferMoment: async (m) =>
        moments.between(m.fromUserId, m.toUserId, {
          senderId: m.fromUserId,
          kind: 'transfer',
          refId: m.transferId,
          key: `transfer:${m.transferId}`,
          data: {
            fromUserId: m.fromUserId,
            toUserId: m.toUserId,
            amount: m.amount,
            currency: m.currency,
            note: m.note,
          },
          at: m.at,
        }),
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
    pipeline,
    notifications,
    limits: {
      perTransfer: config.wallet.verified.perTransfer,
      daily: config.wallet.verified.daily,
      reminderMinutes: config.groups.collectionReminderMinutes,
    },
    screenNote,
    moments,
  };
  const groupFund = new GroupFundService(groupMoney);
  const collections = new CollectionService(groupMoney);
  const expenses = new ExpenseService({ ...groupMoney, config: config.expenses });
  const redPackets = new RedPacketService({
    db,
    clock,
    ledger,
    identity,
    groups,
    wallet,
    pipeline,
    notifications,
    config: config.redPackets,
    moments,
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
  const credit = new CreditService({
    db,
    clock,
    timeZone: config.ious.timeZone,
    audit: (q, entry) => audit.record(q, entry),
    // A dispute the payer opened and an operator decided wholly for the merchant.
    disputesLost: async (q, userId) =>
      Number(
        (
          await q.query<{ n: string }>(
            `SELECT count(*) AS n FROM merchant_disputes
              WHERE opened_by = $1 AND status = 'resolved' AND refund_amount = 0`,
            [userId],
          )
        ).rows[0]!.n,
      ),
  });
  outbox.on(CREDIT_INPUTS_CHANGED, (tx, payloads) =>
    credit.recomputeIn(
      tx,
      payloads.map((p) => String(p.userId)),
    ),
  );
  const limits = config.ious.creditLimits;
  const ious = new IouService({
    db,
    clock,
    ledger,
    identity,
    graph,
    pipeline,
    notifications,
    config: config.ious,
    dailyLimit: config.wallet.verified.daily,
    ...(limits !== 'off'
      ? { creditLimit: (borrowerId: string) => credit.iouLimit(borrowerId, limits) }
      : {}),
    // Screened like a transfer note: refused → 422 content_rejected; held for review → kept.
    screenPurpose: async (purpose, borrowerId) => {
      await moderation.checkOrRefuse(purpose, 'note', borrowerId);
    },
  });
  const devices = new DeviceService(db, clock, {
    secret: config.secret,
    ...DEFAULT_DEVICE_OPTIONS,
  });
  const bans = new BanService(db, clock, { audit, devices, cacheBus });
  const reportTargets = new ReportTargets();
  const reviews = new ReviewService(db, clock, { targets: reportTargets, bans, audit });
  const circles = new CircleService({
    db,
    clock,
    audit,
    media: social.media,
    moderate: (text, context, userId) => moderation.check(text, context, userId),
    holdForReview: (q, target, authorId) => reviews.holdForReview(q, target, authorId),
    creditScoreOf: overrides.creditScoreOf ?? ((userId) => credit.scoreOf(userId)),
  });
  social.media.circleMediaAccess = (viewerId, postId) => circles.mayViewPostMedia(viewerId, postId);
  reportTargets.register('post', circlePostTarget);
  reportTargets.register('post', socialPostTarget);
  reportTargets.register('comment', circleCommentTarget);
  reportTargets.register('comment', socialCommentTarget);
  reportTargets.register('circle', circleTarget);
  reportTargets.register('user', userTarget);
  reportTargets.register('red_packet', redPacketTarget);
  // Operators' campaign and charity actions go to the one audit log (GET /admin/audit).
  const auditWriter = (q: Queryable, e: AdminAction) =>
    audit.record(q, { actorId: e.actorId, action: e.action, target: e.target, detail: e.detail });
  const campaigns = new CampaignService({
    audit: auditWriter,
    db,
    clock,
    ledger,
    graph,
    pipeline,
    notifications,
    config: config.campaigns,
  });
  const farm = new FarmService({
    audit: auditWriter,
    db,
    clock,
    ledger,
    pipeline,
    config: config.campaigns.farm,
    timeZone: config.campaigns.timeZone,
  });
  paymentRewards = async (tx, payments) => {
    const earned = payments.map((p) => ({
      userId: p.fromUserId,
      sourceId: p.transferId,
      at: p.createdAt,
    }));
    await campaigns.recordActions(
      tx,
      earned.map((e) => ({ ...e, action: 'payment' as const })),
    );
    await farm.earnFeedForPayments(tx, earned);
  };
  const conversations = new ConversationService({
    db,
    clock,
    areFriends: (a, b) => graph.areFriends(a, b),
    blockedEitherWay: (a, b) => graph.blockedEitherWay(a, b),
    userExists: async (id) => (await identity.user(id)) !== undefined,
    // Like a post: refused → 422 content_rejected (logged at once); doubtful → held, its
    // decision logged with the message.
    screen: async (text, userId) => {
      const { verdict, log } = await moderation.judgeOrRefuse(text, 'message', userId);
      return {
        held: verdict.action === 'review',
        ...(log ? { log: { writer: 'moderation', row: log } } : {}),
      };
    },
    writeRows: (tx, rows) => ledger.writeBatchRows(tx, rows),
    holdForReview: (q, target, authorId) => reviews.holdForReview(q, target, authorId),
  });
  reportTargets.register(MESSAGE_TARGET, messageTarget);
  const family = new FamilyService({
    db,
    clock,
    ledger,
    identity,
    graph,
    wallet,
    pipeline,
    notifications,
    config: config.family,
  });
  // Names, addresses, titles and reasons are screened like nicknames and notes.
  const screenMerchantText = async (text: string, userId: string) => {
    await moderation.checkOrRefuse(text, 'nickname', userId);
  };
  const energy = new EnergyService({
    db,
    clock,
    graph,
    notifications,
    config: config.campaigns.energy,
  });
  // A merchant payment grows green energy (by its category), is the payer's campaign action of
  // the day and the farm's feed, all in the payment's transaction.
  const onMerchantPaid = async (
    tx: Tx,
    p: { userId: string; category: string; amount: number; paymentId: string },
  ) => {
    await energy.onPayment(tx, p);
    await campaigns.recordAction(tx, p.userId, 'payment', p.paymentId, clock.now());
    await farm.earnFeedIn(tx, p.userId, p.paymentId, clock.now());
  };
  const merchants = new MerchantService({
    onPaid: onMerchantPaid,
    db,
    clock,
    ledger,
    identity,
    pipeline,
    family,
    notifications,
    config: config.merchants,
    limits: config.wallet.verified,
    timeZone: config.wallet.timeZone,
    secret: config.secret,
    screenText: screenMerchantText,
  });
  const escrow = new EscrowService({
    db,
    clock,
    ledger,
    identity,
    pipeline,
    notifications,
    // Dispute resolutions are operator actions: in the audit log, in the resolution's transaction.
    audit: (tx, e) => audit.record(tx, e),
    screenText: async (text, userId) => {
      await moderation.checkOrRefuse(text, 'note', userId);
    },
  });
  const localLife = new LocalLifeService({
    db,
    clock,
    holdForReview: (q, target, authorId) => reviews.holdForReview(q, target, authorId),
    moderate: async (text, userId) => {
      const verdict = await moderation.checkOrRefuse(text, 'comment', userId);
      return verdict.action === 'review' ? 'review' : 'allow';
    },
    screenText: screenMerchantText,
  });
  reportTargets.register('review', reviewReportTarget);
  const discovery = new DiscoveryService(db, clock);
  discovery.addSource(
    'circle',
    circleCandidates(db, () => clock.now()),
  );
  discovery.addSource(
    'merchant',
    merchantCandidates(db, () => clock.now()),
  );
  discovery.addInterests(circleAndMerchantInterests(db));
  return {
    devices,
    audit,
    reportTargets,
    bans,
    reviews,
    circles,
    config,
    db,
    clock,
    metrics,
    cacheBus,
    ledger,
    identity,
    sms,
    graph,
    social,
    notifications,
    moderation,
    idempotency,
    outbox,
    pipeline,
    bank,
    wallet,
    groups,
    groupFund,
    collections,
    expenses,
    redPackets,
    ious,
    campaigns,
    farm,
    energy,
    discovery,
    risk,
    passkeys,
    conversations,
    conversationLive: new ConversationLive(db, notifications),
    family,
    merchants,
    escrow,
    localLife,
    credit,
  };
}

/** Background work every instance runs; all of it is safe to run in several processes at once. */
export function startBackgroundJobs(
  s: Services,
  onError: (err: unknown) => void,
): () => Promise<void> {
  s.ledger.startExpirySweeper(onError);
  s.outbox.start(onError);
  void s.cacheBus.start(onError).catch(onError);
  s.conversationLive.reportErrorsTo(onError);
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
    // Campaigns past their draw date: each paid once, whichever process claims it.
    setInterval(() => s.campaigns.runDueDraws().catch(onError), s.config.campaigns.sweepMs),
    // Escrows past HEBAO_ESCROW_DAYS released to their merchants, each once (SKIP LOCKED).
    setInterval(() => s.escrow.releaseDue().catch(onError), s.config.merchants.escrowSweepMs),
    // Scores whose inputs time alone moved (account age, days overdue, payment windows).
    setInterval(() => s.credit.refreshStale().catch(onError), 60_000),
  ];
  for (const t of timers) t.unref();
  return async () => {
    for (const t of timers) clearInterval(t);
    await s.outbox.stop();
    await s.ledger.stop();
    await s.notifications.stop();
    await s.cacheBus.stop();
  };
}
