/**
 * Money moments as messages. A feature that moves money asks for the rows of its moment before
 * it commits and hands them to the payment pipeline with the money (`Effects.rows` for a
 * group-committed movement, `pipeline.writeEffects(tx, …)` inside its own transaction): the
 * message commits with the money or not at all, and `momentKey` keeps it to one per movement
 * whatever replays and retries do.
 */
import type { BatchRow } from '../ledger/index.ts';
import { directConversationId, type MomentKind, type MomentRow } from './store.ts';

export const MOMENT_WRITER = 'conversations';

export interface Moment {
  senderId: string;
  kind: MomentKind;
  /** The id of what moved (a transfer, an envelope, a collection), and what the card opens. */
  refId: string;
  /** Unique per movement: `<what>:<id>`. */
  key: string;
  data: Record<string, unknown>;
  at: Date;
}

export class MoneyMoments {
  /**
   * A moment between two users, in their direct conversation (made if need be) — written only
   * if they are friends when the money commits (the writer checks, in that transaction):
   * strangers have no conversation, and their money shows in their history alone.
   */
  between(from: string, to: string, moment: Moment): BatchRow[] {
    if (from === to) return [];
    return [this.row(directConversationId(from, to), moment, [from, to])];
  }

  /** A moment in a group's conversation (which every group has: its id is the group's). */
  inGroup(groupId: string, moment: Moment): BatchRow[] {
    return [this.row(groupId, moment)];
  }

  private row(conversationId: string, m: Moment, pair?: [string, string]): BatchRow {
    const row: MomentRow = {
      conversationId,
      ...(pair ? { pair } : {}),
      senderId: m.senderId,
      kind: m.kind,
      refId: m.refId,
      momentKey: m.key,
      data: m.data,
      createdAt: m.at.toISOString(),
    };
    return { writer: MOMENT_WRITER, row };
  }
}

/** Until services.ts wires the conversations module in, a feature writes no moments. */
export const noMoments: Pick<MoneyMoments, 'between' | 'inGroup'> = {
  between: () => [],
  inGroup: () => [],
};
