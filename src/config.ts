import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BANDS, IOU_LIMIT_BY_BAND, type IouCreditLimits } from './modules/credit/model.ts';
import { CURRENCIES, DEFAULT_FX_RATES, type FxRates } from './platform/money.ts';

/** Everything Hebao reads from its environment, validated in this one place. */
export interface Config {
  port: number;
  host: string;
  /** External PostgreSQL; when absent Hebao starts its embedded one under dataDir/pg. */
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  adminPhones: string[];
  logLevel: string;
  /** Key for keyed hashes (ID numbers, tokens). Generated once into dataDir when not given. */
  secret: string;
  /**
   * Extra keys for payment-PIN MACs, newest (current) first; the key derived from `secret`
   * (id "s0") always verifies too. See docs/architecture.md, Identity, for rotation.
   */
  pinKeys: { id: string; secret: string }[];
  /** In-process caches of what every request reads; ttlMs 0 turns them off. */
  cache: { maxEntries: number; ttlMs: number };
  ledger: {
    /** Most transfers one group-commit batch may carry. */
    maxBatchTransfers: number;
    /** Batches one process may have in flight at once. */
    maxInFlightBatches: number;
    /** How often open pending transfers are checked for their timeout. */
    expirySweepMs: number;
  };
  dbPoolSize: number;
  /** How long a SIGTERM waits for in-flight requests before closing their connections. */
  shutdownGraceMs: number;
  /**
   * Behind a TLS proxy: whether (true) or which addresses (a list) to trust for
   * X-Forwarded-For / -Proto, so the client address (rate limits, logs) is the real one.
   */
  trustProxy: boolean | string;
  wallet: WalletConfig;
  groups: GroupConfig;
  expenses: ExpenseConfig;
  redPackets: RedPacketConfig;
  ious: IouConfig;
  family: FamilyConfig;
  merchants: MerchantConfig;
  /** Requests per minute, per client address (register, login) or per user (the rest). */
  rateLimits: { register: number; login: number; verification: number; pin: number };
  /** Phone codes per hour from one client address (each number has its own limits too). */
  phoneCodesPerAddress: number;
  /** The sandbox SMS channel sends this code instead of a random one (tests, demos). */
  smsSandboxCode: string | undefined;
  /** The origin passkeys are bound to (its host is the RP id); unset: the request's own. */
  webauthnOrigin: string | undefined;
  /** Per-account login backoff: free tries, then a delay that doubles with each failure. */
  loginThrottle: { freeTries: number; baseDelaySeconds: number; maxDelaySeconds: number };
  /**
   * Prometheus metrics: on the main port only with a bearer token; on a port of their own
   * when `port` is set. Neither: no /metrics at all.
   */
  metrics: { token: string | undefined; port: number | undefined };
  campaigns: CampaignsConfig;
  conversations: ConversationConfig;
}

export interface ConversationConfig {
  /** Text messages one user may send per minute (HEBAO_RATE_MESSAGES). */
  messagesPerMinute: number;
  /** Direct conversations one user may open per minute. */
  opensPerMinute: number;
}

export interface WalletConfig {
  maxTopupAmount: number;
  maxWithdrawalAmount: number;
  /** Limits for verified users; unverified users cannot send money out at all. */
  verified: { perTransfer: number; daily: number };
  /** Hours a transfer waiting for acceptance stays claimable before it is refunded. */
  acceptanceHours: number;
  /** Calendar used for daily limits and monthly statements. */
  timeZone: string;
  /** What each currency counts as against the (CNY) limits: HEBAO_FX_RATES. */
  fxRates: FxRates;
  /** Tries of a withdrawal whose bank call fails before it is failed and its hold released. */
  withdrawalMaxAttempts: number;
  /** Wait after a withdrawal's first failed bank call; doubled after each further one. */
  withdrawalRetrySeconds: number;
  /** Age after which a top-up that never reached the ledger is reconciled with the bank. */
  topupReconcileSeconds: number;
}

