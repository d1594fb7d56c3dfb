import type { Queryable } from '../../db/pool.ts';
import { newId } from '../../platform/ids.ts';

export interface AdminAction {
  actorId: string;
  action: string;
  target: { type: string; id: string };
  detail: Record<string, unknown>;
  at: Date;
}

/**
 * Where operators' campaign and charity actions are recorded, in the action's transaction.
 * The platform's audit log (GET /admin/audit) is not on this branch: services.ts passes a
 * writer for it once it lands; until then `campaign_audit` keeps them.
 */
export type AuditWriter = (q: Queryable, entry: AdminAction) => Promise<void>;

export const campaignAuditTable: AuditWriter = async (q, e) => {
  await q.query(
    `INSERT INTO campaign_audit (id, actor_id, action, target_type, target_id, detail, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [newId(), e.actorId, e.action, e.target.type, e.target.id, JSON.stringify(e.detail), e.at],
  );
};
