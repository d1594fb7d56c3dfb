import type { Clock } from '../../platform/clock.ts';

export type ChannelOutcome = 'succeeded' | 'failed' | 'processing';

/** The bank-card rail behind top-ups and withdrawals. Calls are idempotent by `reference`. */
export interface BankChannel {
  charge(reference: string, amount: bigint, currency: string): Promise<ChannelOutcome>;
  payout(reference: string, amount: bigint, currency: string): Promise<ChannelOutcome>;
  /** What became of an earlier payout; `unknown` if the channel never received it. */
  payoutStatus(reference: string): Promise<ChannelOutcome | 'unknown'>;
}

export type SandboxMode = { kind: 'succeed' } | { kind: 'fail' } | { kind: 'delay'; ms: number };

/**
 * The development channel: succeeds by default, and can be told to decline or to answer
 * late (a payout then stays `processing` until the delay has passed on the clock).
 */
export class SandboxBankChannel implements BankChannel {
  private mode: SandboxMode = { kind: 'succeed' };
  private readonly payouts = new Map<string, { outcome: ChannelOutcome; settlesAt: number }>();

  constructor(private readonly clock: Clock) {}

  setMode(mode: SandboxMode): void {
    this.mode = mode;
  }

  getMode(): SandboxMode {
    return this.mode;
  }

  async charge(): Promise<ChannelOutcome> {
    return this.mode.kind === 'fail' ? 'failed' : 'succeeded';
  }

  async payout(reference: string): Promise<ChannelOutcome> {
    const known = this.payouts.get(reference);
    if (!known) {
      const now = this.clock.now().getTime();
      this.payouts.set(reference, {
        outcome: this.mode.kind === 'fail' ? 'failed' : 'succeeded',
        settlesAt: this.mode.kind === 'delay' ? now + this.mode.ms : now,
      });
    }
    return this.status(reference);
  }

  async payoutStatus(reference: string): Promise<ChannelOutcome | 'unknown'> {
    return this.payouts.has(reference) ? this.status(reference) : 'unknown';
  }

  private status(reference: string): ChannelOutcome {
    const p = this.payouts.get(reference)!;
    return this.clock.now().getTime() >= p.settlesAt ? p.outcome : 'processing';
  }
}