export interface GroupConfig {
  /** Most members a group may have (WeChat's groups stop at 500). */
  maxMembers: number;
  /** Minutes between two reminders of one collection (AA 收款). */
  collectionReminderMinutes: number;
}

export interface ExpenseConfig {
  /** Largest amount one shared expense may record. */
  maxAmount: number;
}

export interface RedPacketConfig {
  /** Most an envelope to one person may carry. */
  maxToPerson: number;
  /** Most a group envelope may carry per share, on average: its total ≤ this × count. */
  maxPerShareInGroup: number;
  /** Most shares one envelope may be split into. */
  maxCount: number;
  /** Hours an envelope stays claimable; then what is left goes back to the sender. */
  expiryHours: number;
  /** Limits for verified users; unverified users cannot send envelopes at all. */
  verified: { daily: number };
  /** How often each process looks for envelopes past their expiry. */
  expirySweepMs: number;
}

export interface IouConfig {
  /** Highest annual interest rate an IOU may carry, in basis points (2400 = 24%). */
  maxRateBps: number;
  /** Largest principal one IOU may lend. */
  maxAmount: number;
  /** Latest due date, in days after the request. */
  maxTermDays: number;
  /** Days before the due date that the borrower is reminded (iou.due_soon). */
  reminderDaysBefore: number;
  /** Calendar on which interest accrues per day and due dates fall. */
  timeZone: string;
  /** How often each process marks overdue IOUs and sends reminders. */
  sweepMs: number;
  /** Largest principal of one IOU per credit band (docs/credit.md); `off`: none. */
  creditLimits: IouCreditLimits | 'off';
}

export interface FamilyConfig {
  /** Most a payer may let one family member spend a month. */
  maxMonthlyLimit: number;
  /** Calendar whose months the limits run on (default: the wallet's, Asia/Shanghai). */
  timeZone: string;
}

/** Card campaigns, green energy and the charity farm (docs/campaigns.md explains each value). */
export interface CampaignsConfig {
  /** Calendar whose days the daily draws, feed and actions count in. */
  timeZone: string;
  /** How often each process looks for campaigns due to be drawn. */
  sweepMs: number;
  /** Default for a campaign: accounts that may collect from one device (X-Device-Id). */
  maxAccountsPerDevice: number;
  /** Cards one collector may give in 24 hours. */
  giftsPerDay: number;
  /** Default for a campaign: extra draws the day's first payment, scan and gift received earn. */
  extraDraws: { payment: number; scan: number; giftReceived: number };
  energy: {
    /** Hours before a new energy ball may be collected. */
    ripenHours: number;
    /** Percent of a ripe ball each friend may collect once (at least 1 g). */
    friendSharePercent: number;
    /** Grams a payment earns, by merchant category (others earn nothing). */
    grams: { transit: number; bike: number; utilities: number; ebill: number };
    species: { key: string; name: string; cost: number }[];
  };
  farm: {
    /** Grams of feed a payment earns (the payer's), at most `paymentsPerDay` times a day. */
    feedPerPayment: number;
    paymentsPerDay: number;
    /** Feed one meal takes, and the most feed a farm holds. */
    feedPerMeal: number;
    maxFeed: number;
    /** Minutes a meal lasts; the hen lays one egg when it ends. */
    mealMinutes: number;
  };
}

export interface MerchantConfig {
  /** Days an escrowed payment waits for the payer's confirmation before it is released. */
  escrowDays: number;
  /** How often each process releases the escrows that are due. */
  escrowSweepMs: number;
  /** Life of a dynamic payment request when none is asked for, and the longest allowed. */
  requestDefaultSeconds: number;
  requestMaxSeconds: number;
  /** Merchants one user may register. */
  maxPerOwner: number;
}

export class ConfigError extends Error {}

