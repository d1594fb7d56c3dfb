import type { Clock } from '../../platform/clock.ts';

export type ChannelOutcome = 'succeeded' | 'failed' | 'processing';

/** The bank-card rail behind top-ups and withdrawals. Calls are idempotent by `reference`. */
export interface BankChannel {
  charge(reference: string, amount: bigint, currency: string): Promise<ChannelOutcome>;
  /** What became of an earlier charge; `unknown` if the channel never received it. */
  chargeStatus(reference: string): Promise<ChannelOutcome | 'unknown'>;
  /** Gives a succeeded charge back to the card (once per reference). */
  refund(reference: string): Promise<void>;
  payout(reference: string, amount: bigint, currency: string): Promise<ChannelOutcome>;
  /** What became of an earlier payout; `unknown` if the channel never received it. */
  payoutStatus(reference: string): Promise<ChannelOutcome | 'unknown'>;
}

export type SandboxMode = { kind: 'succeed' } | { kind: 'fail' } | { kind: 'delay'; ms: number };

/** A call the sandbox is about to answer, for `setFault`. */
export interface SandboxCall {
  op: 'charge' | 'chargeStatus' | 'refund' | 'payout' | 'payoutStatus';
  reference: string;
  amount?: bigint;
}

/**
 * What the sandbox does wrong on purpose: `throw` fails the call before the bank sees it (the
 * bank is unreachable); `lose` does the call and then throws (the answer is lost on the way
 * back, as when Hebao crashes after the bank acted).
 */
export type SandboxFault = (call: SandboxCall) => 'throw' | 'lose' | undefined;

/**
 * The development channel: succeeds by default, and can be told to decline, to answer
 * late (a payout then stays `processing` until the delay has passed on the clock), or to
 * fail calls (`setFault`).
 */
export class SandboxBankChannel implements BankChannel {
  private mode: SandboxMode = { kind: 'succeed' };
  private fault: SandboxFault | undefined;
  private readonly payouts = new Map<string, { outcome: ChannelOutcome; settlesAt: number }>();
  private readonly charges = new Map<
    string,
    { outcome: ChannelOutcome; amount: bigint; refunded: boolean }
  >();

  constructor(private readonly clock: Clock) {}

  setMode(mode: SandboxMode): void {
    this.mode = mode;
  }

  getMode(): SandboxMode {
    return this.mode;
  }

  setFault(fault: SandboxFault | undefined): void {
    this.fault = fault;
  }

  /** A charge as the bank has it (tests check that a refund happened once). */
  chargeRecord(reference: string) {
    return this.charges.get(reference);
  }

  private async call<T>(c: SandboxCall, act: () => T): Promise<T> {
    const fault = this.fault?.(c);
    if (fault === 'throw') throw new Error(`sandbox bank: ${c.op} ${c.reference} unreachable`);
    const result = act();
    if (fault === 'lose') throw new Error(`sandbox bank: ${c.op} ${c.reference} answer lost`);
    return result;
  }

  charge(reference: string, amount: bigint): Promise<ChannelOutcome> {
    return this.call({ op: 'charge', reference, amount }, () => {
      const known = this.charges.get(reference);
      if (known) return known.outcome;
      const outcome = this.mode.kind === 'fail' ? 'failed' : 'succeeded';
      this.charges.set(reference, { outcome, amount, refunded: false });
      return outcome;
    });
  }

  chargeStatus(reference: string): Promise<ChannelOutcome | 'unknown'> {
    return this.call({ op: 'chargeStatus', reference }, () => {
      return this.charges.get(reference)?.outcome ?? 'unknown';
    });
  }

  refund(reference: string): Promise<void> {
    return this.call({ op: 'refund', reference }, () => {
      const c = this.charges.get(reference);
      if (c?.outcome === 'succeeded') c.refunded = true;
    });
  }

  payout(reference: string, amount: bigint): Promise<ChannelOutcome> {
    return this.call({ op: 'payout', reference, amount }, () => {
      const known = this.payouts.get(reference);
      if (!known) {
        const now = this.clock.now().getTime();
        this.payouts.set(reference, {
          outcome: this.mode.kind === 'fail' ? 'failed' : 'succeeded',
          settlesAt: this.mode.kind === 'delay' ? now + this.mode.ms : now,
        });
      }
      return this.status(reference);
    });
  }

  payoutStatus(reference: string): Promise<ChannelOutcome | 'unknown'> {
    return this.call({ op: 'payoutStatus', reference }, () =>
      this.payouts.has(reference) ? this.status(reference) : 'unknown',
    );
  }

  private status(reference: string): ChannelOutcome {
    const p = this.payouts.get(reference)!;
    return this.clock.now().getTime() >= p.settlesAt ? p.outcome : 'processing';
  }
}
