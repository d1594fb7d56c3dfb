/**
 * Passkeys (WebAuthn) with @simplewebauthn/server: register passkeys on the account, and
 * confirm a payment with a passkey assertion instead of the PIN (the pipeline's PIN stage
 * calls `verifyPayment`). Every ceremony uses a challenge the server issued for that user and
 * purpose, taken once (DELETE … RETURNING), within 5 minutes. User verification (the device's
 * fingerprint, face or screen lock) is required for payments.
 */
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type { Db } from '../../db/pool.ts';
import type { Clock } from '../../platform/clock.ts';
import { AppError, conflict, invalid, notFound } from '../../platform/errors.ts';
import type { PasskeyAssertion, PasskeyVerifier } from '../wallet/pipeline.ts';

const CHALLENGE_MS = 5 * 60_000;
const MAX_PASSKEYS = 10;

/** Where the ceremony runs: the relying party id (a host name) and the page's origin. */
export interface RelyingParty {
  rpId: string;
  origin: string;
}

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface PasskeyRow {
  id: string;
  user_id: string;
  public_key: Buffer;
  counter: string;
  transports: string[];
  name: string;
  created_at: Date;
  last_used_at: Date | null;
}

const view = (r: PasskeyRow): PasskeyView => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
});

const refused = () => new AppError('pin_invalid', 'the passkey did not confirm this payment');

/** The challenge a response signed, from its clientDataJSON (verified again by the library). */
function challengeOf(clientDataJSON: unknown): string | undefined {
  if (typeof clientDataJSON !== 'string') return undefined;
  try {
    const data = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    return typeof data.challenge === 'string' ? data.challenge : undefined;
  } catch {
    return undefined;
  }
}