/**
 * HEBAO_IOU_CREDIT_LIMITS: `off`, or `band=fen,…` overriding IOU_LIMIT_BY_BAND per band
 * (poor, fair, good, very_good, excellent); a higher band may never get less.
 */
function iouCreditLimits(raw: string | undefined): IouCreditLimits | 'off' {
  if (raw?.trim() === 'off') return 'off';
  const limits: Record<string, number> = { ...IOU_LIMIT_BY_BAND };
  for (const entry of (raw ?? '').split(',').filter((e) => e.trim() !== '')) {
    const m = /^\s*([a-z_]+)\s*=\s*(\d{1,15})\s*$/.exec(entry);
    if (!m || !(m[1]! in IOU_LIMIT_BY_BAND)) {
      throw new ConfigError(`HEBAO_IOU_CREDIT_LIMITS: "${entry}" is not band=amount`);
    }
    limits[m[1]!] = Number(m[2]);
  }
  const ordered = BANDS.map((b) => limits[b.band]!).reverse();
  if (ordered.some((x, k) => k > 0 && x < ordered[k - 1]!)) {
    throw new ConfigError('HEBAO_IOU_CREDIT_LIMITS: a higher band must not have a lower limit');
  }
  return limits as IouCreditLimits;
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function loadOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function pinKeys(raw: string | undefined): { id: string; secret: string }[] {
  if (!raw?.trim()) return [];
  const keys = raw.split(',').map((entry) => {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at).trim();
    const secret = entry.slice(at + 1).trim();
    if (at < 0 || !/^[A-Za-z0-9_-]{1,32}$/.test(id)) {
      throw new ConfigError('HEBAO_PIN_KEYS must be id:secret pairs separated by commas');
    }
    if (secret.length < 32) {
      throw new ConfigError(`HEBAO_PIN_KEYS key "${id}" must be at least 32 characters`);
    }
    return { id, secret };
  });
  if (new Set(keys.map((k) => k.id)).size !== keys.length) {
    throw new ConfigError('HEBAO_PIN_KEYS names a key id twice');
  }
  return keys;
}

function trustProxy(raw: string | undefined): boolean | string {
  const value = (raw ?? '').trim();
  if (value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  // Addresses or CIDR ranges of the proxies, comma-separated (Fastify's trustProxy list).
  if (!/^[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*$/.test(value)) {
    throw new ConfigError(
      `HEBAO_TRUST_PROXY must be 1, 0 or a comma-separated list of proxy addresses, got "${value}"`,
    );
  }
  return value;
}

function timeZone(name: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
  } catch {
    throw new ConfigError(`HEBAO_TIME_ZONE "${name}" is not an IANA time zone`);
  }
  return name;
}

function sandboxCode(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!/^\d{6}$/.test(raw)) throw new ConfigError('HEBAO_SMS_SANDBOX_CODE must be six digits');
  return raw;
}

/**
 * HEBAO_FX_RATES: `USD=7.25,JPY=0.048`, yuan per major unit (up to six decimals), overriding
 * DEFAULT_FX_RATES per currency. CNY is always 1.
 */
function fxRates(raw: string | undefined): FxRates {
  const rates: Record<string, bigint> = { ...DEFAULT_FX_RATES };
  for (const entry of (raw ?? '').split(',').filter((e) => e.trim() !== '')) {
    const m = /^\s*([A-Z]{3})\s*=\s*(\d{1,5})(?:\.(\d{1,6}))?\s*$/.exec(entry);
    if (!m || CURRENCIES[m[1]!] === undefined || m[1] === 'CNY') {
      throw new ConfigError(`HEBAO_FX_RATES: "${entry}" is not CUR=rate for a supported currency`);
    }
    const micro = BigInt(m[2]!) * 1_000_000n + BigInt((m[3] ?? '').padEnd(6, '0'));
    if (micro === 0n) throw new ConfigError(`HEBAO_FX_RATES: ${m[1]} must be above 0`);
    rates[m[1]!] = micro;
  }
  return rates;
}

