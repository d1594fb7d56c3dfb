import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * Payment PINs are kept as HMAC-SHA256(key, user id ‖ PIN) under a key the database does not
 * hold (docs/architecture.md, Identity, has the threat model). A stored value names its key:
 * `hmac-sha256$<key id>$<base64url mac>`, so keys can be rotated: every configured key still
 * verifies, and a correct entry under an older key is rewritten under the current one.
 */
export interface PinKey {
  id: string;
  key: Buffer;
}

/** The key every install has: derived from HEBAO_SECRET, so it needs no setting of its own. */
export const SECRET_PIN_KEY_ID = 's0';

const PREFIX = 'hmac-sha256$';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

function derive(material: string, id: string): Buffer {
  return Buffer.from(hkdfSync('sha256', material, '', `hebao pin mac ${id}`, 32));
}

/**
 * The keyring: `extra` (HEBAO_PIN_KEYS, newest first) and then the key derived from the
 * secret. The first key is current; the others only verify.
 */
export function pinKeyring(secret: string, extra: readonly { id: string; secret: string }[] = []) {
  const keys: PinKey[] = extra.map((k) => ({ id: k.id, key: derive(k.secret, k.id) }));
  if (!keys.some((k) => k.id === SECRET_PIN_KEY_ID)) {
    keys.push({ id: SECRET_PIN_KEY_ID, key: derive(secret, SECRET_PIN_KEY_ID) });
  }
  return new PinKeyring(keys);
}

export type PinVerdict = 'match' | 'match_old_key' | 'mismatch';

export class PinKeyring {
  private readonly byId: Map<string, Buffer>;

  constructor(private readonly keys: readonly PinKey[]) {
    if (keys.length === 0) throw new Error('a PIN keyring needs at least one key');
    for (const k of keys) {
      if (!KEY_ID.test(k.id)) throw new Error(`PIN key id "${k.id}" must be 1–32 of [A-Za-z0-9_-]`);
    }
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    if (this.byId.size !== keys.length) throw new Error('PIN key ids must be distinct');
  }

  get currentId(): string {
    return this.keys[0]!.id;
  }

  static isMac(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  /** The stored form of `pin` for `userId` under the current key. */
  seal(userId: string, pin: string): string {
    const { id, key } = this.keys[0]!;
    return `${PREFIX}${id}$${mac(key, userId, pin).toString('base64url')}`;
  }

  /** Every key's stored form of `pin`, for comparing in the database whichever key a row names. */
  sealAll(userId: string, pin: string): string[] {
    return this.keys.map(
      ({ id, key }) => `${PREFIX}${id}$${mac(key, userId, pin).toString('base64url')}`,
    );
  }

  get ids(): string[] {
    return this.keys.map((k) => k.id);
  }

  /** The id of the key a stored MAC names. */
  static keyIdOf(stored: string): string | undefined {
    return stored.split('$')[1];
  }

  /**
   * Checks `pin` against a stored MAC in constant time. A MAC under a key that is no longer
   * configured is an operator error (the PIN cannot be checked), not a wrong guess.
   */
  verify(stored: string, userId: string, pin: string): PinVerdict {
    const [, id, encoded] = stored.split('$');
    const key = id === undefined ? undefined : this.byId.get(id);
    if (!key || encoded === undefined) {
      throw new Error(
        `PIN key "${id}" is not configured (HEBAO_PIN_KEYS); this PIN cannot be checked`,
      );
    }
    const expected = Buffer.from(encoded, 'base64url');
    const actual = mac(key, userId, pin);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return 'mismatch';
    return id === this.currentId ? 'match' : 'match_old_key';
  }
}

function mac(key: Buffer, userId: string, pin: string): Buffer {
  // The user id binds a MAC to its row: equal PINs look different and cannot be copied across.
  return createHmac('sha256', key).update(`${userId}\u0000${pin}`).digest();
}
