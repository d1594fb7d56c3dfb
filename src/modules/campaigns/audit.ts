import type { Queryable } from '../../db/pool.ts';

export interface AdminAction {
  actorId: string;
  action: string;
  target: { type: string; id: string };
  detail: Record<string, unknown>;
  at: Date;
}

/**
 * Where operators' campaign and charity actions are recorded, in the action's transaction:
 * the platform's audit log (services.ts passes its writer).
 */
export type AuditWriter = (q: Queryable, entry: AdminAction) => Promise<void>;