export function loadConfig(env: Env = process.env): Config {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const dataDir = path.resolve(env.HEBAO_DATA_DIR || './data');
  const secret = env.HEBAO_SECRET || loadOrCreateSecret(dataDir);
  if (secret.length < 32) throw new ConfigError('HEBAO_SECRET must be at least 32 characters');
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL "${logLevel}" is not a pino level`);
  }
  const metricsToken = env.HEBAO_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && metricsToken.length < 16) {
    throw new ConfigError('HEBAO_METRICS_TOKEN must be at least 16 characters');
  }
  return {
    metrics: {
      token: metricsToken,
      port: env.HEBAO_METRICS_PORT ? int(env, 'HEBAO_METRICS_PORT', 0, 1, 65535) : undefined,
    },
    port: int(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    databaseUrl,
    dataDir,
    embeddedPgPort: int(env, 'HEBAO_EMBEDDED_PG_PORT', 54329, 1024, 65535),
    adminPhones: (env.HEBAO_ADMIN_PHONES ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
    logLevel,
    secret,
    pinKeys: pinKeys(env.HEBAO_PIN_KEYS),
    cache: {
      maxEntries: int(env, 'HEBAO_CACHE_MAX_ENTRIES', 50_000, 1, 10_000_000),
      ttlMs: int(env, 'HEBAO_CACHE_TTL_MS', 60_000, 0, 3_600_000),
    },
    ledger: {
      maxBatchTransfers: int(env, 'HEBAO_LEDGER_MAX_BATCH', 4000, 1, 100_000),
      maxInFlightBatches: int(env, 'HEBAO_LEDGER_IN_FLIGHT', 2, 1, 64),
      expirySweepMs: int(env, 'HEBAO_LEDGER_EXPIRY_SWEEP_MS', 1000, 10, 3_600_000),
    },
    dbPoolSize: int(env, 'HEBAO_DB_POOL', 20, 2, 500),
    shutdownGraceMs: int(env, 'HEBAO_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    trustProxy: trustProxy(env.HEBAO_TRUST_PROXY),
    wallet: {
      maxTopupAmount: int(env, 'HEBAO_MAX_TOPUP', 5_000_000, 1, Number.MAX_SAFE_INTEGER),
      maxWithdrawalAmount: int(env, 'HEBAO_MAX_WITHDRAWAL', 5_000_000, 1, Number.MAX_SAFE_INTEGER),
      verified: {
        perTransfer: int(env, 'HEBAO_LIMIT_PER_TRANSFER', 5_000_000, 1, Number.MAX_SAFE_INTEGER),
        daily: int(env, 'HEBAO_LIMIT_DAILY', 20_000_000, 1, Number.MAX_SAFE_INTEGER),
      },
      acceptanceHours: int(env, 'HEBAO_ACCEPTANCE_HOURS', 24, 1, 24 * 30),
      timeZone: timeZone(env.HEBAO_TIME_ZONE || 'Asia/Shanghai'),
      fxRates: fxRates(env.HEBAO_FX_RATES),
      withdrawalMaxAttempts: int(env, 'HEBAO_WITHDRAWAL_MAX_ATTEMPTS', 8, 1, 100),
      withdrawalRetrySeconds: int(env, 'HEBAO_WITHDRAWAL_RETRY_SECONDS', 30, 1, 86_400),
      topupReconcileSeconds: int(env, 'HEBAO_TOPUP_RECONCILE_SECONDS', 120, 1, 86_400),
    },
    groups: {
      maxMembers: int(env, 'HEBAO_GROUP_MAX_MEMBERS', 500, 2, 100_000),
      collectionReminderMinutes: int(env, 'HEBAO_COLLECTION_REMINDER_MINUTES', 60, 1, 7 * 24 * 60),
    },
    expenses: {
      maxAmount: int(env, 'HEBAO_EXPENSE_MAX_AMOUNT', 100_000_000, 1, Number.MAX_SAFE_INTEGER),
    },
    // Bounds keep every envelope total (≤ 10^12) far below the split's MAX_SPLIT_TOTAL (2^46).
    redPackets: {
      maxToPerson: int(env, 'HEBAO_REDPACKET_MAX_TO_PERSON', 20_000, 1, 1_000_000_000),
      maxPerShareInGroup: int(env, 'HEBAO_REDPACKET_MAX_PER_SHARE', 20_000, 1, 1_000_000_000),
      maxCount: int(env, 'HEBAO_REDPACKET_MAX_COUNT', 100, 1, 1000),
      expiryHours: int(env, 'HEBAO_REDPACKET_EXPIRY_HOURS', 24, 1, 24 * 30),
      verified: {
        daily: int(env, 'HEBAO_REDPACKET_DAILY', 2_000_000, 1, Number.MAX_SAFE_INTEGER),
      },
      expirySweepMs: int(env, 'HEBAO_REDPACKET_SWEEP_MS', 5_000, 10, 3_600_000),
    },
    ious: {
      maxRateBps: int(env, 'HEBAO_IOU_MAX_RATE_BPS', 2400, 0, 100_000),
      maxAmount: int(env, 'HEBAO_IOU_MAX_AMOUNT', 5_000_000, 1, Number.MAX_SAFE_INTEGER),
      maxTermDays: int(env, 'HEBAO_IOU_MAX_TERM_DAYS', 365, 1, 3650),
      reminderDaysBefore: int(env, 'HEBAO_IOU_REMINDER_DAYS', 3, 0, 365),
      timeZone: timeZone(env.HEBAO_IOU_TIME_ZONE || env.HEBAO_TIME_ZONE || 'Asia/Shanghai'),
      sweepMs: int(env, 'HEBAO_IOU_SWEEP_MS', 60_000, 10, 86_400_000),
      creditLimits: iouCreditLimits(env.HEBAO_IOU_CREDIT_LIMITS),
    },
    family: {
      maxMonthlyLimit: int(
        env,
        'HEBAO_FAMILY_MAX_MONTHLY_LIMIT',
        2_000_000,
        1,
        Number.MAX_SAFE_INTEGER,
      ),
      timeZone: timeZone(env.HEBAO_FAMILY_TIME_ZONE || env.HEBAO_TIME_ZONE || 'Asia/Shanghai'),
    },
    merchants: {
      escrowDays: int(env, 'HEBAO_ESCROW_DAYS', 7, 0, 365),
      escrowSweepMs: int(env, 'HEBAO_ESCROW_SWEEP_MS', 5_000, 10, 86_400_000),
      requestDefaultSeconds: int(env, 'HEBAO_PAYMENT_REQUEST_SECONDS', 300, 10, 86_400),
      requestMaxSeconds: int(env, 'HEBAO_PAYMENT_REQUEST_MAX_SECONDS', 86_400, 10, 30 * 86_400),
      maxPerOwner: int(env, 'HEBAO_MERCHANTS_PER_OWNER', 20, 1, 10_000),
    },
    rateLimits: {
      register: int(env, 'HEBAO_RATE_REGISTER', 20, 1, 1_000_000),
      login: int(env, 'HEBAO_RATE_LOGIN', 20, 1, 1_000_000),
      verification: int(env, 'HEBAO_RATE_VERIFICATION', 10, 1, 1_000_000),
      pin: int(env, 'HEBAO_RATE_PIN', 20, 1, 1_000_000),
    },
    phoneCodesPerAddress: int(env, 'HEBAO_RATE_PHONE_CODES', 20, 1, 1_000_000),
    smsSandboxCode: sandboxCode(env.HEBAO_SMS_SANDBOX_CODE),
    webauthnOrigin: webauthnOrigin(env.HEBAO_WEBAUTHN_ORIGIN),
    loginThrottle: {
      freeTries: int(env, 'HEBAO_LOGIN_FREE_TRIES', 5, 1, 1000),
      baseDelaySeconds: int(env, 'HEBAO_LOGIN_DELAY_SECONDS', 30, 1, 86_400),
      maxDelaySeconds: int(env, 'HEBAO_LOGIN_MAX_DELAY_SECONDS', 3600, 1, 7 * 86_400),
    },
    campaigns: {
      timeZone: timeZone(env.HEBAO_CAMPAIGN_TIME_ZONE || env.HEBAO_TIME_ZONE || 'Asia/Shanghai'),
      sweepMs: int(env, 'HEBAO_CAMPAIGN_SWEEP_MS', 30_000, 10, 86_400_000),
      maxAccountsPerDevice: int(env, 'HEBAO_CAMPAIGN_ACCOUNTS_PER_DEVICE', 2, 1, 100),
      giftsPerDay: int(env, 'HEBAO_CAMPAIGN_GIFTS_PER_DAY', 10, 1, 10_000),
      extraDraws: {
        payment: int(env, 'HEBAO_CAMPAIGN_EXTRA_DRAW_PAYMENT', 1, 0, 100),
        scan: int(env, 'HEBAO_CAMPAIGN_EXTRA_DRAW_SCAN', 1, 0, 100),
        giftReceived: int(env, 'HEBAO_CAMPAIGN_EXTRA_DRAW_GIFT', 1, 0, 100),
      },
      energy: {
        ripenHours: int(env, 'HEBAO_ENERGY_RIPEN_HOURS', 24, 0, 24 * 30),
        friendSharePercent: int(env, 'HEBAO_ENERGY_FRIEND_SHARE_PERCENT', 10, 1, 50),
        grams: {
          transit: int(env, 'HEBAO_ENERGY_TRANSIT_G', 80, 0, 100_000),
          bike: int(env, 'HEBAO_ENERGY_BIKE_G', 50, 0, 100_000),
          utilities: int(env, 'HEBAO_ENERGY_UTILITIES_G', 20, 0, 100_000),
          ebill: int(env, 'HEBAO_ENERGY_EBILL_G', 10, 0, 100_000),
        },
        species: [
          {
            key: 'saxaul',
            name: '梭梭树 Saxaul',
            cost: int(env, 'HEBAO_TREE_SAXAUL_G', 17_900, 1, 10_000_000),
          },
          {
            key: 'sand_willow',
            name: '沙柳 Sand willow',
            cost: int(env, 'HEBAO_TREE_SAND_WILLOW_G', 19_680, 1, 10_000_000),
          },
          {
            key: 'mongolian_pine',
            name: '樟子松 Mongolian pine',
            cost: int(env, 'HEBAO_TREE_PINE_G', 146_210, 1, 10_000_000),
          },
        ],
      },
      farm: {
        feedPerPayment: int(env, 'HEBAO_FARM_FEED_PER_PAYMENT', 180, 1, 100_000),
        paymentsPerDay: int(env, 'HEBAO_FARM_PAYMENTS_PER_DAY', 4, 0, 1000),
        feedPerMeal: int(env, 'HEBAO_FARM_FEED_PER_MEAL', 180, 1, 100_000),
        maxFeed: int(env, 'HEBAO_FARM_MAX_FEED', 1800, 1, 10_000_000),
        mealMinutes: int(env, 'HEBAO_FARM_MEAL_MINUTES', 240, 1, 7 * 24 * 60),
      },
    },
    conversations: {
      messagesPerMinute: int(env, 'HEBAO_RATE_MESSAGES', 60, 1, 1_000_000),
      opensPerMinute: 30,
    },
  };
}

function webauthnOrigin(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || url.hostname === 'localhost') return url.origin;
  } catch {}
  throw new ConfigError(
    `HEBAO_WEBAUTHN_ORIGIN must be an https:// origin (or http://localhost), got ${raw}`,
  );
}