export class PasskeyService implements PasskeyVerifier {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly rpName = 'Hebao 荷包',
  ) {}

  private async issue(
    userId: string,
    purpose: 'register' | 'pay',
    rp: RelyingParty,
    challenge: string,
  ) {
    const now = this.clock.now();
    await this.db.query(
      `WITH gone AS (DELETE FROM passkey_challenges WHERE expires_at < $6)
       INSERT INTO passkey_challenges (challenge, user_id, purpose, rp_id, origin, expires_at)
       VALUES ($1, $2, $3, $4, $5, $7)`,
      [challenge, userId, purpose, rp.rpId, rp.origin, now, new Date(now.getTime() + CHALLENGE_MS)],
    );
  }

  private async take(userId: string, purpose: 'register' | 'pay', challenge: string | undefined) {
    if (!challenge) return undefined;
    const { rows } = await this.db.query<{ rp_id: string; origin: string }>(
      `DELETE FROM passkey_challenges
        WHERE challenge = $1 AND user_id = $2 AND purpose = $3 AND expires_at > $4
        RETURNING rp_id, origin`,
      [challenge, userId, purpose, this.clock.now()],
    );
    return rows[0];
  }

  async registrationOptions(
    user: { id: string; nickname: string; phone?: string },
    rp: RelyingParty,
  ) {
    const existing = await this.rows(user.id);
    if (existing.length >= MAX_PASSKEYS) {
      throw conflict(`at most ${MAX_PASSKEYS} passkeys per account`);
    }
    const options = await generateRegistrationOptions({
      rpName: this.rpName,
      rpID: rp.rpId,
      userName: user.nickname,
      userDisplayName: user.nickname,
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({
        id: p.id,
        transports: p.transports as AuthenticatorTransportFuture[],
      })),
      authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    });
    await this.issue(user.id, 'register', rp, options.challenge);
    return options;
  }

  async register(userId: string, response: RegistrationResponseJSON, name: string | undefined) {
    const expected = await this.take(
      userId,
      'register',
      challengeOf(response?.response?.clientDataJSON),
    );
    if (!expected)
      throw invalid('ask for registration options first (or again)', { field: 'response' });
    let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
    try {
      result = await verifyRegistrationResponse({
        response,
        expectedChallenge: () => true, // taken above: issued to this user, unexpired, once
        expectedOrigin: expected.origin,
        expectedRPID: expected.rp_id,
        requireUserVerification: true,
      });
    } catch (err) {
      throw invalid(`the passkey could not be registered: ${(err as Error).message}`, {
        field: 'response',
      });
    }
    if (!result.verified || !result.registrationInfo) {
      throw invalid('the passkey could not be registered', { field: 'response' });
    }
    const { credential } = result.registrationInfo;
    const { rows } = await this.db.query<PasskeyRow>(
      `INSERT INTO passkeys (id, user_id, public_key, counter, transports, name, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING *`,
      [
        credential.id,
        userId,
        Buffer.from(credential.publicKey),
        credential.counter,
        credential.transports ?? response.response.transports ?? [],
        name?.trim() || 'Passkey',
        this.clock.now(),
      ],
    );
    if (!rows[0]) throw conflict('this passkey is already registered');
    return view(rows[0]);
  }

  private async rows(userId: string): Promise<PasskeyRow[]> {
    const { rows } = await this.db.query<PasskeyRow>(
      'SELECT * FROM passkeys WHERE user_id = $1 ORDER BY created_at',
      [userId],
    );
    return rows;
  }

  async list(userId: string): Promise<PasskeyView[]> {
    return (await this.rows(userId)).map(view);
  }

  async remove(userId: string, id: string): Promise<void> {
    const { rowCount } = await this.db.query(
      'DELETE FROM passkeys WHERE id = $1 AND user_id = $2',
      [id, userId],
    );
    // Someone else's passkey is reported exactly like one that does not exist.
    if (!rowCount) throw notFound('passkey');
  }

  /** Options to confirm a payment: the user's own passkeys, user verification required. */
  async paymentOptions(userId: string, rp: RelyingParty) {
    const mine = await this.rows(userId);
    if (mine.length === 0) throw conflict('no passkey is registered on this account');
    const options = await generateAuthenticationOptions({
      rpID: rp.rpId,
      allowCredentials: mine.map((p) => ({
        id: p.id,
        transports: p.transports as AuthenticatorTransportFuture[],
      })),
      userVerification: 'required',
    });
    await this.issue(userId, 'pay', rp, options.challenge);
    return options;
  }

  /**
   * The PIN stage's alternative: the assertion must answer a payment challenge issued to this
   * user, be signed by one of this user's passkeys with user verification, and its counter
   * must move forward (a cloned authenticator shows an old counter).
   */
  async verifyPayment(userId: string, assertion: PasskeyAssertion): Promise<void> {
    const response = assertion as unknown as AuthenticationResponseJSON;
    const expected = await this.take(
      userId,
      'pay',
      challengeOf(response?.response?.clientDataJSON),
    );
    if (!expected || typeof response.id !== 'string') throw refused();
    const { rows } = await this.db.query<PasskeyRow>(
      'SELECT * FROM passkeys WHERE id = $1 AND user_id = $2',
      [response.id, userId],
    );
    const key = rows[0];
    if (!key) throw refused();
    let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
    try {
      result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: () => true, // taken above: issued to this user, unexpired, once
        expectedOrigin: expected.origin,
        expectedRPID: expected.rp_id,
        credential: {
          id: key.id,
          publicKey: new Uint8Array(key.public_key),
          counter: Number(key.counter),
          transports: key.transports as AuthenticatorTransportFuture[],
        },
        requireUserVerification: true,
      });
    } catch {
      throw refused();
    }
    if (!result.verified) throw refused();
    const { rowCount } = await this.db.query(
      `UPDATE passkeys SET counter = $3, last_used_at = $4
        WHERE id = $1 AND user_id = $2 AND (counter < $3 OR $3 = 0)`,
      [key.id, userId, result.authenticationInfo.newCounter, this.clock.now()],
    );
    if (!rowCount) throw refused();
  }
}
