import type { Clock } from '../../platform/clock.ts';
import { normalizePhone } from './phone.ts';

export interface SmsMessage {
  /** E.164. */
  to: string;
  text: string;
  sentAt: Date;
}

/** The text-message rail behind phone codes. A real gateway implements this one method. */
export interface SmsChannel {
  send(to: string, text: string): Promise<void>;
}

/**
 * The development channel: sends nothing, keeps every message (tests read codes from it) and
 * writes each to the log, so someone running Hebao locally can read their code there.
 */
export class SandboxSmsChannel implements SmsChannel {
  private readonly sent: SmsMessage[] = [];
  private log: ((message: SmsMessage) => void) | undefined;

  constructor(private readonly clock: Clock) {}

  /** Where messages are written (the server's logger, attached when the routes start). */
  logTo(log: (message: SmsMessage) => void): void {
    this.log = log;
  }

  async send(to: string, text: string): Promise<void> {
    const message = { to, text, sentAt: this.clock.now() };
    // Bounded: a long-running sandbox server must not grow without end.
    if (this.sent.length >= 1000) this.sent.shift();
    this.sent.push(message);
    this.log?.(message);
  }

  /** Messages sent to one number (any accepted spelling), oldest first. */
  messagesTo(phone: string): SmsMessage[] {
    const to = normalizePhone(phone) ?? phone;
    return this.sent.filter((m) => m.to === to);
  }

  /** The six-digit code in the newest message to a number, if any. */
  lastCodeTo(to: string): string | undefined {
    return this.messagesTo(to)
      .at(-1)
      ?.text.match(/\b(\d{6})\b/)?.[1];
  }
}
