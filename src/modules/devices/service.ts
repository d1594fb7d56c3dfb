import { createHmac } from 'node:crypto';
import type { Db, Queryable } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, invalid } from '../../platform/errors.ts';

/** `X-Device-Id`: a stable id the client generates once (the web app: one per browser). */
export const DEVICE_HEADER = 'x-device-id';
const MIN = 8;
const MAX = 128;

/**
 * The device id a request carries, or undefined without one. A malformed one is refused
 * rather than ignored: a client that sends garbage would otherwise escape device bans.
 */
export function deviceIdOf(headers: Record<string, string | string[] | undefined>) {
  const raw = headers[DEVICE_HEADER];
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (
    value === undefined ||
    value.length < MIN ||
    value.length > MAX ||
    /[^\x21-\x7e]/.test(value)
  ) {
    throw invalid(`X-Device-Id must be ${MIN}–${MAX} printable ASCII characters`, {
      field: 'X-Device-Id',
    });
  }
  return value;
}

export interface DeviceOptions {
  secret: string;
  /** A device first seen by a user less than this long ago (after sign-up) is new. */
  newForMs: number;
  /** How often one user's use of one device is written (last_seen): at most once per this. */
  touchEveryMs: number;
}

export const DEFAULT_DEVICE_OPTIONS = { newForMs: 24 * 3_600_000, touchEveryMs: 5 * 60_000 };

/**
 * The devices each user used, by keyed hash (the raw id never reaches the database). Written
 * on register, log-in and every authenticated request that names its device, at most once per
 * `touchEveryMs` per user and device (an in-process memo), so a burst of payments costs one
 * write. A permanent ban covers the hashes (see safety/bans.ts).
 */
export class DeviceService {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: DeviceOptions,
  ) {}

  /** The keyed hash stored and banned: equal ids match, the id cannot be read back. */
  hash(deviceId: string): Buffer {
    return createHmac('sha256', this.options.secret).update(`device:${deviceId}`).digest();
  }

  /** 403 `banned` when a permanent ban covers this device (registration from it). */
  async refuseBanned(deviceId: string, q: Queryable = this.db): Promise<void> {
    const { rowCount } = await q.query(
      `SELECT 1 FROM bans WHERE kind = 'device' AND subject = $1
          AND (expires_at IS NULL OR expires_at > $2)`,
      [this.hash(deviceId).toString('hex'), this.clock.now()],
    );
    if (rowCount) throw new AppError('banned', 'this device is banned');
  }

  /** Records that `userId` used `deviceId` now (first and last seen). */
  async record(userId: string, deviceId: string, q: Queryable = this.db): Promise<void> {
    const now = this.clock.now();
    await q.query(
      `INSERT INTO user_devices (user_id, device_hash, first_seen_at, last_seen_at)
       VALUES ($1, $2, $3, $3)
       ON CONFLICT (user_id, device_hash) DO UPDATE SET last_seen_at = GREATEST(user_devices.last_seen_at, $3)`,
      [userId, this.hash(deviceId), now],
    );
    this.touched.set(`${userId}|${deviceId}`, now.getTime());
  }

  /** As `record`, skipped when this process wrote the pair within `touchEveryMs`. */
  async touch(userId: string, deviceId: string): Promise<void> {
    const key = `${userId}|${deviceId}`;
    const last = this.touched.get(key);
    if (last !== undefined && this.clock.now().getTime() - last < this.options.touchEveryMs) return;
    if (this.touched.size > 100_000) this.touched.clear();
    await this.record(userId, deviceId);
  }

  /**
   * The risk signal `deviceIsNew`: the user never used this device, or started using it less
   * than `newForMs` ago and not at sign-up (the device one registers with is not "new"; the
   * account's age says that). One primary-key probe.
   */
  async isNew(userId: string, deviceId: string): Promise<boolean> {
    const { rows } = await this.db.query<{ fresh: boolean }>(
      `SELECT d.first_seen_at > $3::timestamptz - make_interval(secs => $4 / 1000.0)
              AND d.first_seen_at > u.created_at + interval '1 minute' AS fresh
         FROM user_devices d JOIN users u ON u.id = d.user_id
        WHERE d.user_id = $1 AND d.device_hash = $2`,
      [userId, this.hash(deviceId), this.clock.now(), this.options.newForMs],
    );
    return rows[0]?.fresh ?? true;
  }

  /** Hex hashes of every device the user used (what a permanent ban covers). */
  async hashesOf(userId: string, q: Queryable = this.db): Promise<string[]> {
    const { rows } = await q.query<{ h: string }>(
      `SELECT encode(device_hash, 'hex') AS h FROM user_devices WHERE user_id = $1`,
      [userId],
    );
    return rows.map((r) => r.h);
  }
}
